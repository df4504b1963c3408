//! The payments API: `POST/GET/PUT /v1/payments`, search and refunds
//! (docs/mercadopago.md#payments, #refunds).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::error::MpError;
use crate::state::{State, payment_view};
use crate::three_ds::CReq;
use crate::validate::{self, decimal_from_json};
use crate::webhooks;

/// After `challenge_expiry`, a challenge still pending becomes `cancelled/expired` and the
/// `payment.updated` webhook is sent.
fn schedule_challenge_expiry(state: &Arc<State>, id: u64, acs_trans_id: String) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        tokio::time::sleep(state.config.challenge_expiry).await;
        if state.shut_down.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let expired = state.lock().expire_challenge(id, &acs_trans_id);
        if let Some(payment) = expired {
            webhooks::payment_event(&state, &payment, "payment.updated");
        }
    });
}

/// Checks `Authorization: Bearer <access token>` (the 401 bodies:
/// docs/mercadopago.md#error-envelope).
pub(crate) fn bearer(state: &State, headers: &HeaderMap) -> Result<(), MpError> {
    let header = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let token = header.and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer "))).map(str::trim);
    match token {
        None | Some("") => Err(MpError::missing_access_token()),
        Some(t) if t == state.lock().access_token => Ok(()),
        Some(_) => Err(MpError::invalid_access_token()),
    }
}

/// `X-Idempotency-Key`. Required on creates and refunds; a missing key is refused with the
/// refunds API's cause 4292 (docs/mercadopago.md#refunds; our choice for payments, whose API
/// reference lists no code for it).
fn idempotency_key(headers: &HeaderMap) -> Result<String, MpError> {
    headers
        .get("x-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| MpError::bad_request(4292, "Header X-Idempotency-Key can't be null"))
}

pub(crate) fn json_body(body: &Bytes) -> Result<Value, MpError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| MpError::bad_request(1, "Params Error"))
}

/// An optional amount field of a JSON body: absent or null is `None`, a non-number is a 400 with
/// the given cause.
fn optional_amount(body: &Value, key: &str, code: u32, description: &str) -> Result<Option<Decimal>, MpError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => decimal_from_json(v).map(Some).ok_or_else(|| MpError::bad_request(code, description)),
    }
}

fn payment_id(raw: &str) -> Result<u64, MpError> {
    raw.parse().map_err(|_| MpError::payment_not_found())
}

/// Longest `X-meli-session-id` taken as a device id (our choice; longer values count as absent).
const MAX_DEVICE_ID: usize = 200;

/// The device id of `X-meli-session-id` (documented header:
/// <https://www.mercadopago.com.br/developers/en/docs/checkout-api/how-tos/improve-payment-approval>):
/// visible ASCII, 1 to 200 characters after trimming; anything else counts as absent (our choice).
pub(crate) fn device_id(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("x-meli-session-id")?.to_str().ok()?.trim();
    let ok = !value.is_empty() && value.len() <= MAX_DEVICE_ID && value.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| value.to_owned())
}

/// `POST /v1/payments`: 201 with the payment (also for rejected cards and for a 3-D Secure
/// challenge, `pending/pending_challenge`: the 201 is inferred from the create reference). A
/// challenge that nobody finishes becomes `cancelled/expired` after `challenge_expiry`.
pub(crate) async fn create_payment(AxState(state): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    let result = (|| {
        bearer(&state, &headers)?;
        let key = idempotency_key(&headers)?;
        let mut req = validate::new_payment(&json_body(&body)?, state.site())?;
        req.device_id = device_id(&headers);
        state.lock().create_payment(&state.config, &state.acs_origin, &key, req)
    })();
    match result {
        Ok((payment, created)) => {
            if created {
                webhooks::payment_event(&state, &payment, "payment.created");
                if let Some(creq) = payment.three_ds_info.as_ref().and_then(|i| CReq::decode(&i.creq)) {
                    schedule_challenge_expiry(&state, payment.id, creq.acs_trans_id);
                }
            }
            (StatusCode::CREATED, Json(payment)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /v1/payments/{id}`.
pub(crate) async fn get_payment(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let payment = state.lock().payment(payment_id(&id)?)?;
    Ok(Json(payment).into_response())
}

/// `PUT /v1/payments/{id}`: `{"capture": true, "transaction_amount"?}` or `{"status": "cancelled"}`.
pub(crate) async fn update_payment(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let id = payment_id(&id)?;
    let body = json_body(&body)?;
    let payment = if body.get("status").and_then(Value::as_str) == Some("cancelled") {
        state.lock().cancel(id)?
    } else if body.get("capture").and_then(Value::as_bool) == Some(true) {
        let amount =
            optional_amount(&body, "transaction_amount", 4003, "transaction_amount attribute must be numeric")?;
        state.lock().capture(id, amount)?
    } else {
        return Err(MpError::bad_request(1, "Params Error"));
    };
    webhooks::payment_event(&state, &payment, "payment.updated");
    Ok(Json(payment).into_response())
}

/// Largest `limit` accepted by search (cause 1000 above it).
const MAX_SEARCH_LIMIT: usize = 1000;
/// `limit` when none is given (docs/mercadopago.md#search-payments).
const DEFAULT_SEARCH_LIMIT: usize = 30;

/// `GET /v1/payments/search`: filters `external_reference`, `id`, `status`; `sort` by
/// `date_created` (default), `date_approved`, `date_last_updated` or `money_release_date`;
/// `criteria` `asc` or `desc` (default `desc`, newest first: our choice); `limit` (default 30,
/// max 1000) and `offset`. Answers `{paging: {total, limit, offset}, results}`.
pub(crate) async fn search_payments(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let params_error = || MpError::bad_request(1, "Params Error");
    let limit = match q.get("limit") {
        None => DEFAULT_SEARCH_LIMIT,
        Some(l) => l.parse::<usize>().map_err(|_| params_error())?,
    };
    if limit > MAX_SEARCH_LIMIT {
        return Err(MpError::bad_request(1000, "Number of rows exceeded the limits"));
    }
    let offset = match q.get("offset") {
        None => 0,
        Some(o) => o.parse::<usize>().map_err(|_| params_error())?,
    };
    let sort = q.get("sort").map_or("date_created", String::as_str);
    if !matches!(sort, "date_created" | "date_approved" | "date_last_updated" | "money_release_date") {
        return Err(params_error());
    }
    let desc = match q.get("criteria").map(String::as_str) {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(params_error()),
    };
    let mut results: Vec<_> = state
        .lock()
        .all_payments()
        .into_iter()
        .filter(|p| q.get("external_reference").is_none_or(|r| p.external_reference.as_ref() == Some(r)))
        .filter(|p| q.get("id").is_none_or(|id| p.id.to_string() == *id))
        .filter(|p| q.get("status").is_none_or(|s| p.status == *s))
        .collect();
    let key = |p: &crate::model::Payment| -> (Option<String>, u64) {
        let v = match sort {
            "date_approved" => p.date_approved.clone(),
            "date_last_updated" => Some(p.date_last_updated.clone()),
            "money_release_date" => p.money_release_date.clone(),
            _ => Some(p.date_created.clone()),
        };
        (v, p.id)
    };
    results.sort_by_key(key);
    if desc {
        results.reverse();
    }
    let total = results.len();
    let page: Vec<_> = results.iter().skip(offset).take(limit).map(payment_view).collect();
    Ok(Json(json!({"paging": {"total": total, "limit": limit, "offset": offset}, "results": page})).into_response())
}

/// `POST /v1/payments/{id}/refunds`: `{}` for a full refund, `{"amount": n}` for a partial one.
/// Answers 201 with the refund (the spec lists 200; unverified, our choice to mirror creates).
pub(crate) async fn create_refund(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let id = payment_id(&id)?;
    let key = idempotency_key(&headers)?;
    let body = json_body(&body)?;
    let amount = optional_amount(&body, "amount", 4041, "amount attribute must be numeric")?;
    let metadata = body.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let (refund, made) = state.lock().refund(&state.config, id, &key, amount, metadata)?;
    if made {
        let payment = state.lock().payment(id)?;
        webhooks::payment_event(&state, &payment, "payment.updated");
    }
    Ok((StatusCode::CREATED, Json(refund)).into_response())
}

/// `GET /v1/payments/{id}/refunds`.
pub(crate) async fn list_refunds(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let refunds = state.lock().refunds(payment_id(&id)?)?;
    Ok(Json(refunds).into_response())
}

/// `GET /v1/payments/{id}/refunds/{refund_id}` (the SDKs' path, e.g. sdk-java
/// `PaymentRefundClient`): the refund, or 404 in Mercado Pago's error envelope when the payment
/// or the refund does not exist (cause 2032 "Refund not found" for the refund: our choice of
/// text, the code is the one the refunds reference lists).
pub(crate) async fn get_refund(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path((id, refund_id)): Path<(String, String)>,
) -> Result<Response, MpError> {
    bearer(&state, &headers)?;
    let refunds = state.lock().refunds(payment_id(&id)?)?;
    let refund = refund_id
        .parse::<u64>()
        .ok()
        .and_then(|rid| refunds.into_iter().find(|r| r.id == rid))
        .ok_or_else(|| MpError::with_cause(StatusCode::NOT_FOUND, "not_found", 2032, "Refund not found"))?;
    Ok(Json(refund).into_response())
}
