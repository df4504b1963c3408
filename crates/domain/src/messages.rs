//! What the buyer reads after paying, for every documented `status_detail`, in Spanish,
//! Portuguese and English.
//!
//! The texts are [Project Fluent](https://projectfluent.org) resources, one file per language
//! (`crates/domain/locales/{es,pt,en}.ftl`), compiled into the binary (a Lambda has no files
//! beside it) and parsed once per language, on first use. A message's id is
//! `<status>-<status_detail>` as Mercado Pago writes them (`approved-accredited`,
//! `in_process-pending_contingency`); `status-<status>` when the detail has no message of its own,
//! `status-unknown` for a status we do not know. Variables: `$amount`, `$payment_method`,
//! `$installments`, `$statement_descriptor` (and `$brand` in `payment-method-debit`).
//!
//! The wording of the card results follows Mercado Pago's "Payment creation results" page
//! (docs/mercadopago.md#statuses-and-buyer-messages): the English table
//! (<https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/response-handling/collection-results>),
//! its Spanish original
//! (<https://www.mercadopago.com.mx/developers/es/docs/checkout-api/response-handling/collection-results>)
//! and the Portuguese page
//! (<https://www.mercadopago.com.br/developers/pt/docs/checkout-api/response-handling/query-results>).
//! Details of the extended list have no suggested text; ours is written in the same tone.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use rust_decimal::Decimal;

use crate::buyer::{Buyer, ShippingAddress};
use crate::money;
use crate::order::EventKind;

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

/// Every `(status, status_detail)` pair of Mercado Pago's "Payment creation results" page (card
/// subset and extended list), each with its own message `<status>-<status_detail>`.
const DOCUMENTED: &[(&str, &str)] = &[
    ("approved", "accredited"),
    ("approved", "partially_refunded"),
    ("authorized", "pending_capture"),
    ("in_process", "offline_process"),
    ("in_process", "pending_contingency"),
    ("in_process", "pending_review_manual"),
    ("pending", "pending_challenge"),
    ("pending", "pending_waiting_payment"),
    ("pending", "pending_waiting_transfer"),
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

/// Statuses with a message by status alone (`status-<status>`), for details without their own:
/// Mercado Pago's, then our own order states, before and instead of a payment.
const STATUSES: &[&str] = &[
    "approved",
    "authorized",
    "in_process",
    "pending",
    "in_mediation",
    "rejected",
    "cancelled",
    "refunded",
    "charged_back",
    "created",
    "failed",
];

/// The message for a status we do not know.
const UNKNOWN_STATUS: &str = "status-unknown";

/// `Visa Débito`: the name of a debit card (`$brand`).
const DEBIT: &str = "payment-method-debit";

type Bundle = FluentBundle<FluentResource>;

impl Lang {
    /// The language's Fluent resource, compiled in.
    fn source(self) -> &'static str {
        match self {
            Lang::Es => include_str!("../locales/es.ftl"),
            Lang::Pt => include_str!("../locales/pt.ftl"),
            Lang::En => include_str!("../locales/en.ftl"),
        }
    }

    /// The language's messages, parsed on first use and shared by every thread.
    fn bundle(self) -> &'static Bundle {
        static ES: LazyLock<Bundle> = LazyLock::new(|| load(Lang::Es));
        static PT: LazyLock<Bundle> = LazyLock::new(|| load(Lang::Pt));
        static EN: LazyLock<Bundle> = LazyLock::new(|| load(Lang::En));
        match self {
            Lang::Es => &ES,
            Lang::Pt => &PT,
            Lang::En => &EN,
        }
    }
}

/// Parses a language's resource. Fluent recovers from errors (a broken entry is skipped, the
/// rest loads), so a mistake is logged, never a panic; the unit tests refuse any.
fn load(lang: Lang) -> Bundle {
    let mut bundle = FluentBundle::new_concurrent(vec![lang.code().parse().unwrap_or_default()]);
    // No U+2068/U+2069 isolation marks around variables: the text goes into JSON answers.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(partial, errors)| {
        tracing::error!(lang = lang.code(), ?errors, "buyer messages have syntax errors");
        partial
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang = lang.code(), ?errors, "buyer messages could not all be added");
    }
    bundle
}

/// The message `id` in `lang` (`status-unknown` if it has none), with `args`.
fn format(lang: Lang, id: &str, args: &FluentArgs<'_>) -> String {
    let bundle = lang.bundle();
    let pattern = bundle
        .get_message(id)
        .and_then(|m| m.value())
        .or_else(|| bundle.get_message(UNKNOWN_STATUS).and_then(|m| m.value()));
    let Some(pattern) = pattern else {
        tracing::error!(lang = lang.code(), id, "no buyer message");
        return String::new();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::error!(lang = lang.code(), id, ?errors, "buyer message could not be formatted");
    }
    text.into_owned()
}

/// Every `(status, status_detail)` pair with its own message.
pub fn documented_details() -> impl Iterator<Item = (&'static str, &'static str)> {
    DOCUMENTED.iter().copied()
}

/// Display name of a payment method id.
pub fn payment_method_name(id: &str, lang: Lang) -> String {
    let debit = |brand: &'static str| {
        let mut args = FluentArgs::new();
        args.set("brand", brand);
        format(lang, DEBIT, &args)
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
        "debvisa" => debit("Visa"),
        "debmaster" => debit("Mastercard"),
        "debelo" => debit("Elo"),
        "debcabal" => debit("Cabal"),
        other => {
            let mut c = other.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        }
    }
}

/// An amount as the buyer's page shows it: what the browser's `Intl.NumberFormat(locale,
/// {style: "currency", currency})` gives for the page's locale in that language (`site/app.js`),
/// with the currency's decimals ([`money::minor_units`]; two for a currency it does not know),
/// rounded half away from zero as `Intl` does, exactly (`Decimal`, never `f64`).
///
/// - [`Lang::Es`]: each currency in its home country's Spanish (`$ 18.500,00` ARS, `$ 18.500`
///   CLP and COP, `$ 1,234.50` MXN, `S/ 59.90` PEN, `$U 1.590,00` UYU, `R$ 1.234,50` BRL).
/// - [`Lang::Pt`]: `pt-BR` (`R$ 18.500,00`, `MX$ 18.500,00`, `ARS 18.500,00`, `CLP 18.500`).
/// - [`Lang::En`]: `en-US` (`R$18,500.00` and `MX$18,500.00` with no space, `ARS 18,500.00`,
///   `CLP 18,500`, `$18,500.00` for USD).
///
/// A currency without a symbol in that locale is written with its ISO code. Where there is a
/// space it is a no-break space (U+00A0), as `Intl` writes it, so an amount never wraps across
/// lines; where `Intl` puts none (en-US `R$`, `MX$`, `$`), there is none. A negative amount has
/// its `-` first (`-R$12.50`); an amount that rounds to zero has none (`Intl` would write `-0`).
/// Checked against Node's `Intl` (ICU 78, CLDR 48) for every Mercado Pago currency in the
/// tests below.
pub fn format_amount(amount: Decimal, currency_id: &str, lang: Lang) -> String {
    // (symbol, separator between symbol and number, decimal separator, thousands separator)
    let (symbol, space, decimal_sep, thousands_sep) = match lang {
        Lang::Es => match currency_id {
            "ARS" => ("$", "\u{a0}", ',', '.'),
            "BRL" => ("R$", "\u{a0}", ',', '.'),
            "CLP" | "COP" => ("$", "\u{a0}", ',', '.'),
            "UYU" => ("$U", "\u{a0}", ',', '.'),
            "MXN" => ("$", "\u{a0}", '.', ','),
            "PEN" => ("S/", "\u{a0}", '.', ','),
            "USD" => ("US$", "\u{a0}", '.', ','),
            _ => (currency_id, "\u{a0}", '.', ','),
        },
        Lang::Pt => match currency_id {
            "BRL" => ("R$", "\u{a0}", ',', '.'),
            "MXN" => ("MX$", "\u{a0}", ',', '.'),
            "USD" => ("US$", "\u{a0}", ',', '.'),
            _ => (currency_id, "\u{a0}", ',', '.'),
        },
        Lang::En => match currency_id {
            "BRL" => ("R$", "", '.', ','),
            "MXN" => ("MX$", "", '.', ','),
            "USD" => ("$", "", '.', ','),
            _ => (currency_id, "\u{a0}", '.', ','),
        },
    };
    let mut rounded = money::round_to_minor_units(amount, currency_id);
    rounded.rescale(money::minor_units(currency_id).unwrap_or(money::DEFAULT_MINOR_UNITS));
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() { "-" } else { "" };
    let text = rounded.abs().to_string();
    let (digits, frac) = text.split_once('.').map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = format!("{sign}{symbol}{space}");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(thousands_sep);
        }
        out.push(c);
    }
    if let Some(frac) = frac {
        out.push(decimal_sep);
        out.push_str(frac);
    }
    out
}

/// The buyer message for a payment result: the detail's own, else the status's, else
/// `status-unknown`.
pub fn buyer_message(lang: Lang, status: &str, status_detail: &str, ctx: &MessageContext<'_>) -> String {
    let id = if DOCUMENTED.iter().any(|&(s, d)| s == status && d == status_detail) {
        format!("{status}-{status_detail}")
    } else if STATUSES.contains(&status) {
        format!("status-{status}")
    } else {
        UNKNOWN_STATUS.to_owned()
    };
    let mut args = FluentArgs::new();
    args.set("amount", format_amount(ctx.amount, ctx.currency_id, lang));
    args.set("payment_method", payment_method_name(ctx.payment_method_id, lang));
    args.set("installments", ctx.installments);
    args.set("statement_descriptor", ctx.statement_descriptor.unwrap_or("Mercado Pago"));
    format(lang, &id, &args)
}

/// What the merchant's "order paid" notice says: the e-mail that SNS e-mail subscriptions
/// deliver (see `checkout::events`). Amounts are exact decimals in `currency_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidNotice<'a> {
    /// The store's name (`catalog.json` `store_name`).
    pub store: &'a str,
    /// The short order number the buyer quotes (`OrderId::order_number`).
    pub order_number: &'a str,
    /// The order id (UUID).
    pub order_id: &'a str,
    /// Mercado Pago's payment id.
    pub payment_id: Option<u64>,
    /// Total.
    pub amount: Decimal,
    /// ISO 4217.
    pub currency_id: &'a str,
    /// Lines: quantity, product title, line total.
    pub lines: Vec<(u32, String, Decimal)>,
    /// When it was paid, RFC 3339 (UTC).
    pub paid_at: &'a str,
    /// Who to deliver to (the merchant's own notice; `None` when the order keeps no buyer).
    pub buyer: Option<&'a Buyer>,
}

/// Every message id of the merchant's notices (the tests check the locale files against it).
#[cfg(test)]
const NOTICE: [&str; 16] = [
    "notice-paid-subject",
    "notice-paid-intro",
    "notice-paid-total",
    "notice-paid-payment",
    "notice-paid-order",
    "notice-paid-at",
    "notice-buyer-email",
    "notice-buyer-name",
    "notice-buyer-phone",
    "notice-buyer-address",
    "notice-refunded-subject",
    "notice-refunded-intro",
    "notice-cancelled-subject",
    "notice-cancelled-intro",
    "notice-charged_back-subject",
    "notice-charged_back-intro",
];

/// The lines after the items of every notice, in order.
const NOTICE_TRAILER: [&str; 3] = ["notice-paid-total", "notice-paid-payment", "notice-paid-order"];

fn notice_args<'a>(
    store: &'a str,
    order_number: &'a str,
    order_id: &'a str,
    payment_id: Option<u64>,
) -> FluentArgs<'a> {
    let mut args = FluentArgs::new();
    args.set("store", store);
    args.set("order_number", order_number);
    args.set("order_id", order_id);
    args.set("payment_id", payment_id.map_or_else(|| "-".to_owned(), |id| id.to_string()));
    args
}

/// An SNS `Subject`: ASCII, one line, under 100 characters
/// (<https://docs.aws.amazon.com/sns/latest/api/API_Publish.html>).
fn subject(lang: Lang, id: &str, args: &FluentArgs<'_>) -> String {
    format(lang, id, args).chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).take(99).collect()
}

/// A shipping address on one line: `Av. Corrientes 1234, 3 B, C1043 Buenos Aires, CABA`.
pub fn address_line(a: &ShippingAddress) -> String {
    let mut parts = vec![format!("{} {}", a.street_name, a.street_number)];
    let unit: Vec<&str> = [a.floor.as_deref(), a.apartment.as_deref()].into_iter().flatten().collect();
    if !unit.is_empty() {
        parts.push(unit.join(" "));
    }
    parts.push(format!("{} {}", a.zip_code, a.city_name));
    parts.push(a.state_name.clone());
    parts.join(", ")
}

/// The "order paid" notice in `lang`: `(subject, plain-text body)`. The subject is ASCII and
/// under 100 characters, as SNS requires of `Subject`; the body lists the lines, the total, the
/// payment, the order, and who to deliver to (e-mail, name, phone, shipping address, as far as
/// the order keeps them). It goes to the merchant's own subscribers only.
pub fn paid_notice(lang: Lang, n: &PaidNotice<'_>) -> (String, String) {
    let mut args = notice_args(n.store, n.order_number, n.order_id, n.payment_id);
    args.set("amount", format_amount(n.amount, n.currency_id, lang));
    args.set("paid_at", n.paid_at);
    let mut body = format(lang, "notice-paid-intro", &args);
    body.push_str("\n\n");
    for (quantity, title, total) in &n.lines {
        body.push_str(&format!("  {quantity} × {title}: {}\n", format_amount(*total, n.currency_id, lang)));
    }
    for id in NOTICE_TRAILER.iter().chain(&["notice-paid-at"]) {
        body.push('\n');
        body.push_str(&format(lang, id, &args));
    }
    body.push('\n');
    if let Some(buyer) = n.buyer {
        body.push('\n');
        let name = [buyer.first_name.as_deref(), buyer.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
        let lines = [
            ("notice-buyer-email", Some(buyer.email.clone())),
            ("notice-buyer-name", (!name.is_empty()).then(|| name.join(" "))),
            ("notice-buyer-phone", buyer.phone.as_ref().map(|p| p.number.clone())),
            ("notice-buyer-address", buyer.shipping_address.as_ref().map(address_line)),
        ];
        for (id, value) in lines {
            if let Some(value) = value {
                let mut line_args = FluentArgs::new();
                line_args.set("value", value);
                body.push_str(&format(lang, id, &line_args));
                body.push('\n');
            }
        }
    }
    (subject(lang, "notice-paid-subject", &args), body)
}

/// What an event after payment says ([`event_notice`]).
#[derive(Debug, Clone)]
pub struct EventNotice<'a> {
    /// What happened.
    pub kind: EventKind,
    /// The store's name.
    pub store: &'a str,
    /// The short order number.
    pub order_number: &'a str,
    /// The order id (UUID).
    pub order_id: &'a str,
    /// Mercado Pago's payment id.
    pub payment_id: Option<u64>,
    /// The order's total.
    pub amount: Decimal,
    /// Refunded so far (for refunds).
    pub amount_refunded: Decimal,
    /// ISO 4217.
    pub currency_id: &'a str,
}

/// The merchant's notice of a refund, cancellation or chargeback in `lang`: `(subject, body)`,
/// with the same subject rules as [`paid_notice`]. Names no buyer data.
pub fn event_notice(lang: Lang, n: &EventNotice<'_>) -> (String, String) {
    let mut args = notice_args(n.store, n.order_number, n.order_id, n.payment_id);
    args.set("amount", format_amount(n.amount, n.currency_id, lang));
    args.set("refunded", format_amount(n.amount_refunded, n.currency_id, lang));
    let id = match n.kind {
        EventKind::Refunded => "notice-refunded",
        EventKind::Cancelled => "notice-cancelled",
        EventKind::ChargedBack => "notice-charged_back",
    };
    let mut body = format(lang, &format!("{id}-intro"), &args);
    body.push('\n');
    for id in NOTICE_TRAILER {
        body.push('\n');
        body.push_str(&format(lang, id, &args));
    }
    body.push('\n');
    (subject(lang, &format!("{id}-subject"), &args), body)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use fluent_syntax::ast;

    use super::*;

    const LANGS: [Lang; 3] = [Lang::Es, Lang::Pt, Lang::En];

    /// The variables `paid_notice` gives the notice's messages.
    const NOTICE_VARIABLES: [&str; 8] =
        ["store", "order_number", "order_id", "payment_id", "amount", "paid_at", "refunded", "value"];

    fn notice() -> PaidNotice<'static> {
        PaidNotice {
            store: "Matecito",
            order_number: "1DF1S-3MA79",
            order_id: "0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10",
            payment_id: Some(1_325_000_001),
            amount: Decimal::new(4_425_050, 2),
            currency_id: "ARS",
            lines: vec![
                (2, "Mate de calabaza".into(), Decimal::new(3_700_000, 2)),
                (1, "Yerba mate orgánica 1 kg".into(), Decimal::new(725_050, 2)),
            ],
            paid_at: "2026-11-21T12:00:00Z",
            buyer: None,
        }
    }

    #[test]
    fn the_paid_notice_reads_as_an_email() {
        let (subject, body) = paid_notice(Lang::Es, &notice());
        assert_eq!(subject, "Pedido pagado 1DF1S-3MA79");
        assert_eq!(
            body,
            "Matecito: se pagó el pedido 1DF1S-3MA79.\n\n  2 × Mate de calabaza: $\u{a0}37.000,00\n  \
             1 × Yerba mate orgánica 1 kg: $\u{a0}7.250,50\n\nTotal: $\u{a0}44.250,50\n\
             Pago de Mercado Pago: 1325000001\nId del pedido: 0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10\n\
             Pagado: 2026-11-21T12:00:00Z\n"
        );
        let (subject, body) = paid_notice(Lang::En, &notice());
        assert_eq!(subject, "Order paid 1DF1S-3MA79");
        assert!(body.contains("Total: ARS\u{a0}44,250.50"), "{body}");
    }

    #[test]
    fn the_paid_notice_says_who_to_deliver_to() {
        let buyer: Buyer = serde_json::from_value(serde_json::json!({
            "email": "ana@example.com", "first_name": "Ana", "last_name": "García", "phone": {"number": "+54 11 5555-0100"},
            "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "floor": "3", "apartment": "B",
                                 "zip_code": "C1043", "city_name": "Buenos Aires", "state_name": "CABA"}}))
        .expect("buyer");
        let (_, body) = paid_notice(Lang::Es, &PaidNotice { buyer: Some(&buyer), ..notice() });
        assert!(
            body.ends_with(
                "\nE-mail: ana@example.com\nNombre: Ana García\nTeléfono: +54 11 5555-0100\n\
                 Enviar a: Av. Corrientes 1234, 3 B, C1043 Buenos Aires, CABA\n"
            ),
            "{body}"
        );
        let no_phone = Buyer { phone: None, first_name: None, last_name: None, ..buyer };
        let (_, body) = paid_notice(Lang::En, &PaidNotice { buyer: Some(&no_phone), ..notice() });
        assert!(body.contains("E-mail: ana@example.com\nShip to: ") && !body.contains("Phone"), "{body}");
    }

    #[test]
    fn refunds_cancellations_and_chargebacks_read_as_emails() {
        let event = |kind| EventNotice {
            kind,
            store: "Matecito",
            order_number: "1DF1S-3MA79",
            order_id: "0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10",
            payment_id: Some(1_325_000_001),
            amount: Decimal::new(4_425_050, 2),
            amount_refunded: Decimal::new(500_000, 2),
            currency_id: "ARS",
        };
        let (subject, body) = event_notice(Lang::Es, &event(EventKind::Refunded));
        assert_eq!(subject, "Reembolso del pedido 1DF1S-3MA79");
        assert_eq!(
            body,
            "Matecito: el pedido 1DF1S-3MA79 tiene $\u{a0}5.000,00 reembolsados de $\u{a0}44.250,50.\n\n\
             Total: $\u{a0}44.250,50\nPago de Mercado Pago: 1325000001\n\
             Id del pedido: 0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10\n"
        );
        for lang in LANGS {
            for kind in [EventKind::Refunded, EventKind::Cancelled, EventKind::ChargedBack] {
                let (subject, body) = event_notice(lang, &event(kind));
                assert!(subject.is_ascii() && subject.len() < 100 && subject.contains("1DF1S-3MA79"), "{subject}");
                assert!(body.contains("1325000001") && body.contains("Matecito"), "{body}");
            }
        }
        assert!(event_notice(Lang::En, &event(EventKind::ChargedBack)).1.contains("chargeback"));
    }

    #[test]
    fn paid_notice_subjects_are_what_sns_accepts() {
        let mut long = notice();
        let store = "ñ".repeat(300);
        long.store = &store;
        for lang in LANGS {
            let (subject, body) = paid_notice(lang, &long);
            assert!(subject.is_ascii() && subject.len() < 100 && !subject.contains('\n'), "{subject}");
            assert!(subject.starts_with(|c: char| c.is_ascii_alphanumeric()), "{subject}");
            assert!(body.contains("1DF1S-3MA79") && body.contains("1325000001"), "{body}");
        }
    }

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
            let id = format!("{}-{}", pair.0, pair.1);
            for lang in LANGS {
                assert!(lang.bundle().has_message(&id), "{pair:?} has no message in {lang:?}");
            }
            let texts: Vec<_> = LANGS.iter().map(|l| buyer_message(*l, pair.0, pair.1, &ctx())).collect();
            assert!(texts.iter().all(|t| !t.is_empty() && !t.contains('{')), "{pair:?}: {texts:?}");
            assert!(texts[0] != texts[1] && texts[1] != texts[2], "{pair:?} is not translated: {texts:?}");
            let fallback = LANGS.map(|l| buyer_message(l, pair.0, "not_a_detail", &ctx()));
            assert!(texts.iter().zip(&fallback).all(|(t, f)| t != f), "{pair:?} falls back: {texts:?}");
        }
        assert_eq!(ours.len(), documented.len(), "no undocumented extras");
    }

    /// Message id → the variables it uses, following references to other messages.
    fn variables(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        fn pattern(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
            for element in &p.elements {
                if let ast::PatternElement::Placeable { expression } = element {
                    expr(expression, vars, refs);
                }
            }
        }
        fn expr(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
            match e {
                ast::Expression::Inline(i) => inline(i, vars, refs),
                ast::Expression::Select { selector, variants } => {
                    inline(selector, vars, refs);
                    variants.iter().for_each(|v| pattern(&v.value, vars, refs));
                }
            }
        }
        fn inline(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
            match i {
                ast::InlineExpression::VariableReference { id } => {
                    vars.insert(id.name.to_owned());
                }
                ast::InlineExpression::MessageReference { id, .. } => {
                    refs.insert(id.name.to_owned());
                }
                ast::InlineExpression::TermReference { id, arguments, .. } => {
                    refs.insert(format!("-{}", id.name));
                    arguments.iter().for_each(|a| call(a, vars, refs));
                }
                ast::InlineExpression::FunctionReference { arguments, .. } => call(arguments, vars, refs),
                ast::InlineExpression::Placeable { expression } => expr(expression, vars, refs),
                ast::InlineExpression::StringLiteral { .. } | ast::InlineExpression::NumberLiteral { .. } => {}
            }
        }
        fn call(a: &ast::CallArguments<&str>, vars: &mut BTreeSet<String>, refs: &mut BTreeSet<String>) {
            a.positional.iter().for_each(|p| inline(p, vars, refs));
            a.named.iter().for_each(|n| inline(&n.value, vars, refs));
        }

        let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(_, errors)| panic!("{errors:?}"));
        let mut direct = BTreeMap::new();
        for entry in &resource.body {
            let (id, value, attributes) = match entry {
                ast::Entry::Message(m) => (m.id.name.to_owned(), m.value.as_ref(), &m.attributes),
                ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(&t.value), &t.attributes),
                ast::Entry::Junk { content } => panic!("junk: {content}"),
                _ => continue,
            };
            let (mut vars, mut refs) = (BTreeSet::new(), BTreeSet::new());
            let value = value.unwrap_or_else(|| panic!("{id} has no value"));
            pattern(value, &mut vars, &mut refs);
            attributes.iter().for_each(|a| pattern(&a.value, &mut vars, &mut refs));
            assert!(direct.insert(id.clone(), (vars, refs)).is_none(), "{id} twice");
        }
        let mut all = BTreeMap::new();
        for id in direct.keys() {
            let (mut vars, mut seen, mut todo) = (BTreeSet::new(), BTreeSet::new(), vec![id.clone()]);
            while let Some(next) = todo.pop() {
                if !seen.insert(next.clone()) {
                    continue;
                }
                let (v, r) = direct.get(&next).unwrap_or_else(|| panic!("{id} refers to a missing {next}"));
                vars.extend(v.iter().cloned());
                todo.extend(r.iter().cloned());
            }
            all.insert(id.clone(), vars);
        }
        all
    }

    #[test]
    fn every_language_has_the_same_messages_with_the_same_variables() {
        let reference = variables(Lang::Es.source());
        for lang in [Lang::Pt, Lang::En] {
            let ours = variables(lang.source());
            let missing: Vec<_> = reference.keys().filter(|id| !ours.contains_key(*id)).collect();
            let extra: Vec<_> = ours.keys().filter(|id| !reference.contains_key(*id)).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang:?}: missing {missing:?}, extra {extra:?} (vs es)");
            for (id, vars) in &reference {
                assert_eq!(ours.get(id), Some(vars), "{lang:?}: {id} has other variables than in es");
            }
        }
        // Every message is one the code asks for, and uses only the variables it is given.
        let mut expected: BTreeSet<String> = DOCUMENTED.iter().map(|(s, d)| format!("{s}-{d}")).collect();
        expected.extend(STATUSES.iter().map(|s| format!("status-{s}")));
        expected.extend([UNKNOWN_STATUS.to_owned(), DEBIT.to_owned()]);
        expected.extend(NOTICE.iter().map(|id| (*id).to_owned()));
        assert_eq!(expected.len(), DOCUMENTED.len() + STATUSES.len() + 2 + NOTICE.len(), "ids are unique");
        assert_eq!(reference.keys().cloned().collect::<BTreeSet<_>>(), expected);
        let given = ["amount", "payment_method", "installments", "statement_descriptor"];
        for (id, vars) in &reference {
            let allowed: &[&str] = if id == DEBIT {
                &["brand"]
            } else if NOTICE.contains(&id.as_str()) {
                &NOTICE_VARIABLES
            } else {
                &given
            };
            assert!(vars.iter().all(|v| allowed.contains(&v.as_str())), "{id} uses {vars:?}");
        }
    }

    #[test]
    fn resources_load_and_format_cleanly() {
        let given = ["amount", "payment_method", "installments", "statement_descriptor", "brand"];
        let given: Vec<&str> = given.into_iter().chain(NOTICE_VARIABLES).collect();
        for lang in LANGS {
            let resource = FluentResource::try_new(lang.source().to_owned()).map_err(|(_, e)| e).expect("parses");
            let mut bundle = FluentBundle::new_concurrent(vec![lang.code().parse().expect("language id")]);
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).expect("no duplicate ids");
            let mut args = FluentArgs::new();
            for &name in &given {
                args.set(name, "x");
            }
            for id in variables(lang.source()).keys() {
                let message = lang.bundle().get_message(id).expect("loaded");
                let mut errors = Vec::new();
                let text = lang.bundle().format_pattern(message.value().expect("value"), Some(&args), &mut errors);
                assert!(errors.is_empty(), "{lang:?} {id}: {errors:?}");
                assert!(!text.trim().is_empty(), "{lang:?} {id} is empty");
                assert!(!text.contains(['{', '}', '\u{2068}', '\u{2069}']), "{lang:?} {id}: {text:?}");
            }
        }
    }

    #[test]
    fn placeholders_are_filled_in() {
        assert_eq!(
            buyer_message(Lang::Es, "approved", "accredited", &ctx()),
            "¡Listo! Se acreditó tu pago. En tu resumen verás el cargo de $\u{a0}18.500,00 como MATECITO."
        );
        assert_eq!(
            buyer_message(Lang::En, "rejected", "cc_rejected_call_for_authorize", &ctx()),
            "Authorize the ARS\u{a0}18,500.00 payment to Visa."
        );
        assert_eq!(
            buyer_message(Lang::Pt, "rejected", "cc_rejected_invalid_installments", &ctx()),
            "Visa não processa pagamentos em 3 parcelas."
        );
        let no_descriptor = MessageContext { statement_descriptor: None, ..ctx() };
        assert_eq!(
            buyer_message(Lang::En, "approved", "accredited", &no_descriptor),
            "Done! Your payment was credited. Your statement will show the ARS\u{a0}18,500.00 charge as Mercado Pago."
        );
        let clp = MessageContext { amount: Decimal::new(18_500, 0), currency_id: "CLP", ..ctx() };
        assert_eq!(buyer_message(Lang::Es, "refunded", "refunded", &clp), "Te devolvimos el pago de $\u{a0}18.500.");
        assert_eq!(buyer_message(Lang::En, "refunded", "refunded", &clp), "Your CLP\u{a0}18,500 payment was refunded.");
        assert_eq!(buyer_message(Lang::Pt, "refunded", "refunded", &clp), "Devolvemos o pagamento de CLP\u{a0}18.500.");
        let brl = MessageContext { amount: Decimal::new(123_450, 2), currency_id: "BRL", ..ctx() };
        assert_eq!(
            buyer_message(Lang::Pt, "rejected", "cc_rejected_call_for_authorize", &brl),
            "Você deve autorizar junto à Visa o pagamento de R$\u{a0}1.234,50."
        );
        assert_eq!(buyer_message(Lang::En, "refunded", "refunded", &brl), "Your R$1,234.50 payment was refunded.");
        let many = MessageContext { installments: 12, payment_method_id: "debmaster", ..ctx() };
        assert_eq!(
            buyer_message(Lang::En, "rejected", "cc_rejected_invalid_installments", &many),
            "Mastercard Debit does not process payments in 12 installments."
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
        assert_eq!(buyer_message(Lang::Pt, "failed", "", &ctx()), buyer_message(Lang::Pt, "weird", "", &ctx()));
        assert_eq!(buyer_message(Lang::En, "created", "", &ctx()), "We are processing your payment.");
        // The input never names a message: a status that looks like an id is still unknown.
        assert_eq!(
            buyer_message(Lang::En, "approved-accredited", "", &ctx()),
            buyer_message(Lang::En, "weird", "", &ctx())
        );
        assert_eq!(buyer_message(Lang::En, "status", "unknown", &ctx()), buyer_message(Lang::En, "weird", "", &ctx()));
    }

    #[test]
    fn locales_and_amounts() {
        assert_eq!(Lang::from_locale("pt-BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_locale("es_MX"), Some(Lang::Es));
        assert_eq!(Lang::from_locale("EN"), Some(Lang::En));
        assert_eq!(Lang::from_locale("fr-FR"), None);
        assert_eq!(format_amount(Decimal::new(123_450, 2), "BRL", Lang::Es), "R$\u{a0}1.234,50");
        assert_eq!(format_amount(Decimal::new(123_450, 2), "MXN", Lang::Es), "$\u{a0}1,234.50");
        assert_eq!(format_amount(Decimal::new(5, 0), "ARS", Lang::Es), "$\u{a0}5,00");
        assert_eq!(format_amount(Decimal::new(1_000_000, 0), "ARS", Lang::Es), "$\u{a0}1.000.000,00");
        assert_eq!(payment_method_name("debvisa", Lang::En), "Visa Debit");
        assert_eq!(payment_method_name("debvisa", Lang::Es), "Visa Débito");
        assert_eq!(payment_method_name("debelo", Lang::Pt), "Elo Débito");
        assert_eq!(payment_method_name("naranja", Lang::Pt), "Naranja");
        assert_eq!(payment_method_name("nativa", Lang::En), "Nativa");
        assert_eq!(payment_method_name("", Lang::En), "");
    }

    #[test]
    fn amounts_of_every_mercado_pago_site() {
        let d = |s: &str| Decimal::from_str_exact(s).expect("decimal");
        for (currency, amount, text) in [
            ("ARS", "18500", "$\u{a0}18.500,00"),
            ("ARS", "7250.5", "$\u{a0}7.250,50"),
            ("BRL", "1234.565", "R$\u{a0}1.234,57"),
            ("CLP", "18500", "$\u{a0}18.500"),
            ("CLP", "18500.00", "$\u{a0}18.500"),
            ("CLP", "1234567.5", "$\u{a0}1.234.568"),
            ("COP", "25800", "$\u{a0}25.800"),
            ("COP", "1000000.4", "$\u{a0}1.000.000"),
            ("MXN", "1234.5", "$\u{a0}1,234.50"),
            ("MXN", "0.5", "$\u{a0}0.50"),
            ("PEN", "59.9", "S/\u{a0}59.90"),
            ("PEN", "1234567.891", "S/\u{a0}1,234,567.89"),
            ("UYU", "1590", "$U\u{a0}1.590,00"),
            ("UYU", "-12.5", "-$U\u{a0}12,50"),
            ("USD", "10", "US$\u{a0}10.00"),
            ("JPY", "1234.5", "JPY\u{a0}1,235"),
            ("ZZZ", "1.005", "ZZZ\u{a0}1.01"),
            ("CLP", "-0.4", "$\u{a0}0"),
            ("CLP", "999", "$\u{a0}999"),
            ("CLP", "0", "$\u{a0}0"),
        ] {
            assert_eq!(format_amount(d(amount), currency, Lang::Es), text, "{amount} {currency}");
        }
    }

    /// What the browser's `Intl.NumberFormat(locale, {style: "currency", currency})` writes for
    /// the page's English (`en-US`) and Portuguese (`pt-BR`) locales, as Node 20 (ICU 78, CLDR
    /// 48) printed it: `node -e 'console.log(JSON.stringify(new Intl.NumberFormat("en-US",
    /// {style:"currency",currency:"ARS"}).format(18500)))'`. Non-ASCII characters are written
    /// as escapes: every space `Intl` puts there is U+00A0.
    const INTL: &[(Lang, &str, &str, &str)] = &[
        (Lang::En, "ARS", "18500", "ARS\u{a0}18,500.00"),
        (Lang::En, "ARS", "1234.5", "ARS\u{a0}1,234.50"),
        (Lang::En, "ARS", "0.5", "ARS\u{a0}0.50"),
        (Lang::En, "ARS", "1234567.891", "ARS\u{a0}1,234,567.89"),
        (Lang::En, "ARS", "-12.5", "-ARS\u{a0}12.50"),
        (Lang::En, "BRL", "18500", "R$18,500.00"),
        (Lang::En, "BRL", "1234.5", "R$1,234.50"),
        (Lang::En, "BRL", "0.5", "R$0.50"),
        (Lang::En, "BRL", "1234567.891", "R$1,234,567.89"),
        (Lang::En, "BRL", "-12.5", "-R$12.50"),
        (Lang::En, "MXN", "18500", "MX$18,500.00"),
        (Lang::En, "MXN", "1234.5", "MX$1,234.50"),
        (Lang::En, "MXN", "0.5", "MX$0.50"),
        (Lang::En, "MXN", "1234567.891", "MX$1,234,567.89"),
        (Lang::En, "MXN", "-12.5", "-MX$12.50"),
        (Lang::En, "CLP", "18500", "CLP\u{a0}18,500"),
        (Lang::En, "CLP", "1234.5", "CLP\u{a0}1,235"),
        (Lang::En, "CLP", "0.5", "CLP\u{a0}1"),
        (Lang::En, "CLP", "1234567.891", "CLP\u{a0}1,234,568"),
        (Lang::En, "CLP", "-12.5", "-CLP\u{a0}13"),
        (Lang::En, "COP", "18500", "COP\u{a0}18,500"),
        (Lang::En, "COP", "1234.5", "COP\u{a0}1,235"),
        (Lang::En, "COP", "0.5", "COP\u{a0}1"),
        (Lang::En, "COP", "1234567.891", "COP\u{a0}1,234,568"),
        (Lang::En, "COP", "-12.5", "-COP\u{a0}13"),
        (Lang::En, "PEN", "18500", "PEN\u{a0}18,500.00"),
        (Lang::En, "PEN", "1234.5", "PEN\u{a0}1,234.50"),
        (Lang::En, "PEN", "0.5", "PEN\u{a0}0.50"),
        (Lang::En, "PEN", "1234567.891", "PEN\u{a0}1,234,567.89"),
        (Lang::En, "PEN", "-12.5", "-PEN\u{a0}12.50"),
        (Lang::En, "UYU", "18500", "UYU\u{a0}18,500.00"),
        (Lang::En, "UYU", "1234.5", "UYU\u{a0}1,234.50"),
        (Lang::En, "UYU", "0.5", "UYU\u{a0}0.50"),
        (Lang::En, "UYU", "1234567.891", "UYU\u{a0}1,234,567.89"),
        (Lang::En, "UYU", "-12.5", "-UYU\u{a0}12.50"),
        (Lang::En, "USD", "18500", "$18,500.00"),
        (Lang::En, "USD", "1234.5", "$1,234.50"),
        (Lang::En, "USD", "0.5", "$0.50"),
        (Lang::En, "USD", "1234567.891", "$1,234,567.89"),
        (Lang::En, "USD", "-12.5", "-$12.50"),
        (Lang::En, "ZZZ", "18500", "ZZZ\u{a0}18,500.00"),
        (Lang::En, "ZZZ", "1234.5", "ZZZ\u{a0}1,234.50"),
        (Lang::En, "ZZZ", "0.5", "ZZZ\u{a0}0.50"),
        (Lang::En, "ZZZ", "1234567.891", "ZZZ\u{a0}1,234,567.89"),
        (Lang::En, "ZZZ", "-12.5", "-ZZZ\u{a0}12.50"),
        (Lang::Pt, "ARS", "18500", "ARS\u{a0}18.500,00"),
        (Lang::Pt, "ARS", "1234.5", "ARS\u{a0}1.234,50"),
        (Lang::Pt, "ARS", "0.5", "ARS\u{a0}0,50"),
        (Lang::Pt, "ARS", "1234567.891", "ARS\u{a0}1.234.567,89"),
        (Lang::Pt, "ARS", "-12.5", "-ARS\u{a0}12,50"),
        (Lang::Pt, "BRL", "18500", "R$\u{a0}18.500,00"),
        (Lang::Pt, "BRL", "1234.5", "R$\u{a0}1.234,50"),
        (Lang::Pt, "BRL", "0.5", "R$\u{a0}0,50"),
        (Lang::Pt, "BRL", "1234567.891", "R$\u{a0}1.234.567,89"),
        (Lang::Pt, "BRL", "-12.5", "-R$\u{a0}12,50"),
        (Lang::Pt, "MXN", "18500", "MX$\u{a0}18.500,00"),
        (Lang::Pt, "MXN", "1234.5", "MX$\u{a0}1.234,50"),
        (Lang::Pt, "MXN", "0.5", "MX$\u{a0}0,50"),
        (Lang::Pt, "MXN", "1234567.891", "MX$\u{a0}1.234.567,89"),
        (Lang::Pt, "MXN", "-12.5", "-MX$\u{a0}12,50"),
        (Lang::Pt, "CLP", "18500", "CLP\u{a0}18.500"),
        (Lang::Pt, "CLP", "1234.5", "CLP\u{a0}1.235"),
        (Lang::Pt, "CLP", "0.5", "CLP\u{a0}1"),
        (Lang::Pt, "CLP", "1234567.891", "CLP\u{a0}1.234.568"),
        (Lang::Pt, "CLP", "-12.5", "-CLP\u{a0}13"),
        (Lang::Pt, "COP", "18500", "COP\u{a0}18.500"),
        (Lang::Pt, "COP", "1234.5", "COP\u{a0}1.235"),
        (Lang::Pt, "COP", "0.5", "COP\u{a0}1"),
        (Lang::Pt, "COP", "1234567.891", "COP\u{a0}1.234.568"),
        (Lang::Pt, "COP", "-12.5", "-COP\u{a0}13"),
        (Lang::Pt, "PEN", "18500", "PEN\u{a0}18.500,00"),
        (Lang::Pt, "PEN", "1234.5", "PEN\u{a0}1.234,50"),
        (Lang::Pt, "PEN", "0.5", "PEN\u{a0}0,50"),
        (Lang::Pt, "PEN", "1234567.891", "PEN\u{a0}1.234.567,89"),
        (Lang::Pt, "PEN", "-12.5", "-PEN\u{a0}12,50"),
        (Lang::Pt, "UYU", "18500", "UYU\u{a0}18.500,00"),
        (Lang::Pt, "UYU", "1234.5", "UYU\u{a0}1.234,50"),
        (Lang::Pt, "UYU", "0.5", "UYU\u{a0}0,50"),
        (Lang::Pt, "UYU", "1234567.891", "UYU\u{a0}1.234.567,89"),
        (Lang::Pt, "UYU", "-12.5", "-UYU\u{a0}12,50"),
        (Lang::Pt, "USD", "18500", "US$\u{a0}18.500,00"),
        (Lang::Pt, "USD", "1234.5", "US$\u{a0}1.234,50"),
        (Lang::Pt, "USD", "0.5", "US$\u{a0}0,50"),
        (Lang::Pt, "USD", "1234567.891", "US$\u{a0}1.234.567,89"),
        (Lang::Pt, "USD", "-12.5", "-US$\u{a0}12,50"),
        (Lang::Pt, "ZZZ", "18500", "ZZZ\u{a0}18.500,00"),
        (Lang::Pt, "ZZZ", "1234.5", "ZZZ\u{a0}1.234,50"),
        (Lang::Pt, "ZZZ", "0.5", "ZZZ\u{a0}0,50"),
        (Lang::Pt, "ZZZ", "1234567.891", "ZZZ\u{a0}1.234.567,89"),
        (Lang::Pt, "ZZZ", "-12.5", "-ZZZ\u{a0}12,50"),
    ];

    #[test]
    fn amounts_in_english_and_portuguese_are_what_intl_writes() {
        let d = |s: &str| Decimal::from_str_exact(s).expect("decimal");
        for &(lang, currency, amount, text) in INTL {
            assert_eq!(format_amount(d(amount), currency, lang), text, "{lang:?} {amount} {currency}");
        }
        // Every Mercado Pago currency in both locales.
        for currency in ["ARS", "BRL", "CLP", "COP", "MXN", "PEN", "UYU"] {
            for lang in [Lang::En, Lang::Pt] {
                assert!(INTL.iter().any(|&(l, c, _, _)| l == lang && c == currency), "{lang:?} {currency}");
            }
        }
        // Exact, as `Intl` rounds the decimal text (half away from zero), never through f64.
        assert_eq!(format_amount(d("1234.565"), "BRL", Lang::En), "R$1,234.57");
        assert_eq!(format_amount(d("18500.0000000000001"), "ARS", Lang::En), "ARS\u{a0}18,500.00");
        assert_eq!(
            format_amount(d("99999999999999999999.995"), "MXN", Lang::Pt),
            "MX$\u{a0}100.000.000.000.000.000.000,00"
        );
    }

    #[test]
    fn an_english_or_portuguese_amount_is_never_written_the_spanish_way() {
        let amount = Decimal::new(18_500, 0);
        for currency in ["ARS", "BRL", "CLP", "COP", "MXN", "PEN", "UYU"] {
            let es = format_amount(amount, currency, Lang::Es);
            let en = format_amount(amount, currency, Lang::En);
            let pt = format_amount(amount, currency, Lang::Pt);
            assert!(en.contains("18,500") && !en.contains("18.500"), "{currency}: {en}");
            assert!(pt.contains("18.500") && !pt.contains("18,500"), "{currency}: {pt}");
            assert!(en != es && pt != es || currency == "BRL", "{currency}: {es} / {en} / {pt}");
        }
    }
}
