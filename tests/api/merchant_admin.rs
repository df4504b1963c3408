//! The merchant runs the shop with `checkout-admin` (crates/checkout-admin): lists and shows
//! orders, refunds and cancels payments, against the sandbox and moto, through the same
//! library the binary calls.

use std::time::Duration;

use checkout_admin::{Admin, AdminError, Filter, StackSettings, format, parse_time};
use domain::order::{Order, OrderStatus};
use domain::settle::Settled;
use mercadopago::IdempotencyKey;
use mp_sandbox::{Fault, FaultKind, SandboxConfig};
use rust_decimal::Decimal;

use crate::helpers::{Options, TestApp, key, moto_url};

/// The admin over this test's stack, as `--local` builds it from `functions.env` (the same
/// topic, so the test's subscriber sees what the admin publishes).
async fn admin(app: &TestApp) -> Admin {
    let env = [
        ("ORDERS_TABLE", app.table.clone()),
        ("MP_SECRET_ARN", app.secret_arn.clone()),
        ("ORDER_EVENTS_TOPIC_ARN", app.topic_arn.clone()),
        ("CATALOG_BUCKET", app.catalog_bucket.clone()),
        ("MP_API_BASE_URL", app.sandbox.base_url().to_owned()),
        ("MP_MAX_RETRIES", "2".to_owned()),
        ("AWS_ENDPOINT_URL", moto_url().to_owned()),
    ];
    let text: String = env.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    let settings = StackSettings {
        env: checkout_admin::stack::parse_env_file(&text),
        aws_endpoint_url: Some(moto_url().to_owned()),
    };
    Admin::connect(&settings).await.expect("admin")
}

/// The `amount_refunded` of each `order.refunded` event of an order, in order.
fn refunds_announced(app: &TestApp, order_id: &str) -> Vec<String> {
    app.subscriber
        .events("order.refunded", order_id)
        .iter()
        .map(|e| e["amount_refunded"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Pays with `cardholder`; returns the order id.
async fn pay(app: &TestApp, cardholder: &str) -> String {
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body(cardholder).await).await;
    assert_eq!(status, 201, "{body}");
    app.webhooks_settle().await;
    body["order_id"].as_str().expect("order id").to_owned()
}

fn status_of(order: &Order) -> (&str, &str) {
    (order.status.as_str(), order.status_detail.as_str())
}

fn new_key() -> IdempotencyKey {
    IdempotencyKey::new(uuid::Uuid::new_v4().to_string()).expect("key")
}

#[tokio::test]
async fn merchant_lists_and_shows_orders_with_filters() {
    let app = TestApp::spawn().await;
    let paid = pay(&app, "APRO").await;
    let pending = pay(&app, "CONT").await;
    let admin = admin(&app).await;

    let all = admin.list(&Filter::default()).await.expect("list");
    let ids: Vec<String> = all.iter().map(|o| o.order_id.to_string()).collect();
    assert_eq!(ids, vec![pending.clone(), paid.clone()], "newest first");

    let approved = Filter { status: Some(OrderStatus::Approved), ..Filter::default() };
    let only: Vec<String> = admin.list(&approved).await.expect("list").iter().map(|o| o.order_id.to_string()).collect();
    assert_eq!(only, vec![paid.clone()]);
    let future = Filter { since: Some(parse_time("2999-01-01").expect("date")), ..Filter::default() };
    assert!(admin.list(&future).await.expect("list").is_empty());
    let past = Filter { until: Some(parse_time("2000-01-01T00:00:00Z").expect("time")), ..Filter::default() };
    assert!(admin.list(&past).await.expect("list").is_empty());

    let table = format::table(&all);
    assert!(table.contains(&paid) && table.contains("2 order(s)"), "{table}");
    let csv = format::csv(&all);
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("order_number,order_id,created_at,status"));
    let json: serde_json::Value = serde_json::from_str(&format::json(&all)).expect("json");
    assert_eq!(json[1]["order_id"], paid.as_str());
    assert_eq!(json[1]["status"], "approved");

    let by_id = admin.find(&paid).await.expect("by id");
    let number = by_id.order_id.order_number();
    let by_number = admin.find(&number.to_lowercase()).await.expect("by number");
    assert_eq!(by_number.order_id, by_id.order_id);
    assert!(format::details(&by_number).contains(&number));
    assert!(matches!(admin.find("NOPE0-NOPE0").await, Err(AdminError::NotFound(_))));
}

#[tokio::test]
async fn merchant_refunds_an_order_in_full() {
    let app = TestApp::spawn().await;
    let order_id = pay(&app, "APRO").await;
    let admin = admin(&app).await;
    let order = admin.find(&order_id).await.expect("order");

    let done = admin.refund(&order, None, &new_key()).await.expect("refunded");
    assert_eq!(done.refund.amount, order.terms.amount);
    assert!(matches!(done.settled, Settled::Updated(_)), "{:?}", done.settled);
    assert_eq!(status_of(&app.order(&order_id).await), ("refunded", "refunded"));

    // One `order.refunded`, however many times the state is read again.
    app.webhooks_settle().await;
    admin.sync(&order).await.expect("read back");
    app.get_status(&order_id).await;
    assert_eq!(refunds_announced(&app, &order_id), ["18500.00"]);
    let event = &app.subscriber.events("order.refunded", &order_id)[0];
    assert_eq!((event["status"].as_str(), event["amount"].as_str()), (Some("refunded"), Some("18500.00")));
    assert!(event.get("buyer").is_none(), "no buyer data after payment");
}

#[tokio::test]
async fn merchant_refunds_part_of_an_order_once_even_when_retrying_after_a_lost_answer() {
    let app = TestApp::spawn().await;
    let order_id = pay(&app, "APRO").await;
    let admin = admin(&app).await;
    let order = admin.find(&order_id).await.expect("order");
    let payment_id = order.payment_id.expect("payment");

    // Mercado Pago makes the refund but every answer is lost (the client's retries too).
    app.sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments/{id}/refunds".into(),
        times: 3,
        kind: FaultKind::Status { status: 503, retry_after: None },
        after: true,
    });
    let key = new_key();
    let lost = admin.refund(&order, Some("10.50"), &key).await.expect_err("answer lost");
    assert!(matches!(lost, AdminError::Unavailable(_)), "{lost}");
    assert_eq!(app.sandbox.control().payment(payment_id).expect("payment").refunds.len(), 1, "retries: same key");

    // The merchant runs the command again with the printed key: the same refund, not a second.
    let done = admin.refund(&order, Some("10.50"), &key).await.expect("refunded");
    assert_eq!(done.refund.amount, Decimal::new(1050, 2));
    let payment = app.sandbox.control().payment(payment_id).expect("payment");
    assert_eq!(payment.refunds.len(), 1, "one refund per key");
    assert_eq!(payment.transaction_amount_refunded, Decimal::new(1050, 2));
    assert_eq!(status_of(&app.order(&order_id).await), ("approved", "partially_refunded"));

    // A second partial refund with a new key, then the rest.
    admin.refund(&order, Some("1"), &new_key()).await.expect("second part");
    admin.refund(&order, None, &new_key()).await.expect("the rest");
    assert_eq!(app.sandbox.control().payment(payment_id).expect("payment").refunds.len(), 3);
    assert_eq!(status_of(&app.order(&order_id).await), ("refunded", "refunded"));
    let stored = app.order(&order_id).await;
    assert_eq!(stored.amount_refunded, order.terms.amount);
    let csv = format::csv(std::slice::from_ref(&stored));
    assert!(csv.starts_with("order_number,order_id,created_at,status,status_detail,amount,amount_refunded,"), "{csv}");
    assert!(csv.contains(",refunded,refunded,18500.00,18500.00,ARS,"), "the books see the refund: {csv}");

    // Each refund announced once, with the total refunded by then.
    app.webhooks_settle().await;
    assert_eq!(refunds_announced(&app, &order_id), ["10.50", "11.50", "18500.00"]);
}

#[tokio::test]
async fn merchant_cancels_a_pending_payment() {
    let app = TestApp::spawn().await;
    let order_id = pay(&app, "CONT").await;
    let admin = admin(&app).await;
    let order = admin.find(&order_id).await.expect("order");
    assert_eq!(order.status, OrderStatus::InProcess);

    let done = admin.cancel(&order).await.expect("cancelled");
    assert_eq!(done.payment.status.as_str(), "cancelled");
    assert_eq!(status_of(&app.order(&order_id).await), ("cancelled", "by_collector"));
    app.webhooks_settle().await;
    let cancelled = app.subscriber.events("order.cancelled", &order_id);
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
    assert_eq!(cancelled[0]["status_detail"], "by_collector");
    assert!(app.subscriber.events("order.paid", &order_id).is_empty(), "never paid");
}

#[tokio::test]
async fn what_mercado_pago_refuses_leaves_the_order_unchanged() {
    let app = TestApp::spawn().await;
    let paid = pay(&app, "APRO").await;
    let pending = pay(&app, "CONT").await;
    let admin = admin(&app).await;
    let paid_order = admin.find(&paid).await.expect("order");
    let pending_order = admin.find(&pending).await.expect("order");

    let over = format!("{}", paid_order.terms.amount + Decimal::ONE);
    let refused = admin.refund(&paid_order, Some(&over), &new_key()).await.expect_err("over the amount");
    assert!(
        matches!(&refused, AdminError::Refused { status: 400, causes, .. } if causes[0].starts_with("2063")),
        "{refused}"
    );
    let refused = admin.cancel(&paid_order).await.expect_err("an approved payment");
    assert!(matches!(refused, AdminError::Refused { status: 400, .. }), "{refused}");
    let refused = admin.refund(&pending_order, None, &new_key()).await.expect_err("not approved");
    assert!(matches!(refused, AdminError::Refused { status: 400, .. }), "{refused}");
    let invalid = admin.refund(&paid_order, Some("1.005"), &new_key()).await.expect_err("three decimals");
    assert!(matches!(invalid, AdminError::Amount(..)), "{invalid}");

    admin.refund(&paid_order, None, &new_key()).await.expect("full");
    let refused = admin.refund(&paid_order, None, &new_key()).await.expect_err("already refunded");
    assert!(matches!(refused, AdminError::Refused { .. }), "{refused}");

    assert_eq!(app.order(&paid).await.status_detail, "refunded");
    assert_eq!(app.order(&pending).await, pending_order, "the refused order is untouched");
    app.webhooks_settle().await;
    assert_eq!(refunds_announced(&app, &paid), ["18500.00"], "refusals announce nothing");
    assert!(app.subscriber.events("order.cancelled", &paid).is_empty());
}

#[tokio::test]
async fn a_refund_made_in_mercado_pagos_panel_reaches_the_order_by_webhook_and_by_reading_back() {
    let app = TestApp::spawn().await;
    let order_id = pay(&app, "APRO").await;
    let admin = admin(&app).await;
    let payment_id = app.order(&order_id).await.payment_id.expect("payment");

    // By webhook: the sandbox signs and sends `payment.updated`; the notifications function applies it.
    app.sandbox.control().panel_refund(payment_id, Some(Decimal::new(500, 2))).expect("panel refund");
    app.webhooks_settle().await;
    assert_eq!(status_of(&app.order(&order_id).await), ("approved", "partially_refunded"));

    // Without a webhook: reading the payment back (`orders show --refresh`) applies it.
    app.sandbox.control().set_webhooks_enabled(false);
    tokio::time::sleep(Duration::from_millis(2)).await;
    app.sandbox.control().panel_refund(payment_id, None).expect("panel refund of the rest");
    assert_eq!(status_of(&app.order(&order_id).await), ("approved", "partially_refunded"), "not yet known");
    let order = admin.find(&order_id).await.expect("order");
    let synced = admin.sync(&order).await.expect("read back");
    assert!(matches!(synced.settled, Settled::Updated(_)), "{:?}", synced.settled);
    assert_eq!(status_of(&app.order(&order_id).await), ("refunded", "refunded"));
}

#[tokio::test]
async fn a_chargeback_reaches_the_order_by_webhook() {
    let app =
        TestApp::spawn_with(Options { sandbox: SandboxConfig::for_tests(), env: vec![], ..Options::default() }).await;
    let order_id = pay(&app, "APRO").await;
    let payment_id = app.order(&order_id).await.payment_id.expect("payment");
    app.sandbox.control().chargeback(payment_id).expect("chargeback");
    app.webhooks_settle().await;
    assert_eq!(status_of(&app.order(&order_id).await), ("charged_back", "settled"));
    app.sandbox.control().redeliver(payment_id).expect("redeliver");
    app.webhooks_settle().await;
    assert_eq!(app.subscriber.events("order.charged_back", &order_id).len(), 1, "one event per change");
}

#[tokio::test]
async fn a_refund_made_in_mercado_pagos_panel_reaches_the_order_by_status_polling() {
    let recheck = vec![("STATUS_RECHECK_PAID_AFTER_SECS", "0".to_owned())];
    let app =
        TestApp::spawn_with(Options { sandbox: SandboxConfig::for_tests(), env: recheck, ..Options::default() }).await;
    let order_id = pay(&app, "APRO").await;
    let payment_id = app.order(&order_id).await.payment_id.expect("payment");

    app.sandbox.control().set_webhooks_enabled(false);
    tokio::time::sleep(Duration::from_millis(2)).await;
    app.sandbox.control().panel_refund(payment_id, Some(Decimal::new(250_000, 2))).expect("panel refund");
    assert_eq!(status_of(&app.order(&order_id).await), ("approved", "accredited"), "no webhook came");

    // The receipt page polls: the paid order is read again and the refund applied.
    let (status, body) = app.get_status(&order_id).await;
    assert_eq!((status, body["status_detail"].as_str()), (200, Some("partially_refunded")), "{body}");
    let order = app.order(&order_id).await;
    assert_eq!(order.amount_refunded, Decimal::new(250_000, 2));
    assert_eq!(refunds_announced(&app, &order_id), ["2500.00"]);
}

#[tokio::test]
async fn concurrent_deliveries_and_polls_announce_each_change_exactly_once() {
    let recheck = vec![("STATUS_RECHECK_PAID_AFTER_SECS", "0".to_owned())];
    let app = std::sync::Arc::new(
        TestApp::spawn_with(Options { sandbox: SandboxConfig::for_tests(), env: recheck, ..Options::default() }).await,
    );
    let order_id = pay(&app, "APRO").await;
    let payment_id = app.order(&order_id).await.payment_id.expect("payment");
    app.sandbox.control().set_webhooks_enabled(false);

    for (step, amount) in [(1, Some(Decimal::new(100_000, 2))), (2, None)] {
        tokio::time::sleep(Duration::from_millis(2)).await;
        app.sandbox.control().panel_refund(payment_id, amount).expect("panel refund");
        // Ten webhook deliveries and ten status polls at once, all reading the new state.
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (app, barrier, order_id) =
                    (std::sync::Arc::clone(&app), std::sync::Arc::clone(&barrier), order_id.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    if i % 2 == 0 {
                        app.deliver_signed(&payment_id.to_string()).await.0
                    } else {
                        app.get_status(&order_id).await.0
                    }
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task"), 200, "step {step}");
        }
    }
    assert_eq!(status_of(&app.order(&order_id).await), ("refunded", "refunded"));
    assert_eq!(refunds_announced(&app, &order_id), ["1000.00", "18500.00"], "each change once");
    assert_eq!(app.subscriber.events("order.paid", &order_id).len(), 1);
}

#[tokio::test]
async fn merchant_sees_who_to_ship_to_and_erases_it_on_request() {
    let app = TestApp::spawn().await;
    let order_id = pay(&app, "APRO").await;
    let admin = admin(&app).await;
    let order = admin.find(&order_id).await.expect("order");

    let shown = format::details(&order);
    for line in
        ["e-mail          comprador@example.com", "name            Ana García", "phone           +54 11 5555-0100"]
    {
        assert!(shown.contains(line), "{line} in {shown}");
    }
    assert!(shown.contains("ship to         Av. Corrientes 1234, C1043 Buenos Aires, CABA"), "{shown}");
    let json: serde_json::Value = serde_json::from_str(&format::details_json(&order)).expect("json");
    assert_eq!(json["buyer"]["shipping_address"]["zip_code"], "C1043");
    assert!(!format::table(std::slice::from_ref(&order)).contains("comprador@example.com"), "listings name no buyer");

    let forgotten = admin.forget(&order).await.expect("forgotten");
    assert_eq!(forgotten.terms.buyer, None);
    let stored = app.order(&order_id).await;
    assert_eq!(stored.terms.buyer, None);
    assert_eq!(
        (stored.status.clone(), stored.terms.amount, stored.payment_id),
        (order.status, order.terms.amount, order.payment_id)
    );
    assert_eq!(stored.terms.lines, order.terms.lines, "the books keep the lines");
    let item = aws_sdk_dynamodb::Client::new(&app.sdk)
        .get_item()
        .table_name(&app.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("order#{order_id}")))
        .send()
        .await
        .expect("get item")
        .item;
    let item = format!("{item:?}");
    assert!(!item.contains("Corrientes") && !item.contains("comprador@example.com"), "{item}");
    assert!(format::details(&stored).contains("none kept"));
}
