//! 3-D Secure and Mercado Pago's risk signals: a buyer whose bank asks for a challenge, the
//! merchant's `three_d_secure_mode`, the device id and what a payment without it costs.
//! The 3DS test cards and outcomes are Mercado Pago's
//! (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>);
//! the sandbox's risk rule is its own (README, "3-D Secure, device ID and risk in the sandbox").

use mp_sandbox::ChallengeResult;
use serde_json::Value;

use crate::helpers::{DEVICE_ID, Options, TestApp, key};

/// Mercado Pago's "Successful Challenge" test card.
const CHALLENGE_SUCCEEDS: &str = "5483928164574623";
/// Mercado Pago's "Unauthorized Challenge" test card.
const CHALLENGE_FAILS: &str = "5361956806117557";

/// The `POST /v1/payments` bodies Mercado Pago received, oldest first.
fn payment_requests(app: &TestApp) -> Vec<Value> {
    app.sandbox.control().requests_to("POST /v1/payments").into_iter().map(|r| r.body).collect()
}

fn with_mode(mode: &str) -> Options {
    Options { env: vec![("THREE_D_SECURE_MODE", mode.into())], ..Options::default() }
}

#[tokio::test]
async fn a_buyer_whose_bank_asks_confirms_in_a_challenge_and_is_charged_once() {
    let app = TestApp::spawn().await;
    let body = crate::helpers::checkout_body(&app.card_token_for(CHALLENGE_SUCCEEDS, "APRO").await);
    let key = key();

    let (status, first) = app.post_payment(Some(&key), &body).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["status"].as_str(), first["status_detail"].as_str()),
        (Some("pending"), Some("pending_challenge"))
    );
    let challenge = &first["three_ds_info"];
    let acs = format!("{}/acs/challenge", app.sandbox.control().acs_origin());
    assert_eq!(challenge["external_resource_url"].as_str(), Some(acs.as_str()), "{first}");
    assert!(challenge["creq"].as_str().is_some_and(|c| c.len() > 20), "{first}");
    assert_eq!(challenge.as_object().map(|o| o.len()), Some(2), "the challenge and nothing else: {challenge}");
    assert!(first["message"].as_str().is_some_and(|m| m.contains("banco")), "{first}");
    assert_eq!(payment_requests(&app)[0]["three_d_secure_mode"], "optional", "the default mode");

    // The page is reloaded, or the answer was lost: the same key answers the same challenge.
    let (status, again) = app.post_payment(Some(&key), &body).await;
    assert_eq!((status, &again), (201, &first));
    assert_eq!(app.charges().len(), 1, "one charge per key");

    // The buyer confirms in the bank's page; Mercado Pago tells us by webhook.
    let payment_id = first["payment_id"].as_u64().expect("payment id");
    app.sandbox.control().complete_challenge(payment_id, ChallengeResult::Success).expect("challenge completed");
    app.webhooks_settle().await;
    let order_id = first["order_id"].as_str().expect("order id");
    let (_, seen) = app.get_status(order_id).await;
    assert_eq!(
        (seen["status"].as_str(), seen["status_detail"].as_str()),
        (Some("approved"), Some("accredited")),
        "{seen}"
    );

    // A retry after the challenge gets the paid order, without a challenge, still one charge.
    let (status, after) = app.post_payment(Some(&key), &body).await;
    assert_eq!((status, after["status"].as_str()), (201, Some("approved")), "{after}");
    assert!(after.get("three_ds_info").is_none(), "{after}");
    assert_eq!(app.charges().len(), 1);
    assert_eq!(app.order(order_id).await.three_ds_info, None, "the finished challenge is not kept");
}

#[tokio::test]
async fn a_buyer_who_fails_the_challenge_is_told_the_bank_could_not_confirm() {
    let app = TestApp::spawn().await;
    let body = crate::helpers::checkout_body(&app.card_token_for(CHALLENGE_FAILS, "APRO").await);
    let (status, created) = app.post_payment(Some(&key()), &body).await;
    assert_eq!((status, created["status_detail"].as_str()), (201, Some("pending_challenge")), "{created}");

    let payment_id = created["payment_id"].as_u64().expect("payment id");
    app.sandbox.control().complete_challenge(payment_id, ChallengeResult::Success).expect("challenge completed");
    app.webhooks_settle().await;
    let (_, seen) = app.get_status(created["order_id"].as_str().expect("order id")).await;
    assert_eq!(
        (seen["status"].as_str(), seen["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_3ds_challenge"))
    );
    assert_eq!(
        seen["message"].as_str(),
        Some("No pudimos confirmar tu identidad con tu banco. Intenta de nuevo o usa otra tarjeta."),
        "{seen}"
    );
}

#[tokio::test]
async fn a_merchant_who_requires_3ds_sees_cards_without_it_rejected() {
    let app = TestApp::spawn_with(with_mode("mandatory")).await;
    let (status, created) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["status"].as_str(), created["status_detail"].as_str()),
        (Some("rejected"), Some("cc_rejected_3ds_mandatory")),
        "Mercado Pago's '3ds mandatory' card cannot do 3DS: {created}"
    );
    assert_eq!(payment_requests(&app)[0]["three_d_secure_mode"], "mandatory");
}

#[tokio::test]
async fn a_merchant_who_turns_3ds_off_has_challenge_cards_charged_directly() {
    let app = TestApp::spawn_with(with_mode("not_supported")).await;
    let body = crate::helpers::checkout_body(&app.card_token_for(CHALLENGE_SUCCEEDS, "APRO").await);
    let (status, created) = app.post_payment(Some(&key()), &body).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("approved")), "{created}");
    assert!(created.get("three_ds_info").is_none());
    assert_eq!(payment_requests(&app)[0]["three_d_secure_mode"], "not_supported");
}

#[tokio::test]
async fn the_buyers_device_id_and_address_reach_mercado_pago() {
    let app = TestApp::spawn().await;
    let body = app.checkout_body("APRO").await.to_string();
    let headers = [("x-meli-session-id", DEVICE_ID), ("cloudfront-viewer-address", "[2001:db8::7]:51234")];
    let (status, created) = app.post_payment_with(Some(&key()), body, &headers).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("approved")), "{created}");
    let request = app.sandbox.control().requests_to("POST /v1/payments").pop().expect("the payment request");
    assert_eq!(request.headers.get("x-meli-session-id").map(String::as_str), Some(DEVICE_ID));
    assert_eq!(request.body["additional_info"]["ip_address"], "2001:db8::7");
    assert_eq!(request.body["external_reference"], created["order_id"]);
    assert!(request.body["statement_descriptor"].is_string(), "from the catalog: {}", request.body);
}

#[tokio::test]
async fn a_payment_without_the_device_id_is_declined_as_high_risk() {
    let app = TestApp::spawn().await;
    // No device id, and one that is not a header value Mercado Pago could take (dropped).
    for headers in [vec![], vec![("x-meli-session-id", "not a device id")]] {
        let body = app.checkout_body("APRO").await.to_string();
        let (status, created) = app.post_payment_with(Some(&key()), body, &headers).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(
            (created["status"].as_str(), created["status_detail"].as_str()),
            (Some("rejected"), Some("cc_rejected_high_risk")),
            "{headers:?}: {created}"
        );
        let request = app.sandbox.control().requests_to("POST /v1/payments").pop().expect("the payment request");
        assert_eq!(request.headers.get("x-meli-session-id"), None, "{headers:?}");
    }
}
