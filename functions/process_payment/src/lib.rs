//! `POST /api/process_payment`: charge a card for items from the catalog, at most once per
//! `Idempotency-Key`.
//!
//! Contract (README.md, "The checkout API"; machine-readable: docs/openapi.yaml):
//! - header `Idempotency-Key` (required; one per checkout attempt): it is also the
//!   `X-Idempotency-Key` Mercado Pago receives. The same key with the same body returns the
//!   first result and never charges twice; with another body it is `409 idempotency_key_reused`.
//! - body `{items:[{sku,quantity}], token, payment_method_id, issuer_id?, installments,
//!   payer:{email, identification?:{type,number}, first_name?, last_name?, phone?:{number}},
//!   shipping_address?:{street_name, street_number, floor?, apartment?, zip_code, city_name,
//!   state_name}, transaction_amount?, locale?}`. What the catalog's `collect` asks for is
//!   required (`domain::buyer`) and kept on the order for the `order.paid` event; the rest of
//!   the buyer's fields are dropped. The price comes
//!   from the current catalog (`catalog.json` in the site bucket, cached for `CATALOG_TTL_SECS`:
//!   `checkout::catalog`); a `transaction_amount` that differs is `409 amount_mismatch`, after
//!   one look at the bucket (at most every [`RECHECK_AFTER`]) in case the buyer's page shows a
//!   catalog published since ours was fetched. The order keeps the prices it was created with.
//! - header `X-Meli-Session-Id` (optional): the buyer's device id from Mercado Pago's
//!   `security.js`, forwarded as `X-meli-session-id`; `CloudFront-Viewer-Address` (set by
//!   CloudFront) becomes `additional_info.ip_address`. Neither is part of the request's identity.
//! - `201 {order_id, order_number, payment_id, status, status_detail, message, amount, currency,
//!   items: [{sku, quantity, unit_price}], three_ds_info?}`, also for rejected cards: what the
//!   buyer's receipt shows, and no payer data. `three_ds_info {external_resource_url, creq}` is
//!   there only while the payment waits for a 3-D Secure challenge (`pending` /
//!   `pending_challenge`): the page posts `creq` to the issuer's page in an iframe, then polls
//!   `payment_status`. A retry with the same key answers the same challenge. `order_number` is `OrderId::order_number`; `amount` and
//!   `unit_price` are decimal strings with the currency's decimals (`domain::money::amount_text`),
//!   from the stored order, so a retry with the same key gets the same body.
//! - `notification_url` is `NOTIFICATION_URL` when set; without it Mercado Pago uses the webhook
//!   URL configured in its panel (the first deploy, before the public URL is known).
//! - `400` malformed or oversized body, missing key; `422 validation_failed` with `fields`
//!   (ours, or mapped from Mercado Pago's cause codes); `409 request_in_progress` while the
//!   first request with the key is still running; `503 payment_provider_unavailable` with
//!   `Retry-After` when Mercado Pago fails after bounded retries (the order is kept: a retry with
//!   the same key completes it); `503 service_unavailable` when no catalog can be read yet.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use checkout::config::Config;
use checkout::http::{self as web, ApiError, RawBody};
use checkout::services::{InitError, Services};
use domain::catalog::Catalog;
use domain::messages::{Lang, MessageContext, buyer_message};
use domain::order::{Order, ReceiptLine};
use domain::pay::{Checkout, PayError};
use domain::payment::ThreeDsInfo;
use domain::validation;
use mercadopago::IdempotencyKey;
use serde::Serialize;

/// What the handler needs.
pub struct Deps {
    /// Shared services.
    pub services: Services,
    /// How long a duplicate request waits for the first one before answering 409.
    pub wait_for_in_flight: Duration,
}

/// When a request's `transaction_amount` is not the cached catalog's total, the catalog is
/// fetched again if it was last checked at least this long ago (our choice: a buyer who saw a
/// just-published price pays it at once, and mismatching requests cause at most one S3 read per
/// execution environment every 5 s).
pub const RECHECK_AFTER: Duration = Duration::from_secs(5);

/// The routes this function serves (method, path), as the SAM template's `HttpApi` events
/// route them.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/api/process_payment")];

/// The function at a cold start ([`checkout::http::App`]): its services, then its router.
///
/// # Errors
/// [`InitError`] naming a missing or invalid setting.
pub fn app(config: Config, sdk: &aws_config::SdkConfig) -> Result<Router, InitError> {
    let services = Services::new(config, sdk)?;
    if services.config.notification_url.is_none() {
        // Payments are then created without `notification_url`, and Mercado Pago posts
        // webhooks to the URL configured in Your integrations → Webhooks
        // (docs/mercadopago.md#delivery).
        tracing::warn!("NOTIFICATION_URL is not set: relying on the webhook URL configured in Mercado Pago");
    }
    Ok(router(Arc::new(Deps { services, wait_for_in_flight: Duration::from_secs(10) })))
}

/// The 201 body.
#[derive(Debug, Serialize)]
struct Created<'a> {
    order_id: &'a str,
    order_number: String,
    payment_id: Option<u64>,
    status: &'a str,
    status_detail: &'a str,
    message: String,
    amount: String,
    currency: &'a str,
    items: Vec<ReceiptLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    three_ds_info: Option<&'a ThreeDsInfo>,
}

/// The function's router: `POST /api/process_payment` (CORS preflights for the configured
/// origin; JSON 404/405 otherwise: `checkout::http::api_router`).
pub fn router(deps: Arc<Deps>) -> Router {
    let allowed_origin = deps.services.config.allowed_origin.clone();
    let origin = deps.services.origin.clone();
    let routes = Router::new().route("/api/process_payment", post(create)).with_state(deps);
    web::api_router(routes, allowed_origin.as_deref(), origin)
}

/// `POST /api/process_payment`. Every failure is a JSON response.
#[tracing::instrument(name = "process_payment", skip_all, fields(idempotency_key))]
async fn create(State(deps): State<Arc<Deps>>, headers: HeaderMap, body: Result<RawBody, ApiError>) -> Response {
    process(&deps, &headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

/// Parse → pay (the domain) → respond.
async fn process(deps: &Deps, headers: &HeaderMap, body: Result<RawBody, ApiError>) -> Result<Response, ApiError> {
    let key = match web::header(headers, "idempotency-key").map(str::trim) {
        None | Some("") => return Err(ApiError::MissingIdempotencyKey),
        Some(k) => IdempotencyKey::new(k).map_err(|_| ApiError::InvalidIdempotencyKey)?,
    };
    tracing::Span::current().record("idempotency_key", key.as_str());
    let body = body?.json()?;
    let mut request = validation::payment_request(&body).map_err(ApiError::Validation)?;
    request.context = request_context(headers);
    let services = &deps.services;
    let mut catalog = services.catalog.current().await.map_err(catalog_unavailable)?;
    let mut paid = pay(deps, &catalog, key.as_str(), &request).await;
    if matches!(paid, Err(PayError::AmountMismatch)) {
        // Nothing was created (the amount is checked before the order is): price it again if
        // the bucket has a newer catalog than ours.
        if let Ok(fresh) = services.catalog.recheck(RECHECK_AFTER).await
            && !Arc::ptr_eq(&fresh, &catalog)
        {
            catalog = fresh;
            paid = pay(deps, &catalog, key.as_str(), &request).await;
        }
    }
    let order = paid.map_err(api_error)?;
    Ok(respond(&catalog, &order, request.lang))
}

/// The risk signals of the request's headers: the page's `X-Meli-Session-Id` (Mercado Pago's
/// device id) and CloudFront's `CloudFront-Viewer-Address` (the buyer's IP address; CloudFront
/// sets it, overwriting what a client sent, as the template's origin request policy asks). Bad
/// values count as absent.
fn request_context(headers: &HeaderMap) -> validation::RequestContext {
    validation::RequestContext {
        device_id: web::header(headers, "x-meli-session-id").and_then(validation::device_id),
        ip_address: web::header(headers, "cloudfront-viewer-address").and_then(validation::viewer_address),
    }
}

/// Pays for `request` with the prices of `catalog`.
async fn pay(
    deps: &Deps,
    catalog: &Catalog,
    key: &str,
    request: &validation::PaymentRequest,
) -> Result<Order, PayError> {
    let services = &deps.services;
    let checkout = Checkout {
        orders: &services.store,
        events: &services.events,
        provider: &services.provider,
        catalog,
        wait_for_in_flight: deps.wait_for_in_flight,
    };
    checkout.pay(key, request).await
}

/// No catalog could be read yet (a cold start while S3 fails, or no `catalog.json` in the
/// bucket): nothing is priced or charged; the buyer may retry with the same key.
fn catalog_unavailable(e: checkout::catalog::CatalogUnavailable) -> ApiError {
    tracing::error!(error = %e, "no catalog to price the payment with");
    ApiError::ServiceUnavailable { retry_after: Duration::from_secs(2) }
}

/// The answer for each way a payment can fail.
fn api_error(e: PayError) -> ApiError {
    match e {
        PayError::Invalid(fields) | PayError::Refused(fields) => ApiError::Validation(fields),
        PayError::AmountMismatch => ApiError::AmountMismatch,
        PayError::KeyReused => ApiError::IdempotencyKeyReused,
        PayError::InProgress => ApiError::RequestInProgress,
        PayError::ProviderUnavailable { retry_after } => {
            ApiError::ProviderUnavailable { retry_after: retry_after.unwrap_or(Duration::from_secs(5)) }
        }
        PayError::Store(_) | PayError::Unrecorded => {
            tracing::error!(error = %e, "internal failure");
            ApiError::ServiceUnavailable { retry_after: Duration::from_secs(2) }
        }
    }
}

/// The 201 for an order that has a result (its amounts and lines as stored: the prices it was
/// created with).
fn respond(catalog: &Catalog, order: &Order, lang: Option<Lang>) -> Response {
    let ctx = MessageContext {
        amount: order.terms.amount,
        currency_id: &order.terms.currency_id,
        payment_method_id: &order.terms.payment_method_id,
        installments: order.terms.installments,
        statement_descriptor: catalog.statement_descriptor.as_deref(),
    };
    let message = buyer_message(lang.unwrap_or(order.terms.lang), order.status.as_str(), &order.status_detail, &ctx);
    web::json_response(
        201,
        &Created {
            order_id: order.order_id.as_str(),
            order_number: order.order_id.order_number(),
            payment_id: order.payment_id,
            status: order.status.as_str(),
            status_detail: &order.status_detail,
            message,
            amount: domain::money::amount_text(order.terms.amount, &order.terms.currency_id),
            currency: &order.terms.currency_id,
            items: order.terms.receipt_lines(),
            three_ds_info: order.challenge(),
        },
    )
}
