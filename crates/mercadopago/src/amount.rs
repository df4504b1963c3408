//! Money on the wire.
//!
//! Mercado Pago's Payments API types `transaction_amount` and every other amount as a JSON
//! *number* in the currency's units (`58.8` is 58.80 ARS), not as cents or strings
//! (<https://www.mercadopago.com.ar/developers/en/reference/payments/_payments/post>). This crate
//! keeps amounts as [`rust_decimal::Decimal`] everywhere and converts only here, at the serde
//! boundary, never through `f64` (the workspace builds `serde_json` with `arbitrary_precision`,
//! so a JSON number keeps its text):
//!
//! - **writing**: the decimal's text, normalized (`100.5`, `18500`, `1234567.89`), as a JSON number.
//! - **reading**: the JSON number's text, exactly as sent, parsed as a decimal: `58.8` is
//!   exactly `58.8`, and `18500.0000000000001` stays `18500.0000000000001` (a number with more
//!   than 28 significant digits, or out of `Decimal`'s range, is refused, not rounded).
//!
//! Use with `#[serde(with = "mercadopago::amount")]` (or `amount::option` for `Option<Decimal>`).

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize as _, Serializer};
use std::str::FromStr;

/// Writes a decimal amount as a JSON number.
///
/// # Errors
/// Never for a `Decimal` (its text is always a JSON number); the serializer's own errors.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let number = serde_json::Number::from_str(&value.normalize().to_string()).map_err(serde::ser::Error::custom)?;
    number.serialize(serializer)
}

/// Reads a JSON number (or a numeric string) as an exact decimal amount.
///
/// # Errors
/// Anything else, or a number `Decimal` cannot hold exactly.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    from_json(&value).ok_or_else(|| D::Error::custom(format!("expected an amount, got {value}")))
}

/// The exact decimal value of a JSON number (its text as sent) or numeric string, if it is one
/// that `Decimal` holds exactly: `Decimal::from_str_exact` refuses what it would have to round.
pub fn from_json(value: &serde_json::Value) -> Option<Decimal> {
    let text = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    if text.contains(['e', 'E']) {
        // Exponents come from serializers for very large or small numbers (`1.5e2`).
        return Decimal::from_scientific(&text).ok();
    }
    Decimal::from_str_exact(&text).ok()
}

/// The same conversions for `Option<Decimal>` (JSON `null` is `None`).
pub mod option {
    use super::*;

    /// Writes `Some(amount)` as a number and `None` as `null`.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a number, numeric string or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Decimal>, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(None);
        }
        from_json(&value).map(Some).ok_or_else(|| D::Error::custom(format!("expected an amount, got {value}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::json;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Wire {
        #[serde(with = "super")]
        amount: Decimal,
        #[serde(with = "super::option", default)]
        refunded: Option<Decimal>,
    }

    #[test]
    fn amounts_round_trip_exactly() {
        for text in ["0.01", "0.1", "58.8", "100.5", "1234567.89", "9999999999999.99", "100"] {
            let d = Decimal::from_str(text).expect("decimal");
            let json = serde_json::to_string(&Wire { amount: d, refunded: None }).expect("ser");
            let back: Wire = serde_json::from_str(&json).expect("de");
            assert_eq!(back.amount, d, "{text} → {json}");
        }
    }

    #[test]
    fn numbers_are_read_as_their_decimal_text() {
        let w: Wire = serde_json::from_value(json!({"amount": 58.8, "refunded": 0.1})).expect("de");
        assert_eq!(w.amount.to_string(), "58.8");
        assert_eq!(w.refunded, Some(Decimal::new(1, 1)));
        let w: Wire = serde_json::from_value(json!({"amount": "12.34", "refunded": null})).expect("de");
        assert_eq!((w.amount, w.refunded), (Decimal::new(1234, 2), None));
        assert!(serde_json::from_value::<Wire>(json!({"amount": true})).is_err());
    }

    #[test]
    fn amounts_are_written_as_json_numbers() {
        let text = serde_json::to_string(&Wire { amount: Decimal::new(10050, 2), refunded: Some(Decimal::ZERO) })
            .expect("ser");
        assert_eq!(text, r#"{"amount":100.5,"refunded":0}"#);
        let big = serde_json::to_string(&Wire { amount: Decimal::new(1_234_567_890_123_456_789, 2), refunded: None })
            .expect("ser");
        assert_eq!(big, r#"{"amount":12345678901234567.89,"refunded":null}"#, "more digits than an f64 holds");
    }

    #[test]
    fn amounts_are_read_exactly_never_through_a_float() {
        let w: Wire = serde_json::from_str(r#"{"amount": 18500.0000000000001}"#).expect("de");
        assert_eq!(w.amount.to_string(), "18500.0000000000001");
        assert_ne!(w.amount, Decimal::new(18500, 0));
        let w: Wire = serde_json::from_str(r#"{"amount": 1.5e2}"#).expect("de");
        assert_eq!(w.amount, Decimal::new(150, 0));
        assert!(serde_json::from_str::<Wire>(r#"{"amount": 1.00000000000000000000000000001}"#).is_err(), "would round");
        assert!(serde_json::from_str::<Wire>(r#"{"amount": 1e400}"#).is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_decimal_round_trips_through_json_text(mantissa in any::<i64>(), scale in 0u32..=12) {
                let d = Decimal::new(mantissa, scale);
                let text = serde_json::to_string(&Wire { amount: d, refunded: Some(d) }).expect("ser");
                let back: Wire = serde_json::from_str(&text).expect("de");
                prop_assert_eq!(back.amount, d);
                prop_assert_eq!(back.refunded, Some(d));
            }

            #[test]
            fn reading_never_panics(text in any::<String>()) {
                let _ = from_json(&serde_json::Value::String(text.clone()));
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
                    let _ = from_json(&v);
                }
            }
        }
    }
}
