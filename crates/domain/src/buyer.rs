//! The buyer's fulfilment data: what the merchant's page collects ([`Collect`], in
//! `catalog.json`), how it is checked, and how it is kept on the order ([`Buyer`]) for the
//! "order paid" event.
//!
//! Field names are Mercado Pago's (`payer.first_name`, `payer.phone.number`, and the
//! `receiver_address` fields of `additional_info.shipments`:
//! <https://www.mercadopago.com.ar/developers/en/reference/payments/_payments/post>).
//!
//! Personal data: every type here has a redacted `Debug`, so none of it can reach a log by
//! accident; it is stored only on the order and sent only in the "order paid" event.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validation::{Email, FieldErrors};

/// What the page collects besides the e-mail (always collected): `"collect"` in
/// `catalog.json`, `{"shipping_address": true, "phone": true}`. Each defaults to `false`. A
/// collected field is required.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collect {
    /// Receiver's first and last name and shipping address.
    #[serde(default)]
    pub shipping_address: bool,
    /// A phone number.
    #[serde(default)]
    pub phone: bool,
}

/// Longest name, street, city or state (our choice: room for real addresses, bounded storage).
pub const MAX_TEXT: usize = 80;
/// Longest street number, floor or apartment (our choice).
pub const MAX_SHORT: usize = 10;

/// A phone number as the buyer typed it (trimmed): digits, spaces and `+ - ( ) .`, with 6 to 20
/// digits (our choice: covers national and international forms in every site).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// `payer.phone.number`.
    pub number: String,
}

/// Where the order is shipped (Mercado Pago's `receiver_address` field names).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    /// Street (1–80 characters).
    pub street_name: String,
    /// House number, or `S/N` (1–10 characters).
    pub street_number: String,
    /// Floor (at most 10 characters: letters, digits, spaces and `- / . °`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// Apartment (at most 10 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apartment: Option<String>,
    /// Postal code (3–10 letters, digits, spaces or `-`).
    pub zip_code: String,
    /// City (1–80 characters).
    pub city_name: String,
    /// State or province (1–80 characters).
    pub state_name: String,
}

/// The fulfilment fields a request carried, each checked (absent ones are `None`). Which are
/// required depends on the catalog ([`Fulfilment::buyer`]).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fulfilment {
    /// `payer.first_name`.
    pub first_name: Option<String>,
    /// `payer.last_name`.
    pub last_name: Option<String>,
    /// `payer.phone`.
    pub phone: Option<Phone>,
    /// `shipping_address`.
    pub shipping_address: Option<ShippingAddress>,
}

/// The buyer as the order keeps them: what the merchant needs to deliver and to answer. Stored
/// only on the order (attribute `buyer`), sent only in the "order paid" event; never logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    /// E-mail (always collected; also sent to Mercado Pago as `payer.email`).
    pub email: String,
    /// First name, when the shipping address is collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name, when the shipping address is collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone, when collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Shipping address, when collected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<ShippingAddress>,
}

macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
redacted_debug!(Phone, ShippingAddress, Fulfilment, Buyer);

impl Fulfilment {
    /// The buyer to keep on the order: the e-mail and what `collect` asks for. Fields the
    /// catalog does not ask for are dropped (never stored), so a page that sends more keeps
    /// nothing more (our choice: refusing them would break a page cached across a catalog
    /// change).
    ///
    /// # Errors
    /// `required` for each collected field the request lacks (`payer.first_name`,
    /// `payer.last_name`, `shipping_address`, `payer.phone.number`).
    pub fn buyer(&self, email: &Email, collect: Collect) -> Result<Buyer, FieldErrors> {
        let mut errors = FieldErrors::default();
        if collect.shipping_address {
            for (field, value) in [("payer.first_name", &self.first_name), ("payer.last_name", &self.last_name)] {
                if value.is_none() {
                    errors.add(field, "required");
                }
            }
            if self.shipping_address.is_none() {
                errors.add("shipping_address", "required");
            }
        }
        if collect.phone && self.phone.is_none() {
            errors.add("payer.phone.number", "required");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let ship = collect.shipping_address;
        Ok(Buyer {
            email: email.as_str().to_owned(),
            first_name: self.first_name.clone().filter(|_| ship),
            last_name: self.last_name.clone().filter(|_| ship),
            phone: self.phone.clone().filter(|_| collect.phone),
            shipping_address: self.shipping_address.clone().filter(|_| ship),
        })
    }
}

/// A field's text, trimmed; `None` when absent, null or empty.
fn field<'a>(obj: Option<&'a Map<String, Value>>, name: &str, path: &str, errors: &mut FieldErrors) -> Option<&'a str> {
    match obj?.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim()).filter(|s| !s.is_empty()),
        Some(_) => {
            errors.add(path, "invalid");
            None
        }
    }
}

/// Checks a free text: at most `max` characters, no control characters.
fn checked(text: Option<&str>, max: usize, path: &str, errors: &mut FieldErrors) -> Option<String> {
    let text = text?;
    if text.chars().count() > max {
        errors.add(path, "too_long");
        None
    } else if text.chars().any(char::is_control) {
        errors.add(path, "invalid");
        None
    } else {
        Some(text.to_owned())
    }
}

/// Checks a text against a character rule and a length range (in characters).
fn shaped(
    text: Option<&str>,
    min: usize,
    max: usize,
    allowed: fn(char) -> bool,
    path: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let text = text?;
    let len = text.chars().count();
    if len > max {
        errors.add(path, "too_long");
        None
    } else if len < min || !text.chars().all(allowed) {
        errors.add(path, "invalid");
        None
    } else {
        Some(text.to_owned())
    }
}

/// Digits in a phone number (6 to 20), with only `+ - ( ) .` and spaces besides.
fn phone(text: Option<&str>, errors: &mut FieldErrors) -> Option<Phone> {
    const PATH: &str = "payer.phone.number";
    let text = text?;
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if text.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) || digits < 6 {
        errors.add(PATH, "invalid");
        None
    } else if digits > 20 || text.len() > 30 {
        errors.add(PATH, "too_long");
        None
    } else {
        Some(Phone { number: text.to_owned() })
    }
}

/// Reads the fulfilment fields of a request body: `payer.first_name`, `payer.last_name`,
/// `payer.phone.number` and `shipping_address`. Each present field is checked; absent ones are
/// `None` (the catalog decides later which are required). A `shipping_address` object with any
/// field must have all but `floor` and `apartment`.
///
/// # Errors
/// Field errors keyed by path (`shipping_address.zip_code: invalid`), codes `required`,
/// `invalid` and `too_long`.
pub fn fulfilment(body: &Map<String, Value>) -> Result<Fulfilment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let payer = body.get("payer").and_then(Value::as_object);
    let first_name =
        checked(field(payer, "first_name", "payer.first_name", &mut errors), MAX_TEXT, "payer.first_name", &mut errors);
    let last_name =
        checked(field(payer, "last_name", "payer.last_name", &mut errors), MAX_TEXT, "payer.last_name", &mut errors);
    let phone = match payer.and_then(|p| p.get("phone")) {
        None | Some(Value::Null) => None,
        Some(Value::Object(p)) => phone(field(Some(p), "number", "payer.phone.number", &mut errors), &mut errors),
        Some(_) => {
            errors.add("payer.phone", "invalid");
            None
        }
    };
    let shipping_address = match body.get("shipping_address") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => address(a, &mut errors),
        Some(_) => {
            errors.add("shipping_address", "invalid");
            None
        }
    };
    if errors.is_empty() { Ok(Fulfilment { first_name, last_name, phone, shipping_address }) } else { Err(errors) }
}

fn address(a: &Map<String, Value>, errors: &mut FieldErrors) -> Option<ShippingAddress> {
    let a = Some(a);
    let path = |name: &str| format!("shipping_address.{name}");
    let required = |name: &str, errors: &mut FieldErrors| {
        let value = field(a, name, &path(name), errors);
        if value.is_none() && errors.get(&path(name)).is_none() {
            errors.add(path(name), "required");
        }
        value
    };
    let street_name = required("street_name", errors);
    let street_number = required("street_number", errors);
    let zip_code = required("zip_code", errors);
    let city_name = required("city_name", errors);
    let state_name = required("state_name", errors);
    let floor = field(a, "floor", &path("floor"), errors);
    let apartment = field(a, "apartment", &path("apartment"), errors);
    let number_char = |c: char| c.is_alphanumeric() || " /-".contains(c);
    let zip_char = |c: char| c.is_ascii_alphanumeric() || " -".contains(c);
    // `3°` and `3º` are how Argentine addresses write a floor.
    let short_char = |c: char| c.is_alphanumeric() || " -/.°".contains(c);
    let address = ShippingAddress {
        street_name: checked(street_name, MAX_TEXT, &path("street_name"), errors).unwrap_or_default(),
        street_number: shaped(street_number, 1, MAX_SHORT, number_char, &path("street_number"), errors)
            .unwrap_or_default(),
        floor: shaped(floor, 1, MAX_SHORT, short_char, &path("floor"), errors),
        apartment: shaped(apartment, 1, MAX_SHORT, short_char, &path("apartment"), errors),
        zip_code: shaped(zip_code, 3, MAX_SHORT, zip_char, &path("zip_code"), errors).unwrap_or_default(),
        city_name: checked(city_name, MAX_TEXT, &path("city_name"), errors).unwrap_or_default(),
        state_name: checked(state_name, MAX_TEXT, &path("state_name"), errors).unwrap_or_default(),
    };
    errors.is_empty().then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn body() -> Value {
        json!({"payer": {"email": "ana@example.com", "first_name": " Ana ", "last_name": "García",
                         "phone": {"number": "+54 11 5555-0100"}},
               "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "floor": "3",
                                    "apartment": "B", "zip_code": "C1043", "city_name": "Buenos Aires",
                                    "state_name": "CABA"}})
    }

    fn parse(v: &Value) -> Result<Fulfilment, FieldErrors> {
        fulfilment(v.as_object().expect("object"))
    }

    fn email() -> Email {
        Email::parse("ana@example.com").expect("email")
    }

    const ALL: Collect = Collect { shipping_address: true, phone: true };

    #[test]
    fn a_full_address_and_phone_are_kept_trimmed() {
        let buyer = parse(&body()).expect("valid").buyer(&email(), ALL).expect("complete");
        assert_eq!(buyer.first_name.as_deref(), Some("Ana"));
        assert_eq!(buyer.phone.as_ref().map(|p| p.number.as_str()), Some("+54 11 5555-0100"));
        let address = buyer.shipping_address.expect("address");
        assert_eq!((address.street_number.as_str(), address.zip_code.as_str()), ("1234", "C1043"));
        assert_eq!(address.floor.as_deref(), Some("3"));
    }

    #[test]
    fn what_the_catalog_does_not_ask_for_is_not_kept() {
        let buyer = parse(&body()).expect("valid").buyer(&email(), Collect::default()).expect("e-mail only");
        assert_eq!(buyer.email, "ana@example.com");
        assert!(buyer.first_name.is_none() && buyer.phone.is_none() && buyer.shipping_address.is_none());
        let phone_only = parse(&body()).expect("valid").buyer(&email(), Collect { phone: true, ..Collect::default() });
        let phone_only = phone_only.expect("phone");
        assert!(phone_only.phone.is_some() && phone_only.shipping_address.is_none() && phone_only.last_name.is_none());
    }

    #[test]
    fn collected_fields_are_required() {
        let e = Fulfilment::default().buyer(&email(), ALL).expect_err("missing");
        for field in ["payer.first_name", "payer.last_name", "shipping_address", "payer.phone.number"] {
            assert_eq!(e.get(field), Some("required"), "{field}");
        }
        let mut partial = body();
        partial["shipping_address"] = json!({"street_name": "Av. Corrientes", "floor": "3"});
        let e = parse(&partial).expect_err("incomplete address");
        for field in ["street_number", "zip_code", "city_name", "state_name"] {
            assert_eq!(e.get(&format!("shipping_address.{field}")), Some("required"), "{field}");
        }
        assert_eq!(e.len(), 4);
    }

    #[test]
    fn bad_fields_are_named_with_their_code() {
        let mut bad = body();
        bad["payer"]["first_name"] = json!("x".repeat(81));
        bad["payer"]["last_name"] = json!("a\u{7}b");
        bad["payer"]["phone"] = json!({"number": "call me"});
        bad["shipping_address"]["zip_code"] = json!("12");
        bad["shipping_address"]["street_number"] = json!("12345678901");
        bad["shipping_address"]["apartment"] = json!(7);
        let e = parse(&bad).expect_err("invalid");
        let expected = [
            ("payer.first_name", "too_long"),
            ("payer.last_name", "invalid"),
            ("payer.phone.number", "invalid"),
            ("shipping_address.zip_code", "invalid"),
            ("shipping_address.street_number", "too_long"),
            ("shipping_address.apartment", "invalid"),
        ];
        for (field, code) in expected {
            assert_eq!(e.get(field), Some(code), "{field}: {e:?}");
        }
        assert_eq!(e.len(), expected.len());
        assert_eq!(
            parse(&json!({"shipping_address": "here"})).expect_err("string").get("shipping_address"),
            Some("invalid")
        );
        let short = parse(&json!({"payer": {"phone": {"number": "12345"}}})).expect_err("short");
        assert_eq!(short.get("payer.phone.number"), Some("invalid"));
        let long = parse(&json!({"payer": {"phone": {"number": "1".repeat(21)}}})).expect_err("long");
        assert_eq!(long.get("payer.phone.number"), Some("too_long"));
        assert!(
            parse(
                &json!({"shipping_address": {"street_name": "Rua A", "street_number": "S/N", "zip_code": "01310-100",
            "city_name": "São Paulo", "state_name": "SP"}})
            )
            .is_ok(),
            "S/N and a CEP are addresses"
        );
    }

    #[test]
    fn nothing_personal_is_printed() {
        let f = parse(&body()).expect("valid");
        let buyer = f.buyer(&email(), ALL).expect("complete");
        let printed = format!("{f:?} {buyer:?} {:?} {:?}", buyer.phone, buyer.shipping_address);
        for secret in ["Ana", "García", "5555", "Corrientes", "C1043", "ana@example.com"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }

    proptest! {
        /// Any JSON in the fulfilment fields is either accepted or refused with field errors,
        /// never a panic, and what is accepted is within its bounds.
        #[test]
        fn any_fulfilment_fields_parse_without_panicking(
            first in ".{0,100}", zip in ".{0,14}", number in "[0-9 +().a-z-]{0,32}", floor in proptest::option::of(".{0,12}"),
        ) {
            let v = json!({"payer": {"first_name": first, "phone": {"number": number}},
                           "shipping_address": {"street_name": "A", "street_number": "1", "zip_code": zip,
                                                "city_name": "B", "state_name": "C", "floor": floor}});
            if let Ok(f) = parse(&v) {
                prop_assert!(f.first_name.as_ref().is_none_or(|n| n.chars().count() <= MAX_TEXT));
                let a = f.shipping_address.expect("complete address");
                prop_assert!((3..=MAX_SHORT).contains(&a.zip_code.chars().count()));
                prop_assert!(f.phone.is_none_or(|p| p.number.chars().filter(char::is_ascii_digit).count() >= 6));
            }
        }
    }
}
