//! An order follows Mercado Pago's payment lifecycle: a newer payment state whose status may not
//! follow the order's (`domain::order::OrderStatus::may_become`) is refused and recorded, however
//! it arrives (signed webhook, status poll, concurrent deliveries).

use std::sync::Arc;
use std::time::Duration;

use domain::order::{Applied, OrderId, OrderStatus, PaymentUpdate};
use domain::ports::OrderRepository as _;
use mp_sandbox::SandboxConfig;

use crate::helpers::{Options, TestApp, key, logs};

/// Webhooks off: only the deliveries a test makes reach the handler.
fn quiet() -> Options {
    Options {
        sandbox: SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() },
        env: vec![],
        ..Options::default()
    }
}

/// Pays with the approved card (`APRO`); returns (order id, payment id).
async fn approved_order(app: &TestApp) -> (String, u64) {
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("approved")), "{body}");
    app.webhooks_settle().await;
    (body["order_id"].as_str().expect("order").to_owned(), body["payment_id"].as_u64().expect("payment"))
}

/// The sandbox reports the payment with `status`/`status_detail` and a newer `date_last_updated`
/// (and sends its signed webhook when webhooks are on). Returns that date, epoch ms.
async fn report(app: &TestApp, payment_id: u64, status: &str, status_detail: &str) -> i64 {
    // Dates have millisecond precision: make sure this one is strictly newer.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let payment = app.sandbox.control().set_status(payment_id, status, status_detail).expect("set status");
    assert_eq!(payment.status, status);
    let date = time::OffsetDateTime::parse(&payment.date_last_updated, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 date");
    i64::try_from(date.unix_timestamp_nanos() / 1_000_000).expect("epoch ms")
}

/// Log lines of this order that say a state was refused and recorded.
fn anomaly_lines(order_id: &str) -> Vec<String> {
    logs().lines().filter(|l| l.contains(order_id) && l.contains("anomaly recorded")).map(str::to_owned).collect()
}

#[tokio::test]
async fn an_approved_order_reported_pending_later_stays_paid_and_records_the_anomaly() {
    let app = TestApp::spawn().await;
    let (order_id, payment_id) = approved_order(&app).await;
    assert_eq!(app.subscriber.messages().len(), 1, "paid once");

    // Mercado Pago reports the paid payment as pending, with a newer date: its signed webhook
    // reaches the handler, and a replay of it too.
    let pending_at = report(&app, payment_id, "pending", "pending_contingency").await;
    app.webhooks_settle().await;
    let deliveries = app.sandbox.control().deliveries();
    assert!(!deliveries.is_empty() && deliveries.iter().all(|d| d.delivered), "answered 200: {deliveries:?}");
    let (status, body) = app.deliver_signed(&payment_id.to_string()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("unchanged")), "{body}");

    let order = app.order(&order_id).await;
    assert_eq!((order.status.as_str(), order.status_detail.as_str()), ("approved", "accredited"), "still paid");
    let anomaly = order.last_anomaly.clone().expect("the anomaly is recorded");
    assert_eq!(
        (anomaly.from_status.as_str(), anomaly.status.as_str(), anomaly.status_detail.as_str()),
        ("approved", "pending", "pending_contingency")
    );
    assert_eq!((anomaly.payment_id, anomaly.mp_last_updated_ms), (payment_id, pending_at));
    assert_eq!(order.anomaly_count, 1, "the replay is not counted again");
    assert!(order.mp_last_updated_ms < Some(pending_at), "the applied state is still the approval's");

    // The page's poll says paid.
    let (status, polled) = app.get_status(&order_id).await;
    assert_eq!(
        (status, polled["status"].as_str(), polled["status_detail"].as_str()),
        (200, Some("approved"), Some("accredited"))
    );

    // Then in_process, newer again: by webhook and by poll.
    let in_process_at = report(&app, payment_id, "in_process", "pending_review_manual").await;
    app.webhooks_settle().await;
    let (status, body) = app.deliver_signed(&payment_id.to_string()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("unchanged")), "{body}");
    let (status, polled) = app.get_status(&order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("approved")));

    let order = app.order(&order_id).await;
    assert_eq!(order.status, OrderStatus::Approved);
    let anomaly = order.last_anomaly.clone().expect("recorded");
    assert_eq!(
        (anomaly.from_status, anomaly.status, anomaly.mp_last_updated_ms),
        (OrderStatus::Approved, OrderStatus::InProcess, in_process_at)
    );
    assert_eq!(order.anomaly_count, 2);

    // Exactly one "order paid", never re-sent.
    let messages = app.subscriber.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(
        (messages[0]["type"].as_str(), messages[0]["order_id"].as_str()),
        (Some("order.paid"), Some(order_id.as_str()))
    );

    // Logged as a warning with ids and statuses, once per recorded state, and no payer data.
    let lines = anomaly_lines(&order_id);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("WARN") && l.contains(&payment_id.to_string())), "{lines:?}");
    assert!(lines[0].contains("from=approved") && lines[0].contains("to=pending"), "{lines:?}");
    assert!(lines[1].contains("from=approved") && lines[1].contains("to=in_process"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("@") || l.contains("12345678")), "no payer data: {lines:?}");
    assert!(!logs().contains("comprador@example.com"), "the payer e-mail appears in the logs");
}

#[tokio::test]
async fn a_disputed_order_polled_while_the_payment_reads_pending_stays_in_mediation() {
    let app = TestApp::spawn_with(quiet()).await;
    let (order_id, payment_id) = approved_order(&app).await;

    // A dispute is an allowed move: the webhook applies it.
    report(&app, payment_id, "in_mediation", "in_mediation").await;
    let (status, body) = app.deliver_signed(&payment_id.to_string()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("updated")), "{body}");
    assert_eq!(app.order(&order_id).await.status, OrderStatus::InMediation);

    // The order is not final, so the page's poll reads the payment again: it says pending.
    let pending_at = report(&app, payment_id, "pending", "pending_contingency").await;
    let (status, polled) = app.get_status(&order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("in_mediation")), "{polled}");
    let order = app.order(&order_id).await;
    assert_eq!(order.status, OrderStatus::InMediation);
    let anomaly = order.last_anomaly.expect("recorded by the poll");
    assert_eq!(
        (anomaly.from_status, anomaly.status, anomaly.mp_last_updated_ms),
        (OrderStatus::InMediation, OrderStatus::Pending, pending_at)
    );

    // The seller wins the dispute: approved again, and still one "order paid".
    report(&app, payment_id, "approved", "accredited").await;
    let (status, polled) = app.get_status(&order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("approved")), "{polled}");
    assert_eq!(app.subscriber.messages().len(), 1);
}

#[tokio::test]
async fn concurrent_deliveries_of_a_refused_state_record_it_once_and_never_unpay() {
    let app = Arc::new(TestApp::spawn_with(quiet()).await);
    let (order_id, payment_id) = approved_order(&app).await;
    report(&app, payment_id, "pending", "pending_contingency").await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move { app.deliver_signed(&payment_id.to_string()).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task").0, 200);
    }
    let order = app.order(&order_id).await;
    assert_eq!((order.status, order.anomaly_count), (OrderStatus::Approved, 1));
    assert_eq!(app.subscriber.messages().len(), 1);
}

/// The rule is the store's condition, not a read before the write: a newer `pending` written
/// straight to DynamoDB for a paid order is refused by the write itself, and twenty such writes
/// racing a refund leave the order refunded.
#[tokio::test]
async fn the_store_refuses_a_transition_the_lifecycle_does_not_allow_in_its_write() {
    let app = Arc::new(TestApp::spawn_with(quiet()).await);
    let (order_id, payment_id) = approved_order(&app).await;
    let id = OrderId::parse(&order_id).expect("id");
    let applied = app.order(&order_id).await.mp_last_updated_ms.expect("dated");
    let update = |status, t| PaymentUpdate {
        payment_id,
        status,
        status_detail: "x".into(),
        mp_last_updated_ms: t,
        amount_refunded: rust_decimal::Decimal::ZERO,
        event: None,
        three_ds_info: None,
    };

    let refused = app.store.apply_payment(&id, &update(OrderStatus::Pending, applied + 10)).await.expect("DynamoDB");
    assert!(matches!(&refused, Applied::Stale(o) if o.status == OrderStatus::Approved), "{refused:?}");

    let barrier = Arc::new(tokio::sync::Barrier::new(21));
    let mut tasks: Vec<_> = (1..=20)
        .map(|i| {
            let (app, id, barrier, u) =
                (Arc::clone(&app), id.clone(), Arc::clone(&barrier), update(OrderStatus::Pending, applied + 20 + i));
            tokio::spawn(async move {
                barrier.wait().await;
                app.store.apply_payment(&id, &u).await
            })
        })
        .collect();
    let (app2, id2, barrier2, refund) =
        (Arc::clone(&app), id.clone(), Arc::clone(&barrier), update(OrderStatus::Refunded, applied + 30));
    tasks.push(tokio::spawn(async move {
        barrier2.wait().await;
        app2.store.apply_payment(&id2, &refund).await
    }));
    let mut updated = Vec::new();
    for t in tasks {
        if let Applied::Updated { order, .. } = t.await.expect("task").expect("DynamoDB answers") {
            updated.push(order.status);
        }
    }
    assert_eq!(updated, vec![OrderStatus::Refunded], "only the refund is applied");
    assert_eq!(app.order(&order_id).await.status, OrderStatus::Refunded);
}
