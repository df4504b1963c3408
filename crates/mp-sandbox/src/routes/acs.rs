//! The 3-D Secure ACS stand-in, served on the ACS origin (`http://localhost:<port>` by default,
//! another origin than the sandbox's `http://127.0.0.1:<port>`, as an issuer's ACS is):
//!
//! | Method and path | Body | Answers |
//! |---|---|---|
//! | `POST /acs/challenge` | form `creq` | the challenge page (heading, illustrative code, Confirm, Cancel) |
//! | `POST /acs/challenge/result` | form `acs_trans_id`, `choice=confirm\|cancel` | JSON `{status, status_detail, message}` with `Accept: application/json`, else the "finished" page; 409 when the challenge has ended |
//! | `GET /acs/assets/acs.js`, `/acs/assets/acs.css` | | the page's script and style |
//!
//! Every page has its own strict CSP ([`ACS_CSP`]: no inline code, no `frame-ancestors`, so any
//! merchant page may frame it). The page and the form post are Mercado Pago's documented flow
//! (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>);
//! the page's content, the result route and its JSON are our choice.

use std::sync::Arc;

use axum::Router;
use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderMap, StatusCode};
use serde_json::json;

use crate::control::{ChallengeResult, Control, ControlError};
use crate::state::State;
use crate::three_ds::{ACS_CSP, CReq, challenge_page, ended_page, error_page};

const ACS_JS: &str = include_str!("../../assets/acs.js");
const ACS_CSS: &str = include_str!("../../assets/acs.css");

pub(crate) fn router() -> Router<Arc<State>> {
    Router::new()
        .route("/acs/challenge", post(challenge))
        .route("/acs/challenge/result", post(result))
        .route("/acs/assets/acs.js", get(|| async { asset("application/javascript; charset=utf-8", ACS_JS) }))
        .route("/acs/assets/acs.css", get(|| async { asset("text/css; charset=utf-8", ACS_CSS) }))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache"), (X_CONTENT_TYPE_OPTIONS, "nosniff")], body)
        .into_response()
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, ACS_CSP),
            (CACHE_CONTROL, "no-store"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// The first value of a form field.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// `POST /acs/challenge`: the page a merchant's iframe shows after posting `creq`.
async fn challenge(AxState(state): AxState<Arc<State>>, body: Bytes) -> Response {
    let Some(creq) = form_field(&body, "creq").and_then(|c| CReq::decode(&c)) else {
        return html(StatusCode::BAD_REQUEST, error_page("This authentication request is not valid."));
    };
    let Some(payment) = state.lock().payment_for_challenge(&creq.acs_trans_id) else {
        return html(StatusCode::NOT_FOUND, error_page("This authentication request is unknown."));
    };
    if payment.status != "pending" || payment.status_detail != "pending_challenge" {
        return html(StatusCode::CONFLICT, ended_page("This authentication has already finished."));
    }
    let amount = state.site().format_amount(payment.transaction_amount);
    let merchant = payment.statement_descriptor.as_deref().unwrap_or("the store");
    html(StatusCode::OK, challenge_page(&creq.acs_trans_id, &amount, merchant))
}

/// `POST /acs/challenge/result`: Confirm or Cancel. Settles the payment (with its webhook).
async fn result(AxState(state): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    let wants_json =
        headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    let answer = |status: StatusCode, message: &str, payment: Option<(&str, &str)>| -> Response {
        if wants_json {
            let (s, d) = payment.unwrap_or_default();
            let body = json!({"message": message, "status": s, "status_detail": d});
            (status, [(CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
        } else if status.is_success() || status == StatusCode::CONFLICT {
            html(status, ended_page(message))
        } else {
            html(status, error_page(message))
        }
    };
    let action = match form_field(&body, "choice").as_deref() {
        Some("confirm") => ChallengeResult::Success,
        Some("cancel") => ChallengeResult::Failure,
        _ => return answer(StatusCode::BAD_REQUEST, "Choose Confirm or Cancel.", None),
    };
    let id = form_field(&body, "acs_trans_id").and_then(|t| state.lock().payment_for_challenge(&t)).map(|p| p.id);
    let Some(id) = id else {
        return answer(StatusCode::NOT_FOUND, "This authentication request is unknown.", None);
    };
    let control = Control { state: Arc::clone(&state) };
    match control.complete_challenge(id, action) {
        Ok(p) => {
            let message = if p.status == "rejected" {
                "Authentication not completed. You can return to the store."
            } else {
                "Authentication complete. You can return to the store."
            };
            answer(StatusCode::OK, message, Some((&p.status, &p.status_detail)))
        }
        Err(ControlError::ChallengeEnded(_)) => {
            answer(StatusCode::CONFLICT, "This authentication has already finished.", None)
        }
        Err(_) => answer(StatusCode::NOT_FOUND, "This authentication request is unknown.", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded_and_missing_ones_are_none() {
        assert_eq!(form_field(b"creq=ab%2Bc&x=1", "creq").as_deref(), Some("ab+c"));
        assert_eq!(form_field(b"a=1", "creq"), None);
        assert_eq!(form_field(&[0xff, 0xfe, b'='], "creq"), None);
    }
}
