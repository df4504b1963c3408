//! `POST /api/process_payment`: charge a card for items from the catalog, at most once per
//! `Idempotency-Key`.
//!
//! Contract (README.md, "The checkout API"; machine-readable: docs/openapi.yaml):
//! - header `Idempotency-Key` (required; one per checkout attempt): it is also the
//!   `X-Idempotency-Key` Mercado Pago receives. The same key with the same body returns the
//!   first result and never charges twice; with another body it is `409 idempotency_key_reused`.
//! - body `{items:[{sku,quantity}], token, payment_method_id, issuer_id?, installments,
//!   payer:{email, identification?:{type,number}}, transaction_amount?, locale?}`. The price comes
//!   from the catalog; a `transaction_amount` that differs is `409 amount_mismatch`.
//! - `201 {order_id, payment_id, status, status_detail, message}`, also for rejected cards.
//! - `notification_url` is `NOTIFICATION_URL` when set; without it Mercado Pago uses the webhook
//!   URL configured in its panel (the first deploy, before the public URL is known).
//! - `400` malformed or oversized body, missing key; `422 validation_failed` with `fields`
//!   (ours, or mapped from Mercado Pago's cause codes); `409 request_in_progress` while the
//!   first request with the key is still running; `503 payment_provider_unavailable` with
//!   `Retry-After` when Mercado Pago fails after bounded retries (the order is kept: a retry with
//!   the same key completes it).

use std::time::{Duration, Instant};

use checkout::catalog::PricedOrder;
use checkout::http::{self as web, ApiError};
use checkout::messages::{Lang, MessageContext, buyer_message};
use checkout::services::{ProviderError, Services};
use checkout::settle::{self, Settled};
use checkout::store::{self, Begin, Failure, NewOrder, Order};
use checkout::validation::{self, FieldErrors, PaymentRequest};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use checkout::http::RawBody;
use mercadopago::{IdempotencyKey, Identification, Payer, PaymentCreateRequest};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long one request may hold the right to call Mercado Pago for an order. Longer than the
/// client's retry budget plus one request timeout, so a live attempt never loses it.
pub const ATTEMPT_LEASE: Duration = Duration::from_secs(30);

/// What the handler needs.
pub struct Deps {
    /// Shared services.
    pub services: Services,
    /// How long a duplicate request waits for the first one before answering 409.
    pub wait_for_in_flight: Duration,
}

impl Deps {
    /// From the process environment (cold start).
    pub async fn from_env() -> Result<Deps, checkout::services::InitError> {
        let services = Services::from_env().await?;
        if services.config.notification_url.is_none() {
            // Payments are then created without `notification_url`, and Mercado Pago posts
            // webhooks to the URL configured in Your integrations → Webhooks
            // (docs/mercadopago.md#delivery).
            tracing::warn!("NOTIFICATION_URL is not set: relying on the webhook URL configured in Mercado Pago");
        }
        Ok(Deps { services, wait_for_in_flight: Duration::from_secs(10) })
    }
}

/// The 201 body.
#[derive(Debug, Serialize)]
struct Created<'a> {
    order_id: &'a str,
    payment_id: Option<u64>,
    status: &'a str,
    status_detail: &'a str,
    message: String,
}

/// The function's router: `POST /api/process_payment` (CORS preflights for the configured
/// origin; JSON 404/405 otherwise: `checkout::http::api_router`).
pub fn router(deps: Arc<Deps>) -> Router {
    let allowed_origin = deps.services.config.allowed_origin.clone();
    let routes = Router::new().route("/api/process_payment", post(create)).with_state(deps);
    web::api_router(routes, allowed_origin.as_deref())
}

/// `POST /api/process_payment`. Every failure is a JSON response.
#[tracing::instrument(name = "process_payment", skip_all, fields(idempotency_key, order_id))]
async fn create(State(deps): State<Arc<Deps>>, headers: HeaderMap, body: Result<RawBody, ApiError>) -> Response {
    process(&deps, &headers, body).await.unwrap_or_else(IntoResponse::into_response)
}

/// Parse → price → idempotent order → charge → respond.
async fn process(deps: &Deps, headers: &HeaderMap, body: Result<RawBody, ApiError>) -> Result<Response, ApiError> {
    let key = match web::header(headers, "idempotency-key").map(str::trim) {
        None | Some("") => return Err(ApiError::MissingIdempotencyKey),
        Some(k) => IdempotencyKey::new(k).map_err(|_| ApiError::InvalidIdempotencyKey)?,
    };
    tracing::Span::current().record("idempotency_key", key.as_str());
    let body = body?.json()?;
    let request = validation::payment_request(&body).map_err(ApiError::Validation)?;
    let services = &deps.services;
    let priced = services.catalog.price(&request.items).map_err(ApiError::Validation)?;
    if request.transaction_amount.is_some_and(|seen| seen != priced.total) {
        return Err(ApiError::AmountMismatch);
    }

    let lang = request.lang.or_else(|| Lang::from_locale(&services.catalog.default_locale)).unwrap_or(Lang::Es);
    let new_order = NewOrder {
        idempotency_key: key.as_str().to_owned(),
        request_hash: request_hash(&request),
        lines: priced.lines.clone(),
        amount: priced.total,
        currency_id: priced.currency_id.clone(),
        lang,
        payment_method_id: request.payment_method_id.clone(),
        installments: request.installments,
    };
    let existing = match services.store.begin(new_order, ATTEMPT_LEASE).await.map_err(unavailable)? {
        Begin::KeyReused => return Err(ApiError::IdempotencyKeyReused),
        // A new order is created holding the attempt lease: charge it.
        Begin::Created(order) => {
            tracing::Span::current().record("order_id", order.order_id.as_str());
            return charge(deps, &order, &request, &priced, &key).await;
        }
        Begin::Existing(order) if order.status != store::status::CREATED => {
            tracing::info!(order_id = %order.order_id, "same key and body: answering the first result");
            return respond(deps, &order, request.lang);
        }
        Begin::Existing(order) => order,
    };
    tracing::Span::current().record("order_id", existing.order_id.as_str());

    // A retry, or a duplicate racing the first request: only one request at a time calls
    // Mercado Pago for an order; the others wait for its result.
    let started = Instant::now();
    let leased = loop {
        if let Some(leased) =
            services.store.acquire_attempt(&existing.order_id, ATTEMPT_LEASE).await.map_err(unavailable)?
        {
            break leased;
        }
        let current = services.store.get(&existing.order_id).await.map_err(unavailable)?.ok_or(ApiError::NotFound)?;
        if current.status != store::status::CREATED {
            return respond(deps, &current, request.lang);
        }
        if started.elapsed() >= deps.wait_for_in_flight {
            return Err(ApiError::RequestInProgress);
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    };
    charge(deps, &leased, &request, &priced, &key).await
}

/// Calls Mercado Pago for a leased order and records the outcome.
async fn charge(
    deps: &Deps,
    order: &Order,
    request: &PaymentRequest,
    priced: &PricedOrder,
    key: &IdempotencyKey,
) -> Result<Response, ApiError> {
    let services = &deps.services;
    let create = PaymentCreateRequest {
        transaction_amount: order.amount,
        token: request.token.clone(),
        installments: request.installments,
        payment_method_id: request.payment_method_id.clone(),
        issuer_id: request.issuer_id.clone(),
        payer: Payer {
            email: request.payer_email.clone(),
            identification: request
                .payer_identification
                .as_ref()
                .map(|(kind, number)| Identification { kind: Some(kind.clone()), number: Some(number.clone()) }),
            ..Payer::default()
        },
        description: Some(description(&services.catalog.store_name, priced)),
        external_reference: Some(order.order_id.clone()),
        notification_url: services.config.notification_url.clone(),
        statement_descriptor: services.catalog.statement_descriptor.clone(),
        metadata: Some(serde_json::json!({ "order_id": order.order_id })),
        capture: None,
        binary_mode: None,
    };
    match services.create_payment(&create, key).await {
        Ok(payment) => {
            let settled = match settle::settle(&services.store, &services.events, order, &payment).await {
                Ok(s) => s,
                // The order is recorded even if the event could not be published: a later
                // webhook or poll publishes it.
                Err(settle::SettleError::Events(_)) => Settled::Stale(
                    services.store.get(&order.order_id).await.map_err(unavailable)?.ok_or(ApiError::NotFound)?,
                ),
                Err(settle::SettleError::Store(e)) => return Err(unavailable(e)),
            };
            match settled.order() {
                Some(o) if o.status != store::status::CREATED => respond(deps, o, request.lang),
                _ => Err(unavailable("the payment could not be recorded on its order")),
            }
        }
        Err(ProviderError::Api(e)) if is_refusal(&e) => {
            let failure = failure_from(&e);
            tracing::warn!(status = ?e.status(), causes = ?e.body().map(|b| &b.cause), "Mercado Pago refused the payment request");
            let failed = services.store.record_failure(&order.order_id, &failure).await.map_err(unavailable)?;
            match failed {
                Some(o) => respond(deps, &o, request.lang),
                None => Err(ApiError::NotFound),
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "Mercado Pago unavailable; the order waits for a retry with the same key");
            if let Err(release) = services.store.release_attempt(&order.order_id).await {
                tracing::error!(error = %release, "could not release the attempt lease");
            }
            let retry_after = match &e {
                ProviderError::Api(api) => api.retry_after(),
                ProviderError::Secrets(_) => None,
            };
            Err(ApiError::ProviderUnavailable { retry_after: retry_after.unwrap_or(Duration::from_secs(5)) })
        }
    }
}

/// A 4xx other than 401 (credentials) and 429 (rate limit): Mercado Pago refuses this request,
/// and repeating it will not help.
fn is_refusal(e: &mercadopago::Error) -> bool {
    e.status().is_some_and(|s| (400..500).contains(&s) && s != 401 && s != 429)
}

/// Field errors from Mercado Pago's cause codes (docs/mercadopago.md#cause-codes).
fn failure_from(e: &mercadopago::Error) -> Failure {
    let mut fields = FieldErrors::default();
    for cause in e.body().map(|b| b.cause.as_slice()).unwrap_or_default() {
        let field = match cause.code_number() {
            Some(2006 | 2062 | 3003 | 3008 | 4000) => ("token", "invalid"),
            Some(4050) => ("payer.email", "invalid"),
            Some(4051) => ("payer.email", "too_long"),
            Some(4001 | 2131 | 3011 | 3014 | 3028) => ("payment_method_id", "invalid"),
            Some(3001 | 2009) => ("issuer_id", "invalid"),
            Some(4004 | 4005 | 109) => ("installments", "invalid"),
            Some(2067 | 3021 | 3022 | 3023) => ("payer.identification.number", "invalid"),
            Some(2072 | 4037 | 4002 | 4003) => ("transaction_amount", "out_of_range"),
            _ => ("payment", "refused"),
        };
        fields.add(field.0, field.1);
    }
    if fields.is_empty() {
        fields.add("payment", "refused");
    }
    Failure { code: "validation_failed".into(), fields }
}

/// The answer for an order that has a result.
fn respond(deps: &Deps, order: &Order, lang: Option<Lang>) -> Result<Response, ApiError> {
    if order.status == store::status::FAILED {
        let fields = order.failure.as_ref().map(|f| f.fields.clone()).unwrap_or_default();
        return Err(ApiError::Validation(fields));
    }
    let catalog = &deps.services.catalog;
    let ctx = MessageContext {
        amount: order.amount,
        currency_id: &order.currency_id,
        payment_method_id: &order.payment_method_id,
        installments: order.installments,
        statement_descriptor: catalog.statement_descriptor.as_deref(),
    };
    let message = buyer_message(lang.unwrap_or(order.lang), &order.status, &order.status_detail, &ctx);
    Ok(web::json_response(
        201,
        &Created {
            order_id: &order.order_id,
            payment_id: order.payment_id,
            status: &order.status,
            status_detail: &order.status_detail,
            message,
        },
    ))
}

/// `description` sent to Mercado Pago: `Matecito: 2 × mate-calabaza, 1 × bombilla-acero`.
fn description(store_name: &str, priced: &PricedOrder) -> String {
    let lines: Vec<String> = priced.lines.iter().map(|l| format!("{} × {}", l.quantity, l.sku)).collect();
    let mut text = format!("{store_name}: {}", lines.join(", "));
    if text.len() > 250 {
        let cut = (0..=250).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
    }
    text
}

/// SHA-256 over the normalized request (everything but the language): the same key with the
/// same request is a retry; with another request it is a mistake.
fn request_hash(r: &PaymentRequest) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        items: &'a [checkout::catalog::LineRequest],
        token: &'a str,
        payment_method_id: &'a str,
        issuer_id: Option<&'a str>,
        installments: u32,
        payer_email: String,
        payer_identification: Option<&'a (String, String)>,
        transaction_amount: Option<String>,
    }
    let canonical = Canonical {
        items: &r.items,
        token: &r.token,
        payment_method_id: &r.payment_method_id,
        issuer_id: r.issuer_id.as_deref(),
        installments: r.installments,
        payer_email: r.payer_email.to_lowercase(),
        payer_identification: r.payer_identification.as_ref(),
        transaction_amount: r.transaction_amount.map(|a| a.normalize().to_string()),
    };
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// Logs an internal failure and answers 503 (retry with the same key).
fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal failure");
    ApiError::ServiceUnavailable { retry_after: Duration::from_secs(2) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(body: serde_json::Value) -> PaymentRequest {
        validation::payment_request(&body).expect("valid")
    }

    fn body() -> serde_json::Value {
        json!({"items": [{"sku": "mate-calabaza", "quantity": 1}], "token": "abc", "payment_method_id": "visa",
               "installments": 1, "payer": {"email": "Buyer@Example.com"}, "locale": "es-AR"})
    }

    #[test]
    fn the_hash_ignores_language_and_email_case_but_not_the_rest() {
        let a = request_hash(&request(body()));
        let mut other_locale = body();
        other_locale["locale"] = json!("en-US");
        other_locale["payer"]["email"] = json!("buyer@example.com");
        assert_eq!(a, request_hash(&request(other_locale)));
        let mut more = body();
        more["items"][0]["quantity"] = json!(2);
        assert_ne!(a, request_hash(&request(more)));
        let mut token = body();
        token["token"] = json!("abd");
        assert_ne!(a, request_hash(&request(token)));
    }

    #[test]
    fn cause_codes_map_to_fields() {
        let err = |code: i64| mercadopago::Error::Api {
            status: 400,
            body: serde_json::from_value(json!({"message": "x", "error": "bad_request", "status": 400,
                "cause": [{"code": code, "description": "x"}]}))
            .expect("body"),
            retry_after: None,
        };
        assert_eq!(failure_from(&err(2006)).fields.get("token"), Some("invalid"));
        assert_eq!(failure_from(&err(4050)).fields.get("payer.email"), Some("invalid"));
        assert_eq!(failure_from(&err(3028)).fields.get("payment_method_id"), Some("invalid"));
        assert_eq!(failure_from(&err(9999)).fields.get("payment"), Some("refused"));
        assert!(is_refusal(&err(2006)));
        let unauthorized = mercadopago::Error::Api { status: 401, body: Default::default(), retry_after: None };
        assert!(!is_refusal(&unauthorized));
    }

    #[test]
    fn descriptions_are_short_and_name_the_lines() {
        let catalog = checkout::catalog::Catalog::load(None).expect("catalog");
        let priced = catalog
            .price(&[checkout::catalog::LineRequest { sku: "mate-calabaza".into(), quantity: 2 }])
            .expect("priced");
        assert_eq!(description("Matecito", &priced), "Matecito: 2 × mate-calabaza");
    }
}
