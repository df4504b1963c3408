//! The MercadoPago.js v2 stand-in (`/js/v2`), its Secure Fields iframe documents, and the
//! device script stand-in (`/v2/security.js`, see `assets/security.js`).
//!
//! The files live in `crates/mp-sandbox/assets/` and are compiled into the binary.

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};

use crate::state::State;

const SDK_JS: &str = include_str!("../../assets/sdk.js");
const FIELD_HTML: &str = include_str!("../../assets/secure-field.html");
const FIELD_JS: &str = include_str!("../../assets/secure-field.js");
const FIELD_CSS: &str = include_str!("../../assets/secure-field.css");
const SECURITY_JS: &str = include_str!("../../assets/security.js");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(CONTENT_TYPE, content_type), (CACHE_CONTROL, "no-cache")], body)
}

pub(crate) fn router() -> Router<Arc<State>> {
    Router::new()
        .route("/js/v2", get(|| async { asset("application/javascript; charset=utf-8", SDK_JS) }))
        .route("/secure-fields/field.html", get(|| async { asset("text/html; charset=utf-8", FIELD_HTML) }))
        .route("/secure-fields/field.js", get(|| async { asset("application/javascript; charset=utf-8", FIELD_JS) }))
        .route("/v2/security.js", get(|| async { asset("application/javascript; charset=utf-8", SECURITY_JS) }))
        .route("/secure-fields/field.css", get(|| async { asset("text/css; charset=utf-8", FIELD_CSS) }))
}
