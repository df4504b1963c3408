//! Orders and their state machine.
//!
//! An order is created for one `Idempotency-Key` ([`NewOrder`]), in [`OrderStatus::Created`].
//! It then takes either [`OrderStatus::Failed`] (the payment provider refused the request) or the
//! payment's status, which moves only forward, in two senses ([`Order::accepts`]): in the
//! provider's time (a state is applied only if its `date_last_updated` is strictly newer than the
//! applied one) and along Mercado Pago's payment lifecycle ([`OrderStatus::may_become`]: a paid
//! order is never un-paid, a rejected one never paid). A newer state the lifecycle does not allow
//! is not applied: it is recorded on the order as an [`Anomaly`] ([`Order::refuses`]). The first
//! time an order becomes approved, an "order paid" event becomes due ([`PaidEvent`]), and exactly
//! one caller publishes it (`crate::settle`).
//!
//! The serde names are the stored attribute names (the DynamoDB adapter maps the struct with
//! `serde_dynamo`, and its condition expressions use the same names).

use std::fmt;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::catalog::PricedLine;
use crate::messages::Lang;
use crate::validation::FieldErrors;

/// How long a publisher holds the "order paid" event before another may try (an SNS publish
/// takes milliseconds; a Lambda that dies mid-publish frees it after this).
pub const PAID_EVENT_LEASE: Duration = Duration::from_secs(30);

/// How long an idempotency record is kept (the table's TTL deletes it later).
pub const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// An order's id: a UUID v4 in its canonical text (`0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10`),
/// also the payment's `external_reference`; buyers read its short [`OrderId::order_number`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrderId(String);

impl OrderId {
    /// A new random id.
    pub fn new() -> OrderId {
        OrderId(uuid::Uuid::new_v4().to_string())
    }

    /// Parses an id; only the canonical lowercase hyphenated UUID text is one.
    ///
    /// # Errors
    /// [`InvalidOrderId`] for anything else (so a path segment can never name another item).
    pub fn parse(text: &str) -> Result<OrderId, InvalidOrderId> {
        match uuid::Uuid::try_parse(text) {
            Ok(id) if id.hyphenated().to_string() == text => Ok(OrderId(text.to_owned())),
            _ => Err(InvalidOrderId),
        }
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The short order number the buyer reads on the receipt and quotes to the merchant
    /// (`1DF1S-3MA79` for `0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10`). The UUID stays the key: the
    /// number is only derived from it, never stored or looked up.
    ///
    /// Our choice: the UUID's first 50 bits in Crockford base32 (alphabet
    /// `0123456789ABCDEFGHJKMNPQRSTVWXYZ`: no `I`, `L`, `O` or `U`, so it reads aloud and types
    /// back without ambiguity), most significant first, 10 characters shown as two groups of 5
    /// joined by `-`: always 11 characters. The same id always gives the same number.
    ///
    /// How unique: ids are random UUID v4 ([`OrderId::new`]), whose bits 48–51 are the version
    /// (`0100`), so of the 50 bits the last two are always `01` (the last character is one of
    /// `1 5 9 D H N S X`) and 48 are random. By the birthday bound, among 1 million orders the
    /// chance that any two share a number is 1 − exp(−n²/(2·2⁴⁸)) with n = 10⁶, ≈ 0.18 % (about 1 in
    /// 560); it
    /// reaches 50 % at about 20 million orders. Good enough for a person to name an order, not
    /// for a machine to find one: the API and the store key orders by the UUID.
    pub fn order_number(&self) -> String {
        const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        // Every OrderId holds a canonical UUID (`new` and `parse` are its only constructors).
        let bits = uuid::Uuid::try_parse(&self.0).map_or(0, |u| u.as_u128() >> (128 - 50));
        let mut number = String::with_capacity(11);
        for i in 0..10u32 {
            if i == 5 {
                number.push('-');
            }
            let digit = usize::try_from((bits >> (5 * (9 - i))) & 0x1f).unwrap_or(0);
            number.push(CROCKFORD.get(digit).map_or('0', |&b| char::from(b)));
        }
        number
    }
}

impl Default for OrderId {
    fn default() -> Self {
        OrderId::new()
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for OrderId {
    type Error = InvalidOrderId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        OrderId::parse(&value)
    }
}

impl From<OrderId> for String {
    fn from(value: OrderId) -> Self {
        value.0
    }
}

/// Not an order id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an order id (a canonical UUID)")]
pub struct InvalidOrderId;

/// Where an order stands: ours before a payment exists, then the payment's `status`
/// (<https://www.mercadopago.com.ar/developers/en/reference/payments/_payments_id/get>;
/// docs/mercadopago.md#statuses-and-buyer-messages).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum OrderStatus {
    /// The order exists; no payment yet (the call to the provider is pending or failed
    /// transiently and can be retried with the same key).
    Created,
    /// The provider refused the request (invalid token, e-mail...): final for this key.
    Failed,
    /// Waiting for the buyer (3-D Secure challenge, for cards).
    Pending,
    /// Paid.
    Approved,
    /// Reserved, waiting for capture.
    Authorized,
    /// Under review; settles later.
    InProcess,
    /// In a dispute.
    InMediation,
    /// Declined.
    Rejected,
    /// Cancelled or expired.
    Cancelled,
    /// Returned to the buyer.
    Refunded,
    /// Charged back by the card holder.
    ChargedBack,
    /// A status this version does not know (kept as sent; not final).
    Other(String),
}

impl OrderStatus {
    /// The stored and wire text (`in_process`).
    pub fn as_str(&self) -> &str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Failed => "failed",
            OrderStatus::Pending => "pending",
            OrderStatus::Approved => "approved",
            OrderStatus::Authorized => "authorized",
            OrderStatus::InProcess => "in_process",
            OrderStatus::InMediation => "in_mediation",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Refunded => "refunded",
            OrderStatus::ChargedBack => "charged_back",
            OrderStatus::Other(s) => s,
        }
    }

    /// Reads the text; unknown values are [`OrderStatus::Other`].
    pub fn parse(text: &str) -> OrderStatus {
        match text {
            "created" => OrderStatus::Created,
            "failed" => OrderStatus::Failed,
            "pending" => OrderStatus::Pending,
            "approved" => OrderStatus::Approved,
            "authorized" => OrderStatus::Authorized,
            "in_process" => OrderStatus::InProcess,
            "in_mediation" => OrderStatus::InMediation,
            "rejected" => OrderStatus::Rejected,
            "cancelled" => OrderStatus::Cancelled,
            "refunded" => OrderStatus::Refunded,
            "charged_back" => OrderStatus::ChargedBack,
            other => OrderStatus::Other(other.to_owned()),
        }
    }

    /// Every status this version knows (all but [`OrderStatus::Other`]): the rows of the
    /// transition table ([`OrderStatus::may_become`]).
    pub const KNOWN: [OrderStatus; 11] = [
        OrderStatus::Created,
        OrderStatus::Failed,
        OrderStatus::Pending,
        OrderStatus::Approved,
        OrderStatus::Authorized,
        OrderStatus::InProcess,
        OrderStatus::InMediation,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
        OrderStatus::Refunded,
        OrderStatus::ChargedBack,
    ];

    /// Whether an order in this status may take a (newer) payment state with status `next`: the
    /// order state machine, Mercado Pago's payment lifecycle. The one place the transitions are
    /// written; the DynamoDB adapter derives its condition from it ([`OrderStatus::predecessors`]).
    ///
    /// | from | may become |
    /// |---|---|
    /// | `created`, `pending`, `in_process`, `authorized` | any status |
    /// | `approved` | `approved`, `in_mediation`, `refunded`, `charged_back` |
    /// | `in_mediation` | `in_mediation`, `approved`, `refunded`, `charged_back` |
    /// | `rejected`, `cancelled`, `refunded`, `charged_back` | only the same status |
    /// | `failed` (ours), unknown ([`OrderStatus::Other`]) | any status (our choice) |
    ///
    /// The same status is always allowed (a newer state of it: a new `status_detail`, such as
    /// `approved`/`partially_refunded` after a partial refund, `charged_back`/`reimbursed`).
    ///
    /// Sources (Mercado Pago's docs):
    /// - the statuses and what each means: the payment reference,
    ///   <https://www.mercadopago.com.ar/developers/en/reference/payments/_payments_id/get>, and
    ///   the SDK's `PaymentStatus`
    ///   (<https://github.com/mercadopago/sdk-dotnet/blob/master/src/MercadoPago/Resource/Payment/PaymentStatus.cs>:
    ///   `in_mediation` "a dispute has been initiated by the buyer", `charged_back` "a chargeback
    ///   was initiated on the buyer's credit card", `refunded` "fully refunded");
    /// - `status`/`status_detail` pairs (`approved`/`partially_refunded`, `authorized`/`pending_capture`,
    ///   `cancelled`/`expired`, `refunded`/`by_admin`, `charged_back`/`settled`|`reimbursed`|`in_process`):
    ///   <https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/response-handling/query-results>;
    /// - `pending`/`in_process` settle to `approved` or `rejected` (same page), `authorized` is
    ///   captured to `approved`
    ///   (<https://www.mercadopago.com.mx/developers/en/docs/checkout-api-payments/payment-management/capture-authorized-payment>);
    /// - only `pending`, `in_process` and `authorized` payments can be cancelled
    ///   (<https://www.mercadopago.com.co/developers/es/reference/online-payments/checkout-pro/create-cancellation/put>),
    ///   only `approved` ones refunded, in full (`refunded`) or in part (still `approved`)
    ///   (<https://www.mercadopago.com.br/developers/en/guides/manage-account/account/cancellations-and-refunds>).
    ///
    /// Our choice, where the docs are silent:
    /// - the open statuses (`created`, `pending`, `in_process`, `authorized`) may become any
    ///   status, not only the documented next ones: nothing has been paid or announced yet, and
    ///   the provider's newer word is the best we have;
    /// - disputes and chargebacks happen to paid payments, so `approved` may become
    ///   `in_mediation` or `charged_back`; a dispute ends `approved` (the seller won),
    ///   `refunded` or `charged_back`;
    /// - `rejected`, `cancelled`, `refunded` and `charged_back` are final: no documented path
    ///   leaves them;
    /// - `failed` (ours: the provider refused the request, so there was no payment) may become
    ///   any status: a payment for the order exists after all, and it is the truth;
    /// - an unknown status ([`OrderStatus::Other`], one Mercado Pago may add) is treated as open
    ///   in both directions: an open order may take it and it may become anything, but it never
    ///   replaces `approved`, `in_mediation` or a final status (a paid order is never un-paid by a
    ///   status we cannot read; the refusal is recorded and logged for a person to look at).
    pub fn may_become(&self, next: &OrderStatus) -> bool {
        use OrderStatus as S;
        match self {
            S::Created | S::Failed | S::Pending | S::InProcess | S::Authorized | S::Other(_) => true,
            S::Approved | S::InMediation => {
                matches!(next, S::Approved | S::InMediation | S::Refunded | S::ChargedBack)
            }
            S::Rejected | S::Cancelled | S::Refunded | S::ChargedBack => next == self,
        }
    }

    /// The statuses an order may be in to take a payment state with this status (the inverse
    /// of [`OrderStatus::may_become`]), as a store's condition needs them.
    pub fn predecessors(&self) -> Predecessors {
        Predecessors {
            known: OrderStatus::KNOWN.into_iter().filter(|from| from.may_become(self)).collect(),
            unknown: OrderStatus::Other(String::new()).may_become(self),
        }
    }

    /// Whether the order is paid and may still be refunded or charged back (`approved`,
    /// `in_mediation`): a change we learn of by webhook, or by reading the payment again.
    pub fn is_paid(&self) -> bool {
        matches!(self, OrderStatus::Approved | OrderStatus::InMediation)
    }

    /// Whether the provider may still change the outcome on its own: `false` for
    /// `failed`, `approved`, `rejected`, `cancelled`, `refunded` and `charged_back` (a refund or
    /// chargeback of an approved payment is a merchant action we learn of by webhook).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            OrderStatus::Failed
                | OrderStatus::Approved
                | OrderStatus::Rejected
                | OrderStatus::Cancelled
                | OrderStatus::Refunded
                | OrderStatus::ChargedBack
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for OrderStatus {
    fn from(value: String) -> Self {
        OrderStatus::parse(&value)
    }
}

impl From<OrderStatus> for String {
    fn from(value: OrderStatus) -> Self {
        value.as_str().to_owned()
    }
}

/// The statuses from which an order may take a given status ([`OrderStatus::predecessors`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Predecessors {
    /// The known statuses ([`OrderStatus::KNOWN`]) that may become it, in that order.
    pub known: Vec<OrderStatus>,
    /// Whether an unknown status ([`OrderStatus::Other`]) may become it.
    pub unknown: bool,
}

impl Predecessors {
    /// Whether an order in `status` may take it.
    pub fn contains(&self, status: &OrderStatus) -> bool {
        match status {
            OrderStatus::Other(_) => self.unknown,
            known => self.known.contains(known),
        }
    }
}

/// How many payment states an order refused (each newer than its own, each not a transition
/// [`OrderStatus::may_become`] allows), and the last one ([`Order::last_anomaly`]).
///
/// Our choice: only the newest refused state is kept, with a count of all of them, so the order
/// item stays bounded however often the provider misbehaves; each one is also logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    /// The order's status, which it kept.
    pub from_status: OrderStatus,
    /// The refused status.
    pub status: OrderStatus,
    /// The refused state's `status_detail`.
    pub status_detail: String,
    /// The provider's payment id.
    pub payment_id: u64,
    /// The refused state's `date_last_updated`, epoch ms.
    #[serde(rename = "mp_last_updated")]
    pub mp_last_updated_ms: i64,
    /// When it was seen (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub seen_at: OffsetDateTime,
}

impl Anomaly {
    /// The anomaly of an order in `from` refusing `update`, seen at `seen_at`.
    pub fn new(from: &OrderStatus, update: &PaymentUpdate, seen_at: OffsetDateTime) -> Anomaly {
        Anomaly {
            from_status: from.clone(),
            status: update.status.clone(),
            status_detail: update.status_detail.clone(),
            payment_id: update.payment_id,
            mp_last_updated_ms: update.mp_last_updated_ms,
            seen_at,
        }
    }
}

/// The stored state of the "order paid" event (attribute `paid_event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaidEventState {
    /// The order became approved; nobody has published yet.
    Due,
    /// Someone holds the claim to publish.
    Claimed,
    /// Published.
    Published,
}

impl PaidEventState {
    /// The stored text (`due`, `claimed`, `published`), as condition expressions compare it.
    pub fn as_str(self) -> &'static str {
        match self {
            PaidEventState::Due => "due",
            PaidEventState::Claimed => "claimed",
            PaidEventState::Published => "published",
        }
    }
}

/// State of the "order paid" event, with its claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaidEvent {
    /// The order became approved; nobody has published yet.
    Due,
    /// Someone is publishing, until the epoch-ms lease runs out.
    Claimed {
        /// Lease end, epoch ms.
        until_ms: i64,
        /// Random token of the claim's holder.
        token: Option<String>,
    },
    /// Published.
    Published,
}

/// Why the provider refused an order's payment request (stored so a retry with the same key
/// gets the same answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Our error code (`validation_failed`).
    pub code: String,
    /// Field errors derived from the provider's cause codes.
    pub fields: FieldErrors,
}

/// What an order is for: everything fixed when it is created (shared by [`NewOrder`] and
/// [`Order`], so the fields are listed once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrder {
    /// The client's `Idempotency-Key`.
    pub idempotency_key: String,
    /// SHA-256 (hex) of the normalized request that made it (`crate::validation::request_hash`).
    pub request_hash: String,
    /// Priced lines.
    #[serde(rename = "items")]
    pub lines: Vec<PricedLine>,
    /// Total, in currency units (stored as the decimal's text: exact; our choice).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// ISO 4217.
    pub currency_id: String,
    /// Buyer language.
    pub lang: Lang,
    /// `visa`, `master`... (for messages).
    pub payment_method_id: String,
    /// Installments asked for (for messages).
    pub installments: u32,
    /// The buyer's e-mail and what the catalog collects ([`crate::buyer::Buyer`]): for
    /// fulfilment, sent in the "order paid" event, never logged. `None` on orders made before
    /// it was kept, and after the merchant erased it (`checkout-admin forget`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<crate::buyer::Buyer>,
}

impl NewOrder {
    /// The lines as the payment answers show them to the buyer (their `items`), in the order
    /// bought: each SKU, its quantity and the catalog unit price as a decimal string with the
    /// currency's decimals (`"18500.00"` ARS, `"18500"` CLP: [`crate::money::amount_text`], as
    /// `amount`). No names (the page has them from the catalog) and nothing about the payer.
    pub fn receipt_lines(&self) -> Vec<ReceiptLine> {
        self.lines
            .iter()
            .map(|line| ReceiptLine {
                sku: line.sku.clone(),
                quantity: line.quantity,
                unit_price: crate::money::amount_text(line.unit_price, &self.currency_id),
            })
            .collect()
    }
}

/// One line of an order as the API writes it ([`NewOrder::receipt_lines`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptLine {
    /// Product SKU.
    pub sku: String,
    /// Units.
    pub quantity: u32,
    /// Price of one unit, with the currency's decimals (`"18500.00"`).
    pub unit_price: String,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Its id.
    pub order_id: OrderId,
    /// What it is for.
    #[serde(flatten)]
    pub terms: NewOrder,
    /// Where it stands.
    pub status: OrderStatus,
    /// The provider's `status_detail` (empty before a payment).
    #[serde(default)]
    pub status_detail: String,
    /// The provider's payment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<u64>,
    /// Creation time (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last change (RFC 3339).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The provider's `date_last_updated` of the applied payment state, epoch ms.
    #[serde(default, rename = "mp_last_updated", skip_serializing_if = "Option::is_none")]
    pub mp_last_updated_ms: Option<i64>,
    /// Last time the payment was read from the provider, epoch ms.
    #[serde(default, rename = "checked_at", skip_serializing_if = "Option::is_none")]
    pub checked_at_ms: Option<i64>,
    /// End of the current attempt's lease, epoch ms.
    #[serde(default, rename = "attempt_lease_until", skip_serializing_if = "Option::is_none")]
    pub attempt_lease_until_ms: Option<i64>,
    /// The event's state ([`Order::paid_event`] adds its claim).
    #[serde(default, rename = "paid_event", skip_serializing_if = "Option::is_none")]
    pub paid_event_state: Option<PaidEventState>,
    /// End of the event claim's lease, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_event_claim_until: Option<i64>,
    /// Token of the event claim's holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_event_claim: Option<String>,
    /// Why the request failed, for [`OrderStatus::Failed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The newest payment state the order refused ([`Order::refuses`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_anomaly: Option<Anomaly>,
    /// How many payment states the order refused.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub anomaly_count: u32,
    /// What has been refunded so far (the payment's `transaction_amount_refunded`), in currency
    /// units; zero until a refund. A partial refund leaves the status `approved` (detail
    /// `partially_refunded`) with this amount.
    #[serde(default, with = "rust_decimal::serde::str", skip_serializing_if = "Decimal::is_zero")]
    pub amount_refunded: Decimal,
    /// The events after payment ([`OrderEvent`]: refunds, cancellation, chargeback), in the
    /// order their states were applied; each is published once (`crate::settle`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<OrderEvent>,
    /// The 3-D Secure challenge of the applied payment state, while it waits for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub three_ds_info: Option<crate::payment::ThreeDsInfo>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Order {
    /// The 3-D Secure challenge the buyer still has to complete: only while the order is
    /// `pending` with `status_detail` `pending_challenge`.
    pub fn challenge(&self) -> Option<&crate::payment::ThreeDsInfo> {
        let waiting = self.status == OrderStatus::Pending && self.status_detail == crate::payment::PENDING_CHALLENGE;
        self.three_ds_info.as_ref().filter(|_| waiting)
    }

    /// A new order in [`OrderStatus::Created`], holding the attempt lease until
    /// `attempt_lease_until_ms` (its creator calls the provider next).
    pub fn create(terms: NewOrder, now: OffsetDateTime, attempt_lease_until_ms: i64) -> Order {
        Order {
            order_id: OrderId::new(),
            terms,
            status: OrderStatus::Created,
            status_detail: String::new(),
            payment_id: None,
            created_at: now,
            updated_at: now,
            mp_last_updated_ms: None,
            checked_at_ms: None,
            attempt_lease_until_ms: Some(attempt_lease_until_ms),
            paid_event_state: None,
            paid_event_claim_until: None,
            paid_event_claim: None,
            failure: None,
            last_anomaly: None,
            anomaly_count: 0,
            amount_refunded: Decimal::ZERO,
            events: Vec::new(),
            three_ds_info: None,
        }
    }

    /// The events to publish now, with their index in [`Order::events`]: those due (or whose
    /// claim ran out at `now_ms`) that are the first with their key. A later state with the key
    /// of an earlier event (the provider touched the payment again with no new refund) is never
    /// published: its first one is, or was.
    pub fn due_events(&self, now_ms: i64) -> Vec<(usize, &OrderEvent)> {
        let mut seen = std::collections::HashSet::new();
        self.events
            .iter()
            .enumerate()
            .filter(|(_, e)| seen.insert(e.key.as_str()))
            .filter(|(_, e)| match e.delivery {
                PaidEventState::Due => true,
                PaidEventState::Claimed => e.claim_until.is_none_or(|until| until < now_ms),
                PaidEventState::Published => false,
            })
            .collect()
    }

    /// Whether the provider may still change this order's outcome on its own.
    pub fn is_final(&self) -> bool {
        self.status.is_final()
    }

    /// The "order paid" event's state.
    pub fn paid_event(&self) -> Option<PaidEvent> {
        Some(match self.paid_event_state? {
            PaidEventState::Due => PaidEvent::Due,
            PaidEventState::Claimed => PaidEvent::Claimed {
                until_ms: self.paid_event_claim_until.unwrap_or(0),
                token: self.paid_event_claim.clone(),
            },
            PaidEventState::Published => PaidEvent::Published,
        })
    }

    /// Whether a payment state is newer than the order's: it belongs to this order's payment
    /// (or the order has none yet) and its date is strictly newer than the applied one.
    pub fn is_newer(&self, update: &PaymentUpdate) -> bool {
        self.payment_id.is_none_or(|id| id == update.payment_id)
            && self.mp_last_updated_ms.is_none_or(|t| t < update.mp_last_updated_ms)
    }

    /// Whether a payment state may be applied: it is newer ([`Order::is_newer`]) and the
    /// lifecycle allows its status after the order's ([`OrderStatus::may_become`]). The
    /// DynamoDB adapter enforces the same rule atomically in its condition expression.
    pub fn accepts(&self, update: &PaymentUpdate) -> bool {
        self.is_newer(update) && self.status.may_become(&update.status)
    }

    /// Whether a payment state is an anomaly: newer than the order's, but a transition the
    /// lifecycle does not allow (a paid order reported `pending`). It is not applied; it is
    /// recorded ([`Anomaly`]).
    pub fn refuses(&self, update: &PaymentUpdate) -> bool {
        self.is_newer(update) && !self.status.may_become(&update.status)
    }
}

/// Result of creating an order for a key (`OrderRepository::begin`).
#[derive(Debug, Clone, PartialEq)]
pub enum Begin {
    /// A new order was created for this key.
    Created(Order),
    /// The key was used before with the same request: its order.
    Existing(Order),
    /// The key was used before with a different request.
    KeyReused,
}

/// A payment state to apply to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentUpdate {
    /// The provider's payment id.
    pub payment_id: u64,
    /// Payment status.
    pub status: OrderStatus,
    /// Payment `status_detail`.
    pub status_detail: String,
    /// `date_last_updated`, epoch ms.
    pub mp_last_updated_ms: i64,
    /// `transaction_amount_refunded`, in currency units (zero when none).
    pub amount_refunded: Decimal,
    /// The event applying it makes ([`PaymentUpdate::event_for`]), appended to the order's
    /// [`Order::events`] by the same write that applies the state.
    pub event: Option<OrderEvent>,
    /// The challenge waiting for the buyer, when the state is one (stored on the order; a
    /// state without one clears it).
    pub three_ds_info: Option<crate::payment::ThreeDsInfo>,
}

impl PaymentUpdate {
    /// The event this state makes when applied to an order of `amount` in `currency_id`:
    /// `order.refunded` for a full (`refunded`) or partial (`amount_refunded` > 0 on a paid
    /// payment) refund, `order.cancelled`, `order.charged_back`; `None` for other states.
    /// Events are due from the write that applies the state (one writer per state).
    pub fn event_for(&self, amount: Decimal, currency_id: &str) -> Option<OrderEvent> {
        let refunded = if self.status == OrderStatus::Refunded && self.amount_refunded.is_zero() {
            amount
        } else {
            self.amount_refunded
        };
        let kind = match self.status {
            OrderStatus::Refunded => EventKind::Refunded,
            OrderStatus::Approved | OrderStatus::InMediation if !refunded.is_zero() => EventKind::Refunded,
            OrderStatus::Cancelled => EventKind::Cancelled,
            OrderStatus::ChargedBack => EventKind::ChargedBack,
            _ => return None,
        };
        let key = match kind {
            EventKind::Refunded => format!("{}:{}", kind.as_str(), crate::money::amount_text(refunded, currency_id)),
            EventKind::Cancelled | EventKind::ChargedBack => kind.as_str().to_owned(),
        };
        Some(OrderEvent {
            key,
            kind,
            status: self.status.clone(),
            status_detail: self.status_detail.clone(),
            amount_refunded: refunded,
            mp_last_updated_ms: self.mp_last_updated_ms,
            delivery: PaidEventState::Due,
            claim_until: None,
            claim: None,
            message_id: None,
        })
    }
}

/// What happened to an order after its payment: an [`OrderEvent`]'s type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// Refunded, in full or in part (`order.refunded`).
    #[serde(rename = "order.refunded")]
    Refunded,
    /// Cancelled (`order.cancelled`): a pending, in-process or authorized payment that will not
    /// be paid.
    #[serde(rename = "order.cancelled")]
    Cancelled,
    /// Charged back by the card holder (`order.charged_back`).
    #[serde(rename = "order.charged_back")]
    ChargedBack,
}

impl EventKind {
    /// The event's type (`order.refunded`).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Refunded => "order.refunded",
            EventKind::Cancelled => "order.cancelled",
            EventKind::ChargedBack => "order.charged_back",
        }
    }
}

/// An event after payment, kept on the order (attribute `events`, a list) until published and
/// after. Its `key` names the change (`order.refunded:5000.00`, `order.cancelled`): only the
/// first event with a key is published ([`Order::due_events`]), so each state change is
/// announced exactly once however often the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEvent {
    /// What changed: the type, and for refunds the total refunded.
    pub key: String,
    /// The event's type.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// The payment's status that made it.
    pub status: OrderStatus,
    /// Its `status_detail`.
    pub status_detail: String,
    /// Total refunded by then, in currency units (zero for cancellations and chargebacks).
    #[serde(with = "rust_decimal::serde::str")]
    pub amount_refunded: Decimal,
    /// The state's `date_last_updated`, epoch ms.
    #[serde(rename = "mp_last_updated")]
    pub mp_last_updated_ms: i64,
    /// Where its publication stands.
    pub delivery: PaidEventState,
    /// End of the publisher's claim, epoch ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_until: Option<i64>,
    /// The claim holder's random token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// The topic's message id, once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// Result of applying a payment state (`OrderRepository::apply_payment`).
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// The order moved to the new state. `claimed`: this call took the "order paid" event's
    /// claim (the first approval) and must publish it.
    Updated {
        /// The order after the update.
        order: Order,
        /// Whether the caller holds the event's claim.
        claimed: bool,
    },
    /// The order already had this or a newer state (a replay, or out of order), or the state is
    /// newer but its status may not follow the order's ([`Order::refuses`]): unchanged.
    Stale(Order),
    /// No such order.
    NotFound,
}

/// Result of recording a refused payment state (`OrderRepository::record_anomaly`).
#[derive(Debug, Clone, PartialEq)]
pub enum AnomalyRecord {
    /// This call recorded it: the order after the write.
    Recorded(Order),
    /// Not recorded, and the order as it is: it was recorded already (or a newer anomaly was),
    /// the order's status is no longer the one given, or the state is no longer newer.
    Unchanged(Order),
    /// No such order.
    NotFound,
}

/// Milliseconds since the epoch.
pub fn epoch_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// `now + lease` in epoch ms.
pub fn lease_until_ms(now: OffsetDateTime, lease: Duration) -> i64 {
    epoch_ms(now).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn order_ids_are_canonical_uuids() {
        let id = OrderId::new();
        assert_eq!(OrderId::parse(id.as_str()), Ok(id.clone()));
        assert_eq!(OrderId::parse(&id.as_str().to_uppercase()), Err(InvalidOrderId));
        assert_eq!(OrderId::parse("order#1"), Err(InvalidOrderId));
        assert_eq!(OrderId::parse(""), Err(InvalidOrderId));
    }

    #[test]
    fn statuses_round_trip_and_only_settled_ones_are_final() {
        for text in [
            "created",
            "failed",
            "pending",
            "approved",
            "authorized",
            "in_process",
            "in_mediation",
            "rejected",
            "cancelled",
            "refunded",
            "charged_back",
            "something_new",
        ] {
            assert_eq!(OrderStatus::parse(text).as_str(), text);
        }
        assert!(!OrderStatus::Created.is_final());
        assert!(!OrderStatus::InProcess.is_final());
        assert!(!OrderStatus::Other("x".into()).is_final());
        assert!(OrderStatus::Approved.is_final() && OrderStatus::Failed.is_final());
    }

    fn order() -> Order {
        Order::create(crate::memory::new_order("k"), OffsetDateTime::UNIX_EPOCH, 0)
    }

    #[test]
    fn only_newer_states_of_the_same_payment_are_accepted() {
        let update = |payment_id, t| PaymentUpdate {
            payment_id,
            status: OrderStatus::Approved,
            status_detail: "accredited".into(),
            mp_last_updated_ms: t,
            amount_refunded: Decimal::ZERO,
            event: None,
            three_ds_info: None,
        };
        let fresh = order();
        assert!(fresh.accepts(&update(7, 10)));
        let applied = Order { payment_id: Some(7), mp_last_updated_ms: Some(10), ..order() };
        assert!(!applied.accepts(&update(7, 10)), "a replay");
        assert!(!applied.accepts(&update(7, 9)), "out of order");
        assert!(applied.accepts(&update(7, 11)));
        assert!(!applied.accepts(&update(8, 11)), "another payment");
    }

    /// Every status a transition test walks: the known ones and an unknown one.
    fn every_status() -> Vec<OrderStatus> {
        OrderStatus::KNOWN.into_iter().chain([OrderStatus::Other("something_new".into())]).collect()
    }

    #[test]
    fn the_transition_table_is_mercado_pagos_lifecycle() {
        // Each row: from, and every status it may become (written out, not computed).
        let open = "created failed pending approved authorized in_process in_mediation rejected cancelled refunded charged_back something_new";
        let table = [
            ("created", open),
            ("failed", open),
            ("pending", open),
            ("in_process", open),
            ("authorized", open),
            ("something_new", open),
            ("approved", "approved in_mediation refunded charged_back"),
            ("in_mediation", "approved in_mediation refunded charged_back"),
            ("rejected", "rejected"),
            ("cancelled", "cancelled"),
            ("refunded", "refunded"),
            ("charged_back", "charged_back"),
        ];
        assert_eq!(table.len(), every_status().len(), "one row per status");
        for (from, allowed) in table {
            let from = OrderStatus::parse(from);
            let allowed: Vec<&str> = allowed.split(' ').collect();
            for next in every_status() {
                assert_eq!(from.may_become(&next), allowed.contains(&next.as_str()), "{from} -> {next}");
            }
        }
    }

    #[test]
    fn a_paid_order_is_never_unpaid_and_a_final_one_never_reopens() {
        for next in ["created", "failed", "pending", "in_process", "authorized", "rejected", "cancelled", "other"] {
            assert!(!OrderStatus::Approved.may_become(&OrderStatus::parse(next)), "approved -> {next}");
            assert!(!OrderStatus::InMediation.may_become(&OrderStatus::parse(next)), "in_mediation -> {next}");
        }
        for from in ["rejected", "cancelled", "refunded", "charged_back"] {
            let from = OrderStatus::parse(from);
            assert!(!from.may_become(&OrderStatus::Approved), "{from} -> approved");
            assert!(!from.may_become(&OrderStatus::Pending), "{from} -> pending");
        }
        // The documented paths.
        let path = |from: OrderStatus, next: OrderStatus| assert!(from.may_become(&next), "{from} -> {next}");
        path(OrderStatus::Pending, OrderStatus::Approved);
        path(OrderStatus::InProcess, OrderStatus::Rejected);
        path(OrderStatus::Authorized, OrderStatus::Approved);
        path(OrderStatus::Authorized, OrderStatus::Cancelled);
        path(OrderStatus::Approved, OrderStatus::Refunded);
        path(OrderStatus::Approved, OrderStatus::ChargedBack);
        path(OrderStatus::Approved, OrderStatus::InMediation);
        path(OrderStatus::InMediation, OrderStatus::Approved);
    }

    #[test]
    fn every_status_may_take_a_newer_state_of_itself() {
        for status in every_status() {
            assert!(status.may_become(&status), "{status}");
        }
    }

    #[test]
    fn predecessors_are_the_inverse_of_the_table() {
        for next in every_status() {
            let before = next.predecessors();
            assert!(before.known.contains(&OrderStatus::Created), "a new order may take {next}");
            for from in every_status() {
                assert_eq!(before.contains(&from), from.may_become(&next), "{from} -> {next}");
            }
        }
        assert_eq!(
            OrderStatus::Pending.predecessors(),
            Predecessors {
                known: vec![
                    OrderStatus::Created,
                    OrderStatus::Failed,
                    OrderStatus::Pending,
                    OrderStatus::Authorized,
                    OrderStatus::InProcess
                ],
                unknown: true
            }
        );
    }

    /// What `settle` relies on: a status that refuses `next` can only move to statuses that
    /// refuse it too, so a refusal never turns into an acceptance under a racing writer.
    #[test]
    fn refusing_a_status_is_kept_by_every_allowed_move() {
        for next in every_status() {
            for from in every_status().into_iter().filter(|f| !f.may_become(&next)) {
                for moved in every_status().into_iter().filter(|m| from.may_become(m)) {
                    assert!(!moved.may_become(&next), "{from} refuses {next}, but {from} -> {moved} accepts it");
                }
            }
        }
    }

    #[test]
    fn newer_states_are_accepted_or_refused_by_the_lifecycle() {
        let update = |status, t| PaymentUpdate {
            payment_id: 7,
            status,
            status_detail: "pending_contingency".into(),
            mp_last_updated_ms: t,
            amount_refunded: Decimal::ZERO,
            event: None,
            three_ds_info: None,
        };
        let paid =
            Order { status: OrderStatus::Approved, payment_id: Some(7), mp_last_updated_ms: Some(10), ..order() };
        assert!(paid.refuses(&update(OrderStatus::Pending, 11)) && !paid.accepts(&update(OrderStatus::Pending, 11)));
        assert!(!paid.refuses(&update(OrderStatus::Pending, 9)), "an older state is stale, not an anomaly");
        assert!(!paid.refuses(&update(OrderStatus::Pending, 10)), "nor is a replay");
        assert!(paid.accepts(&update(OrderStatus::Refunded, 11)) && !paid.refuses(&update(OrderStatus::Refunded, 11)));
        assert!(paid.accepts(&update(OrderStatus::Approved, 11)), "a new status_detail (partially_refunded)");
        let foreign = PaymentUpdate { payment_id: 8, ..update(OrderStatus::Pending, 11) };
        assert!(!paid.refuses(&foreign) && !paid.accepts(&foreign), "another payment is neither");
    }

    fn state(status: &str, detail: &str, refunded: i64) -> PaymentUpdate {
        PaymentUpdate {
            payment_id: 7,
            status: OrderStatus::parse(status),
            status_detail: detail.into(),
            mp_last_updated_ms: 1,
            amount_refunded: Decimal::new(refunded, 2),
            event: None,
            three_ds_info: None,
        }
    }

    #[test]
    fn refunds_cancellations_and_chargebacks_make_events_keyed_by_what_changed() {
        let amount = Decimal::new(1_850_000, 2);
        let key = |u: PaymentUpdate| u.event_for(amount, "ARS").map(|e| (e.kind, e.key, e.amount_refunded));
        assert_eq!(key(state("approved", "accredited", 0)), None, "a payment is order.paid, not one of these");
        assert_eq!(key(state("pending", "pending_contingency", 0)), None);
        assert_eq!(key(state("rejected", "cc_rejected_other_reason", 0)), None);
        assert_eq!(
            key(state("approved", "partially_refunded", 500_000)),
            Some((EventKind::Refunded, "order.refunded:5000.00".into(), Decimal::new(500_000, 2)))
        );
        assert_eq!(
            key(state("refunded", "refunded", 1_850_000)),
            Some((EventKind::Refunded, "order.refunded:18500.00".into(), amount))
        );
        assert_eq!(
            key(state("refunded", "by_admin", 0)).map(|k| k.1),
            Some("order.refunded:18500.00".into()),
            "a refunded payment without the sum refunded everything"
        );
        assert_eq!(key(state("cancelled", "by_collector", 0)).map(|k| k.1), Some("order.cancelled".into()));
        assert_eq!(key(state("charged_back", "settled", 0)).map(|k| k.1), Some("order.charged_back".into()));
        let e = state("charged_back", "settled", 0).event_for(amount, "ARS").expect("event");
        assert_eq!(
            serde_json::to_value(&e).expect("json"),
            serde_json::json!({"key": "order.charged_back", "type": "order.charged_back", "status": "charged_back",
                               "status_detail": "settled", "amount_refunded": "0.00", "mp_last_updated": 1,
                               "delivery": "due"})
        );
    }

    #[test]
    fn only_the_first_event_with_a_key_is_ever_due() {
        let amount = Decimal::new(1_850_000, 2);
        let event = |u: PaymentUpdate| u.event_for(amount, "ARS").expect("event");
        let partial = event(state("approved", "partially_refunded", 500_000));
        let mut o = order();
        o.events = vec![partial.clone(), partial.clone(), event(state("refunded", "refunded", 1_850_000))];
        let due: Vec<usize> = o.due_events(100).into_iter().map(|(i, _)| i).collect();
        assert_eq!(due, vec![0, 2], "the repeated partial refund is not announced twice");
        o.events[0].delivery = PaidEventState::Published;
        o.events[2] = OrderEvent { delivery: PaidEventState::Claimed, claim_until: Some(150), ..o.events[2].clone() };
        assert!(o.due_events(100).is_empty(), "published, and claimed until 150");
        assert_eq!(o.due_events(151).len(), 1, "a claim that ran out is due again");
    }

    #[test]
    fn an_anomaly_is_stored_under_its_attribute_names() {
        let update = PaymentUpdate {
            payment_id: 7,
            status: OrderStatus::Pending,
            status_detail: "pending_contingency".into(),
            mp_last_updated_ms: 11,
            amount_refunded: Decimal::ZERO,
            event: None,
            three_ds_info: None,
        };
        let anomaly = Anomaly::new(&OrderStatus::Approved, &update, OffsetDateTime::UNIX_EPOCH);
        let o = Order { last_anomaly: Some(anomaly.clone()), anomaly_count: 2, ..order() };
        let json = serde_json::to_value(&o).expect("json");
        assert_eq!(
            json["last_anomaly"],
            serde_json::json!({"from_status": "approved", "status": "pending", "status_detail": "pending_contingency",
                               "payment_id": 7, "mp_last_updated": 11, "seen_at": "1970-01-01T00:00:00Z"})
        );
        assert_eq!(json["anomaly_count"], 2);
        assert_eq!(serde_json::from_value::<Order>(json).expect("order"), o);
        let clean = serde_json::to_value(order()).expect("json");
        assert!(
            clean.get("last_anomaly").is_none() && clean.get("anomaly_count").is_none(),
            "absent until one happens"
        );
    }

    #[test]
    fn the_paid_event_reads_its_three_attributes() {
        let claimed = Order {
            paid_event_state: Some(PaidEventState::Claimed),
            paid_event_claim_until: Some(5),
            paid_event_claim: Some("t".into()),
            ..order()
        };
        assert_eq!(claimed.paid_event(), Some(PaidEvent::Claimed { until_ms: 5, token: Some("t".into()) }));
        assert_eq!(order().paid_event(), None);
    }

    #[test]
    fn receipt_lines_show_unit_prices_with_the_currency_decimals() {
        let line = |sku: &str, quantity, unit_price| PricedLine {
            sku: sku.into(),
            name: "Nombre".into(),
            quantity,
            unit_price,
            line_total: unit_price * Decimal::from(quantity),
        };
        let ars = NewOrder {
            lines: vec![line("mate-calabaza", 2, Decimal::new(18500, 0)), line("yerba-1kg", 1, Decimal::new(72505, 1))],
            ..crate::memory::new_order("k")
        };
        let lines = ars.receipt_lines();
        assert_eq!(
            serde_json::to_value(&lines).expect("json"),
            serde_json::json!([
                {"sku": "mate-calabaza", "quantity": 2, "unit_price": "18500.00"},
                {"sku": "yerba-1kg", "quantity": 1, "unit_price": "7250.50"},
            ])
        );
        let clp = NewOrder { currency_id: "CLP".into(), ..ars };
        assert_eq!(clp.receipt_lines().first().map(|l| l.unit_price.as_str()), Some("18500"));
        assert!(crate::memory::new_order("k").receipt_lines().is_empty());
    }

    #[test]
    fn order_numbers_are_the_first_50_bits_in_crockford_base32() {
        let number = |id: &str| OrderId::parse(id).expect("an order id").order_number();
        assert_eq!(number("0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10"), "1DF1S-3MA79");
        assert_eq!(number("3f1c2a9e-6b7d-4c1e-9f3a-2b8d5e7c4a10"), "7WE2N-7KBFN");
        assert_eq!(number("00000000-0000-4000-8000-000000000000"), "00000-00001", "the v4 version bits");
        assert_eq!(number("ffffffff-ffff-4fff-bfff-ffffffffffff"), "ZZZZZ-ZZZZX");
        assert_eq!(number("ffffffff-ffff-ffff-ffff-ffffffffffff"), "ZZZZZ-ZZZZZ");
        // Only the first 50 bits count: the rest of the id does not change the number.
        assert_eq!(number("0b5e1c8e-8a3a-4b6a-8000-000000000000"), "1DF1S-3MA79");
        assert_ne!(number("0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10"), number("0b5e1c8e-8a3b-4b6a-9a59-2f1d1c3f7a10"));
    }

    proptest! {
        #[test]
        fn parsing_any_text_as_an_order_id_never_panics(text in "\\PC{0,64}") {
            let _ = OrderId::parse(&text);
        }

        #[test]
        fn order_numbers_are_deterministic_11_characters_of_the_alphabet(bytes in any::<[u8; 16]>()) {
            let id = OrderId::parse(&uuid::Uuid::from_bytes(bytes).hyphenated().to_string()).expect("an order id");
            let number = id.order_number();
            prop_assert_eq!(&number, &id.clone().order_number());
            prop_assert_eq!(&number, &OrderId::parse(id.as_str()).expect("same id").order_number());
            prop_assert_eq!(number.chars().count(), 11);
            prop_assert_eq!(number.chars().nth(5), Some('-'));
            prop_assert!(
                number.chars().enumerate().all(|(i, c)| if i == 5 { c == '-' } else { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c) }),
                "{}", number
            );
            // The first 50 bits, read back from the number, are the id's.
            let decoded = number
                .chars()
                .filter(|&c| c != '-')
                .fold(0u128, |acc, c| (acc << 5) | "0123456789ABCDEFGHJKMNPQRSTVWXYZ".find(c).expect("in the alphabet") as u128);
            prop_assert_eq!(decoded, u128::from_be_bytes(bytes) >> 78);
        }

        #[test]
        fn new_ids_are_v4_so_their_numbers_end_in_01(_seed in any::<u8>()) {
            let id = OrderId::new();
            prop_assert_eq!(uuid::Uuid::parse_str(id.as_str()).map(|u| u.get_version_num()).ok(), Some(4));
            let last = id.order_number().chars().last().expect("a character");
            prop_assert!("159DHNSX".contains(last), "{}", last);
        }
    }
}
