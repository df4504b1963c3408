//! Exact money from JSON.
//!
//! Amounts are [`Decimal`]s in currency units (`18500.00` is 18,500.00 ARS), never `f64`. The
//! workspace builds `serde_json` with `arbitrary_precision`, so a JSON number keeps its text and
//! is read here exactly: `18500.0000000000001` stays what it says, and a number `Decimal` could
//! only hold rounded (more than 28 significant digits) is refused.
//!
//! Each currency has its own number of decimals ([`minor_units`]): two for ARS, BRL, MXN, PEN and
//! UYU, none for CLP and COP. Prices, totals (and so Mercado Pago's `transaction_amount`) and
//! buyer messages all follow it.

use rust_decimal::{Decimal, RoundingStrategy};
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

/// Decimals used for a currency [`minor_units`] does not know (not in ISO 4217, or without a
/// minor unit, like gold `XAU`): two, the most common.
pub const DEFAULT_MINOR_UNITS: u32 = 2;

/// Currencies Mercado Pago takes as whole amounts only, although ISO 4217 gives them minor units.
///
/// COP has two decimals in ISO 4217, but Mercado Pago refuses a `transaction_amount` or
/// `unit_price` in COP with a fractional part ("Prices in COP currency must be expressed with
/// integer values"), and Colombian prices are written without centavos. Mercado Pago's own
/// documentation does not list decimals per currency; the behaviour is recorded by the
/// integrations that hit it, e.g. Odoo's Mercado Pago connector:
/// <https://github.com/odoo/odoo/pull/185664> (COP) and <https://github.com/odoo/odoo/pull/124162>
/// (CLP and COP).
const MERCADO_PAGO_WHOLE_UNITS: &[&str] = &["COP"];

/// The ISO 4217 minor units of a currency (`ARS` → 2, `CLP` → 0, `COP` → 2), from the
/// `iso_currency` crate. `None` for a code that is not ISO 4217 (or not upper case) and for
/// currencies without a minor unit (`XAU`).
pub fn iso_minor_units(currency_id: &str) -> Option<u32> {
    iso_currency::Currency::from_code(currency_id)?.exponent().map(u32::from)
}

/// The decimals this checkout uses for a currency: in catalog prices, order totals, the
/// `transaction_amount` sent to Mercado Pago and the amounts buyers read. ISO 4217's
/// ([`iso_minor_units`]), except where Mercado Pago takes whole amounts only (COP → 0). For the
/// seven Mercado Pago sites: ARS, BRL, MXN, PEN, UYU → 2; CLP, COP → 0.
pub fn minor_units(currency_id: &str) -> Option<u32> {
    if MERCADO_PAGO_WHOLE_UNITS.contains(&currency_id) {
        return Some(0);
    }
    iso_minor_units(currency_id)
}

/// `amount` rounded to the currency's [`minor_units`] (half away from zero:
/// `18500.5` CLP → `18501`, `10.005` ARS → `10.01`); [`DEFAULT_MINOR_UNITS`] for a currency it
/// does not know. Never adds trailing zeros (`18500` ARS stays `18500`).
pub fn round_to_minor_units(amount: Decimal, currency_id: &str) -> Decimal {
    let units = minor_units(currency_id).unwrap_or(DEFAULT_MINOR_UNITS);
    amount.round_dp_with_strategy(units, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount as the API and the events write it: a decimal string with exactly the currency's
/// minor units (`"18500.00"` ARS, `"18500"` CLP), rounded like [`round_to_minor_units`].
pub fn amount_text(amount: Decimal, currency_id: &str) -> String {
    let mut rounded = round_to_minor_units(amount, currency_id);
    rounded.rescale(minor_units(currency_id).unwrap_or(DEFAULT_MINOR_UNITS));
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_written_with_the_currency_decimals() {
        assert_eq!(amount_text(Decimal::new(18500, 0), "ARS"), "18500.00");
        assert_eq!(amount_text(Decimal::new(1850050, 2), "BRL"), "18500.50");
        assert_eq!(amount_text(Decimal::new(18500, 0), "CLP"), "18500");
        assert_eq!(amount_text(Decimal::new(1850000, 2), "COP"), "18500");
    }
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

    /// The seven Mercado Pago sites: MLA, MLB, MLC, MCO, MLM, MPE, MLU.
    const SITES: [(&str, Option<u32>); 7] = [
        ("ARS", Some(2)),
        ("BRL", Some(2)),
        ("CLP", Some(0)),
        ("COP", Some(0)),
        ("MXN", Some(2)),
        ("PEN", Some(2)),
        ("UYU", Some(2)),
    ];

    #[test]
    fn minor_units_of_every_mercado_pago_currency() {
        for (currency, units) in SITES {
            assert_eq!(minor_units(currency), units, "{currency}");
        }
        assert_eq!(iso_minor_units("COP"), Some(2), "ISO 4217 says two; Mercado Pago takes none");
        assert_eq!(iso_minor_units("CLP"), Some(0));
        assert_eq!(minor_units("USD"), Some(2));
        assert_eq!(minor_units("JPY"), Some(0));
        assert_eq!(minor_units("KWD"), Some(3));
        assert_eq!(minor_units("XAU"), None, "gold has no minor unit");
        assert_eq!(minor_units("ZZZ"), None);
        assert_eq!(minor_units("ars"), None, "codes are upper case");
        assert_eq!(minor_units(""), None);
    }

    #[test]
    fn amounts_are_rounded_to_the_currency() {
        let d = |s: &str| Decimal::from_str_exact(s).expect("decimal");
        for (currency, cases) in [
            ("ARS", [("18500.005", "18500.01"), ("7250.50", "7250.50"), ("0.004", "0.00")]),
            ("BRL", [("1234.565", "1234.57"), ("99.9", "99.9"), ("-1.005", "-1.01")]),
            ("CLP", [("18500.5", "18501"), ("18500.49", "18500"), ("18500.00", "18500")]),
            ("COP", [("25800.5", "25801"), ("25800.4", "25800"), ("1000000", "1000000")]),
            ("MXN", [("1234.504", "1234.50"), ("0.125", "0.13"), ("10", "10")]),
            ("PEN", [("59.995", "60.00"), ("59.994", "59.99"), ("1.1", "1.1")]),
            ("UYU", [("1590.555", "1590.56"), ("1590", "1590"), ("-0.005", "-0.01")]),
        ] {
            for (amount, rounded) in cases {
                assert_eq!(round_to_minor_units(d(amount), currency), d(rounded), "{amount} {currency}");
            }
        }
        assert_eq!(round_to_minor_units(d("1.2345"), "ZZZ"), d("1.23"), "unknown: two decimals");
        assert_eq!(round_to_minor_units(d("1.2345"), "KWD"), d("1.235"));
    }

    proptest! {
        #[test]
        fn rounding_is_idempotent_and_within_half_a_minor_unit(mantissa in any::<i64>(), scale in 0u32..8, site in 0usize..7) {
            let (currency, units) = SITES[site];
            let units = units.expect("known");
            let d = Decimal::new(mantissa, scale);
            let r = round_to_minor_units(d, currency);
            prop_assert!(r.scale() <= units);
            prop_assert_eq!(round_to_minor_units(r, currency), r);
            prop_assert!((r - d).abs() <= Decimal::new(5, units + 1));
        }

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
