//! HTTP for the three functions: the one error type and its mapping to JSON responses, response
//! helpers, body reading, CORS.
//!
//! Errors are `{"error": {"code": "<snake_case>", "message": "<text>", "fields": {...}}}`
//! (`fields` only for validation). Expected failures are returned as `Ok(response)`: a handler
//! `Err` becomes API Gateway's opaque 502. Internal causes are logged, never sent.

use std::time::Duration;

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use crate::validation::FieldErrors;

/// Largest request body accepted, in bytes (a payment request is well under 2 KB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Everything a handler can answer other than success.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not JSON.
    #[error("The request body is not valid JSON.")]
    MalformedJson,
    /// 400: the body is larger than [`MAX_BODY_BYTES`].
    #[error("The request body is too large.")]
    BodyTooLarge,
    /// 400: no `Idempotency-Key` header.
    #[error("The Idempotency-Key header is required: send a new UUID for each checkout attempt.")]
    MissingIdempotencyKey,
    /// 400: the `Idempotency-Key` header is not 1–64 characters of `[A-Za-z0-9_-]`.
    #[error("The Idempotency-Key header must be 1 to 64 letters, digits, '-' or '_' (a UUID).")]
    InvalidIdempotencyKey,
    /// 422: field errors.
    #[error("Some fields are missing or invalid.")]
    Validation(FieldErrors),
    /// 409: `transaction_amount` differs from the catalog's total.
    #[error("The amount does not match the current price of the items.")]
    AmountMismatch,
    /// 409: the key was used with a different request.
    #[error("This Idempotency-Key was already used for a different request.")]
    IdempotencyKeyReused,
    /// 409: an earlier request with this key is still being processed.
    #[error("A payment with this Idempotency-Key is being processed; retry with the same key.")]
    RequestInProgress,
    /// 404.
    #[error("Not found.")]
    NotFound,
    /// 405.
    #[error("Method not allowed.")]
    MethodNotAllowed,
    /// 401: a webhook's signature is missing or wrong.
    #[error("Invalid or missing signature.")]
    InvalidSignature,
    /// 503: Mercado Pago (or our configuration with it) failed; retry later with the same key.
    #[error("The payment provider is unavailable; retry later with the same Idempotency-Key.")]
    ProviderUnavailable {
        /// Suggested wait, sent as `Retry-After`.
        retry_after: Duration,
    },
    /// 503: our storage or secrets failed; retry later.
    #[error("The service is temporarily unavailable; retry later.")]
    ServiceUnavailable {
        /// Suggested wait, sent as `Retry-After`.
        retry_after: Duration,
    },
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::MalformedJson
            | ApiError::BodyTooLarge
            | ApiError::MissingIdempotencyKey
            | ApiError::InvalidIdempotencyKey => 400,
            ApiError::InvalidSignature => 401,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::AmountMismatch | ApiError::IdempotencyKeyReused | ApiError::RequestInProgress => 409,
            ApiError::Validation(_) => 422,
            ApiError::ProviderUnavailable { .. } | ApiError::ServiceUnavailable { .. } => 503,
        }
    }

    /// The `code` in the body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MalformedJson => "malformed_json",
            ApiError::BodyTooLarge => "body_too_large",
            ApiError::MissingIdempotencyKey => "missing_idempotency_key",
            ApiError::InvalidIdempotencyKey => "invalid_idempotency_key",
            ApiError::Validation(_) => "validation_failed",
            ApiError::AmountMismatch => "amount_mismatch",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::RequestInProgress => "request_in_progress",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::InvalidSignature => "invalid_signature",
            ApiError::ProviderUnavailable { .. } => "payment_provider_unavailable",
            ApiError::ServiceUnavailable { .. } => "service_unavailable",
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::ProviderUnavailable { retry_after } | ApiError::ServiceUnavailable { retry_after } => {
                Some(*retry_after)
            }
            ApiError::RequestInProgress => Some(Duration::from_secs(1)),
            _ => None,
        }
    }

    /// The JSON response.
    pub fn into_response(self) -> Response<Body> {
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        if let ApiError::Validation(fields) = &self {
            error["fields"] = json!(fields);
        }
        let mut resp = json_response(self.status(), &json!({ "error": error }));
        if let Some(wait) = self.retry_after() {
            if let Ok(v) = http::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
                resp.headers_mut().insert(http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// A JSON response with `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.
pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response<Body> {
    let text = serde_json::to_string(body)
        .unwrap_or_else(|_| r#"{"error":{"code":"internal","message":"serialization failed"}}"#.into());
    let mut resp = Response::new(Body::Text(text));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    h.insert(http::header::X_CONTENT_TYPE_OPTIONS, http::HeaderValue::from_static("nosniff"));
    resp
}

/// The request body as bytes, refusing bodies over [`MAX_BODY_BYTES`].
pub fn body_bytes(req: &Request) -> Result<&[u8], ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::BodyTooLarge);
    }
    Ok(bytes)
}

/// The body parsed as JSON.
pub fn json_body(req: &Request) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(body_bytes(req)?).map_err(|_| ApiError::MalformedJson)
}

/// A header's value as text.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A query parameter exactly as delivered (percent-decoding only; `+` stays `+`).
pub fn raw_query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k) == name).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Adds CORS headers when the request's `Origin` is the configured allowed origin (never `*`).
/// Same-origin deployments (the default, behind CloudFront) configure none and send none.
pub fn with_cors(mut resp: Response<Body>, req: &Request, allowed_origin: Option<&str>) -> Response<Body> {
    let Some(allowed) = allowed_origin else { return resp };
    if header(req, "origin") == Some(allowed) {
        let h = resp.headers_mut();
        if let Ok(v) = http::HeaderValue::from_str(allowed) {
            h.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(http::header::VARY, http::HeaderValue::from_static("Origin"));
        h.insert(
            http::header::ACCESS_CONTROL_ALLOW_HEADERS,
            http::HeaderValue::from_static("content-type, idempotency-key"),
        );
        h.insert(http::header::ACCESS_CONTROL_ALLOW_METHODS, http::HeaderValue::from_static("GET, POST, OPTIONS"));
        h.insert(http::header::ACCESS_CONTROL_MAX_AGE, http::HeaderValue::from_static("600"));
    }
    resp
}

/// Serves one request the way every browser-facing function does: a CORS preflight (`OPTIONS`)
/// gets 204, `method` runs `process` (its `Err` becomes the JSON error response), any other
/// method gets 405; CORS headers are added for the allowed origin.
pub async fn dispatch<F, Fut>(
    req: &Request,
    method: http::Method,
    allowed_origin: Option<&str>,
    process: F,
) -> Response<Body>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Response<Body>, ApiError>>,
{
    if req.method() == http::Method::OPTIONS {
        return preflight(req, allowed_origin);
    }
    let resp = if *req.method() == method {
        process().await.unwrap_or_else(ApiError::into_response)
    } else {
        ApiError::MethodNotAllowed.into_response()
    };
    with_cors(resp, req, allowed_origin)
}

/// The answer to a CORS preflight (`OPTIONS`): 204, with CORS headers if the origin is allowed.
pub fn preflight(req: &Request, allowed_origin: Option<&str>) -> Response<Body> {
    let mut resp = Response::new(Body::Empty);
    *resp.status_mut() = http::StatusCode::NO_CONTENT;
    with_cors(resp, req, allowed_origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(resp: &Response<Body>) -> serde_json::Value {
        match resp.body() {
            Body::Text(t) => serde_json::from_str(t).expect("json"),
            _ => serde_json::Value::Null,
        }
    }

    #[test]
    fn each_error_has_its_status_and_code() {
        let mut fields = FieldErrors::default();
        fields.add("payer.email", "invalid");
        let cases = [
            (ApiError::MalformedJson, 400, "malformed_json"),
            (ApiError::BodyTooLarge, 400, "body_too_large"),
            (ApiError::MissingIdempotencyKey, 400, "missing_idempotency_key"),
            (ApiError::Validation(fields), 422, "validation_failed"),
            (ApiError::AmountMismatch, 409, "amount_mismatch"),
            (ApiError::IdempotencyKeyReused, 409, "idempotency_key_reused"),
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::InvalidSignature, 401, "invalid_signature"),
            (
                ApiError::ProviderUnavailable { retry_after: Duration::from_secs(5) },
                503,
                "payment_provider_unavailable",
            ),
        ];
        for (err, status, code) in cases {
            let resp = err.clone().into_response();
            assert_eq!(resp.status().as_u16(), status, "{err:?}");
            let body = body_of(&resp);
            assert_eq!(body["error"]["code"], code);
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            assert_eq!(resp.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
        }
        let v = body_of(
            &ApiError::Validation({
                let mut f = FieldErrors::default();
                f.add("payer.email", "invalid");
                f
            })
            .into_response(),
        );
        assert_eq!(v["error"]["fields"]["payer.email"], "invalid");
        let r = ApiError::ProviderUnavailable { retry_after: Duration::from_secs(5) }.into_response();
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    }

    #[test]
    fn query_parameters_are_read_as_delivered() {
        let req: Request = http::Request::builder()
            .uri("https://x/api/notifications?data.id=123456&type=payment&x=a%20b")
            .body(Body::Empty)
            .expect("request");
        assert_eq!(raw_query_param(&req, "data.id").as_deref(), Some("123456"));
        assert_eq!(raw_query_param(&req, "type").as_deref(), Some("payment"));
        assert_eq!(raw_query_param(&req, "x").as_deref(), Some("a b"));
        assert_eq!(raw_query_param(&req, "missing"), None);
    }

    #[test]
    fn cors_only_for_the_configured_origin() {
        let req: Request =
            http::Request::builder().uri("/").header("origin", "https://shop.example").body(Body::Empty).expect("req");
        let allowed = with_cors(json_response(200, &json!({})), &req, Some("https://shop.example"));
        assert_eq!(
            allowed.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
            Some("https://shop.example")
        );
        let other = with_cors(json_response(200, &json!({})), &req, Some("https://other.example"));
        assert!(other.headers().get("access-control-allow-origin").is_none());
        let none = with_cors(json_response(200, &json!({})), &req, None);
        assert!(none.headers().get("access-control-allow-origin").is_none());
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let req: Request =
            http::Request::builder().uri("/").body(Body::Text("x".repeat(MAX_BODY_BYTES + 1))).expect("req");
        assert_eq!(json_body(&req), Err(ApiError::BodyTooLarge));
        let req: Request = http::Request::builder().uri("/").body(Body::Text("{".into())).expect("req");
        assert_eq!(json_body(&req), Err(ApiError::MalformedJson));
    }
}
