//! Records every request (secrets redacted) for `GET /__sandbox/requests` and writes one log line
//! per request.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State as AxState};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::Value;

use crate::config::redact_secret;
use crate::faults::DropConnection;
use crate::state::{RecordedRequest, State};

/// Largest request body the sandbox reads (Mercado Pago's own limit is not documented).
const MAX_BODY: usize = 1024 * 1024;

/// Replaces card data and tokens inside a JSON value.
pub(crate) fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                match (k.as_str(), &*val) {
                    ("card_number", Value::String(s)) if s.len() >= 10 && s.is_ascii() => {
                        let (first, last) = (s.get(..6).unwrap_or_default(), s.get(s.len() - 4..).unwrap_or_default());
                        *val = Value::String(format!("{first}******{last}"));
                    }
                    ("security_code" | "card_number" | "access_token" | "secret", _) => {
                        *val = Value::String("***".into())
                    }
                    ("token", Value::String(s)) => *val = Value::String(redact_secret(s)),
                    _ => redact_json(val),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The query with `access_token` values redacted.
pub(crate) fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("access_token", v)) => format!("access_token={}", redact_secret(v)),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Middleware: buffer the body, run the request, record and log it.
pub(crate) async fn record(AxState(state): AxState<Arc<State>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    let method = parts.method.to_string();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(redact_query);
    let mut headers = BTreeMap::new();
    for (name, value) in &parts.headers {
        let text = value.to_str().unwrap_or("<binary>");
        let text = if name == http::header::AUTHORIZATION {
            format!("Bearer {}", redact_secret(text.trim_start_matches("Bearer ")))
        } else {
            text.to_owned()
        };
        headers.insert(name.as_str().to_owned(), text);
    }
    let mut json_body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    redact_json(&mut json_body);

    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;

    let dropped = resp.extensions().get::<DropConnection>().is_some();
    let status = if dropped { 0 } else { resp.status().as_u16() };
    let route = resp.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned());
    tracing::info!(
        method = %method,
        path = %path,
        query = query.as_deref().unwrap_or(""),
        status,
        ms = start.elapsed().as_millis() as u64,
        "request"
    );
    let recorded = method != "OPTIONS"
        && !["/__sandbox", "/js/", "/secure-fields/", "/acs/assets/", "/v2/"].iter().any(|p| path.starts_with(p));
    if recorded {
        state.lock().record(RecordedRequest {
            seq: 0,
            received_at: crate::model::mp_date(time::OffsetDateTime::now_utc()),
            method,
            path,
            route,
            query,
            headers,
            body: json_body,
            status,
        });
    }
    resp
}

/// Copies the matched route into the response so the outer recorder can see it.
pub(crate) async fn expose_route(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if let Some(m) = matched {
        resp.extensions_mut().insert(m);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn card_data_and_tokens_are_redacted() {
        let mut v = json!({"card_number": "5031755734530604", "security_code": "123",
            "cardholder": {"name": "APRO"}, "token": "ff8080814c11e237014c1ff593b57b4d", "items": [{"access_token": "x"}]});
        redact_json(&mut v);
        assert_eq!(v["card_number"], "503175******0604");
        assert_eq!(v["security_code"], "***");
        assert_eq!(v["token"], "***7b4d");
        assert_eq!(v["items"][0]["access_token"], "***");
        assert_eq!(v["cardholder"]["name"], "APRO");
    }

    #[test]
    fn access_tokens_in_queries_are_redacted() {
        assert_eq!(redact_query("public_key=PK&access_token=TEST-secret-abcd"), "public_key=PK&access_token=***abcd");
    }
}
