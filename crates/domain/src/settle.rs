//! Applying a provider's payment to its order, and the exactly-once "order paid" event. Used by
//! all three functions: `process_payment` (the create answer), `notifications` (webhooks) and
//! `payment_status` (polling), so every path follows the same rules.

use crate::order::{Applied, Order, PAID_EVENT_LEASE, PaidEvent, epoch_ms};
use crate::payment::ProviderPayment;
use crate::ports::{EventsError, OrderEvents, OrderRepository, StoreError};

/// What happened to the order.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The payment's state was newer and is now the order's.
    Updated(Order),
    /// The order already had this state or a newer one.
    Stale(Order),
    /// The payment does not belong to this order as recorded (different amount, currency,
    /// reference or payment id), or has no date: ignored and logged.
    Mismatch(Order),
    /// The order does not exist.
    NotFound,
}

impl Settled {
    /// The order after settling, if there is one.
    pub fn order(&self) -> Option<&Order> {
        match self {
            Settled::Updated(o) | Settled::Stale(o) | Settled::Mismatch(o) => Some(o),
            Settled::NotFound => None,
        }
    }
}

/// A failure while settling.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The event could not be published (it stays due; a later delivery or poll retries).
    #[error(transparent)]
    Events(#[from] EventsError),
}

/// Applies `payment` to `order` (monotonically) and publishes "order paid" if the order became,
/// or is still waiting to be announced as, approved.
///
/// # Errors
/// [`SettleError`] when the store or the event topic fails.
pub async fn settle(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    order: &Order,
    payment: &ProviderPayment,
) -> Result<Settled, SettleError> {
    if let Some(field) = payment.mismatch(order) {
        tracing::error!(order_id = %order.order_id, payment_id = payment.id, field, "payment does not match its order; ignored");
        return Ok(Settled::Mismatch(order.clone()));
    }
    let Some(update) = payment.update() else {
        tracing::error!(order_id = %order.order_id, payment_id = payment.id, "payment has no usable date; ignored");
        return Ok(Settled::Mismatch(order.clone()));
    };
    match orders.apply_payment(&order.order_id, &update).await? {
        Applied::Updated { order: o, claimed } => {
            tracing::info!(order_id = %o.order_id, payment_id = payment.id, status = %o.status, status_detail = %o.status_detail, "order updated");
            if claimed {
                publish_claimed(orders, events, &o).await?;
            } else {
                publish_if_due(orders, events, &o).await?;
            }
            Ok(Settled::Updated(o))
        }
        Applied::Stale(o) => {
            tracing::info!(order_id = %o.order_id, payment_id = payment.id, stored = %o.status, seen = %update.status, "payment state not newer; order unchanged");
            publish_if_due(orders, events, &o).await?;
            Ok(Settled::Stale(o))
        }
        Applied::NotFound => Ok(Settled::NotFound),
    }
}

/// Publishes the order's "order paid" event if it is due and this caller wins the claim.
/// Returns whether this call published it.
///
/// # Errors
/// [`SettleError`] when the store or the event topic fails.
pub async fn publish_if_due(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    order: &Order,
) -> Result<bool, SettleError> {
    let now = epoch_ms(time::OffsetDateTime::now_utc());
    let due = match order.paid_event() {
        Some(PaidEvent::Due) => true,
        Some(PaidEvent::Claimed { until_ms, .. }) => until_ms < now,
        Some(PaidEvent::Published) | None => false,
    };
    if !due || !orders.claim_paid_event(&order.order_id, PAID_EVENT_LEASE).await? {
        return Ok(false);
    }
    publish_claimed(orders, events, order).await?;
    Ok(true)
}

/// Publishes the event whose claim the caller holds, then marks it published (or gives the
/// claim back if the topic refused, so the next delivery or poll retries at once).
async fn publish_claimed(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    order: &Order,
) -> Result<(), SettleError> {
    match events.publish_order_paid(order).await {
        Ok(message_id) => {
            orders.mark_paid_event_published(&order.order_id, &message_id).await?;
            Ok(())
        }
        Err(e) => {
            tracing::error!(order_id = %order.order_id, error = %e, "order paid event not published; will retry");
            orders.release_paid_event(&order.order_id).await?;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemoryEvents, MemoryOrders, new_order};
    use crate::order::OrderStatus;
    use rust_decimal::Decimal;

    fn payment(order: &Order, status: OrderStatus, t: i64) -> ProviderPayment {
        ProviderPayment {
            id: 7,
            status,
            status_detail: "accredited".into(),
            external_reference: Some(order.order_id.to_string()),
            transaction_amount: order.terms.amount,
            currency_id: order.terms.currency_id.clone(),
            last_updated_ms: Some(t),
        }
    }

    #[test]
    fn payments_must_match_their_order() {
        let orders = MemoryOrders::default();
        let o = orders.created(new_order("k"));
        let good = payment(&o, OrderStatus::Approved, 1);
        assert_eq!(good.mismatch(&o), None);
        assert_eq!(
            ProviderPayment { transaction_amount: Decimal::ONE, ..good.clone() }.mismatch(&o),
            Some("transaction_amount")
        );
        assert_eq!(ProviderPayment { currency_id: "BRL".into(), ..good.clone() }.mismatch(&o), Some("currency_id"));
        assert_eq!(
            ProviderPayment { external_reference: None, ..good.clone() }.mismatch(&o),
            Some("external_reference")
        );
        let paid = Order { payment_id: Some(8), ..o };
        assert_eq!(good.mismatch(&paid), Some("payment_id"));
    }

    #[tokio::test]
    async fn the_first_approval_publishes_once_and_replays_change_nothing() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        let approved = payment(&o, OrderStatus::Approved, 10);
        let first = settle(&orders, &events, &o, &approved).await.expect("settle");
        assert!(matches!(&first, Settled::Updated(u) if u.status == OrderStatus::Approved));
        for _ in 0..3 {
            let again = settle(&orders, &events, &o, &approved).await.expect("settle");
            assert!(matches!(again, Settled::Stale(_)), "a replay is stale");
        }
        assert_eq!(events.published(), vec![o.order_id.clone()], "exactly one event");
        let stored = orders.get(&o.order_id).await.expect("get").expect("order");
        assert_eq!(stored.paid_event(), Some(PaidEvent::Published));
    }

    #[tokio::test]
    async fn an_older_state_never_moves_the_order_back() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.expect("settle");
        let late = settle(&orders, &events, &o, &payment(&o, OrderStatus::InProcess, 5)).await.expect("settle");
        assert!(matches!(late, Settled::Stale(s) if s.status == OrderStatus::Approved));
    }

    #[tokio::test]
    async fn a_refused_publish_is_retried_by_the_next_delivery() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        events.fail_next();
        let approved = payment(&o, OrderStatus::Approved, 10);
        assert!(matches!(settle(&orders, &events, &o, &approved).await, Err(SettleError::Events(_))));
        assert!(events.published().is_empty());
        assert!(matches!(settle(&orders, &events, &o, &approved).await, Ok(Settled::Stale(_))));
        assert_eq!(events.published().len(), 1, "the replay published the due event");
    }

    #[tokio::test]
    async fn a_payment_for_another_order_is_ignored() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        let foreign =
            ProviderPayment { external_reference: Some("other".into()), ..payment(&o, OrderStatus::Approved, 1) };
        assert!(matches!(settle(&orders, &events, &o, &foreign).await, Ok(Settled::Mismatch(_))));
        assert_eq!(orders.get(&o.order_id).await.expect("get").map(|o| o.status), Some(OrderStatus::Created));
    }
}
