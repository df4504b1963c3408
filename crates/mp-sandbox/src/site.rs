//! Per-site data: currency, identification types, card payment methods (with the BINs of
//! Mercado Pago's documented test cards), issuers and installment plans.
//!
//! Sources: docs/mercadopago.md#test-cards (test cards per site) and
//! docs/mercadopago.md#card-form-lookups (shapes of `payment_methods`, `search`, `card_issuers`,
//! `installments`, `identification_types`).
//! Issuer ids and names, amount limits and installment rates are sandbox values, not Mercado
//! Pago's: they only need to be plausible and stable so a card form can be exercised end to end.

use rust_decimal::Decimal;
use serde::Serialize;

/// A Mercado Pago site (country), as in the access token's account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum SiteId {
    /// Argentina, ARS, identification `DNI`.
    #[default]
    #[serde(rename = "MLA")]
    Mla,
    /// Brazil, BRL, identification `CPF`.
    #[serde(rename = "MLB")]
    Mlb,
    /// Mexico, MXN, no identification.
    #[serde(rename = "MLM")]
    Mlm,
}

impl SiteId {
    /// Site code as Mercado Pago writes it (`"MLA"`).
    pub fn code(self) -> &'static str {
        match self {
            SiteId::Mla => "MLA",
            SiteId::Mlb => "MLB",
            SiteId::Mlm => "MLM",
        }
    }

    /// The static data for this site.
    pub fn info(self) -> &'static SiteInfo {
        match self {
            SiteId::Mla => &MLA,
            SiteId::Mlb => &MLB,
            SiteId::Mlm => &MLM,
        }
    }
}

impl std::str::FromStr for SiteId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "MLA" => Ok(SiteId::Mla),
            "MLB" => Ok(SiteId::Mlb),
            "MLM" => Ok(SiteId::Mlm),
            other => Err(format!("unknown site id {other:?}: expected MLA, MLB or MLM")),
        }
    }
}

/// Static data of one site.
#[derive(Debug)]
pub struct SiteInfo {
    /// `"MLA"`, ...
    pub id: SiteId,
    /// ISO 4217 code used as `currency_id` (`"ARS"`).
    pub currency_id: &'static str,
    /// Identification document types (`GET /v1/identification_types`), empty for MLM.
    pub identification_types: &'static [IdentificationType],
    /// Card payment methods offered on this site.
    pub payment_methods: &'static [PaymentMethod],
    /// Documented test cards: `(payment_method_id, card number)`.
    pub test_cards: &'static [(&'static str, &'static str)],
    /// Word used in installment messages (`"cuota"`, `"parcela"`, `"mensualidad"`).
    pub installment_word: (&'static str, &'static str),
    /// Currency symbol used in installment messages.
    pub currency_symbol: &'static str,
    /// Decimal and thousands separators used in installment messages.
    pub separators: (char, char),
}

/// One identification document type, as `GET /v1/identification_types` returns it.
#[derive(Debug, Serialize)]
pub struct IdentificationType {
    /// `"DNI"`, `"CPF"`, ...
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// `"number"` or `"string"`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Minimum length of the number.
    pub min_length: u32,
    /// Maximum length of the number.
    pub max_length: u32,
}

/// An issuer (bank) of a card payment method.
#[derive(Debug, Clone, Copy)]
pub struct Issuer {
    /// Numeric id, as a string on the wire (`issuer_id`).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
}

/// What [`PaymentMethod::default_issuer`] falls back to for a method without issuers (none in
/// the tables).
const NO_ISSUER: Issuer = Issuer { id: "0", name: "" };

/// A card payment method (`visa`, `master`, `debvisa`...).
#[derive(Debug)]
pub struct PaymentMethod {
    /// `payment_method_id`.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// `credit_card` or `debit_card`.
    pub payment_type_id: &'static str,
    /// BIN prefixes this method matches, longest match wins.
    pub bin_prefixes: &'static [&'static str],
    /// Card number length.
    pub card_number_length: u32,
    /// Security code length (4 for Amex).
    pub security_code_length: u32,
    /// `back` or `front` (Amex).
    pub security_code_location: &'static str,
    /// Issuers; the first is the default. More than one means the form must ask (`issuer_id`
    /// appears in `additional_info_needed`).
    pub issuers: &'static [Issuer],
    /// Installment counts offered (`[1]` for debit cards).
    pub installments: &'static [u32],
    /// Smallest amount accepted, in the site's currency units.
    pub min_allowed_amount: Decimal,
    /// Largest amount accepted, in the site's currency units.
    pub max_allowed_amount: Decimal,
}

impl PaymentMethod {
    /// `additional_info_needed` for this method on `site`.
    pub fn additional_info_needed(&self, site: &SiteInfo) -> Vec<&'static str> {
        let mut needed = vec!["cardholder_name"];
        if !site.identification_types.is_empty() {
            needed.push("cardholder_identification_type");
            needed.push("cardholder_identification_number");
        }
        if self.issuers.len() > 1 {
            needed.push("issuer_id");
        }
        needed
    }

    /// Whether `issuer_id` names one of this method's issuers.
    pub fn issuer(&self, issuer_id: &str) -> Option<&Issuer> {
        self.issuers.iter().find(|i| i.id == issuer_id)
    }

    /// The default issuer: the first one (every method in the tables has at least one; a test
    /// checks it).
    pub fn default_issuer(&self) -> &Issuer {
        self.issuers.first().unwrap_or(&NO_ISSUER)
    }
}

/// Installment rate in percent of the amount, per installment count (sandbox values).
pub fn installment_rate(installments: u32) -> Decimal {
    match installments {
        1 | 3 => Decimal::ZERO,
        6 => Decimal::new(1500, 2),
        12 => Decimal::new(3000, 2),
        _ => Decimal::new(4500, 2),
    }
}

impl SiteInfo {
    /// The payment method with this id.
    pub fn payment_method(&self, id: &str) -> Option<&'static PaymentMethod> {
        self.payment_methods.iter().find(|m| m.id == id)
    }

    /// The payment method a card number or BIN belongs to (longest matching prefix).
    pub fn payment_method_for_bin(&self, bin: &str) -> Option<&'static PaymentMethod> {
        self.payment_methods
            .iter()
            .flat_map(|m| m.bin_prefixes.iter().map(move |p| (m, *p)))
            .filter(|(_, p)| bin.starts_with(p))
            .max_by_key(|(_, p)| p.len())
            .map(|(m, _)| m)
    }

    /// Formats an amount the way the site's installment messages do (`$ 1.234,50`).
    pub fn format_amount(&self, amount: Decimal) -> String {
        let rounded = amount.round_dp(2);
        let (decimal_sep, thousands_sep) = self.separators;
        let text = format!("{rounded:.2}");
        let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, "00"));
        let mut grouped = String::new();
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(thousands_sep);
            }
            grouped.push(c);
        }
        format!("{} {grouped}{decimal_sep}{frac_part}", self.currency_symbol)
    }
}

const fn dec(units: i64) -> Decimal {
    Decimal::from_parts(units as u32, 0, 0, false, 0)
}

const CREDIT_INSTALLMENTS: &[u32] = &[1, 3, 6, 12];
const DEBIT_INSTALLMENTS: &[u32] = &[1];

static MLA: SiteInfo = SiteInfo {
    id: SiteId::Mla,
    currency_id: "ARS",
    identification_types: &[
        IdentificationType { id: "DNI", name: "DNI", kind: "number", min_length: 7, max_length: 8 },
        IdentificationType { id: "CI", name: "Cédula", kind: "number", min_length: 1, max_length: 9 },
        IdentificationType { id: "LC", name: "L.C.", kind: "number", min_length: 6, max_length: 7 },
        IdentificationType { id: "LE", name: "L.E.", kind: "number", min_length: 6, max_length: 7 },
        IdentificationType { id: "Otro", name: "Otro", kind: "number", min_length: 5, max_length: 20 },
    ],
    payment_methods: &[
        PaymentMethod {
            id: "visa",
            name: "Visa",
            payment_type_id: "credit_card",
            bin_prefixes: &["4", "450995"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "310", name: "Visa Argentina" }, Issuer { id: "1042", name: "Banco Sandbox" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: dec(1),
            max_allowed_amount: dec(10_000_000),
        },
        PaymentMethod {
            id: "master",
            name: "Mastercard",
            payment_type_id: "credit_card",
            bin_prefixes: &["51", "52", "53", "54", "55", "2", "503175"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "3", name: "Mastercard" }, Issuer { id: "1042", name: "Banco Sandbox" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: dec(1),
            max_allowed_amount: dec(10_000_000),
        },
        PaymentMethod {
            id: "amex",
            name: "American Express",
            payment_type_id: "credit_card",
            bin_prefixes: &["34", "37"],
            card_number_length: 15,
            security_code_length: 4,
            security_code_location: "front",
            issuers: &[Issuer { id: "4", name: "American Express" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: dec(1),
            max_allowed_amount: dec(10_000_000),
        },
        PaymentMethod {
            id: "debvisa",
            name: "Visa Débito",
            payment_type_id: "debit_card",
            bin_prefixes: &["400276"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "1", name: "Visa Débito" }],
            installments: DEBIT_INSTALLMENTS,
            min_allowed_amount: dec(1),
            max_allowed_amount: dec(10_000_000),
        },
        PaymentMethod {
            id: "debmaster",
            name: "Mastercard Débito",
            payment_type_id: "debit_card",
            bin_prefixes: &["528733"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "5", name: "Mastercard Débito" }],
            installments: DEBIT_INSTALLMENTS,
            min_allowed_amount: dec(1),
            max_allowed_amount: dec(10_000_000),
        },
    ],
    test_cards: &[
        ("master", "5031755734530604"),
        ("visa", "4509953566233704"),
        ("amex", "371180303257522"),
        ("debmaster", "5287338310253304"),
        ("debvisa", "4002768694395619"),
    ],
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "$",
    separators: (',', '.'),
};

static MLB: SiteInfo = SiteInfo {
    id: SiteId::Mlb,
    currency_id: "BRL",
    identification_types: &[
        IdentificationType { id: "CPF", name: "CPF", kind: "number", min_length: 11, max_length: 11 },
        IdentificationType { id: "CNPJ", name: "CNPJ", kind: "number", min_length: 14, max_length: 14 },
    ],
    payment_methods: &[
        PaymentMethod {
            id: "visa",
            name: "Visa",
            payment_type_id: "credit_card",
            bin_prefixes: &["4", "423564"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "25", name: "Visa" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: Decimal::from_parts(50, 0, 0, false, 2),
            max_allowed_amount: dec(100_000),
        },
        PaymentMethod {
            id: "master",
            name: "Mastercard",
            payment_type_id: "credit_card",
            bin_prefixes: &["51", "52", "53", "54", "55", "2", "503143"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "24", name: "Mastercard" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: Decimal::from_parts(50, 0, 0, false, 2),
            max_allowed_amount: dec(100_000),
        },
        PaymentMethod {
            id: "amex",
            name: "American Express",
            payment_type_id: "credit_card",
            bin_prefixes: &["34", "37"],
            card_number_length: 15,
            security_code_length: 4,
            security_code_location: "front",
            issuers: &[Issuer { id: "1018", name: "American Express" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: Decimal::from_parts(50, 0, 0, false, 2),
            max_allowed_amount: dec(100_000),
        },
        PaymentMethod {
            id: "debelo",
            name: "Elo Débito",
            payment_type_id: "debit_card",
            bin_prefixes: &["506776"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "1028", name: "Elo" }],
            installments: DEBIT_INSTALLMENTS,
            min_allowed_amount: Decimal::from_parts(50, 0, 0, false, 2),
            max_allowed_amount: dec(100_000),
        },
    ],
    test_cards: &[
        ("master", "5031433215406351"),
        ("visa", "4235647728025682"),
        ("amex", "375365153556885"),
        ("debelo", "5067766783888311"),
    ],
    installment_word: ("parcela", "parcelas"),
    currency_symbol: "R$",
    separators: (',', '.'),
};

static MLM: SiteInfo = SiteInfo {
    id: SiteId::Mlm,
    currency_id: "MXN",
    identification_types: &[],
    payment_methods: &[
        PaymentMethod {
            id: "visa",
            name: "Visa",
            payment_type_id: "credit_card",
            bin_prefixes: &["4", "407559"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "160", name: "Visa México" }, Issuer { id: "1042", name: "Banco Sandbox" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: dec(5),
            max_allowed_amount: dec(300_000),
        },
        PaymentMethod {
            id: "master",
            name: "Mastercard",
            payment_type_id: "credit_card",
            bin_prefixes: &["51", "52", "53", "54", "55", "2", "547492"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "157", name: "Mastercard México" }, Issuer { id: "1042", name: "Banco Sandbox" }],
            installments: CREDIT_INSTALLMENTS,
            min_allowed_amount: dec(5),
            max_allowed_amount: dec(300_000),
        },
        PaymentMethod {
            id: "debvisa",
            name: "Visa Débito",
            payment_type_id: "debit_card",
            bin_prefixes: &["418914"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "162", name: "Visa Débito" }],
            installments: DEBIT_INSTALLMENTS,
            min_allowed_amount: dec(5),
            max_allowed_amount: dec(300_000),
        },
        PaymentMethod {
            id: "debmaster",
            name: "Mastercard Débito",
            payment_type_id: "debit_card",
            bin_prefixes: &["557905"],
            card_number_length: 16,
            security_code_length: 3,
            security_code_location: "back",
            issuers: &[Issuer { id: "163", name: "Mastercard Débito" }],
            installments: DEBIT_INSTALLMENTS,
            min_allowed_amount: dec(5),
            max_allowed_amount: dec(300_000),
        },
    ],
    test_cards: &[
        ("master", "5474925432670366"),
        ("visa", "4075595716483764"),
        ("debmaster", "5579053461482647"),
        ("debvisa", "4189141221267633"),
    ],
    installment_word: ("mensualidad", "mensualidades"),
    currency_symbol: "$",
    separators: ('.', ','),
};

/// Luhn check of a card number made of ASCII digits.
pub fn luhn_valid(number: &str) -> bool {
    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_test_card_passes_luhn_and_maps_to_its_method() {
        for site in [SiteId::Mla, SiteId::Mlb, SiteId::Mlm] {
            let info = site.info();
            for (method, number) in info.test_cards {
                assert!(luhn_valid(number), "{} {number} fails Luhn", site.code());
                let found = info.payment_method_for_bin(number.get(..8).unwrap_or_default()).map(|m| m.id);
                let m = info.payment_method(method).expect("method exists");
                assert!(!m.issuers.is_empty(), "{} has no issuer", m.id);
                assert_eq!(found, Some(*method), "{} {number}", site.code());
                let m = info.payment_method(method).expect("method exists");
                assert_eq!(m.card_number_length as usize, number.len(), "{number}");
            }
        }
    }

    #[test]
    fn luhn_rejects_a_single_wrong_digit() {
        assert!(!luhn_valid("5031755734530605"));
        assert!(!luhn_valid("50317557345306a4"));
        assert!(!luhn_valid("4"));
    }

    #[test]
    fn amounts_are_formatted_per_site() {
        let v = Decimal::new(123_450, 2);
        assert_eq!(SiteId::Mla.info().format_amount(v), "$ 1.234,50");
        assert_eq!(SiteId::Mlb.info().format_amount(v), "R$ 1.234,50");
        assert_eq!(SiteId::Mlm.info().format_amount(v), "$ 1,234.50");
        assert_eq!(SiteId::Mla.info().format_amount(Decimal::new(5, 0)), "$ 5,00");
    }

    #[test]
    fn site_ids_parse_case_insensitively() {
        assert_eq!("mlb".parse::<SiteId>(), Ok(SiteId::Mlb));
        assert!("MLX".parse::<SiteId>().is_err());
    }
}
