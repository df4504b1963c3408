//! `POST /api/csp-report`: the Content-Security-Policy violation reports browsers send for the
//! checkout page, so the merchant learns when MercadoPago.js starts loading from a host the policy
//! does not allow (Mercado Pago changed its hosts) before buyers complain.
//!
//! The page's policy names this endpoint twice (infra/template.yaml, `SecurityHeadersPolicy`):
//! `report-uri /api/csp-report` (every browser; the legacy format, `Content-Type:
//! application/csp-report`, one `{"csp-report": {...}}` per violation) and `report-to
//! csp-endpoint` with the header `Reporting-Endpoints: csp-endpoint="/api/csp-report"` (the
//! Reporting API, `Content-Type: application/reports+json`, an array of
//! `{"type": "csp-violation", "body": {...}}`, possibly several violations at once). Browsers
//! that know `report-to` use it and ignore `report-uri`.
//!
//! Answers (browsers ignore them):
//! - `204` with no body for any JSON body sent with one of those two content types, whatever it
//!   holds: each violation found in it is logged, anything else in it is ignored;
//! - `400 malformed_json` for a body that is not JSON, or not sent as one of the two report
//!   content types (what `checkout::http::RawBody::json` refuses, and what no browser sends);
//! - `400 body_too_large` above 16 KiB, `403 forbidden` without CloudFront's origin header and
//!   `503 service_unavailable` when that header cannot be checked (`checkout::http::api_router`,
//!   as every function).
//!
//! Each violation is ONE log line at WARN ([`log_violation`]) with only: the directive, the
//! blocked URL reduced to its origin (scheme, host and a non-default port), the document's path
//! (no query, no fragment), the disposition and the source file's host. Never the full URLs, the
//! sample, the referrer, the policy or the client's address: a URL's path and query can hold a
//! buyer's data (an order id, an e-mail in a query), the referrer and the sample too.
//!
//! A flood cannot run up the CloudWatch Logs bill: the HTTP API throttles the route
//! (`CspReportRateLimit`/`CspReportBurstLimit`), and each execution environment logs at most
//! [`LOGGED_PER_MINUTE`] violations per minute ([`Limiter`]); the rest are counted, and the count
//! is logged in one line when the next minute's first report arrives.
//!
//! Unlike the other functions this one builds no `checkout::services::Services`: it needs no
//! Mercado Pago client, table, topic or catalog, so its role grants none of them. It builds the
//! same origin check `Services` does (`checkout::origin::OriginVerifier` on Secrets Manager,
//! `ORIGIN_VERIFY_SECRET_ARN`, cached for `SECRETS_TTL_SECS`) and serves through
//! `checkout::http::api_router` like every function.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use checkout::config::Config;
use checkout::http::{self as web, ApiError, RawBody};
use checkout::origin::OriginVerifier;
use checkout::secrets::SecretSource;
use checkout::services::InitError;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value};

/// The routes this function serves (method, path), as the SAM template's `HttpApi` events
/// route them.
pub const ROUTES: &[(&str, &str)] = &[("POST", "/api/csp-report")];

/// Violations logged per execution environment per [`WINDOW`]; the rest are counted (our
/// choice: a page load with a blocked host makes a few reports, a minute of 60 is already an
/// incident, and 60 lines a minute cost nothing worth watching).
pub const LOGGED_PER_MINUTE: u32 = 60;

/// The window of [`LOGGED_PER_MINUTE`].
pub const WINDOW: Duration = Duration::from_secs(60);

/// The content type of the legacy `report-uri` reports.
pub const LEGACY_CONTENT_TYPE: &str = "application/csp-report";

/// The content type of the Reporting API's reports (`report-to`).
pub const REPORTING_API_CONTENT_TYPE: &str = "application/reports+json";

/// Longest text kept of any logged value, in characters (a document path, a host).
const MAX_CHARS: usize = 200;

/// Longest directive name kept (the longest standard one, `upgrade-insecure-requests`, has 25).
const MAX_DIRECTIVE_CHARS: usize = 40;

/// What the handler needs.
pub struct Deps {
    /// How many violations may still be logged this minute.
    pub limiter: Limiter,
}

/// The function at a cold start ([`checkout::http::App`]): the origin check, then its router.
///
/// # Errors
/// None today; the signature is every function's.
pub fn app(config: Config, sdk: &aws_config::SdkConfig) -> Result<Router, InitError> {
    // As `checkout::services::Services::new` builds it.
    let origin = config.origin_verify_secret_arn.as_ref().map(|arn| {
        let source: Arc<dyn SecretSource> = Arc::new(aws_sdk_secretsmanager::Client::new(sdk));
        Arc::new(OriginVerifier::new(source, arn.clone(), config.secrets_ttl))
    });
    let deps = Arc::new(Deps { limiter: Limiter::new(LOGGED_PER_MINUTE, WINDOW) });
    Ok(router(deps, config.allowed_origin.as_deref(), origin))
}

/// The function's router: `POST /api/csp-report` behind `checkout::http::api_router` (the
/// origin check, the body limit, JSON 404/405).
pub fn router(deps: Arc<Deps>, allowed_origin: Option<&str>, origin: Option<Arc<OriginVerifier>>) -> Router {
    let routes = Router::new().route("/api/csp-report", post(receive)).with_state(deps);
    web::api_router(routes, allowed_origin, origin)
}

/// `POST /api/csp-report`: logs each violation the report holds (within the [`Limiter`]'s
/// budget), then `204`.
async fn receive(State(deps): State<Arc<Deps>>, headers: HeaderMap, body: RawBody) -> Response {
    if !is_report_content_type(web::header(&headers, header::CONTENT_TYPE.as_str())) {
        return ApiError::MalformedJson.into_response();
    }
    let found = match violations(&body.0) {
        Ok(found) => found,
        Err(e) => return e.into_response(),
    };
    for violation in &found {
        let admission = deps.limiter.admit(Instant::now());
        if admission.not_logged_before > 0 {
            tracing::warn!(
                target: "csp_report",
                not_logged = admission.not_logged_before,
                logged_per_minute = deps.limiter.per_window,
                "CSP violations over the per-minute budget were counted, not logged"
            );
        }
        if admission.log {
            log_violation(violation);
        }
    }
    no_content()
}

/// `204` with no body (and `Cache-Control: no-store`, as every answer of the functions).
fn no_content() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Whether `content_type` (the header's value, parameters allowed) is one of the two report
/// content types, in any case.
pub fn is_report_content_type(content_type: Option<&str>) -> bool {
    let essence = content_type.and_then(|t| t.split(';').next()).map(str::trim).unwrap_or_default();
    essence.eq_ignore_ascii_case(LEGACY_CONTENT_TYPE) || essence.eq_ignore_ascii_case(REPORTING_API_CONTENT_TYPE)
}

/// One violation, reduced to what may be logged. Every field is bounded text from
/// [`reduce_directive`], [`reduce_blocked`], [`reduce_document`] and [`reduce_source`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The effective directive (`script-src-elem`...), else the violated directive's name;
    /// `unknown` when neither is a directive name.
    pub directive: String,
    /// The blocked URL's origin (`https://sdk.mercadopago.com`), a keyword (`inline`, `eval`...),
    /// a scheme (`data:`), or `unknown`.
    pub blocked: String,
    /// The document URL's path (`/`), or `unknown`.
    pub document: String,
    /// `enforce` or `report` (report-only); `unknown` otherwise.
    pub disposition: &'static str,
    /// The host of the script or style that caused it, if the report names one.
    pub source: Option<String>,
}

/// Logs one violation: one line at WARN, with the reduced fields only.
pub fn log_violation(violation: &Violation) {
    tracing::warn!(
        target: "csp_report",
        directive = %violation.directive,
        blocked = %violation.blocked,
        document = %violation.document,
        disposition = violation.disposition,
        source = violation.source.as_deref(),
        "CSP violation"
    );
}

/// The violations of a report body in either format: `{"csp-report": {...}}` (one) or the
/// Reporting API's array (its `csp-violation` elements; other report types are skipped).
/// Well-formed JSON of any other shape holds no violation. Never panics, whatever the bytes.
///
/// # Errors
/// [`ApiError::MalformedJson`] when the body is not one JSON value.
pub fn violations(body: &[u8]) -> Result<Vec<Violation>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| ApiError::MalformedJson)?;
    Ok(match &value {
        Value::Object(report) => report.get("csp-report").and_then(Value::as_object).map(legacy).into_iter().collect(),
        Value::Array(reports) => reports
            .iter()
            .filter_map(Value::as_object)
            .filter(|r| r.get("type").and_then(Value::as_str) == Some("csp-violation"))
            .filter_map(|r| r.get("body").and_then(Value::as_object))
            .map(reporting_api)
            .collect(),
        _ => Vec::new(),
    })
}

/// A text member of a report, if it is one.
fn text<'a>(report: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    report.get(key).and_then(Value::as_str)
}

/// A `report-uri` report's `csp-report` object
/// (<https://www.w3.org/TR/CSP2/#violation-reports>).
fn legacy(report: &Map<String, Value>) -> Violation {
    Violation {
        directive: reduce_directive(text(report, "effective-directive").or_else(|| text(report, "violated-directive"))),
        blocked: reduce_blocked(text(report, "blocked-uri")),
        document: reduce_document(text(report, "document-uri")),
        disposition: reduce_disposition(text(report, "disposition")),
        source: reduce_source(text(report, "source-file")),
    }
}

/// A Reporting API `csp-violation` report's `body`
/// (<https://www.w3.org/TR/CSP3/#reporting>).
fn reporting_api(body: &Map<String, Value>) -> Violation {
    Violation {
        directive: reduce_directive(text(body, "effectiveDirective").or_else(|| text(body, "violatedDirective"))),
        blocked: reduce_blocked(text(body, "blockedURL")),
        document: reduce_document(text(body, "documentURL")),
        disposition: reduce_disposition(text(body, "disposition")),
        source: reduce_source(text(body, "sourceFile")),
    }
}

/// At most `max` characters of `text` (cut on a character boundary).
fn bounded(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The directive's name: the first word (old browsers send the whole violated directive, with
/// its sources), lower-cased, if it is made of letters and `-` only.
pub fn reduce_directive(raw: Option<&str>) -> String {
    let name = raw.and_then(|r| r.split_whitespace().next()).unwrap_or_default().to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.chars().count() <= MAX_DIRECTIVE_CHARS
        && name.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    if valid { name } else { "unknown".to_owned() }
}

/// What the browsers send instead of a URL (CSP3 "blocked URL" keywords, and the schemes
/// Firefox and old Chrome send alone).
const BLOCKED_KEYWORDS: &[&str] =
    &["inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "self", "data", "blob"];

/// The blocked URL reduced to its origin: `https://evil.example/path?token=abc` is
/// `https://evil.example` (a non-default port stays: `https://evil.example:8443`; user names,
/// paths, queries and fragments never). A keyword stays as is; a URL of another scheme becomes its
/// scheme (`data:`, `chrome-extension:`); anything else is `unknown`.
pub fn reduce_blocked(raw: Option<&str>) -> String {
    let raw = raw.unwrap_or_default().trim();
    if let Some(keyword) = BLOCKED_KEYWORDS.iter().find(|k| k.eq_ignore_ascii_case(raw)) {
        return (*keyword).to_owned();
    }
    match url::Url::parse(raw) {
        Ok(url) if is_network_scheme(url.scheme()) && url.host_str().is_some_and(|h| !h.is_empty()) => {
            bounded(&url.origin().ascii_serialization(), MAX_CHARS)
        }
        Ok(url) => bounded(&format!("{}:", url.scheme()), MAX_CHARS),
        Err(_) => "unknown".to_owned(),
    }
}

/// The document URL's path (`https://shop.example/checkout?email=a@b.example` is `/checkout`),
/// at most 200 characters; `unknown` when it is not a URL with a path.
pub fn reduce_document(raw: Option<&str>) -> String {
    match raw.map(str::trim).map(url::Url::parse) {
        Some(Ok(url)) if !url.cannot_be_a_base() => bounded(url.path(), MAX_CHARS),
        _ => "unknown".to_owned(),
    }
}

/// `enforce` or `report`; `unknown` for anything else.
pub fn reduce_disposition(raw: Option<&str>) -> &'static str {
    match raw.map(str::trim) {
        Some(d) if d.eq_ignore_ascii_case("enforce") => "enforce",
        Some(d) if d.eq_ignore_ascii_case("report") => "report",
        _ => "unknown",
    }
}

/// The source file's host (`https://sdk.mercadopago.com/js/v2` is `sdk.mercadopago.com`); a URL
/// of another scheme becomes its scheme (`chrome-extension:`); `None` when there is none.
pub fn reduce_source(raw: Option<&str>) -> Option<String> {
    let url = url::Url::parse(raw?.trim()).ok()?;
    match url.host_str() {
        Some(host) if is_network_scheme(url.scheme()) && !host.is_empty() => Some(bounded(host, MAX_CHARS)),
        _ => Some(bounded(&format!("{}:", url.scheme()), MAX_CHARS)),
    }
}

fn is_network_scheme(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss")
}

/// A per-execution-environment budget of log lines: at most `per_window` violations are logged
/// per window; the others are counted, and the count is handed back once, with the first
/// admission of a later window (Lambda runs no timers between invocations: a flood's last
/// minute is summarized when the next report comes, or never if the environment is retired).
pub struct Limiter {
    /// Violations logged per window.
    pub per_window: u32,
    window: Duration,
    state: Mutex<Budget>,
}

#[derive(Default)]
struct Budget {
    started: Option<Instant>,
    logged: u32,
    not_logged: u64,
}

/// What [`Limiter::admit`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Log this violation.
    pub log: bool,
    /// Violations the window that just ended counted but did not log (0 if none, or if it has
    /// not ended).
    pub not_logged_before: u64,
}

impl Limiter {
    /// A budget of `per_window` log lines per `window`.
    pub fn new(per_window: u32, window: Duration) -> Limiter {
        Limiter { per_window, window, state: Mutex::new(Budget::default()) }
    }

    /// Takes one violation at `now`: whether to log it, and the count of the window that ended
    /// before it, if any.
    pub fn admit(&self, now: Instant) -> Admission {
        // A panic while holding the lock cannot leave the counters inconsistent: keep them.
        let mut budget = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut not_logged_before = 0;
        match budget.started {
            Some(started) if now.saturating_duration_since(started) < self.window => {}
            _ => {
                not_logged_before = budget.not_logged;
                *budget = Budget { started: Some(now), logged: 0, not_logged: 0 };
            }
        }
        let log = budget.logged < self.per_window;
        if log {
            budget.logged = budget.logged.saturating_add(1);
        } else {
            budget.not_logged = budget.not_logged.saturating_add(1);
        }
        Admission { log, not_logged_before }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn legacy_report() -> Value {
        json!({"csp-report": {
            "document-uri": "https://shop.example/checkout/0b5e1c8e?email=ana@example.com#pay",
            "referrer": "https://search.example/?q=ana",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "original-policy": "default-src 'self'; script-src 'self' https://sdk.mercadopago.com",
            "disposition": "enforce",
            "blocked-uri": "https://evil.example/path?token=abc",
            "line-number": 12,
            "column-number": 3,
            "source-file": "https://sdk.mercadopago.com/js/v2?k=1",
            "status-code": 200,
            "script-sample": "card number 5031"
        }})
    }

    fn reporting_api_report() -> Value {
        json!([
            {"type": "deprecation", "age": 1, "url": "https://shop.example/", "body": {"id": "x"}},
            {"type": "csp-violation", "age": 10, "url": "https://shop.example/?email=ana@example.com",
             "user_agent": "Mozilla/5.0",
             "body": {"documentURL": "https://shop.example/?email=ana@example.com", "referrer": "",
                      "blockedURL": "https://api.mercadopago.com.br:8443/v1/tokens?public_key=abc",
                      "effectiveDirective": "connect-src", "originalPolicy": "connect-src 'self'",
                      "sourceFile": "https://sdk.mercadopago.com/js/v2", "sample": "secret",
                      "disposition": "report", "statusCode": 200, "lineNumber": 1, "columnNumber": 2}},
            {"type": "csp-violation", "body": {"blockedURL": "inline", "effectiveDirective": "style-src-attr"}}
        ])
    }

    #[test]
    fn a_legacy_report_is_read_and_reduced() {
        let found = violations(legacy_report().to_string().as_bytes()).expect("JSON");
        assert_eq!(
            found,
            vec![Violation {
                directive: "script-src-elem".into(),
                blocked: "https://evil.example".into(),
                document: "/checkout/0b5e1c8e".into(),
                disposition: "enforce",
                source: Some("sdk.mercadopago.com".into()),
            }]
        );
    }

    #[test]
    fn a_reporting_api_batch_is_read_and_other_report_types_skipped() {
        let found = violations(reporting_api_report().to_string().as_bytes()).expect("JSON");
        assert_eq!(
            found,
            vec![
                Violation {
                    directive: "connect-src".into(),
                    blocked: "https://api.mercadopago.com.br:8443".into(),
                    document: "/".into(),
                    disposition: "report",
                    source: Some("sdk.mercadopago.com".into()),
                },
                Violation {
                    directive: "style-src-attr".into(),
                    blocked: "inline".into(),
                    document: "unknown".into(),
                    disposition: "unknown",
                    source: None,
                },
            ]
        );
    }

    #[test]
    fn no_path_query_sample_or_referrer_survives() {
        for report in [legacy_report(), reporting_api_report()] {
            let text = format!("{:?}", violations(report.to_string().as_bytes()).expect("JSON"));
            for secret in
                ["path", "token", "abc", "email", "ana@", "tokens", "public_key", "search", "5031", "secret", "#pay"]
            {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
    }

    #[test]
    fn the_blocked_url_keeps_only_its_origin() {
        let cases = [
            ("https://evil.example/path?token=abc", "https://evil.example"),
            ("https://user:pw@Evil.Example:443/x#f", "https://evil.example"),
            ("http://evil.example:8080/", "http://evil.example:8080"),
            ("wss://socket.example/live?id=1", "wss://socket.example"),
            ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example"),
            ("https://bücher.example/", "https://xn--bcher-kva.example"),
            ("data:image/png;base64,AAAA", "data:"),
            ("blob:https://shop.example/0b5e1c8e", "blob:"),
            ("chrome-extension://abcdef/script.js", "chrome-extension:"),
            ("inline", "inline"),
            ("EVAL", "eval"),
            ("", "unknown"),
            ("not a url", "unknown"),
            ("/relative/path?x=1", "unknown"),
        ];
        for (raw, expected) in cases {
            assert_eq!(reduce_blocked(Some(raw)), expected, "{raw}");
        }
        assert_eq!(reduce_blocked(None), "unknown");
    }

    #[test]
    fn the_document_keeps_only_its_path() {
        assert_eq!(reduce_document(Some("https://shop.example/checkout/abc?email=a@b.example#x")), "/checkout/abc");
        assert_eq!(reduce_document(Some("https://shop.example")), "/");
        assert_eq!(reduce_document(Some("about:blank")), "unknown");
        assert_eq!(reduce_document(Some("/relative")), "unknown");
        assert_eq!(reduce_document(None), "unknown");
        let long = format!("https://shop.example/{}", "é".repeat(500));
        assert_eq!(reduce_document(Some(&long)).chars().count(), MAX_CHARS);
    }

    #[test]
    fn directives_dispositions_and_sources() {
        assert_eq!(reduce_directive(Some("script-src 'self' https://sdk.mercadopago.com")), "script-src");
        assert_eq!(reduce_directive(Some("Frame-Src")), "frame-src");
        assert_eq!(reduce_directive(Some("script-src;drop")), "unknown");
        assert_eq!(reduce_directive(Some(&"a".repeat(41))), "unknown");
        assert_eq!(reduce_directive(Some("")), "unknown");
        assert_eq!(reduce_disposition(Some("Report")), "report");
        assert_eq!(reduce_disposition(Some("block")), "unknown");
        assert_eq!(
            reduce_source(Some("https://sdk.mercadopago.com/js/v2?x=1")).as_deref(),
            Some("sdk.mercadopago.com")
        );
        assert_eq!(reduce_source(Some("moz-extension://uuid/x.js")).as_deref(), Some("moz-extension:"));
        assert_eq!(reduce_source(Some("")), None);
        assert_eq!(reduce_source(None), None);
    }

    #[test]
    fn other_json_holds_no_violation_and_non_json_is_malformed() {
        for body in
            [r#"{}"#, r#"{"csp-report": "x"}"#, r#"[1, null, {"type": "csp-violation"}]"#, "null", "3", r#""s""#]
        {
            assert_eq!(violations(body.as_bytes()), Ok(vec![]), "{body}");
        }
        for body in [&b""[..], b"{", b"csp", &[0xff, 0xfe]] {
            assert_eq!(violations(body), Err(ApiError::MalformedJson), "{body:?}");
        }
    }

    #[test]
    fn only_the_report_content_types() {
        for ok in ["application/csp-report", "Application/CSP-Report; charset=utf-8", " application/reports+json "] {
            assert!(is_report_content_type(Some(ok)), "{ok}");
        }
        for no in ["application/json", "text/plain", "application/csp-report-x", ""] {
            assert!(!is_report_content_type(Some(no)), "{no}");
        }
        assert!(!is_report_content_type(None));
    }

    #[test]
    fn at_most_the_budget_is_logged_per_minute_and_the_rest_is_summarized_once() {
        let limiter = Limiter::new(3, WINDOW);
        let start = Instant::now();
        let at = |secs| start + Duration::from_secs(secs);
        let first: Vec<Admission> = (0..5).map(|_| limiter.admit(at(1))).collect();
        assert_eq!(first.iter().filter(|a| a.log).count(), 3);
        assert!(first.iter().all(|a| a.not_logged_before == 0));
        assert!(!limiter.admit(at(59)).log, "still the same minute");
        // The next minute: a fresh budget, and the 3 not logged are reported once.
        assert_eq!(limiter.admit(at(61)), Admission { log: true, not_logged_before: 3 });
        assert_eq!(limiter.admit(at(62)), Admission { log: true, not_logged_before: 0 });
        // A quiet minute after a full one: nothing to summarize.
        assert_eq!(limiter.admit(at(200)), Admission { log: true, not_logged_before: 0 });
    }

    #[tokio::test]
    async fn the_router_answers_204_for_reports_and_400_for_the_rest() {
        let deps = Arc::new(Deps { limiter: Limiter::new(LOGGED_PER_MINUTE, WINDOW) });
        let call = |content_type: &str, body: String| {
            let router = router(Arc::clone(&deps), None, None);
            let req = axum::http::Request::builder()
                .method("POST")
                .uri("/api/csp-report")
                .header("content-type", content_type)
                .body(lambda_http::Body::from(body))
                .expect("request");
            async move { web::serve(router, req).await }
        };
        let legacy = call(LEGACY_CONTENT_TYPE, legacy_report().to_string()).await;
        assert_eq!(legacy.status(), 204);
        let bytes = axum::body::to_bytes(legacy.into_body(), usize::MAX).await.expect("body");
        assert!(bytes.is_empty());
        assert_eq!(call(REPORTING_API_CONTENT_TYPE, reporting_api_report().to_string()).await.status(), 204);
        assert_eq!(call(REPORTING_API_CONTENT_TYPE, "{}".into()).await.status(), 204);
        assert_eq!(call(LEGACY_CONTENT_TYPE, "{not json".into()).await.status(), 400);
        assert_eq!(call("application/json", legacy_report().to_string()).await.status(), 400);
        assert_eq!(call(LEGACY_CONTENT_TYPE, "x".repeat(web::MAX_BODY_BYTES + 1)).await.status(), 400);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(|n| json!(n)),
                any::<String>().prop_map(Value::String),
                "(https?|data|blob|wss?)://[a-z.:@%0-9/?#=&-]{0,30}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 48, 6, |inner| {
                let keys = prop_oneof![
                    any::<String>(),
                    prop::sample::select(vec![
                        "csp-report",
                        "type",
                        "body",
                        "blocked-uri",
                        "blockedURL",
                        "document-uri",
                        "documentURL",
                        "effective-directive",
                        "effectiveDirective",
                        "violated-directive",
                        "disposition",
                        "source-file",
                        "sourceFile",
                    ])
                    .prop_map(str::to_owned),
                ];
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        fn check(found: &[Violation]) -> Result<(), TestCaseError> {
            for v in found {
                prop_assert!(v.directive.chars().count() <= MAX_DIRECTIVE_CHARS);
                prop_assert!(v.blocked.chars().count() <= MAX_CHARS);
                prop_assert!(v.document.chars().count() <= MAX_CHARS);
                prop_assert!(!v.blocked.contains('?') && !v.document.contains('?'));
                prop_assert!(v.source.as_deref().is_none_or(|s| s.chars().count() <= MAX_CHARS && !s.contains('/')));
            }
            Ok(())
        }

        proptest! {
            #[test]
            fn any_bytes_are_read_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
                if let Ok(found) = violations(&bytes) {
                    check(&found)?;
                }
            }

            #[test]
            fn any_json_is_read_without_panicking(value in json_value(), wrap in 0..3u8) {
                let value = match wrap {
                    0 => json!({"csp-report": value}),
                    1 => json!([{"type": "csp-violation", "body": value}]),
                    _ => value,
                };
                let found = violations(value.to_string().as_bytes());
                prop_assert!(found.is_ok());
                check(&found.unwrap_or_default())?;
            }

            #[test]
            fn any_field_text_is_reduced_without_panicking(raw in any::<String>()) {
                let _ = reduce_directive(Some(&raw));
                prop_assert!(!reduce_blocked(Some(&raw)).contains('?'));
                prop_assert!(!reduce_document(Some(&raw)).contains('?'));
                let _ = reduce_source(Some(&raw));
            }
        }
    }
}
