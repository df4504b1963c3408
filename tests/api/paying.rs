//! A buyer pays: `process_payment` against the sandbox, DynamoDB and Secrets Manager (moto).

use std::sync::Arc;

use domain::order::OrderId;
use mp_sandbox::{Fault, FaultKind, SandboxConfig};
use serde_json::json;

use crate::helpers::{Options, TestApp, checkout_body, key, logs};

#[tokio::test]
async fn buyer_pays_with_approved_card() {
    let app = TestApp::spawn().await;
    let key = key();
    let (status, body) = app.post_payment(Some(&key), &app.checkout_body("APRO").await).await;

    assert_eq!(status, 201, "{body}");
    assert_eq!((body["status"].as_str(), body["status_detail"].as_str()), (Some("approved"), Some("accredited")));
    assert_eq!(
        body["message"],
        "¡Listo! Se acreditó tu pago. En tu resumen verás el cargo de $\u{a0}18.500,00 como MATECITO."
    );
    let order_id = body["order_id"].as_str().expect("order id");
    assert_eq!(uuid::Uuid::parse_str(order_id).map(|u| u.get_version_num()).ok(), Some(4));

    // Mercado Pago got the catalog price, our order id, our key and the webhook URL.
    let charges = app.charges();
    assert_eq!(charges.len(), 1);
    let charge = &charges[0];
    assert_eq!(body["payment_id"].as_u64(), Some(charge.id));
    assert_eq!(charge.transaction_amount, rust_decimal::Decimal::new(18500, 0));
    assert_eq!(charge.external_reference.as_deref(), Some(order_id));
    assert_eq!(charge.notification_url.as_deref(), Some(app.notification_url.as_str()));
    assert_eq!(charge.statement_descriptor.as_deref(), Some("MATECITO"));
    // What Mercado Pago shows the merchant and the buyer: titles in the buyer's language.
    assert_eq!(charge.description.as_deref(), Some("Matecito: 1 × Mate de calabaza"));
    let sent = app.sandbox.control().requests_to("POST /v1/payments");
    assert_eq!(sent[0].headers.get("x-idempotency-key"), Some(&key));

    // The order is stored, approved, without personal data.
    let order = app.order(order_id).await;
    assert_eq!((order.status.as_str(), order.payment_id), ("approved", Some(charge.id)));
    assert_eq!(order.terms.amount, rust_decimal::Decimal::new(18500, 0));
    let item = aws_sdk_dynamodb::Client::new(&app.sdk)
        .get_item()
        .table_name(&app.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("order#{order_id}")))
        .send()
        .await
        .expect("get item")
        .item
        .expect("item");
    // The buyer's e-mail, name, phone and address are kept for fulfilment, under `buyer` only;
    // the document and the card never are.
    let mut rest = item.clone();
    let buyer = rest.remove("buyer").expect("the buyer is kept");
    let buyer = format!("{buyer:?}");
    for kept in ["comprador@example.com", "Corrientes", "C1043", "5555-0100", "García"] {
        assert!(buyer.contains(kept), "{kept} not in {buyer}");
    }
    let stored = format!("{rest:?}");
    for personal in ["comprador@example.com", "Corrientes", "5555-0100", "García"] {
        assert!(!stored.contains(personal), "{personal} stored outside buyer: {stored}");
    }
    for never in ["12345678\"", "5031755734530604"] {
        assert!(!buyer.contains(never) && !stored.contains(never), "{never} stored");
    }

    // Approved at creation: "order paid" is published once (test credentials send no webhooks).
    app.webhooks_settle().await;
    let messages = app.subscriber.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["order_id"], order_id);
    assert_eq!(messages[0]["amount"], "18500.00");
}

#[tokio::test]
async fn approved_payment_answers_what_the_receipt_needs() {
    let app = TestApp::spawn().await;
    let mut request = app.checkout_body("APRO").await;
    request["items"] = json!([{"sku": "mate-calabaza", "quantity": 2}, {"sku": "yerba-organica-1kg", "quantity": 1}]);
    request["transaction_amount"] = json!(44250.50);
    let (status, created) = app.post_payment(Some(&key()), &request).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "approved");

    // The short number is the order id's derivation; the id stays the key.
    let order_id = created["order_id"].as_str().expect("order id");
    let number = OrderId::parse(order_id).expect("an order id").order_number();
    assert_eq!(created["order_number"], number.as_str());
    assert_eq!(number.len(), 11);
    assert!(
        number.chars().enumerate().all(|(i, c)| if i == 5 {
            c == '-'
        } else {
            c.is_ascii_digit() || c.is_ascii_uppercase()
        }),
        "{number}"
    );

    // What was bought, at the catalog's prices, with the currency's decimals.
    assert_eq!(
        created["items"],
        json!([
            {"sku": "mate-calabaza", "quantity": 2, "unit_price": "18500.00"},
            {"sku": "yerba-organica-1kg", "quantity": 1, "unit_price": "7250.50"},
        ])
    );
    assert_eq!((created["amount"].as_str(), created["currency"].as_str()), (Some("44250.50"), Some("ARS")));
    let order = app.order(order_id).await;
    let bought: Vec<_> = order.terms.lines.iter().map(|l| json!({"sku": l.sku, "quantity": l.quantity})).collect();
    let answered: Vec<_> = created["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| json!({"sku": i["sku"], "quantity": i["quantity"]}))
        .collect();
    assert_eq!(answered, bought);
    let charges = app.charges();
    assert_eq!(created["payment_id"].as_u64(), Some(charges[0].id));
    assert_eq!(charges[0].transaction_amount, rust_decimal::Decimal::new(4_425_050, 2));

    let mut keys: Vec<_> = created.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["amount", "currency", "items", "message", "order_id", "order_number", "payment_id", "status", "status_detail"]
    );
    let text = created.to_string();
    for personal in ["comprador@example.com", "12345678", request["token"].as_str().expect("token")] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }

    // The status the page polls answers the same receipt.
    let (status, polled) = app.get_status(order_id).await;
    assert_eq!(status, 200, "{polled}");
    for field in ["order_id", "order_number", "status", "amount", "currency", "items", "payment_id"] {
        assert_eq!(polled[field], created[field], "{field}");
    }
}

#[tokio::test]
async fn an_english_buyer_reads_the_amount_the_english_way() {
    let app = TestApp::spawn().await;
    let mut english = app.checkout_body("APRO").await;
    english["locale"] = json!("en-US");
    let (status, body) = app.post_payment(Some(&key()), &english).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body["message"],
        "Done! Your payment was credited. Your statement will show the ARS\u{a0}18,500.00 charge as MATECITO."
    );
    assert_eq!(body["amount"], "18500.00", "the API's own amount stays a plain decimal");
}

#[tokio::test]
async fn rejected_card_is_a_result_with_the_buyer_message() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("OTHE").await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_other_reason"))
    );
    assert_eq!(body["message"], "Mastercard no procesó el pago.");

    let mut english = app.checkout_body("FUND").await;
    english["locale"] = json!("en-US");
    let (_, body) = app.post_payment(Some(&key()), &english).await;
    assert_eq!(body["message"], "Your Mastercard does not have enough funds.");
    app.webhooks_settle().await;
    assert!(app.subscriber.messages().is_empty(), "no order paid for rejections");
}

#[tokio::test]
async fn pending_card_is_in_process() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    assert_eq!(status, 201);
    assert_eq!(
        (body["status"].as_str(), body["status_detail"].as_str()),
        (Some("in_process"), Some("pending_contingency"))
    );
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("Estamos procesando tu pago")));
}

#[tokio::test]
async fn missing_idempotency_key_is_refused() {
    let app = TestApp::spawn().await;
    let body = app.checkout_body("APRO").await;
    let (status, resp) = app.post_payment(None, &body).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (400, Some("missing_idempotency_key")));
    let (status, resp) = app.post_payment(Some("not a key!"), &body).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (400, Some("invalid_idempotency_key")));
    assert!(app.charges().is_empty());
}

#[tokio::test]
async fn same_key_twice_charges_once_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let key = key();
    let body = app.checkout_body("APRO").await;
    let first = app.post_payment(Some(&key), &body).await;
    let second = app.post_payment(Some(&key), &body).await;
    assert_eq!(first.0, 201);
    assert_eq!(first, second);
    assert_eq!(app.charges().len(), 1);
    assert_eq!(app.sandbox.control().requests_to("POST /v1/payments").len(), 1, "the retry never reached Mercado Pago");
}

#[tokio::test]
async fn same_key_with_another_body_is_a_conflict() {
    let app = TestApp::spawn().await;
    let key = key();
    let body = app.checkout_body("APRO").await;
    assert_eq!(app.post_payment(Some(&key), &body).await.0, 201);
    let mut other = body.clone();
    other["items"][0]["quantity"] = json!(2);
    other["transaction_amount"] = json!(37000.00);
    let (status, resp) = app.post_payment(Some(&key), &other).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (409, Some("idempotency_key_reused")));
    assert_eq!(app.charges().len(), 1);
}

#[tokio::test]
async fn fifty_concurrent_identical_requests_make_one_payment() {
    let app = Arc::new(TestApp::spawn().await);
    let key = key();
    let body = app.checkout_body("APRO").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (app, key, body) = (Arc::clone(&app), key.clone(), body.clone());
            tokio::spawn(async move { app.post_payment(Some(&key), &body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "all answers equal: {:?}",
        answers.iter().map(|a| a.0).collect::<Vec<_>>()
    );
    assert_eq!(answers[0].0, 201, "{}", answers[0].1);
    assert_eq!(app.charges().len(), 1, "exactly one payment in the sandbox");
    assert_eq!(
        app.sandbox.control().requests_to("POST /v1/payments").len(),
        1,
        "duplicates waited for the first attempt instead of calling Mercado Pago too"
    );
}

#[tokio::test]
async fn amount_differing_from_the_catalog_is_a_conflict() {
    let app = TestApp::spawn().await;
    let mut body = app.checkout_body("APRO").await;
    body["transaction_amount"] = json!(1.00);
    let (status, resp) = app.post_payment(Some(&key()), &body).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (409, Some("amount_mismatch")));
    assert!(app.charges().is_empty());
    // Without transaction_amount, the catalog price is charged.
    body.as_object_mut().map(|o| o.remove("transaction_amount"));
    assert_eq!(app.post_payment(Some(&key()), &body).await.0, 201);
    assert_eq!(app.charges()[0].transaction_amount, rust_decimal::Decimal::new(18500, 0));
}

#[tokio::test]
async fn invalid_requests_are_refused_before_charging() {
    let app = TestApp::spawn().await;
    let good = app.checkout_body("APRO").await;
    let cases = [
        ("items", json!([{"sku": "unicorn", "quantity": 1}]), "items[0].sku", "unknown_sku"),
        ("installments", json!(99), "installments", "out_of_range"),
        ("installments", json!("three"), "installments", "invalid"),
    ];
    for (field, value, path, code) in cases {
        let mut body = good.clone();
        body[field] = value;
        let (status, resp) = app.post_payment(Some(&key()), &body).await;
        assert_eq!((status, resp["error"]["code"].as_str()), (422, Some("validation_failed")), "{field}");
        assert_eq!(resp["error"]["fields"][path], code, "{resp}");
    }
    let mut bad_email = good.clone();
    bad_email["payer"]["email"] = json!("not-an-email");
    let (status, resp) = app.post_payment(Some(&key()), &bad_email).await;
    assert_eq!((status, resp["error"]["fields"]["payer.email"].as_str()), (422, Some("invalid")));

    let (status, resp) = app.post_payment_raw(Some(&key()), format!("{{\"pad\": \"{}\"}}", "x".repeat(20_000))).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (400, Some("body_too_large")));
    let (status, resp) = app.post_payment_raw(Some(&key()), "{not json".into()).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (400, Some("malformed_json")));

    assert!(app.sandbox.control().requests_to("POST /v1/payments").is_empty(), "nothing reached Mercado Pago");
}

#[tokio::test]
async fn mercado_pago_refusal_is_a_validation_error_and_stays_one() {
    let app = TestApp::spawn().await;
    let token = app.card_token("APRO").await;
    assert_eq!(app.post_payment(Some(&key()), &checkout_body(&token)).await.0, 201);
    // The same card token again: Mercado Pago answers 400 cause 2006.
    let key = key();
    let (status, resp) = app.post_payment(Some(&key), &checkout_body(&token)).await;
    assert_eq!((status, resp["error"]["fields"]["token"].as_str()), (422, Some("invalid")), "{resp}");
    let again = app.post_payment(Some(&key), &checkout_body(&token)).await;
    assert_eq!(again, (status, resp));
    assert_eq!(
        app.sandbox.control().requests_to("POST /v1/payments").len(),
        2,
        "the replay was answered from the store"
    );
}

#[tokio::test]
async fn provider_error_once_then_ok_charges_once() {
    let app = TestApp::spawn().await;
    app.sandbox.control().inject_fault(Fault::status("POST /v1/payments", 500, 1));
    let key = key();
    let (status, body) = app.post_payment(Some(&key), &app.checkout_body("APRO").await).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("approved")), "{body}");
    assert_eq!(app.charges().len(), 1);
    let attempts = app.sandbox.control().requests_to("POST /v1/payments");
    assert_eq!(attempts.iter().map(|r| r.status).collect::<Vec<_>>(), vec![500, 201]);
    assert!(attempts.iter().all(|r| r.headers.get("x-idempotency-key") == Some(&key)), "retries reuse the key");
}

#[tokio::test]
async fn lost_answer_is_recovered_without_a_second_charge() {
    let app = TestApp::spawn().await;
    app.sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 1,
        kind: FaultKind::Drop,
        after: true,
    });
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("approved")), "{body}");
    assert_eq!(app.charges().len(), 1, "the retry got the first payment back");
}

#[tokio::test]
async fn provider_down_answers_503_and_a_retry_with_the_same_key_completes_the_order() {
    let app = TestApp::spawn().await;
    app.sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 100,
        kind: FaultKind::Status { status: 503, retry_after: None },
        after: false,
    });
    let key = key();
    let body = app.checkout_body("APRO").await;
    let (status, resp) = app.post_payment(Some(&key), &body).await;
    assert_eq!((status, resp["error"]["code"].as_str()), (503, Some("payment_provider_unavailable")), "{resp}");
    assert!(app.charges().is_empty());

    app.sandbox.control().clear_faults();
    let (status, resp) = app.post_payment(Some(&key), &body).await;
    assert_eq!((status, resp["status"].as_str()), (201, Some("approved")), "{resp}");
    assert_eq!(app.charges().len(), 1);
}

#[tokio::test]
async fn provider_down_answer_carries_retry_after() {
    let app = TestApp::spawn().await;
    app.sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 100,
        kind: FaultKind::Status { status: 429, retry_after: Some(30) },
        after: false,
    });
    let req: lambda_http::Request = http::Request::builder()
        .method("POST")
        .uri("/api/process_payment")
        .header("idempotency-key", key())
        .body(lambda_http::Body::Text(app.checkout_body("APRO").await.to_string()))
        .expect("request");
    let resp = app.call(crate::helpers::Function::routing("POST", "/api/process_payment"), req).await;
    assert_eq!(resp.status, 503);
    assert_eq!(resp.header("retry-after"), Some("30"), "Mercado Pago's Retry-After is passed on");
    assert_eq!(
        app.sandbox.control().requests_to("POST /v1/payments").len(),
        1,
        "a Retry-After longer than the budget is not waited for"
    );
}

#[tokio::test]
async fn rotated_token_is_picked_up_without_restart() {
    let app = TestApp::spawn_with(Options {
        sandbox: SandboxConfig::for_tests(),
        env: vec![("SECRETS_TTL_SECS", "3600".into())],
        ..Options::default()
    })
    .await;
    assert_eq!(app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await.0, 201, "warms the secret cache");

    let new_token = app.sandbox.control().rotate_access_token();
    app.put_secret(&new_token).await;
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("approved")), "{body}");
    assert_eq!(app.charges().len(), 2);
    let statuses: Vec<_> = app.sandbox.control().requests_to("POST /v1/payments").iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![201, 401, 201], "old token refused once, then the new one from Secrets Manager");
}

#[tokio::test]
async fn the_event_carries_the_buyers_email_and_address_and_no_log_line_does() {
    let app = TestApp::spawn().await;
    let token = app.card_token("APRO").await;
    let mut body = checkout_body(&token);
    body["payer"]["email"] = json!("private.buyer@example.org");
    body["payer"]["identification"]["number"] = json!("30999111");
    body["payer"]["first_name"] = json!("Eulalia");
    body["payer"]["last_name"] = json!("Quiroga-Secreta");
    body["payer"]["phone"]["number"] = json!("+54 9 11 4444-3333");
    body["shipping_address"]["street_name"] = json!("Pasaje Escondido");
    body["shipping_address"]["zip_code"] = json!("X5000ZZ");
    let (status, created) = app.post_payment(Some(&key()), &body).await;
    assert_eq!(status, 201);
    app.webhooks_settle().await;
    let paid = app.subscriber.events("order.paid", created["order_id"].as_str().expect("order id"));
    let buyer = &paid.first().expect("order paid")["buyer"];
    assert_eq!(
        (buyer["email"].as_str(), buyer["first_name"].as_str(), buyer["shipping_address"]["street_name"].as_str()),
        (Some("private.buyer@example.org"), Some("Eulalia"), Some("Pasaje Escondido"))
    );
    assert_eq!(buyer["shipping_address"]["zip_code"], "X5000ZZ");
    assert_eq!(buyer["phone"]["number"], "+54 9 11 4444-3333");
    let rejected = app.card_token("OTHE").await;
    let mut body2 = checkout_body(&rejected);
    body2["payer"]["email"] = json!("private.buyer@example.org");
    body2["payer"]["identification"]["number"] = json!("30999111");
    app.post_payment(Some(&key()), &body2).await;
    // A refusal (used token) and a webhook also log.
    app.post_payment(Some(&key()), &body).await;
    app.webhooks_settle().await;

    let logs = logs();
    assert!(logs.contains("payment created"), "the capture works: {}", &logs[..logs.len().min(500)]);
    let access_token = app.sandbox.control().access_token();
    for secret in [
        access_token.as_str(),
        token.as_str(),
        rejected.as_str(),
        "private.buyer@example.org",
        "30999111",
        "Eulalia",
        "Quiroga-Secreta",
        "4444-3333",
        "Pasaje Escondido",
        "X5000ZZ",
        app.sandbox.control().webhook_secret(),
    ] {
        assert!(!logs.contains(secret), "{secret} appears in the logs");
    }
}

#[tokio::test]
async fn api_gateway_events_are_understood() {
    let app = TestApp::spawn().await;
    let body = app.checkout_body("APRO").await.to_string();
    let event = include_str!("../fixtures/apigw_v2_process_payment.json")
        .replace("\"BODY\"", &serde_json::to_string(&body).expect("json string"))
        .replace("IDEMPOTENCY_KEY", &key());
    let req = lambda_http::request::from_str(&event).expect("a valid API Gateway v2 event");
    let (status, body) = app.call(crate::helpers::Function::routing("POST", "/api/process_payment"), req).await.parts();
    assert_eq!((status, body["status"].as_str()), (201, Some("approved")), "{body}");
    // CloudFront's viewer address and the page's device id reach Mercado Pago.
    let created = app.sandbox.control().requests_to("POST /v1/payments").pop().expect("the payment request");
    assert_eq!(created.headers.get("x-meli-session-id").map(String::as_str), Some("armor.fixture-device-7f3a"));
    assert_eq!(created.body["additional_info"]["ip_address"], "203.0.113.7");
}

#[tokio::test]
async fn mercado_pago_learns_what_the_order_is_and_who_receives_it() {
    let app = TestApp::spawn().await;
    let mut body = app.checkout_body("APRO").await;
    body["items"] = json!([{"sku": "mate-calabaza", "quantity": 2}, {"sku": "yerba-organica-1kg", "quantity": 1}]);
    body["transaction_amount"] = json!(44250.50);
    body["locale"] = json!("en-US");
    body["shipping_address"]["floor"] = json!("3°");
    let (status, created) = app.post_payment(Some(&key()), &body).await;
    assert_eq!(status, 201, "{created}");
    let payment = app.charges().pop().expect("one charge");

    // The payer's name on the payment, and `additional_info` for Mercado Pago's risk scoring.
    assert_eq!(
        (payment.payer.first_name.as_deref(), payment.payer.last_name.as_deref()),
        (Some("Ana"), Some("García"))
    );
    let info = &payment.additional_info;
    // Prices as the order was priced: JSON numbers, compared by value (18500 and 18500.0 alike).
    let prices: Vec<Option<f64>> = (0..2).map(|i| info["items"][i]["unit_price"].as_f64()).collect();
    assert_eq!(prices, [Some(18500.0), Some(7250.5)]);
    let mut items = info["items"].clone();
    for item in items.as_array_mut().expect("items") {
        item.as_object_mut().expect("item").remove("unit_price");
    }
    assert_eq!(
        items,
        json!([
            {"id": "mate-calabaza", "title": "Gourd mate cup", "description": "Hand-cured gourd with a nickel-silver rim.",
             "category_id": "home", "quantity": 2},
            {"id": "yerba-organica-1kg", "title": "Organic yerba mate 1 kg", "description": "Naturally aged for 24 months, stemless.",
             "category_id": "others", "quantity": 1},
        ]),
        "names in the buyer's language, categories from the catalog"
    );
    assert_eq!(info["payer"]["phone"], json!({"number": "+54 11 5555-0100"}));
    assert_eq!(
        info["payer"]["address"],
        json!({"zip_code": "C1043", "street_name": "Av. Corrientes", "street_number": "1234"})
    );
    assert_eq!(
        info["shipments"]["receiver_address"],
        json!({"zip_code": "C1043", "state_name": "CABA", "city_name": "Buenos Aires", "street_name": "Av. Corrientes",
               "street_number": "1234", "floor": "3°"})
    );
}
