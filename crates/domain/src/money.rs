//! Exact money from JSON.
//!
//! Amounts are [`Decimal`]s in currency units (`18500.00` is 18,500.00 ARS), never `f64`. The
//! workspace builds `serde_json` with `arbitrary_precision`, so a JSON number keeps its text and
//! is read here exactly: `18500.0000000000001` stays what it says, and a number `Decimal` could
//! only hold rounded (more than 28 significant digits) is refused.

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize as _, Serializer};
use serde_json::Value;

/// The exact decimal value of a JSON number (its text as sent) or numeric string.
///
/// `None` for anything else, or a number `Decimal` cannot hold exactly.
pub fn exact(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    if text.contains(['e', 'E']) {
        return Decimal::from_scientific(&text).ok();
    }
    Decimal::from_str_exact(&text).ok()
}

/// Reads a JSON number or numeric string as an exact amount (`#[serde(with = "domain::money")]`).
///
/// # Errors
/// Anything that [`exact`] refuses.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let value = Value::deserialize(deserializer)?;
    exact(&value).ok_or_else(|| D::Error::custom(format!("expected an amount, got {value}")))
}

/// Writes an amount as a JSON number (the decimal's normalized text: `18500`, `100.5`).
///
/// # Errors
/// The serializer's own errors.
pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    let number: serde_json::Number = value.normalize().to_string().parse().map_err(serde::ser::Error::custom)?;
    number.serialize(serializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn numbers_keep_their_text() {
        let v: Value = serde_json::from_str("18500.0000000000001").expect("json");
        assert_eq!(exact(&v).map(|d| d.to_string()), Some("18500.0000000000001".to_owned()));
        assert_eq!(exact(&json!("58.8")), Some(Decimal::new(588, 1)));
        assert_eq!(exact(&json!(true)), None);
        let too_precise: Value = serde_json::from_str("1.00000000000000000000000000001").expect("json");
        assert_eq!(exact(&too_precise), None, "would have to round");
    }

    proptest! {
        #[test]
        fn any_json_text_is_parsed_without_panicking(text in "\\PC{0,40}") {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let _ = exact(&v);
            }
        }

        #[test]
        fn decimals_round_trip(mantissa in any::<i64>(), scale in 0u32..10) {
            let d = Decimal::new(mantissa, scale);
            let text = serde_json::to_string(&Wrapper(d)).expect("serialize");
            let back: Value = serde_json::from_str(&text).expect("json");
            prop_assert_eq!(exact(&back), Some(d.normalize()));
        }
    }

    #[derive(serde::Serialize)]
    struct Wrapper(#[serde(with = "super")] Decimal);
}
