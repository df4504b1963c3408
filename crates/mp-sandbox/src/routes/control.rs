//! `/__sandbox/...`: the control API over HTTP (same operations as [`crate::Control`]).
//!
//! | Method and path | Body | Does |
//! |---|---|---|
//! | `GET /__sandbox/config` | | public settings, the site's currency, test cards and documents, cardholder codes |
//! | `GET /__sandbox/payments` | | every payment |
//! | `POST /__sandbox/payments/{id}/settle` | `{"status":"approved"\|"rejected","status_detail"?}` | settle a pending payment |
//! | `POST /__sandbox/payments/{id}/refund` | `{"amount"?}` | a refund from the seller's panel (all that is left without `amount`); refusals in Mercado Pago's error envelope |
//! | `POST /__sandbox/payments/{id}/chargeback` | | `approved`/`in_mediation` → `charged_back`/`settled` |
//! | `POST /__sandbox/payments/{id}/challenge` | `{"result":"success"\|"failure"}` | end a pending 3-D Secure challenge (Confirm / Cancel); 409 when it has ended or there is none |
//! | `POST /__sandbox/payments/{id}/status` | `{"status","status_detail"}` | force a status (chargeback...) |
//! | `GET/POST/DELETE /__sandbox/faults` | a [`crate::Fault`] | list, queue, clear faults |
//! | `GET/DELETE /__sandbox/requests` | | received requests (redacted) |
//! | `GET /__sandbox/webhooks` | | deliveries and attempts |
//! | `PUT /__sandbox/webhooks` | `{"enabled": bool}` | switch webhooks on/off |
//! | `POST /__sandbox/webhooks/redeliver/{payment_id}` | | send again |
//! | `POST /__sandbox/webhooks/forge` | a [`crate::ForgedWebhook`] | send one webhook, return the answer |
//! | `POST /__sandbox/access_token/rotate` | | new access token, old one → 401 |
//! | `POST /__sandbox/reset` | | forget everything |

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as AxState};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::control::{ChallengeResult, Control, ControlError, ForgedWebhook, Settlement};
use crate::error::MpError;
use crate::faults::Fault;
use crate::scenario::SCENARIOS;
use crate::state::State;

fn control(state: &Arc<State>) -> Control {
    Control { state: Arc::clone(state) }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match self {
            ControlError::NotFound => StatusCode::NOT_FOUND,
            ControlError::NotPending(_) => StatusCode::CONFLICT,
            ControlError::NoUrl => StatusCode::BAD_REQUEST,
            ControlError::NoChallenge | ControlError::ChallengeEnded(_) => StatusCode::CONFLICT,
        };
        (status, Json(json!({"error": self.to_string()}))).into_response()
    }
}

pub(crate) async fn config(AxState(state): AxState<Arc<State>>) -> Response {
    let site = state.site();
    let cards: Vec<_> = site
        .test_cards
        .iter()
        .map(|(m, n)| {
            let payment_type_id = site.payment_method(m).map(|pm| pm.payment_type_id);
            json!({"payment_method_id": m, "payment_type_id": payment_type_id, "card_number": n})
        })
        .collect();
    let documents: Vec<_> =
        site.test_documents.iter().map(|(kind, number)| json!({"type": kind, "number": number})).collect();
    let codes: Vec<_> = SCENARIOS
        .iter()
        .map(|s| json!({"code": s.code, "description": s.description, "status": s.outcome.status, "status_detail": s.outcome.status_detail}))
        .collect();
    Json(json!({
        "public_key": state.config.public_key,
        "site_id": site.id.code(),
        "currency_id": site.currency_id,
        "currency_decimals": site.decimals,
        "webhooks_enabled": state.lock().webhooks_enabled,
        "default_notification_url": state.config.default_notification_url,
        "test_cards": cards,
        "test_cards_url": site.test_cards_url,
        "test_documents": documents,
        "security_code": "123 (1234 for American Express)",
        "expiration": "11/30",
        "cardholder_codes": codes,
        "three_ds": {
            "docs": crate::three_ds::DOC_URL,
            "acs_origin": state.acs_origin,
            "challenge_expiry_secs": state.config.challenge_expiry.as_secs(),
            "cards": [
                {"card_number": crate::three_ds::CARD_CHALLENGE_SUCCESS, "flow": "Successful Challenge"},
                {"card_number": crate::three_ds::CARD_CHALLENGE_FAILURE, "flow": "Unauthorized Challenge"},
                {"card_number": crate::three_ds::CARD_MANDATORY, "flow": "3ds mandatory"},
            ],
        },
        "high_risk_amount": state.config.high_risk_amount.map(crate::model::num),
    }))
    .into_response()
}

pub(crate) async fn payments(AxState(state): AxState<Arc<State>>) -> Response {
    Json(control(&state).payments()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct SettleBody {
    status: Settlement,
    #[serde(default)]
    status_detail: Option<String>,
}

pub(crate) async fn settle(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<u64>,
    Json(body): Json<SettleBody>,
) -> Result<Response, ControlError> {
    let p = control(&state).settle(id, body.status, body.status_detail.as_deref())?;
    Ok(Json(p).into_response())
}

#[derive(Deserialize)]
pub(crate) struct ChallengeBody {
    result: ChallengeResult,
}

pub(crate) async fn challenge(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<u64>,
    Json(body): Json<ChallengeBody>,
) -> Result<Response, ControlError> {
    let p = control(&state).complete_challenge(id, body.result)?;
    Ok(Json(p).into_response())
}

#[derive(Deserialize)]
pub(crate) struct StatusBody {
    status: String,
    status_detail: String,
}

pub(crate) async fn set_status(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<u64>,
    Json(body): Json<StatusBody>,
) -> Result<Response, ControlError> {
    let p = control(&state).set_status(id, &body.status, &body.status_detail)?;
    Ok(Json(p).into_response())
}

/// Body of a panel refund: `{}` or `{"amount": n}` (a JSON number, exact).
pub(crate) async fn panel_refund(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<u64>,
    body: bytes::Bytes,
) -> Result<Response, MpError> {
    let body = crate::routes::api::json_body(&body)?;
    let amount = match body.get("amount") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            crate::validate::decimal_from_json(v)
                .ok_or_else(|| MpError::bad_request(4041, "amount attribute must be numeric"))?,
        ),
    };
    let p = control(&state).panel_refund(id, amount)?;
    Ok(Json(p).into_response())
}

pub(crate) async fn chargeback(AxState(state): AxState<Arc<State>>, Path(id): Path<u64>) -> Result<Response, MpError> {
    let p = control(&state).chargeback(id)?;
    Ok(Json(p).into_response())
}

pub(crate) async fn list_faults(AxState(state): AxState<Arc<State>>) -> Response {
    Json(state.lock().faults.clone()).into_response()
}

pub(crate) async fn add_fault(AxState(state): AxState<Arc<State>>, Json(fault): Json<Fault>) -> Response {
    control(&state).inject_fault(fault);
    StatusCode::CREATED.into_response()
}

pub(crate) async fn clear_faults(AxState(state): AxState<Arc<State>>) -> Response {
    control(&state).clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn requests(AxState(state): AxState<Arc<State>>) -> Response {
    Json(control(&state).requests()).into_response()
}

pub(crate) async fn clear_requests(AxState(state): AxState<Arc<State>>) -> Response {
    state.lock().clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) async fn webhooks(AxState(state): AxState<Arc<State>>) -> Response {
    Json(control(&state).deliveries()).into_response()
}

#[derive(Deserialize)]
pub(crate) struct WebhookSwitch {
    enabled: bool,
}

pub(crate) async fn switch_webhooks(AxState(state): AxState<Arc<State>>, Json(body): Json<WebhookSwitch>) -> Response {
    control(&state).set_webhooks_enabled(body.enabled);
    Json(json!({"enabled": body.enabled})).into_response()
}

pub(crate) async fn redeliver(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<u64>,
) -> Result<Response, ControlError> {
    control(&state).redeliver(id)?;
    Ok(StatusCode::ACCEPTED.into_response())
}

pub(crate) async fn forge(
    AxState(state): AxState<Arc<State>>,
    Json(body): Json<ForgedWebhook>,
) -> Result<Response, ControlError> {
    let result = control(&state).forge_webhook(body).await?;
    Ok(Json(result).into_response())
}

pub(crate) async fn rotate(AxState(state): AxState<Arc<State>>) -> Response {
    Json(json!({"access_token": control(&state).rotate_access_token()})).into_response()
}

pub(crate) async fn reset(AxState(state): AxState<Arc<State>>) -> Response {
    control(&state).reset();
    StatusCode::NO_CONTENT.into_response()
}
