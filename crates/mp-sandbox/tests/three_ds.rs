//! 3-D Secure, the device script and the risk rule over HTTP, as a backend and a browser see
//! them: the challenge answer, the ACS page on its own origin, Confirm/Cancel, the control API,
//! expiry, webhooks, `/v2/security.js`, `X-meli-session-id` and the request log.

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
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use mp_sandbox::three_ds::{CARD_CHALLENGE_FAILURE, CARD_CHALLENGE_SUCCESS, CARD_MANDATORY};
use mp_sandbox::{ChallengeResult, ControlError, Sandbox, SandboxConfig};
use serde_json::{Value, json};

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

    async fn card_token(&self, number: &str, name: &str) -> String {
        let resp = self
            .http
            .post(self.url(&format!("/v1/card_tokens?public_key={}", self.sandbox.control().public_key())))
            .json(&json!({"card_number": number, "expiration_month": 11, "expiration_year": 2030,
                "security_code": "123",
                "cardholder": {"name": name, "identification": {"type": "DNI", "number": "12345678"}}}))
            .send()
            .await
            .expect("card token request");
        assert_eq!(resp.status(), StatusCode::CREATED);
        let body: Value = resp.json().await.expect("json");
        body["id"].as_str().expect("token id").to_owned()
    }

    async fn pay_with(&self, body: &Value, device_id: Option<&str>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(self.url("/v1/payments"))
            .bearer_auth(self.sandbox.control().access_token())
            .header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(body);
        if let Some(d) = device_id {
            req = req.header("X-meli-session-id", d);
        }
        let resp = req.send().await.expect("payment request");
        let status = resp.status();
        (status, resp.json().await.expect("json body"))
    }

    /// A payment with `three_d_secure_mode` (or none) for a new token of `number`.
    async fn pay(&self, number: &str, name: &str, mode: Option<&str>) -> (StatusCode, Value) {
        let token = self.card_token(number, name).await;
        let mut body = json!({
            "token": token, "transaction_amount": 100, "installments": 1, "payment_method_id": "master",
            "description": "3DS test", "external_reference": "order-3ds", "statement_descriptor": "MATECITO",
            "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}}
        });
        if let Some(m) = mode {
            body["three_d_secure_mode"] = json!(m);
        }
        self.pay_with(&body, Some("device-abc")).await
    }

    async fn challenged(&self, number: &str) -> Value {
        let (status, body) = self.pay(number, "APRO", Some("optional")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(
            (body["status"].as_str(), body["status_detail"].as_str()),
            (Some("pending"), Some("pending_challenge"))
        );
        body
    }

    async fn acs_page(&self, creq: &str) -> reqwest::Response {
        let url = format!("{}/acs/challenge", self.sandbox.acs_url());
        self.http.post(url).header("content-type", FORM).body(form(&[("creq", creq)])).send().await.expect("acs page")
    }

    async fn acs_result(&self, acs_trans_id: &str, action: &str, json: bool) -> reqwest::Response {
        let url = format!("{}/acs/challenge/result", self.sandbox.acs_url());
        let body = form(&[("acs_trans_id", acs_trans_id), ("choice", action)]);
        let mut req = self.http.post(url).header("content-type", FORM).body(body);
        if json {
            req = req.header("accept", "application/json");
        }
        req.send().await.expect("acs result")
    }

    async fn get_payment(&self, id: u64) -> Value {
        let resp = self
            .http
            .get(self.url(&format!("/v1/payments/{id}")))
            .bearer_auth(self.sandbox.control().access_token())
            .send()
            .await
            .expect("get");
        resp.json().await.expect("json")
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

fn decode_creq(creq: &str) -> Value {
    assert!(!creq.contains('=') && !creq.contains('+') && !creq.contains('/'), "not unpadded base64url: {creq}");
    // Standard base64url decoding, written out here so the test does not share the sandbox's.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = vec![];
    for c in creq.bytes() {
        let v = alphabet.iter().position(|&a| a == c).expect("base64url character") as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    serde_json::from_slice(&out).expect("creq is JSON")
}

/// A webhook receiver recording each notification's `action`.
async fn start_receiver() -> (Arc<Mutex<Vec<Value>>>, String) {
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(|State(r): State<Arc<Mutex<Vec<Value>>>>, body: String| async move {
                r.lock().unwrap().push(serde_json::from_str(&body).unwrap_or(Value::Null));
                StatusCode::OK
            }),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (received, url)
}

fn actions(received: &Arc<Mutex<Vec<Value>>>) -> Vec<(String, String)> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|n| (n["action"].as_str().unwrap_or("").to_owned(), n["data"]["id"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[tokio::test]
async fn a_challenge_answers_pending_with_three_ds_info_on_the_acs_origin() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let port = api.sandbox.local_addr().port();
    assert_eq!(api.sandbox.acs_url(), format!("http://localhost:{port}"));
    assert_ne!(api.sandbox.acs_url(), api.sandbox.base_url());
    let body = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let info = &body["three_ds_info"];
    assert_eq!(info["external_resource_url"], format!("http://localhost:{port}/acs/challenge"));
    let creq = decode_creq(info["creq"].as_str().expect("creq"));
    let mut keys: Vec<_> = creq.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["acsTransID", "challengeWindowSize", "messageType", "messageVersion", "threeDSServerTransID"]);
    assert_eq!(
        (&creq["challengeWindowSize"], &creq["messageType"], &creq["messageVersion"]),
        (&json!("04"), &json!("CReq"), &json!("2.1.0"))
    );
    assert!(body["date_approved"].is_null());

    // The same payment when read back; a configured ACS origin replaces the default.
    let again = api.get_payment(body["id"].as_u64().expect("id")).await;
    assert_eq!(again["three_ds_info"], body["three_ds_info"]);
    let custom =
        Api::start(SandboxConfig { acs_url: Some("https://acs.example/".into()), ..SandboxConfig::for_tests() }).await;
    let body = custom.challenged(CARD_CHALLENGE_SUCCESS).await;
    assert_eq!(body["three_ds_info"]["external_resource_url"], "https://acs.example/acs/challenge");
}

#[tokio::test]
async fn the_acs_page_is_framable_accessible_and_has_no_inline_code() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let body = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let resp = api.acs_page(body["three_ds_info"]["creq"].as_str().expect("creq")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).expect("csp").to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("frame-ancestors") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(resp.headers().get("x-frame-options").is_none());
    assert!(resp.headers()["content-type"].to_str().expect("ct").starts_with("text/html"));
    let html = resp.text().await.expect("html");
    assert!(html.contains("<html lang=\"en\">") && html.contains("<h1>"), "{html}");
    assert!(html.contains("123456") && html.contains("for illustrative purposes only"));
    let confirm = html.find(">Confirm</button>").expect("Confirm");
    assert!(confirm < html.find(">Cancel</button>").expect("Cancel"));
    // Confirm is the first focusable control: the first button, no link or visible input before it.
    let first_button = html.find("<button").expect("a button");
    assert!(!html[first_button..confirm].contains("</button>"));
    assert!(!html[..confirm].contains("<a ") && !html[..confirm].contains("tabindex"));
    assert_eq!(html[..confirm].matches("<input").count(), html[..confirm].matches("type=\"hidden\"").count());
    assert!(
        !html.contains("<style") && !html.contains("style=") && !html.contains("onclick") && !html.contains("onsubmit")
    );
    assert!(html.contains("<script src=\"/acs/assets/acs.js\" defer></script>"));
    assert!(html.contains("100"), "the amount is shown");

    let js = api.http.get(format!("{}/acs/assets/acs.js", api.sandbox.acs_url())).send().await.expect("js");
    assert_eq!(js.status(), StatusCode::OK);
    let js = js.text().await.expect("js");
    assert!(js.contains("postMessage({ status: 'COMPLETE' }, '*')"), "{js}");
    let css = api.http.get(format!("{}/acs/assets/acs.css", api.sandbox.acs_url())).send().await.expect("css");
    assert!(css.headers()["content-type"].to_str().expect("ct").starts_with("text/css"));

    // A creq that is not one, or names no challenge.
    let bad = api.acs_page("%%%").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(bad.headers().get("content-security-policy").is_some());
    let unknown = api.acs_page("eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6ImEiLCJhY3NUcmFuc0lEIjoiYiIsImNoYWxsZW5nZVdpbmRvd1NpemUiOiIwNCIsIm1lc3NhZ2VUeXBlIjoiQ1JlcSIsIm1lc3NhZ2VWZXJzaW9uIjoiMi4xLjAifQ").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let resp = api.http.post(format!("{}/acs/challenge", api.sandbox.acs_url())).body(vec![0xff, 0x00]).send().await;
    assert_eq!(resp.expect("binary body").status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn confirm_and_cancel_settle_once_and_send_the_update_webhook() {
    let (received, url) = start_receiver().await;
    let api = Api::start(SandboxConfig { default_notification_url: Some(url), ..SandboxConfig::for_tests() }).await;

    // Confirm on the "Successful Challenge" card: approved, as any approval.
    let ok = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let ok_id = ok["id"].as_u64().expect("id");
    let acs_id =
        decode_creq(ok["three_ds_info"]["creq"].as_str().expect("creq"))["acsTransID"].as_str().expect("id").to_owned();
    let resp = api.acs_result(&acs_id, "confirm", true).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let answer: Value = resp.json().await.expect("json");
    assert_eq!((answer["status"].as_str(), answer["status_detail"].as_str()), (Some("approved"), Some("accredited")));
    let paid = api.get_payment(ok_id).await;
    assert_eq!(paid["status"], "approved");
    assert!(paid["date_approved"].is_string() && paid["authorization_code"].is_string());
    assert_eq!(paid["payer"]["email"], "buyer@example.com");
    // Settled once: the page, the control API and Control all refuse a second time.
    assert_eq!(api.acs_result(&acs_id, "cancel", true).await.status(), StatusCode::CONFLICT);
    let page = api.acs_page(ok["three_ds_info"]["creq"].as_str().expect("creq")).await;
    assert_eq!(page.status(), StatusCode::CONFLICT);
    assert!(page.text().await.expect("html").contains("data-acs-state=\"done\""));
    let resp = api
        .http
        .post(api.url(&format!("/__sandbox/payments/{ok_id}/challenge")))
        .json(&json!({"result": "failure"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(matches!(
        api.sandbox.control().complete_challenge(ok_id, ChallengeResult::Success),
        Err(ControlError::ChallengeEnded(s)) if s == "approved"
    ));

    // Confirm on the "Unauthorized Challenge" card, through the control API.
    let bad = api.challenged(CARD_CHALLENGE_FAILURE).await;
    let bad_id = bad["id"].as_u64().expect("id");
    let resp = api
        .http
        .post(api.url(&format!("/__sandbox/payments/{bad_id}/challenge")))
        .json(&json!({"result": "success"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let rejected: Value = resp.json().await.expect("json");
    assert_eq!(
        (rejected["status"].as_str(), rejected["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_3ds_challenge"))
    );

    // Cancel without JavaScript: the form post answers the "finished" page, which tells the parent.
    let cancelled = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let cancelled_id = cancelled["id"].as_u64().expect("id");
    let acs_id = decode_creq(cancelled["three_ds_info"]["creq"].as_str().expect("creq"))["acsTransID"]
        .as_str()
        .expect("id")
        .to_owned();
    let resp = api.acs_result(&acs_id, "cancel", false).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().get("content-security-policy").is_some());
    let html = resp.text().await.expect("html");
    assert!(html.contains("data-acs-state=\"done\"") && html.contains("acs.js"), "{html}");
    assert_eq!(api.get_payment(cancelled_id).await["status_detail"], "cc_rejected_3ds_challenge");

    // In-process Control, and the errors it gives.
    let fourth = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let done = api
        .sandbox
        .control()
        .complete_challenge(fourth["id"].as_u64().expect("id"), ChallengeResult::Failure)
        .expect("ends");
    assert_eq!(done.status_detail, "cc_rejected_3ds_challenge");
    assert!(matches!(
        api.sandbox.control().complete_challenge(1, ChallengeResult::Success),
        Err(ControlError::NotFound)
    ));
    let (_, plain) = api.pay(CARD_MANDATORY, "APRO", None).await;
    let plain_id = plain["id"].as_u64().expect("id");
    assert!(matches!(
        api.sandbox.control().complete_challenge(plain_id, ChallengeResult::Success),
        Err(ControlError::NoChallenge)
    ));
    let resp = api.acs_result("no-such-transaction", "confirm", true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.acs_result(&acs_id, "maybe", true).await.status(), StatusCode::BAD_REQUEST);

    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    let got = actions(&received);
    for id in [ok_id, bad_id, cancelled_id] {
        let id = id.to_string();
        let for_id: Vec<_> = got.iter().filter(|(_, d)| *d == id).map(|(a, _)| a.as_str()).collect();
        assert_eq!(for_id, ["payment.created", "payment.updated"], "{id}: {got:?}");
    }
}

#[tokio::test]
async fn modes_decide_who_is_challenged_and_bad_modes_are_refused() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let (status, body) = api.pay(CARD_MANDATORY, "APRO", Some("mandatory")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        (body["status"].as_str(), body["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_3ds_mandatory"))
    );
    assert!(body["three_ds_info"].is_null());
    let (_, body) = api.pay(CARD_MANDATORY, "APRO", Some("optional")).await;
    assert_eq!(body["status"], "approved");
    let (_, body) = api.pay(CARD_CHALLENGE_FAILURE, "APRO", Some("mandatory")).await;
    assert_eq!(body["status_detail"], "pending_challenge");
    // not_supported (or absent): 3DS cards are ordinary cards, the cardholder code decides.
    let (_, body) = api.pay(CARD_CHALLENGE_SUCCESS, "OTHE", Some("not_supported")).await;
    assert_eq!(body["status_detail"], "cc_rejected_other_reason");
    let (_, body) = api.pay(CARD_CHALLENGE_SUCCESS, "APRO", None).await;
    assert_eq!(body["status"], "approved");
    for bad in [json!("always"), json!(1), json!(true)] {
        let token = api.card_token(CARD_MANDATORY, "APRO").await;
        let (status, body) = api
            .pay_with(
                &json!({"token": token, "transaction_amount": 10, "installments": 1, "payment_method_id": "master",
                    "three_d_secure_mode": bad, "payer": {"email": "buyer@example.com"}}),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!((body["error"].as_str(), body["status"].as_u64()), (Some("bad_request"), Some(400)));
        assert!(body["cause"][0]["description"].as_str().expect("description").contains("three_d_secure_mode"));
    }
}

#[tokio::test]
async fn an_unfinished_challenge_expires_with_a_webhook() {
    let (received, url) = start_receiver().await;
    let api = Api::start(SandboxConfig {
        default_notification_url: Some(url),
        challenge_expiry: Duration::from_millis(200),
        ..SandboxConfig::for_tests()
    })
    .await;
    let body = api.challenged(CARD_CHALLENGE_SUCCESS).await;
    let id = body["id"].as_u64().expect("id");
    let mut status = Value::Null;
    for _ in 0..100 {
        status = api.get_payment(id).await;
        if status["status"] == "cancelled" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!((status["status"].as_str(), status["status_detail"].as_str()), (Some("cancelled"), Some("expired")));
    assert!(matches!(
        api.sandbox.control().complete_challenge(id, ChallengeResult::Success),
        Err(ControlError::ChallengeEnded(s)) if s == "cancelled"
    ));
    api.sandbox.control().wait_for_deliveries(Duration::from_secs(5)).await;
    let got: Vec<_> = actions(&received).into_iter().map(|(a, _)| a).collect();
    assert_eq!(got, ["payment.created", "payment.updated"]);
}

#[tokio::test]
async fn the_device_script_sets_the_session_id_like_mercado_pagos() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let resp = api.http.get(api.url("/v2/security.js")).send().await.expect("security.js");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().expect("ct").starts_with("application/javascript"));
    let js = resp.text().await.expect("js");
    for needle in [
        "document.currentScript",
        "getAttribute('output')",
        "'MP_DEVICE_SESSION_ID'",
        "getElementById('deviceId')",
        "getRandomValues",
    ] {
        assert!(js.contains(needle), "{needle} missing");
    }
    // Asset fetches are not API requests: they stay out of the request log.
    assert!(api.sandbox.control().requests().is_empty());
}

#[tokio::test]
async fn large_payments_without_a_device_id_are_rejected_as_high_risk() {
    let api = Api::start(SandboxConfig::for_tests()).await;
    let body = |token: String, amount: u32| {
        json!({"token": token, "transaction_amount": amount, "installments": 1, "payment_method_id": "master",
            "three_d_secure_mode": "optional",
            "additional_info": {"ip_address": "203.0.113.7", "items": [{"id": "mate", "quantity": 1, "unit_price": amount}]},
            "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}}})
    };
    let (_, risky) = api.pay_with(&body(api.card_token(CARD_MANDATORY, "APRO").await, 5000), None).await;
    assert_eq!(
        (risky["status"].as_str(), risky["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_high_risk"))
    );
    let (_, small) = api.pay_with(&body(api.card_token(CARD_MANDATORY, "APRO").await, 4999), None).await;
    assert_eq!(small["status"], "approved");
    let (_, with_device) =
        api.pay_with(&body(api.card_token(CARD_MANDATORY, "APRO").await, 18500), Some("armor.0123abcd")).await;
    assert_eq!(with_device["status"], "approved");
    // A header that is not a usable device id counts as absent.
    let (_, blank) = api.pay_with(&body(api.card_token(CARD_MANDATORY, "APRO").await, 18500), Some("  ")).await;
    assert_eq!(blank["status_detail"], "cc_rejected_high_risk");

    // The request log shows the header and what the body carried.
    let payments = api.sandbox.control().requests_to("POST /v1/payments");
    assert_eq!(payments.len(), 4);
    assert_eq!(payments[2].headers.get("x-meli-session-id").map(String::as_str), Some("armor.0123abcd"));
    assert!(!payments[0].headers.contains_key("x-meli-session-id"));
    assert_eq!(payments[2].body["three_d_secure_mode"], "optional");
    assert_eq!(payments[2].body["additional_info"]["ip_address"], "203.0.113.7");
    let over_http: Value =
        api.http.get(api.url("/__sandbox/requests")).send().await.expect("send").json().await.expect("json");
    let logged = over_http.as_array().expect("list").iter().find(|r| r["headers"]["x-meli-session-id"].is_string());
    assert_eq!(logged.expect("logged")["headers"]["x-meli-session-id"], "armor.0123abcd");

    // Switched off: no risk rule.
    let off = Api::start(SandboxConfig { high_risk_amount: None, ..SandboxConfig::for_tests() }).await;
    let (_, big) = off.pay_with(&body(off.card_token(CARD_MANDATORY, "APRO").await, 90000), None).await;
    assert_eq!(big["status"], "approved");
}
