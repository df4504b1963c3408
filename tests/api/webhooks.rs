//! Mercado Pago tells us about payments: `notifications` with signed webhooks.

use std::sync::Arc;
use std::time::Duration;

use domain::ports::OrderRepository as _;
use mp_sandbox::{Fault, FaultKind, ForgedWebhook, SandboxConfig, Settlement};
use serde_json::json;

use crate::helpers::{Options, TestApp, key, notification_body};

/// A CONT payment: in process until settled. Returns (order id, payment id).
async fn pending_order(app: &TestApp) -> (String, u64) {
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("in_process")), "{body}");
    app.webhooks_settle().await;
    (body["order_id"].as_str().expect("order").to_owned(), body["payment_id"].as_u64().expect("payment"))
}

fn quiet() -> Options {
    Options {
        sandbox: SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() },
        env: vec![],
        ..Options::default()
    }
}

#[tokio::test]
async fn signed_webhook_approves_the_order_and_publishes_once() {
    let app = TestApp::spawn().await;
    let (order_id, payment_id) = pending_order(&app).await;
    assert_eq!(app.order(&order_id).await.status.as_str(), "in_process");

    // The acquirer approves; the sandbox sends a signed webhook to the real handler.
    app.sandbox.control().settle(payment_id, Settlement::Approved, None).expect("settle");
    app.webhooks_settle().await;
    let deliveries = app.sandbox.control().deliveries();
    assert!(deliveries.iter().all(|d| d.delivered), "every webhook answered 200: {deliveries:?}");

    let order = app.order(&order_id).await;
    assert_eq!((order.status.as_str(), order.status_detail.as_str()), ("approved", "accredited"));
    let messages = app.subscriber.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert_eq!(
        (m["type"].as_str(), m["order_id"].as_str(), m["payment_id"].as_u64()),
        (Some("order.paid"), Some(order_id.as_str()), Some(payment_id))
    );
    assert_eq!((m["amount"].as_str(), m["currency_id"].as_str()), (Some("18500.00"), Some("ARS")));
    assert_eq!(m["items"][0]["sku"], "mate-calabaza");
    // Who to deliver to, for fulfilment; never the document or the card.
    assert_eq!(m["buyer"]["email"], "comprador@example.com");
    assert_eq!(m["buyer"]["shipping_address"]["zip_code"], "C1043");
    assert_eq!(m["buyer"]["phone"]["number"], "+54 11 5555-0100");
    let text = m.to_string();
    assert!(!text.contains("12345678") && !text.contains("503175"), "no document or card data: {text}");

    // Redelivery (a replay) changes nothing and publishes nothing.
    app.sandbox.control().redeliver(payment_id).expect("redeliver");
    app.webhooks_settle().await;
    assert_eq!(app.subscriber.messages().len(), 1);
}

#[tokio::test]
async fn twenty_concurrent_deliveries_of_one_approval_publish_one_message() {
    let app = Arc::new(TestApp::spawn_with(quiet()).await);
    let (order_id, payment_id) = pending_order(&app).await;
    app.sandbox.control().settle(payment_id, Settlement::Approved, None).expect("settle");
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move { app.deliver_signed(&payment_id.to_string()).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task").0, 200);
    }
    assert_eq!(app.order(&order_id).await.status.as_str(), "approved");
    assert_eq!(app.subscriber.messages().len(), 1, "exactly one order paid message");
}

/// The guarantee under the test above, without the HTTP layers in between: twenty concurrent
/// writes of one approval to one order, over several orders, leave exactly one writer holding the
/// "order paid" claim and nineteen told the state is not newer. (DynamoDB applies a conditional
/// write atomically; the local moto is made to as well by `scripts/moto_server.py`, and this
/// test is what catches it if it is not.)
#[tokio::test]
async fn concurrent_writes_of_one_approval_have_exactly_one_winner() {
    let app = Arc::new(TestApp::spawn_with(quiet()).await);
    for round in 0..20 {
        let (order_id, payment_id) = pending_order(&app).await;
        let stored = app.order(&order_id).await.mp_last_updated_ms.expect("in_process has a date");
        let update = domain::order::PaymentUpdate {
            payment_id,
            status: domain::order::OrderStatus::Approved,
            status_detail: "accredited".into(),
            mp_last_updated_ms: stored + 1,
            amount_refunded: rust_decimal::Decimal::ZERO,
            event: None,
            three_ds_info: None,
        };
        let barrier = Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (app, order_id, update, barrier) =
                    (Arc::clone(&app), order_id.clone(), update.clone(), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    app.store.apply_payment(&domain::order::OrderId::parse(&order_id).expect("id"), &update).await
                })
            })
            .collect();
        let (mut claimed, mut updated, mut stale) = (0, 0, 0);
        for t in tasks {
            match t.await.expect("task").expect("DynamoDB answers") {
                domain::order::Applied::Updated { claimed: c, .. } => {
                    updated += 1;
                    claimed += usize::from(c);
                }
                domain::order::Applied::Stale(_) => stale += 1,
                domain::order::Applied::NotFound => panic!("the order exists"),
            }
        }
        assert_eq!((updated, claimed, stale), (1, 1, 19), "round {round}: one writer wins, and it holds the claim");
    }
}

#[tokio::test]
async fn forged_webhook_is_rejected_and_changes_nothing() {
    let app = TestApp::spawn_with(quiet()).await;
    let (order_id, payment_id) = pending_order(&app).await;
    app.sandbox.control().settle(payment_id, Settlement::Approved, None).expect("settle");
    let id = payment_id.to_string();
    let secret = secrecy::SecretString::from(app.sandbox.control().webhook_secret().to_owned());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = mercadopago::webhook::sign(&secret, Some(&id), Some("req-1"), &now.to_string());
    let query = format!("data.id={id}&type=payment");
    let body = notification_body(&id, "payment");

    let stale_ts = (now - 3600).to_string();
    /// (what is wrong, query, headers)
    type Case<'a> = (&'a str, String, Vec<(&'a str, String)>);
    let cases: Vec<Case<'_>> = vec![
        ("missing header", query.clone(), vec![("x-request-id", "req-1".into())]),
        ("malformed header", query.clone(), vec![("x-signature", "garbage".into()), ("x-request-id", "req-1".into())]),
        (
            "tampered v1",
            query.clone(),
            vec![("x-signature", good.replace("v1=", "v1=0")), ("x-request-id", "req-1".into())],
        ),
        (
            "tampered ts",
            query.clone(),
            vec![
                ("x-signature", good.replace(&now.to_string(), &(now + 1).to_string())),
                ("x-request-id", "req-1".into()),
            ],
        ),
        ("tampered request id", query.clone(), vec![("x-signature", good.clone()), ("x-request-id", "req-2".into())]),
        (
            "tampered data.id",
            format!("data.id={}&type=payment", payment_id + 1),
            vec![("x-signature", good.clone()), ("x-request-id", "req-1".into())],
        ),
        (
            "stale ts",
            query.clone(),
            vec![
                ("x-signature", mercadopago::webhook::sign(&secret, Some(&id), Some("req-1"), &stale_ts)),
                ("x-request-id", "req-1".into()),
            ],
        ),
        (
            "wrong secret",
            query.clone(),
            vec![
                (
                    "x-signature",
                    mercadopago::webhook::sign(
                        &secrecy::SecretString::from("guess"),
                        Some(&id),
                        Some("req-1"),
                        &now.to_string(),
                    ),
                ),
                ("x-request-id", "req-1".into()),
            ],
        ),
    ];
    for (what, query, headers) in cases {
        let (status, resp) = app.deliver_notification(&query, &headers, &body).await;
        assert_eq!((status, resp["error"]["code"].as_str()), (401, Some("invalid_signature")), "{what}");
    }
    assert_eq!(app.order(&order_id).await.status.as_str(), "in_process", "no forged webhook moved the order");
    assert!(app.subscriber.messages().is_empty());
    assert!(app.sandbox.control().requests_to("GET /v1/payments/{id}").is_empty(), "forged webhooks cause no lookups");

    // The genuine one works.
    let (status, _) =
        app.deliver_notification(&query, &[("x-signature", good), ("x-request-id", "req-1".into())], &body).await;
    assert_eq!(status, 200);
    assert_eq!(app.order(&order_id).await.status.as_str(), "approved");
}

#[tokio::test]
async fn replays_and_out_of_order_deliveries_never_move_an_order_back() {
    let app = TestApp::spawn_with(quiet()).await;
    let (order_id, payment_id) = pending_order(&app).await;
    let id = payment_id.to_string();

    // Delivery A reads the payment while it is still in process, but its answer is slow...
    app.sandbox.control().inject_fault(Fault {
        route: "GET /v1/payments/{id}".into(),
        times: 1,
        kind: FaultKind::Latency { ms: 1500 },
        after: true,
    });
    let slow = {
        let app = &app;
        let id = id.clone();
        async move { app.deliver_signed(&id).await }
    };
    // ...meanwhile the payment is approved and delivery B applies it.
    let fast = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.sandbox.control().settle(payment_id, Settlement::Approved, None).expect("settle");
        let r = app.deliver_signed(&id).await;
        assert_eq!(app.order(&order_id).await.status.as_str(), "approved", "B applied the approval first");
        r
    };
    let (a, b) = tokio::join!(slow, fast);
    assert_eq!((a.0, b.0), (200, 200));
    assert_eq!(a.1["status"], "unchanged", "A's older in_process state was refused");
    let order = app.order(&order_id).await;
    assert_eq!((order.status.as_str(), order.status_detail.as_str()), ("approved", "accredited"));

    // Replays of the approval change nothing.
    for _ in 0..3 {
        assert_eq!(app.deliver_signed(&id).await.1["status"], "unchanged");
    }
    assert_eq!(app.subscriber.messages().len(), 1);

    // A later refund is newer: it applies, and no second order paid event.
    tokio::time::sleep(Duration::from_millis(5)).await;
    app.sandbox.control().set_status(payment_id, "refunded", "refunded").expect("refund");
    assert_eq!(app.deliver_signed(&id).await.1["status"], "updated");
    assert_eq!(app.order(&order_id).await.status.as_str(), "refunded");
    assert_eq!(app.subscriber.messages().len(), 1);
}

#[tokio::test]
async fn other_topics_unknown_payments_and_unknown_orders_are_acknowledged() {
    let app = TestApp::spawn_with(quiet()).await;
    let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let (status, body) = app.deliver_signed_at("987654", "merchant_order", &ts).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ignored")));
    // The panel's simulated notification uses a payment id that does not exist.
    let (status, body) = app.deliver_signed("123456").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ignored")));

    // A real payment whose order is not ours.
    let token = app.card_token("APRO").await;
    let stranger = reqwest::Client::new()
        .post(format!("{}/v1/payments", app.sandbox.base_url()))
        .bearer_auth(app.sandbox.control().access_token())
        .header("X-Idempotency-Key", key())
        .json(&json!({"token": token, "transaction_amount": 10, "installments": 1, "payment_method_id": "master",
                      "payer": {"email": "x@example.com"}, "external_reference": uuid::Uuid::new_v4().to_string()}))
        .send()
        .await
        .expect("payment")
        .json::<serde_json::Value>()
        .await
        .expect("json");
    let (status, body) = app.deliver_signed(&stranger["id"].to_string()).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ignored")));
    assert!(app.subscriber.messages().is_empty());
}

#[tokio::test]
async fn malformed_deliveries_get_4xx_never_5xx() {
    let app = TestApp::spawn_with(quiet()).await;
    let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let (status, body) = app.deliver_signed_at("abc", "payment", &ts).await;
    assert_eq!((status, body["error"]["fields"]["data.id"].as_str()), (422, Some("invalid")));
    let (status, _) = app.deliver_notification("", &[], &json!("not an object")).await;
    assert_eq!(status, 401);
    let (status, _) =
        app.deliver_notification("data.id=%ZZ&type=payment", &[("x-signature", "ts=1,v1=00".into())], &json!({})).await;
    assert_eq!(status, 401);
    let req: lambda_http::Request = http::Request::builder()
        .method("POST")
        .uri("/api/notifications?data.id=1&type=payment")
        .body(lambda_http::Body::Binary(vec![0xff, 0xfe, 0x00]))
        .expect("request");
    let resp = app.call(crate::helpers::Function::routing("POST", "/api/notifications"), req).await;
    assert_eq!(resp.status, 401);
}

#[tokio::test]
async fn probes_get_200() {
    let app = TestApp::spawn_with(quiet()).await;
    let req: lambda_http::Request = http::Request::builder()
        .method("GET")
        .uri("/api/notifications")
        .body(lambda_http::Body::Empty)
        .expect("request");
    let resp = app.call(crate::helpers::Function::routing("POST", "/api/notifications"), req).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn the_sandbox_forged_webhook_reaches_the_handler_like_mercado_pago_does() {
    let app = TestApp::spawn_with(quiet()).await;
    let (_, payment_id) = pending_order(&app).await;
    let result = app
        .sandbox
        .control()
        .forge_webhook(ForgedWebhook { data_id: payment_id.to_string(), ..ForgedWebhook::default() })
        .await
        .expect("sent");
    assert_eq!(result.status, Some(200), "{result:?}");
    let forged = app
        .sandbox
        .control()
        .forge_webhook(ForgedWebhook {
            data_id: payment_id.to_string(),
            secret: Some("attacker".into()),
            ..ForgedWebhook::default()
        })
        .await
        .expect("sent");
    assert_eq!(forged.status, Some(401));
}

#[tokio::test]
async fn without_a_notification_url_the_panel_webhook_still_settles_the_order() {
    // First deploy: the public URL is not known yet, so payments carry no notification_url and
    // Mercado Pago posts to the URL configured in its panel (the sandbox's default URL here).
    let app = TestApp::spawn_with(Options {
        sandbox: SandboxConfig::for_tests(),
        env: vec![("NOTIFICATION_URL", String::new())],
        ..Options::default()
    })
    .await;
    let (order_id, payment_id) = pending_order(&app).await;
    assert_eq!(app.charges()[0].notification_url, None);
    app.sandbox.control().settle(payment_id, Settlement::Approved, None).expect("settle");
    app.webhooks_settle().await;
    assert_eq!(app.order(&order_id).await.status.as_str(), "approved");
}

/// A cancelled transaction leaves every item it named as it was. (The local moto backs up only
/// the items a transaction names, not the whole table: `scripts/moto_server.py`,
/// `patch_transactions`. This is the test that catches a rollback that does not roll back.)
#[tokio::test]
async fn a_cancelled_transaction_changes_nothing_in_the_local_dynamodb() {
    use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
    let app = TestApp::spawn_with(quiet()).await;
    let db = aws_sdk_dynamodb::Client::new(&app.sdk);
    let s = |v: &str| AttributeValue::S(v.to_owned());
    db.put_item().table_name(&app.table).item("pk", s("existing")).item("v", s("before")).send().await.expect("put");
    let put = |pk: &str, v: &str| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name(&app.table)
                    .item("pk", s(pk))
                    .item("v", s(v))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .expect("put"),
            )
            .build()
    };
    // The first write would succeed on its own; the second fails its condition.
    let result = db
        .transact_write_items()
        .transact_items(put("new", "after"))
        .transact_items(put("existing", "after"))
        .send()
        .await;
    assert!(result.is_err(), "the transaction is cancelled");
    let get = |pk: &'static str| db.get_item().table_name(&app.table).key("pk", s(pk)).consistent_read(true).send();
    assert!(get("new").await.expect("get").item.is_none(), "the first write was rolled back");
    let existing = get("existing").await.expect("get").item.expect("still there");
    assert_eq!(existing.get("v"), Some(&s("before")), "the failed write changed nothing");

    // And one that succeeds applies both writes.
    db.transact_write_items()
        .transact_items(put("a", "1"))
        .transact_items(put("b", "2"))
        .send()
        .await
        .expect("applied");
    assert!(get("a").await.expect("get").item.is_some() && get("b").await.expect("get").item.is_some());
}
