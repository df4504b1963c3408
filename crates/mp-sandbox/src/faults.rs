//! Fault injection: the next N calls of a route answer 500/503/429, wait, or lose the connection.
//!
//! A fault applies `before` the handler (nothing happens on the sandbox's side, as when Mercado
//! Pago is down) or, with `after: true`, after it (the payment *is* created but the answer is
//! lost or replaced by an error: the case idempotency keys exist for).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{MatchedPath, Request, State as AxState};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::state::State;

/// What a faulty call does.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer this HTTP status (500, 503, 429...) with Mercado Pago's error envelope, and a
    /// `Retry-After` header (seconds) when given.
    Status {
        /// HTTP status code.
        status: u16,
        /// `Retry-After` in seconds.
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Wait this many milliseconds, then handle the call normally (with `after: true`: handle
    /// it, then wait before answering, so the answer is older than the state when it arrives).
    Latency {
        /// Added latency in milliseconds.
        ms: u64,
    },
    /// Close the connection without an answer.
    Drop,
}

/// A fault for the next `times` calls of `route`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
pub struct Fault {
    /// `"<METHOD> <route template>"`, e.g. `"POST /v1/payments"` or `"GET /v1/payments/{id}"`;
    /// `"*"` matches every API call.
    pub route: String,
    /// How many calls it applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Apply after the handler ran (its effects happen, its answer is lost). Default false.
    #[serde(default)]
    pub after: bool,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A status fault for the next `times` calls of `route`.
    pub fn status(route: &str, status: u16, times: u32) -> Self {
        Fault { route: route.into(), times, kind: FaultKind::Status { status, retry_after: None }, after: false }
    }
}

/// A queued fault and how many calls it has left.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FaultRule {
    #[serde(flatten)]
    pub(crate) fault: Fault,
    pub(crate) remaining: u32,
}

/// Response extension asking the server loop to close the connection without answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

fn status_answer(status: u16, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (message, error) = match status {
        429 => ("Too many requests", "too_many_requests"),
        503 => ("Service unavailable", "service_unavailable"),
        502 => ("Bad gateway", "bad_gateway"),
        504 => ("Gateway timeout", "gateway_timeout"),
        _ => ("Internal server error", "internal_server_error"),
    };
    let mut resp =
        (code, Json(json!({"message": message, "error": error, "status": status, "cause": []}))).into_response();
    if let Some(secs) = retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(http::header::RETRY_AFTER, v);
    }
    resp
}

fn dropped() -> Response {
    let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    resp.extensions_mut().insert(DropConnection);
    resp
}

/// Middleware applied to the Mercado Pago API routes.
pub(crate) async fn inject(
    AxState(state): AxState<Arc<State>>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    let route = format!("{} {}", req.method(), matched.as_ref().map_or(req.uri().path(), |m| m.as_str()));
    let fault = {
        let mut inner = state.lock();
        let pos = inner.faults.iter().position(|r| r.remaining > 0 && (r.fault.route == "*" || r.fault.route == route));
        pos.and_then(|i| {
            let rule = inner.faults.get_mut(i)?;
            rule.remaining -= 1;
            let fault = rule.fault.clone();
            if rule.remaining == 0 {
                inner.faults.remove(i);
            }
            Some(fault)
        })
    };
    let Some(fault) = fault else { return next.run(req).await };
    tracing::info!(route, fault = ?fault.kind, after = fault.after, "injecting fault");
    match fault.kind {
        FaultKind::Latency { ms } if fault.after => {
            let resp = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            resp
        }
        FaultKind::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        FaultKind::Status { status, retry_after } => {
            if fault.after {
                let _ = next.run(req).await;
            }
            status_answer(status, retry_after)
        }
        FaultKind::Drop => {
            if fault.after {
                let _ = next.run(req).await;
            }
            dropped()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse_from_the_control_api_shape() {
        let f: Fault = serde_json::from_value(
            json!({"route": "POST /v1/payments", "kind": "status", "status": 429, "retry_after": 2}),
        )
        .expect("parses");
        assert_eq!(f.times, 1);
        assert_eq!(f.kind, FaultKind::Status { status: 429, retry_after: Some(2) });
        let d: Fault =
            serde_json::from_value(json!({"route": "*", "kind": "drop", "after": true, "times": 3})).expect("parses");
        assert_eq!((d.kind, d.after, d.times), (FaultKind::Drop, true, 3));
        assert!(serde_json::from_value::<Fault>(json!({"route": "*", "kind": "explode"})).is_err());
    }

    #[test]
    fn status_answers_carry_retry_after() {
        let r = status_answer(429, Some(3));
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get(http::header::RETRY_AFTER).and_then(|v| v.to_str().ok()), Some("3"));
    }
}
