//! In-memory state and the payment state machine.
//!
//! All state sits behind one mutex that is never held across an `.await`, so every operation
//! (an idempotent create, a refund) is atomic: 50 parallel creates with one idempotency key make
//! one payment. Payment ids are numeric and increase.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, MutexGuard};

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::SandboxConfig;
use crate::error::MpError;
use crate::faults::FaultRule;
use crate::model::{
    Card, CardToken, Cardholder, FeeDetail, Identification, Payer, Payment, PaymentMethodRef, Phone, Refund,
    ThreeDsInfo, TransactionDetails, mp_date,
};
use crate::scenario::{Outcome, Scenario};
use crate::site::{SiteInfo, currency_decimals, installment_rate};
use crate::three_ds::{CReq, Challenge, ChallengeCard, ThreeDsMode};
use crate::validate::{NewCardToken, NewPayment};
use crate::webhooks::Delivery;

/// How long after its approval a payment can be refunded: 180 days (our choice: the period
/// commonly given for Mercado Pago refunds; the guide excerpts checked do not state it, and no
/// cause code is documented for it: docs/mercadopago.md#refunds).
pub(crate) const REFUND_WINDOW: time::Duration = time::Duration::days(180);
/// Mercado Pago fee the sandbox charges on approved payments: 4.99 % (sandbox value).
const FEE_RATE: Decimal = Decimal::from_parts(499, 0, 0, false, 4);
/// Days until the money of an approved payment is released (sandbox value).
const MONEY_RELEASE_DAYS: i64 = 14;
/// How many received requests are kept for `GET /__sandbox/requests`.
pub(crate) const MAX_RECORDED_REQUESTS: usize = 5_000;

/// A request as the sandbox received it, with secrets redacted.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RecordedRequest {
    /// Sequence number.
    pub seq: u64,
    /// When it arrived (Mercado Pago date format).
    pub received_at: String,
    /// `GET`, `POST`...
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Route template (`/v1/payments/{id}`), when one matched.
    pub route: Option<String>,
    /// Query string, `access_token` redacted.
    pub query: Option<String>,
    /// Headers, lower-cased names; `authorization` redacted.
    pub headers: BTreeMap<String, String>,
    /// JSON body with card number, security code and card token redacted; null if not JSON.
    pub body: Value,
    /// Status answered (0 when the connection was dropped).
    pub status: u16,
}

pub(crate) struct StoredToken {
    pub(crate) resource: CardToken,
    pub(crate) payment_method_id: &'static str,
    pub(crate) payment_type_id: &'static str,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) used: bool,
    /// What the card does in a 3DS challenge (`None`: not a 3DS test card).
    pub(crate) challenge_card: Option<ChallengeCard>,
}

pub(crate) struct StoredPayment {
    pub(crate) resource: Payment,
    /// The 3DS challenge the payment was created with, if any.
    pub(crate) challenge: Option<Challenge>,
}

/// Everything that changes while the sandbox runs.
pub(crate) struct Inner {
    pub(crate) access_token: String,
    pub(crate) webhooks_enabled: bool,
    next_payment_id: u64,
    next_refund_id: u64,
    pub(crate) next_notification_id: u64,
    next_request_seq: u64,
    tokens: HashMap<String, StoredToken>,
    payments: BTreeMap<u64, StoredPayment>,
    payment_keys: HashMap<String, u64>,
    refund_keys: HashMap<String, (u64, u64)>,
    /// `acsTransID` → payment id.
    challenges: HashMap<String, u64>,
    pub(crate) faults: Vec<FaultRule>,
    requests: VecDeque<RecordedRequest>,
    pub(crate) deliveries: Vec<Delivery>,
}

/// Shared sandbox state.
pub(crate) struct State {
    pub(crate) config: SandboxConfig,
    /// Origin of the ACS stand-in (no trailing slash): the configured `acs_url` or the derived one.
    pub(crate) acs_origin: String,
    inner: Mutex<Inner>,
    pub(crate) http: reqwest::Client,
    pub(crate) shut_down: AtomicBool,
}

/// First payment id; later ids increase by one.
const FIRST_PAYMENT_ID: u64 = 1_325_000_001;

impl Inner {
    fn new(config: &SandboxConfig) -> Self {
        Inner {
            access_token: config.access_token.clone(),
            webhooks_enabled: config.webhooks_enabled,
            next_payment_id: FIRST_PAYMENT_ID,
            next_refund_id: 1_009_042_001,
            next_notification_id: 120_000_001,
            next_request_seq: 1,
            tokens: HashMap::new(),
            payments: BTreeMap::new(),
            payment_keys: HashMap::new(),
            refund_keys: HashMap::new(),
            challenges: HashMap::new(),
            faults: Vec::new(),
            requests: VecDeque::new(),
            deliveries: Vec::new(),
        }
    }
}

impl State {
    pub(crate) fn new(config: SandboxConfig, acs_origin: String) -> Self {
        // Webhooks may go to https URLs; reqwest needs a process-wide rustls provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = Mutex::new(Inner::new(&config));
        State { config, acs_origin, inner, http: reqwest::Client::new(), shut_down: AtomicBool::new(false) }
    }

    /// Locks the state. A panic while holding the lock cannot leave it half-updated in a way the
    /// sandbox cares about, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn site(&self) -> &'static SiteInfo {
        self.config.site.info()
    }

    /// Forgets everything and restores the configured credentials and switches.
    pub(crate) fn reset(&self) {
        *self.lock() = Inner::new(&self.config);
    }
}

/// Only approved, refunded and charged-back payments show the payer's e-mail and document
/// (docs/mercadopago.md#the-payment-resource).
pub(crate) fn payment_view(p: &Payment) -> Payment {
    let mut view = p.clone();
    if !matches!(p.status.as_str(), "approved" | "refunded" | "charged_back") {
        view.payer.email = None;
        view.payer.identification = Identification::default();
    }
    view
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn parse_mp_date(d: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok()
}

/// Records a change made at `at`: `date_last_updated` becomes `at`, or 1 ms after the previous
/// value when that is not older (dates have millisecond precision), so every change a client can
/// see has a strictly newer `date_last_updated` and is never taken for a replay.
fn touch(p: &mut Payment, at: OffsetDateTime) {
    let previous = parse_mp_date(&p.date_last_updated);
    let at = match previous {
        Some(prev) if prev >= at - time::Duration::milliseconds(1) => prev + time::Duration::milliseconds(1),
        _ => at,
    };
    p.date_last_updated = mp_date(at);
}

/// A payer id for an e-mail: nine digits, the same for the same e-mail (our choice; Mercado
/// Pago's recordings show a numeric string, e.g. `"128185910"` in sdk-java `payment_base.json`).
fn payer_id(email: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(email.trim().to_ascii_lowercase().as_bytes());
    let n = digest.iter().take(8).fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    (100_000_000 + n % 900_000_000).to_string()
}

fn authorization_code() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 1_000_000;
    format!("{n:06}")
}

/// Rounds a money amount of `currency_id` to the decimals Mercado Pago uses for it (2; 0 for CLP
/// and COP: `site::currency_decimals`), halves away from zero.
fn round_money(d: Decimal, currency_id: &str) -> Decimal {
    d.round_dp_with_strategy(currency_decimals(currency_id), rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Sets the fields that belong to an approved payment.
fn mark_approved(p: &mut Payment, at: OffsetDateTime) {
    p.status = "approved".into();
    p.status_detail = "accredited".into();
    p.date_approved = Some(mp_date(at));
    p.money_release_date = Some(mp_date(at + time::Duration::days(MONEY_RELEASE_DAYS)));
    p.money_release_status = Some("pending");
    p.authorization_code.get_or_insert_with(authorization_code);
    p.captured = true;
    let fee = round_money(p.transaction_amount * FEE_RATE, p.currency_id);
    p.fee_details = vec![FeeDetail { kind: "mercadopago_fee", amount: fee, fee_payer: "collector" }];
    p.transaction_details.net_received_amount = p.transaction_amount - fee;
}

impl Inner {
    /// Records a request, keeping the newest [`MAX_RECORDED_REQUESTS`].
    pub(crate) fn record(&mut self, mut req: RecordedRequest) {
        req.seq = self.next_request_seq;
        self.next_request_seq += 1;
        if self.requests.len() >= MAX_RECORDED_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(req);
    }

    pub(crate) fn clear_requests(&mut self) {
        self.requests.clear();
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        self.requests.iter().cloned().collect()
    }

    pub(crate) fn payment(&self, id: u64) -> Result<Payment, MpError> {
        self.payments.get(&id).map(|p| payment_view(&p.resource)).ok_or_else(MpError::payment_not_found)
    }

    pub(crate) fn all_payments(&self) -> Vec<Payment> {
        self.payments.values().map(|p| p.resource.clone()).collect()
    }

    /// `POST /v1/card_tokens`.
    pub(crate) fn create_card_token(
        &mut self,
        site: &SiteInfo,
        public_key: &str,
        card: NewCardToken,
        ttl: std::time::Duration,
    ) -> Result<CardToken, MpError> {
        let method = site
            .payment_method_for_bin(&card.card_number)
            .ok_or_else(|| MpError::bad_request(2131, "Cannot infer Payment Method"))?;
        if card.card_number.len() != method.card_number_length as usize {
            return Err(MpError::bad_request(3015, "Invalid parameter card_number_length"));
        }
        if card.security_code.len() != method.security_code_length as usize {
            return Err(MpError::bad_request(3032, "Invalid security_code_length"));
        }
        if let (Some(kind), Some(number)) = (&card.identification_type, &card.identification_number) {
            let doc = site.identification_types.iter().find(|t| t.id == kind);
            let Some(doc) = doc else {
                return Err(MpError::bad_request(3022, "cardholder.document.type required"));
            };
            // Length and digits only, no check digit (see `IdentificationType::accepts`).
            if !doc.accepts(number) {
                return Err(MpError::bad_request(3021, "cardholder.document.number required"));
            }
        }
        let created = now();
        let ttl = time::Duration::try_from(ttl).unwrap_or(time::Duration::days(7));
        let id = uuid::Uuid::new_v4().simple().to_string();
        let number = &card.card_number;
        let resource = CardToken {
            id: id.clone(),
            card_id: Some(format!("{:012}", uuid::Uuid::new_v4().as_u128() % 1_000_000_000_000)),
            public_key: public_key.to_owned(),
            first_six_digits: number.chars().take(6).collect(),
            expiration_month: card.expiration_month,
            expiration_year: card.expiration_year,
            last_four_digits: number.chars().skip(number.chars().count().saturating_sub(4)).collect(),
            cardholder: Cardholder {
                name: card.cardholder_name,
                identification: Identification { kind: card.identification_type, number: card.identification_number },
            },
            status: "active",
            date_created: mp_date(created),
            date_last_updated: mp_date(created),
            date_due: mp_date(created + ttl),
            luhn_validation: true,
            live_mode: false,
            require_esc: false,
            card_number_length: method.card_number_length,
            security_code_length: method.security_code_length,
        };
        self.tokens.insert(
            id,
            StoredToken {
                resource: resource.clone(),
                payment_method_id: method.id,
                payment_type_id: method.payment_type_id,
                expires_at: created + ttl,
                used: false,
                challenge_card: ChallengeCard::for_number(number),
            },
        );
        Ok(resource)
    }

    /// `POST /v1/payments`. Returns the payment and whether it was created now (false when the
    /// idempotency key was seen before: the first payment is returned, nothing is charged).
    ///
    /// 3-D Secure (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>):
    /// with `three_d_secure_mode` `optional` or `mandatory`, a challenge test card gets
    /// `pending/pending_challenge` and `three_ds_info` (`external_resource_url` =
    /// `<acs_origin>/acs/challenge`); with `mandatory`, any other card is
    /// `rejected/cc_rejected_3ds_mandatory` (documented for 5031 7557 3453 0604, our choice for
    /// the others). Before that, the risk rule (our choice): no device id and an amount of at
    /// least `config.high_risk_amount` → `rejected/cc_rejected_high_risk`.
    pub(crate) fn create_payment(
        &mut self,
        config: &SandboxConfig,
        acs_origin: &str,
        idempotency_key: &str,
        req: NewPayment,
    ) -> Result<(Payment, bool), MpError> {
        if let Some(id) = self.payment_keys.get(idempotency_key) {
            return Ok((self.payment(*id)?, false));
        }
        let site = config.site.info();
        let at = now();
        let token = match self.tokens.get(&req.token) {
            Some(t) if !t.used && t.expires_at > at => t,
            // Used and expired tokens are discarded by Mercado Pago, so they are "not found".
            _ => return Err(MpError::bad_request(2006, "Card Token not found")),
        };
        let method = site
            .payment_method(&req.payment_method_id)
            .filter(|m| m.id == token.payment_method_id)
            .ok_or_else(|| MpError::bad_request(3028, "Invalid payment_method_id"))?;
        if req.transaction_amount < method.min_allowed_amount || req.transaction_amount > method.max_allowed_amount {
            return Err(MpError::bad_request(2072, "Invalid value for transaction_amount"));
        }
        let issuer = match &req.issuer_id {
            Some(id) => *method.issuer(id).ok_or_else(|| MpError::bad_request(3001, "Invalid cardissuer_id"))?,
            None => *method.default_issuer(),
        };

        let scenario = Scenario::for_cardholder(&token.resource.cardholder.name);
        let mut outcome = scenario.outcome_for_amount(req.transaction_amount);
        let installments_offered = method.installments.contains(&req.installments);
        if !installments_offered && outcome.status != "rejected" {
            outcome = Outcome { status: "rejected", status_detail: "cc_rejected_invalid_installments" };
        }
        if req.binary_mode && outcome.status == "in_process" {
            outcome = Outcome { status: "rejected", status_detail: "cc_rejected_other_reason" };
        }
        let risky =
            req.device_id.is_none() && config.high_risk_amount.is_some_and(|limit| req.transaction_amount >= limit);
        let mut challenge = None;
        if risky {
            outcome = Outcome { status: "rejected", status_detail: "cc_rejected_high_risk" };
        } else if installments_offered {
            match (req.three_d_secure_mode, token.challenge_card) {
                (ThreeDsMode::NotSupported, _) | (ThreeDsMode::Optional, None) => {}
                (ThreeDsMode::Optional | ThreeDsMode::Mandatory, Some(card)) => {
                    outcome = Outcome { status: "pending", status_detail: "pending_challenge" };
                    challenge = Some((CReq::new(), card));
                }
                (ThreeDsMode::Mandatory, None) => {
                    outcome = Outcome { status: "rejected", status_detail: "cc_rejected_3ds_mandatory" };
                }
            }
        }
        let rate = if installments_offered { installment_rate(req.installments) } else { Decimal::ZERO };
        let total_paid = site.round_amount(req.transaction_amount * (Decimal::ONE + rate / Decimal::ONE_HUNDRED));
        let installment_amount = site.round_amount(total_paid / Decimal::from(req.installments));

        let token_res = token.resource.clone();
        let payment_type_id = token.payment_type_id;
        let id = self.next_payment_id;
        let date = mp_date(at);
        let mut payment = Payment {
            id,
            date_created: date.clone(),
            date_approved: None,
            date_last_updated: date.clone(),
            date_of_expiration: None,
            money_release_date: None,
            money_release_status: None,
            operation_type: "regular_payment",
            issuer_id: issuer.id.to_owned(),
            payment_method_id: method.id.to_owned(),
            payment_type_id: payment_type_id.to_owned(),
            payment_method: PaymentMethodRef {
                id: method.id.to_owned(),
                kind: payment_type_id.to_owned(),
                issuer_id: issuer.id.to_owned(),
            },
            status: outcome.status.to_owned(),
            status_detail: outcome.status_detail.to_owned(),
            currency_id: site.currency_id,
            description: req.description,
            live_mode: false,
            sponsor_id: None,
            authorization_code: None,
            money_release_schema: None,
            taxes_amount: Decimal::ZERO,
            counter_currency: None,
            shipping_amount: Decimal::ZERO,
            pos_id: None,
            store_id: None,
            integrator_id: None,
            platform_id: None,
            corporation_id: None,
            collector_id: config.user_id,
            payer: Payer {
                kind: Some("guest".into()),
                id: Some(payer_id(&req.payer_email)),
                operator_id: None,
                phone: Phone::default(),
                email: Some(req.payer_email),
                identification: Identification {
                    kind: req.payer_identification_type,
                    number: req.payer_identification_number,
                },
                first_name: req.payer_first_name,
                last_name: req.payer_last_name,
                entity_type: None,
            },
            marketplace_owner: None,
            metadata: req.metadata,
            internal_metadata: json!({}),
            additional_info: req.additional_info,
            order: json!({}),
            external_reference: req.external_reference,
            transaction_amount: req.transaction_amount,
            transaction_amount_refunded: Decimal::ZERO,
            coupon_amount: Decimal::ZERO,
            differential_pricing_id: None,
            deduction_schema: None,
            installments: req.installments,
            transaction_details: TransactionDetails {
                net_received_amount: Decimal::ZERO,
                total_paid_amount: total_paid,
                overpaid_amount: Decimal::ZERO,
                installment_amount,
                external_resource_url: None,
                financial_institution: None,
                payment_method_reference_id: None,
                payable_deferral_period: None,
                acquirer_reference: None,
            },
            fee_details: vec![],
            charges_details: vec![],
            captured: false,
            binary_mode: req.binary_mode,
            statement_descriptor: req.statement_descriptor,
            card: Card {
                id: None,
                first_six_digits: token_res.first_six_digits.clone(),
                last_four_digits: token_res.last_four_digits.clone(),
                expiration_month: token_res.expiration_month,
                expiration_year: token_res.expiration_year,
                date_created: date.clone(),
                date_last_updated: date,
                cardholder: token_res.cardholder.clone(),
            },
            notification_url: req.notification_url,
            refunds: vec![],
            processing_mode: "aggregator",
            merchant_account_id: None,
            merchant_number: None,
            acquirer_reconciliation: vec![],
            point_of_interaction: json!({}),
            call_for_authorize_id: None,
            three_ds_info: None,
        };
        if outcome.status == "approved" {
            if req.capture {
                mark_approved(&mut payment, at);
            } else {
                payment.status = "authorized".into();
                payment.status_detail = "pending_capture".into();
                payment.authorization_code = Some(authorization_code());
            }
        }

        let challenge = challenge.map(|(creq, card)| {
            payment.three_ds_info = Some(ThreeDsInfo {
                external_resource_url: format!("{}/acs/challenge", acs_origin.trim_end_matches('/')),
                creq: creq.encode(),
            });
            self.challenges.insert(creq.acs_trans_id.clone(), id);
            Challenge { acs_trans_id: creq.acs_trans_id, card, capture: req.capture }
        });

        if let Some(t) = self.tokens.get_mut(&req.token) {
            t.used = true;
        }
        self.next_payment_id += 1;
        self.payment_keys.insert(idempotency_key.to_owned(), id);
        let view = payment_view(&payment);
        self.payments.insert(id, StoredPayment { resource: payment, challenge });
        Ok((view, true))
    }

    fn payment_mut(&mut self, id: u64) -> Result<&mut Payment, MpError> {
        self.payments.get_mut(&id).map(|p| &mut p.resource).ok_or_else(MpError::payment_not_found)
    }

    /// Settles a pending or in-process payment (what the acquirer does later for `CONT`).
    pub(crate) fn settle(
        &mut self,
        id: u64,
        approve: bool,
        status_detail: Option<&str>,
    ) -> Result<Payment, SettleError> {
        let p = self.payment_mut(id).map_err(|_| SettleError::NotFound)?;
        if !matches!(p.status.as_str(), "pending" | "in_process") {
            return Err(SettleError::NotPending(p.status.clone()));
        }
        let at = now();
        if approve {
            mark_approved(p, at);
        } else {
            p.status = "rejected".into();
            p.status_detail = status_detail.unwrap_or("cc_rejected_other_reason").to_owned();
        }
        touch(p, at);
        Ok(payment_view(p))
    }

    /// The payment a challenge belongs to, by the `acsTransID` of its `creq`.
    pub(crate) fn payment_for_challenge(&self, acs_trans_id: &str) -> Option<Payment> {
        let id = self.challenges.get(acs_trans_id)?;
        self.payments.get(id).map(|p| payment_view(&p.resource))
    }

    /// Ends a pending 3DS challenge. `confirmed` is the buyer's Confirm: it approves with the
    /// "Successful Challenge" card (`authorized/pending_capture` when the payment was created
    /// with `capture: false`) and rejects with `cc_rejected_3ds_challenge` with the
    /// "Unauthorized Challenge" card (inferred from the cards' names). Not confirming (Cancel,
    /// a failed challenge) rejects with `cc_rejected_3ds_challenge` (our choice for Cancel).
    pub(crate) fn complete_challenge(&mut self, id: u64, confirmed: bool) -> Result<Payment, ChallengeError> {
        let stored = self.payments.get_mut(&id).ok_or(ChallengeError::NotFound)?;
        let Some(challenge) = stored.challenge.clone() else { return Err(ChallengeError::NoChallenge) };
        let p = &mut stored.resource;
        if !is_pending_challenge(p) {
            return Err(ChallengeError::Ended(p.status.clone()));
        }
        let at = now();
        if confirmed && challenge.card == ChallengeCard::Succeeds {
            if challenge.capture {
                mark_approved(p, at);
            } else {
                p.status = "authorized".into();
                p.status_detail = "pending_capture".into();
                p.authorization_code = Some(authorization_code());
            }
        } else {
            p.status = "rejected".into();
            p.status_detail = "cc_rejected_3ds_challenge".into();
        }
        touch(p, at);
        Ok(payment_view(p))
    }

    /// Turns a challenge nobody finished into `cancelled/expired` (documented outcome; after
    /// `challenge_expiry`, our choice). `None` when the payment is gone, is another one (ids
    /// restart after a reset) or its challenge has ended.
    pub(crate) fn expire_challenge(&mut self, id: u64, acs_trans_id: &str) -> Option<Payment> {
        let stored = self.payments.get_mut(&id)?;
        if stored.challenge.as_ref().is_none_or(|c| c.acs_trans_id != acs_trans_id) {
            return None;
        }
        let p = &mut stored.resource;
        if !is_pending_challenge(p) {
            return None;
        }
        p.status = "cancelled".into();
        p.status_detail = "expired".into();
        touch(p, now());
        Some(payment_view(p))
    }

    /// Forces any status (for chargebacks and other transitions no API call makes).
    pub(crate) fn force_status(&mut self, id: u64, status: &str, status_detail: &str) -> Result<Payment, MpError> {
        let p = self.payment_mut(id)?;
        let at = now();
        if status == "approved" && p.date_approved.is_none() {
            mark_approved(p, at);
        }
        p.status = status.to_owned();
        p.status_detail = status_detail.to_owned();
        touch(p, at);
        Ok(payment_view(p))
    }

    /// `PUT /v1/payments/{id}` with `{"capture": true, "transaction_amount"?}`
    /// (docs/mercadopago.md#capture-and-cancel).
    pub(crate) fn capture(&mut self, id: u64, amount: Option<Decimal>) -> Result<Payment, MpError> {
        let p = self.payment_mut(id)?;
        if p.status != "authorized" {
            return Err(state_error());
        }
        if let Some(amount) = amount {
            // More decimals than the currency takes (2; 0 for CLP and COP) is refused like any
            // other invalid amount here (our choice).
            let decimals = currency_decimals(p.currency_id);
            if amount <= Decimal::ZERO || amount > p.transaction_amount || amount.normalize().scale() > decimals {
                return Err(MpError::bad_request(2072, "Invalid value for transaction_amount"));
            }
            let ratio = amount / p.transaction_amount;
            p.transaction_amount = amount;
            let details = &mut p.transaction_details;
            details.total_paid_amount = round_money(details.total_paid_amount * ratio, p.currency_id);
            details.installment_amount = round_money(details.installment_amount * ratio, p.currency_id);
        }
        let at = now();
        mark_approved(p, at);
        touch(p, at);
        Ok(payment_view(p))
    }

    /// `PUT /v1/payments/{id}` with `{"status": "cancelled"}`: allowed for pending, in-process
    /// and authorized payments (docs/mercadopago.md#capture-and-cancel).
    pub(crate) fn cancel(&mut self, id: u64) -> Result<Payment, MpError> {
        let p = self.payment_mut(id)?;
        if !matches!(p.status.as_str(), "pending" | "in_process" | "authorized") {
            return Err(state_error());
        }
        p.status = "cancelled".into();
        p.status_detail = "by_collector".into();
        touch(p, now());
        Ok(payment_view(p))
    }

    /// `POST /v1/payments/{id}/refunds`. Full refund when `amount` is `None`. Returns the refund
    /// and whether it was made now (false when the idempotency key was seen before).
    pub(crate) fn refund(
        &mut self,
        config: &SandboxConfig,
        id: u64,
        idempotency_key: &str,
        amount: Option<Decimal>,
        metadata: Value,
    ) -> Result<(Refund, bool), MpError> {
        if let Some(&(pid, rid)) = self.refund_keys.get(idempotency_key) {
            let p = self.payment_mut(pid)?;
            if let Some(r) = p.refunds.iter().find(|r| r.id == rid) {
                return Ok((r.clone(), false));
            }
        }
        let refund_id = self.next_refund_id;
        let p = self.payment_mut(id)?;
        if p.status != "approved" {
            return Err(MpError::bad_request(2063, "The action requested is not valid for the current payment state"));
        }
        let at = now();
        let approved_at = p.date_approved.as_deref().and_then(parse_mp_date);
        if approved_at.is_some_and(|approved| at - approved > REFUND_WINDOW) {
            // Past the refund window: the docs give the window but no cause code; our choice
            // is the refunds API's state error 2063 (docs/mercadopago.md#refunds).
            return Err(MpError::bad_request(2063, "The action requested is not valid for the current payment state"));
        }
        let available = p.transaction_amount - p.transaction_amount_refunded;
        let amount = amount.unwrap_or(available);
        // Cents in a CLP or COP refund are refused like a non-positive amount (our choice).
        if amount <= Decimal::ZERO || amount.normalize().scale() > currency_decimals(p.currency_id) {
            return Err(MpError::bad_request(4040, "amount attribute must be positive"));
        }
        if amount > available {
            // Our choice: Mercado Pago's refund reference lists no code for "more than what is
            // left" (docs/mercadopago.md#refunds).
            return Err(MpError::bad_request(2063, "The action requested is not valid for the current payment state"));
        }
        let refund = Refund {
            id: refund_id,
            payment_id: id,
            amount,
            metadata,
            source: json!({"id": config.user_id.to_string(), "name": "Sandbox Seller", "type": "collector"}),
            date_created: mp_date(at),
            expiration_date: None,
            unique_sequence_number: None,
            refund_mode: "standard",
            adjustment_amount: Decimal::ZERO,
            status: "approved",
            reason: None,
            labels: vec![],
            amount_refunded_to_payer: amount,
            additional_data: None,
            partition_details: vec![],
        };
        p.transaction_amount_refunded += amount;
        p.refunds.push(refund.clone());
        if p.transaction_amount_refunded == p.transaction_amount {
            p.status = "refunded".into();
            p.status_detail = "refunded".into();
        } else {
            p.status_detail = "partially_refunded".into();
        }
        touch(p, at);
        self.next_refund_id += 1;
        self.refund_keys.insert(idempotency_key.to_owned(), (id, refund_id));
        Ok((refund, true))
    }

    pub(crate) fn refunds(&self, id: u64) -> Result<Vec<Refund>, MpError> {
        self.payments.get(&id).map(|p| p.resource.refunds.clone()).ok_or_else(MpError::payment_not_found)
    }
}

/// Whether a payment is waiting for its 3DS challenge.
fn is_pending_challenge(p: &Payment) -> bool {
    p.status == "pending" && p.status_detail == "pending_challenge"
}

/// Why a challenge could not be completed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ChallengeError {
    /// No such payment.
    NotFound,
    /// The payment was made without a challenge.
    NoChallenge,
    /// The challenge has ended; the payment's status now.
    Ended(String),
}

/// Why a settle request was refused.
#[derive(Debug)]
pub(crate) enum SettleError {
    NotFound,
    NotPending(String),
}

fn state_error() -> MpError {
    MpError::bad_request(3005, "Not valid action, the resource is in a state that does not allow this operation")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;

    const ACS: &str = "http://localhost:1";

    fn token(inner: &mut Inner, cfg: &SandboxConfig, name: &str) -> String {
        token_for(inner, cfg, "5031755734530604", name)
    }

    fn token_for(inner: &mut Inner, cfg: &SandboxConfig, number: &str, name: &str) -> String {
        let card = validate::new_card_token(
            &json!({"card_number": number, "expiration_month": 11, "expiration_year": 2030,
                "security_code": "123", "cardholder": {"name": name, "identification": {"type": "DNI", "number": "12345678"}}}),
            time::macros::date!(2026 - 01 - 01),
        )
        .expect("card");
        inner.create_card_token(cfg.site.info(), &cfg.public_key, card, cfg.card_token_ttl).expect("token").id
    }

    fn payment_req(token: &str, amount: Decimal) -> NewPayment {
        validate::new_payment(
            &json!({
                "token": token, "transaction_amount": 100, "installments": 1, "payment_method_id": "master",
                "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}}
            }),
            crate::site::SiteId::Mla.info(),
        )
        .map(|mut p| {
            p.transaction_amount = amount;
            p
        })
        .expect("payment")
    }

    #[test]
    fn approved_payment_has_fees_dates_and_visible_payer() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let (p, created) =
            inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::new(10000, 2))).expect("created");
        assert!(created);
        assert_eq!((p.status.as_str(), p.status_detail.as_str()), ("approved", "accredited"));
        assert!(p.date_approved.is_some() && p.captured);
        assert_eq!(p.fee_details[0].amount, Decimal::new(499, 2));
        assert_eq!(p.transaction_details.net_received_amount, Decimal::new(9501, 2));
        assert_eq!(p.payer.email.as_deref(), Some("buyer@example.com"));
        assert_eq!(p.card.first_six_digits, "503175");
        assert_eq!(p.card.last_four_digits, "0604");
        assert_eq!(p.currency_id, "ARS");
    }

    #[test]
    fn pending_payment_hides_payer_and_settles_later() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "CONT");
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::ONE_HUNDRED)).expect("created");
        assert_eq!(p.status, "in_process");
        assert_eq!(p.payer.email, None);
        let settled = inner.settle(p.id, true, None).expect("settled");
        assert_eq!(settled.status, "approved");
        assert!(matches!(inner.settle(p.id, true, None), Err(SettleError::NotPending(_))));
    }

    #[test]
    fn same_key_returns_same_payment_and_token_is_single_use() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let (a, _) = inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::ONE_HUNDRED)).expect("a");
        let (b, created) = inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::ONE_HUNDRED)).expect("b");
        assert!(!created);
        assert_eq!(a.id, b.id);
        let err = inner.create_payment(&cfg, ACS, "k2", payment_req(&t, Decimal::ONE_HUNDRED)).expect_err("used token");
        assert_eq!(err.body()["cause"][0]["code"], 2006);
        assert_eq!(inner.all_payments().len(), 1);
    }

    #[test]
    fn refunds_partial_then_full_and_never_more_than_paid() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::ONE_HUNDRED)).expect("p");
        let (r1, _) = inner.refund(&cfg, p.id, "r1", Some(Decimal::new(30, 0)), json!({})).expect("partial");
        assert_eq!(r1.amount, Decimal::new(30, 0));
        assert_eq!(inner.payment(p.id).expect("p").status_detail, "partially_refunded");
        let (again, made) = inner.refund(&cfg, p.id, "r1", Some(Decimal::new(30, 0)), json!({})).expect("replay");
        assert!(!made);
        assert_eq!(again.id, r1.id);
        let too_much = inner.refund(&cfg, p.id, "r2", Some(Decimal::new(71, 0)), json!({})).expect_err("too much");
        assert_eq!(too_much.body()["cause"][0]["code"], 2063);
        let (r2, _) = inner.refund(&cfg, p.id, "r3", None, json!({})).expect("rest");
        assert_eq!(r2.amount, Decimal::new(70, 0));
        let after = inner.payment(p.id).expect("p");
        assert_eq!((after.status.as_str(), after.status_detail.as_str()), ("refunded", "refunded"));
        assert_eq!(after.transaction_amount_refunded, Decimal::ONE_HUNDRED);
    }

    #[test]
    fn refunds_are_refused_past_the_window_and_for_unpaid_payments() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", payment_req(&t, Decimal::ONE_HUNDRED)).expect("p");
        let old = now() - REFUND_WINDOW - time::Duration::hours(1);
        inner.payment_mut(p.id).expect("p").date_approved = Some(mp_date(old));
        let err = inner.refund(&cfg, p.id, "r1", None, json!({})).expect_err("past the window");
        assert_eq!(err.body()["cause"][0]["code"], 2063);
        let inside = now() - REFUND_WINDOW + time::Duration::hours(1);
        inner.payment_mut(p.id).expect("p").date_approved = Some(mp_date(inside));
        inner.refund(&cfg, p.id, "r2", None, json!({})).expect("inside the window");
        let t2 = token(&mut inner, &cfg, "CONT");
        let (pending, _) = inner.create_payment(&cfg, ACS, "k2", payment_req(&t2, Decimal::ONE_HUNDRED)).expect("p");
        let err = inner.refund(&cfg, pending.id, "r3", None, json!({})).expect_err("not approved");
        assert_eq!(err.body()["cause"][0]["code"], 2063);
        let cancelled = inner.cancel(pending.id).expect("pending can be cancelled");
        assert_eq!((cancelled.status.as_str(), cancelled.status_detail.as_str()), ("cancelled", "by_collector"));
        assert_eq!(inner.cancel(pending.id).expect_err("twice").body()["cause"][0]["code"], 3005);
    }

    #[test]
    fn capture_and_cancel_follow_the_state_rules() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let mut req = payment_req(&t, Decimal::ONE_HUNDRED);
        req.capture = false;
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", req).expect("authorized");
        assert_eq!((p.status.as_str(), p.status_detail.as_str(), p.captured), ("authorized", "pending_capture", false));
        let over = inner.capture(p.id, Some(Decimal::new(101, 0))).expect_err("more than reserved");
        assert_eq!(over.body()["cause"][0]["code"], 2072);
        let captured = inner.capture(p.id, Some(Decimal::new(75, 0))).expect("partial capture");
        assert_eq!((captured.status.as_str(), captured.transaction_amount), ("approved", Decimal::new(75, 0)));
        assert!(captured.captured);
        let err = inner.cancel(p.id).expect_err("approved can't be cancelled");
        assert_eq!(err.body()["cause"][0]["code"], 3005);
        assert_eq!(inner.capture(p.id, None).expect_err("twice").body()["cause"][0]["code"], 3005);
    }

    #[test]
    fn installments_not_offered_reject_the_payment() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let mut req = payment_req(&t, Decimal::ONE_HUNDRED);
        req.installments = 7;
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", req).expect("created");
        assert_eq!(p.status_detail, "cc_rejected_invalid_installments");
    }

    fn three_ds_req(token: &str, mode: ThreeDsMode) -> NewPayment {
        let mut req = payment_req(token, Decimal::ONE_HUNDRED);
        req.three_d_secure_mode = mode;
        req
    }

    #[test]
    fn three_ds_cards_get_a_challenge_only_when_3ds_is_on() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token_for(&mut inner, &cfg, crate::three_ds::CARD_CHALLENGE_SUCCESS, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", three_ds_req(&t, ThreeDsMode::Optional)).expect("p");
        assert_eq!((p.status.as_str(), p.status_detail.as_str()), ("pending", "pending_challenge"));
        let info = p.three_ds_info.clone().expect("three_ds_info");
        assert_eq!(info.external_resource_url, "http://localhost:1/acs/challenge");
        let creq = CReq::decode(&info.creq).expect("creq");
        assert_eq!(inner.payment_for_challenge(&creq.acs_trans_id).map(|p| p.id), Some(p.id));
        assert!(p.date_approved.is_none() && p.authorization_code.is_none());

        // not_supported: an ordinary card, the cardholder code decides.
        let t = token_for(&mut inner, &cfg, crate::three_ds::CARD_CHALLENGE_SUCCESS, "OTHE");
        let (p, _) = inner.create_payment(&cfg, ACS, "k2", three_ds_req(&t, ThreeDsMode::NotSupported)).expect("p");
        assert_eq!((p.status.as_str(), p.three_ds_info.is_none()), ("rejected", true));

        // optional with a card that does no 3DS: as without 3DS.
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k3", three_ds_req(&t, ThreeDsMode::Optional)).expect("p");
        assert_eq!((p.status.as_str(), p.three_ds_info.is_none()), ("approved", true));

        // mandatory with a card that does no 3DS.
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k4", three_ds_req(&t, ThreeDsMode::Mandatory)).expect("p");
        assert_eq!((p.status.as_str(), p.status_detail.as_str()), ("rejected", "cc_rejected_3ds_mandatory"));

        // mandatory with a challenge card.
        let t = token_for(&mut inner, &cfg, crate::three_ds::CARD_CHALLENGE_FAILURE, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k5", three_ds_req(&t, ThreeDsMode::Mandatory)).expect("p");
        assert_eq!(p.status_detail, "pending_challenge");
    }

    #[test]
    fn challenges_end_once_with_the_cards_outcome() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let pay = |inner: &mut Inner, number: &str, key: &str| {
            let t = token_for(inner, &cfg, number, "APRO");
            inner.create_payment(&cfg, ACS, key, three_ds_req(&t, ThreeDsMode::Optional)).expect("p").0
        };
        let ok = pay(&mut inner, crate::three_ds::CARD_CHALLENGE_SUCCESS, "a");
        let bad = pay(&mut inner, crate::three_ds::CARD_CHALLENGE_FAILURE, "b");
        let cancelled = pay(&mut inner, crate::three_ds::CARD_CHALLENGE_SUCCESS, "c");
        let approved = inner.complete_challenge(ok.id, true).expect("confirm");
        assert_eq!((approved.status.as_str(), approved.status_detail.as_str()), ("approved", "accredited"));
        assert!(approved.date_approved.is_some() && approved.authorization_code.is_some());
        assert!(!approved.fee_details.is_empty() && approved.three_ds_info.is_some());
        let rejected = inner.complete_challenge(bad.id, true).expect("confirm");
        assert_eq!(
            (rejected.status.as_str(), rejected.status_detail.as_str()),
            ("rejected", "cc_rejected_3ds_challenge")
        );
        let cancel = inner.complete_challenge(cancelled.id, false).expect("cancel");
        assert_eq!(cancel.status_detail, "cc_rejected_3ds_challenge");
        assert_eq!(inner.complete_challenge(ok.id, false), Err(ChallengeError::Ended("approved".into())));
        assert_eq!(inner.complete_challenge(999, true), Err(ChallengeError::NotFound));
        let t = token(&mut inner, &cfg, "APRO");
        let (plain, _) = inner.create_payment(&cfg, ACS, "d", payment_req(&t, Decimal::ONE_HUNDRED)).expect("p");
        assert_eq!(inner.complete_challenge(plain.id, true), Err(ChallengeError::NoChallenge));
    }

    #[test]
    fn unfinished_challenges_expire_once_and_only_their_own_payment() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token_for(&mut inner, &cfg, crate::three_ds::CARD_CHALLENGE_SUCCESS, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "k", three_ds_req(&t, ThreeDsMode::Optional)).expect("p");
        let acs = CReq::decode(&p.three_ds_info.expect("info").creq).expect("creq").acs_trans_id;
        assert!(inner.expire_challenge(p.id, "another-transaction").is_none());
        let expired = inner.expire_challenge(p.id, &acs).expect("expired");
        assert_eq!((expired.status.as_str(), expired.status_detail.as_str()), ("cancelled", "expired"));
        assert!(inner.expire_challenge(p.id, &acs).is_none());
        assert_eq!(inner.complete_challenge(p.id, true), Err(ChallengeError::Ended("cancelled".into())));
    }

    #[test]
    fn challenge_without_capture_authorizes() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token_for(&mut inner, &cfg, crate::three_ds::CARD_CHALLENGE_SUCCESS, "APRO");
        let mut req = three_ds_req(&t, ThreeDsMode::Optional);
        req.capture = false;
        let (p, _) = inner.create_payment(&cfg, ACS, "k", req).expect("p");
        let done = inner.complete_challenge(p.id, true).expect("confirm");
        assert_eq!((done.status.as_str(), done.status_detail.as_str()), ("authorized", "pending_capture"));
    }

    #[test]
    fn large_payments_without_a_device_id_are_high_risk() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let limit = crate::config::DEFAULT_HIGH_RISK_AMOUNT;
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "a", payment_req(&t, limit)).expect("p");
        assert_eq!((p.status.as_str(), p.status_detail.as_str()), ("rejected", "cc_rejected_high_risk"));
        let t = token(&mut inner, &cfg, "APRO");
        let (p, _) = inner.create_payment(&cfg, ACS, "b", payment_req(&t, limit - Decimal::new(1, 2))).expect("p");
        assert_eq!(p.status, "approved");
        let t = token(&mut inner, &cfg, "APRO");
        let mut req = payment_req(&t, limit);
        req.device_id = Some("device-1".into());
        assert_eq!(inner.create_payment(&cfg, ACS, "c", req).expect("p").0.status, "approved");
        let off = SandboxConfig { high_risk_amount: None, ..SandboxConfig::for_tests() };
        let t = token(&mut inner, &off, "APRO");
        let (p, _) = inner.create_payment(&off, ACS, "d", payment_req(&t, limit * Decimal::TEN)).expect("p");
        assert_eq!(p.status, "approved");
    }

    #[test]
    fn installment_interest_is_in_the_totals() {
        let cfg = SandboxConfig::for_tests();
        let mut inner = Inner::new(&cfg);
        let t = token(&mut inner, &cfg, "APRO");
        let mut req = payment_req(&t, Decimal::ONE_HUNDRED);
        req.installments = 6;
        let (p, _) = inner.create_payment(&cfg, ACS, "k1", req).expect("created");
        assert_eq!(p.transaction_details.total_paid_amount, Decimal::new(115, 0));
        assert_eq!(p.transaction_details.installment_amount, Decimal::new(1917, 2));
    }
}
