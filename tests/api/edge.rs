//! Anyone on the internet sends what they like: every function answers with a documented 4xx
//! JSON error, never a panic, a 5xx or a changed order.

use base64::Engine as _;
use checkout::http::HttpApiEvent;
use serde_json::{Value, json};

use crate::helpers::{Function, TestApp, contract_violation, key};

/// Invokes `function` and returns the status and body, failing on a panic or a broken contract.
async fn invoke(app: &TestApp, function: Function, event: &HttpApiEvent) -> (u16, Value) {
    let resp = app
        .invoke(function, &event.to_json())
        .await
        .unwrap_or_else(|panic| panic!("{}: {panic}\n{event:?}", function.name()))
        .unwrap_or_else(|| panic!("{}: the runtime could not read {event:?}", function.name()));
    if let Some(violation) = contract_violation(&resp, &event.method) {
        panic!("{}: {violation}\n{event:?}", function.name());
    }
    resp.parts()
}

#[tokio::test]
async fn an_amount_a_float_would_round_to_the_price_is_not_the_price() {
    let app = TestApp::spawn().await;
    let body = app.checkout_body("APRO").await.to_string();
    assert!(body.contains(r#""transaction_amount":18500.0"#), "{body}");
    let body = body.replace(r#""transaction_amount":18500.0"#, r#""transaction_amount":18500.0000000000001"#);
    let (status, answer) = app.post_payment_raw(Some(&key()), body).await;
    // Read exactly: 13 decimals are more than ARS has, so it cannot be any price at all.
    assert_eq!((status, answer["error"]["code"].as_str()), (422, Some("validation_failed")), "{answer}");
    assert_eq!(answer["error"]["fields"]["transaction_amount"], "too_many_decimals", "{answer}");
    assert!(app.charges().is_empty(), "nothing is charged");
}

#[tokio::test]
async fn a_request_id_smuggled_into_data_id_does_not_verify() {
    let app = TestApp::spawn().await;
    let (status, paid) = app.post_payment(Some(&key()), &app.checkout_body("CONT").await).await;
    assert_eq!(status, 201, "{paid}");
    app.webhooks_settle().await;
    let order_id = paid["order_id"].as_str().expect("order id");
    let payment_id = paid["payment_id"].as_u64().expect("payment id").to_string();
    let before = app.order(order_id).await;

    // A signature Mercado Pago made for data.id=P and x-request-id R.
    let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let secret = secrecy::SecretString::from(app.sandbox.control().webhook_secret().to_owned());
    let signature = mercadopago::webhook::sign(&secret, Some(&payment_id), Some("R"), &ts);
    // Replayed with the request id moved into data.id: the same manifest text.
    let forged = HttpApiEvent {
        raw_query_string: format!("data.id={payment_id}%3Brequest-id%3AR&type=payment"),
        headers: vec![("x-signature".into(), signature.clone())],
        body: Some(json!({"type": "payment", "data": {"id": payment_id}}).to_string()),
        ..HttpApiEvent::new("POST", "/api/notifications")
    };
    let (status, body) = invoke(&app, Function::routing("POST", "/api/notifications"), &forged).await;
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("invalid_signature")), "{body}");
    assert_eq!(app.order(order_id).await, before, "the order is unchanged");

    // The genuine delivery, with the same signature, is accepted.
    let genuine = HttpApiEvent {
        raw_query_string: format!("data.id={payment_id}&type=payment"),
        headers: vec![("x-signature".into(), signature), ("x-request-id".into(), "R".into())],
        ..forged
    };
    let (status, body) = invoke(&app, Function::routing("POST", "/api/notifications"), &genuine).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_utf8_or_not_base64_is_malformed_json() {
    let app = TestApp::spawn().await;
    let not_utf8: &[u8] = b"{\"items\": \"\xff\xfe\"}";
    let base64 = base64::engine::general_purpose::STANDARD.encode(not_utf8);
    let payment = |body: &str, is_base64_encoded: bool| HttpApiEvent {
        headers: vec![("content-type".into(), "application/json".into()), ("idempotency-key".into(), key())],
        body: Some(body.to_owned()),
        is_base64_encoded,
        ..HttpApiEvent::new("POST", "/api/process_payment")
    };
    for (what, event) in [
        ("base64 of bytes that are not UTF-8", payment(&base64, true)),
        ("flagged base64 but not base64", payment("{\"items\": []}", true)),
        ("text that is not JSON", payment("\u{fffd}\u{0}", false)),
    ] {
        let (status, body) = invoke(&app, Function::routing("POST", "/api/process_payment"), &event).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed_json")), "{what}: {body}");
    }
    // The same bytes handed over as a binary body (what a local emulator may do).
    let req: lambda_http::Request = http::Request::builder()
        .method("POST")
        .uri("/api/process_payment")
        .header("idempotency-key", key())
        .body(lambda_http::Body::Binary(not_utf8.to_vec()))
        .expect("request");
    let (status, body) = app.call(Function::routing("POST", "/api/process_payment"), req).await.parts();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed_json")), "{body}");
    assert!(app.charges().is_empty());
}

#[tokio::test]
async fn broken_escapes_and_raw_utf8_anywhere_get_a_documented_error_from_each_function() {
    let app = TestApp::spawn().await;
    let hostile_queries =
        ["data.id=%a\u{e9}&type=payment", "%", "a=%zz%&&==&\u{e9}=%C3", "data.id=\"<x>\" y&type=payment"];
    let hostile_paths = ["/api/%E9%zz/\u{e9}", "/api/payment_status/%", "/api/payment_status/\u{e9}\u{301}", "\u{e9}"];
    let hostile_headers = [
        ("idempotency-key", "\u{e9}t\u{e9}"),
        ("x-signature", "ts=\u{e9},v1=%zz"),
        ("x-request-id", "\u{e9};:"),
        ("origin", "https://\u{e9}.example"),
        ("content-type", "application/json; charset=\u{e9}"),
    ];
    let hostile_body = r#"{"it\u00e9ms%zz": [{"sk\u00fa": 1}], "\u0000": "\ud800", "payer": {"\u00e9": null}}"#;

    for &function in Function::all() {
        let (method, path) = function.path_with("%E9%zz");
        let (method, path) = (method, path.as_str());
        let mut events = vec![];
        for query in hostile_queries {
            events.push(HttpApiEvent { raw_query_string: query.into(), ..HttpApiEvent::new(method, path) });
        }
        for raw_path in hostile_paths {
            events.push(HttpApiEvent {
                path_parameters: vec![("order_id".into(), raw_path.into())],
                ..HttpApiEvent::new(method, raw_path)
            });
        }
        events.push(HttpApiEvent {
            headers: hostile_headers.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
            body: Some(hostile_body.into()),
            ..HttpApiEvent::new(method, path)
        });
        events.push(HttpApiEvent {
            headers: vec![("idempotency-key".into(), key())],
            body: Some(hostile_body.into()),
            ..HttpApiEvent::new(method, path)
        });
        for event in events {
            let (status, body) = invoke(&app, function, &event).await;
            assert!((400..500).contains(&status), "{}: {status} {body}\n{event:?}", function.name());
        }
    }
    assert!(app.charges().is_empty(), "nothing was charged");
}

#[tokio::test]
async fn a_caller_that_skips_cloudfront_is_refused_by_every_function() {
    let app = TestApp::spawn().await;
    let body = app.checkout_body("APRO").await.to_string();
    for &function in Function::all() {
        let (method, path) = function.path_with("0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10");
        for origin_header in [None, Some("a-guess"), Some("")] {
            let mut req = http::Request::builder().method(method).uri(&path).header("content-type", "application/json");
            if method == "POST" {
                req = req.header("idempotency-key", key());
            }
            if let Some(value) = origin_header {
                req = req.header("x-origin-verify", value);
            }
            let req = req.body(lambda_http::Body::Text(body.clone())).expect("request");
            let reply = app.call_direct(function, req).await;
            if let Some(violation) = contract_violation(&reply, method) {
                panic!("{}: {violation}", function.name());
            }
            let (status, answer) = reply.parts();
            assert_eq!(
                (status, answer["error"]["code"].as_str()),
                (403, Some("forbidden")),
                "{}: {answer}",
                function.name()
            );
        }
    }
    assert!(app.charges().is_empty(), "nothing was charged");
    // The same payment through CloudFront goes through.
    let (status, created) = app.post_payment_raw(Some(&key()), body).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("approved")), "{created}");
}
