//! Per-site data: currency, identification types, card payment methods (with the BINs of
//! Mercado Pago's documented test cards), issuers and installment plans, for the seven Checkout
//! API sites: MLA, MLB, MLM, MLU, MLC, MPE and MCO.
//!
//! Sources (research notes in the project, each fact with its public source):
//! - Test cards, expiry 11/30, CVV 123 (1234 for Amex) and test documents: Mercado Pago's
//!   "Test cards" page of each site, [`SiteInfo::test_cards_url`]
//!   (`https://www.mercadopago.<domain>/developers/es/docs/checkout-api/integration-test/test-cards`),
//!   rendered from the `mercadopago/devsite-docs` snippet `guides/snippets/test-integration/test-cards`;
//!   docs/mercadopago.md#test-cards.
//! - Shapes of `payment_methods`, `search`, `card_issuers`, `installments` and
//!   `identification_types`: docs/mercadopago.md#card-form-lookups.
//! - Identification types per site: `mercadopago/devsite-docs`
//!   `guides/resources/localization/identification-types.en.md` and `mercadopago/sdk-js`
//!   `docs/bricks/card-payment.md`; the recorded lengths: `mercadopago/px-android`
//!   `px-checkout/src/test/resources/identification_types.json` (MLA),
//!   `identification_types_MLB.json` (MLB) and the Colombian fixture of `fabianMendez/mercadopago`
//!   `identification_types_test.go` (MCO). The other lengths are inferred (marked on each table).
//! - Currency symbols, separators and decimals: `mercadopago/px-android`
//!   `px-services/src/main/java/com/mercadopago/android/px/internal/util/CurrenciesUtil.java`
//!   (CLP and COP have 0 decimals at Mercado Pago, though ISO 4217 gives COP 2) and
//!   `mercadopago/cart-woocommerce` `src/Helpers/Numbers.php` (`calculateByCurrency`: COP and CLP
//!   rounded to whole amounts).
//! - Recorded Colombian card methods (BIN lists, min/max amounts): `fabianMendez/mercadopago`
//!   `payment_methods_test.go` (a `GET /v1/payment_methods` answer).
//!
//! Issuer ids and names, amount limits not recorded anywhere and installment rates are sandbox
//! values, not Mercado Pago's: they only need to be plausible and stable so a card form can be
//! exercised end to end. The installment word is "cuota(s)" on the Spanish-speaking sites but MLM
//! (recorded for MLA only; inferred for MLU, MLC, MPE and MCO).

use rust_decimal::{Decimal, RoundingStrategy};
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
    /// Uruguay, UYU, identification `CI`.
    #[serde(rename = "MLU")]
    Mlu,
    /// Chile, CLP (whole amounts only), identification `RUT`.
    #[serde(rename = "MLC")]
    Mlc,
    /// Peru, PEN, identification `DNI`.
    #[serde(rename = "MPE")]
    Mpe,
    /// Colombia, COP (whole amounts only), identification `CC`.
    #[serde(rename = "MCO")]
    Mco,
}

impl SiteId {
    /// Every site, in the order Mercado Pago's test-cards snippet lists them.
    pub const ALL: [SiteId; 7] =
        [SiteId::Mla, SiteId::Mlb, SiteId::Mlm, SiteId::Mlu, SiteId::Mlc, SiteId::Mpe, SiteId::Mco];

    /// Site code as Mercado Pago writes it (`"MLA"`).
    pub fn code(self) -> &'static str {
        match self {
            SiteId::Mla => "MLA",
            SiteId::Mlb => "MLB",
            SiteId::Mlm => "MLM",
            SiteId::Mlu => "MLU",
            SiteId::Mlc => "MLC",
            SiteId::Mpe => "MPE",
            SiteId::Mco => "MCO",
        }
    }

    /// The static data for this site.
    pub fn info(self) -> &'static SiteInfo {
        match self {
            SiteId::Mla => &MLA,
            SiteId::Mlb => &MLB,
            SiteId::Mlm => &MLM,
            SiteId::Mlu => &MLU,
            SiteId::Mlc => &MLC,
            SiteId::Mpe => &MPE,
            SiteId::Mco => &MCO,
        }
    }
}

impl std::str::FromStr for SiteId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        SiteId::ALL
            .into_iter()
            .find(|site| site.code() == upper)
            .ok_or_else(|| format!("unknown site id {:?}: expected MLA, MLB, MLM, MLU, MLC, MPE or MCO", s.trim()))
    }
}

/// Decimals Mercado Pago uses for a currency: 0 for CLP and COP, 2 for the others (and for a
/// currency no site uses). See [`SiteInfo::decimals`].
pub fn currency_decimals(currency_id: &str) -> u32 {
    SiteId::ALL.into_iter().map(SiteId::info).find(|s| s.currency_id == currency_id).map_or(2, |s| s.decimals)
}

/// Static data of one site.
#[derive(Debug)]
pub struct SiteInfo {
    /// `"MLA"`, ...
    pub id: SiteId,
    /// ISO 4217 code used as `currency_id` (`"ARS"`).
    pub currency_id: &'static str,
    /// Decimals Mercado Pago takes and shows for the currency: 2, except CLP and COP with 0
    /// (px-android `CurrenciesUtil.java`; cart-woocommerce `Numbers::calculateByCurrency`; Odoo
    /// records Mercado Pago's "Prices in COP currency must be expressed with integer values",
    /// <https://github.com/odoo/odoo/pull/185664>). `POST /v1/payments` refuses an amount with
    /// more decimals (cause 4037, our choice of code).
    pub decimals: u32,
    /// Identification document types (`GET /v1/identification_types`), empty for MLM.
    pub identification_types: &'static [IdentificationType],
    /// Card payment methods offered on this site.
    pub payment_methods: &'static [PaymentMethod],
    /// Documented test cards: `(payment_method_id, card number)`, credit first, then debit.
    pub test_cards: &'static [(&'static str, &'static str)],
    /// Documents the test-cards page gives for `APRO`/`OTHE`: `(identification type, number)`.
    /// Empty for MLM (no document there).
    pub test_documents: &'static [(&'static str, &'static str)],
    /// Mercado Pago's test-cards page for this site (the source of `test_cards` and
    /// `test_documents`).
    pub test_cards_url: &'static str,
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

impl IdentificationType {
    /// Whether `number` fits this type: its length within `min_length..=max_length`, and digits
    /// only for a `number` type. Check digits (CPF, RUT, CI, NIT, RUC) are not verified: Mercado
    /// Pago's own test documents fail them (MLU's `CI 12345678`, see the MLU test-cards page).
    pub fn accepts(&self, number: &str) -> bool {
        let len = u32::try_from(number.chars().count()).unwrap_or(u32::MAX);
        let digits_ok = self.kind != "number" || number.bytes().all(|b| b.is_ascii_digit());
        digits_ok && (self.min_length..=self.max_length).contains(&len)
    }
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

    /// Whether `amount` has no more decimals than the site's currency takes
    /// ([`SiteInfo::decimals`]): any amount with cents is refused in CLP and COP.
    pub fn amount_has_valid_decimals(&self, amount: Decimal) -> bool {
        amount.normalize().scale() <= self.decimals
    }

    /// Rounds an amount to the currency's decimals, halves away from zero (totals, installment
    /// amounts and fees of a payment).
    pub fn round_amount(&self, amount: Decimal) -> Decimal {
        amount.round_dp_with_strategy(self.decimals, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Formats an amount the way the site's installment messages do: `$ 1.234,50` (MLA),
    /// `$ 1,234.50` (MLM), `S/ 1,234.50` (MPE), and without decimals `$ 1.235` (MLC, MCO); halves
    /// are rounded away from zero.
    pub fn format_amount(&self, amount: Decimal) -> String {
        let decimals = self.decimals;
        let rounded = amount.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
        let (decimal_sep, thousands_sep) = self.separators;
        let text = format!("{rounded:.prec$}", prec = decimals as usize);
        let (int_part, frac_part) = match text.split_once('.') {
            Some((int_part, frac_part)) => (int_part, Some(frac_part)),
            None => (text.as_str(), None),
        };
        let mut grouped = String::new();
        for (i, c) in int_part.chars().enumerate() {
            if i > 0 && (int_part.len() - i) % 3 == 0 {
                grouped.push(thousands_sep);
            }
            grouped.push(c);
        }
        match frac_part {
            Some(frac) => format!("{} {grouped}{decimal_sep}{frac}", self.currency_symbol),
            None => format!("{} {grouped}", self.currency_symbol),
        }
    }
}

const fn dec(units: i64) -> Decimal {
    Decimal::from_parts(units as u32, 0, 0, false, 0)
}

const CREDIT_INSTALLMENTS: &[u32] = &[1, 3, 6, 12];
const DEBIT_INSTALLMENTS: &[u32] = &[1];

/// BIN prefixes of Mastercard credit cards (`^(5|2(221…720))` in Mercado Pago's recorded
/// settings, narrowed to 51–55 and 2 as the sandbox has always done), before each site adds the
/// BIN of its own test card.
macro_rules! master_prefixes {
    ($($bin:literal),*) => {
        &["51", "52", "53", "54", "55", "2", $($bin),*]
    };
}

/// "Otro" (other document), as the recorded MLA list has it (`px-android`
/// `identification_types.json`); the same lengths on MLU, MLC and MPE are inferred.
const OTRO: IdentificationType =
    IdentificationType { id: "Otro", name: "Otro", kind: "number", min_length: 5, max_length: 20 };

/// The sandbox's second issuer, offered with Visa and Mastercard credit on most sites so card
/// forms have to ask for the issuer (sandbox value).
const BANCO_SANDBOX: Issuer = Issuer { id: "1042", name: "Banco Sandbox" };
/// Argentina. Identification types as recorded (`px-android` `identification_types.json`); test cards
/// from <https://www.mercadopago.com.ar/developers/es/docs/checkout-api/integration-test/test-cards>.
static MLA: SiteInfo = SiteInfo {
    id: SiteId::Mla,
    currency_id: "ARS",
    decimals: 2,
    identification_types: &[
        IdentificationType { id: "DNI", name: "DNI", kind: "number", min_length: 7, max_length: 8 },
        IdentificationType { id: "CI", name: "Cédula", kind: "number", min_length: 1, max_length: 9 },
        IdentificationType { id: "LC", name: "L.C.", kind: "number", min_length: 6, max_length: 7 },
        IdentificationType { id: "LE", name: "L.E.", kind: "number", min_length: 6, max_length: 7 },
        OTRO,
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
    test_documents: &[("DNI", "12345678")],
    test_cards_url: "https://www.mercadopago.com.ar/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "$",
    separators: (',', '.'),
};

/// Brazil. Identification types as recorded (`px-android` `identification_types_MLB.json`); test
/// cards from <https://www.mercadopago.com.br/developers/pt/docs/checkout-api/integration-test/test-cards>
/// (the Elo debit card maps to `debelo` as the page calls it, though an older sdk-java fixture
/// puts `506776` in credit `elo`).
static MLB: SiteInfo = SiteInfo {
    id: SiteId::Mlb,
    currency_id: "BRL",
    decimals: 2,
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
    test_documents: &[("CPF", "12345678909")],
    test_cards_url: "https://www.mercadopago.com.br/developers/pt/docs/checkout-api/integration-test/test-cards",
    installment_word: ("parcela", "parcelas"),
    currency_symbol: "R$",
    separators: (',', '.'),
};

/// Mexico: no identification types ("does not apply to Mexico", devsite-docs
/// `identification-types.en.md`); test cards from
/// <https://www.mercadopago.com.mx/developers/es/docs/checkout-api/integration-test/test-cards>.
static MLM: SiteInfo = SiteInfo {
    id: SiteId::Mlm,
    currency_id: "MXN",
    decimals: 2,
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
    test_documents: &[],
    test_cards_url: "https://www.mercadopago.com.mx/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("mensualidad", "mensualidades"),
    currency_symbol: "$",
    separators: ('.', ','),
};

/// A 16-digit credit card with a 3-digit security code on the back.
const fn credit(
    id: &'static str,
    name: &'static str,
    bin_prefixes: &'static [&'static str],
    issuers: &'static [Issuer],
    limits: (Decimal, Decimal),
) -> PaymentMethod {
    PaymentMethod {
        id,
        name,
        payment_type_id: "credit_card",
        bin_prefixes,
        card_number_length: 16,
        security_code_length: 3,
        security_code_location: "back",
        issuers,
        installments: CREDIT_INSTALLMENTS,
        min_allowed_amount: limits.0,
        max_allowed_amount: limits.1,
    }
}

/// American Express: `^((34)|(37))`, 15 digits, 4-digit code on the front (recorded for MLA, MLB
/// and MCO; the same on MLC and MPE is inferred).
const fn amex(issuers: &'static [Issuer], limits: (Decimal, Decimal)) -> PaymentMethod {
    PaymentMethod {
        id: "amex",
        name: "American Express",
        payment_type_id: "credit_card",
        bin_prefixes: &["34", "37"],
        card_number_length: 15,
        security_code_length: 4,
        security_code_location: "front",
        issuers,
        installments: CREDIT_INSTALLMENTS,
        min_allowed_amount: limits.0,
        max_allowed_amount: limits.1,
    }
}

/// A 16-digit debit card (one installment) with a 3-digit security code on the back.
const fn debit(
    id: &'static str,
    name: &'static str,
    bin_prefixes: &'static [&'static str],
    issuers: &'static [Issuer],
    limits: (Decimal, Decimal),
) -> PaymentMethod {
    PaymentMethod {
        id,
        name,
        payment_type_id: "debit_card",
        bin_prefixes,
        card_number_length: 16,
        security_code_length: 3,
        security_code_location: "back",
        issuers,
        installments: DEBIT_INSTALLMENTS,
        min_allowed_amount: limits.0,
        max_allowed_amount: limits.1,
    }
}

/// MLU limits: $ 15 minimum for credit, $ 1 for debit (Mercado Pago's minimums as a third party,
/// Yuno, quotes them: inferred); the maximum is a sandbox value.
const MLU_CREDIT_LIMITS: (Decimal, Decimal) = (dec(15), dec(1_000_000));
const MLU_DEBIT_LIMITS: (Decimal, Decimal) = (dec(1), dec(1_000_000));

/// Uruguay. Mercado Pago's page:
/// <https://www.mercadopago.com.uy/developers/es/docs/checkout-api/integration-test/test-cards>.
/// Card methods: visa and master (devsite-docs `payment-methods.en.md`); `debvisa` is inferred
/// from the page's Visa debit card (the page lists no MLU debit method). The local brands (OCA,
/// Lider, Diners) have no current test card and are left out. Identification types `CI` and
/// `Otro` (devsite-docs `identification-types.en.md`); their lengths and `CI`'s name are
/// inferred (CI: 7 digits + check digit, 6 to 8 accepted). The page's test document `CI
/// 12345678` fails the CI check digit, which the sandbox does not check.
static MLU: SiteInfo = SiteInfo {
    id: SiteId::Mlu,
    currency_id: "UYU",
    decimals: 2,
    identification_types: &[
        IdentificationType { id: "CI", name: "Cédula de Identidad", kind: "number", min_length: 6, max_length: 8 },
        OTRO,
    ],
    payment_methods: &[
        credit(
            "visa",
            "Visa",
            &["4", "450995"],
            &[Issuer { id: "2001", name: "Visa Uruguay" }, BANCO_SANDBOX],
            MLU_CREDIT_LIMITS,
        ),
        credit(
            "master",
            "Mastercard",
            master_prefixes!("503175"),
            &[Issuer { id: "2002", name: "Mastercard Uruguay" }, BANCO_SANDBOX],
            MLU_CREDIT_LIMITS,
        ),
        debit("debvisa", "Visa Débito", &["421301"], &[Issuer { id: "2003", name: "Visa Débito" }], MLU_DEBIT_LIMITS),
    ],
    test_cards: &[("master", "5031755734530604"), ("visa", "4509953566233704"), ("debvisa", "4213016314706756")],
    test_documents: &[("CI", "12345678"), ("Otro", "123456789")],
    test_cards_url: "https://www.mercadopago.com.uy/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "$",
    separators: (',', '.'),
};

/// MLC limits: $ 1.000 minimum for credit (Mercado Pago's minimum as Yuno quotes it: inferred);
/// the maximum is a sandbox value. Whole pesos only.
const MLC_LIMITS: (Decimal, Decimal) = (dec(1_000), dec(10_000_000));

/// Chile. Mercado Pago's page:
/// <https://www.mercadopago.cl/developers/es/docs/checkout-api/integration-test/test-cards>.
/// CLP has no decimals (see [`SiteInfo::decimals`]). Card methods with a current test card:
/// visa, master, amex, debvisa, debmaster (devsite-docs `payment-methods.en.md` also lists
/// diners, cmr, magna, presto and redcompra, left out). Identification types `RUT` and `Otro`
/// (devsite-docs `identification-types.en.md`); their `type` and lengths are inferred: `RUT` is a
/// string because its check digit may be `K`, 7 to 9 characters (body and check digit, no dots
/// or dash). The page's test document is `Otro 123456789`.
static MLC: SiteInfo = SiteInfo {
    id: SiteId::Mlc,
    currency_id: "CLP",
    decimals: 0,
    identification_types: &[
        IdentificationType { id: "RUT", name: "RUT", kind: "string", min_length: 7, max_length: 9 },
        OTRO,
    ],
    payment_methods: &[
        credit(
            "visa",
            "Visa",
            &["4", "416881"],
            &[Issuer { id: "3001", name: "Visa Chile" }, BANCO_SANDBOX],
            MLC_LIMITS,
        ),
        credit(
            "master",
            "Mastercard",
            master_prefixes!("541675"),
            &[Issuer { id: "3002", name: "Mastercard Chile" }, BANCO_SANDBOX],
            MLC_LIMITS,
        ),
        amex(&[Issuer { id: "3003", name: "American Express" }], MLC_LIMITS),
        debit("debvisa", "Visa Débito", &["402365"], &[Issuer { id: "3004", name: "Visa Débito" }], MLC_LIMITS),
        debit(
            "debmaster",
            "Mastercard Débito",
            &["524101"],
            &[Issuer { id: "3005", name: "Mastercard Débito" }],
            MLC_LIMITS,
        ),
    ],
    test_cards: &[
        ("master", "5416752602582580"),
        ("visa", "4168818844447115"),
        ("amex", "375778174461804"),
        ("debmaster", "5241019826646950"),
        ("debvisa", "4023653523914373"),
    ],
    test_documents: &[("Otro", "123456789")],
    test_cards_url: "https://www.mercadopago.cl/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "$",
    separators: (',', '.'),
};

/// MPE limits: S/ 1.00 minimum (Mercado Pago's minimum as Yuno quotes it: inferred); the maximum
/// is a sandbox value.
const MPE_LIMITS: (Decimal, Decimal) = (dec(1), dec(100_000));

/// Peru. Mercado Pago's page:
/// <https://www.mercadopago.com.pe/developers/es/docs/checkout-api/integration-test/test-cards>.
/// Card methods with a current test card: visa, master, amex (the last two from Mercado Pago's
/// WooCommerce plugin, `CARD_FLAGS_BY_COUNTRY`) and debmaster. Identification types: devsite-docs
/// `identification-types.en.md` lists `DNI, CE, RUC` and sdk-js Bricks `DNI, C.E, RUC, Otro`;
/// the sandbox uses `CE` (which string the API returns is unconfirmed) and keeps `Otro`. All
/// lengths and `type`s are inferred: DNI 8 digits, CE 8 to 12 characters, RUC 11 digits. The
/// page's test document `123456789` does not name its type; `Otro` (or `CE`) accepts it.
/// Currency: `S/` with CLDR es-PE separators (`S/ 1,234.50`); Mercado Pago's Android SDK writes
/// `S/.` with a decimal comma instead, and no recorded Peruvian installment text settles it.
static MPE: SiteInfo = SiteInfo {
    id: SiteId::Mpe,
    currency_id: "PEN",
    decimals: 2,
    identification_types: &[
        IdentificationType { id: "DNI", name: "DNI", kind: "number", min_length: 8, max_length: 8 },
        IdentificationType { id: "CE", name: "C.E", kind: "string", min_length: 8, max_length: 12 },
        IdentificationType { id: "RUC", name: "RUC", kind: "number", min_length: 11, max_length: 11 },
        OTRO,
    ],
    payment_methods: &[
        credit(
            "visa",
            "Visa",
            &["4", "400917"],
            &[Issuer { id: "4001", name: "Visa Perú" }, BANCO_SANDBOX],
            MPE_LIMITS,
        ),
        credit(
            "master",
            "Mastercard",
            master_prefixes!("503175"),
            &[Issuer { id: "4002", name: "Mastercard Perú" }, BANCO_SANDBOX],
            MPE_LIMITS,
        ),
        amex(&[Issuer { id: "4003", name: "American Express" }], MPE_LIMITS),
        debit(
            "debmaster",
            "Mastercard Débito",
            &["517878"],
            &[Issuer { id: "4004", name: "Mastercard Débito" }],
            MPE_LIMITS,
        ),
    ],
    test_cards: &[
        ("master", "5031755734530604"),
        ("visa", "4009175332806176"),
        ("amex", "371180303257522"),
        ("debmaster", "5178781622202455"),
    ],
    test_documents: &[("Otro", "123456789")],
    test_cards_url: "https://www.mercadopago.com.pe/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "S/",
    separators: ('.', ','),
};

/// MCO limits as a recorded Colombian `GET /v1/payment_methods` answers them
/// (`fabianMendez/mercadopago` `payment_methods_test.go`): $ 1.000 to $ 50.000.000, whole pesos.
const MCO_LIMITS: (Decimal, Decimal) = (dec(1_000), dec(50_000_000));

/// Colombian Visa debit BINs, as recorded (`fabianMendez/mercadopago` `payment_methods_test.go`,
/// `debvisa` pattern and `visa` exclusion pattern).
const MCO_DEBVISA_BINS: &[&str] = &[
    "488233", "462896", "484192", "441509", "486367", "431385", "454106", "489635", "455982", "498476", "492468",
    "491268", "459317", "418253", "404279", "423949", "457605", "402739", "450942", "457604", "457603", "491511",
];

/// Colombian Mastercard debit BINs, as recorded (same fixture, `debmaster` pattern and `master`
/// exclusion pattern).
const MCO_DEBMASTER_BINS: &[&str] = &[
    "533254", "534778", "557555", "525315", "537980", "523719", "559749", "530715", "530716", "530717", "530710",
    "530721", "514332", "529768", "536782", "552558", "530729", "530712", "530724", "530727", "530695", "510342",
    "530719", "530713", "530720", "530725", "530726", "530691", "530711", "530728", "530714", "530723", "528633",
    "524627", "530718", "530722", "536126", "518503", "548185", "525358", "545409", "535803", "547692", "520922",
    "517404", "516451", "518092", "517393", "544039", "515516", "526557",
];

/// Colombia. Mercado Pago's page:
/// <https://www.mercadopago.com.co/developers/es/docs/checkout-api/integration-test/test-cards>.
/// COP has no decimals at Mercado Pago (see [`SiteInfo::decimals`]). Card methods, BINs and
/// limits as recorded (`fabianMendez/mercadopago` `payment_methods_test.go`), without diners and
/// codensa (no current test card). Identification types as recorded
/// (`fabianMendez/mercadopago` `identification_types_test.go`): CC, CE, NIT, Otro, 5 to 20
/// digits. The page's test document `123456789` does not name its type; `CC` is inferred.
static MCO: SiteInfo = SiteInfo {
    id: SiteId::Mco,
    currency_id: "COP",
    decimals: 0,
    identification_types: &[
        IdentificationType { id: "CC", name: "C.C.", kind: "number", min_length: 5, max_length: 20 },
        IdentificationType { id: "CE", name: "C.E.", kind: "number", min_length: 5, max_length: 20 },
        IdentificationType { id: "NIT", name: "NIT", kind: "number", min_length: 5, max_length: 20 },
        OTRO,
    ],
    payment_methods: &[
        credit(
            "visa",
            "Visa",
            &["4", "401354"],
            &[Issuer { id: "5001", name: "Visa Colombia" }, BANCO_SANDBOX],
            MCO_LIMITS,
        ),
        credit(
            "master",
            "Mastercard",
            master_prefixes!("525413"),
            &[Issuer { id: "5002", name: "Mastercard Colombia" }, BANCO_SANDBOX],
            MCO_LIMITS,
        ),
        amex(&[Issuer { id: "5003", name: "American Express" }], MCO_LIMITS),
        debit("debvisa", "Visa Débito", MCO_DEBVISA_BINS, &[Issuer { id: "5004", name: "Visa Débito" }], MCO_LIMITS),
        debit(
            "debmaster",
            "Mastercard Débito",
            MCO_DEBMASTER_BINS,
            &[Issuer { id: "5005", name: "Mastercard Débito" }],
            MCO_LIMITS,
        ),
    ],
    test_cards: &[
        ("master", "5254133674403564"),
        ("visa", "4013540682746260"),
        ("amex", "374378187755283"),
        ("debvisa", "4915112055246507"),
    ],
    test_documents: &[("CC", "123456789")],
    test_cards_url: "https://www.mercadopago.com.co/developers/es/docs/checkout-api/integration-test/test-cards",
    installment_word: ("cuota", "cuotas"),
    currency_symbol: "$",
    separators: (',', '.'),
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

    /// Every card on Mercado Pago's current test-cards pages (one per site, see
    /// [`SiteInfo::test_cards_url`]; the `mercadopago/devsite-docs` snippet
    /// `guides/snippets/test-integration/test-cards`), with the payment method and type each must
    /// resolve to: `(site, number, payment_method_id, payment_type_id)`.
    const PUBLISHED_TEST_CARDS: &[(SiteId, &str, &str, &str)] = &[
        (SiteId::Mla, "5031755734530604", "master", "credit_card"),
        (SiteId::Mla, "4509953566233704", "visa", "credit_card"),
        (SiteId::Mla, "371180303257522", "amex", "credit_card"),
        (SiteId::Mla, "5287338310253304", "debmaster", "debit_card"),
        (SiteId::Mla, "4002768694395619", "debvisa", "debit_card"),
        (SiteId::Mlb, "5031433215406351", "master", "credit_card"),
        (SiteId::Mlb, "4235647728025682", "visa", "credit_card"),
        (SiteId::Mlb, "375365153556885", "amex", "credit_card"),
        (SiteId::Mlb, "5067766783888311", "debelo", "debit_card"),
        (SiteId::Mlm, "5474925432670366", "master", "credit_card"),
        (SiteId::Mlm, "4075595716483764", "visa", "credit_card"),
        (SiteId::Mlm, "5579053461482647", "debmaster", "debit_card"),
        (SiteId::Mlm, "4189141221267633", "debvisa", "debit_card"),
        (SiteId::Mlu, "5031755734530604", "master", "credit_card"),
        (SiteId::Mlu, "4509953566233704", "visa", "credit_card"),
        (SiteId::Mlu, "4213016314706756", "debvisa", "debit_card"),
        (SiteId::Mlc, "5416752602582580", "master", "credit_card"),
        (SiteId::Mlc, "4168818844447115", "visa", "credit_card"),
        (SiteId::Mlc, "375778174461804", "amex", "credit_card"),
        (SiteId::Mlc, "5241019826646950", "debmaster", "debit_card"),
        (SiteId::Mlc, "4023653523914373", "debvisa", "debit_card"),
        (SiteId::Mpe, "5031755734530604", "master", "credit_card"),
        (SiteId::Mpe, "4009175332806176", "visa", "credit_card"),
        (SiteId::Mpe, "371180303257522", "amex", "credit_card"),
        (SiteId::Mpe, "5178781622202455", "debmaster", "debit_card"),
        (SiteId::Mco, "5254133674403564", "master", "credit_card"),
        (SiteId::Mco, "4013540682746260", "visa", "credit_card"),
        (SiteId::Mco, "374378187755283", "amex", "credit_card"),
        (SiteId::Mco, "4915112055246507", "debvisa", "debit_card"),
    ];

    #[test]
    fn every_published_test_card_resolves_to_its_payment_method_on_its_site() {
        for &(site, number, method_id, payment_type_id) in PUBLISHED_TEST_CARDS {
            let info = site.info();
            let code = site.code();
            assert!(luhn_valid(number), "{code} {number} fails Luhn");
            // MercadoPago.js looks up 6 or 8 digits; the token endpoint the whole number.
            for bin in [number.get(..6), number.get(..8), Some(number)].into_iter().flatten() {
                let found = info.payment_method_for_bin(bin).map(|m| (m.id, m.payment_type_id));
                assert_eq!(found, Some((method_id, payment_type_id)), "{code} {bin}");
            }
            let m = info.payment_method(method_id).expect("method exists");
            assert_eq!(m.card_number_length as usize, number.len(), "{code} {number}");
            let amex = method_id == "amex";
            assert_eq!(m.security_code_length, if amex { 4 } else { 3 }, "{code} {method_id}");
            assert_eq!(m.security_code_location, if amex { "front" } else { "back" }, "{code} {method_id}");
            let debit = payment_type_id == "debit_card";
            assert_eq!(m.installments, if debit { DEBIT_INSTALLMENTS } else { CREDIT_INSTALLMENTS }, "{code}");
            assert!(info.test_cards.contains(&(method_id, number)), "{code} does not list {number}");
        }
        // ...and the sites list no other card.
        for site in SiteId::ALL {
            for (method, number) in site.info().test_cards {
                assert!(
                    PUBLISHED_TEST_CARDS.iter().any(|&(s, n, m, _)| s == site && n == *number && m == *method),
                    "{} lists {number} ({method}), not a published card",
                    site.code()
                );
            }
        }
    }

    #[test]
    fn every_method_has_an_issuer_limits_and_a_distinct_bin() {
        for site in SiteId::ALL {
            let info = site.info();
            for m in info.payment_methods {
                assert!(!m.issuers.is_empty(), "{} {} has no issuer", site.code(), m.id);
                assert!(m.min_allowed_amount <= m.max_allowed_amount, "{} {}", site.code(), m.id);
                assert!(info.amount_has_valid_decimals(m.min_allowed_amount), "{} {}", site.code(), m.id);
                // The same prefix in two methods would make the lookup depend on table order.
                for p in m.bin_prefixes {
                    let owners = info.payment_methods.iter().filter(|o| o.bin_prefixes.contains(p)).count();
                    assert_eq!(owners, 1, "{} prefix {p}", site.code());
                }
            }
        }
    }

    #[test]
    fn every_site_has_its_currency_and_identification_types() {
        /// `(id, type, min_length, max_length)`.
        type Doc = (&'static str, &'static str, u32, u32);
        let expected: [(SiteId, &str, u32, &[Doc]); 7] = [
            (
                SiteId::Mla,
                "ARS",
                2,
                &[
                    ("DNI", "number", 7, 8),
                    ("CI", "number", 1, 9),
                    ("LC", "number", 6, 7),
                    ("LE", "number", 6, 7),
                    ("Otro", "number", 5, 20),
                ],
            ),
            (SiteId::Mlb, "BRL", 2, &[("CPF", "number", 11, 11), ("CNPJ", "number", 14, 14)]),
            (SiteId::Mlm, "MXN", 2, &[]),
            (SiteId::Mlu, "UYU", 2, &[("CI", "number", 6, 8), ("Otro", "number", 5, 20)]),
            (SiteId::Mlc, "CLP", 0, &[("RUT", "string", 7, 9), ("Otro", "number", 5, 20)]),
            (
                SiteId::Mpe,
                "PEN",
                2,
                &[
                    ("DNI", "number", 8, 8),
                    ("CE", "string", 8, 12),
                    ("RUC", "number", 11, 11),
                    ("Otro", "number", 5, 20),
                ],
            ),
            (
                SiteId::Mco,
                "COP",
                0,
                &[
                    ("CC", "number", 5, 20),
                    ("CE", "number", 5, 20),
                    ("NIT", "number", 5, 20),
                    ("Otro", "number", 5, 20),
                ],
            ),
        ];
        assert_eq!(expected.map(|e| e.0), SiteId::ALL);
        for (site, currency, decimals, types) in expected {
            let info = site.info();
            assert_eq!(info.id, site);
            assert_eq!((info.currency_id, info.decimals), (currency, decimals), "{}", site.code());
            assert_eq!(currency_decimals(currency), decimals);
            let actual: Vec<_> =
                info.identification_types.iter().map(|t| (t.id, t.kind, t.min_length, t.max_length)).collect();
            assert_eq!(actual, types.to_vec(), "{}", site.code());
            // The page's test documents pass the site's own checks (no check digits: MLU's CI
            // 12345678 fails the CI check digit).
            assert_eq!(info.test_documents.is_empty(), site == SiteId::Mlm, "{}", site.code());
            for (kind, number) in info.test_documents {
                let t = info.identification_types.iter().find(|t| t.id == *kind).expect("document type exists");
                assert!(t.accepts(number), "{} {kind} {number}", site.code());
            }
            assert!(info.test_cards_url.starts_with("https://www.mercadopago."), "{}", site.code());
        }
    }

    #[test]
    fn identification_checks_are_length_and_digits_only() {
        let ci = &SiteId::Mlu.info().identification_types[0];
        assert!(ci.accepts("12345678"));
        assert!(!ci.accepts("123456789"));
        assert!(!ci.accepts("1234567a"));
        let rut = &SiteId::Mlc.info().identification_types[0];
        assert!(rut.accepts("1234567K"));
        assert!(!rut.accepts("12.345.678-5"));
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
        let cases = [
            (SiteId::Mla, "$ 1.234,50"),
            (SiteId::Mlb, "R$ 1.234,50"),
            (SiteId::Mlm, "$ 1,234.50"),
            (SiteId::Mlu, "$ 1.234,50"),
            (SiteId::Mlc, "$ 1.235"),
            (SiteId::Mpe, "S/ 1,234.50"),
            (SiteId::Mco, "$ 1.235"),
        ];
        for (site, text) in cases {
            assert_eq!(site.info().format_amount(v), text, "{}", site.code());
        }
        assert_eq!(SiteId::Mla.info().format_amount(Decimal::new(5, 0)), "$ 5,00");
        assert_eq!(SiteId::Mlc.info().format_amount(Decimal::new(18_500, 0)), "$ 18.500");
        assert_eq!(SiteId::Mco.info().format_amount(Decimal::new(1_234_567_891, 3)), "$ 1.234.568");
        assert_eq!(SiteId::Mco.info().format_amount(Decimal::new(999, 0)), "$ 999");
    }

    #[test]
    fn clp_and_cop_take_whole_amounts_only() {
        for site in SiteId::ALL {
            let info = site.info();
            let whole_only = matches!(site, SiteId::Mlc | SiteId::Mco);
            assert!(info.amount_has_valid_decimals(Decimal::new(18_500, 0)));
            assert!(info.amount_has_valid_decimals(Decimal::new(1_850_000, 2)), "18500.00 is whole");
            assert_eq!(info.amount_has_valid_decimals(Decimal::new(185_005, 1)), !whole_only, "{}", site.code());
            assert!(!info.amount_has_valid_decimals(Decimal::new(1_850_001, 3)), "{}", site.code());
        }
        assert_eq!(SiteId::Mlc.info().round_amount(Decimal::new(61_665, 1)), Decimal::new(6_167, 0));
        assert_eq!(SiteId::Mla.info().round_amount(Decimal::new(61_665, 4)), Decimal::new(617, 2));
    }

    #[test]
    fn site_ids_parse_case_insensitively() {
        assert_eq!("mlb".parse::<SiteId>(), Ok(SiteId::Mlb));
        for site in SiteId::ALL {
            assert_eq!(site.code().parse::<SiteId>(), Ok(site));
            assert_eq!(site.code().to_lowercase().parse::<SiteId>(), Ok(site));
        }
        let err = "MLX".parse::<SiteId>().expect_err("unknown");
        for site in SiteId::ALL {
            assert!(err.contains(site.code()), "{err}");
        }
    }
}
