//! Validation of the `POST /api/process_payment` body, collecting every field error at once.
//!
//! Field errors are machine codes keyed by the field's path in the request, so the page can show
//! a localized message next to each field: `{"payer.email": "invalid", "items[0].sku":
//! "unknown_sku"}`. Codes: `required`, `invalid`, `too_long`, `out_of_range`, `too_many`,
//! `unknown_sku`, `duplicate`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::catalog::LineRequest;
use crate::messages::Lang;

/// Field path → error code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    /// Records an error for a field (the first one per field wins).
    pub fn add(&mut self, field: impl Into<String>, code: &str) {
        self.0.entry(field.into()).or_insert_with(|| code.to_owned());
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The code for a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Adds every error of `other`.
    pub fn extend(&mut self, other: FieldErrors) {
        for (k, v) in other.0 {
            self.0.entry(k).or_insert(v);
        }
    }

    /// Number of fields with errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// Most installments accepted (Mercado Pago offers at most 36 on cards in the sites we serve).
pub const MAX_INSTALLMENTS: u32 = 36;
/// Longest e-mail (Mercado Pago cause 4051).
pub const MAX_EMAIL: usize = 254;

/// A checked payment request. Prices are not in it: they come from the catalog.
#[derive(Clone, PartialEq)]
pub struct PaymentRequest {
    /// Lines to buy.
    pub items: Vec<LineRequest>,
    /// Card token (from MercadoPago.js).
    pub token: CardToken,
    /// `visa`, `master`...
    pub payment_method_id: String,
    /// Issuer, if the card form gave one.
    pub issuer_id: Option<String>,
    /// Installments, 1..=[`MAX_INSTALLMENTS`].
    pub installments: u32,
    /// Buyer e-mail.
    pub payer_email: Email,
    /// Document type and number, if given.
    pub payer_identification: Option<(String, String)>,
    /// Name, phone and shipping address, as far as given ([`crate::buyer::fulfilment`]).
    pub fulfilment: crate::buyer::Fulfilment,
    /// The total the buyer saw, if the page sent it (must match the catalog's).
    pub transaction_amount: Option<Decimal>,
    /// Language for buyer messages.
    pub lang: Option<Lang>,
    /// Where the request came from (device id, IP address): risk signals for the provider, set
    /// by the adapter from the request's headers, not part of the request's identity.
    pub context: RequestContext,
}

/// What the edge knows of the buyer's browser: signals Mercado Pago's risk scoring reads
/// (<https://www.mercadopago.com.br/developers/en/docs/checkout-api/how-tos/improve-payment-approval>).
/// Not in [`crate::pay::request_hash`]: a retry of the same request may come with other values.
/// Never logged (an IP address is personal data).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct RequestContext {
    /// The device id from Mercado Pago's `security.js` (`MP_DEVICE_SESSION_ID`), checked by
    /// [`device_id`].
    pub device_id: Option<String>,
    /// The buyer's IP address, from [`viewer_address`].
    pub ip_address: Option<std::net::IpAddr>,
}

/// Longest device id accepted (our choice: Mercado Pago does not document a length; its ids are
/// a few dozen characters).
pub const MAX_DEVICE_ID: usize = 200;

/// A device id as the page sent it (header `X-Meli-Session-Id`), trimmed: 1 to
/// [`MAX_DEVICE_ID`] visible ASCII characters, or `None` (only a risk signal: a bad one is
/// dropped, never an error).
pub fn device_id(raw: &str) -> Option<String> {
    let id = raw.trim();
    let visible = id.bytes().all(|b| b.is_ascii_graphic());
    (visible && !id.is_empty() && id.len() <= MAX_DEVICE_ID).then(|| id.to_owned())
}

/// The buyer's IP address from CloudFront's `CloudFront-Viewer-Address` header, `IP:port`
/// (`198.51.100.10:46532`; IPv6 unbracketed, `2001:db8::1:46532`, or bracketed
/// `[2001:db8::1]:46532`): "Add CloudFront request headers",
/// <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html>.
/// `None` when the value is not that shape.
pub fn viewer_address(raw: &str) -> Option<std::net::IpAddr> {
    let raw = raw.trim();
    if let Ok(socket) = raw.parse::<std::net::SocketAddr>() {
        return Some(socket.ip());
    }
    let (ip, port) = raw.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    ip.parse().ok()
}

impl std::fmt::Debug for PaymentRequest {
    /// Token, e-mail and document are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentRequest")
            .field("items", &self.items)
            .field("payment_method_id", &self.payment_method_id)
            .field("issuer_id", &self.issuer_id)
            .field("installments", &self.installments)
            .field("transaction_amount", &self.transaction_amount)
            .finish_non_exhaustive()
    }
}

/// A buyer's e-mail, checked by [`email_is_valid`] (at most [`MAX_EMAIL`] bytes). Never
/// printed: its `Debug` is redacted, so it cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Checks an e-mail (trimmed).
    ///
    /// # Errors
    /// `"required"`, `"too_long"` or `"invalid"`: the field error code.
    pub fn parse(text: &str) -> Result<Email, &'static str> {
        match text.trim() {
            "" => Err("required"),
            e if e.len() > MAX_EMAIL => Err("too_long"),
            e if !email_is_valid(e) => Err("invalid"),
            e => Ok(Email(e.to_owned())),
        }
    }

    /// The address, for the payment provider.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

/// A card token from MercadoPago.js Secure Fields: 1–64 of `[A-Za-z0-9_-]`. It stands for a
/// card, so its `Debug` is redacted; [`CardToken::expose`] hands it to the provider.
#[derive(Clone, PartialEq, Eq)]
pub struct CardToken(String);

impl CardToken {
    /// Checks a token (trimmed).
    ///
    /// # Errors
    /// `"required"` or `"invalid"`: the field error code.
    pub fn parse(text: &str) -> Result<CardToken, &'static str> {
        match text.trim() {
            "" => Err("required"),
            t if t.len() > 64 || !t.bytes().all(is_token_char) => Err("invalid"),
            t => Ok(CardToken(t.to_owned())),
        }
    }

    /// The token, for the payment provider only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CardToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardToken(<redacted>)")
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A plausible e-mail: one `@`, non-empty local part, a dotted domain, no spaces or controls.
pub fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Accepts a JSON string or number as text (card forms hand out strings).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks a request body (already parsed as JSON).
pub fn payment_request(body: &Value) -> Result<PaymentRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(obj) = body.as_object() else {
        errors.add("body", "invalid");
        return Err(errors);
    };

    let mut items = Vec::new();
    match obj.get("items") {
        None | Some(Value::Null) => errors.add("items", "required"),
        Some(Value::Array(list)) => {
            if list.is_empty() {
                errors.add("items", "required");
            }
            if list.len() > crate::catalog::MAX_LINES {
                errors.add("items", "too_many");
            }
            for (i, item) in list.iter().enumerate().take(crate::catalog::MAX_LINES) {
                let sku =
                    item.get("sku").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty() && s.len() <= 64);
                let quantity = item.get("quantity").and_then(Value::as_u64).and_then(|q| u32::try_from(q).ok());
                match (sku, quantity) {
                    (Some(sku), Some(quantity)) => items.push(LineRequest { sku: sku.to_owned(), quantity }),
                    (s, q) => {
                        if s.is_none() {
                            errors.add(format!("items[{i}].sku"), "invalid");
                        }
                        if q.is_none() {
                            errors.add(format!("items[{i}].quantity"), "invalid");
                        }
                    }
                }
            }
        }
        Some(_) => errors.add("items", "invalid"),
    }

    let token = match CardToken::parse(obj.get("token").and_then(Value::as_str).unwrap_or_default()) {
        Ok(t) => Some(t),
        Err(code) => {
            errors.add("token", code);
            None
        }
    };

    let payment_method_id = match obj.get("payment_method_id").and_then(Value::as_str).map(str::trim) {
        None | Some("") => {
            errors.add("payment_method_id", "required");
            String::new()
        }
        Some(m) if m.len() > 32 || !m.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') => {
            errors.add("payment_method_id", "invalid");
            String::new()
        }
        Some(m) => m.to_owned(),
    };

    let issuer_id = match obj.get("issuer_id") {
        None | Some(Value::Null) => None,
        Some(v) => match text(v) {
            Some(s) if s.is_empty() => None,
            Some(s) if s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) => Some(s),
            _ => {
                errors.add("issuer_id", "invalid");
                None
            }
        },
    };

    let installments = match obj.get("installments") {
        None | Some(Value::Null) => {
            errors.add("installments", "required");
            0
        }
        Some(v) => match text(v).and_then(|s| s.parse::<u32>().ok()) {
            Some(n) if (1..=MAX_INSTALLMENTS).contains(&n) => n,
            Some(_) => {
                errors.add("installments", "out_of_range");
                0
            }
            None => {
                errors.add("installments", "invalid");
                0
            }
        },
    };

    let payer = obj.get("payer").and_then(Value::as_object);
    let payer_email = match Email::parse(payer.and_then(|p| p.get("email")).and_then(Value::as_str).unwrap_or_default())
    {
        Ok(e) => Some(e),
        Err(code) => {
            errors.add("payer.email", code);
            None
        }
    };
    let identification = payer.and_then(|p| p.get("identification")).filter(|v| !v.is_null());
    let payer_identification = match identification {
        None => None,
        Some(Value::Object(id)) => {
            let kind = id.get("type").and_then(text).filter(|s| !s.is_empty());
            let number = id.get("number").and_then(text).filter(|s| !s.is_empty());
            match (kind, number) {
                (None, None) => None,
                (Some(k), Some(n)) => {
                    let kind_ok = k.len() <= 10 && k.chars().all(|c| c.is_alphanumeric() || c == '.');
                    let number_ok =
                        n.len() <= 20 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
                    if !kind_ok {
                        errors.add("payer.identification.type", "invalid");
                    }
                    if !number_ok {
                        errors.add("payer.identification.number", "invalid");
                    }
                    (kind_ok && number_ok).then_some((k, n))
                }
                (None, Some(_)) => {
                    errors.add("payer.identification.type", "required");
                    None
                }
                (Some(_), None) => {
                    errors.add("payer.identification.number", "required");
                    None
                }
            }
        }
        Some(_) => {
            errors.add("payer.identification", "invalid");
            None
        }
    };
    if payer.is_none() && obj.get("payer").is_some_and(|p| !p.is_null()) {
        errors.add("payer", "invalid");
    }

    let transaction_amount = match obj.get("transaction_amount") {
        None | Some(Value::Null) => None,
        // Exact, from the number's text (never an `f64`): an amount with more decimals than the
        // currency has is not the catalog's total, so it ends in `409 amount_mismatch`.
        Some(v @ Value::Number(_)) => match crate::money::exact(v) {
            Some(d) if d > Decimal::ZERO => Some(d),
            _ => {
                errors.add("transaction_amount", "invalid");
                None
            }
        },
        Some(_) => {
            errors.add("transaction_amount", "invalid");
            None
        }
    };

    let lang = obj.get("locale").and_then(Value::as_str).and_then(Lang::from_locale);

    let fulfilment = crate::buyer::fulfilment(obj).unwrap_or_else(|e| {
        errors.extend(e);
        crate::buyer::Fulfilment::default()
    });

    let (Some(token), Some(payer_email), true) = (token, payer_email, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(PaymentRequest {
        items,
        token,
        payment_method_id,
        issuer_id,
        installments,
        payer_email,
        payer_identification,
        fulfilment,
        transaction_amount,
        lang,
        context: RequestContext::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn valid() -> Value {
        json!({"items": [{"sku": "mate-calabaza", "quantity": 1}], "token": "ff8080814c11e237014c1ff593b57b4d",
               "payment_method_id": "visa", "issuer_id": "310", "installments": 1,
               "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}},
               "transaction_amount": 18500.0, "locale": "es-AR"})
    }

    #[test]
    fn the_documented_body_is_accepted() {
        let r = payment_request(&valid()).expect("valid");
        assert_eq!(r.items, vec![LineRequest { sku: "mate-calabaza".into(), quantity: 1 }]);
        assert_eq!(r.transaction_amount, Some(Decimal::new(18500, 0)));
        assert_eq!(r.payer_identification, Some(("DNI".into(), "12345678".into())));
        assert_eq!(r.lang, Some(Lang::Es));
    }

    #[test]
    fn card_form_strings_are_accepted_for_numbers() {
        let mut body = valid();
        body["installments"] = json!("3");
        body["issuer_id"] = json!(310);
        let r = payment_request(&body).expect("valid");
        assert_eq!((r.installments, r.issuer_id.as_deref()), (3, Some("310")));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let body = json!({"items": [{"sku": "", "quantity": -1}], "token": "has spaces", "payment_method_id": "VISA!",
            "issuer_id": "abc", "installments": 99, "payer": {"email": "nope", "identification": {"type": "DNI"}},
            "transaction_amount": -1});
        let e = payment_request(&body).expect_err("invalid");
        let expected = [
            ("items[0].sku", "invalid"),
            ("items[0].quantity", "invalid"),
            ("token", "invalid"),
            ("payment_method_id", "invalid"),
            ("issuer_id", "invalid"),
            ("installments", "out_of_range"),
            ("payer.email", "invalid"),
            ("payer.identification.number", "required"),
            ("transaction_amount", "invalid"),
        ];
        for (field, code) in expected {
            assert_eq!(e.get(field), Some(code), "{field}: {e:?}");
        }
        assert_eq!(e.len(), expected.len());
    }

    #[test]
    fn required_fields_are_named() {
        let e = payment_request(&json!({})).expect_err("empty");
        for field in ["items", "token", "payment_method_id", "installments", "payer.email"] {
            assert_eq!(e.get(field), Some("required"), "{field}");
        }
        assert_eq!(payment_request(&json!([1])).expect_err("array").get("body"), Some("invalid"));
        let mut long = valid();
        long["payer"]["email"] = json!(format!("{}@example.com", "a".repeat(250)));
        assert_eq!(payment_request(&long).expect_err("long").get("payer.email"), Some("too_long"));
    }

    #[test]
    fn emails_are_checked_for_shape() {
        assert!(email_is_valid("a.b+c@mail.example.com"));
        for bad in ["", "a", "a@", "@b.com", "a@b", "a b@c.com", "a@b@c.com", "a@.com", "a@b.com.", "a@b..com"] {
            assert!(!email_is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn debug_output_has_no_personal_data() {
        let text = format!("{:?}", payment_request(&valid()).expect("valid"));
        for secret in ["ff8080814c", "buyer@example.com", "12345678"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Any JSON value, a few levels deep, with the request's own keys among the random ones.
        fn json_value() -> impl Strategy<Value = Value> {
            let key = prop_oneof![
                Just("items".to_owned()),
                Just("sku".to_owned()),
                Just("quantity".to_owned()),
                Just("token".to_owned()),
                Just("payment_method_id".to_owned()),
                Just("issuer_id".to_owned()),
                Just("installments".to_owned()),
                Just("payer".to_owned()),
                Just("email".to_owned()),
                Just("identification".to_owned()),
                Just("type".to_owned()),
                Just("number".to_owned()),
                Just("transaction_amount".to_owned()),
                Just("locale".to_owned()),
                any::<String>(),
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| json!(n)),
                any::<u64>().prop_map(|n| json!(n)),
                "-?[0-9]{1,30}(\\.[0-9]{0,30})?([eE][-+]?[0-9]{1,3})?"
                    .prop_map(|t| serde_json::from_str(&t).unwrap_or(Value::Null)),
                any::<String>().prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 64, 8, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                    prop::collection::btree_map(key.clone(), inner, 0..10)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn any_json_is_validated_without_panicking(body in json_value()) {
                match payment_request(&body) {
                    Ok(r) => prop_assert!(!r.items.is_empty() && !r.token.expose().is_empty() && (1..=MAX_INSTALLMENTS).contains(&r.installments)),
                    Err(e) => prop_assert!(!e.is_empty()),
                }
            }

            #[test]
            fn any_bytes_are_refused_or_validated_without_panicking(bytes in any::<Vec<u8>>()) {
                if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                    let _ = payment_request(&v);
                }
            }

            #[test]
            fn valid_requests_parse_to_what_they_say(
                sku in "[a-z][a-z0-9-]{0,30}", quantity in 1u32..1000, token in "[A-Za-z0-9_-]{1,64}",
                method in "[a-z][a-z0-9_]{0,20}", installments in 1u32..=MAX_INSTALLMENTS,
                email in "[a-z0-9.+_-]{1,30}@[a-z0-9-]{1,20}\\.[a-z]{2,6}",
                cents in 1i64..100_000_000_000, locale in prop::sample::select(vec!["es-AR", "pt-BR", "en-US", "fr"]),
            ) {
                let amount = Decimal::new(cents, 2);
                let text = format!(r#"{{"items":[{{"sku":"{sku}","quantity":{quantity}}}],"token":"{token}","payment_method_id":"{method}","installments":{installments},"payer":{{"email":"{email}"}},"transaction_amount":{amount},"locale":"{locale}"}}"#);
                let body: Value = serde_json::from_str(&text).expect("valid JSON");
                let r = payment_request(&body).expect("valid request");
                prop_assert_eq!(r.items, vec![LineRequest { sku, quantity }]);
                prop_assert_eq!(r.token.expose(), token);
                prop_assert_eq!(r.payment_method_id, method);
                prop_assert_eq!(r.installments, installments);
                prop_assert_eq!(r.payer_email.as_str(), email);
                prop_assert_eq!(r.transaction_amount, Some(amount));
                prop_assert_eq!(r.lang, Lang::from_locale(locale));
            }

            #[test]
            fn locales_never_panic(locale in any::<String>()) {
                let lang = Lang::from_locale(&locale);
                prop_assert_eq!(lang.is_some(), ["es", "pt", "en"].contains(&locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase().as_str()));
            }
        }
    }

    #[test]
    fn amounts_keep_every_digit_sent() {
        let mut body = valid();
        body["transaction_amount"] = serde_json::from_str("18500.0000000000001").expect("number");
        let r = payment_request(&body).expect("valid");
        assert_eq!(r.transaction_amount.map(|a| a.to_string()).as_deref(), Some("18500.0000000000001"));
        assert_ne!(r.transaction_amount, Some(Decimal::new(18500, 0)));
    }

    #[test]
    fn device_ids_are_visible_ascii_of_bounded_length() {
        assert_eq!(device_id(" armor.8a1f2c ").as_deref(), Some("armor.8a1f2c"));
        assert_eq!(device_id(""), None);
        assert_eq!(device_id("two words"), None);
        assert_eq!(device_id("caf\u{e9}"), None);
        assert_eq!(device_id(&"x".repeat(MAX_DEVICE_ID)).map(|d| d.len()), Some(MAX_DEVICE_ID));
        assert_eq!(device_id(&"x".repeat(MAX_DEVICE_ID + 1)), None);
    }

    #[test]
    fn viewer_addresses_read_cloudfronts_ip_and_port() {
        use std::net::IpAddr;
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert_eq!(viewer_address("198.51.100.10:46532"), ip("198.51.100.10"));
        assert_eq!(viewer_address("2001:db8:85a3::8a2e:370:7334:46532"), ip("2001:db8:85a3::8a2e:370:7334"));
        assert_eq!(viewer_address("[2001:db8::1]:443"), ip("2001:db8::1"));
        for bad in ["", "198.51.100.10", "198.51.100.10:", "198.51.100.10:99999", "host:80"] {
            assert_eq!(viewer_address(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn request_context_parsers_never_panic(raw in ".{0,300}") {
            if let Some(id) = device_id(&raw) {
                proptest::prop_assert!(!id.is_empty() && id.len() <= MAX_DEVICE_ID && id.bytes().all(|b| b.is_ascii_graphic()));
            }
            let _ = viewer_address(&raw);
        }

        #[test]
        fn every_socket_address_reads_back(ip in proptest::prelude::any::<std::net::IpAddr>(), port in proptest::prelude::any::<u16>()) {
            let unbracketed = format!("{ip}:{port}");
            proptest::prop_assert_eq!(viewer_address(&unbracketed), Some(ip));
            proptest::prop_assert_eq!(viewer_address(&std::net::SocketAddr::new(ip, port).to_string()), Some(ip));
        }
    }
}
