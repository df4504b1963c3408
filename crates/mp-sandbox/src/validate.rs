//! Validation of `POST /v1/payments` and `POST /v1/card_tokens` bodies into typed requests, with
//! Mercado Pago's cause codes (docs/mercadopago.md#cause-codes; the full list is in the create
//! payment reference, <https://www.mercadopago.com.ar/developers/en/reference/payments/_payments/post>).
//!
//! The API reports the first problem it finds; so do we. Where that reference offers two codes
//! for one problem (e.g. 4002/4023 for a null amount), the first listed is used. Codes used for
//! problems it does not pin down are marked "our choice".

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

use crate::error::MpError;
use crate::site::SiteInfo;
use crate::three_ds::ThreeDsMode;

/// Longest `notification_url` accepted (cause 4021 says "shorter than 500 characters").
pub(crate) const MAX_NOTIFICATION_URL: usize = 500;
/// Longest `payer.email` accepted (cause 4051).
pub(crate) const MAX_EMAIL: usize = 254;

/// A validated `POST /v1/payments` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewPayment {
    /// Card token id.
    pub token: String,
    /// Amount, positive, at most the currency's decimals (two; none for CLP and COP).
    pub transaction_amount: Decimal,
    /// Installment count, at least 1.
    pub installments: u32,
    /// `visa`, `master`...
    pub payment_method_id: String,
    /// Issuer, when sent (string or number on the wire).
    pub issuer_id: Option<String>,
    /// `payer.email`.
    pub payer_email: String,
    /// `payer.identification.type`.
    pub payer_identification_type: Option<String>,
    /// `payer.identification.number`.
    pub payer_identification_number: Option<String>,
    /// `payer.first_name`.
    pub payer_first_name: Option<String>,
    /// `payer.last_name`.
    pub payer_last_name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `external_reference`.
    pub external_reference: Option<String>,
    /// `notification_url`.
    pub notification_url: Option<String>,
    /// `statement_descriptor`.
    pub statement_descriptor: Option<String>,
    /// `metadata` (an object, `{}` when absent).
    pub metadata: Value,
    /// `additional_info` (an object, `{}` when absent).
    pub additional_info: Value,
    /// `capture` (default true; false authorizes only).
    pub capture: bool,
    /// `binary_mode` (default false).
    pub binary_mode: bool,
    /// `three_d_secure_mode` (default `not_supported`, as documented).
    pub three_d_secure_mode: ThreeDsMode,
    /// The `X-meli-session-id` header (the device id), when sent; not part of the body.
    pub device_id: Option<String>,
}

/// Reads a JSON number (or numeric string) as an exact decimal.
pub(crate) fn decimal_from_json(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
        }
        _ => None,
    }
}

fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, MpError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(MpError::bad_request(1, &format!("Params Error: {key} must be a string"))),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str, default: bool) -> Result<bool, MpError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(MpError::bad_request(1, &format!("Params Error: {key} must be a boolean"))),
    }
}

/// A plausible e-mail: one `@`, non-empty local part, a dotted domain, no spaces.
pub(crate) fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Validates a `POST /v1/payments` body for an account of `site`.
///
/// `transaction_amount` must be positive with at most the decimals of the site's currency
/// ([`SiteInfo::decimals`]: 2, none for CLP and COP). Mercado Pago refuses decimals in CLP and COP
/// (Odoo records "Prices in COP currency must be expressed with integer values",
/// <https://github.com/odoo/odoo/pull/185664>, and "MercadoPago requires amounts be expressed as
/// integers", <https://github.com/odoo/odoo/pull/124162>) but documents no cause code for it; the
/// sandbox answers 400 with cause 4037 "Invalid transaction_amount", the catalogue's general
/// amount code (our choice).
pub(crate) fn new_payment(body: &Value, site: &SiteInfo) -> Result<NewPayment, MpError> {
    let Some(obj) = body.as_object() else {
        return Err(MpError::bad_request(1, "Params Error"));
    };

    let transaction_amount = match obj.get("transaction_amount") {
        None | Some(Value::Null) => {
            return Err(MpError::bad_request(4002, "transaction_amount attribute can't be null"));
        }
        Some(v) => decimal_from_json(v)
            .ok_or_else(|| MpError::bad_request(4003, "transaction_amount attribute must be numeric"))?,
    };
    if transaction_amount <= Decimal::ZERO || !site.amount_has_valid_decimals(transaction_amount) {
        return Err(MpError::bad_request(4037, "Invalid transaction_amount"));
    }

    let token = match obj.get("token") {
        None | Some(Value::Null) => return Err(MpError::bad_request(4000, "card attribute can't be null")),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err(MpError::bad_request(3003, "Invalid card_token_id")),
    };

    let payment_method_id = match obj.get("payment_method_id") {
        None | Some(Value::Null) => {
            return Err(MpError::bad_request(4001, "payment_method_id attribute can't be null"));
        }
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err(MpError::bad_request(3028, "Invalid payment_method_id")),
    };

    let installments = match obj.get("installments") {
        None | Some(Value::Null) => return Err(MpError::bad_request(4004, "installments attribute can't be null")),
        Some(Value::Number(n)) => n
            .as_u64()
            .filter(|n| (1..=u64::from(u32::MAX)).contains(n))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| MpError::bad_request(4005, "installments attribute must be numeric"))?,
        Some(_) => return Err(MpError::bad_request(4005, "installments attribute must be numeric")),
    };

    let issuer_id = match obj.get("issuer_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => Some(s.clone()),
        Some(Value::Number(n)) if n.is_u64() => Some(n.to_string()),
        // Our choice: the catalogue's issuer cause.
        Some(_) => return Err(MpError::bad_request(3001, "Invalid cardissuer_id")),
    };

    let payer = match obj.get("payer") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => return Err(MpError::bad_request(4050, "payer.email must be a valid email")),
        Some(_) => return Err(MpError::bad_request(4006, "payer attribute is malformed")),
    };
    let payer_email = match payer.get("email") {
        Some(Value::String(e)) if e.len() > MAX_EMAIL => {
            return Err(MpError::bad_request(4051, "payer.email must be shorter than 254 characters"));
        }
        Some(Value::String(e)) if email_is_valid(e) => e.clone(),
        _ => return Err(MpError::bad_request(4050, "payer.email must be a valid email")),
    };
    let (payer_identification_type, payer_identification_number) = match payer.get("identification") {
        None | Some(Value::Null) => (None, None),
        Some(Value::Object(id)) => (
            opt_string(id, "type").map_err(|_| MpError::bad_request(4006, "payer attribute is malformed"))?,
            match id.get("number") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(_) => return Err(MpError::bad_request(4006, "payer attribute is malformed")),
            },
        ),
        Some(_) => return Err(MpError::bad_request(4006, "payer attribute is malformed")),
    };
    let payer_first_name =
        opt_string(payer, "first_name").map_err(|_| MpError::bad_request(4006, "payer attribute is malformed"))?;
    let payer_last_name =
        opt_string(payer, "last_name").map_err(|_| MpError::bad_request(4006, "payer attribute is malformed"))?;

    let notification_url = opt_string(obj, "notification_url")
        .map_err(|_| MpError::bad_request(4020, "notificaction_url attribute must be url valid"))?;
    if let Some(u) = &notification_url {
        if u.len() >= MAX_NOTIFICATION_URL {
            return Err(MpError::bad_request(4021, "notificaction_url attribute must be shorter than 500 characters"));
        }
        let ok =
            url::Url::parse(u).map(|p| matches!(p.scheme(), "http" | "https") && p.host().is_some()).unwrap_or(false);
        if !ok {
            return Err(MpError::bad_request(4020, "notificaction_url attribute must be url valid"));
        }
    }

    let metadata = match obj.get("metadata") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(MpError::bad_request(4022, "metadata attribute must be a valid JSON")),
    };
    let additional_info = match obj.get("additional_info") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(_) => return Err(MpError::bad_request(1, "Params Error: additional_info must be an object")),
    };

    // The documented values (https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds);
    // the cause code and text for another value are our choice (Mercado Pago's PHP plugin SDK
    // says "Invalid value for field three_d_secure_mode").
    let three_d_secure_mode = match obj.get("three_d_secure_mode") {
        None | Some(Value::Null) => ThreeDsMode::NotSupported,
        Some(Value::String(s)) => ThreeDsMode::parse(s)
            .ok_or_else(|| MpError::bad_request(1, "Invalid value for field three_d_secure_mode"))?,
        Some(_) => return Err(MpError::bad_request(1, "Invalid value for field three_d_secure_mode")),
    };

    Ok(NewPayment {
        token,
        transaction_amount,
        installments,
        payment_method_id,
        issuer_id,
        payer_email,
        payer_identification_type,
        payer_identification_number,
        payer_first_name,
        payer_last_name,
        description: opt_string(obj, "description")?,
        external_reference: opt_string(obj, "external_reference")?,
        notification_url,
        statement_descriptor: opt_string(obj, "statement_descriptor")?,
        metadata,
        additional_info,
        capture: opt_bool(obj, "capture", true)?,
        binary_mode: opt_bool(obj, "binary_mode", false)?,
        three_d_secure_mode,
        device_id: None,
    })
}

/// A validated `POST /v1/card_tokens` body (raw card data, as MercadoPago.js sends it).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewCardToken {
    /// Digits only.
    pub card_number: String,
    /// 1..=12.
    pub expiration_month: u32,
    /// Four digits.
    pub expiration_year: u32,
    /// Digits only.
    pub security_code: String,
    /// Cardholder name (carries the test code).
    pub cardholder_name: String,
    /// Document type, if typed.
    pub identification_type: Option<String>,
    /// Document number, if typed.
    pub identification_number: Option<String>,
}

fn json_u32(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Validates a `POST /v1/card_tokens` body. Codes are the card-data causes of the catalogue
/// (3016 card number, 3029/3030 expiry month/year, 3032 security code length, 3020 cardholder
/// name) and 7523 "Invalid expiration date" for a card that has expired.
pub(crate) fn new_card_token(body: &Value, today: time::Date) -> Result<NewCardToken, MpError> {
    let Some(obj) = body.as_object() else {
        return Err(MpError::bad_request(1, "Params Error"));
    };
    let card_number: String = match obj.get("card_number") {
        Some(Value::String(s)) => s.chars().filter(|c| !c.is_whitespace()).collect(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(MpError::bad_request(3017, "card_number_id required")),
    };
    if card_number.is_empty() || !card_number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MpError::bad_request(3016, "Invalid parameter card_number"));
    }
    if !crate::site::luhn_valid(&card_number) {
        return Err(MpError::bad_request(3034, "Invalid card_number_validation"));
    }
    let expiration_month = match obj.get("expiration_month") {
        None | Some(Value::Null) => return Err(MpError::bad_request(3018, "expiration_month required")),
        v => json_u32(v)
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| MpError::bad_request(3029, "Invalid card expiration month"))?,
    };
    let expiration_year = match obj.get("expiration_year") {
        None | Some(Value::Null) => return Err(MpError::bad_request(3019, "expiration_year required")),
        v => json_u32(v)
            .map(|y| if y < 100 { y + 2000 } else { y })
            .filter(|y| (2000..=2099).contains(y))
            .ok_or_else(|| MpError::bad_request(3030, "Invalid card expiration year"))?,
    };
    let (this_year, this_month) = (u32::try_from(today.year()).unwrap_or(0), u32::from(u8::from(today.month())));
    if (expiration_year, expiration_month) < (this_year, this_month) {
        return Err(MpError::bad_request(7523, "Invalid expiration date"));
    }
    let security_code = match obj.get("security_code") {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(MpError::bad_request(3013, "security_code required")),
    };
    if !(3..=4).contains(&security_code.len()) || !security_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MpError::bad_request(3032, "Invalid security_code_length"));
    }
    let cardholder = obj.get("cardholder").and_then(Value::as_object);
    let cardholder_name = cardholder
        .and_then(|c| c.get("name"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| MpError::bad_request(3020, "cardholder.name required"))?
        .to_owned();
    let identification = cardholder.and_then(|c| c.get("identification")).and_then(Value::as_object);
    let identification_type =
        identification.and_then(|i| i.get("type")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let identification_number = identification.and_then(|i| i.get("number")).and_then(|v| match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    Ok(NewCardToken {
        card_number,
        expiration_month,
        expiration_year,
        security_code,
        cardholder_name,
        identification_type,
        identification_number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::SiteId;
    use serde_json::json;

    fn valid() -> Value {
        json!({
            "token": "ff8080814c11e237014c1ff593b57b4d",
            "transaction_amount": 58.8,
            "installments": 1,
            "payment_method_id": "visa",
            "issuer_id": "310",
            "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}},
            "external_reference": "order-1",
            "notification_url": "https://example.com/api/notifications"
        })
    }

    fn code_of(body: Value) -> Value {
        new_payment(&body, SiteId::Mla.info()).expect_err("should fail").body()["cause"][0]["code"].clone()
    }

    #[test]
    fn a_documented_body_is_accepted_with_exact_amount() {
        let p = new_payment(&valid(), SiteId::Mla.info()).expect("valid");
        assert_eq!(p.transaction_amount, Decimal::new(588, 1));
        assert_eq!(p.issuer_id.as_deref(), Some("310"));
        assert!(p.capture);
        assert_eq!(p.metadata, json!({}));
    }

    #[test]
    fn clp_and_cop_amounts_with_cents_are_refused_with_4037() {
        for site in SiteId::ALL {
            let mut body = valid();
            body["transaction_amount"] = json!(18500.5);
            let result = new_payment(&body, site.info());
            if matches!(site, SiteId::Mlc | SiteId::Mco) {
                let err = result.expect_err("cents refused");
                assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
                assert_eq!(err.body()["cause"][0]["code"], json!(4037), "{}", site.code());
                body["transaction_amount"] = json!(18500);
                assert!(new_payment(&body, site.info()).is_ok(), "{}", site.code());
                body["transaction_amount"] = json!(18500.0);
                assert!(new_payment(&body, site.info()).is_ok(), "{}: 18500.0 is whole", site.code());
            } else {
                assert_eq!(
                    result.map(|p| p.transaction_amount).ok(),
                    Some(Decimal::new(185_005, 1)),
                    "{}",
                    site.code()
                );
            }
        }
    }

    #[test]
    fn each_missing_or_bad_field_has_its_cause_code() {
        let cases: Vec<(&str, Value, i64)> = vec![
            ("transaction_amount", Value::Null, 4002),
            ("transaction_amount", json!("ten"), 4003),
            ("transaction_amount", json!(0), 4037),
            ("transaction_amount", json!(-5), 4037),
            ("transaction_amount", json!(1.234), 4037),
            ("token", Value::Null, 4000),
            ("payment_method_id", Value::Null, 4001),
            ("installments", Value::Null, 4004),
            ("installments", json!("three"), 4005),
            ("installments", json!(0), 4005),
            ("issuer_id", json!("abc"), 3001),
            ("payer", Value::Null, 4050),
            ("payer", json!("x"), 4006),
            ("payer", json!({"email": "not-an-email"}), 4050),
            ("payer", json!({"email": format!("{}@example.com", "a".repeat(250))}), 4051),
            ("notification_url", json!("not a url"), 4020),
            ("notification_url", json!(format!("https://e.com/{}", "a".repeat(500))), 4021),
            ("metadata", json!([1, 2]), 4022),
        ];
        for (field, value, code) in cases {
            let mut body = valid();
            body[field] = value.clone();
            assert_eq!(code_of(body), json!(code), "{field} = {value}");
        }
    }

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(email_is_valid("a.b+c@mail.example.com"));
        for bad in ["", "a", "a@", "@b.com", "a@b", "a b@c.com", "a@b@c.com", "a@.com", "a@b.com."] {
            assert!(!email_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn card_tokens_check_luhn_expiry_and_cvv() {
        let today = time::macros::date!(2026 - 11 - 21);
        let card = json!({"card_number": "5031755734530604", "expiration_month": 11, "expiration_year": 2030,
            "security_code": "123", "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}}});
        let t = new_card_token(&card, today).expect("valid card");
        assert_eq!(t.cardholder_name, "APRO");
        assert_eq!(t.identification_number.as_deref(), Some("12345678"));

        let with = |k: &str, v: Value| {
            let mut c = card.clone();
            c[k] = v;
            new_card_token(&c, today).expect_err("invalid").body()["cause"][0]["code"].clone()
        };
        assert_eq!(with("card_number", json!("5031755734530605")), json!(3034));
        assert_eq!(with("card_number", json!("5031-7557")), json!(3016));
        assert_eq!(with("expiration_month", json!(13)), json!(3029));
        assert_eq!(with("expiration_year", json!(2025)), json!(7523));
        assert_eq!(with("security_code", json!("12")), json!(3032));
        assert_eq!(with("cardholder", json!({"name": " "})), json!(3020));
        // The current month is still valid; two-digit years are read as 20xx.
        assert!(
            new_card_token(
                &json!({"card_number": "5031755734530604", "expiration_month": "11",
            "expiration_year": "26", "security_code": "123", "cardholder": {"name": "APRO"}}),
                today
            )
            .is_ok()
        );
    }
}
