//! HTTP for the functions: each serves an axum [`Router`] through `lambda_http` ([`run`]), built
//! by [`api_router`] (JSON 404/405 fallbacks, the body limit, CORS by tower-http), with the one
//! error type and its JSON responses, and the extractors every handler shares ([`RawBody`]).
//!
//! Errors are `{"error": {"code": "<snake_case>", "message": "<text>", "fields": {...}}}`
//! (`fields` only for validation). Expected failures are responses, never panics or `Err`s
//! (a handler `Err` would become API Gateway's opaque 502). Internal causes are logged, never
//! sent.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequest};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use bytes::Bytes;
use lambda_http::request::LambdaRequest;
use lambda_http::tower::ServiceExt as _;
use lambda_http::{LambdaEvent, Request};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::json;

use domain::validation::FieldErrors;

use crate::origin::OriginVerifier;

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
    /// 403: the request did not come through the site's CloudFront distribution
    /// ([`crate::origin`]).
    #[error("Requests must come through the site's address, not the API's own URL.")]
    Forbidden,
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
            ApiError::Forbidden => 403,
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
            ApiError::Forbidden => "forbidden",
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
}

impl IntoResponse for ApiError {
    /// The JSON response: the status, the envelope, `Retry-After` where it applies.
    fn into_response(self) -> Response {
        let mut error = serde_json::Map::new();
        error.insert("code".into(), json!(self.code()));
        error.insert("message".into(), json!(self.to_string()));
        if let ApiError::Validation(fields) = &self {
            error.insert("fields".into(), json!(fields));
        }
        let mut resp = json_response(self.status(), &json!({ "error": error }));
        if let Some(wait) = self.retry_after()
            && let Ok(v) = http::HeaderValue::from_str(&wait.as_secs().max(1).to_string())
        {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp
    }
}

/// A JSON response with `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`.
pub fn json_response<T: Serialize>(status: u16, body: &T) -> Response {
    let text = serde_json::to_string(body)
        .unwrap_or_else(|_| r#"{"error":{"code":"service_unavailable","message":"serialization failed"}}"#.into());
    let mut resp = Response::new(axum::body::Body::from(text));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    h.insert(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
    h.insert(http::header::X_CONTENT_TYPE_OPTIONS, http::HeaderValue::from_static("nosniff"));
    resp
}

/// The request body, at most [`MAX_BODY_BYTES`] ([`api_router`] sets the limit). Rejections
/// are [`ApiError::BodyTooLarge`] and, for a body that cannot be read at all,
/// [`ApiError::MalformedJson`].
#[derive(Debug, Clone)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(BytesRejection::FailedToBufferBody(e)) if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::BodyTooLarge)
            }
            Err(_) => Err(ApiError::MalformedJson),
        }
    }
}

impl RawBody {
    /// The body parsed as JSON (numbers keep their text: `serde_json`'s `arbitrary_precision`).
    ///
    /// # Errors
    /// [`ApiError::MalformedJson`] for anything that is not one JSON value (an empty body, bytes
    /// that are not UTF-8...).
    pub fn json(&self) -> Result<serde_json::Value, ApiError> {
        serde_json::from_slice(&self.0).map_err(|_| ApiError::MalformedJson)
    }
}

/// A header's value as text; `None` when absent or not visible ASCII (`http`'s `to_str`).
pub fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The first value of a query parameter, decoded as `application/x-www-form-urlencoded` (the
/// WHATWG rules, by the `form_urlencoded` crate: `%XX` escapes and `+` for a space; a broken
/// escape stays as written; bytes that are not UTF-8 become U+FFFD). Never panics, whatever the
/// query holds.
pub fn query_param(uri: &http::Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    url::form_urlencoded::parse(query.as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// Bytes that `http::Uri` refuses in a query (controls, space, `"`, `<`, `>`, DEL) and `%` is
/// left alone: they are percent-encoded before `lambda_http` builds the request URI.
const QUERY_UNSAFE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'#');
/// The same for the path, plus `?` (which would start a query) and the bytes `Url` rewrites.
const PATH_UNSAFE: &AsciiSet = &QUERY_UNSAFE.add(b'?').add(b'`').add(b'{').add(b'}').add(b'\\');

/// Makes an API Gateway event safe for `lambda_http`'s conversion into a [`Request`], which
/// panics (`expect`/`unwrap`) on a few inputs an HTTP client can put into an event: a raw query
/// or path with bytes `http::Uri` refuses, a `Host` or `X-Forwarded-Proto` header that does not
/// make a URL, a body flagged `isBase64Encoded` that is not base64. Such parts are
/// percent-encoded, dropped (headers), or replaced by an empty body (which every handler that
/// reads a body answers with `400 malformed_json`). Every other event is left as it is.
pub fn sanitize_event(event: LambdaRequest) -> LambdaRequest {
    let LambdaRequest::ApiGatewayV2(mut event) = event else { return event };
    event.raw_query_string = event.raw_query_string.map(|q| utf8_percent_encode(&q, QUERY_UNSAFE).to_string());
    event.raw_path = event.raw_path.map(|p| utf8_percent_encode(&p, PATH_UNSAFE).to_string());
    if event.is_base64_encoded
        && event.body.as_deref().is_some_and(|b| base64::engine::general_purpose::STANDARD.decode(b).is_err())
    {
        event.body = None;
    }
    if event
        .request_context
        .stage
        .as_deref()
        .is_some_and(|s| !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"$_-".contains(&b)))
    {
        event.request_context.stage = None;
    }
    // A path that does not start with `/` would make `http://localhost{path}` another URL.
    if event.raw_path.as_deref().is_some_and(|p| !p.starts_with('/')) {
        event.raw_path = event.raw_path.map(|p| format!("/{p}"));
    }
    // lambda_http builds `{x-forwarded-proto}://{host}{path}` (`host`: the Host header, else the
    // request context's domain name), unwraps `Url::parse` on it, then makes an `http::Uri` of
    // it. API Gateway sets `X-Forwarded-Proto` to `http` or `https`; any other value is dropped.
    // A host that does not make such a URL is dropped with the domain name, and lambda_http then
    // builds the URI from the path alone.
    if !matches!(
        event.headers.get("x-forwarded-proto").map(http::HeaderValue::as_bytes),
        None | Some(b"https" | b"http")
    ) {
        event.headers.remove("x-forwarded-proto");
    }
    let scheme = event.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).unwrap_or("https");
    let host = event
        .headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .or(event.request_context.domain_name.as_deref());
    if let Some(host) = host {
        let path = event.raw_path.as_deref().unwrap_or_default();
        let builds = url::Url::parse(&format!("{scheme}://{host}{path}")).is_ok_and(|url| {
            url.host_str().is_some_and(|h| !h.is_empty()) && http::Uri::try_from(url.as_str()).is_ok()
        });
        if !builds {
            event.headers.remove(http::header::HOST);
            event.request_context.domain_name = None;
        }
    }
    LambdaRequest::ApiGatewayV2(event)
}

/// An API Gateway event (JSON text) as the [`Request`] a handler receives, after
/// [`sanitize_event`]: what [`run`] does with each event, for tests and the fuzz harness.
///
/// # Errors
/// The JSON is not an event `lambda_http` knows (the runtime then reports an invocation error;
/// the function does not crash).
pub fn request_from_event(json: &str) -> Result<Request, serde_json::Error> {
    serde_json::from_str::<LambdaRequest>(json).map(|event| sanitize_event(event).into())
}

/// An API Gateway HTTP API event (payload format 2.0, as API Gateway sends it to a function:
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>),
/// for tests, the fuzz harness and the bench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpApiEvent {
    /// `GET`, `POST`...
    pub method: String,
    /// `rawPath`, as received.
    pub raw_path: String,
    /// `rawQueryString`, as received (no `?`).
    pub raw_query_string: String,
    /// Header names and values (API Gateway lower-cases names and joins repeated ones with `,`).
    pub headers: Vec<(String, String)>,
    /// `pathParameters` of the matched route.
    pub path_parameters: Vec<(String, String)>,
    /// The body: text, or base64 when `is_base64_encoded`.
    pub body: Option<String>,
    /// `isBase64Encoded`.
    pub is_base64_encoded: bool,
}

impl HttpApiEvent {
    /// An event without query, headers or body.
    pub fn new(method: &str, raw_path: &str) -> HttpApiEvent {
        HttpApiEvent {
            method: method.to_owned(),
            raw_path: raw_path.to_owned(),
            raw_query_string: String::new(),
            headers: vec![],
            path_parameters: vec![],
            body: None,
            is_base64_encoded: false,
        }
    }

    /// The event's JSON text, with a fixed request context.
    pub fn to_json(&self) -> String {
        let map = |pairs: &[(String, String)]| -> serde_json::Map<String, serde_json::Value> {
            pairs.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
        };
        let route_key = format!("{} {}", self.method, self.raw_path);
        json!({
            "version": "2.0", "routeKey": route_key, "rawPath": self.raw_path, "rawQueryString": self.raw_query_string,
            "headers": map(&self.headers), "pathParameters": map(&self.path_parameters),
            "requestContext": {"accountId": "123456789012", "apiId": "local", "domainName": "api.example.com",
                "domainPrefix": "api", "http": {"method": self.method, "path": self.raw_path, "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1", "userAgent": "test"}, "requestId": "request", "routeKey": route_key,
                "stage": "$default", "time": "21/Nov/2026:12:00:00 +0000", "timeEpoch": 1_795_262_400_000_u64},
            "body": self.body, "isBase64Encoded": self.is_base64_encoded
        })
        .to_string()
    }
}

/// How a function builds its router at a cold start, from its settings and the AWS SDK
/// configuration (no network I/O). Each function exports one as `app`; its `main` is
/// [`lambda_main`], and the integration tests call the same `app`.
pub type App = fn(crate::config::Config, &aws_config::SdkConfig) -> Result<Router, crate::services::InitError>;

/// A function's whole `main`: logging, settings from the environment, the AWS SDK
/// configuration, the router (built once per cold start by `app`), then [`run`].
///
/// # Errors
/// A missing or invalid setting (the function fails its cold start, naming it), or the
/// runtime could not talk to the Runtime API.
pub async fn lambda_main(app: App) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let config = crate::config::Config::from_env()?;
    let sdk = crate::aws::load().await;
    run(app(config, &sdk)?).await
}

/// Serves `router` on the Lambda Runtime API, like `lambda_http::run`, with every event passed
/// through [`sanitize_event`] first.
///
/// # Errors
/// The runtime could not start or talk to the Runtime API.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    // `Adapter` is what `lambda_http::run` wraps a service in (request and response
    // conversion); it is public but hidden from lambda_http's docs.
    let service = lambda_http::Adapter::from(router).map_request(
        |LambdaEvent { payload, context }: LambdaEvent<LambdaRequest>| LambdaEvent {
            payload: sanitize_event(payload),
            context,
        },
    );
    lambda_http::lambda_runtime::run(service).await
}

/// The router every function serves: `routes` (whose handlers answer with [`ApiError`] for
/// expected failures), a JSON `404 not_found` for other paths and `405 method_not_allowed` for
/// other methods, bodies limited to [`MAX_BODY_BYTES`], and CORS for `allowed_origin` only
/// (never `*`; none for the same-origin default): tower-http's `CorsLayer` answers preflights
/// (`OPTIONS` with `Access-Control-Request-Method`) with `200` and adds the CORS headers to the
/// answers for that origin. With an `origin` verifier, a request without CloudFront's
/// [`crate::origin::HEADER`] is `403 forbidden` before anything else runs (preflights included:
/// CloudFront adds the header to every request it forwards).
pub fn api_router(routes: Router, allowed_origin: Option<&str>, origin: Option<Arc<OriginVerifier>>) -> Router {
    let router = routes
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    let router = match allowed_origin.and_then(|o| http::HeaderValue::from_str(o).ok()) {
        Some(origin) => router.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::AllowOrigin::list([origin]))
                .allow_methods([http::Method::GET, http::Method::POST, http::Method::OPTIONS])
                .allow_headers([
                    http::header::CONTENT_TYPE,
                    http::HeaderName::from_static("idempotency-key"),
                    http::HeaderName::from_static("x-meli-session-id"),
                ])
                .max_age(Duration::from_secs(600)),
        ),
        None => router,
    };
    match origin {
        Some(verifier) => router.layer(axum::middleware::from_fn_with_state(verifier, through_cloudfront)),
        None => router,
    }
}

/// Lets a request on only if it carries CloudFront's origin header ([`crate::origin`]).
async fn through_cloudfront(
    axum::extract::State(verifier): axum::extract::State<Arc<OriginVerifier>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let provided = req.headers().get(crate::origin::HEADER).and_then(|v| v.to_str().ok());
    match verifier.verify(provided).await {
        Ok(true) => next.run(req).await,
        Ok(false) => {
            tracing::warn!(has_header = provided.is_some(), "request refused: not through CloudFront");
            ApiError::Forbidden.into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "the origin secret could not be read");
            ApiError::ServiceUnavailable { retry_after: Duration::from_secs(2) }.into_response()
        }
    }
}

/// Serves one request through `router` (tests and tools; in Lambda, [`run`] does it).
pub async fn serve(router: Router, req: Request) -> Response {
    match router.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX).await.expect("body");
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
    }

    /// A router that echoes the JSON body it reads.
    fn echo(allowed_origin: Option<&str>) -> Router {
        let routes = Router::new().route(
            "/echo",
            axum::routing::post(|body: RawBody| async move { body.json().map(|v| json_response(200, &v)) }),
        );
        api_router(routes, allowed_origin, None)
    }

    /// A secret source that always answers `value`.
    struct FixedSecret(&'static str);

    impl crate::secrets::SecretSource for FixedSecret {
        fn fetch<'a>(&'a self, _secret_id: &'a str) -> crate::secrets::FetchFuture<'a> {
            Box::pin(async move { Ok(self.0.to_owned()) })
        }
    }

    #[tokio::test]
    async fn only_requests_through_cloudfront_reach_the_handlers() {
        let verifier =
            Arc::new(OriginVerifier::new(Arc::new(FixedSecret("from-cloudfront")), "arn", Duration::from_secs(60)));
        let routes =
            Router::new().route("/echo", axum::routing::post(|| async { json_response(200, &json!({"ok": true})) }));
        let router = api_router(routes, Some("https://shop.example"), Some(verifier));
        let call = |headers: &'static [(&'static str, &'static str)], method: &'static str| {
            let router = router.clone();
            async move { serve(router, request(method, "/echo", headers, lambda_http::Body::Empty)).await }
        };
        let passed = call(&[("x-origin-verify", "from-cloudfront")], "POST").await;
        assert_eq!(passed.status(), 200);
        for headers in [&[][..], &[("x-origin-verify", "guess")][..], &[("x-origin-verify", "from-cloudfront ")][..]] {
            let refused = call(headers, "POST").await;
            assert_eq!(refused.status(), 403, "{headers:?}");
            assert_eq!(body_of(refused).await["error"]["code"], "forbidden");
        }
        // A preflight is refused too: CloudFront adds the header to every request it forwards.
        let preflight =
            call(&[("origin", "https://shop.example"), ("access-control-request-method", "POST")], "OPTIONS").await;
        assert_eq!(preflight.status(), 403);
        let unknown = call(&[], "GET").await;
        assert_eq!(unknown.status(), 403, "nothing, not even a 404 or 405, answers without the header");
    }

    fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: lambda_http::Body) -> Request {
        let mut builder = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(body).expect("request")
    }

    #[tokio::test]
    async fn each_error_has_its_status_and_code() {
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
            assert_eq!(resp.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
            let body = body_of(resp).await;
            assert_eq!(body["error"]["code"], code);
            assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        let v = body_of(
            ApiError::Validation({
                let mut f = FieldErrors::default();
                f.add("payer.email", "invalid");
                f
            })
            .into_response(),
        )
        .await;
        assert_eq!(v["error"]["fields"]["payer.email"], "invalid");
        let r = ApiError::ProviderUnavailable { retry_after: Duration::from_secs(5) }.into_response();
        assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
    }

    #[test]
    fn query_parameters_are_form_decoded() {
        let uri: http::Uri = "https://x/api/notifications?data.id=123456&type=payment&x=a%20b".parse().expect("uri");
        assert_eq!(query_param(&uri, "data.id").as_deref(), Some("123456"));
        assert_eq!(query_param(&uri, "type").as_deref(), Some("payment"));
        assert_eq!(query_param(&uri, "x").as_deref(), Some("a b"));
        assert_eq!(query_param(&uri, "missing"), None);
    }

    #[tokio::test]
    async fn cors_only_for_the_configured_origin() {
        let origin = [("origin", "https://shop.example")];
        let cors = |resp: &Response| {
            resp.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let body = || lambda_http::Body::from("{}");
        let allowed = serve(echo(Some("https://shop.example")), request("POST", "/echo", &origin, body())).await;
        assert_eq!(cors(&allowed).as_deref(), Some("https://shop.example"));
        let other = serve(echo(Some("https://other.example")), request("POST", "/echo", &origin, body())).await;
        assert_eq!(cors(&other), None);
        let none = serve(echo(None), request("POST", "/echo", &origin, body())).await;
        assert_eq!(cors(&none), None);
        let preflight = request(
            "OPTIONS",
            "/echo",
            &[("origin", "https://shop.example"), ("access-control-request-method", "POST")],
            lambda_http::Body::Empty,
        );
        let resp = serve(echo(Some("https://shop.example")), preflight).await;
        assert!(resp.status().is_success(), "{}", resp.status());
        assert_eq!(cors(&resp).as_deref(), Some("https://shop.example"));
        let methods = resp.headers().get("access-control-allow-methods").and_then(|v| v.to_str().ok());
        assert_eq!(methods, Some("GET,POST,OPTIONS"));
    }

    #[tokio::test]
    async fn bodies_are_limited_and_must_be_json() {
        let cases = [
            (lambda_http::Body::from("x".repeat(MAX_BODY_BYTES + 1)), 400, "body_too_large"),
            (lambda_http::Body::from("{"), 400, "malformed_json"),
            (lambda_http::Body::Empty, 400, "malformed_json"),
            (lambda_http::Body::from(vec![0xff, 0xfe]), 400, "malformed_json"),
        ];
        for (body, status, code) in cases {
            let resp = serve(echo(None), request("POST", "/echo", &[], body)).await;
            assert_eq!(resp.status().as_u16(), status);
            assert_eq!(body_of(resp).await["error"]["code"], code);
        }
        let ok = serve(echo(None), request("POST", "/echo", &[], lambda_http::Body::from(r#"{"a": 1.10}"#))).await;
        assert_eq!(ok.status().as_u16(), 200);
        assert_eq!(body_of(ok).await.to_string(), r#"{"a":1.10}"#, "numbers keep their text");
    }

    #[tokio::test]
    async fn other_paths_and_methods_get_json_errors() {
        let resp = serve(echo(None), request("POST", "/elsewhere", &[], lambda_http::Body::Empty)).await;
        assert_eq!(resp.status().as_u16(), 404);
        assert_eq!(body_of(resp).await["error"]["code"], "not_found");
        let resp = serve(echo(None), request("PUT", "/echo", &[], lambda_http::Body::Empty)).await;
        assert_eq!(resp.status().as_u16(), 405);
        assert_eq!(resp.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
        assert_eq!(body_of(resp).await["error"]["code"], "method_not_allowed");
    }

    #[test]
    fn broken_escapes_and_raw_utf8_in_the_query_do_not_panic() {
        let event = event_json("/api/notifications", "data.id=%a\u{e9}&type=payment", &[], None, false);
        let req = request_from_event(&event).expect("an HTTP API event");
        assert_eq!(query_param(req.uri(), "data.id").as_deref(), Some("%a\u{e9}"));
        assert_eq!(query_param(req.uri(), "type").as_deref(), Some("payment"));
    }

    #[tokio::test]
    async fn hostile_events_become_requests() {
        let cases = [
            event_json("/api/x", "a=\"<>\u{1} b", &[("host", "a b"), ("x-forwarded-proto", "h t")], None, false),
            event_json(":99999", "", &[("host", "bad host:-1")], Some("{not base64"), true),
            event_json("/api/\u{e9}?#", "%%%", &[], Some("\u{ff}"), false),
        ];
        for event in cases {
            let req = request_from_event(&event).expect("an HTTP API event");
            assert!(req.uri().path().starts_with('/'), "{event}");
        }
        let echoed = |body: &str| {
            let req = request_from_event(&event_json("/echo", "", &[], Some(body), true)).expect("event");
            async move { body_of(serve(echo(None), req).await).await }
        };
        assert_eq!(echoed("{not base64").await["error"]["code"], "malformed_json", "undecodable base64 is no JSON");
        assert_eq!(echoed("eyJhIjoxfQ==").await, json!({"a": 1}), "a base64 body is decoded");
    }

    fn event_json(path: &str, query: &str, headers: &[(&str, &str)], body: Option<&str>, base64: bool) -> String {
        HttpApiEvent {
            raw_path: path.into(),
            raw_query_string: query.into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.map(str::to_owned),
            is_base64_encoded: base64,
            ..HttpApiEvent::new("POST", "/")
        }
        .to_json()
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_query_is_read_without_panicking(query in any::<String>(), name in any::<String>()) {
                let event = event_json("/api/notifications", &query, &[], None, false);
                let req = request_from_event(&event).expect("an HTTP API event");
                let _ = query_param(req.uri(), &name);
            }

            #[test]
            fn encoded_parameters_decode_to_what_they_encode(pairs in prop::collection::vec((any::<String>(), any::<String>()), 1..6)) {
                let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
                let event = event_json("/api/notifications", &query, &[], None, false);
                let req = request_from_event(&event).expect("an HTTP API event");
                for (k, v) in &pairs {
                    let first = pairs.iter().find(|(key, _)| key == k).map(|(_, value)| value.clone());
                    prop_assert_eq!(query_param(req.uri(), k), first, "{} = {}", k, v);
                }
            }

            #[test]
            fn any_event_parts_make_a_request(path in any::<String>(), query in any::<String>(), host in any::<String>(),
                                              proto in any::<String>(), body in any::<Option<String>>(), base64 in any::<bool>()) {
                let host_ok = http::HeaderValue::from_str(&host).is_ok();
                let proto_ok = http::HeaderValue::from_str(&proto).is_ok();
                let mut headers = vec![];
                if host_ok { headers.push(("host", host.as_str())); }
                if proto_ok { headers.push(("x-forwarded-proto", proto.as_str())); }
                let event = event_json(&path, &query, &headers, body.as_deref(), base64);
                if let Ok(req) = request_from_event(&event) {
                    let _ = query_param(req.uri(), "data.id");
                }
            }
        }
    }
}
