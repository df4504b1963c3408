//! The client against the sandbox (stateful flows) and wiremock (one-off HTTP edge cases).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test code: a failed expectation or a missing JSON field is a failed test"
)]

use std::time::{Duration, Instant};

use mercadopago::{
    Client, ClientConfig, Error, IdempotencyKey, Payer, PaymentCreateRequest, PaymentStatus, RetryPolicy, SearchRequest,
};
use mp_sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base_url: &str, retry: RetryPolicy) -> Client {
    let mut config = ClientConfig::with_base_url(base_url).expect("url");
    config.retry = RetryPolicy { base_delay: Duration::from_millis(10), ..retry };
    config.request_timeout = Duration::from_secs(2);
    Client::new(config).expect("client")
}

async fn card_token(sandbox: &Sandbox, name: &str) -> String {
    mercadopago::install_crypto_provider();
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/v1/card_tokens?public_key={}", sandbox.base_url(), sandbox.control().public_key()))
        .json(&json!({"card_number": "4509953566233704", "expiration_month": 11, "expiration_year": 2030,
                      "security_code": "123", "cardholder": {"name": name}}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("json");
    resp["id"].as_str().expect("id").to_owned()
}

fn request(token: &str) -> PaymentCreateRequest {
    PaymentCreateRequest {
        transaction_amount: Decimal::new(10050, 2),
        token: token.to_owned(),
        installments: 1,
        payment_method_id: "visa".into(),
        issuer_id: Some("310".into()),
        payer: Payer { email: "buyer@example.com".into(), ..Payer::default() },
        description: Some("test".into()),
        external_reference: Some("order-1".into()),
        notification_url: None,
        statement_descriptor: None,
        metadata: None,
        capture: None,
        binary_mode: None,
        additional_info: None,
        three_d_secure_mode: None,
    }
}

fn token(sandbox: &Sandbox) -> SecretString {
    SecretString::from(sandbox.control().access_token())
}

#[tokio::test]
async fn creates_gets_and_searches_payments_in_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let key = IdempotencyKey::new("k-1").expect("key");
    let card = card_token(&sandbox, "APRO").await;
    let created = mp.create_payment(&token(&sandbox), &request(&card), &key).await.expect("created");
    assert_eq!((created.status.clone(), created.transaction_amount), (PaymentStatus::Approved, Decimal::new(10050, 2)));

    let again = mp.create_payment(&token(&sandbox), &request(&card), &key).await.expect("same key");
    assert_eq!(again.id, created.id, "same key, same payment");
    assert_eq!(sandbox.control().payments().len(), 1);

    let got = mp.get_payment(&token(&sandbox), created.id).await.expect("get");
    assert_eq!(got.external_reference.as_deref(), Some("order-1"));
    let page = mp
        .search_payments(
            &token(&sandbox),
            &SearchRequest { external_reference: Some("order-1".into()), ..SearchRequest::default() },
        )
        .await
        .expect("search");
    assert_eq!((page.paging.total, page.results[0].id), (1, created.id));

    let missing = mp.get_payment(&token(&sandbox), 1).await.expect_err("404");
    assert_eq!(missing.status(), Some(404));
    assert!(missing.body().is_some_and(|b| b.has_cause(2000)));
}

#[tokio::test]
async fn a_challenge_comes_back_with_what_the_page_needs_and_the_device_id_goes_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/payments"))
        .and(header("X-meli-session-id", "armor.abc123"))
        .and(header("X-Idempotency-Key", "k-3ds"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 52044997115_u64, "status": "pending", "status_detail": "pending_challenge",
            "transaction_amount": 100.5, "currency_id": "ARS",
            "three_ds_info": {"external_resource_url": "https://acs-public.tp.mastercard.com/api/v1/browser_Challenges",
                              "creq": "eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6ImEifQ"}})))
        .expect(1)
        .mount(&server)
        .await;
    let mp = client(&server.uri(), RetryPolicy::none());
    let mut req = request("tok");
    req.three_d_secure_mode = Some(mercadopago::ThreeDSecureMode::Optional);
    let key = IdempotencyKey::new("k-3ds").expect("key");
    let payment = mp
        .create_payment_with_device(&SecretString::from("TEST-x"), &req, &key, Some("armor.abc123"))
        .await
        .expect("a pending payment");
    assert_eq!((payment.status, payment.status_detail.as_str()), (PaymentStatus::Pending, "pending_challenge"));
    let info = payment.three_ds_info.expect("three_ds_info");
    assert!(info.external_resource_url.starts_with("https://acs-public.tp.mastercard.com/"));
    assert_eq!(info.creq, "eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6ImEifQ");
    // The body says which mode.
    let sent: serde_json::Value = server.received_requests().await.expect("recorded")[0].body_json().expect("json");
    assert_eq!(sent["three_d_secure_mode"], "optional");
}

#[tokio::test]
async fn rejected_cards_are_results_not_errors() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "OTHE").await;
    let p = mp
        .create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("k").expect("key"))
        .await
        .expect("201");
    assert_eq!((p.status, p.status_detail.as_str()), (PaymentStatus::Rejected, "cc_rejected_other_reason"));
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_key_then_succeed() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    sandbox.control().inject_fault(Fault::status("POST /v1/payments", 503, 2));
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "APRO").await;
    let p = mp
        .create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("same").expect("key"))
        .await
        .expect("third try");
    assert_eq!(p.status, PaymentStatus::Approved);
    let sent = sandbox.control().requests_to("POST /v1/payments");
    assert_eq!(sent.iter().map(|r| r.status).collect::<Vec<_>>(), vec![503, 503, 201]);
    assert!(sent.iter().all(|r| r.headers.get("x-idempotency-key").map(String::as_str) == Some("same")));
}

#[tokio::test]
async fn retries_stop_after_the_configured_count() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    sandbox.control().inject_fault(Fault::status("GET /v1/payments/{id}", 500, 10));
    let mp = client(sandbox.base_url(), RetryPolicy { max_retries: 2, ..RetryPolicy::default() });
    let err = mp.get_payment(&token(&sandbox), 1).await.expect_err("gives up");
    assert_eq!(err.status(), Some(500));
    assert!(err.is_retryable());
    assert_eq!(sandbox.control().requests_to("GET /v1/payments/{id}").len(), 3, "1 attempt + 2 retries");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_keep_the_envelope() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let err = mp
        .create_payment(
            &token(&sandbox),
            &request("0123456789abcdef0123456789abcdef"),
            &IdempotencyKey::new("k").expect("key"),
        )
        .await
        .expect_err("unknown token");
    let body = err.body().expect("envelope");
    assert_eq!((err.status(), body.error.as_str(), body.status), (Some(400), "bad_request", 400));
    assert!(body.has_cause(2006));
    assert_eq!(sandbox.control().requests_to("POST /v1/payments").len(), 1);

    let unauthorized = mp.get_payment(&SecretString::from("TEST-wrong"), 1).await.expect_err("401");
    assert!(unauthorized.is_unauthorized() && !unauthorized.is_retryable());
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 1,
        kind: FaultKind::Drop,
        after: true,
    });
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "APRO").await;
    let p = mp
        .create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("drop").expect("key"))
        .await
        .expect("retried");
    assert_eq!(sandbox.control().payments().len(), 1, "charged once although the first answer was lost");
    assert_eq!(sandbox.control().payments()[0].id, p.id);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/payments/7"))
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(
                json!({"message": "slow down", "error": "too_many_requests", "status": 429, "cause": []}),
            ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/payments/7"))
        .and(header("authorization", "Bearer T"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 7, "status": "approved", "transaction_amount": 1})),
        )
        .mount(&server)
        .await;
    let mp = client(&server.uri(), RetryPolicy::default());
    let start = Instant::now();
    let p = mp.get_payment(&SecretString::from("T"), 7).await.expect("after waiting");
    assert_eq!(p.id, 7);
    assert!(start.elapsed() >= Duration::from_secs(1), "waited Retry-After: {:?}", start.elapsed());
}

#[tokio::test]
async fn a_retry_after_beyond_the_limit_is_returned_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let mp = client(&server.uri(), RetryPolicy::default());
    let start = Instant::now();
    let err = mp.get_payment(&SecretString::from("T"), 7).await.expect_err("503");
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.body().is_some_and(|b| b.message.contains("503")), "non-JSON bodies get a synthesized envelope");
}

#[tokio::test]
async fn slow_answers_time_out_and_count_as_transport_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(3))
                .set_body_json(json!({"id": 1, "status": "approved", "transaction_amount": 1})),
        )
        .mount(&server)
        .await;
    let mut config = ClientConfig::with_base_url(&server.uri()).expect("url");
    config.request_timeout = Duration::from_millis(200);
    config.retry = RetryPolicy { max_retries: 1, base_delay: Duration::from_millis(10), ..RetryPolicy::default() };
    let mp = Client::new(config).expect("client");
    let err = mp.get_payment(&SecretString::from("T"), 1).await.expect_err("timeout");
    assert!(matches!(err, Error::Transport { timeout: true, .. }), "{err:?}");
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2), "a timeout is retried");
}

#[tokio::test]
async fn the_budget_bounds_the_total_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(500)).mount(&server).await;
    let mut config = ClientConfig::with_base_url(&server.uri()).expect("url");
    config.retry = RetryPolicy {
        max_retries: 10,
        base_delay: Duration::from_millis(300),
        max_delay: Duration::from_millis(300),
        budget: Duration::from_millis(700),
        ..RetryPolicy::default()
    };
    let mp = Client::new(config).expect("client");
    mp.get_payment(&SecretString::from("T"), 1).await.expect_err("500");
    let n = server.received_requests().await.map(|r| r.len()).unwrap_or(0);
    assert!((2..=3).contains(&n), "stopped by the budget, not the retry count: {n} attempts");
}

#[tokio::test]
async fn the_access_token_never_appears_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"message": "invalid_token", "error": "not_found", "status": 401, "cause": []})),
        )
        .mount(&server)
        .await;
    let mp = client(&server.uri(), RetryPolicy::none());
    let secret = "APP_USR-1234-secret-token-value";
    let err = mp.get_payment(&SecretString::from(secret), 1).await.expect_err("401");
    assert!(!format!("{err:?} {err} {mp:?}").contains(secret));
    let sent = server.received_requests().await.unwrap_or_default();
    assert_eq!(
        sent[0].headers.get("authorization").and_then(|v| v.to_str().ok()),
        Some(format!("Bearer {secret}").as_str())
    );
}

#[tokio::test]
async fn refunds_in_part_then_in_full_once_per_key_even_after_a_lost_answer() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "APRO").await;
    let paid = mp.create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("pay").expect("key")).await;
    let id = paid.expect("paid").id;

    // The sandbox makes the refund, then loses the answer: the client's retry, same key, gets it.
    sandbox.control().inject_fault(Fault {
        route: "POST /v1/payments/{id}/refunds".into(),
        times: 1,
        kind: FaultKind::Status { status: 503, retry_after: None },
        after: true,
    });
    let key = IdempotencyKey::new("refund-1").expect("key");
    let part = mp.refund_payment(&token(&sandbox), id, Some(Decimal::new(2525, 2)), &key).await.expect("partial");
    assert_eq!((part.payment_id, part.amount), (id, Decimal::new(2525, 2)));
    let again = mp.refund_payment(&token(&sandbox), id, Some(Decimal::new(2525, 2)), &key).await.expect("replay");
    assert_eq!(again.id, part.id, "same key, same refund");
    let sent = sandbox.control().requests_to("POST /v1/payments/{id}/refunds");
    assert_eq!(sent.iter().map(|r| r.status).collect::<Vec<_>>(), vec![503, 201, 201]);
    let p = mp.get_payment(&token(&sandbox), id).await.expect("get");
    assert_eq!((p.status.clone(), p.status_detail.as_str()), (PaymentStatus::Approved, "partially_refunded"));
    assert_eq!(p.transaction_amount_refunded, Some(Decimal::new(2525, 2)));

    let rest = mp
        .refund_payment(&token(&sandbox), id, None, &IdempotencyKey::new("refund-2").expect("key"))
        .await
        .expect("the rest");
    assert_eq!(rest.amount, Decimal::new(7525, 2));
    let p = mp.get_payment(&token(&sandbox), id).await.expect("get");
    assert_eq!((p.status, p.status_detail.as_str()), (PaymentStatus::Refunded, "refunded"));
    assert_eq!(p.transaction_amount_refunded, Some(Decimal::new(10050, 2)));
    assert_eq!(mp.list_refunds(&token(&sandbox), id).await.expect("list").len(), 2);
}

#[tokio::test]
async fn refusals_keep_mercado_pagos_cause_codes() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "APRO").await;
    let paid = mp.create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("pay").expect("key")).await;
    let id = paid.expect("paid").id;
    let cause = |e: Error| match e {
        Error::Api { status, body, .. } => (status, body.cause.first().and_then(mercadopago::Cause::code_number)),
        other => panic!("not an API error: {other:?}"),
    };

    let at = token(&sandbox);
    let key = |k: &str| IdempotencyKey::new(k).expect("key");
    let over = mp.refund_payment(&at, id, Some(Decimal::new(10051, 2)), &key("r1")).await;
    assert_eq!(cause(over.expect_err("over the rest")), (400, Some(2063)));
    let zero = mp.refund_payment(&at, id, Some(Decimal::ZERO), &key("r2")).await;
    assert_eq!(cause(zero.expect_err("not positive")), (400, Some(4040)));
    mp.refund_payment(&at, id, None, &key("r3")).await.expect("full");
    let twice = mp.refund_payment(&at, id, None, &key("r4")).await;
    assert_eq!(cause(twice.expect_err("already refunded")), (400, Some(2063)));
    let cancel = mp.cancel_payment(&token(&sandbox), id).await.expect_err("a refunded payment");
    assert_eq!(cause(cancel), (400, Some(3005)));
    let missing = mp.cancel_payment(&token(&sandbox), 1).await.expect_err("no such payment");
    assert_eq!(cause(missing).0, 404);
}

#[tokio::test]
async fn cancels_a_pending_payment() {
    let sandbox = Sandbox::start(SandboxConfig::for_tests()).await.expect("sandbox");
    let mp = client(sandbox.base_url(), RetryPolicy::default());
    let card = card_token(&sandbox, "CONT").await;
    let pending = mp.create_payment(&token(&sandbox), &request(&card), &IdempotencyKey::new("pay").expect("key")).await;
    let pending = pending.expect("pending");
    assert_eq!(pending.status, PaymentStatus::InProcess);
    let cancelled = mp.cancel_payment(&token(&sandbox), pending.id).await.expect("cancelled");
    assert_eq!(
        (cancelled.status.clone(), cancelled.status_detail.as_str()),
        (PaymentStatus::Cancelled, "by_collector")
    );
    assert!(cancelled.last_updated() > pending.last_updated(), "date_last_updated moves on");
    let key = IdempotencyKey::new("r").expect("key");
    let refund = mp.refund_payment(&token(&sandbox), pending.id, None, &key).await;
    assert_eq!(refund.expect_err("not approved").status(), Some(400));
}
