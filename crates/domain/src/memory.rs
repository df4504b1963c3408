//! In-memory ports for the domain's unit tests: the same rules as the DynamoDB and SNS adapters
//! (one order per key, one attempt lease, monotonic states along the lifecycle, refused states
//! recorded, one event claimant), in a mutex.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rust_decimal::Decimal;
use time::OffsetDateTime;

use crate::messages::Lang;
use crate::order::{
    Anomaly, AnomalyRecord, Applied, Begin, Failure, NewOrder, Order, OrderEvent, OrderId, OrderStatus,
    PAID_EVENT_LEASE, PaidEventState, PaymentUpdate, epoch_ms, lease_until_ms,
};
use crate::payment::{ChargeRequest, ProviderError, ProviderPayment};
use crate::ports::{EventsError, OrderEvents, OrderRepository, PaymentProvider, StoreError};

/// Terms of a test order for `key`.
pub(crate) fn new_order(key: &str) -> NewOrder {
    NewOrder {
        idempotency_key: key.into(),
        request_hash: format!("hash-{key}"),
        lines: vec![],
        amount: Decimal::new(1_850_000, 2),
        currency_id: "ARS".into(),
        lang: Lang::Es,
        payment_method_id: "visa".into(),
        installments: 1,
        buyer: None,
    }
}

#[derive(Default)]
struct Tables {
    orders: HashMap<OrderId, Order>,
    keys: HashMap<String, OrderId>,
}

/// Orders in memory.
#[derive(Default)]
pub(crate) struct MemoryOrders(Mutex<Tables>);

fn now_ms() -> i64 {
    epoch_ms(OffsetDateTime::now_utc())
}

impl MemoryOrders {
    fn with<T>(&self, f: impl FnOnce(&mut Tables) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// How many orders there are.
    pub(crate) fn len(&self) -> usize {
        self.with(|t| t.orders.len())
    }

    /// A created order whose attempt lease has run out.
    pub(crate) fn created(&self, terms: NewOrder) -> Order {
        let order = Order::create(terms, OffsetDateTime::now_utc(), 0);
        self.with(|t| {
            t.keys.insert(order.terms.idempotency_key.clone(), order.order_id.clone());
            t.orders.insert(order.order_id.clone(), order.clone());
        });
        order
    }

    fn update(&self, id: &OrderId, f: impl FnOnce(&mut Order) -> bool) -> Option<(Order, bool)> {
        self.with(|t| t.orders.get_mut(id).map(|o| (f(o), o.clone())).map(|(done, o)| (o, done)))
    }
}

impl OrderRepository for MemoryOrders {
    async fn begin(&self, new: NewOrder, lease: Duration) -> Result<Begin, StoreError> {
        let now = OffsetDateTime::now_utc();
        Ok(self.with(|t| match t.keys.get(&new.idempotency_key).and_then(|id| t.orders.get(id)) {
            Some(o) if o.terms.request_hash == new.request_hash => Begin::Existing(o.clone()),
            Some(_) => Begin::KeyReused,
            None => {
                let order = Order::create(new, now, lease_until_ms(now, lease));
                t.keys.insert(order.terms.idempotency_key.clone(), order.order_id.clone());
                t.orders.insert(order.order_id.clone(), order.clone());
                Begin::Created(order)
            }
        }))
    }

    async fn for_key(&self, idempotency_key: &str, request_hash: &str) -> Result<Option<Begin>, StoreError> {
        Ok(self.with(|t| {
            t.keys.get(idempotency_key).and_then(|id| t.orders.get(id)).map(|o| {
                if o.terms.request_hash == request_hash { Begin::Existing(o.clone()) } else { Begin::KeyReused }
            })
        }))
    }

    async fn get(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.with(|t| t.orders.get(order_id).cloned()))
    }

    async fn acquire_attempt(&self, order_id: &OrderId, lease: Duration) -> Result<Option<Order>, StoreError> {
        let now = OffsetDateTime::now_utc();
        Ok(self
            .update(order_id, |o| {
                let free =
                    o.status == OrderStatus::Created && o.attempt_lease_until_ms.is_none_or(|u| u < epoch_ms(now));
                if free {
                    o.attempt_lease_until_ms = Some(lease_until_ms(now, lease));
                }
                free
            })
            .and_then(|(o, took)| took.then_some(o)))
    }

    async fn release_attempt(&self, order_id: &OrderId) -> Result<(), StoreError> {
        self.update(order_id, |o| {
            o.attempt_lease_until_ms = None;
            true
        });
        Ok(())
    }

    async fn record_failure(&self, order_id: &OrderId, failure: &Failure) -> Result<Option<Order>, StoreError> {
        Ok(self
            .update(order_id, |o| {
                if o.status == OrderStatus::Created {
                    o.status = OrderStatus::Failed;
                    o.failure = Some(failure.clone());
                    o.attempt_lease_until_ms = None;
                }
                true
            })
            .map(|(o, _)| o))
    }

    async fn apply_payment(&self, order_id: &OrderId, update: &PaymentUpdate) -> Result<Applied, StoreError> {
        let token = uuid::Uuid::new_v4().to_string();
        let result = self.update(order_id, |o| {
            if !o.accepts(update) {
                return false;
            }
            o.status = update.status.clone();
            o.status_detail = update.status_detail.clone();
            o.payment_id = Some(update.payment_id);
            o.mp_last_updated_ms = Some(update.mp_last_updated_ms);
            o.attempt_lease_until_ms = None;
            o.amount_refunded = update.amount_refunded;
            o.events.extend(update.event.clone());
            o.three_ds_info = update.three_ds_info.clone();
            if update.status == OrderStatus::Approved && o.paid_event_state.is_none() {
                o.paid_event_state = Some(PaidEventState::Claimed);
                o.paid_event_claim = Some(token.clone());
                o.paid_event_claim_until = Some(lease_until_ms(OffsetDateTime::now_utc(), PAID_EVENT_LEASE));
            }
            true
        });
        Ok(match result {
            None => Applied::NotFound,
            Some((order, false)) => Applied::Stale(order),
            Some((order, true)) => {
                let claimed = order.paid_event_claim.as_deref() == Some(token.as_str());
                Applied::Updated { order, claimed }
            }
        })
    }

    async fn record_anomaly(
        &self,
        order_id: &OrderId,
        from: &OrderStatus,
        update: &PaymentUpdate,
    ) -> Result<AnomalyRecord, StoreError> {
        let now = OffsetDateTime::now_utc();
        let result = self.update(order_id, |o| {
            let record = o.status == *from
                && o.refuses(update)
                && o.last_anomaly.as_ref().is_none_or(|a| a.mp_last_updated_ms < update.mp_last_updated_ms);
            if record {
                o.last_anomaly = Some(Anomaly::new(from, update, now));
                o.anomaly_count = o.anomaly_count.saturating_add(1);
                o.checked_at_ms = Some(epoch_ms(now));
            }
            record
        });
        Ok(match result {
            None => AnomalyRecord::NotFound,
            Some((order, true)) => AnomalyRecord::Recorded(order),
            Some((order, false)) => AnomalyRecord::Unchanged(order),
        })
    }

    async fn touch_checked(&self, order_id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self
            .update(order_id, |o| {
                o.checked_at_ms = Some(now_ms());
                true
            })
            .map(|(o, _)| o))
    }

    async fn claim_paid_event(&self, order_id: &OrderId, lease: Duration) -> Result<bool, StoreError> {
        Ok(self
            .update(order_id, |o| {
                let due = o.paid_event_state == Some(PaidEventState::Due)
                    || (o.paid_event_state == Some(PaidEventState::Claimed)
                        && o.paid_event_claim_until.is_some_and(|u| u < now_ms()));
                if due {
                    o.paid_event_state = Some(PaidEventState::Claimed);
                    o.paid_event_claim_until = Some(lease_until_ms(OffsetDateTime::now_utc(), lease));
                }
                due
            })
            .is_some_and(|(_, claimed)| claimed))
    }

    async fn mark_paid_event_published(&self, order_id: &OrderId, _message_id: &str) -> Result<(), StoreError> {
        self.update(order_id, |o| {
            o.paid_event_state = Some(PaidEventState::Published);
            o.paid_event_claim_until = None;
            true
        });
        Ok(())
    }

    async fn release_paid_event(&self, order_id: &OrderId) -> Result<(), StoreError> {
        self.update(order_id, |o| {
            if o.paid_event_state == Some(PaidEventState::Claimed) {
                o.paid_event_state = Some(PaidEventState::Due);
                o.paid_event_claim_until = None;
                o.paid_event_claim = None;
            }
            true
        });
        Ok(())
    }

    async fn claim_event(&self, order_id: &OrderId, index: usize, lease: Duration) -> Result<bool, StoreError> {
        Ok(self
            .update(order_id, |o| {
                let Some(e) = o.events.get_mut(index) else { return false };
                let due = e.delivery == PaidEventState::Due
                    || (e.delivery == PaidEventState::Claimed && e.claim_until.is_some_and(|u| u < now_ms()));
                if due {
                    e.delivery = PaidEventState::Claimed;
                    e.claim_until = Some(lease_until_ms(OffsetDateTime::now_utc(), lease));
                }
                due
            })
            .is_some_and(|(_, claimed)| claimed))
    }

    async fn mark_event_published(&self, order_id: &OrderId, index: usize, message_id: &str) -> Result<(), StoreError> {
        self.update(order_id, |o| {
            if let Some(e) = o.events.get_mut(index) {
                e.delivery = PaidEventState::Published;
                e.claim_until = None;
                e.message_id = Some(message_id.to_owned());
            }
            true
        });
        Ok(())
    }

    async fn release_event(&self, order_id: &OrderId, index: usize) -> Result<(), StoreError> {
        self.update(order_id, |o| {
            if let Some(e) = o.events.get_mut(index).filter(|e| e.delivery == PaidEventState::Claimed) {
                e.delivery = PaidEventState::Due;
                e.claim_until = None;
            }
            true
        });
        Ok(())
    }
}

/// Events in memory; `fail_next` makes the next publish fail.
#[derive(Default)]
pub(crate) struct MemoryEvents(Mutex<(Vec<OrderId>, bool)>, Mutex<Vec<String>>);

impl MemoryEvents {
    /// The orders published "order paid" for, in order.
    pub(crate) fn published(&self) -> Vec<OrderId> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0.clone()
    }

    /// The keys of the events after payment published, in order.
    pub(crate) fn published_events(&self) -> Vec<String> {
        self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// The next publish fails.
    pub(crate) fn fail_next(&self) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1 = true;
    }
}

impl OrderEvents for MemoryEvents {
    async fn publish_order_paid(&self, order: &Order) -> Result<String, EventsError> {
        let mut state = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if std::mem::take(&mut state.1) {
            return Err(EventsError("topic unavailable".into()));
        }
        state.0.push(order.order_id.clone());
        Ok(format!("message-{}", state.0.len()))
    }

    async fn publish_order_event(&self, _order: &Order, event: &OrderEvent) -> Result<String, EventsError> {
        if std::mem::take(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).1) {
            return Err(EventsError("topic unavailable".into()));
        }
        let mut keys = self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.push(event.key.clone());
        Ok(format!("event-{}", keys.len()))
    }
}

/// A provider answering each charge with `outcome` (approved when `None`), counting charges.
#[derive(Default)]
pub(crate) struct MemoryProvider {
    /// The status each charge gets; `Some(Err)`: refuse (`true`) or be unavailable (`false`).
    pub(crate) outcome: Mutex<Option<Result<OrderStatus, bool>>>,
    /// Charges made.
    pub(crate) charges: Mutex<Vec<String>>,
}

impl PaymentProvider for MemoryProvider {
    async fn create_payment(&self, charge: &ChargeRequest<'_>) -> Result<ProviderPayment, ProviderError> {
        let outcome = self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let status = match outcome {
            None => OrderStatus::Approved,
            Some(Ok(s)) => s,
            Some(Err(true)) => {
                let mut fields = crate::validation::FieldErrors::default();
                fields.add("token", "invalid");
                return Err(ProviderError::Refused(Failure { code: "validation_failed".into(), fields }));
            }
            Some(Err(false)) => {
                return Err(ProviderError::Unavailable { retry_after: None, source: "provider down".into() });
            }
        };
        let mut charges = self.charges.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        charges.push(charge.idempotency_key.to_owned());
        Ok(ProviderPayment {
            id: u64::try_from(charges.len()).unwrap_or(0),
            status,
            status_detail: "accredited".into(),
            external_reference: Some(charge.order.order_id.to_string()),
            transaction_amount: charge.order.terms.amount,
            currency_id: charge.order.terms.currency_id.clone(),
            last_updated_ms: Some(now_ms()),
            transaction_amount_refunded: Decimal::ZERO,
            three_ds_info: None,
        })
    }

    async fn get_payment(&self, _payment_id: u64) -> Result<ProviderPayment, ProviderError> {
        Err(ProviderError::Unavailable { retry_after: None, source: "not recorded".into() })
    }

    async fn find_payment_for_order(&self, _order_id: &OrderId) -> Result<Option<ProviderPayment>, ProviderError> {
        Ok(None)
    }
}
