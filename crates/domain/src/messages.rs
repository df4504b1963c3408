//! What the buyer reads after paying, for every documented `status_detail`, in Spanish,
//! Portuguese and English.
//!
//! The wording of the card results follows Mercado Pago's "Payment creation results" page
//! (docs/mercadopago.md#statuses-and-buyer-messages): the English table
//! (<https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/response-handling/collection-results>),
//! its Spanish original
//! (<https://www.mercadopago.com.mx/developers/es/docs/checkout-api/response-handling/collection-results>)
//! and the Portuguese page
//! (<https://www.mercadopago.com.br/developers/pt/docs/checkout-api/response-handling/query-results>).
//! Details of the extended list have no suggested text; ours is written in the same tone.
//! Placeholders: `{amount}`, `{payment_method}`, `{installments}`, `{statement_descriptor}`.

use rust_decimal::Decimal;

/// A buyer language (stored as its code: `es`, `pt`, `en`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Spanish.
    Es,
    /// Portuguese.
    Pt,
    /// English.
    En,
}

impl Lang {
    /// `es-AR` → Spanish, `pt-BR` → Portuguese, `en-US` → English; others → `None`.
    pub fn from_locale(locale: &str) -> Option<Lang> {
        let lang = locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match lang.as_str() {
            "es" => Some(Lang::Es),
            "pt" => Some(Lang::Pt),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// `es`, `pt` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::Pt => "pt",
            Lang::En => "en",
        }
    }
}

/// The facts a message may mention.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageContext<'a> {
    /// Amount charged, in currency units.
    pub amount: Decimal,
    /// ISO 4217 currency.
    pub currency_id: &'a str,
    /// `visa`, `master`... (shown by name).
    pub payment_method_id: &'a str,
    /// Installments asked for.
    pub installments: u32,
    /// Statement text (falls back to "Mercado Pago").
    pub statement_descriptor: Option<&'a str>,
}

type Texts = [&'static str; 3];

/// `(status, status_detail)` → `[es, pt, en]`. `status` `*` matches any status.
const MESSAGES: &[(&str, &str, Texts)] = &[
    (
        "approved",
        "accredited",
        [
            "¡Listo! Se acreditó tu pago. En tu resumen verás el cargo de {amount} como {statement_descriptor}.",
            "Pronto, seu pagamento foi aprovado! Na fatura, você verá a cobrança de {amount} como {statement_descriptor}.",
            "Done! Your payment was credited. Your statement will show the {amount} charge as {statement_descriptor}.",
        ],
    ),
    (
        "approved",
        "partially_refunded",
        [
            "Tu pago fue acreditado y tiene al menos una devolución parcial.",
            "Seu pagamento foi aprovado e tem pelo menos um reembolso parcial.",
            "Your payment was credited and has at least one partial refund.",
        ],
    ),
    (
        "authorized",
        "pending_capture",
        [
            "Tu pago fue autorizado y está pendiente de confirmación.",
            "Seu pagamento foi autorizado e aguarda confirmação.",
            "Your payment was authorized and is waiting to be captured.",
        ],
    ),
    (
        "in_process",
        "offline_process",
        [
            "Estamos procesando tu pago. Te avisaremos por e-mail cuando se acredite.",
            "Estamos processando seu pagamento. Avisaremos por e-mail quando for aprovado.",
            "We are processing your payment. We will let you know by e-mail when it is credited.",
        ],
    ),
    (
        "in_process",
        "pending_contingency",
        [
            "Estamos procesando tu pago. No te preocupes, en menos de 2 días hábiles te avisaremos por e-mail si se acreditó.",
            "Estamos processando seu pagamento. Não se preocupe, em menos de 2 dias úteis informaremos por e-mail se foi aprovado.",
            "We are processing your payment. Don't worry! You will be notified via e-mail if the payment was credited in less than 2 business days.",
        ],
    ),
    (
        "in_process",
        "pending_review_manual",
        [
            "Estamos procesando tu pago. No te preocupes, en menos de 2 días hábiles te avisaremos por e-mail si se acreditó o si necesitamos más información.",
            "Estamos processando seu pagamento. Não se preocupe, em menos de 2 dias úteis informaremos por e-mail se foi aprovado ou se precisamos de mais informações.",
            "We are processing your payment. Don't worry! You will be notified via e-mail if it is credited or if we need more information in less than 2 business days.",
        ],
    ),
    (
        "pending",
        "pending_challenge",
        [
            "Tu banco necesita confirmar el pago. Sigue sus instrucciones para terminar.",
            "Seu banco precisa confirmar o pagamento. Siga as instruções dele para concluir.",
            "Your bank needs to confirm the payment. Follow its instructions to finish.",
        ],
    ),
    (
        "pending",
        "pending_waiting_payment",
        ["Estamos esperando tu pago.", "Estamos aguardando seu pagamento.", "We are waiting for your payment."],
    ),
    (
        "pending",
        "pending_waiting_transfer",
        [
            "Estamos esperando la transferencia.",
            "Estamos aguardando a transferência.",
            "We are waiting for the transfer.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_bad_filled_card_number",
        ["Revisa el número de tarjeta.", "Revise o número do cartão.", "Check the card number."],
    ),
    (
        "rejected",
        "cc_rejected_bad_filled_date",
        ["Revisa la fecha de vencimiento.", "Revise a data de vencimento.", "Check the expiration date."],
    ),
    ("rejected", "cc_rejected_bad_filled_other", ["Revisa los datos.", "Revise os dados.", "Check the data."]),
    (
        "rejected",
        "cc_rejected_bad_filled_security_code",
        [
            "Revisa el código de seguridad de la tarjeta.",
            "Revise o código de segurança do cartão.",
            "Check the card security code.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_blacklist",
        [
            "No pudimos procesar tu pago.",
            "Não conseguimos processar seu pagamento.",
            "Your payment couldn't be processed.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_call_for_authorize",
        [
            "Debes autorizar ante {payment_method} el pago de {amount}.",
            "Você deve autorizar junto à {payment_method} o pagamento de {amount}.",
            "Authorize the {amount} payment to {payment_method}.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_card_disabled",
        [
            "Llama a {payment_method} para activar tu tarjeta o usa otro medio de pago. El teléfono está al dorso de tu tarjeta.",
            "Ligue para a {payment_method} para ativar seu cartão ou use outro meio de pagamento. O telefone está no verso do seu cartão.",
            "Call {payment_method} to activate your card, or use a different payment method. The phone is on the back of your card.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_card_error",
        [
            "No pudimos procesar tu pago.",
            "Não conseguimos processar seu pagamento.",
            "Your payment couldn't be processed.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_duplicated_payment",
        [
            "Ya hiciste un pago por ese valor. Si necesitas volver a pagar, usa otra tarjeta u otro medio de pago.",
            "Você já fez um pagamento com esse valor. Se precisar pagar novamente, use outro cartão ou outro meio de pagamento.",
            "You have already made a payment for that value. If you need to pay again, use a different card or payment method.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_high_risk",
        [
            "Tu pago fue rechazado. Elige otro de los medios de pago; te recomendamos medios en efectivo.",
            "Seu pagamento foi recusado. Escolha outro meio de pagamento; recomendamos meios em dinheiro.",
            "Your payment was rejected. Select a different payment method; we recommend cash methods.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_insufficient_amount",
        [
            "Tu {payment_method} no tiene fondos suficientes.",
            "Seu {payment_method} não tem saldo suficiente.",
            "Your {payment_method} does not have enough funds.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_invalid_installments",
        [
            "{payment_method} no procesa pagos en {installments} cuotas.",
            "{payment_method} não processa pagamentos em {installments} parcelas.",
            "{payment_method} does not process payments in {installments} installments.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_max_attempts",
        [
            "Llegaste al límite de intentos permitidos. Elige otra tarjeta u otro medio de pago.",
            "Você atingiu o limite de tentativas permitido. Escolha outro cartão ou outro meio de pagamento.",
            "You reached the allowed attempt limit. Select a different card or payment method.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_other_reason",
        [
            "{payment_method} no procesó el pago.",
            "{payment_method} não processou o pagamento.",
            "{payment_method} did not process the payment.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_card_type_not_allowed",
        [
            "El pago fue rechazado porque tu tarjeta múltiple no tiene habilitada la función de crédito.",
            "O pagamento foi recusado porque você não tem a função crédito habilitada no seu cartão múltiplo.",
            "The payment was rejected because the credit function is not enabled on your multiple (debit and credit) card.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_3ds_challenge",
        [
            "No pudimos confirmar tu identidad con tu banco. Intenta de nuevo o usa otra tarjeta.",
            "Não conseguimos confirmar sua identidade com o banco. Tente novamente ou use outro cartão.",
            "We couldn't confirm your identity with your bank. Try again or use a different card.",
        ],
    ),
    (
        "rejected",
        "cc_rejected_3ds_mandatory",
        [
            "Tu banco exige una verificación adicional que no pudimos completar. Usa otra tarjeta.",
            "Seu banco exige uma verificação adicional que não conseguimos concluir. Use outro cartão.",
            "Your bank requires an extra verification we couldn't complete. Use a different card.",
        ],
    ),
    (
        "rejected",
        "cc_amount_rate_limit_exceeded",
        [
            "Superaste el límite de monto de tu medio de pago. Usa otra tarjeta u otro medio de pago.",
            "Você excedeu o limite de valor do seu meio de pagamento. Use outro cartão ou outro meio de pagamento.",
            "You exceeded the amount limit of your payment method. Use a different card or payment method.",
        ],
    ),
    (
        "rejected",
        "rejected_insufficient_data",
        [
            "Faltan datos para procesar tu pago. Revisa los datos e intenta de nuevo.",
            "Faltam dados para processar seu pagamento. Revise os dados e tente novamente.",
            "Some data is missing to process your payment. Check your data and try again.",
        ],
    ),
    (
        "rejected",
        "rejected_by_bank",
        [
            "Tu banco rechazó el pago. Usa otra tarjeta u otro medio de pago.",
            "Seu banco recusou o pagamento. Use outro cartão ou outro meio de pagamento.",
            "Your bank rejected the payment. Use a different card or payment method.",
        ],
    ),
    (
        "rejected",
        "rejected_by_regulations",
        [
            "El pago fue rechazado por regulaciones vigentes.",
            "O pagamento foi recusado por regulamentações vigentes.",
            "The payment was rejected due to regulations.",
        ],
    ),
    (
        "rejected",
        "insufficient_amount",
        [
            "Tu medio de pago no tiene fondos suficientes.",
            "Seu meio de pagamento não tem saldo suficiente.",
            "Your payment method does not have enough funds.",
        ],
    ),
    (
        "rejected",
        "bank_error",
        [
            "Hubo un error con tu banco. Intenta de nuevo más tarde o usa otra tarjeta.",
            "Houve um erro com seu banco. Tente novamente mais tarde ou use outro cartão.",
            "There was an error with your bank. Try again later or use a different card.",
        ],
    ),
    (
        "cancelled",
        "expired",
        [
            "El pago venció sin completarse.",
            "O pagamento expirou sem ser concluído.",
            "The payment expired before it was completed.",
        ],
    ),
    (
        "cancelled",
        "by_collector",
        ["El comercio canceló el pago.", "A loja cancelou o pagamento.", "The store cancelled the payment."],
    ),
    ("cancelled", "by_payer", ["Cancelaste el pago.", "Você cancelou o pagamento.", "You cancelled the payment."]),
    (
        "refunded",
        "refunded",
        [
            "Te devolvimos el pago de {amount}.",
            "Devolvemos o pagamento de {amount}.",
            "Your {amount} payment was refunded.",
        ],
    ),
    (
        "refunded",
        "by_admin",
        [
            "Mercado Pago te devolvió el pago de {amount}.",
            "O Mercado Pago devolveu o pagamento de {amount}.",
            "Mercado Pago refunded your {amount} payment.",
        ],
    ),
    (
        "charged_back",
        "settled",
        [
            "El pago fue desconocido ante la tarjeta y se resolvió el contracargo.",
            "O pagamento foi contestado no cartão e o estorno foi resolvido.",
            "The payment was disputed with the card issuer and the chargeback was settled.",
        ],
    ),
    (
        "charged_back",
        "reimbursed",
        [
            "El pago fue desconocido ante la tarjeta y se reintegró.",
            "O pagamento foi contestado no cartão e reembolsado.",
            "The payment was disputed with the card issuer and reimbursed.",
        ],
    ),
    (
        "charged_back",
        "in_process",
        [
            "El pago fue desconocido ante la tarjeta y el contracargo está en revisión.",
            "O pagamento foi contestado no cartão e o estorno está em análise.",
            "The payment was disputed with the card issuer and the chargeback is under review.",
        ],
    ),
];

/// Messages by status alone, when the detail is unknown.
const FALLBACKS: &[(&str, Texts)] = &[
    (
        "approved",
        ["¡Listo! Se acreditó tu pago.", "Pronto, seu pagamento foi aprovado!", "Done! Your payment was credited."],
    ),
    ("authorized", ["Tu pago fue autorizado.", "Seu pagamento foi autorizado.", "Your payment was authorized."]),
    (
        "in_process",
        ["Estamos procesando tu pago.", "Estamos processando seu pagamento.", "We are processing your payment."],
    ),
    (
        "pending",
        [
            "Estamos esperando la confirmación de tu pago.",
            "Estamos aguardando a confirmação do seu pagamento.",
            "We are waiting for your payment to be confirmed.",
        ],
    ),
    ("in_mediation", ["Tu pago está en disputa.", "Seu pagamento está em disputa.", "Your payment is in dispute."]),
    (
        "rejected",
        [
            "No pudimos procesar tu pago. Usa otra tarjeta u otro medio de pago.",
            "Não conseguimos processar seu pagamento. Use outro cartão ou outro meio de pagamento.",
            "Your payment couldn't be processed. Use a different card or payment method.",
        ],
    ),
    ("cancelled", ["El pago fue cancelado.", "O pagamento foi cancelado.", "The payment was cancelled."]),
    ("refunded", ["Te devolvimos el pago.", "Devolvemos o pagamento.", "Your payment was refunded."]),
    (
        "charged_back",
        [
            "El pago fue desconocido ante la tarjeta.",
            "O pagamento foi contestado no cartão.",
            "The payment was disputed with the card issuer.",
        ],
    ),
    // Our own order states, before and instead of a payment.
    (
        "created",
        ["Estamos procesando tu pago.", "Estamos processando seu pagamento.", "We are processing your payment."],
    ),
    ("failed", UNKNOWN_STATUS),
];

/// The message for a status we do not know (and for our own `failed`).
const UNKNOWN_STATUS: Texts = [
    "No pudimos procesar tu pago. Revisa los datos e intenta de nuevo.",
    "Não conseguimos processar seu pagamento. Revise os dados e tente novamente.",
    "Your payment couldn't be processed. Check your data and try again.",
];

/// Every `(status, status_detail)` pair with its own message.
pub fn documented_details() -> impl Iterator<Item = (&'static str, &'static str)> {
    MESSAGES.iter().map(|(s, d, _)| (*s, *d))
}

/// Display name of a payment method id.
pub fn payment_method_name(id: &str, lang: Lang) -> String {
    let debit = match lang {
        Lang::Es => "Débito",
        Lang::Pt => "Débito",
        Lang::En => "Debit",
    };
    match id {
        "visa" => "Visa".into(),
        "master" => "Mastercard".into(),
        "amex" => "American Express".into(),
        "elo" => "Elo".into(),
        "hipercard" => "Hipercard".into(),
        "naranja" => "Naranja".into(),
        "cabal" => "Cabal".into(),
        "maestro" => "Maestro".into(),
        "debvisa" => format!("Visa {debit}"),
        "debmaster" => format!("Mastercard {debit}"),
        "debelo" => format!("Elo {debit}"),
        "debcabal" => format!("Cabal {debit}"),
        other => {
            let mut c = other.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        }
    }
}

/// `$ 18.500,00` (ARS), `R$ 1.234,50` (BRL), `$ 1,234.50` (MXN): the currency's own
/// conventions, whatever the language. The symbol is joined by a no-break space (U+00A0), as
/// `Intl.NumberFormat` does, so an amount never wraps across lines.
pub fn format_amount(amount: Decimal, currency_id: &str) -> String {
    let (symbol, decimal_sep, thousands_sep) = match currency_id {
        "ARS" => ("$", ',', '.'),
        "BRL" => ("R$", ',', '.'),
        "CLP" | "COP" => ("$", ',', '.'),
        "UYU" => ("$U", ',', '.'),
        "MXN" => ("$", '.', ','),
        "PEN" => ("S/", '.', ','),
        "USD" => ("US$", '.', ','),
        _ => (currency_id, '.', ','),
    };
    let text = format!("{:.2}", amount.round_dp(2));
    let (int_part, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let (sign, digits) = int_part.strip_prefix('-').map_or(("", int_part), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(thousands_sep);
        }
        grouped.push(c);
    }
    format!("{sign}{symbol}\u{a0}{grouped}{decimal_sep}{frac}")
}

fn pick(texts: &Texts, lang: Lang) -> &'static str {
    match lang {
        Lang::Es => texts[0],
        Lang::Pt => texts[1],
        Lang::En => texts[2],
    }
}

/// The buyer message for a payment result.
pub fn buyer_message(lang: Lang, status: &str, status_detail: &str, ctx: &MessageContext<'_>) -> String {
    let template = MESSAGES
        .iter()
        .find(|(s, d, _)| *s == status && *d == status_detail)
        .map(|(_, _, t)| pick(t, lang))
        .or_else(|| FALLBACKS.iter().find(|(s, _)| *s == status).map(|(_, t)| pick(t, lang)))
        .unwrap_or_else(|| pick(&UNKNOWN_STATUS, lang));
    template
        .replace("{amount}", &format_amount(ctx.amount, ctx.currency_id))
        .replace("{payment_method}", &payment_method_name(ctx.payment_method_id, lang))
        .replace("{installments}", &ctx.installments.to_string())
        .replace("{statement_descriptor}", ctx.statement_descriptor.unwrap_or("Mercado Pago"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> MessageContext<'static> {
        MessageContext {
            amount: Decimal::new(1_850_000, 2),
            currency_id: "ARS",
            payment_method_id: "visa",
            installments: 3,
            statement_descriptor: Some("MATECITO"),
        }
    }

    #[test]
    fn every_documented_detail_has_a_message_in_every_language() {
        // The full list of Mercado Pago's "Payment creation results" page (card subset and
        // extended list; docs/mercadopago.md#statuses-and-buyer-messages).
        let documented = [
            ("approved", "accredited"),
            ("approved", "partially_refunded"),
            ("authorized", "pending_capture"),
            ("in_process", "offline_process"),
            ("in_process", "pending_contingency"),
            ("in_process", "pending_review_manual"),
            ("pending", "pending_waiting_transfer"),
            ("pending", "pending_waiting_payment"),
            ("pending", "pending_challenge"),
            ("rejected", "cc_rejected_bad_filled_card_number"),
            ("rejected", "cc_rejected_bad_filled_date"),
            ("rejected", "cc_rejected_bad_filled_other"),
            ("rejected", "cc_rejected_bad_filled_security_code"),
            ("rejected", "cc_rejected_blacklist"),
            ("rejected", "cc_rejected_call_for_authorize"),
            ("rejected", "cc_rejected_card_disabled"),
            ("rejected", "cc_rejected_card_error"),
            ("rejected", "cc_rejected_duplicated_payment"),
            ("rejected", "cc_rejected_high_risk"),
            ("rejected", "cc_rejected_insufficient_amount"),
            ("rejected", "cc_rejected_invalid_installments"),
            ("rejected", "cc_rejected_max_attempts"),
            ("rejected", "cc_rejected_other_reason"),
            ("rejected", "cc_rejected_card_type_not_allowed"),
            ("rejected", "cc_rejected_3ds_challenge"),
            ("rejected", "cc_rejected_3ds_mandatory"),
            ("rejected", "cc_amount_rate_limit_exceeded"),
            ("rejected", "rejected_insufficient_data"),
            ("rejected", "rejected_by_bank"),
            ("rejected", "rejected_by_regulations"),
            ("rejected", "insufficient_amount"),
            ("rejected", "bank_error"),
            ("cancelled", "expired"),
            ("cancelled", "by_collector"),
            ("cancelled", "by_payer"),
            ("refunded", "refunded"),
            ("refunded", "by_admin"),
            ("charged_back", "settled"),
            ("charged_back", "reimbursed"),
            ("charged_back", "in_process"),
        ];
        let ours: std::collections::HashSet<_> = documented_details().collect();
        for pair in documented {
            assert!(ours.contains(&pair), "{pair:?} has no message");
            let texts: Vec<_> =
                [Lang::Es, Lang::Pt, Lang::En].iter().map(|l| buyer_message(*l, pair.0, pair.1, &ctx())).collect();
            assert!(texts.iter().all(|t| !t.is_empty() && !t.contains('{')), "{pair:?}: {texts:?}");
            assert!(texts[0] != texts[1] && texts[1] != texts[2], "{pair:?} is not translated: {texts:?}");
        }
        assert_eq!(ours.len(), documented.len(), "no undocumented extras");
    }

    #[test]
    fn placeholders_are_filled_in() {
        assert_eq!(
            buyer_message(Lang::Es, "approved", "accredited", &ctx()),
            "¡Listo! Se acreditó tu pago. En tu resumen verás el cargo de $\u{a0}18.500,00 como MATECITO."
        );
        assert_eq!(
            buyer_message(Lang::En, "rejected", "cc_rejected_call_for_authorize", &ctx()),
            "Authorize the $\u{a0}18.500,00 payment to Visa."
        );
        assert_eq!(
            buyer_message(Lang::Pt, "rejected", "cc_rejected_invalid_installments", &ctx()),
            "Visa não processa pagamentos em 3 parcelas."
        );
    }

    #[test]
    fn unknown_details_fall_back_to_the_status() {
        assert_eq!(
            buyer_message(Lang::En, "rejected", "something_new", &ctx()),
            "Your payment couldn't be processed. Use a different card or payment method."
        );
        assert_eq!(
            buyer_message(Lang::Es, "weird", "x", &ctx()),
            "No pudimos procesar tu pago. Revisa los datos e intenta de nuevo."
        );
    }

    #[test]
    fn locales_and_amounts() {
        assert_eq!(Lang::from_locale("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_locale("es_MX"), Some(Lang::Es));
        assert_eq!(Lang::from_locale("EN"), Some(Lang::En));
        assert_eq!(Lang::from_locale("fr-FR"), None);
        assert_eq!(format_amount(Decimal::new(123_450, 2), "BRL"), "R$\u{a0}1.234,50");
        assert_eq!(format_amount(Decimal::new(123_450, 2), "MXN"), "$\u{a0}1,234.50");
        assert_eq!(format_amount(Decimal::new(5, 0), "ARS"), "$\u{a0}5,00");
        assert_eq!(format_amount(Decimal::new(1_000_000, 0), "ARS"), "$\u{a0}1.000.000,00");
        assert_eq!(payment_method_name("debvisa", Lang::En), "Visa Debit");
    }
}
