//! The one table that decides a test payment's outcome from the cardholder name.
//!
//! Mercado Pago's sandbox picks the result of a test card payment from a code written as the
//! cardholder name (docs/mercadopago.md#test-cards). The codes and descriptions are Mercado
//! Pago's; the `status`/`status_detail` pairs are **inferred** (only `APRO` →
//! `approved/accredited` is confirmed): each description is matched to the documented
//! `status_detail` with the same meaning (docs/mercadopago.md#statuses-and-buyer-messages). Two
//! codes have no obvious mapping and are our choice, marked below. A name that starts with no
//! code is approved, like `APRO` (also our choice: the real sandbox's behaviour for other names
//! is not documented).

use rust_decimal::Decimal;

/// What a payment with a given cardholder code turns into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Payment `status`.
    pub status: &'static str,
    /// Payment `status_detail`.
    pub status_detail: &'static str,
}

/// One row of the cardholder-code table.
#[derive(Debug)]
pub struct Scenario {
    /// The code to type as cardholder name (`"APRO"`).
    pub code: &'static str,
    /// Mercado Pago's description of the code.
    pub description: &'static str,
    /// The resulting payment state.
    pub outcome: Outcome,
}

const fn outcome(status: &'static str, status_detail: &'static str) -> Outcome {
    Outcome { status, status_detail }
}

/// `APRO`, the first code: what names without a code get.
const APRO: Scenario =
    Scenario { code: "APRO", description: "Approved payment", outcome: outcome("approved", "accredited") };

/// The cardholder codes, in Mercado Pago's order.
pub const SCENARIOS: &[Scenario] = &[
    APRO,
    Scenario {
        code: "OTHE",
        description: "Declined for general error",
        outcome: outcome("rejected", "cc_rejected_other_reason"),
    },
    Scenario { code: "CONT", description: "Pending payment", outcome: outcome("in_process", "pending_contingency") },
    Scenario {
        code: "CALL",
        description: "Declined with validation to authorize",
        outcome: outcome("rejected", "cc_rejected_call_for_authorize"),
    },
    Scenario {
        code: "FUND",
        description: "Declined for insufficient amount",
        outcome: outcome("rejected", "cc_rejected_insufficient_amount"),
    },
    Scenario {
        code: "SECU",
        description: "Declined for invalid security code",
        outcome: outcome("rejected", "cc_rejected_bad_filled_security_code"),
    },
    Scenario {
        code: "EXPI",
        description: "Declined due to due date issue",
        outcome: outcome("rejected", "cc_rejected_bad_filled_date"),
    },
    Scenario {
        code: "FORM",
        description: "Declined due to form error",
        outcome: outcome("rejected", "cc_rejected_bad_filled_other"),
    },
    Scenario {
        code: "CARD",
        description: "Rejected for missing card_number",
        outcome: outcome("rejected", "cc_rejected_bad_filled_card_number"),
    },
    Scenario {
        code: "INST",
        description: "Rejected for invalid installments",
        outcome: outcome("rejected", "cc_rejected_invalid_installments"),
    },
    Scenario {
        code: "DUPL",
        description: "Rejected for duplicate payment",
        outcome: outcome("rejected", "cc_rejected_duplicated_payment"),
    },
    Scenario {
        code: "LOCK",
        description: "Rejected for disabled card",
        outcome: outcome("rejected", "cc_rejected_card_disabled"),
    },
    Scenario {
        code: "CTNA",
        description: "Rejected for non-permitted card type",
        outcome: outcome("rejected", "cc_rejected_card_type_not_allowed"),
    },
    Scenario {
        code: "ATTE",
        description: "Rejected due to exceeded PIN attempts",
        outcome: outcome("rejected", "cc_rejected_max_attempts"),
    },
    Scenario {
        code: "BLAC",
        description: "Rejected for being on the blacklist",
        outcome: outcome("rejected", "cc_rejected_blacklist"),
    },
    // Our choice: "Not supported" has no documented status_detail; the bank declines it.
    Scenario { code: "UNSU", description: "Not supported", outcome: outcome("rejected", "rejected_by_bank") },
    // Our choice for "Used to apply amount rules": see `Scenario::outcome_for_amount`.
    Scenario { code: "TEST", description: "Used to apply amount rules", outcome: outcome("approved", "accredited") },
];

/// Amount limit for the `TEST` code: amounts above it are declined for insufficient funds.
pub const TEST_CODE_AMOUNT_LIMIT: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

impl Scenario {
    /// The scenario for a cardholder name: its first word, upper-cased, matched against the codes.
    /// Names starting with no code behave as `APRO`.
    pub fn for_cardholder(name: &str) -> &'static Scenario {
        let first = name.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        SCENARIOS.iter().find(|s| s.code == first).unwrap_or(&APRO)
    }

    /// The outcome for a payment of `amount`. Only `TEST` depends on the amount: approved up to
    /// [`TEST_CODE_AMOUNT_LIMIT`], `cc_rejected_insufficient_amount` above.
    pub fn outcome_for_amount(&self, amount: Decimal) -> Outcome {
        if self.code == "TEST" && amount > TEST_CODE_AMOUNT_LIMIT {
            outcome("rejected", "cc_rejected_insufficient_amount")
        } else {
            self.outcome
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_maps_to_its_own_row() {
        for s in SCENARIOS {
            assert_eq!(Scenario::for_cardholder(s.code).code, s.code);
            let lower = s.code.to_lowercase();
            assert_eq!(Scenario::for_cardholder(&format!("{lower} Buyer")).code, s.code);
        }
    }

    #[test]
    fn unknown_names_approve() {
        assert_eq!(Scenario::for_cardholder("Juan Perez").outcome, outcome("approved", "accredited"));
        assert_eq!(Scenario::for_cardholder("").code, "APRO");
    }

    #[test]
    fn codes_are_unique_and_rejections_have_distinct_details() {
        let mut codes: Vec<_> = SCENARIOS.iter().map(|s| s.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SCENARIOS.len());
        let mut details: Vec<_> =
            SCENARIOS.iter().filter(|s| s.outcome.status == "rejected").map(|s| s.outcome.status_detail).collect();
        let n = details.len();
        details.sort_unstable();
        details.dedup();
        assert_eq!(details.len(), n);
    }

    #[test]
    fn test_code_applies_amount_rules() {
        let s = Scenario::for_cardholder("TEST");
        assert_eq!(s.outcome_for_amount(Decimal::new(1000, 0)).status, "approved");
        assert_eq!(s.outcome_for_amount(Decimal::new(100001, 2)).status_detail, "cc_rejected_insufficient_amount");
        let apro = Scenario::for_cardholder("APRO");
        assert_eq!(apro.outcome_for_amount(Decimal::new(999_999, 0)).status, "approved");
    }
}
