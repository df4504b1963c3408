//! The order store, the domain's [`OrderRepository`] over DynamoDB: one table (on-demand, string hash key `pk`), two kinds of item.
//!
//! - `order#<order_id>`: the order — lines, amount (a DynamoDB number, exact), currency,
//!   status and status_detail, payment_id, timestamps, `mp_last_updated` (epoch ms of Mercado
//!   Pago's `date_last_updated`), the "order paid" event state. No card data, no e-mail, no
//!   document number.
//! - `idem#<idempotency key>`: which order a key made, and a hash of the request that made it.
//!   Kept 7 days (`expires_at`, the table's TTL attribute).
//!
//! Conditional writes make the rules hold under concurrency and across cold starts:
//! - `begin` writes both items in one transaction, each only if absent: one key
//!   maps to one order, however many requests race.
//! - `acquire_attempt` leases the right to call Mercado Pago for an order, so
//!   concurrent duplicates wait for the first attempt instead of calling too.
//! - `apply_payment` moves an order only to a strictly newer `date_last_updated`, and only
//!   along the payment lifecycle (`#status IN (<the statuses that may become the new one>)`,
//!   from `OrderStatus::may_become`): replays and out-of-order deliveries never move it
//!   backwards, and a paid order is never un-paid, however many deliveries race.
//! - `record_anomaly` records a newer state the lifecycle refuses (`last_anomaly`,
//!   `anomaly_count`), once, without touching the status or the event.
//! - `claim_paid_event` lets exactly one caller publish the "order paid" event.

//!
//! Items are mapped with `serde_dynamo` from the domain's `Order` (its serde names are the
//! attribute names); the amount is stored as the decimal's text (exact; our choice).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
};
use domain::order::{
    Anomaly, AnomalyRecord, Applied, Begin, Failure, IDEMPOTENCY_RETENTION, NewOrder, Order, OrderId, OrderStatus,
    PAID_EVENT_LEASE, PaidEventState, PaymentUpdate, epoch_ms, lease_until_ms,
};
use domain::ports::{OrderRepository, StoreError};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aws::SdkFailure;

fn dynamo<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    StoreError::Unavailable(Box::new(SdkFailure::new(e)))
}

/// The order a conditional `UpdateItem` (returning `ALL_NEW`) left, `None` when its condition
/// failed (no such order, or it no longer qualifies).
fn updated_or_none<R>(
    result: Result<
        aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
        aws_sdk_dynamodb::error::SdkError<UpdateItemError, R>,
    >,
) -> Result<Option<Order>, StoreError>
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => from_attributes(out.attributes),
        Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(None),
        Err(e) => Err(dynamo(e)),
    }
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
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

fn order_key(order_id: &OrderId) -> String {
    format!("order#{order_id}")
}

fn idem_key(key: &str) -> String {
    format!("idem#{key}")
}

type Item = HashMap<String, AttributeValue>;

/// The `order#` item: the order, its key, and the attempt counter.
#[derive(Serialize)]
struct OrderItem<'a> {
    pk: String,
    kind: &'static str,
    attempts: u32,
    #[serde(flatten)]
    order: &'a Order,
}

/// The `idem#` item.
#[derive(Serialize, Deserialize)]
struct IdempotencyItem {
    pk: String,
    kind: String,
    order_id: OrderId,
    request_hash: String,
    created_at: String,
    /// Epoch seconds (the table's TTL attribute).
    expires_at: i64,
}

/// The condition "the order's `#status` may become `next`" ([`OrderStatus::predecessors`]), and
/// its values: `#status IN (<the known statuses that may become it>)`, or any unknown status
/// when an unknown one may (`NOT (#status IN (<every known status>))`).
fn may_become_condition(next: &OrderStatus) -> (String, Vec<(String, AttributeValue)>) {
    let before = next.predecessors();
    let mut values = Vec::new();
    let mut list = |prefix: &str, statuses: &[OrderStatus]| {
        let names: Vec<String> = statuses
            .iter()
            .enumerate()
            .map(|(i, status)| {
                let name = format!(":{prefix}{i}");
                values.push((name.clone(), s(status.as_str())));
                name
            })
            .collect();
        names.join(", ")
    };
    // `known` always holds `created` (a new order may take any status), so the list is never empty.
    let mut condition = format!("#status IN ({})", list("from", &before.known));
    if before.unknown {
        condition = format!("{condition} OR NOT (#status IN ({}))", list("known", &OrderStatus::KNOWN));
    }
    (format!("({condition})"), values)
}

fn from_item(item: Item) -> Result<Order, StoreError> {
    serde_dynamo::from_item(item).map_err(corrupt)
}

fn from_attributes(item: Option<Item>) -> Result<Option<Order>, StoreError> {
    item.map(from_item).transpose()
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
    ///
    /// # Errors
    /// [`StoreError::Unavailable`] when DynamoDB refuses (the table exists, ...).
    pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Unavailable(Box::new(e));
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

    /// Erases the buyer's personal data from an order (attribute `buyer`: e-mail, name, phone,
    /// shipping address), keeping what the merchant's books need (lines, amounts, statuses,
    /// payment id). Returns the order as it now is, `None` when there is no such order.
    ///
    /// # Errors
    /// [`StoreError`] when DynamoDB fails or the item is malformed.
    pub async fn forget_buyer(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        let result = self
            .update(order_id)
            .update_expression("REMOVE buyer SET buyer_forgotten_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", s(rfc3339(OffsetDateTime::now_utc())))
            .send()
            .await;
        updated_or_none(result)
    }

    /// Every order in the table, read with a paginated, consistent `Scan` filtered on
    /// `kind = order` (the merchant's `checkout-admin orders list`). A scan reads the whole
    /// table: fine for a small shop's order history, not for a hot path (our choice; a
    /// `created_at` index would be the next step).
    ///
    /// # Errors
    /// [`StoreError`] when DynamoDB fails or an item is malformed.
    pub async fn scan_orders(&self) -> Result<Vec<Order>, StoreError> {
        let mut orders = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#kind = :order")
                .expression_attribute_names("#kind", "kind")
                .expression_attribute_values(":order", s("order"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(dynamo)?;
            for item in out.items.unwrap_or_default() {
                orders.push(from_item(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(orders)
    }

    async fn existing_for_key(&self, key: &str, request_hash: &str) -> Result<Option<Begin>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(idem_key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?
            .item;
        let Some(item) = item else { return Ok(None) };
        let record: IdempotencyItem = serde_dynamo::from_item(item).map_err(corrupt)?;
        if record.request_hash != request_hash {
            return Ok(Some(Begin::KeyReused));
        }
        let order = self
            .get(&record.order_id)
            .await?
            .ok_or_else(|| corrupt(format!("order {} of a key is missing", record.order_id)))?;
        Ok(Some(Begin::Existing(order)))
    }

    fn update(
        &self,
        order_id: &OrderId,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(order_key(order_id)))
            .return_values(ReturnValue::AllNew)
    }
}

impl OrderRepository for OrderStore {
    /// Writes both items in one transaction, each only if absent: one key maps to one order,
    /// however many requests race. A new order holds the attempt lease for `lease` (its creator
    /// calls the provider next), so the common path needs no separate `acquire_attempt`.
    async fn begin(&self, new: NewOrder, lease: Duration) -> Result<Begin, StoreError> {
        let now = OffsetDateTime::now_utc();
        let order = Order::create(new, now, lease_until_ms(now, lease));
        let expires_at = now.unix_timestamp() + i64::try_from(IDEMPOTENCY_RETENTION.as_secs()).unwrap_or(0);
        let idem_item: Item = serde_dynamo::to_item(IdempotencyItem {
            pk: idem_key(&order.terms.idempotency_key),
            kind: "idempotency".into(),
            order_id: order.order_id.clone(),
            request_hash: order.terms.request_hash.clone(),
            created_at: rfc3339(now),
            expires_at,
        })
        .map_err(corrupt)?;
        let order_item: Item = serde_dynamo::to_item(OrderItem {
            pk: order_key(&order.order_id),
            kind: "order",
            attempts: 1,
            order: &order,
        })
        .map_err(corrupt)?;
        let put = |item: Item| {
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map(|p| TransactWriteItem::builder().put(p).build())
                .map_err(|e| StoreError::Unavailable(Box::new(e)))
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
            Ok(_) => Ok(Begin::Created(order)),
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
                self.existing_for_key(&order.terms.idempotency_key, &order.terms.request_hash)
                    .await?
                    .ok_or_else(|| corrupt("idempotency record vanished"))
            }
        }
    }

    async fn for_key(&self, idempotency_key: &str, request_hash: &str) -> Result<Option<Begin>, StoreError> {
        self.existing_for_key(idempotency_key, request_hash).await
    }

    async fn get(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(order_key(order_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(dynamo)?;
        from_attributes(out.item)
    }

    async fn acquire_attempt(&self, order_id: &OrderId, lease: Duration) -> Result<Option<Order>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let result = self
            .update(order_id)
            .update_expression("SET attempt_lease_until = :until, attempts = if_not_exists(attempts, :zero) + :one")
            .condition_expression(
                "#status = :created AND (attribute_not_exists(attempt_lease_until) OR attempt_lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":until", n(lease_until_ms(now, lease)))
            .expression_attribute_values(":now", n(epoch_ms(now)))
            .expression_attribute_values(":created", s(OrderStatus::Created))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        updated_or_none(result)
    }

    async fn release_attempt(&self, order_id: &OrderId) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression("REMOVE attempt_lease_until")
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    async fn record_failure(&self, order_id: &OrderId, failure: &Failure) -> Result<Option<Order>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let failure = serde_dynamo::to_attribute_value(failure).map_err(corrupt)?;
        let result = self
            .update(order_id)
            .update_expression(
                "SET #status = :failed, failure = :failure, updated_at = :now REMOVE attempt_lease_until",
            )
            .condition_expression("#status = :created")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", s(OrderStatus::Failed))
            .expression_attribute_values(":created", s(OrderStatus::Created))
            .expression_attribute_values(":failure", failure)
            .expression_attribute_values(":now", s(rfc3339(now)))
            .send()
            .await;
        match result {
            Ok(out) => from_attributes(out.attributes),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                self.get(order_id).await
            }
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Applies a payment state if it is strictly newer than the stored one (by Mercado Pago's
    /// `date_last_updated`), belongs to the same payment, and its status may follow the stored
    /// one ([`Order::accepts`], all enforced in the condition, so no delivery racing this one can
    /// slip a refused transition past it). The first approval also claims the "order paid" event
    /// for the caller, in the same write: one round trip instead of two on the common path, and
    /// still exactly one claimant, because only one caller can apply a given state.
    async fn apply_payment(&self, order_id: &OrderId, update: &PaymentUpdate) -> Result<Applied, StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut expression = String::from(
            "SET #status = :status, status_detail = :detail, payment_id = :pid, mp_last_updated = :t, \
             updated_at = :now, checked_at = :now_ms",
        );
        let approved = update.status == OrderStatus::Approved;
        let token = uuid::Uuid::new_v4().to_string();
        if approved {
            expression.push_str(
                ", paid_event = if_not_exists(paid_event, :claimed), \
                 paid_event_claim = if_not_exists(paid_event_claim, :token), \
                 paid_event_claim_until = if_not_exists(paid_event_claim_until, :until), \
                 paid_at = if_not_exists(paid_at, :now)",
            );
        }
        // The state's event after payment (a refund, cancellation or chargeback) is appended in
        // the same write: exactly one writer applies a given state, so exactly one appends it.
        let event = match &update.event {
            Some(event) => {
                expression.push_str(", events = list_append(if_not_exists(events, :no_events), :event)");
                Some(serde_dynamo::to_attribute_value(vec![event]).map_err(corrupt)?)
            }
            None => None,
        };
        // A challenge is kept while the state waits for the buyer (a retry with the same key
        // answers it again); any other state clears it.
        let three_ds_info = match &update.three_ds_info {
            Some(info) => {
                expression.push_str(", three_ds_info = :tds, amount_refunded = :refunded REMOVE attempt_lease_until");
                Some(serde_dynamo::to_attribute_value(info).map_err(corrupt)?)
            }
            None => {
                expression.push_str(", amount_refunded = :refunded REMOVE attempt_lease_until, three_ds_info");
                None
            }
        };
        let (lifecycle, lifecycle_values) = may_become_condition(&update.status);
        let mut request = self
            .update(order_id)
            .update_expression(expression)
            .condition_expression(format!(
                "attribute_exists(pk) AND (attribute_not_exists(mp_last_updated) OR mp_last_updated < :t) \
                 AND (attribute_not_exists(payment_id) OR payment_id = :pid) AND {lifecycle}"
            ))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(update.status.as_str()))
            .expression_attribute_values(":detail", s(&update.status_detail))
            .expression_attribute_values(":pid", n(update.payment_id))
            .expression_attribute_values(":t", n(update.mp_last_updated_ms))
            .expression_attribute_values(":now", s(rfc3339(now)))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)))
            .expression_attribute_values(":refunded", s(update.amount_refunded.to_string()));
        if let Some(info) = three_ds_info {
            request = request.expression_attribute_values(":tds", info);
        }
        if let Some(event) = event {
            request = request
                .expression_attribute_values(":event", event)
                .expression_attribute_values(":no_events", AttributeValue::L(vec![]));
        }
        for (name, value) in lifecycle_values {
            request = request.expression_attribute_values(name, value);
        }
        if approved {
            request = request
                .expression_attribute_values(":claimed", s(PaidEventState::Claimed.as_str()))
                .expression_attribute_values(":token", s(&token))
                .expression_attribute_values(":until", n(lease_until_ms(now, PAID_EVENT_LEASE)));
        }
        match request.send().await {
            Ok(out) => Ok(match from_attributes(out.attributes)? {
                Some(order) => {
                    let claimed = order.paid_event_state == Some(PaidEventState::Claimed)
                        && order.paid_event_claim.as_deref() == Some(token.as_str());
                    Applied::Updated { order, claimed }
                }
                None => Applied::NotFound,
            }),
            Err(e) => match e.into_service_error() {
                // The stored state is as new or newer (or another payment's), or its status may
                // not become this one: the failed condition hands back the item, so no second
                // read is needed (`settle` tells the cases apart with `Order::refuses`).
                UpdateItemError::ConditionalCheckFailedException(failed) => match failed.item {
                    Some(item) => Ok(Applied::Stale(from_item(item)?)),
                    None => Ok(Applied::NotFound),
                },
                other => Err(StoreError::Unavailable(Box::new(other))),
            },
        }
    }

    /// Sets `last_anomaly` to the refused state and counts it, in one conditional write: only
    /// while the order is in `from`, the state is newer than the applied one (same payment), and
    /// newer than the last recorded anomaly. Status, payment state and event stay as they are.
    async fn record_anomaly(
        &self,
        order_id: &OrderId,
        from: &OrderStatus,
        update: &PaymentUpdate,
    ) -> Result<AnomalyRecord, StoreError> {
        if from.may_become(&update.status) {
            // Not a refusal (the caller's contract): nothing to record.
            return Ok(self.get(order_id).await?.map_or(AnomalyRecord::NotFound, AnomalyRecord::Unchanged));
        }
        let now = OffsetDateTime::now_utc();
        let anomaly = serde_dynamo::to_attribute_value(Anomaly::new(from, update, now)).map_err(corrupt)?;
        let result = self
            .update(order_id)
            .update_expression(
                "SET last_anomaly = :anomaly, anomaly_count = if_not_exists(anomaly_count, :zero) + :one, \
                 checked_at = :now_ms",
            )
            .condition_expression(
                "attribute_exists(pk) AND #status = :from \
                 AND (attribute_not_exists(mp_last_updated) OR mp_last_updated < :t) \
                 AND (attribute_not_exists(payment_id) OR payment_id = :pid) \
                 AND (attribute_not_exists(last_anomaly) OR last_anomaly.mp_last_updated < :t)",
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":anomaly", anomaly)
            .expression_attribute_values(":from", s(from.as_str()))
            .expression_attribute_values(":t", n(update.mp_last_updated_ms))
            .expression_attribute_values(":pid", n(update.payment_id))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now_ms", n(epoch_ms(now)))
            .send()
            .await;
        match result {
            Ok(out) => Ok(match from_attributes(out.attributes)? {
                Some(order) => AnomalyRecord::Recorded(order),
                None => AnomalyRecord::NotFound,
            }),
            Err(e) => match e.into_service_error() {
                UpdateItemError::ConditionalCheckFailedException(failed) => match failed.item {
                    Some(item) => Ok(AnomalyRecord::Unchanged(from_item(item)?)),
                    None => Ok(AnomalyRecord::NotFound),
                },
                other => Err(StoreError::Unavailable(Box::new(other))),
            },
        }
    }

    async fn touch_checked(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        let result = self
            .update(order_id)
            .update_expression("SET checked_at = :now_ms")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now_ms", n(epoch_ms(OffsetDateTime::now_utc())))
            .send()
            .await;
        updated_or_none(result)
    }

    async fn claim_paid_event(&self, order_id: &OrderId, lease: Duration) -> Result<bool, StoreError> {
        self.claim_delivery(order_id, &Delivery::paid(), lease).await
    }

    async fn mark_paid_event_published(&self, order_id: &OrderId, message_id: &str) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression(
                "SET paid_event = :published, paid_event_message_id = :mid REMOVE paid_event_claim_until",
            )
            .expression_attribute_values(":published", s(PaidEventState::Published.as_str()))
            .expression_attribute_values(":mid", s(message_id))
            .return_values(ReturnValue::None)
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    async fn claim_event(&self, order_id: &OrderId, index: usize, lease: Duration) -> Result<bool, StoreError> {
        self.claim_delivery(order_id, &Delivery::event(index), lease).await
    }

    async fn mark_event_published(&self, order_id: &OrderId, index: usize, message_id: &str) -> Result<(), StoreError> {
        self.update(order_id)
            .update_expression(format!(
                "SET events[{index}].delivery = :published, events[{index}].message_id = :mid \
                 REMOVE events[{index}].claim_until"
            ))
            .condition_expression(format!("attribute_exists(events[{index}])"))
            .expression_attribute_values(":published", s(PaidEventState::Published.as_str()))
            .expression_attribute_values(":mid", s(message_id))
            .return_values(ReturnValue::None)
            .send()
            .await
            .map_err(dynamo)?;
        Ok(())
    }

    async fn release_event(&self, order_id: &OrderId, index: usize) -> Result<(), StoreError> {
        self.release_delivery(order_id, &Delivery::event(index)).await
    }

    async fn release_paid_event(&self, order_id: &OrderId) -> Result<(), StoreError> {
        self.release_delivery(order_id, &Delivery::paid()).await
    }
}

/// Where an event's publication state lives on the order item: "order paid" in top-level
/// attributes, an event after payment in its element of the `events` list. Claims and releases
/// are the same conditional writes on either.
struct Delivery {
    /// `due`, `claimed` or `published`.
    state: String,
    /// End of the claim's lease, epoch ms.
    claim_until: String,
    /// The claim holder's token.
    claim: String,
}

impl Delivery {
    fn paid() -> Delivery {
        Delivery {
            state: "paid_event".into(),
            claim_until: "paid_event_claim_until".into(),
            claim: "paid_event_claim".into(),
        }
    }

    fn event(index: usize) -> Delivery {
        Delivery {
            state: format!("events[{index}].delivery"),
            claim_until: format!("events[{index}].claim_until"),
            claim: format!("events[{index}].claim"),
        }
    }
}

impl OrderStore {
    /// Claims a delivery for `lease`: true for exactly one caller while it is due or the last
    /// claim ran out.
    async fn claim_delivery(&self, order_id: &OrderId, d: &Delivery, lease: Duration) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let (state, until, claim) = (&d.state, &d.claim_until, &d.claim);
        let result = self
            .update(order_id)
            .update_expression(format!("SET {state} = :claimed, {until} = :until, {claim} = :token"))
            .condition_expression(format!("{state} = :due OR ({state} = :claimed AND {until} < :now)"))
            .expression_attribute_values(":claimed", s(PaidEventState::Claimed.as_str()))
            .expression_attribute_values(":token", s(uuid::Uuid::new_v4().to_string()))
            .expression_attribute_values(":due", s(PaidEventState::Due.as_str()))
            .expression_attribute_values(":until", n(lease_until_ms(now, lease)))
            .expression_attribute_values(":now", n(epoch_ms(now)))
            .return_values(ReturnValue::None)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => Ok(false),
            Err(e) => Err(dynamo(e)),
        }
    }

    /// Gives a claimed delivery back (due again); nothing when it is not claimed.
    async fn release_delivery(&self, order_id: &OrderId, d: &Delivery) -> Result<(), StoreError> {
        let (state, until, claim) = (&d.state, &d.claim_until, &d.claim);
        self.update(order_id)
            .update_expression(format!("SET {state} = :due REMOVE {until}, {claim}"))
            .condition_expression(format!("{state} = :claimed"))
            .expression_attribute_values(":due", s(PaidEventState::Due.as_str()))
            .expression_attribute_values(":claimed", s(PaidEventState::Claimed.as_str()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use domain::messages::Lang;
    use rust_decimal::Decimal;

    #[test]
    fn an_order_survives_its_item_mapping() {
        let terms = NewOrder {
            idempotency_key: "k".into(),
            request_hash: "h".into(),
            lines: vec![domain::catalog::PricedLine {
                sku: "mate".into(),
                name: "Mate".into(),
                quantity: 2,
                unit_price: Decimal::new(925_000, 2),
                line_total: Decimal::new(1_850_000, 2),
            }],
            amount: Decimal::new(1_850_000, 2),
            currency_id: "ARS".into(),
            lang: Lang::Pt,
            payment_method_id: "visa".into(),
            installments: 3,
            buyer: Some(
                serde_json::from_value(
                    serde_json::json!({"email": "ana@example.com", "phone": {"number": "11 5555-0100"},
                    "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "zip_code": "C1043",
                                         "city_name": "Buenos Aires", "state_name": "CABA"}}),
                )
                .expect("buyer"),
            ),
        };
        let mut order = Order::create(terms, OffsetDateTime::UNIX_EPOCH, 42);
        order.failure = Some(Failure { code: "validation_failed".into(), fields: Default::default() });
        order.paid_event_state = Some(PaidEventState::Due);
        let item: Item = serde_dynamo::to_item(OrderItem {
            pk: order_key(&order.order_id),
            kind: "order",
            attempts: 1,
            order: &order,
        })
        .expect("item");
        assert_eq!(item.get("amount"), Some(&s("18500.00")), "exact text");
        assert_eq!(item.get("status"), Some(&s("created")));
        assert_eq!(item.get("attempt_lease_until"), Some(&n(42)));
        assert!(!item.contains_key("payment_id"), "absent, not null: conditions test attribute_not_exists");
        let buyer = item.get("buyer").and_then(|v| v.as_m().ok()).expect("buyer, a map forget_buyer removes");
        assert!(buyer.contains_key("shipping_address") && !buyer.contains_key("first_name"));
        assert_eq!(from_item(item).expect("order"), order);
    }

    #[test]
    fn the_lifecycle_condition_lists_the_statuses_that_may_become_the_new_one() {
        let (condition, values) = may_become_condition(&OrderStatus::Pending);
        assert_eq!(
            condition,
            "(#status IN (:from0, :from1, :from2, :from3, :from4) OR NOT (#status IN (:known0, :known1, :known2, \
             :known3, :known4, :known5, :known6, :known7, :known8, :known9, :known10)))"
        );
        let from: Vec<_> =
            values.iter().filter(|(k, _)| k.starts_with(":from")).filter_map(|(_, v)| v.as_s().ok()).collect();
        assert_eq!(from, ["created", "failed", "pending", "authorized", "in_process"]);
        assert_eq!(values.len(), 5 + OrderStatus::KNOWN.len());

        let (condition, values) = may_become_condition(&OrderStatus::Refunded);
        assert!(condition.contains("OR NOT (#status IN (:known0"), "an unknown status may become refunded");
        let from: Vec<_> =
            values.iter().filter(|(k, _)| k.starts_with(":from")).filter_map(|(_, v)| v.as_s().ok()).collect();
        assert!(from.contains(&&"approved".to_owned()) && from.contains(&&"in_mediation".to_owned()));
        assert!(!from.contains(&&"rejected".to_owned()) && !from.contains(&&"charged_back".to_owned()));
        // Every status, known or not, gets a condition it can be checked against.
        for next in OrderStatus::KNOWN.into_iter().chain([OrderStatus::Other("x".into())]) {
            let (condition, values) = may_become_condition(&next);
            assert!(condition.starts_with("(#status IN (:from0"), "{next}: {condition}");
            for (name, _) in &values {
                assert!(condition.contains(name.as_str()), "{next}: {name} unused");
            }
        }
    }

    #[test]
    fn an_order_with_an_anomaly_survives_its_item_mapping() {
        let mut order = Order::create(
            NewOrder {
                idempotency_key: "k".into(),
                request_hash: "h".into(),
                lines: vec![],
                amount: Decimal::new(1_850_000, 2),
                currency_id: "ARS".into(),
                lang: Lang::Es,
                payment_method_id: "visa".into(),
                installments: 1,
                buyer: None,
            },
            OffsetDateTime::UNIX_EPOCH,
            0,
        );
        let update = PaymentUpdate {
            payment_id: 7,
            status: OrderStatus::Pending,
            status_detail: "pending_contingency".into(),
            mp_last_updated_ms: 11,
            amount_refunded: Decimal::ZERO,
            event: None,
            three_ds_info: None,
        };
        order.status = OrderStatus::Approved;
        order.last_anomaly = Some(Anomaly::new(&OrderStatus::Approved, &update, OffsetDateTime::UNIX_EPOCH));
        order.anomaly_count = 3;
        let item: Item = serde_dynamo::to_item(OrderItem {
            pk: order_key(&order.order_id),
            kind: "order",
            attempts: 1,
            order: &order,
        })
        .expect("item");
        let anomaly = item.get("last_anomaly").and_then(|v| v.as_m().ok()).expect("a map");
        assert_eq!(anomaly.get("mp_last_updated"), Some(&n(11)), "the path record_anomaly's condition reads");
        assert_eq!(anomaly.get("status"), Some(&s("pending")));
        assert_eq!(item.get("anomaly_count"), Some(&n(3)));
        assert_eq!(from_item(item.clone()).expect("order"), order);

        // Events after payment: a list whose elements the claim's paths (`events[i].delivery`) reach.
        let refund = PaymentUpdate {
            status: OrderStatus::Refunded,
            status_detail: "refunded".into(),
            amount_refunded: Decimal::new(1_850_000, 2),
            ..update
        };
        order.events = vec![refund.event_for(order.terms.amount, "ARS").expect("event")];
        order.amount_refunded = refund.amount_refunded;
        let item: Item = serde_dynamo::to_item(OrderItem {
            pk: order_key(&order.order_id),
            kind: "order",
            attempts: 1,
            order: &order,
        })
        .expect("item");
        let events = item.get("events").and_then(|v| v.as_l().ok()).expect("a list");
        let event = events.first().and_then(|v| v.as_m().ok()).expect("a map");
        assert_eq!(event.get("delivery"), Some(&s("due")));
        assert_eq!(event.get("key"), Some(&s("order.refunded:18500.00")));
        assert_eq!(item.get("amount_refunded"), Some(&s("18500.00")));
        assert_eq!(from_item(item).expect("order"), order);
    }

    #[test]
    fn a_malformed_item_is_corrupt_not_a_panic() {
        let item: Item = HashMap::from([("order_id".to_owned(), s("nope"))]);
        assert!(matches!(from_item(item), Err(StoreError::Corrupt(_))));
    }
}
