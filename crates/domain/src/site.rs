//! The seven Mercado Pago sites Checkout API serves, as one table ([`SITES`]): currency, default
//! locale and language, and the buyer's identification documents with their validation.
//!
//! Sources (public):
//! - sites, currencies and identification types per site: Mercado Pago, "Identification types"
//!   (<https://www.mercadopago.com.ar/developers/en/docs/checkout-api/integration-configuration/identification-types>,
//!   "does not apply to Mexico") and MercadoPago.js's `getIdentificationTypes` answers recorded in
//!   Mercado Pago's SDK fixtures (MLA, MLB, MCO lengths); the lengths of the other sites' types
//!   are **our choice** where no recording exists (marked on each row);
//! - which sites send `payer.identification`: every site but MLM, as Mercado Pago's test pages
//!   ask for a document with `APRO` on those six
//!   (<https://www.mercadopago.com.ar/developers/en/docs/checkout-api/integration-test/test-cards>);
//! - decimals per currency: [`crate::money::minor_units`] (CLP and COP whole amounts);
//! - check digits: CPF and CNPJ as Mercado Pago's PrestaShop and WooCommerce plugins check them,
//!   Uruguay's CI as its WooCommerce plugin does (`InputDocument.js`), Chile's RUT, Colombia's
//!   NIT and Peru's RUC as python-stdnum documents them (`stdnum/cl/rut.py`, `co/nit.py`,
//!   `pe/ruc.py`, <https://github.com/arthurdejong/python-stdnum>).
//!
//! Mercado Pago's own test documents do not all pass these checks (Uruguay's test CI
//! `12345678` fails its check digit; Chile's is an `Otro`): tests use `Otro` there, as the test
//! pages also allow.

use crate::messages::Lang;

/// A site: `MLA`, `MLB`, `MLM`, `MLU`, `MLC`, `MPE`, `MCO`.
#[derive(Debug, PartialEq, Eq)]
pub struct Site {
    /// Mercado Pago's site id (`MLA`).
    pub id: &'static str,
    /// The country, in English.
    pub country: &'static str,
    /// ISO 4217 currency of every amount (`ARS`); its decimals are [`crate::money::minor_units`].
    pub currency_id: &'static str,
    /// The locale MercadoPago.js and the page use by default (`es-AR`).
    pub locale: &'static str,
    /// The buyers' default language.
    pub lang: Lang,
    /// The identification documents a buyer may give (empty: the site asks for none).
    pub documents: &'static [Document],
}

/// One identification type (`payer.identification.type`) and how its number is checked.
#[derive(Debug, PartialEq, Eq)]
pub struct Document {
    /// Mercado Pago's id (`DNI`, `CPF`, `RUT`, `Otro`...).
    pub id: &'static str,
    /// Fewest characters of the number, after [`normalize`].
    pub min_length: usize,
    /// Most characters of the number, after [`normalize`].
    pub max_length: usize,
    /// What the number may contain and how its check digit is computed.
    pub rule: Rule,
}

/// How a document number is checked (after [`normalize`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Digits only.
    Digits,
    /// Letters and digits (Peru's foreigner card).
    Alphanumeric,
    /// Brazil's CPF: 11 digits, two mod-11 check digits, not all equal.
    Cpf,
    /// Brazil's CNPJ: 14 digits, two mod-11 check digits, not all equal.
    Cnpj,
    /// Chile's RUT/RUN: digits and a mod-11 check digit (`0`–`9` or `K`).
    Rut,
    /// Uruguay's CI: up to 7 digits and a check digit (weights 2,9,8,7,6,3,4).
    UruguayCi,
    /// Colombia's NIT: digits whose last one is a mod-11 check digit.
    Nit,
    /// Peru's RUC: 11 digits, prefix 10, 15, 17 or 20, a mod-11 check digit.
    Ruc,
}

const fn doc(id: &'static str, min_length: usize, max_length: usize, rule: Rule) -> Document {
    Document { id, min_length, max_length, rule }
}

/// "Otro" (another document): 5 to 20 digits on every site that has it (recorded for MLA and
/// MCO; the same for MLU, MLC and MPE is our choice).
const OTRO: Document = doc("Otro", 5, 20, Rule::Digits);

/// Argentina: the catalog's site when none is known (the checked catalogs always have one).
pub const MLA: Site = Site {
    id: "MLA",
    country: "Argentina",
    currency_id: "ARS",
    locale: "es-AR",
    lang: Lang::Es,
    // Recorded: DNI 7–8, CI 1–9, LC 6–7, LE 6–7, Otro 5–20 (Mercado Pago's px-android fixtures).
    documents: &[
        doc("DNI", 7, 8, Rule::Digits),
        doc("CI", 1, 9, Rule::Digits),
        doc("LC", 6, 7, Rule::Digits),
        doc("LE", 6, 7, Rule::Digits),
        OTRO,
    ],
};

/// The seven sites, in Mercado Pago's usual order.
pub const SITES: &[Site] = &[
    MLA,
    Site {
        id: "MLB",
        country: "Brazil",
        currency_id: "BRL",
        locale: "pt-BR",
        lang: Lang::Pt,
        // Recorded: CPF 11, CNPJ 14 (sdk-java's MLB fixtures).
        documents: &[doc("CPF", 11, 11, Rule::Cpf), doc("CNPJ", 14, 14, Rule::Cnpj)],
    },
    Site { id: "MLM", country: "Mexico", currency_id: "MXN", locale: "es-MX", lang: Lang::Es, documents: &[] },
    Site {
        id: "MLU",
        country: "Uruguay",
        currency_id: "UYU",
        locale: "es-UY",
        lang: Lang::Es,
        // Our choice: a CI is 6 to 8 digits with its check digit.
        documents: &[doc("CI", 6, 8, Rule::UruguayCi), OTRO],
    },
    Site {
        id: "MLC",
        country: "Chile",
        currency_id: "CLP",
        locale: "es-CL",
        lang: Lang::Es,
        // Our choice: a RUT is 7 to 9 characters with its check digit (`12.345.678-5` → `123456785`).
        documents: &[doc("RUT", 7, 9, Rule::Rut), OTRO],
    },
    Site {
        id: "MPE",
        country: "Peru",
        currency_id: "PEN",
        locale: "es-PE",
        lang: Lang::Es,
        // Our choice: DNI 8 digits, foreigner card (`CE`; MercadoPago.js's docs write `C.E`) 8–12
        // letters or digits, RUC 11 digits with its check digit.
        documents: &[
            doc("DNI", 8, 8, Rule::Digits),
            doc("CE", 8, 12, Rule::Alphanumeric),
            doc("RUC", 11, 11, Rule::Ruc),
            OTRO,
        ],
    },
    Site {
        id: "MCO",
        country: "Colombia",
        currency_id: "COP",
        locale: "es-CO",
        lang: Lang::Es,
        // Recorded: CC, CE, NIT, Otro, 5–20 each (a recorded MCO answer). The NIT's last digit is
        // its check digit.
        documents: &[
            doc("CC", 5, 20, Rule::Digits),
            doc("CE", 5, 20, Rule::Digits),
            doc("NIT", 5, 20, Rule::Nit),
            OTRO,
        ],
    },
];

/// Why a document was refused: the field error code for `payer.identification.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentError {
    /// The site has no such type (`payer.identification.type: invalid`).
    UnknownType,
    /// The number does not fit the type (`payer.identification.number: invalid`).
    InvalidNumber,
}

impl Site {
    /// The site with this id (`MLA`), as Mercado Pago writes it.
    pub fn by_id(id: &str) -> Option<&'static Site> {
        SITES.iter().find(|s| s.id == id)
    }

    /// Whether buyers on this site give an identification document (all but MLM).
    pub fn asks_for_identification(&self) -> bool {
        !self.documents.is_empty()
    }

    /// Checks a document for this site; `Ok` with the number as Mercado Pago takes it
    /// ([`normalize`]: no dots, dashes or spaces; `K` upper case).
    ///
    /// # Errors
    /// [`DocumentError`]: the type is not one of the site's, or the number does not fit it
    /// (length, characters, check digit).
    pub fn check_document(&self, kind: &str, number: &str) -> Result<String, DocumentError> {
        let document = self.documents.iter().find(|d| d.id == kind).ok_or(DocumentError::UnknownType)?;
        let number = normalize(number);
        let fits =
            (document.min_length..=document.max_length).contains(&number.len()) && document.rule.accepts(&number);
        if fits { Ok(number) } else { Err(DocumentError::InvalidNumber) }
    }
}

/// A document number without the separators people write (`.`, `-`, `/`, spaces), letters upper
/// case: `123.456.789-09` → `12345678909`, `12.345.678-k` → `12345678K`.
pub fn normalize(number: &str) -> String {
    number.chars().filter(|c| !matches!(c, '.' | '-' | '/' | ' ')).map(|c| c.to_ascii_uppercase()).collect()
}

fn digits(number: &str) -> Option<Vec<u32>> {
    number.chars().map(|c| c.to_digit(10)).collect()
}

impl Rule {
    /// Whether a normalized number passes this rule (characters and check digit; lengths are
    /// the [`Document`]'s).
    pub fn accepts(self, number: &str) -> bool {
        match self {
            Rule::Digits => !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
            Rule::Alphanumeric => !number.is_empty() && number.bytes().all(|b| b.is_ascii_alphanumeric()),
            Rule::Cpf => digits(number).is_some_and(|d| d.len() == 11 && brazil(&d, &[10, 9, 8, 7, 6, 5, 4, 3, 2])),
            Rule::Cnpj => {
                digits(number).is_some_and(|d| d.len() == 14 && brazil(&d, &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]))
            }
            Rule::Rut => rut(number),
            Rule::UruguayCi => uruguay_ci(number),
            Rule::Nit => nit(number),
            Rule::Ruc => ruc(number),
        }
    }
}

/// CPF/CNPJ: the two last digits are mod-11 check digits over the ones before (the first with
/// `weights`, the second with one more weight in front); all-equal numbers are refused.
fn brazil(d: &[u32], weights: &[u32]) -> bool {
    let Some((&first, rest)) = d.split_first() else { return false };
    if rest.iter().all(|&x| x == first) {
        return false;
    }
    let check = |body: &[u32], weights: &[u32]| {
        let sum: u32 = body.iter().zip(weights).map(|(a, b)| a * b).sum();
        match sum % 11 {
            0 | 1 => 0,
            r => 11 - r,
        }
    };
    let n = weights.len();
    let mut second_weights = Vec::with_capacity(n + 1);
    second_weights.push(weights.first().map_or(0, |w| if *w == 10 { 11 } else { 6 }));
    second_weights.extend_from_slice(weights);
    d.get(..n).is_some_and(|body| d.get(n) == Some(&check(body, weights)))
        && d.get(..=n).is_some_and(|body| d.get(n + 1) == Some(&check(body, &second_weights)))
}

/// Chile's RUT: body digits, then `0`–`9` or `K`; weights 2,3,4,5,6,7 from the right.
fn rut(number: &str) -> bool {
    let Some((body, dv)) = number.split_at_checked(number.len().saturating_sub(1)) else { return false };
    let Some(body) = digits(body).filter(|b| !b.is_empty()) else { return false };
    let sum: u32 = body.iter().rev().zip([2, 3, 4, 5, 6, 7].iter().cycle()).map(|(a, b)| a * b).sum();
    let expected = match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        n => char::from_digit(n, 10).unwrap_or('?'),
    };
    dv.chars().eq([expected])
}

/// Uruguay's CI: the body left-padded to 7 digits, weights 2,9,8,7,6,3,4; check digit
/// `(10 - sum mod 10) mod 10`.
fn uruguay_ci(number: &str) -> bool {
    let Some(d) = digits(number).filter(|d| (2..=8).contains(&d.len())) else { return false };
    let Some((&dv, body)) = d.split_last() else { return false };
    let padded = std::iter::repeat_n(0, 7usize.saturating_sub(body.len())).chain(body.iter().copied());
    let sum: u32 = padded.zip([2, 9, 8, 7, 6, 3, 4]).map(|(a, b)| a * b).sum();
    dv == (10 - sum % 10) % 10
}

/// Colombia's NIT: weights 3,7,13,17,19,23,29,37,41,43,47,53,59,67,71 from the right of the
/// body; `r = sum mod 11`, check digit `r` when below 2, else `11 - r`.
fn nit(number: &str) -> bool {
    const WEIGHTS: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
    let Some(d) = digits(number).filter(|d| (2..=16).contains(&d.len())) else { return false };
    let Some((&dv, body)) = d.split_last() else { return false };
    let sum: u32 = body.iter().rev().zip(WEIGHTS).map(|(a, b)| a * b).sum();
    let r = sum % 11;
    dv == if r < 2 { r } else { 11 - r }
}

/// Peru's RUC: 11 digits starting 10, 15, 17 or 20; weights 5,4,3,2,7,6,5,4,3,2; check digit
/// `(11 - sum mod 11) mod 10`.
fn ruc(number: &str) -> bool {
    let Some(d) = digits(number).filter(|d| d.len() == 11) else { return false };
    if !matches!(number.get(..2), Some("10" | "15" | "17" | "20")) {
        return false;
    }
    let sum: u32 = d.iter().zip([5, 4, 3, 2, 7, 6, 5, 4, 3, 2]).map(|(a, b)| a * b).sum();
    d.get(10) == Some(&((11 - sum % 11) % 10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn site(id: &str) -> &'static Site {
        Site::by_id(id).expect("a site")
    }

    #[test]
    fn the_seven_sites_have_their_currency_language_and_documents() {
        let table: Vec<_> = SITES.iter().map(|s| (s.id, s.currency_id, s.locale, s.lang)).collect();
        assert_eq!(
            table,
            [
                ("MLA", "ARS", "es-AR", Lang::Es),
                ("MLB", "BRL", "pt-BR", Lang::Pt),
                ("MLM", "MXN", "es-MX", Lang::Es),
                ("MLU", "UYU", "es-UY", Lang::Es),
                ("MLC", "CLP", "es-CL", Lang::Es),
                ("MPE", "PEN", "es-PE", Lang::Es),
                ("MCO", "COP", "es-CO", Lang::Es),
            ]
        );
        let ids = |s: &str| site(s).documents.iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids("MLA"), ["DNI", "CI", "LC", "LE", "Otro"]);
        assert_eq!(ids("MLB"), ["CPF", "CNPJ"]);
        assert!(ids("MLM").is_empty() && !site("MLM").asks_for_identification());
        assert_eq!(ids("MLU"), ["CI", "Otro"]);
        assert_eq!(ids("MLC"), ["RUT", "Otro"]);
        assert_eq!(ids("MPE"), ["DNI", "CE", "RUC", "Otro"]);
        assert_eq!(ids("MCO"), ["CC", "CE", "NIT", "Otro"]);
        assert_eq!(
            SITES.iter().map(|s| crate::money::minor_units(s.currency_id)).collect::<Vec<_>>(),
            [Some(2), Some(2), Some(2), Some(2), Some(0), Some(2), Some(0)]
        );
        assert_eq!(Site::by_id("MLV"), None);
    }

    #[test]
    fn cpf_and_cnpj_check_both_digits() {
        let mlb = site("MLB");
        // Mercado Pago's test CPF, and a CNPJ from the Receita Federal's examples.
        assert_eq!(mlb.check_document("CPF", "123.456.789-09"), Ok("12345678909".into()));
        assert_eq!(mlb.check_document("CNPJ", "11.222.333/0001-81"), Ok("11222333000181".into()));
        for bad in ["12345678900", "12345678919", "11111111111", "1234567890", "1234567890a"] {
            assert_eq!(mlb.check_document("CPF", bad), Err(DocumentError::InvalidNumber), "{bad}");
        }
        for bad in ["11222333000182", "11222333000191", "00000000000000", "1122233300018"] {
            assert_eq!(mlb.check_document("CNPJ", bad), Err(DocumentError::InvalidNumber), "{bad}");
        }
        assert_eq!(mlb.check_document("DNI", "12345678"), Err(DocumentError::UnknownType));
    }

    #[test]
    fn ruts_take_a_k_and_check_their_digit() {
        let mlc = site("MLC");
        assert_eq!(mlc.check_document("RUT", "12.345.678-5"), Ok("123456785".into()));
        assert_eq!(mlc.check_document("RUT", "7.654.321-6"), Ok("76543216".into()));
        assert_eq!(mlc.check_document("RUT", "10.000.013-k"), Ok("10000013K".into()));
        for bad in ["12.345.678-9", "12345678K", "K", "1-K", "12.345.678-55", "abc"] {
            assert_eq!(mlc.check_document("RUT", bad), Err(DocumentError::InvalidNumber), "{bad}");
        }
        assert_eq!(mlc.check_document("Otro", "123456789"), Ok("123456789".into()), "Mercado Pago's test document");
    }

    #[test]
    fn uruguayan_cis_check_their_digit() {
        let mlu = site("MLU");
        assert_eq!(mlu.check_document("CI", "1.234.567-2"), Ok("12345672".into()));
        assert_eq!(mlu.check_document("CI", "4.444.444-3"), Err(DocumentError::InvalidNumber));
        // Mercado Pago's test CI fails the check: its test page also allows `Otro 123456789`.
        assert_eq!(mlu.check_document("CI", "12345678"), Err(DocumentError::InvalidNumber));
        assert_eq!(mlu.check_document("Otro", "123456789"), Ok("123456789".into()));
    }

    #[test]
    fn nits_and_rucs_check_their_digit() {
        let mco = site("MCO");
        assert_eq!(mco.check_document("NIT", "800.197.268-4"), Ok("8001972684".into()), "DIAN's own NIT");
        assert_eq!(mco.check_document("NIT", "8001972685"), Err(DocumentError::InvalidNumber));
        assert_eq!(mco.check_document("CC", "123456789"), Ok("123456789".into()));
        assert_eq!(mco.check_document("CC", "1234"), Err(DocumentError::InvalidNumber), "too short");
        let mpe = site("MPE");
        assert_eq!(mpe.check_document("RUC", "20131312955"), Ok("20131312955".into()), "SUNAT's RUC");
        for bad in ["20131312956", "30131312955", "2013131295"] {
            assert_eq!(mpe.check_document("RUC", bad), Err(DocumentError::InvalidNumber), "{bad}");
        }
        assert_eq!(mpe.check_document("DNI", "12345678"), Ok("12345678".into()));
        assert_eq!(mpe.check_document("CE", "ab123456"), Ok("AB123456".into()));
        assert_eq!(mpe.check_document("DNI", "1234567"), Err(DocumentError::InvalidNumber));
    }

    #[test]
    fn argentine_documents_are_digits_of_their_lengths() {
        let mla = site("MLA");
        assert_eq!(mla.check_document("DNI", "12.345.678"), Ok("12345678".into()));
        for bad in ["123456", "123456789", "1234567a"] {
            assert_eq!(mla.check_document("DNI", bad), Err(DocumentError::InvalidNumber), "{bad}");
        }
        assert_eq!(mla.check_document("dni", "12345678"), Err(DocumentError::UnknownType));
    }

    proptest! {
        #[test]
        fn documents_never_panic_and_accepted_numbers_fit_their_type(kind in "(DNI|CPF|CNPJ|RUT|CI|NIT|RUC|CE|CC|Otro|x)", number in ".{0,30}") {
            for s in SITES {
                if let Ok(n) = s.check_document(&kind, &number) {
                    let d = s.documents.iter().find(|d| d.id == kind).expect("a type of the site");
                    prop_assert!((d.min_length..=d.max_length).contains(&n.len()));
                    prop_assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()));
                }
            }
        }

        #[test]
        fn a_cpf_with_its_digits_computed_passes_and_any_other_last_digit_fails(body in proptest::collection::vec(0u32..10, 9), wrong in 1u32..10) {
            prop_assume!(body.iter().any(|&x| x != body[0]));
            let dv = |d: &[u32], start: u32| {
                let s: u32 = d.iter().zip((2..=start).rev()).map(|(a, b)| a * b).sum();
                if s % 11 < 2 { 0 } else { 11 - s % 11 }
            };
            let mut d = body.clone();
            d.push(dv(&d, 10));
            d.push(dv(&d, 11));
            let text: String = d.iter().map(|x| char::from_digit(*x, 10).expect("a digit")).collect();
            prop_assert!(Rule::Cpf.accepts(&text), "{}", text);
            let last = (d[10] + wrong) % 10;
            let mut bad = text.clone();
            bad.replace_range(10..11, &last.to_string());
            prop_assert!(!Rule::Cpf.accepts(&bad), "{}", bad);
        }
    }
}
