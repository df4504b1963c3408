//! The sandbox's resources have the shape of Mercado Pago's: the same keys, recursively, with the
//! same JSON types, as the recordings in `tests/recordings/` (sources in its README.md).
//!
//! Rules: a key that is null in the recording may hold anything here (but must exist); a
//! non-null one must have the same JSON type (any JSON number matches a number); arrays are
//! compared element by element against the recording's first element; `metadata`,
//! `additional_info` and `internal_metadata` are echoes of the request or Mercado Pago's internal
//! data, so only their type (object) is compared. Extra keys are allowed only where listed in
//! [`EXTRA_KEYS`] (documented in the recordings' README).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test code: a failed expectation or a missing JSON field is a failed test"
)]

use axum::http::StatusCode;
use mp_sandbox::three_ds::CARD_CHALLENGE_SUCCESS;
use mp_sandbox::{ChallengeResult, Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// Keys the sandbox has that the recordings do not (paths from the resource's root).
const EXTRA_KEYS: &[&str] = &[
    // Both real: the API reference describes the release status; sdk-java `Payment` has `paymentMethod`.
    "$.money_release_status",
    "$.payment_method",
    // Card tokens: the public key used (the sandbox's MercadoPago.js stand-in reads it).
    "$.public_key",
];

/// Subtrees that echo the request or hold Mercado Pago's internal data: only their type counts.
const OPAQUE_KEYS: &[&str] = &["metadata", "additional_info", "internal_metadata"];

fn recording(name: &str) -> Value {
    let path = format!("{}/tests/recordings/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Differences between a recording and one of ours, as `path: problem` lines.
fn differences(path: &str, recorded: &Value, ours: &Value, out: &mut Vec<String>) {
    if recorded.is_null() {
        return;
    }
    if kind(recorded) != kind(ours) {
        out.push(format!("{path}: {} in the recording, {} here ({ours})", kind(recorded), kind(ours)));
        return;
    }
    match (recorded, ours) {
        (Value::Object(rec), Value::Object(our)) => {
            for (key, rv) in rec {
                let p = format!("{path}.{key}");
                match our.get(key) {
                    None => out.push(format!("{p}: missing")),
                    Some(_) if OPAQUE_KEYS.contains(&key.as_str()) => {}
                    Some(ov) => differences(&p, rv, ov, out),
                }
            }
            for key in our.keys().filter(|k| !rec.contains_key(*k)) {
                let p = format!("{path}.{key}");
                if !EXTRA_KEYS.contains(&p.as_str()) {
                    out.push(format!("{p}: not in the recording"));
                }
            }
        }
        (Value::Array(rec), Value::Array(our)) => {
            if let Some(first) = rec.first() {
                for (i, ov) in our.iter().enumerate() {
                    differences(&format!("{path}[{i}]"), first, ov, out);
                }
            }
        }
        _ => {}
    }
}

fn assert_same_shape(name: &str, ours: &Value) {
    let mut out = vec![];
    differences("$", &recording(name), ours, &mut out);
    assert!(out.is_empty(), "{name} differs:\n{}\nours: {ours:#}", out.join("\n"));
}

struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Api {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.bearer_auth(self.sandbox.control().access_token()).send().await.expect("request");
        let status = resp.status();
        (status, resp.json().await.expect("json"))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(self.url(path))).await
    }

    async fn card_token(&self, number: &str) -> Value {
        let url = self.url(&format!("/v1/card_tokens?public_key={}", self.sandbox.control().public_key()));
        let resp = self
            .http
            .post(url)
            .json(&json!({"card_number": number, "expiration_month": 11, "expiration_year": 2030,
                "security_code": "123",
                "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}}}))
            .send()
            .await
            .expect("card token");
        assert_eq!(resp.status(), StatusCode::CREATED);
        resp.json().await.expect("json")
    }

    async fn pay(&self, token: &Value, mode: &str) -> Value {
        let body = json!({
            "token": token["id"], "transaction_amount": 12.34, "installments": 1, "payment_method_id": "master",
            "description": "Recorded order", "external_reference": "order-1", "statement_descriptor": "MATECITO",
            "notification_url": "https://example.com/webhooks", "three_d_secure_mode": mode,
            "metadata": {"order_number": "order_1"},
            "additional_info": {"items": [{"id": "mate", "title": "Mate", "quantity": 1, "unit_price": 12.34}]},
            "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}}
        });
        let req =
            self.http.post(self.url("/v1/payments")).header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string());
        let (status, payment) = self.send(req.json(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{payment}");
        payment
    }
}

#[tokio::test]
async fn card_tokens_payments_challenges_and_refunds_have_mercado_pagos_shape() {
    let config = SandboxConfig { webhooks_enabled: false, ..SandboxConfig::for_tests() };
    let api = Api { sandbox: Sandbox::start(config).await.expect("sandbox"), http: reqwest::Client::new() };

    let token = api.card_token("5031755734530604").await;
    assert_same_shape("card_token.json", &token);

    let created = api.pay(&token, "not_supported").await;
    assert_eq!(created["status"], "approved");
    assert_same_shape("payment.json", &created);
    let id = created["id"].as_u64().expect("id");
    let (status, fetched) = api.get(&format!("/v1/payments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_same_shape("payment.json", &fetched);
    assert!(fetched["three_ds_info"].is_null(), "no challenge, no three_ds_info");
    assert!(fetched["payer"]["id"].is_string());

    let challenged = api.pay(&api.card_token(CARD_CHALLENGE_SUCCESS).await, "optional").await;
    let challenged_id = challenged["id"].as_u64().expect("id");
    let (_, pending) = api.get(&format!("/v1/payments/{challenged_id}")).await;
    assert_eq!(pending["status_detail"], "pending_challenge");
    assert_same_shape("payment_challenge.json", &pending);
    api.sandbox.control().complete_challenge(challenged_id, ChallengeResult::Success).expect("confirm");
    let (_, approved) = api.get(&format!("/v1/payments/{challenged_id}")).await;
    assert_eq!(approved["status"], "approved");
    assert_same_shape("payment.json", &approved);
    assert_same_shape("payment_challenge.json", &approved);

    let req = api
        .http
        .post(api.url(&format!("/v1/payments/{id}/refunds")))
        .header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&json!({"amount": 10}));
    let (status, refund) = api.send(req).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_same_shape("refund.json", &refund);
    let refund_id = refund["id"].as_u64().expect("refund id");
    let (status, fetched_refund) = api.get(&format!("/v1/payments/{id}/refunds/{refund_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched_refund, refund);
    let (_, list) = api.get(&format!("/v1/payments/{id}/refunds")).await;
    assert_same_shape("refund.json", &list[0]);
    let (_, refunded) = api.get(&format!("/v1/payments/{id}")).await;
    assert_same_shape("payment.json", &refunded);
    let mut out = vec![];
    differences("$", &recording("refund.json"), &refunded["refunds"][0], &mut out);
    assert!(out.is_empty(), "{out:?}");

    // Missing refunds and payments: 404 in Mercado Pago's error envelope.
    for path in [
        format!("/v1/payments/{id}/refunds/1"),
        format!("/v1/payments/{id}/refunds/abc"),
        "/v1/payments/1/refunds/1".to_owned(),
    ] {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!((body["error"].as_str(), body["status"].as_u64()), (Some("not_found"), Some(404)), "{path}");
        assert!(body["message"].is_string() && body["cause"][0]["code"].is_number(), "{body}");
    }
    let (_, body) = api.get(&format!("/v1/payments/{id}/refunds/1")).await;
    assert_eq!(body["cause"][0]["code"], 2032);
}

#[test]
fn the_comparison_catches_missing_keys_wrong_types_and_extras() {
    let rec = json!({"a": 1, "b": null, "c": {"d": "x"}, "e": [{"f": true}], "metadata": {"k": 1}});
    let mut out = vec![];
    differences(
        "$",
        &rec,
        &json!({"a": 1.5, "b": {"any": 1}, "c": {"d": "y"}, "e": [{"f": false}], "metadata": {}}),
        &mut out,
    );
    assert!(out.is_empty(), "{out:?}");
    let mut out = vec![];
    differences(
        "$",
        &rec,
        &json!({"a": "1", "c": {"d": 2}, "e": [{"f": true, "g": 1}], "metadata": {}, "z": 0}),
        &mut out,
    );
    let text = out.join("\n");
    for expected in [
        "$.a: number in the recording, string here",
        "$.b: missing",
        "$.c.d: string in the recording, number here",
        "$.e[0].g: not in the recording",
        "$.z: not in the recording",
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
}
