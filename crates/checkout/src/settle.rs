//! Applying a Mercado Pago payment to its order, and the exactly-once "order paid" event. Used
//! by all three functions: `process_payment` (the create answer), `notifications` (webhooks) and
//! `payment_status` (polling), so every path follows the same rules.

use mercadopago::Payment;

use crate::events::{EventsError, OrderEvents};
pub use crate::store::PAID_EVENT_LEASE;
use crate::store::{Applied, Order, OrderStore, PaidEvent, PaymentUpdate, StoreError, epoch_ms};

/// What happened to the order.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The payment's state was newer and is now the order's.
    Updated(Order),
    /// The order already had this state or a newer one.
    Stale(Order),
    /// The payment does not belong to this order as recorded (different amount, currency,
    /// reference or payment id): ignored and logged.
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

/// Why a payment does not fit an order, if it does not.
pub fn mismatch(order: &Order, payment: &Payment) -> Option<&'static str> {
    if payment.external_reference.as_deref() != Some(order.order_id.as_str()) {
        Some("external_reference")
    } else if payment.currency_id != order.currency_id {
        Some("currency_id")
    } else if payment.transaction_amount != order.amount {
        Some("transaction_amount")
    } else if order.payment_id.is_some_and(|id| id != payment.id) {
        Some("payment_id")
    } else {
        None
    }
}

/// The update a payment makes: its status and `date_last_updated` (or `date_created` when the
/// former is missing). `None` when it has neither date.
pub fn update_for(payment: &Payment) -> Option<PaymentUpdate> {
    let when = payment.last_updated().or_else(|| payment.date_created.as_deref().and_then(mercadopago::parse_date))?;
    Some(PaymentUpdate {
        payment_id: payment.id,
        status: payment.status.as_str().to_owned(),
        status_detail: payment.status_detail.clone(),
        mp_last_updated_ms: epoch_ms(when),
    })
}

/// Applies `payment` to `order` (monotonically) and publishes "order paid" if the order became,
/// or is still waiting to be announced as, approved.
pub async fn settle(
    store: &OrderStore,
    events: &OrderEvents,
    order: &Order,
    payment: &Payment,
) -> Result<Settled, SettleError> {
    if let Some(field) = mismatch(order, payment) {
        tracing::error!(order_id = %order.order_id, payment_id = payment.id, field, "payment does not match its order; ignored");
        return Ok(Settled::Mismatch(order.clone()));
    }
    let Some(update) = update_for(payment) else {
        tracing::error!(order_id = %order.order_id, payment_id = payment.id, "payment has no usable date; ignored");
        return Ok(Settled::Mismatch(order.clone()));
    };
    match store.apply_payment(&order.order_id, &update).await? {
        Applied::Updated { order: o, claimed } => {
            tracing::info!(order_id = %o.order_id, payment_id = payment.id, status = %o.status, status_detail = %o.status_detail, "order updated");
            if claimed {
                publish_claimed(store, events, &o).await?;
            } else {
                publish_if_due(store, events, &o).await?;
            }
            Ok(Settled::Updated(o))
        }
        Applied::Stale(o) => {
            tracing::info!(order_id = %o.order_id, payment_id = payment.id, stored = %o.status, seen = %update.status, "payment state not newer; order unchanged");
            publish_if_due(store, events, &o).await?;
            Ok(Settled::Stale(o))
        }
        Applied::NotFound => Ok(Settled::NotFound),
    }
}

/// Publishes the order's "order paid" event if it is due and this caller wins the claim.
/// Returns whether this call published it.
pub async fn publish_if_due(store: &OrderStore, events: &OrderEvents, order: &Order) -> Result<bool, SettleError> {
    let now = epoch_ms(time::OffsetDateTime::now_utc());
    let due = match &order.paid_event {
        Some(PaidEvent::Due) => true,
        Some(PaidEvent::Claimed { until_ms, .. }) => *until_ms < now,
        Some(PaidEvent::Published) | None => false,
    };
    if !due || !store.claim_paid_event(&order.order_id, PAID_EVENT_LEASE).await? {
        return Ok(false);
    }
    publish_claimed(store, events, order).await?;
    Ok(true)
}

/// Publishes the event whose claim the caller holds, then marks it published (or gives the
/// claim back if SNS refused, so the next delivery or poll retries at once).
async fn publish_claimed(store: &OrderStore, events: &OrderEvents, order: &Order) -> Result<(), SettleError> {
    match events.publish_order_paid(order).await {
        Ok(message_id) => {
            store.mark_paid_event_published(&order.order_id, &message_id).await?;
            Ok(())
        }
        Err(e) => {
            tracing::error!(order_id = %order.order_id, error = %e, "order paid event not published; will retry");
            store.release_paid_event(&order.order_id).await?;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Lang;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn order() -> Order {
        Order {
            order_id: "0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10".into(),
            idempotency_key: "k".into(),
            request_hash: "h".into(),
            lines: vec![],
            amount: Decimal::new(1_850_000, 2),
            currency_id: "ARS".into(),
            lang: Lang::Es,
            payment_method_id: "visa".into(),
            installments: 1,
            status: "created".into(),
            status_detail: String::new(),
            payment_id: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
            mp_last_updated_ms: None,
            checked_at_ms: None,
            attempt_lease_until_ms: None,
            paid_event: None,
            failure: None,
        }
    }

    fn payment(amount: f64, currency: &str, reference: &str) -> Payment {
        serde_json::from_value(json!({"id": 7, "status": "approved", "status_detail": "accredited",
            "transaction_amount": amount, "currency_id": currency, "external_reference": reference,
            "date_last_updated": "2026-11-21T10:00:00.000-04:00"}))
        .expect("payment")
    }

    #[test]
    fn payments_must_match_their_order() {
        let o = order();
        assert_eq!(mismatch(&o, &payment(18500.0, "ARS", &o.order_id)), None);
        assert_eq!(mismatch(&o, &payment(1.0, "ARS", &o.order_id)), Some("transaction_amount"));
        assert_eq!(mismatch(&o, &payment(18500.0, "BRL", &o.order_id)), Some("currency_id"));
        assert_eq!(mismatch(&o, &payment(18500.0, "ARS", "other")), Some("external_reference"));
        let paid = Order { payment_id: Some(8), ..o.clone() };
        assert_eq!(mismatch(&paid, &payment(18500.0, "ARS", &o.order_id)), Some("payment_id"));
    }

    #[test]
    fn updates_are_ordered_by_date_last_updated() {
        let o = order();
        let u = update_for(&payment(18500.0, "ARS", &o.order_id)).expect("update");
        assert_eq!(u.mp_last_updated_ms, 1_795_269_600_000, "2026-11-21T14:00:00Z");
        assert_eq!((u.status.as_str(), u.payment_id), ("approved", 7));
    }
}
