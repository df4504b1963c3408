//! The sandbox over HTTP, as Mercado Pago's clients see it: every route, every cardholder code,
//! idempotency under concurrency, signed webhooks with retries, faults, token rotation.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test code: a failed expectation or a missing JSON field is a failed test"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use mp_sandbox::scenario::SCENARIOS;
use mp_sandbox::site::SiteId;
use mp_sandbox::{Fault, FaultKind, ForgedWebhook, Sandbox, SandboxConfig, Settlement};
use serde_json::{Value, json};
use sha2::Sha256;

const MASTER_MLA: &str = "5031755734530604";

struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: SandboxConfig) -> Api {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        Api { sandbox, http: reqwest::Client::new() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    fn token(&self) -> String {
        self.sandbox.control().access_token()
    }

    async fn card_token_for(&self, number: &str, name: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/v1/card_tokens?public_key={}", self.sandbox.control().public_key())))
            .json(&json!({"card_number": number, "expiration_month": 11, "expiration_year": 2030,
                "security_code": if number.starts_with('3') { "1234" } else { "123" },
                "cardholder": {"name": name, "identification": {"type": "DNI", "number": "12345678"}}}))
            .send()
            .await
            .expect("card token request")
    }

    async fn card_token(&self, name: &str) -> String {
        let resp = self.card_token_for(MASTER_MLA, name).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.expect("json");
        body["id"].as_str().expect("token id").to_owned()
    }

    async fn pay(&self, key: &str, body: &Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/v1/payments"))
            .bearer_auth(self.token())
            .header("X-Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("payment request");
        let status = resp.status();
        (status, resp.json().await.expect("json body"))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).bearer_auth(self.token()).send().await.expect("get");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self.http.put(self.url(path)).bearer_auth(self.token()).json(&body).send().await.expect("put");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn refund(&self, id: u64, key: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req =
            self.http.post(self.url(&format!("/v1/payments/{id}/refunds"))).bearer_auth(self.token()).json(&body);
        if let Some(k) = key {
            req = req.header("X-Idempotency-Key", k);
        }
        let resp = req.send().await.expect("refund");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A card payment as Mercado Pago's docs post it, paid with a new APRO-style token.
    async fn approved_payment(&self, name: &str, amount: f64, reference: &str) -> Value {
        let token = self.card_token(name).await;
        let (status, body) = self.pay(&uuid(), &payment_body(&token, amount, reference)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn payment_body(token: &str, amount: f64, reference: &str) -> Value {
    json!({
        "token": token, "transaction_amount": amount, "installments": 1, "payment_method_id": "master",
        "issuer_id": "3", "description": "Sandbox test", "external_reference": reference,
        "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}}
    })
}

fn cause_code(body: &Value) -> i64 {
    body["cause"][0]["code"].as_i64().unwrap_or(-1)
}

#[tokio::test]
async fn every_cardholder_code_gives_its_documented_outcome() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    for scenario in SCENARIOS {
        let body = api.approved_payment(scenario.code, 100.0, scenario.code).await;
        assert_eq!(body["status"], scenario.outcome.status, "{}", scenario.code);
        assert_eq!(body["status_detail"], scenario.outcome.status_detail, "{}", scenario.code);
        assert_eq!(body["card"]["cardholder"]["name"], scenario.code);
        assert_eq!(body["external_reference"], scenario.code);
    }
    // The documented payment resource fields are all there.
    let body = api.approved_payment("APRO", 58.8, "full").await;
    for field in [
        "id",
        "status",
        "status_detail",
        "date_created",
        "date_approved",
        "date_last_updated",
        "payment_type_id",
        "payment_method_id",
        "transaction_amount",
        "currency_id",
        "installments",
        "transaction_details",
        "card",
        "external_reference",
        "metadata",
        "payer",
        "issuer_id",
        "captured",
        "fee_details",
        "refunds",
    ] {
        assert!(body.get(field).is_some(), "missing {field} in {body}");
    }
    assert_eq!(body["transaction_amount"], json!(58.8));
    assert_eq!(body["card"]["first_six_digits"], "503175");
    assert_eq!(body["card"]["last_four_digits"], "0604");
    assert_eq!(body["payment_type_id"], "credit_card");
    assert_eq!(body["payer"]["email"], "buyer@example.com");
    assert_eq!(body["currency_id"], "ARS");
    assert_eq!(body["transaction_details"]["total_paid_amount"], json!(58.8));
}

#[tokio::test]
async fn payments_need_an_idempotency_key_and_a_valid_access_token() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let token = api.card_token("APRO").await;
    let body = payment_body(&token, 10.0, "r");

    let resp = api.http.post(api.url("/v1/payments")).bearer_auth(api.token()).json(&body).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cause_code(&resp.json().await.expect("json")), 4292);

    let resp =
        api.http.post(api.url("/v1/payments")).header("X-Idempotency-Key", "k").json(&body).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let v: Value = resp.json().await.expect("json");
    assert_eq!((v["error"].as_str(), cause_code(&v)), (Some("unauthorized"), 5));

    let resp = api
        .http
        .post(api.url("/v1/payments"))
        .bearer_auth("TEST-wrong")
        .header("X-Idempotency-Key", "k")
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.expect("json"),
        json!({"message":"invalid_token","error":"not_found","status":401,"cause":[]})
    );
    // Nothing was charged, and the token is still usable.
    assert!(api.sandbox.control().payments().is_empty());
    assert_eq!(api.pay("k", &body).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn validation_errors_use_mercado_pagos_cause_codes() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let token = api.card_token("APRO").await;
    let cases = [
        (json!({"token": token}), 4002),
        (json!({"token": token, "transaction_amount": 10, "installments": 1, "payer": {"email": "a@b.co"}}), 4001),
        (
            json!({"token": "0123456789abcdef0123456789abcdef", "transaction_amount": 10, "installments": 1, "payment_method_id": "master", "payer": {"email": "a@b.co"}}),
            2006,
        ),
        (
            json!({"token": token, "transaction_amount": 10, "installments": 1, "payment_method_id": "visa", "payer": {"email": "a@b.co"}}),
            3028,
        ),
        (
            json!({"token": token, "transaction_amount": 10, "installments": 1, "payment_method_id": "master", "payer": {"email": "nope"}}),
            4050,
        ),
        (
            json!({"token": token, "transaction_amount": 0.001, "installments": 1, "payment_method_id": "master", "payer": {"email": "a@b.co"}}),
            4037,
        ),
        (
            json!({"token": token, "transaction_amount": 99_999_999, "installments": 1, "payment_method_id": "master", "payer": {"email": "a@b.co"}}),
            2072,
        ),
    ];
    for (body, code) in cases {
        let (status, resp) = api.pay(&uuid(), &body).await;
        assert_eq!((status, cause_code(&resp)), (StatusCode::BAD_REQUEST, code), "{body} → {resp}");
        assert_eq!(resp["error"], "bad_request");
        assert!(resp["cause"][0]["data"].as_str().is_some_and(|d| d.contains(';')));
    }
    let resp = api
        .http
        .post(api.url("/v1/payments"))
        .bearer_auth(api.token())
        .header("X-Idempotency-Key", "x")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(api.sandbox.control().payments().is_empty(), "no payment from invalid requests");
}

#[tokio::test]
async fn card_tokens_are_single_use_and_expire() {
    let config = SandboxConfig { card_token_ttl: Duration::from_millis(300), ..SandboxConfig::for_tests() };
    let api = Api::start(config).await;
    let token = api.card_token("APRO").await;
    assert_eq!(api.pay("a", &payment_body(&token, 10.0, "r")).await.0, StatusCode::CREATED);
    let (status, body) = api.pay("b", &payment_body(&token, 10.0, "r")).await;
    assert_eq!((status, cause_code(&body)), (StatusCode::BAD_REQUEST, 2006), "used token");

    let stale = api.card_token("APRO").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, body) = api.pay("c", &payment_body(&stale, 10.0, "r")).await;
    assert_eq!((status, cause_code(&body)), (StatusCode::BAD_REQUEST, 2006), "expired token");

    let resp = api.card_token_for("5031755734530605", "APRO").await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(cause_code(&resp.json().await.expect("json")), 3034, "Luhn");
    let resp = api.http.post(api.url("/v1/card_tokens?public_key=wrong")).json(&json!({})).send().await.expect("send");
    assert_eq!((resp.status(), cause_code(&resp.json().await.expect("json"))), (StatusCode::BAD_REQUEST, 1001));
}

#[tokio::test]
async fn fifty_parallel_creates_with_one_key_make_one_payment() {
    let api = Arc::new(Api::start(SandboxConfig::for_tests()).await);
    let token = api.card_token("APRO").await;
    let body = payment_body(&token, 100.0, "once");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let api = Arc::clone(&api);
            let body = body.clone();
            tokio::spawn(async move { api.pay("the-one-key", &body).await })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        let (status, body) = t.await.expect("task");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        ids.push(body["id"].as_u64().expect("id"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one payment id for all answers");
    assert_eq!(api.sandbox.control().payments().len(), 1);
    // A different key is a different payment, with a larger id.
    let second = api.approved_payment("APRO", 5.0, "two").await;
    assert!(second["id"].as_u64().expect("id") > ids[0]);
}

#[tokio::test]
async fn get_and_search_payments() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let a = api.approved_payment("APRO", 10.0, "order-a").await;
    let b = api.approved_payment("OTHE", 20.0, "order-b").await;
    let c = api.approved_payment("APRO", 30.0, "order-a").await;

    let (status, got) = api.get(&format!("/v1/payments/{}", a["id"])).await;
    assert_eq!((status, got["id"].clone()), (StatusCode::OK, a["id"].clone()));
    let (status, missing) = api.get("/v1/payments/999").await;
    assert_eq!((status, cause_code(&missing)), (StatusCode::NOT_FOUND, 2000));
    // The rejected payment hides the payer's e-mail, as the real API does.
    let (_, rejected) = api.get(&format!("/v1/payments/{}", b["id"])).await;
    assert_eq!(rejected["payer"]["email"], Value::Null);

    let (status, page) = api.get("/v1/payments/search?external_reference=order-a&sort=date_created&criteria=asc").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["paging"], json!({"total": 2, "limit": 30, "offset": 0}));
    let ids: Vec<_> = page["results"].as_array().expect("results").iter().map(|p| p["id"].clone()).collect();
    assert_eq!(ids, vec![a["id"].clone(), c["id"].clone()]);

    let (_, page) = api.get("/v1/payments/search?criteria=desc&limit=1&offset=1").await;
    assert_eq!(page["paging"]["total"], 3);
    assert_eq!(page["results"][0]["id"], b["id"]);
    let (_, none) = api.get("/v1/payments/search?external_reference=nope").await;
    assert_eq!(none, json!({"paging": {"total": 0, "limit": 30, "offset": 0}, "results": []}));
    let (status, too_many) = api.get("/v1/payments/search?limit=5000").await;
    assert_eq!((status, cause_code(&too_many)), (StatusCode::BAD_REQUEST, 1000));
}

#[tokio::test]
async fn refunds_full_and_partial_with_keys() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let p = api.approved_payment("APRO", 100.0, "r").await;
    let id = p["id"].as_u64().expect("id");

    let (status, body) = api.refund(id, None, json!({})).await;
    assert_eq!((status, cause_code(&body)), (StatusCode::BAD_REQUEST, 4292));

    let (status, partial) = api.refund(id, Some("r1"), json!({"amount": 25.5})).await;
    assert_eq!(status, StatusCode::CREATED, "{partial}");
    assert_eq!((partial["amount"].clone(), partial["payment_id"].clone()), (json!(25.5), json!(id)));
    let (_, again) = api.refund(id, Some("r1"), json!({"amount": 25.5})).await;
    assert_eq!(again["id"], partial["id"], "same key, same refund");

    let (_, p) = api.get(&format!("/v1/payments/{id}")).await;
    assert_eq!((p["status"].as_str(), p["status_detail"].as_str()), (Some("approved"), Some("partially_refunded")));
    assert_eq!(p["transaction_amount_refunded"], json!(25.5));

    let (status, rest) = api.refund(id, Some("r2"), json!({})).await;
    assert_eq!((status, rest["amount"].clone()), (StatusCode::CREATED, json!(74.5)));
    let (_, p) = api.get(&format!("/v1/payments/{id}")).await;
    assert_eq!((p["status"].as_str(), p["status_detail"].as_str()), (Some("refunded"), Some("refunded")));
    let (_, list) = api.get(&format!("/v1/payments/{id}/refunds")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    let (status, body) = api.refund(id, Some("r3"), json!({"amount": 1})).await;
    assert_eq!((status, cause_code(&body)), (StatusCode::BAD_REQUEST, 2063), "nothing left to refund");
    let rejected = api.approved_payment("OTHE", 10.0, "x").await;
    let (status, body) = api.refund(rejected["id"].as_u64().expect("id"), Some("r4"), json!({})).await;
    assert_eq!((status, cause_code(&body)), (StatusCode::BAD_REQUEST, 2063), "rejected payments can't be refunded");
}

#[tokio::test]
async fn capture_and_cancel_through_put() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let token = api.card_token("APRO").await;
    let mut body = payment_body(&token, 100.0, "auth");
    body["capture"] = json!(false);
    let (_, auth) = api.pay("k", &body).await;
    assert_eq!(
        (auth["status"].as_str(), auth["status_detail"].as_str()),
        (Some("authorized"), Some("pending_capture"))
    );
    let id = auth["id"].as_u64().expect("id");
    let (status, captured) =
        api.put(&format!("/v1/payments/{id}"), json!({"capture": true, "transaction_amount": 75})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (captured["status"].clone(), captured["transaction_amount"].clone(), captured["captured"].clone()),
        (json!("approved"), json!(75.0), json!(true))
    );
    let (status, err) = api.put(&format!("/v1/payments/{id}"), json!({"status": "cancelled"})).await;
    assert_eq!((status, cause_code(&err)), (StatusCode::BAD_REQUEST, 3005));

    let pending = api.approved_payment("CONT", 10.0, "p").await;
    let (status, cancelled) = api.put(&format!("/v1/payments/{}", pending["id"]), json!({"status": "cancelled"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (cancelled["status"].as_str(), cancelled["status_detail"].as_str()),
        (Some("cancelled"), Some("by_collector"))
    );
    let (status, _) = api.put("/v1/payments/12", json!({"status": "cancelled"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn card_form_lookups_work_for_mla_mlb_and_mlm() {
    for (site, currency, doc, card, method) in [
        (SiteId::Mla, "ARS", Some(("DNI", "12345678")), "4509953566233704", "visa"),
        (SiteId::Mlb, "BRL", Some(("CPF", "12345678909")), "5031433215406351", "master"),
        (SiteId::Mlm, "MXN", None, "5474925432670366", "master"),
    ] {
        let api = Api::start(SandboxConfig { site, ..SandboxConfig::for_tests() }).await;
        let pk = api.sandbox.control().public_key().to_owned();
        let get = |path: String| {
            let http = api.http.clone();
            let url = api.url(&path);
            async move {
                let resp = http.get(url).send().await.expect("get");
                assert_eq!(resp.status(), StatusCode::OK, "{path}");
                resp.json::<Value>().await.expect("json")
            }
        };
        let types = get(format!("/v1/identification_types?public_key={pk}")).await;
        assert_eq!(
            types.as_array().and_then(|t| t.first()).map(|t| t["id"].clone()),
            doc.map(|d| json!(d.0)),
            "{currency}"
        );

        let found = get(format!("/v1/payment_methods/search?public_key={pk}&bins={}", &card[..8])).await;
        assert_eq!(found["paging"]["total"], 1, "{currency}");
        assert_eq!(found["results"][0]["id"], method);
        assert!(found["results"][0]["issuer"]["id"].is_u64());
        let none = get(format!("/v1/payment_methods/search?public_key={pk}&bins=99999999")).await;
        assert_eq!(none["results"], json!([]));

        let issuers = get(format!(
            "/v1/payment_methods/card_issuers?public_key={pk}&payment_method_id={method}&bin={}",
            &card[..8]
        ))
        .await;
        let issuer = issuers[0]["id"].as_str().expect("issuer id").to_owned();
        let plans = get(format!(
            "/v1/payment_methods/installments?public_key={pk}&amount=100&bin={}&payment_method_id={method}&issuer.id={issuer}",
            &card[..8]
        ))
        .await;
        let costs = plans[0]["payer_costs"].as_array().expect("payer_costs");
        assert_eq!(
            costs.iter().map(|c| c["installments"].as_u64()).collect::<Vec<_>>(),
            vec![Some(1), Some(3), Some(6), Some(12)]
        );
        assert!(costs[0]["recommended_message"].as_str().is_some_and(|m| m.starts_with("1 ")), "{costs:?}");

        let methods = api.get("/v1/payment_methods").await.1;
        assert!(methods.as_array().is_some_and(|m| m.iter().any(|x| x["id"] == method)));

        // A payment on this site is in its currency.
        let identification = doc.map_or(json!({}), |(kind, number)| json!({"type": kind, "number": number}));
        let resp = api
            .http
            .post(api.url(&format!("/v1/card_tokens?public_key={pk}")))
            .json(&json!({"card_number": card, "expiration_month": 11, "expiration_year": 2030, "security_code": "123",
                "cardholder": {"name": "APRO", "identification": identification}}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::CREATED, "{currency}");
        let token: Value = resp.json().await.expect("json");
        let mut body = payment_body(token["id"].as_str().expect("id"), 100.0, "site");
        body["payment_method_id"] = json!(method);
        body["issuer_id"] = json!(issuer);
        body["payer"] = json!({"email": "buyer@example.com", "identification": identification});
        let (status, paid) = api.pay("k", &body).await;
        assert_eq!((status, paid["currency_id"].as_str()), (StatusCode::CREATED, Some(currency)), "{paid}");
    }
}

/// One received webhook: raw query, headers, JSON body.
type Received = (Option<String>, HeaderMap, Value);

/// A webhook receiver that answers with the queued statuses (then 200) and records what came.
#[derive(Clone, Default)]
struct Receiver {
    answers: Arc<Mutex<Vec<u16>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receive(State(r): State<Receiver>, RawQuery(q): RawQuery, headers: HeaderMap, body: String) -> StatusCode {
    r.received.lock().expect("lock").push((q, headers, serde_json::from_str(&body).unwrap_or(Value::Null)));
    let next = { r.answers.lock().expect("lock").pop() };
    StatusCode::from_u16(next.unwrap_or(200)).unwrap_or(StatusCode::OK)
}

async fn start_receiver(answers: Vec<u16>) -> (Receiver, String) {
    let r = Receiver { answers: Arc::new(Mutex::new(answers.into_iter().rev().collect())), ..Receiver::default() };
    let app = Router::new().route("/hook", post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (r, url)
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn webhooks_are_signed_and_retried_until_acknowledged() {
    let (receiver, url) = start_receiver(vec![500, 503]).await;
    let config = SandboxConfig { default_notification_url: Some(url), ..SandboxConfig::for_tests() };
    let secret = config.webhook_secret.clone();
    let api = Api::start(config).await;
    let payment = api.approved_payment("APRO", 10.0, "hook").await;
    let deliveries = api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    assert_eq!(deliveries.len(), 1);
    assert!(deliveries[0].delivered);
    assert_eq!(
        deliveries[0].attempts.iter().map(|a| a.status).collect::<Vec<_>>(),
        vec![Some(500), Some(503), Some(200)]
    );

    let received = receiver.received.lock().expect("lock").clone();
    assert_eq!(received.len(), 3);
    let id = payment["id"].as_u64().expect("id").to_string();
    for (i, (query, headers, body)) in received.iter().enumerate() {
        assert_eq!(query.as_deref(), Some(format!("data.id={id}&type=payment").as_str()));
        assert_eq!(body["data"]["id"], json!(id));
        assert_eq!((body["type"].as_str(), body["action"].as_str()), (Some("payment"), Some("payment.created")));
        assert_eq!(body["api_version"], "v1");
        assert!(
            body["user_id"].is_u64()
                && body["id"].is_u64()
                && body["live_mode"].is_boolean()
                && body["date_created"].is_string()
        );
        assert_eq!(header(headers, "x-retry"), i.to_string());
        // Verify the signature independently: HMAC-SHA256 over the documented manifest.
        let request_id = header(headers, "x-request-id");
        let sig = header(headers, "x-signature");
        let (ts_part, v1_part) = sig.split_once(',').expect("ts=..,v1=..");
        let ts = ts_part.strip_prefix("ts=").expect("ts");
        let v1 = v1_part.strip_prefix("v1=").expect("v1");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("id:{id};request-id:{request_id};ts:{ts};").as_bytes());
        assert_eq!(hex::encode(mac.finalize().into_bytes()), v1);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs();
        let ts: u64 = ts.parse().expect("numeric ts");
        assert!(now.abs_diff(ts) < 60, "ts in seconds");
    }
    let request_ids: std::collections::HashSet<_> =
        received.iter().map(|(_, h, _)| header(h, "x-request-id").to_owned()).collect();
    assert_eq!(request_ids.len(), 3, "each attempt has its own x-request-id");
}

#[tokio::test]
async fn webhooks_give_up_after_the_configured_attempts() {
    let (receiver, url) = start_receiver(vec![500; 10]).await;
    let mut config = SandboxConfig { default_notification_url: Some(url), ..SandboxConfig::for_tests() };
    config.webhook_retry.max_attempts = 3;
    let api = Api::start(config).await;
    api.approved_payment("APRO", 10.0, "x").await;
    let deliveries = api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    assert!(deliveries[0].finished && !deliveries[0].delivered);
    assert_eq!(receiver.received.lock().expect("lock").len(), 3);
}

#[tokio::test]
async fn pending_payment_settles_later_with_an_update_webhook_and_the_switch_silences_them() {
    let (receiver, url) = start_receiver(vec![]).await;
    let api =
        Api::start(SandboxConfig { default_notification_url: Some(url.clone()), ..SandboxConfig::for_tests() }).await;
    let pending = api.approved_payment("CONT", 10.0, "cont").await;
    assert_eq!(pending["status"], "in_process");
    let id = pending["id"].as_u64().expect("id");
    let settled = api.sandbox.control().settle(id, Settlement::Approved, None).expect("settles");
    assert_eq!(settled.status, "approved");
    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    let actions: Vec<_> = receiver.received.lock().expect("lock").iter().map(|(_, _, b)| b["action"].clone()).collect();
    assert_eq!(actions, vec![json!("payment.created"), json!("payment.updated")]);

    // Over HTTP: settling an approved payment is refused; rejecting a pending one works.
    let other = api.approved_payment("CONT", 10.0, "cont2").await;
    let resp = api
        .http
        .post(api.url(&format!("/__sandbox/payments/{id}/settle")))
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let resp = api
        .http
        .post(api.url(&format!("/__sandbox/payments/{}/settle", other["id"])))
        .json(&json!({"status": "rejected", "status_detail": "cc_rejected_high_risk"}))
        .send()
        .await
        .expect("send");
    let rejected: Value = resp.json().await.expect("json");
    assert_eq!(rejected["status_detail"], "cc_rejected_high_risk");

    // Test-credential behaviour: no webhooks at all.
    let resp =
        api.http.put(api.url("/__sandbox/webhooks")).json(&json!({"enabled": false})).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    let before = receiver.received.lock().expect("lock").len();
    let silent = api.approved_payment("CONT", 10.0, "quiet").await;
    api.sandbox.control().settle(silent["id"].as_u64().expect("id"), Settlement::Approved, None).expect("settle");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), before);

    // Redelivery still works on demand (it is how a developer replays one).
    api.sandbox.control().set_webhooks_enabled(true);
    api.sandbox.control().redeliver(id).expect("redeliver");
    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    assert_eq!(receiver.received.lock().expect("lock").len(), before + 1);
}

#[tokio::test]
async fn forged_webhooks_carry_exactly_what_was_asked() {
    let (receiver, url) = start_receiver(vec![401]).await;
    let api = Api::start(SandboxConfig::for_tests()).await;
    let result = api
        .sandbox
        .control()
        .forge_webhook(ForgedWebhook {
            url: Some(url.clone()),
            data_id: "123456".into(),
            secret: Some("not-the-secret".into()),
            request_id: Some("req-1".into()),
            ts: Some("1704908010".into()),
            ..ForgedWebhook::default()
        })
        .await
        .expect("sent");
    assert_eq!(result.status, Some(401));
    let (query, headers, _) = receiver.received.lock().expect("lock")[0].clone();
    assert_eq!(query.as_deref(), Some("data.id=123456&type=payment"));
    let expected = mp_sandbox::sign_webhook("not-the-secret", "123456", "req-1", "1704908010");
    assert_eq!(header(&headers, "x-signature"), format!("ts=1704908010,v1={expected}"));

    let resp = api
        .http
        .post(api.url("/__sandbox/webhooks/forge"))
        .json(&json!({"url": url, "data_id": "1", "topic": "merchant_order", "omit_signature": true}))
        .send()
        .await
        .expect("send");
    let result: Value = resp.json().await.expect("json");
    assert_eq!(result["status"], 200);
    let (query, headers, body) = receiver.received.lock().expect("lock")[1].clone();
    assert_eq!(query.as_deref(), Some("data.id=1&type=merchant_order"));
    assert!(headers.get("x-signature").is_none());
    assert_eq!(body["type"], "merchant_order");
}

#[tokio::test]
async fn faults_fail_delay_or_drop_the_next_calls() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let control = api.sandbox.control();

    control.inject_fault(Fault {
        route: "POST /v1/payments".into(),
        times: 2,
        kind: FaultKind::Status { status: 429, retry_after: Some(7) },
        after: false,
    });
    let token = api.card_token("APRO").await;
    let body = payment_body(&token, 10.0, "f");
    for _ in 0..2 {
        let resp = api
            .http
            .post(api.url("/v1/payments"))
            .bearer_auth(api.token())
            .header("X-Idempotency-Key", "f1")
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));
        assert_eq!(resp.json::<Value>().await.expect("json")["status"], 429);
    }
    assert!(control.payments().is_empty(), "a fault before the handler charges nothing");
    assert_eq!(api.pay("f1", &body).await.0, StatusCode::CREATED, "third call goes through");

    // Over HTTP, a 500 on GET only.
    let resp = api
        .http
        .post(api.url("/__sandbox/faults"))
        .json(&json!({"route": "GET /v1/payments/{id}", "kind": "status", "status": 500}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let id = control.payments()[0].id;
    assert_eq!(api.get(&format!("/v1/payments/{id}")).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(api.get(&format!("/v1/payments/{id}")).await.0, StatusCode::OK);

    // Latency.
    control.inject_fault(Fault {
        route: "GET /v1/payments/{id}".into(),
        times: 1,
        kind: FaultKind::Latency { ms: 300 },
        after: false,
    });
    let start = std::time::Instant::now();
    assert_eq!(api.get(&format!("/v1/payments/{id}")).await.0, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(300));

    // A dropped connection is a transport error, not an HTTP answer.
    control.inject_fault(Fault { route: "*".into(), times: 1, kind: FaultKind::Drop, after: false });
    let err = api.http.get(api.url(&format!("/v1/payments/{id}"))).bearer_auth(api.token()).send().await;
    assert!(err.is_err(), "{err:?}");
    assert_eq!(api.get(&format!("/v1/payments/{id}")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_lost_answer_still_charged_once_and_the_retry_gets_the_same_payment() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let control = api.sandbox.control();
    control.inject_fault(Fault { route: "POST /v1/payments".into(), times: 1, kind: FaultKind::Drop, after: true });
    let token = api.card_token("APRO").await;
    let body = payment_body(&token, 10.0, "lost");
    let first = api
        .http
        .post(api.url("/v1/payments"))
        .bearer_auth(api.token())
        .header("X-Idempotency-Key", "lost-1")
        .json(&body)
        .send()
        .await;
    assert!(first.is_err(), "the answer was lost");
    assert_eq!(control.payments().len(), 1, "but the payment was made");
    let (status, retry) = api.pay("lost-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(retry["id"].as_u64(), Some(control.payments()[0].id));
    assert_eq!(control.payments().len(), 1);
}

#[tokio::test]
async fn rotating_the_access_token_makes_the_old_one_fail() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let old = api.token();
    let resp = api.http.post(api.url("/__sandbox/access_token/rotate")).send().await.expect("send");
    let new = resp.json::<Value>().await.expect("json")["access_token"].as_str().expect("token").to_owned();
    assert_ne!(old, new);
    let resp = api.http.get(api.url("/v1/payments/search")).bearer_auth(&old).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = api.http.get(api.url("/v1/payments/search")).bearer_auth(&new).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    // Reset restores the configured token and forgets everything.
    api.approved_payment("APRO", 1.0, "r").await;
    let resp = api.http.post(api.url("/__sandbox/reset")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(api.token(), old);
    assert!(api.sandbox.control().payments().is_empty());
    assert!(api.sandbox.control().requests().is_empty());
}

#[tokio::test]
async fn received_requests_are_listed_with_secrets_redacted() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    api.approved_payment("APRO", 10.0, "rec").await;
    let resp = api.http.get(api.url("/__sandbox/requests")).send().await.expect("send");
    let requests: Value = resp.json().await.expect("json");
    let text = requests.to_string();
    assert!(!text.contains(MASTER_MLA), "card number leaked: {text}");
    assert!(!text.contains(&api.token()), "access token leaked");
    let tokens = &requests[0];
    assert_eq!(tokens["route"], "/v1/card_tokens");
    assert_eq!(tokens["body"]["card_number"], "503175******0604");
    assert_eq!(tokens["body"]["security_code"], "***");
    let payment = &requests[1];
    assert_eq!((payment["method"].as_str(), payment["route"].as_str()), (Some("POST"), Some("/v1/payments")));
    assert!(payment["headers"]["authorization"].as_str().is_some_and(|a| a.starts_with("Bearer ***")));
    assert!(payment["headers"]["x-idempotency-key"].is_string());
    assert_eq!(payment["body"]["external_reference"], "rec");
    assert_eq!(payment["status"], 201);
    assert_eq!(api.sandbox.control().requests_to("POST /v1/payments").len(), 1);
}

#[tokio::test]
async fn the_sandbox_stops_when_dropped_and_unknown_routes_get_mercado_pagos_404() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let (status, body) = api.get("/v1/nothing").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let url = api.url("/__sandbox/config");
    let config: Value = api.http.get(&url).send().await.expect("send").json().await.expect("json");
    assert_eq!(config["cardholder_codes"].as_array().map(Vec::len), Some(SCENARIOS.len()));
    drop(api);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(reqwest::Client::new().get(&url).send().await.is_err(), "server stopped");
}

#[tokio::test]
async fn panel_refunds_and_chargebacks_update_the_payment_and_send_its_webhook() {
    let (receiver, url) = start_receiver(vec![]).await;
    let api =
        Api::start(SandboxConfig { default_notification_url: Some(url.clone()), ..SandboxConfig::for_tests() }).await;
    let paid = api.approved_payment("APRO", 100.0, "panel").await;
    let id = paid["id"].as_u64().expect("id");
    let panel = |path: String, body: Value| {
        let req = api.http.post(api.url(&path)).json(&body);
        async move {
            let resp = req.send().await.expect("send");
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    let (status, p) = panel(format!("/__sandbox/payments/{id}/refund"), json!({"amount": 40})).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!((p["status"].as_str(), p["status_detail"].as_str()), (Some("approved"), Some("partially_refunded")));
    assert_eq!(p["transaction_amount_refunded"], json!(40.0));
    assert!(p["date_last_updated"].as_str() > paid["date_last_updated"].as_str(), "a newer state");
    let (status, err) = panel(format!("/__sandbox/payments/{id}/refund"), json!({"amount": 60.01})).await;
    assert_eq!((status, cause_code(&err)), (StatusCode::BAD_REQUEST, 2063), "over what is left");

    let (status, p) = panel(format!("/__sandbox/payments/{id}/chargeback"), json!({})).await;
    assert_eq!(
        (status, p["status"].as_str(), p["status_detail"].as_str()),
        (StatusCode::OK, Some("charged_back"), Some("settled"))
    );
    let (status, err) = panel(format!("/__sandbox/payments/{id}/chargeback"), json!({})).await;
    assert_eq!((status, cause_code(&err)), (StatusCode::BAD_REQUEST, 2063), "only paid payments");
    let (status, _) = panel("/__sandbox/payments/1/refund".into(), json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    let actions: Vec<_> = receiver.received.lock().expect("lock").iter().map(|(_, _, b)| b["action"].clone()).collect();
    assert_eq!(actions, vec![json!("payment.created"), json!("payment.updated"), json!("payment.updated")]);
}

#[tokio::test]
async fn cancel_only_for_open_payments() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let pending = api.approved_payment("CONT", 10.0, "c").await;
    let id = pending["id"].as_u64().expect("id");
    let (status, p) = api.put(&format!("/v1/payments/{id}"), json!({"status": "cancelled"})).await;
    assert_eq!(
        (status, p["status"].as_str(), p["status_detail"].as_str()),
        (StatusCode::OK, Some("cancelled"), Some("by_collector"))
    );
    assert!(p["date_last_updated"].as_str() > pending["date_last_updated"].as_str(), "a newer state");
    let paid = api.approved_payment("APRO", 10.0, "a").await;
    let (status, err) = api.put(&format!("/v1/payments/{}", paid["id"]), json!({"status": "cancelled"})).await;
    assert_eq!((status, cause_code(&err)), (StatusCode::BAD_REQUEST, 3005));
}
