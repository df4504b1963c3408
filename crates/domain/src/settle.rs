//! Applying a provider's payment to its order, and the exactly-once "order paid" event. Used by
//! all three functions: `process_payment` (the create answer), `notifications` (webhooks) and
//! `payment_status` (polling), so every path follows the same rules.

use crate::order::{AnomalyRecord, Applied, Order, PAID_EVENT_LEASE, PaidEvent, PaymentUpdate, epoch_ms};
use crate::payment::ProviderPayment;
use crate::ports::{EventsError, OrderEvents, OrderRepository, StoreError};

/// What happened to the order.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The payment's state was newer and is now the order's.
    Updated(Order),
    /// The order already had this state or a newer one.
    Stale(Order),
    /// The payment's state is newer, but its status may not follow the order's
    /// (`OrderStatus::may_become`: a paid order reported `pending`): the order keeps its status
    /// and event, and the refused state is its `last_anomaly` (recorded once, logged as a
    /// warning when recorded).
    Refused(Order),
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
            Settled::Updated(o) | Settled::Stale(o) | Settled::Refused(o) | Settled::Mismatch(o) => Some(o),
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

/// Applies `payment` to `order` (monotonically, along the lifecycle) and publishes "order paid"
/// if the order became, or is still waiting to be announced as, approved. A newer state the
/// lifecycle refuses is recorded on the order instead ([`Settled::Refused`]).
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
            publish_events(orders, events, &o).await?;
            Ok(Settled::Updated(o))
        }
        Applied::Stale(o) if o.refuses(&update) => refuse(orders, events, o, &update).await,
        Applied::Stale(o) => stale(orders, events, o, &update).await,
        Applied::NotFound => Ok(Settled::NotFound),
    }
}

/// The order already has this state or a newer one.
async fn stale(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    order: Order,
    update: &PaymentUpdate,
) -> Result<Settled, SettleError> {
    tracing::info!(order_id = %order.order_id, payment_id = update.payment_id, stored = %order.status, seen = %update.status, "payment state not newer; order unchanged");
    announce(orders, events, &order).await?;
    Ok(Settled::Stale(order))
}

/// How many times a refused state is recorded against a status that moved meanwhile.
const RECORD_ATTEMPTS: usize = 3;

/// `order` refuses the newer `update`: records it as the order's anomaly (once) and keeps the
/// order as it is. Logs only ids and statuses (never payer data).
async fn refuse(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    mut order: Order,
    update: &PaymentUpdate,
) -> Result<Settled, SettleError> {
    for _ in 0..RECORD_ATTEMPTS {
        match orders.record_anomaly(&order.order_id, &order.status, update).await? {
            AnomalyRecord::Recorded(o) => {
                tracing::warn!(order_id = %o.order_id, payment_id = update.payment_id, from = %o.status, to = %update.status, "payment status may not follow the order's; order kept, anomaly recorded");
                announce(orders, events, &o).await?;
                return Ok(Settled::Refused(o));
            }
            AnomalyRecord::Unchanged(o) if !o.refuses(update) => return stale(orders, events, o, update).await,
            // Another writer moved the order to a status that refuses it too: record against that.
            AnomalyRecord::Unchanged(o) if o.status != order.status => order = o,
            AnomalyRecord::Unchanged(o) => {
                tracing::info!(order_id = %o.order_id, payment_id = update.payment_id, from = %o.status, to = %update.status, "payment status may not follow the order's; anomaly already recorded");
                announce(orders, events, &o).await?;
                return Ok(Settled::Refused(o));
            }
            AnomalyRecord::NotFound => return Ok(Settled::NotFound),
        }
    }
    announce(orders, events, &order).await?;
    Ok(Settled::Refused(order))
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

/// Publishes whatever of the order's events is due: "order paid", then the events after payment.
async fn announce(orders: &impl OrderRepository, events: &impl OrderEvents, order: &Order) -> Result<(), SettleError> {
    publish_if_due(orders, events, order).await?;
    publish_events(orders, events, order).await?;
    Ok(())
}

/// Publishes each of the order's events after payment that is due ([`Order::due_events`]) and
/// whose claim this caller wins, in order; returns how many this call published. A failed
/// publish gives its claim back and stops (the next delivery or poll retries it).
///
/// # Errors
/// [`SettleError`] when the store or the event topic fails.
pub async fn publish_events(
    orders: &impl OrderRepository,
    events: &impl OrderEvents,
    order: &Order,
) -> Result<usize, SettleError> {
    let mut published = 0;
    for (index, event) in order.due_events(epoch_ms(time::OffsetDateTime::now_utc())) {
        if !orders.claim_event(&order.order_id, index, PAID_EVENT_LEASE).await? {
            continue;
        }
        match events.publish_order_event(order, event).await {
            Ok(message_id) => {
                orders.mark_event_published(&order.order_id, index, &message_id).await?;
                published += 1;
            }
            Err(e) => {
                tracing::error!(order_id = %order.order_id, event = event.kind.as_str(), error = %e, "order event not published; will retry");
                orders.release_event(&order.order_id, index).await?;
                return Err(e.into());
            }
        }
    }
    Ok(published)
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
    use proptest::prelude::*;
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
            transaction_amount_refunded: Decimal::ZERO,
            three_ds_info: None,
        }
    }

    #[tokio::test]
    async fn an_order_keeps_a_challenge_only_while_the_buyer_owes_it() {
        let orders = MemoryOrders::default();
        let events = MemoryEvents::default();
        let o = orders.created(new_order("k"));
        let info = crate::payment::ThreeDsInfo {
            external_resource_url: "https://acs.example/challenge".into(),
            creq: "eyJtZXNzYWdlVHlwZSI6IkNSZXEifQ".into(),
        };
        let waiting = ProviderPayment {
            status_detail: crate::payment::PENDING_CHALLENGE.into(),
            three_ds_info: Some(info.clone()),
            ..payment(&o, OrderStatus::Pending, 10)
        };
        assert!(waiting.waits_for_challenge());
        let pending = settle(&orders, &events, &o, &waiting).await.expect("settled");
        let pending = pending.order().expect("applied").clone();
        assert_eq!(pending.challenge(), Some(&info));

        // Mercado Pago keeps three_ds_info on the payment once approved; the order drops it.
        let approved = ProviderPayment { three_ds_info: Some(info), ..payment(&o, OrderStatus::Approved, 20) };
        assert!(!approved.waits_for_challenge());
        assert_eq!(approved.update().and_then(|u| u.three_ds_info), None);
        let paid = settle(&orders, &events, &pending, &approved).await.expect("settled");
        let paid = paid.order().expect("applied");
        assert_eq!((paid.challenge(), &paid.three_ds_info), (None, &None));
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

    fn refund(o: &Order, status: OrderStatus, detail: &str, refunded: i64, t: i64) -> ProviderPayment {
        ProviderPayment {
            status_detail: detail.into(),
            transaction_amount_refunded: Decimal::new(refunded, 2),
            ..payment(o, status, t)
        }
    }

    #[tokio::test]
    async fn each_refund_is_announced_once_however_often_it_is_reported() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.expect("paid");
        let partial = refund(&o, OrderStatus::Approved, "partially_refunded", 500_000, 20);
        for _ in 0..3 {
            settle(&orders, &events, &o, &partial).await.expect("partial refund");
        }
        // The provider touches the payment again with no new refund: a newer state, same change.
        let touched = refund(&o, OrderStatus::Approved, "partially_refunded", 500_000, 25);
        assert!(matches!(settle(&orders, &events, &o, &touched).await, Ok(Settled::Updated(_))));
        let full = refund(&o, OrderStatus::Refunded, "refunded", 1_850_000, 30);
        settle(&orders, &events, &o, &full).await.expect("full refund");
        settle(&orders, &events, &o, &full).await.expect("replay");
        assert_eq!(events.published_events(), vec!["order.refunded:5000.00", "order.refunded:18500.00"]);
        assert_eq!(events.published().len(), 1, "order.paid once");
        let stored = stored(&orders, &o).await;
        assert_eq!((stored.status, stored.amount_refunded), (OrderStatus::Refunded, Decimal::new(1_850_000, 2)));
        assert_eq!(stored.events.len(), 3, "every applied state is kept; its repeat is never published");
    }

    #[tokio::test]
    async fn a_refused_event_publish_is_retried_by_the_next_delivery() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        let cancelled = payment(&o, OrderStatus::Cancelled, 10);
        events.fail_next();
        assert!(matches!(settle(&orders, &events, &o, &cancelled).await, Err(SettleError::Events(_))));
        assert!(events.published_events().is_empty());
        assert!(matches!(settle(&orders, &events, &o, &cancelled).await, Ok(Settled::Stale(_))));
        assert_eq!(events.published_events(), vec!["order.cancelled"]);
        assert!(events.published().is_empty(), "a cancelled order was never paid");
    }

    async fn stored(orders: &MemoryOrders, o: &Order) -> Order {
        orders.get(&o.order_id).await.expect("get").expect("order")
    }

    #[tokio::test]
    async fn an_approved_order_reported_pending_later_stays_paid_and_records_the_anomaly() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.expect("settle");
        let paid = stored(&orders, &o).await;

        let pending =
            ProviderPayment { status_detail: "pending_contingency".into(), ..payment(&paid, OrderStatus::Pending, 20) };
        let refused = settle(&orders, &events, &paid, &pending).await.expect("settle");
        let Settled::Refused(after) = refused else { panic!("refused: {refused:?}") };
        assert_eq!((after.status.clone(), after.mp_last_updated_ms), (OrderStatus::Approved, Some(10)), "kept");
        let anomaly = after.last_anomaly.clone().expect("recorded");
        assert_eq!(
            (
                anomaly.from_status,
                anomaly.status,
                anomaly.status_detail.as_str(),
                anomaly.payment_id,
                anomaly.mp_last_updated_ms
            ),
            (OrderStatus::Approved, OrderStatus::Pending, "pending_contingency", 7, 20)
        );
        assert_eq!(after.anomaly_count, 1);
        assert_eq!(after.paid_event(), Some(PaidEvent::Published), "the event stays published");

        // A later in_process is refused too; replays of it are recorded once.
        for _ in 0..3 {
            let again = settle(&orders, &events, &after, &payment(&after, OrderStatus::InProcess, 30)).await;
            assert!(matches!(again, Ok(Settled::Refused(ref o)) if o.status == OrderStatus::Approved), "{again:?}");
        }
        // An older refused state than the last recorded one changes nothing either.
        let older = settle(&orders, &events, &after, &payment(&after, OrderStatus::Pending, 25)).await;
        assert!(matches!(older, Ok(Settled::Refused(_))), "{older:?}");
        let last = stored(&orders, &o).await;
        assert_eq!(last.anomaly_count, 2);
        assert_eq!(last.last_anomaly.map(|a| (a.status, a.mp_last_updated_ms)), Some((OrderStatus::InProcess, 30)));
        assert_eq!(last.status, OrderStatus::Approved);
        assert_eq!(events.published(), vec![o.order_id.clone()], "one event, never re-sent");
    }

    #[tokio::test]
    async fn refunds_and_chargebacks_of_a_paid_order_are_applied() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.expect("settle");
        let partly =
            ProviderPayment { status_detail: "partially_refunded".into(), ..payment(&o, OrderStatus::Approved, 15) };
        let s = settle(&orders, &events, &stored(&orders, &o).await, &partly).await.expect("settle");
        assert!(matches!(&s, Settled::Updated(u) if u.status_detail == "partially_refunded"), "{s:?}");
        let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, OrderStatus::Refunded, 20)).await;
        assert!(matches!(&s, Ok(Settled::Updated(u)) if u.status == OrderStatus::Refunded), "{s:?}");
        // Refunded is final: a newer approval is an anomaly, not a second sale.
        let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, OrderStatus::Approved, 30)).await;
        assert!(matches!(&s, Ok(Settled::Refused(u)) if u.status == OrderStatus::Refunded), "{s:?}");
        assert_eq!(events.published().len(), 1);
    }

    #[tokio::test]
    async fn a_dispute_the_seller_wins_ends_approved_without_a_second_event() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        for (status, t) in [(OrderStatus::Approved, 10), (OrderStatus::InMediation, 20), (OrderStatus::Approved, 30)] {
            let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, status.clone(), t)).await;
            assert!(matches!(&s, Ok(Settled::Updated(u)) if u.status == status), "{s:?}");
        }
        assert_eq!(events.published().len(), 1);
        assert_eq!(stored(&orders, &o).await.anomaly_count, 0);
    }

    #[tokio::test]
    async fn an_unknown_status_never_replaces_an_approval_but_follows_an_open_order() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        let unknown = || OrderStatus::Other("something_new".into());
        let s = settle(&orders, &events, &o, &payment(&o, unknown(), 5)).await;
        assert!(matches!(&s, Ok(Settled::Updated(u)) if u.status == unknown()), "an open order takes it: {s:?}");
        let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, OrderStatus::Approved, 10)).await;
        assert!(matches!(&s, Ok(Settled::Updated(u)) if u.status == OrderStatus::Approved), "and leaves it: {s:?}");
        let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, unknown(), 20)).await;
        assert!(matches!(&s, Ok(Settled::Refused(u)) if u.status == OrderStatus::Approved), "{s:?}");
        assert_eq!(events.published().len(), 1);
    }

    #[tokio::test]
    async fn a_refused_state_still_publishes_a_due_event() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        events.fail_next();
        assert!(settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.is_err());
        let s = settle(&orders, &events, &stored(&orders, &o).await, &payment(&o, OrderStatus::Pending, 20)).await;
        assert!(matches!(s, Ok(Settled::Refused(_))), "{s:?}");
        assert_eq!(events.published().len(), 1, "the refused delivery published the due event");
    }

    #[tokio::test]
    async fn a_refusal_read_before_another_writer_moved_the_order_is_recorded_against_the_new_status() {
        let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
        let o = orders.created(new_order("k"));
        settle(&orders, &events, &o, &payment(&o, OrderStatus::Approved, 10)).await.expect("settle");
        let read = stored(&orders, &o).await;
        let pending = payment(&o, OrderStatus::Pending, 30).update().expect("dated");
        assert!(read.refuses(&pending));
        // Meanwhile a refund lands.
        settle(&orders, &events, &read, &payment(&o, OrderStatus::Refunded, 20)).await.expect("settle");
        let s = refuse(&orders, &events, read, &pending).await.expect("refuse");
        let Settled::Refused(after) = s else { panic!("{s:?}") };
        assert_eq!(after.status, OrderStatus::Refunded);
        assert_eq!(after.last_anomaly.map(|a| a.from_status), Some(OrderStatus::Refunded));
        // And one that became stale meanwhile is stale.
        let read = stored(&orders, &o).await;
        let late = payment(&o, OrderStatus::Pending, 25).update().expect("dated");
        assert!(
            matches!(refuse(&orders, &events, read, &late).await, Ok(Settled::Refused(_))),
            "older than the last anomaly"
        );
        let read = stored(&orders, &o).await;
        let stale_now = payment(&o, OrderStatus::Pending, 15).update().expect("dated");
        assert!(matches!(refuse(&orders, &events, read, &stale_now).await, Ok(Settled::Stale(_))));
    }

    fn any_status() -> impl Strategy<Value = OrderStatus> {
        proptest::sample::select(
            OrderStatus::KNOWN.into_iter().chain([OrderStatus::Other("something_new".into())]).collect::<Vec<_>>(),
        )
    }

    proptest! {
        /// Any sequence of payment states (any status, newer or older dates, replays, a topic
        /// that sometimes fails) through the in-memory port: once approved, an order never ends
        /// open, rejected or cancelled again, refused states leave it as it was, and the "order
        /// paid" event is claimed at most once and published exactly when it was ever approved.
        #[test]
        fn a_paid_order_is_never_unpaid_and_announced_at_most_once(
            steps in proptest::collection::vec((any_status(), 0i64..40, any::<bool>()), 1..40)
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            rt.block_on(async {
                let (orders, events) = (MemoryOrders::default(), MemoryEvents::default());
                let o = orders.created(new_order("k"));
                // The same updates straight through the port, counting claims.
                let direct = MemoryOrders::default();
                let d = direct.created(new_order("d"));
                let mut claims = 0;
                let mut paid = false;
                for (status, t, topic_fails) in steps {
                    let before = stored(&orders, &o).await;
                    if topic_fails {
                        events.fail_next();
                    }
                    let p = payment(&before, status.clone(), t);
                    let result = settle(&orders, &events, &before, &p).await;
                    let after = stored(&orders, &o).await;
                    paid |= after.status == OrderStatus::Approved;
                    if paid {
                        prop_assert!(
                            !matches!(
                                after.status,
                                OrderStatus::Created | OrderStatus::Failed | OrderStatus::Pending | OrderStatus::InProcess
                                    | OrderStatus::Authorized | OrderStatus::Rejected | OrderStatus::Cancelled
                                    | OrderStatus::Other(_)
                            ),
                            "a paid order became {}", after.status
                        );
                    }
                    match result {
                        Ok(Settled::Refused(_)) => {
                            prop_assert!(before.refuses(&p.update().expect("dated")));
                            prop_assert_eq!((&after.status, after.mp_last_updated_ms), (&before.status, before.mp_last_updated_ms));
                        }
                        Ok(Settled::Updated(_)) => prop_assert!(before.status.may_become(&after.status)),
                        _ => {}
                    }
                    prop_assert!(events.published().len() <= 1, "published twice");

                    let update = payment(&d, status, t).update().expect("dated");
                    if let Applied::Updated { claimed: true, .. } = direct.apply_payment(&d.order_id, &update).await.expect("apply") {
                        claims += 1;
                    }
                    prop_assert!(claims <= 1, "claimed twice");
                }
                // A last delivery (or poll) publishes an event the topic refused.
                let last = stored(&orders, &o).await;
                publish_if_due(&orders, &events, &last).await.expect("publish");
                prop_assert_eq!(events.published().len(), usize::from(paid));
                prop_assert_eq!(claims, usize::from(paid));
                Ok(())
            })?;
        }
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
