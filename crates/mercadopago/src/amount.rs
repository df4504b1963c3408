//! Money on the wire.
//!
//! Mercado Pago's Payments API types `transaction_amount` and every other amount as a JSON
//! *number* in the currency's units (`58.8` is 58.80 ARS), not as cents or strings
//! (`shared/reference/mercadopago-api.md` §1.2). This crate keeps amounts as
//! [`rust_decimal::Decimal`] everywhere and converts only here, at the serde boundary:
//!
//! - **writing**: the decimal becomes the shortest JSON number that reads back as the same value.
//!   Every amount with at most 15 significant digits (any realistic payment, with cents) is
//!   written exactly (`100.5`, `1234567.89`).
//! - **reading**: the JSON number's shortest text form is parsed as a decimal, so `58.8` becomes
//!   exactly `58.8`, never `58.799999999999997`.
//!
//! Use with `#[serde(with = "mercadopago::amount")]` (or `amount::option` for `Option<Decimal>`).

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use std::str::FromStr;

/// Writes a decimal amount as a JSON number.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let float = value.to_f64().ok_or_else(|| serde::ser::Error::custom("amount out of range"))?;
    serializer.serialize_f64(float)
}

/// Reads a JSON number (or a numeric string) as an exact decimal amount.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    from_json(&value).ok_or_else(|| D::Error::custom(format!("expected an amount, got {value}")))
}

/// The decimal value of a JSON number or numeric string, if it is one.
pub fn from_json(value: &serde_json::Value) -> Option<Decimal> {
    let text = match value {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    Decimal::from_str(&text).or_else(|_| Decimal::from_scientific(&text)).ok()
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
        let v =
            serde_json::to_value(Wire { amount: Decimal::new(10050, 2), refunded: Some(Decimal::ZERO) }).expect("ser");
        assert_eq!(v, json!({"amount": 100.5, "refunded": 0.0}));
    }
}
