//! The page asks how a payment went: `payment_status`.

use domain::order::OrderId;
use mp_sandbox::{Fault, FaultKind, SandboxConfig, Settlement};
use serde_json::json;

use crate::helpers::{Options, TestApp, key};

#[tokio::test]
async fn pending_payment_settled_by_webhook_reads_approved() {
    let app = TestApp::spawn().await;
    let (_, body) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    let order_id = body["order_id"].as_str().expect("order");
    let (status, pending) = app.get_status(order_id).await;
    assert_eq!((status, pending["status"].as_str()), (200, Some("in_process")));

    app.sandbox.control().settle(body["payment_id"].as_u64().expect("id"), Settlement::Approved, None).expect("settle");
    app.webhooks_settle().await;
    let (status, done) = app.get_status(order_id).await;
    assert_eq!(status, 200);
    assert_eq!((done["status"].as_str(), done["status_detail"].as_str()), (Some("approved"), Some("accredited")));
    assert_eq!((done["amount"].as_str(), done["currency"].as_str()), (Some("18500.00"), Some("ARS")));
    assert_eq!(done["payment_id"], body["payment_id"]);
    assert!(done["message"].as_str().is_some_and(|m| m.starts_with("¡Listo!")));
    assert!(done["updated_at"].as_str().is_some_and(|t| t.contains('T')));
}

#[tokio::test]
async fn without_webhooks_polling_settles_the_payment() {
    // Payments made with test credentials send no webhooks at all.
    let app = TestApp::spawn_with(Options {
        sandbox: SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() },
        env: vec![],
        ..Options::default()
    })
    .await;
    let (_, body) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    let order_id = body["order_id"].as_str().expect("order");
    app.sandbox.control().settle(body["payment_id"].as_u64().expect("id"), Settlement::Approved, None).expect("settle");
    assert_eq!(app.order(order_id).await.status.as_str(), "in_process", "nothing told us yet");

    let (status, polled) = app.get_status(order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("approved")));
    assert_eq!(app.order(order_id).await.status.as_str(), "approved");
    assert_eq!(app.subscriber.messages().len(), 1, "order paid, once");
    app.get_status(order_id).await;
    assert_eq!(app.subscriber.messages().len(), 1);
    assert!(app.sandbox.control().deliveries().is_empty());
}

#[tokio::test]
async fn an_order_whose_create_answer_was_lost_is_found_by_reference() {
    // No webhooks (test credentials): only the status lookup can find the payment.
    let app = TestApp::spawn_with(Options {
        sandbox: SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() },
        env: vec![("MP_MAX_RETRIES", "0".into())],
        ..Options::default()
    })
    .await;
    app.sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 1,
        kind: FaultKind::Status { status: 500, retry_after: None },
        after: true,
    });
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(app.charges().len(), 1, "Mercado Pago charged although its answer was an error");
    let order_id = app.charges()[0].external_reference.clone().expect("reference");
    assert_eq!(app.order(&order_id).await.status.as_str(), "created");

    let (status, polled) = app.get_status(&order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("approved")), "{polled}");
    assert_eq!(polled["payment_id"].as_u64(), Some(app.charges()[0].id));
}

#[tokio::test]
async fn an_approved_order_reads_its_number_and_items() {
    let app = TestApp::spawn().await;
    let mut request = app.checkout_body("APRO").await;
    request["items"] = json!([{"sku": "yerba-organica-1kg", "quantity": 3}, {"sku": "bombilla-acero", "quantity": 1}]);
    request["transaction_amount"] = json!(31251.50);
    let (status, created) = app.post_payment(Some(&key()), &request).await;
    assert_eq!(status, 201, "{created}");
    let order_id = created["order_id"].as_str().expect("order");

    let (status, polled) = app.get_status(order_id).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("approved")), "{polled}");
    let id = OrderId::parse(order_id).expect("an order id");
    assert_eq!(polled["order_number"], id.order_number().as_str());
    assert_eq!(
        polled["items"],
        json!([
            {"sku": "yerba-organica-1kg", "quantity": 3, "unit_price": "7250.50"},
            {"sku": "bombilla-acero", "quantity": 1, "unit_price": "9500.00"},
        ])
    );
    for item in polled["items"].as_array().expect("items") {
        let price = item["unit_price"].as_str().expect("a decimal string");
        assert!(price.split_once('.').is_some_and(|(_, cents)| cents.len() == 2), "two decimals for ARS: {price}");
    }
    assert_eq!(polled["amount"], "31251.50");
    // The same order read in another language has the same receipt.
    let (_, english) = app.get_status_in(order_id, "en-US").await;
    assert_eq!((&english["order_number"], &english["items"]), (&polled["order_number"], &polled["items"]));
}

#[tokio::test]
async fn an_english_status_message_has_no_spanish_amount() {
    let app = TestApp::spawn().await;
    // Paid from a Spanish page (the order's language), read from an English and a Portuguese one.
    let (_, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    let order_id = body["order_id"].as_str().expect("order");
    let (_, spanish) = app.get_status(order_id).await;
    assert!(spanish["message"].as_str().is_some_and(|m| m.contains("$\u{a0}18.500,00")), "{spanish}");

    let (status, english) = app.get_status_in(order_id, "en-US").await;
    assert_eq!(status, 200);
    let message = english["message"].as_str().expect("message");
    assert_eq!(
        message,
        "Done! Your payment was credited. Your statement will show the ARS\u{a0}18,500.00 charge as MATECITO."
    );
    assert!(!message.contains("18.500") && !message.contains(",00"), "Spanish-formatted amount: {message}");

    let (_, portuguese) = app.get_status_in(order_id, "pt-BR").await;
    assert!(portuguese["message"].as_str().is_some_and(|m| m.contains("ARS\u{a0}18.500,00")), "{portuguese}");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404() {
    let app = TestApp::spawn().await;
    for id in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".into(), "../../etc/passwd".into(), String::new()] {
        let (status, body) = app.get_status(&id).await;
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")), "{id}");
    }
}

#[tokio::test]
async fn status_answers_are_not_cached_and_carry_no_payer_data() {
    let app = TestApp::spawn().await;
    let (_, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    let resp = app.get_status_response(body["order_id"].as_str().expect("order")).await;
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let (_, json) = resp.parts();
    let mut keys: Vec<_> = json.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "amount",
            "currency",
            "items",
            "message",
            "order_id",
            "order_number",
            "payment_id",
            "status",
            "status_detail",
            "updated_at"
        ]
    );
    let text = json.to_string();
    assert!(!text.contains("comprador@example.com") && !text.contains("12345678"));
}

#[tokio::test]
async fn mercado_pago_down_serves_the_stored_state() {
    let app = TestApp::spawn_with(Options {
        sandbox: SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() },
        env: vec![("MP_MAX_RETRIES", "0".into())],
        ..Options::default()
    })
    .await;
    let (_, body) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    app.sandbox.control().inject_fault(Fault::status("GET /v1/payments/{id}", 503, 5));
    let (status, polled) = app.get_status(body["order_id"].as_str().expect("order")).await;
    assert_eq!((status, polled["status"].as_str()), (200, Some("in_process")));
}
