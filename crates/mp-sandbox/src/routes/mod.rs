//! The HTTP surface: Mercado Pago's API subset, the control API and the MercadoPago.js stand-in.

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use http::Method;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::error::MpError;
use crate::state::State;
use crate::{faults, record};

pub(crate) mod acs;
pub(crate) mod api;
pub(crate) mod assets;
pub(crate) mod control;
pub(crate) mod lookup;

/// The whole sandbox as one router.
pub(crate) fn router(state: Arc<State>) -> Router {
    let mp_api = Router::new()
        .route("/v1/payments", post(api::create_payment))
        .route("/v1/payments/search", get(api::search_payments))
        .route("/v1/payments/{id}", get(api::get_payment).put(api::update_payment))
        .route("/v1/payments/{id}/refunds", post(api::create_refund).get(api::list_refunds))
        .route("/v1/payments/{id}/refunds/{refund_id}", get(api::get_refund))
        .route("/v1/card_tokens", post(lookup::create_card_token))
        .route("/v1/payment_methods", get(lookup::list_payment_methods))
        .route("/v1/payment_methods/search", get(lookup::search_payment_methods))
        .route("/v1/payment_methods/card_issuers", get(lookup::card_issuers))
        .route("/v1/payment_methods/installments", get(lookup::installments))
        .route("/v1/identification_types", get(lookup::identification_types))
        .route_layer(from_fn_with_state(Arc::clone(&state), faults::inject))
        .route_layer(from_fn(record::expose_route));

    let control = Router::new()
        .route("/config", get(control::config))
        .route("/payments", get(control::payments))
        .route("/payments/{id}/settle", post(control::settle))
        .route("/payments/{id}/challenge", post(control::challenge))
        .route("/payments/{id}/status", post(control::set_status))
        .route("/payments/{id}/refund", post(control::panel_refund))
        .route("/payments/{id}/chargeback", post(control::chargeback))
        .route("/faults", get(control::list_faults).post(control::add_fault).delete(control::clear_faults))
        .route("/requests", get(control::requests).delete(control::clear_requests))
        .route("/webhooks", get(control::webhooks).put(control::switch_webhooks))
        .route("/webhooks/redeliver/{payment_id}", post(control::redeliver))
        .route("/webhooks/forge", post(control::forge))
        .route("/access_token/rotate", post(control::rotate))
        .route("/reset", post(control::reset));

    // Mercado Pago's public-key endpoints are called from any merchant page, so the API answers
    // CORS for any origin (mirrored, without credentials).
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request());

    mp_api
        .merge(assets::router())
        .merge(acs::router())
        .nest("/__sandbox", control)
        .fallback(|| async { MpError::route_not_found() })
        .layer(cors)
        .layer(from_fn_with_state(Arc::clone(&state), record::record))
        .with_state(state)
}
