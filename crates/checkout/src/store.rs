//! The order store: one DynamoDB table (on-demand, string hash key `pk`), two kinds of item.
//!
//! - `order#<order_id>`: the order — lines, amount (a DynamoDB number, exact), currency,
//!   status and status_detail, payment_id, timestamps, `mp_last_updated` (epoch ms of Mercado
//!   Pago's `date_last_updated`), the "order paid" event state. No card data, no e-mail, no
//!   document number.
//! - `idem#<idempotency key>`: which order a key made, and a hash of the request that made it.
//!   Kept 7 days (`expires_at`, the table's TTL attribute).
//!
//! Conditional writes make the rules hold under concurrency and across cold starts:
//! - [`OrderStore::begin`] writes both items in one transaction, each only if absent: one key
//!   maps to one order, however many requests race.
//! - [`OrderStore::acquire_attempt`] leases the right to call Mercado Pago for an order, so
//!   concurrent duplicates wait for the first attempt instead of calling too.
//! - [`OrderStore::apply_payment`] moves an order only to a strictly newer `date_last_updated`:
//!   replays and out-of-order deliveries never move it backwards.
//! - [`OrderStore::claim_paid_event`] lets exactly one caller publish the "order paid" event.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
};
use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::catalog::PricedLine;
use crate::messages::Lang;
use crate::validation::FieldErrors;

/// How long a publisher holds the "order paid" event before another may try (an SNS publish
/// takes milliseconds; a Lambda that dies mid-publish frees it after this).
pub const PAID_EVENT_LEASE: Duration = Duration::from_secs(30);

/// How long an idempotency record is kept (the table's TTL deletes it later).
pub const IDEMPOTENCY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Our order states before (or instead of) a Mercado Pago payment; the rest are Mercado Pago's
/// payment statuses.
pub mod status {
    /// The order exists; no payment yet (the call to Mercado Pago is pending or failed
    /// transiently and can be retried with the same key).
    pub const CREATED: &str = "created";
    /// Mercado Pago refused the request (invalid token, e-mail...): final for this key.
    pub const FAILED: &str = "failed";
}

/// State of the "order paid" event.
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

/// Why Mercado Pago refused an order's payment request (stored so a retry with the same key
/// gets the same answer).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    /// Our error code (`validation_failed`).
    pub code: String,
    /// Field errors derived from Mercado Pago's cause codes.
    pub fields: FieldErrors,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// UUID v4, also the payment's `external_reference`.
    pub order_id: String,
    /// The key that created it.
    pub idempotency_key: String,
    /// SHA-256 of the request that created it.
    pub request_hash: String,
    /// Priced lines.
    pub lines: Vec<PricedLine>,
    /// Total, in currency units.
    pub amount: Decimal,
    /// ISO 4217.
    pub currency_id: String,
    /// Buyer language.
    pub lang: Lang,
    /// `visa`, `master`... (for messages).
    pub payment_method_id: String,
    /// Installments asked for (for messages).
    pub installments: u32,
    /// [`status`] constants or Mercado Pago's payment status.
    pub status: String,
    /// Mercado Pago's `status_detail` (empty before a payment).
    pub status_detail: String,
    /// Mercado Pago payment id.
    pub payment_id: Option<u64>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Mercado Pago's `date_last_updated` of the applied payment state, epoch ms.
    pub mp_last_updated_ms: Option<i64>,
    /// Last time the payment was read from Mercado Pago, epoch ms.
    pub checked_at_ms: Option<i64>,
    /// End of the current attempt's lease, epoch ms.
    pub attempt_lease_until_ms: Option<i64>,
    /// "Order paid" event state.
    pub paid_event: Option<PaidEvent>,
    /// Why the request failed, for [`status::FAILED`].
    pub failure: Option<Failure>,
}

/// What [`OrderStore::begin`] needs to create an order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The client's `Idempotency-Key`.
    pub idempotency_key: String,
    /// SHA-256 of the normalized request.
    pub request_hash: String,
    /// Priced lines.
    pub lines: Vec<PricedLine>,
    /// Total.
    pub amount: Decimal,
    /// Currency.
    pub currency_id: String,
    /// Buyer language.
    pub lang: Lang,
    /// Payment method.
    pub payment_method_id: String,
    /// Installments.
    pub installments: u32,
}

/// Result of [`OrderStore::begin`].
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
    /// Mercado Pago payment id.
    pub payment_id: u64,
    /// Payment status.
    pub status: String,
    /// Payment status_detail.
    pub status_detail: String,
    /// `date_last_updated`, epoch ms.
    pub mp_last_updated_ms: i64,
}

/// Result of [`OrderStore::apply_payment`].
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
    /// The order already had this or a newer state (a replay, or out of order): unchanged.
    Stale(Order),
    /// No such order.
    NotFound,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB failed (throttling, unreachable, permissions...).
    #[error("DynamoDB error: {0}")]
    Dynamo(String),
    /// An item does not have the expected shape.
    #[error("stored order is malformed: {0}")]
    Corrupt(String),
}

fn dynamo<E>(e: aws_sdk_dynamodb::error::SdkError<E>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    StoreError::Dynamo(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}

/// Milliseconds since the epoch.
pub fn epoch_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn order_key(order_id: &str) -> String {
    format!("order#{order_id}")
}

fn idem_key(key: &str) -> String {
    format!("idem#{key}")
}

type Item = HashMap<String, AttributeValue>;

fn get_s<'a>(item: &'a Item, k: &str) -> Result<&'a str, StoreError> {
    item.get(k)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::Corrupt(format!("missing {k}")))
}

fn opt_s<'a>(item: &'a Item, k: &str) -> Option<&'a str> {
    item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str)
}

fn opt_n<T: FromStr>(item: &Item, k: &str) -> Option<T> {
    item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn parse_time(item: &Item, k: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(get_s(item, k)?, &time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("{k}: {e}")))
}

impl Order {
    fn from_item(item: &Item) -> Result<Order, StoreError> {
        let lines: Vec<PricedLine> =
            serde_json::from_str(get_s(item, "items")?).map_err(|e| StoreError::Corrupt(format!("items: {e}")))?;
        let amount = item
            .get("amount")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| Decimal::from_str(v).ok())
            .ok_or_else(|| StoreError::Corrupt("amount".into()))?;
        let paid_event = match opt_s(item, "paid_event") {
            None => None,
            Some("due") => Some(PaidEvent::Due),
            Some("claimed") => Some(PaidEvent::Claimed {
                until_ms: opt_n(item, "paid_event_claim_until").unwrap_or(0),
                token: opt_s(item, "paid_event_claim").map(str::to_owned),
            }),
            Some("published") => Some(PaidEvent::Published),
            Some(other) => return Err(StoreError::Corrupt(format!("paid_event {other:?}"))),
        };
        let failure = match opt_s(item, "failure") {
            None => None,
            Some(f) => Some(serde_json::from_str(f).map_err(|e| StoreError::Corrupt(format!("failure: {e}")))?),
        };
        Ok(Order {
            order_id: get_s(item, "order_id")?.to_owned(),
            idempotency_key: get_s(item, "idempotency_key")?.to_owned(),
            request_hash: get_s(item, "request_hash")?.to_owned(),
            lines,
            amount,
            currency_id: get_s(item, "currency_id")?.to_owned(),
            lang: opt_s(item, "lang").and_then(Lang::from_locale).unwrap_or(Lang::Es),
            payment_method_id: opt_s(item, "payment_method_id").unwrap_or_default().to_owned(),
            installments: opt_n(item, "installments").unwrap_or(1),
            status: get_s(item, "status")?.to_owned(),
            status_detail: opt_s(item, "status_detail").unwrap_or_default().to_owned(),
            payment_id: opt_n(item, "payment_id"),
            created_at: parse_time(item, "created_at")?,
            updated_at: parse_time(item, "updated_at")?,
            mp_last_updated_ms: opt_n(item, "mp_last_updated"),
            checked_at_ms: opt_n(item, "checked_at"),
            attempt_lease_until_ms: opt_n(item, "attempt_lease_until"),
            paid_event,
            failure,
        })
    }

    /// Whether Mercado Pago may still change this order's outcome on its own.
    pub fn is_final(&self) -> bool {
        match self.status.as_str() {
            status::CREATED => false,
            status::FAILED => true,
            other => mercadopago::PaymentStatus::parse(other).is_final(),
        }
    }
}

/// The DynamoDB-backed order store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OrderStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl OrderStore {
    /// A store over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        OrderStore { client, table: table.into() }
    }

    /// Creates the table as the SAM template defines it (for local stacks and tests): on-demand,
    /// hash key `pk` (string), TTL on `expires_at`.
    pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Dynamo(e.to_string());
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder().attribute_name("pk").key_type(KeyType::Hash).build().map_err(build)?,
            )
            .send()
            .await
            .map_err(dynamo)?;
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name("expires_at").enabled(true).build().map_err(build)?,
            )
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    /// Creates the order for an idempotency key, or finds the one the key already made. A new
    /// order is created holding the attempt lease for `lease` (its creator calls Mercado Pago
    /// next), so the common path needs no separate [`OrderStore::acquire_attempt`].
    pub async fn begin(&self, new: NewOrder, lease: Duration) -> Result<Begin, StoreError> {
        let now = OffsetDateTime::now_utc();
        let lease_until = epoch_ms(now) + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let order_id = uuid::Uuid::new_v4().to_string();
        let items_json = serde_json::to_string(&new.lines).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let expires_at = now.unix_timestamp() + i64::try_from(IDEMPOTENCY_RETENTION.as_secs()).unwrap_or(0);
        let idem_item: Item = HashMap::from([
            ("pk".into(), s(idem_key(&new.idempotency_key))),
            ("kind".into(), s("idempotency")),
            ("order_id".into(), s(&order_id)),
            ("request_hash".into(), s(&new.request_hash)),
            ("created_at".into(), s(rfc3339(now))),
            ("expires_at".into(), n(expires_at)),
        ]);
        let order_item: Item = HashMap::from([
            ("pk".into(), s(order_key(&order_id))),
            ("kind".into(), s("order")),
            ("order_id".into(), s(&order_id)),
            ("idempotency_key".into(), s(&new.idempotency_key)),
            ("request_hash".into(), s(&new.request_hash)),
            ("items".into(), s(items_json)),
            ("amount".into(), n(new.amount)),
            ("currency_id".into(), s(&new.currency_id)),
            ("lang".into(), s(new.lang.code())),
            ("payment_method_id".into(), s(&new.payment_method_id)),
            ("installments".into(), n(new.installments)),
            ("status".into(), s(status::CREATED)),
            ("created_at".into(), s(rfc3339(now))),
            ("updated_at".into(), s(rfc3339(now))),
            ("attempt_lease_until".into(), n(lease_until)),
            ("attempts".into(), n(1)),
        ]);
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map(|p| TransactWriteItem::builder().put(p).build())
                .map_err(|e| StoreError::Dynamo(e.to_string()))
        };
        let result = self
            .client
            .transact_write_items()
            .transact_items(put(idem_item)?)
            .transact_items(put(order_item)?)
            .send()
            .await;
        match result {
            // Exactly what was written; no need to read it back.
            Ok(_) => Ok(Begin::Created(Order {
                order_id,
                idempotency_key: new.idempotency_key,
                request_hash: new.request_hash,
                lines: new.lines,
                amount: new.amount,
                currency_id: new.currency_id,
                lang: new.lang,
                payment_method_id: new.payment_method_id,
                installments: new.installments,
                status: status::CREATED.to_owned(),
                status_detail: String::new(),
                payment_id: None,
                created_at: now,
                updated_at: now,
                mp_last_updated_ms: None,
                checked_at_ms: None,
                attempt_lease_until_ms: Some(lease_until),
                paid_event: None,
                failure: None,
            })),
            Err(e) => {
                let key_taken = e
                    .as_service_error()
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                            c.cancellation_reasons().first().and_then(|r| r.code()).map(|c| c == "ConditionalCheckFailed")
                        }
                        _ => None,
                    })
                    .unwrap_or(false);
                if !key_taken {
                    return Err(dynamo(e));
                }
                self.existing_for_key(&new.idempotency_key, &new.request_hash).await
            }
        }
    }

    async fn existing_for_key(&self, key: &str, request_hash: &str) -> Result<Begin, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(idem_key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?
            .item
            .ok_or_else(|| StoreError::Corrupt("idempotency record vanished".into()))?;
        if get_s(&item, "request_hash")? != request_hash {
            return Ok(Begin::KeyReused);
        }
        let order_id = get_s(&item, "order_id")?;
        let order = self
            .get(order_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("order {order_id} of a key is missing")))?;
        Ok(Begin::Existing(order))
    }

    /// The order, read consistently.
    pub async fn get(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(order_key(order_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        out.item.as_ref().map(Order::from_item).transpose()
    }

    fn update(&self, order_id: &str) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(order_key(order_id)))
            .return_values(ReturnValue::AllNew)
    }

    /// Takes the lease to call Mercado Pago for a `created` order, for `lease`. `Ok(None)` when
    /// another attempt holds it or the order is no longer `created`.
    pub async fn acquire_attempt(&self, order_id: &str, lease: Duration) -> Result<Option<Order>, StoreError> {
        let now = epoch_ms(OffsetDateTime::now_utc());
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let result = self
            .update(order_id)
            .update_expression("SET attempt_lease_until = :until, attempts = if_not_exists(attempts, :zero) + :one")
            .condition_expression(
                "#status = :created AND (attribute_not_exists(attempt_lease_until) OR attempt_lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":created", s(status::CREATED))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(out) => out.attributes.as_ref().map(Order::from_item).transpose(),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Gives the lease back (the attempt failed transiently; a retry may start at once).
    pub async fn release_attempt(&self, order_id: &str) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression("REMOVE attempt_lease_until")
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    /// Marks a `created` order as failed (Mercado Pago refused the request).
    pub async fn record_failure(&self, order_id: &str, failure: &Failure) -> Result<Option<Order>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let failure_json = serde_json::to_string(failure).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = self
            .update(order_id)
            .update_expression(
                "SET #status = :failed, failure = :failure, updated_at = :now REMOVE attempt_lease_until",
            )
            .condition_expression("#status = :created")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s(status::FAILED))
            .expression_attribute_values(":created", s(status::CREATED))
            .expression_attribute_values(":failure", s(failure_json))
            .expression_attribute_values(":now", s(rfc3339(now)))
            .send()
            .await;
        match result {
            Ok(out) => out.attributes.as_ref().map(Order::from_item).transpose(),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                self.get(order_id).await
            }
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Applies a payment state if it is strictly newer than the stored one (by Mercado Pago's
    /// `date_last_updated`) and belongs to the same payment. The first approval also claims the
    /// "order paid" event for the caller, in the same write ([`Applied::Updated`] `claimed`):
    /// one round trip instead of two on the common path, and still exactly one claimant, because
    /// only one caller can apply a given state.
    pub async fn apply_payment(&self, order_id: &str, update: &PaymentUpdate) -> Result<Applied, StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut expression = String::from(
            "SET #status = :status, status_detail = :detail, payment_id = :pid, mp_last_updated = :t, \
             updated_at = :now, checked_at = :now_ms",
        );
        let approved = update.status == "approved";
        let token = uuid::Uuid::new_v4().to_string();
        if approved {
            expression.push_str(
                ", paid_event = if_not_exists(paid_event, :claimed), \
                 paid_event_claim = if_not_exists(paid_event_claim, :token), \
                 paid_event_claim_until = if_not_exists(paid_event_claim_until, :until), \
                 paid_at = if_not_exists(paid_at, :now)",
            );
        }
        expression.push_str(" REMOVE attempt_lease_until");
        let mut request = self
            .update(order_id)
            .update_expression(expression)
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(mp_last_updated) OR mp_last_updated < :t) \
                 AND (attribute_not_exists(payment_id) OR payment_id = :pid)",
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(&update.status))
            .expression_attribute_values(":detail", s(&update.status_detail))
            .expression_attribute_values(":pid", n(update.payment_id))
            .expression_attribute_values(":t", n(update.mp_last_updated_ms))
            .expression_attribute_values(":now", s(rfc3339(now)))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)));
        if approved {
            let until = epoch_ms(now) + i64::try_from(PAID_EVENT_LEASE.as_millis()).unwrap_or(i64::MAX);
            request = request
                .expression_attribute_values(":claimed", s("claimed"))
                .expression_attribute_values(":token", s(&token))
                .expression_attribute_values(":until", n(until));
        }
        match request.send().await {
            Ok(out) => Ok(match out.attributes.as_ref().map(Order::from_item).transpose()? {
                Some(order) => {
                    let claimed =
                        matches!(&order.paid_event, Some(PaidEvent::Claimed { token: Some(t), .. }) if *t == token);
                    Applied::Updated { order, claimed }
                }
                None => Applied::NotFound,
            }),
            Err(e) => match e.into_service_error() {
                // The stored state is as new or newer (or another payment's): the failed
                // condition hands back the item, so no second read is needed.
                UpdateItemError::ConditionalCheckFailedException(failed) => match failed.item() {
                    Some(item) => Ok(Applied::Stale(Order::from_item(item)?)),
                    None => Ok(Applied::NotFound),
                },
                other => Err(StoreError::Dynamo(aws_sdk_dynamodb::error::DisplayErrorContext(other).to_string())),
            },
        }
    }

    /// Records that the payment was just read from Mercado Pago (so polling does not re-read it
    /// at once). Returns the order, or `None` if it does not exist.
    pub async fn touch_checked(&self, order_id: &str) -> Result<Option<Order>, StoreError> {
        let result = self
            .update(order_id)
            .update_expression("SET checked_at = :now_ms")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now_ms", n(epoch_ms(OffsetDateTime::now_utc())))
            .send()
            .await;
        match result {
            Ok(out) => out.attributes.as_ref().map(Order::from_item).transpose(),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(None),
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Claims the right to publish the "order paid" event: succeeds for exactly one caller while
    /// the event is due (or a previous claim's lease ran out without publishing).
    pub async fn claim_paid_event(&self, order_id: &str, lease: Duration) -> Result<bool, StoreError> {
        let now = epoch_ms(OffsetDateTime::now_utc());
        let until = now + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let result = self
            .update(order_id)
            .update_expression("SET paid_event = :claimed, paid_event_claim_until = :until, paid_event_claim = :token")
            .condition_expression("paid_event = :due OR (paid_event = :claimed AND paid_event_claim_until < :now)")
            .expression_attribute_values(":claimed", s("claimed"))
            .expression_attribute_values(":token", s(uuid::Uuid::new_v4().to_string()))
            .expression_attribute_values(":due", s("due"))
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Marks the event published (after SNS accepted it).
    pub async fn mark_paid_event_published(&self, order_id: &str, message_id: &str) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression(
                "SET paid_event = :published, paid_event_message_id = :mid REMOVE paid_event_claim_until",
            )
            .expression_attribute_values(":published", s("published"))
            .expression_attribute_values(":mid", s(message_id))
            .return_values(ReturnValue::None)
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    /// Gives a claim back after a failed publish, so the next caller can retry at once.
    pub async fn release_paid_event(&self, order_id: &str) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression("SET paid_event = :due REMOVE paid_event_claim_until, paid_event_claim")
            .condition_expression("paid_event = :claimed")
            .expression_attribute_values(":due", s("due"))
            .expression_attribute_values(":claimed", s("claimed"))
            .return_values(ReturnValue::None)
            .send()
            .await
            .map(|_| ())
            .or_else(|e| {
                if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) {
                    Ok(())
                } else {
                    Err(dynamo(e))
                }
            })
    }
}
