//! The merchant's catalog (`catalog.json`, read by both the page and the server) and pricing.
//!
//! Prices come from here only: the page sends SKUs and quantities, never a price the server
//! trusts. Amounts are [`Decimal`]s in currency units (`"18500.00"` is 18,500.00 ARS), written
//! in the file as strings or numbers and read exactly, with no more decimals than the currency
//! has ([`money::minor_units`]: two for ARS, none for CLP or COP).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money;
use crate::site::Site;
use crate::validation::FieldErrors;

/// Text in the three supported languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Localized {
    /// Spanish.
    pub es: String,
    /// Portuguese.
    pub pt: String,
    /// English.
    pub en: String,
}

/// One product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Stable identifier, `[a-z0-9-]`.
    pub sku: String,
    /// Price of one unit, in currency units.
    #[serde(with = "crate::money")]
    pub unit_price: Decimal,
    /// Most units per order.
    pub max_quantity: u32,
    /// Image path relative to the site.
    #[serde(default)]
    pub image: Option<String>,
    /// Display name.
    pub name: Localized,
    /// Short description.
    pub description: Localized,
    /// Mercado Pago's category for risk scoring (`additional_info.items[].category_id`): a tag
    /// such as `home` or `others`, or a Mercado Libre category code (`MLA1234`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
}

/// The whole catalog file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Shown on the page.
    pub store_name: String,
    /// Mercado Pago site of the merchant's account (`MLA`, `MLB`, `MLM`...).
    pub site_id: String,
    /// ISO 4217 currency of every price.
    pub currency_id: String,
    /// Locale used when the buyer's is unknown (`es-AR`).
    pub default_locale: String,
    /// Text on the buyer's card statement (`statement_descriptor`).
    #[serde(default)]
    pub statement_descriptor: Option<String>,
    /// What the page collects besides the e-mail (shipping address, phone).
    #[serde(default)]
    pub collect: crate::buyer::Collect,
    /// Products.
    pub products: Vec<Product>,
}

/// The repository's `catalog.json` as it was at build time. The functions price from the
/// published catalog (`catalog.json` in the site bucket, read at run time by
/// `checkout::catalog`); this one is used only where no bucket is configured (unit tests).
pub const BUILT_IN: &str = include_str!("../../../catalog.json");

/// Why a catalog file was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Not JSON of the right shape.
    #[error("catalog is not valid: {0}")]
    Parse(#[from] serde_json::Error),
    /// Shape is right, content is not.
    #[error("catalog is not valid: {0}")]
    Invalid(String),
    /// File could not be read.
    #[error("catalog file could not be read: {0}")]
    Io(#[from] std::io::Error),
}

/// Most lines in one order.
pub const MAX_LINES: usize = 20;

/// One line the buyer asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRequest {
    /// Product SKU.
    pub sku: String,
    /// Units, at least 1.
    pub quantity: u32,
}

/// A priced line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricedLine {
    /// Product SKU.
    pub sku: String,
    /// Name in Spanish (the catalog's first language), for records and events.
    pub name: String,
    /// Units.
    pub quantity: u32,
    /// Catalog unit price.
    #[serde(with = "rust_decimal::serde::str")]
    pub unit_price: Decimal,
    /// `unit_price * quantity`.
    #[serde(with = "rust_decimal::serde::str")]
    pub line_total: Decimal,
}

/// An order priced from the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedOrder {
    /// Lines, in the order asked.
    pub lines: Vec<PricedLine>,
    /// Sum of line totals, rounded to the currency's minor units ([`money::round_to_minor_units`]).
    pub total: Decimal,
    /// Currency of the total.
    pub currency_id: String,
}

impl Localized {
    /// The text in `lang`.
    pub fn get(&self, lang: crate::messages::Lang) -> &str {
        use crate::messages::Lang;
        match lang {
            Lang::Es => &self.es,
            Lang::Pt => &self.pt,
            Lang::En => &self.en,
        }
    }
}

impl Catalog {
    /// Parses and checks a catalog: unique SKUs, positive prices with no more decimals than the
    /// currency has (none for CLP and COP, two for ARS), quantities of at least 1, an ISO 4217
    /// currency.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let catalog: Catalog = serde_json::from_str(text)?;
        catalog.check()?;
        Ok(catalog)
    }

    /// The built-in catalog, or the file at `path`.
    pub fn load(path: Option<&str>) -> Result<Catalog, CatalogError> {
        match path {
            Some(p) => Self::from_json(&std::fs::read_to_string(p)?),
            None => Self::from_json(BUILT_IN),
        }
    }

    /// The catalog's Mercado Pago site (checked when the catalog is read).
    pub fn site(&self) -> &'static Site {
        Site::by_id(&self.site_id).unwrap_or(&crate::site::MLA)
    }

    fn check(&self) -> Result<(), CatalogError> {
        let invalid = |m: String| Err(CatalogError::Invalid(m));
        let Some(site) = Site::by_id(&self.site_id) else {
            let known: Vec<&str> = crate::site::SITES.iter().map(|s| s.id).collect();
            return invalid(format!(
                "site_id {:?} is not one of Mercado Pago's sites ({})",
                self.site_id,
                known.join(", ")
            ));
        };
        if self.currency_id != site.currency_id {
            return invalid(format!(
                "currency_id {:?} is not {}'s currency: Mercado Pago charges in {} there",
                self.currency_id, site.id, site.currency_id
            ));
        }
        if self.currency_id.len() != 3 || !self.currency_id.bytes().all(|b| b.is_ascii_uppercase()) {
            return invalid(format!("currency_id {:?} is not an ISO 4217 code", self.currency_id));
        }
        let Some(decimals) = money::minor_units(&self.currency_id) else {
            return invalid(format!("currency_id {:?} is not an ISO 4217 currency with minor units", self.currency_id));
        };
        if self.products.is_empty() {
            return invalid("no products".into());
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.products {
            if p.sku.is_empty() || !p.sku.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                return invalid(format!("sku {:?} must be [a-z0-9-]", p.sku));
            }
            if !seen.insert(p.sku.as_str()) {
                return invalid(format!("sku {:?} appears twice", p.sku));
            }
            if p.unit_price <= Decimal::ZERO {
                return invalid(format!("{}: unit_price must be positive", p.sku));
            }
            if p.unit_price.normalize().scale() > decimals {
                let allowed = match decimals {
                    0 => "no decimals".to_owned(),
                    1 => "at most one decimal".to_owned(),
                    n => format!("at most {n} decimals"),
                };
                return invalid(format!(
                    "{}: unit_price {} has more decimals than {} allows ({allowed})",
                    p.sku, p.unit_price, self.currency_id
                ));
            }
            if p.max_quantity == 0 {
                return invalid(format!("{}: max_quantity must be at least 1", p.sku));
            }
            // Our choice: Mercado Pago's tags (`video games`) and Mercado Libre codes fit in 64.
            if p.category_id.as_deref().is_some_and(|c| c.is_empty() || c.len() > 64 || c.chars().any(char::is_control))
            {
                return invalid(format!("{}: category_id must be 1 to 64 characters", p.sku));
            }
        }
        Ok(())
    }

    /// The product with this SKU.
    pub fn product(&self, sku: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.sku == sku)
    }

    /// Prices the requested lines. Field errors use the request's paths (`items[1].sku`):
    /// `required` (no lines), `too_many`, `unknown_sku`, `duplicate`, `out_of_range` (quantity).
    pub fn price(&self, lines: &[LineRequest]) -> Result<PricedOrder, FieldErrors> {
        let mut errors = FieldErrors::default();
        if lines.is_empty() {
            errors.add("items", "required");
        }
        if lines.len() > MAX_LINES {
            errors.add("items", "too_many");
        }
        let mut priced = Vec::new();
        let mut seen = BTreeMap::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(product) = self.product(&line.sku) else {
                errors.add(format!("items[{i}].sku"), "unknown_sku");
                continue;
            };
            if seen.insert(line.sku.as_str(), i).is_some() {
                errors.add(format!("items[{i}].sku"), "duplicate");
                continue;
            }
            if line.quantity == 0 || line.quantity > product.max_quantity {
                errors.add(format!("items[{i}].quantity"), "out_of_range");
                continue;
            }
            priced.push(PricedLine {
                sku: product.sku.clone(),
                name: product.name.es.clone(),
                quantity: line.quantity,
                unit_price: product.unit_price,
                line_total: product.unit_price * Decimal::from(line.quantity),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let total = money::round_to_minor_units(priced.iter().map(|l| l.line_total).sum(), &self.currency_id);
        Ok(PricedOrder { lines: priced, total, currency_id: self.currency_id.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, quantity: u32) -> LineRequest {
        LineRequest { sku: sku.into(), quantity }
    }

    #[test]
    fn the_built_in_catalog_is_valid() {
        let c = Catalog::load(None).expect("catalog.json parses");
        assert!(!c.products.is_empty());
        assert_eq!(c.currency_id.len(), 3);
    }

    #[test]
    fn prices_come_from_the_catalog_exactly() {
        let c = Catalog::load(None).expect("catalog");
        let order = c.price(&[line("mate-calabaza", 2), line("yerba-organica-1kg", 3)]).expect("priced");
        assert_eq!(order.total, Decimal::new(5_875_150, 2), "2 × 18500.00 + 3 × 7250.50");
        assert_eq!(order.lines[1].line_total, Decimal::new(2_175_150, 2));
        assert_eq!(order.currency_id, "ARS");
    }

    #[test]
    fn bad_lines_are_reported_per_field() {
        let c = Catalog::load(None).expect("catalog");
        let errors = c
            .price(&[
                line("mate-calabaza", 1),
                line("nope", 1),
                line("mate-calabaza", 1),
                line("bombilla-acero", 0),
                line("bombilla-acero", 99),
            ])
            .expect_err("invalid");
        assert_eq!(errors.get("items[1].sku"), Some("unknown_sku"));
        assert_eq!(errors.get("items[2].sku"), Some("duplicate"));
        assert_eq!(errors.get("items[3].quantity"), Some("out_of_range"));
        assert_eq!(errors.get("items[4].sku"), Some("duplicate"));
        let too_many_units = c.price(&[line("bombilla-acero", 11)]).expect_err("over max_quantity");
        assert_eq!(too_many_units.get("items[0].quantity"), Some("out_of_range"));
        assert_eq!(c.price(&[]).expect_err("empty").get("items"), Some("required"));
        let many: Vec<_> = (0..21).map(|_| line("mate-calabaza", 1)).collect();
        assert_eq!(c.price(&many).expect_err("too many").get("items"), Some("too_many"));
    }

    #[test]
    fn invalid_catalogs_are_refused() {
        let good = BUILT_IN;
        let broken = good.replacen("\"18500.00\"", "\"-1\"", 1);
        assert!(matches!(Catalog::from_json(&broken), Err(CatalogError::Invalid(_))));
        let dup = good.replacen("bombilla-acero", "mate-calabaza", 1);
        assert!(matches!(Catalog::from_json(&dup), Err(CatalogError::Invalid(_))));
        let cents = good.replacen("\"9500.00\"", "\"9500.001\"", 1);
        assert!(matches!(Catalog::from_json(&cents), Err(CatalogError::Invalid(_))));
        assert!(matches!(Catalog::from_json("{}"), Err(CatalogError::Parse(_))));
        let unknown = good.replacen("\"ARS\"", "\"ZZZ\"", 1);
        assert!(matches!(Catalog::from_json(&unknown), Err(CatalogError::Invalid(m)) if m.contains("\"ZZZ\"")));
        let other_site = good.replacen("\"MLA\"", "\"MLV\"", 1);
        assert!(matches!(Catalog::from_json(&other_site),
            Err(CatalogError::Invalid(m)) if m == "site_id \"MLV\" is not one of Mercado Pago's sites (MLA, MLB, MLM, MLU, MLC, MPE, MCO)"));
        let wrong_currency = good.replacen("\"MLA\"", "\"MLB\"", 1);
        assert!(matches!(Catalog::from_json(&wrong_currency),
            Err(CatalogError::Invalid(m)) if m == "currency_id \"ARS\" is not MLB's currency: Mercado Pago charges in BRL there"));
        let no_category = good.replacen("\"category_id\": \"home\"", "\"category_id\": \"\"", 1);
        assert!(matches!(Catalog::from_json(&no_category), Err(CatalogError::Invalid(m)) if m.contains("category_id")));
        let catalog = Catalog::from_json(good).expect("built-in");
        assert_eq!(catalog.product("mate-calabaza").and_then(|p| p.category_id.as_deref()), Some("home"));
    }

    /// The built-in catalog on the site of another currency.
    fn in_currency(currency: &str) -> String {
        let site = crate::site::SITES.iter().find(|s| s.currency_id == currency).expect("a site's currency");
        BUILT_IN.replacen("\"ARS\"", &format!("{currency:?}"), 1).replacen("\"MLA\"", &format!("{:?}", site.id), 1)
    }

    /// The built-in catalog in another currency, with whole prices (`"7250.50"` → `"7250"`).
    fn whole_catalog(currency: &str) -> String {
        in_currency(currency).replacen("\"7250.50\"", "\"7250\"", 1)
    }

    #[test]
    fn prices_with_decimals_are_refused_for_currencies_without() {
        for currency in ["CLP", "COP"] {
            let text = in_currency(currency);
            let Err(CatalogError::Invalid(message)) = Catalog::from_json(&text) else {
                panic!("{currency}: 7250.50 accepted");
            };
            assert_eq!(
                message,
                format!(
                    "yerba-organica-1kg: unit_price 7250.50 has more decimals than {currency} allows (no decimals)"
                )
            );
            let c = Catalog::from_json(&whole_catalog(currency)).expect("whole prices");
            assert_eq!(c.currency_id, currency);
        }
        let three = BUILT_IN.replacen("\"9500.00\"", "\"9500.001\"", 1);
        let Err(CatalogError::Invalid(message)) = Catalog::from_json(&three) else { panic!("accepted") };
        assert!(message.ends_with("than ARS allows (at most 2 decimals)"), "{message}");
    }

    #[test]
    fn totals_have_the_currency_decimals() {
        // "18500.00" is a whole CLP price: accepted, and the total is a whole amount.
        let c = Catalog::from_json(&whole_catalog("CLP")).expect("catalog");
        let order = c.price(&[line("mate-calabaza", 2), line("yerba-organica-1kg", 3)]).expect("priced");
        assert_eq!(order.total, Decimal::new(58_750, 0), "2 × 18500 + 3 × 7250");
        assert_eq!(order.total.normalize().scale(), 0);
        assert_eq!(order.currency_id, "CLP");
        for currency in ["ARS", "BRL", "COP", "MXN", "PEN", "UYU"] {
            let text = if currency == "COP" { whole_catalog(currency) } else { in_currency(currency) };
            let c = Catalog::from_json(&text).expect(currency);
            let order = c.price(&[line("bombilla-acero", 3)]).expect("priced");
            assert_eq!(order.total, Decimal::new(28_500, 0), "{currency}");
            assert_eq!(order.currency_id, currency);
        }
    }
}
