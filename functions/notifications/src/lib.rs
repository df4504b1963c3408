//! `POST /api/notifications`: Mercado Pago's webhook.
//!
//! 1. Verify `x-signature` (HMAC-SHA256 over `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`
//!    with the webhook secret, constant-time, `ts` within the tolerance): missing, malformed,
//!    tampered or stale → `401`, nothing changes.
//! 2. Topics other than `payment` (`merchant_order`...) → `200`, ignored.
//! 3. Never trust the body: read `data.id` from the query as delivered, fetch
//!    `GET /v1/payments/{data.id}`, find the order by `external_reference`, apply the payment's
//!    state only if its `date_last_updated` is newer (replays and out-of-order deliveries never
//!    move an order backwards), publish "order paid" once.
//! 4. Unknown payments (the panel's simulated id 123456) or orders → `200`, logged: answering
//!    anything else would make Mercado Pago retry forever.
//! 5. Transient failures (Mercado Pago or AWS down) → `503`: Mercado Pago retries later.
//!    The Mercado Pago client here gives up within 10 s, well inside Mercado Pago's 22 s wait.
//!
//! `GET` (URL probes from Mercado Pago's panel) → `200`.

use std::time::{Duration, SystemTime};

use std::sync::Arc;

use checkout::config::Config;
use checkout::http::{self as web, ApiError};
use checkout::services::{InitError, Services};
use domain::order::OrderId;
use domain::payment::ProviderError;
use domain::ports::{OrderRepository, PaymentProvider};
use domain::settle::{self, Settled};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use checkout::http::RawBody;
use mercadopago::webhook::WebhookVerifier;
use serde_json::json;

/// What the handler needs.
pub struct Deps {
    /// Shared services (its Mercado Pago client has the shorter webhook timeouts).
    pub services: Services,
}

/// Per-attempt timeout for Mercado Pago calls made while answering a webhook.
pub const WEBHOOK_REQUEST_TIMEOUT: Duration = Duration::from_secs(4);
/// Total time the Mercado Pago client may spend (retries included) while answering a webhook.
pub const WEBHOOK_RETRY_BUDGET: Duration = Duration::from_secs(10);

/// The routes this function serves (method, path), as the SAM template's `HttpApi` events
/// route them.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/api/notifications"), ("GET", "/api/notifications")];

/// The function at a cold start ([`checkout::http::App`]): one Mercado Pago client, built with
/// [`webhook_timeouts`], then the router.
///
/// # Errors
/// [`InitError`] naming a missing or invalid setting.
pub fn app(config: Config, sdk: &aws_config::SdkConfig) -> Result<Router, InitError> {
    Ok(router(Arc::new(Deps { services: Services::new_with(config, sdk, webhook_timeouts)? })))
}

/// Tightens the Mercado Pago client's timeouts for webhook answers: at most
/// [`WEBHOOK_REQUEST_TIMEOUT`] per attempt and [`WEBHOOK_RETRY_BUDGET`] in all, well inside the
/// 22 s Mercado Pago waits for an answer.
pub fn webhook_timeouts(config: &mut mercadopago::ClientConfig) {
    config.request_timeout = config.request_timeout.min(WEBHOOK_REQUEST_TIMEOUT);
    config.retry.budget = config.retry.budget.min(WEBHOOK_RETRY_BUDGET);
}

fn ok(outcome: &str) -> Response {
    web::json_response(200, &json!({ "status": outcome }))
}

/// The function's router: `POST /api/notifications` (a delivery) and `GET` (and so `HEAD`: the
/// panel's URL probes, `200`); JSON 404/405 otherwise (`checkout::http::api_router`; no CORS:
/// browsers never call it).
pub fn router(deps: Arc<Deps>) -> Router {
    let origin = deps.services.origin.clone();
    let routes =
        Router::new().route("/api/notifications", get(|| async { ok("ready") }).post(receive)).with_state(deps);
    web::api_router(routes, None, origin)
}

/// One delivery. Every failure is a JSON response.
#[tracing::instrument(name = "notifications", skip_all, fields(data_id, request_id))]
async fn receive(
    State(deps): State<Arc<Deps>>,
    uri: Uri,
    headers: HeaderMap,
    body: Result<RawBody, ApiError>,
) -> Response {
    process(&deps, &uri, &headers, body.ok()).await.unwrap_or_else(IntoResponse::into_response)
}

async fn process(deps: &Deps, uri: &Uri, headers: &HeaderMap, body: Option<RawBody>) -> Result<Response, ApiError> {
    let services = &deps.services;
    let data_id = web::query_param(uri, "data.id").or_else(|| web::query_param(uri, "id"));
    let request_id = web::header(headers, "x-request-id");
    tracing::Span::current().record("data_id", data_id.as_deref().unwrap_or(""));
    tracing::Span::current().record("request_id", request_id.unwrap_or(""));

    let secret = services.provider.webhook_secret().await.map_err(|e| {
        tracing::error!(error = %e, "webhook secret unavailable");
        ApiError::ServiceUnavailable { retry_after: Duration::from_secs(5) }
    })?;
    let verifier = WebhookVerifier::new(secret, services.config.webhook_tolerance);
    if let Err(reason) =
        verifier.verify(web::header(headers, "x-signature"), request_id, data_id.as_deref(), SystemTime::now())
    {
        tracing::warn!(%reason, "webhook refused");
        return Err(ApiError::InvalidSignature);
    }

    let topic = web::query_param(uri, "type").or_else(|| web::query_param(uri, "topic")).or_else(|| {
        let body = body.and_then(|b| b.json().ok())?;
        body.get("type").and_then(|t| t.as_str()).map(str::to_owned)
    });
    if topic.as_deref() != Some("payment") {
        tracing::info!(topic = ?topic, "topic ignored");
        return Ok(ok("ignored"));
    }
    let Some(payment_id) = data_id.as_deref().and_then(|id| id.parse::<u64>().ok()) else {
        tracing::warn!("payment webhook without a numeric data.id");
        return Err(ApiError::Validation({
            let mut f = domain::validation::FieldErrors::default();
            f.add("data.id", "invalid");
            f
        }));
    };

    let payment = match services.provider.get_payment(payment_id).await {
        Ok(p) => p,
        Err(ProviderError::NotFound) => {
            tracing::info!(payment_id, "payment unknown to Mercado Pago (a panel simulation?); ignored");
            return Ok(ok("ignored"));
        }
        Err(e) => {
            tracing::error!(payment_id, error = %e, "could not read the payment; Mercado Pago will retry");
            return Err(ApiError::ProviderUnavailable { retry_after: Duration::from_secs(30) });
        }
    };
    let Some(order_id) = payment.external_reference.as_deref().and_then(|r| OrderId::parse(r).ok()) else {
        tracing::info!(payment_id, "payment has no order reference of ours; ignored");
        return Ok(ok("ignored"));
    };
    let order = services.store.get(&order_id).await.map_err(unavailable)?;
    let Some(order) = order else {
        tracing::info!(payment_id, %order_id, "no such order; ignored");
        return Ok(ok("ignored"));
    };
    match settle::settle(&services.store, &services.events, &order, &payment).await {
        Ok(Settled::Updated(_)) => Ok(ok("updated")),
        // A refused state leaves the order unchanged too (recorded as its anomaly).
        Ok(Settled::Stale(_) | Settled::Refused(_)) => Ok(ok("unchanged")),
        Ok(Settled::Mismatch(_)) | Ok(Settled::NotFound) => Ok(ok("ignored")),
        Err(e) => Err(unavailable(e)),
    }
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal failure; Mercado Pago will retry");
    ApiError::ServiceUnavailable { retry_after: Duration::from_secs(30) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_answers_use_tighter_mercado_pago_timeouts() {
        let mut config = mercadopago::ClientConfig::default();
        assert!(config.request_timeout > WEBHOOK_REQUEST_TIMEOUT && config.retry.budget > WEBHOOK_RETRY_BUDGET);
        webhook_timeouts(&mut config);
        assert_eq!((config.request_timeout, config.retry.budget), (WEBHOOK_REQUEST_TIMEOUT, WEBHOOK_RETRY_BUDGET));
        config.request_timeout = Duration::from_secs(1);
        webhook_timeouts(&mut config);
        assert_eq!(config.request_timeout, Duration::from_secs(1), "a shorter setting is kept");
    }
}
