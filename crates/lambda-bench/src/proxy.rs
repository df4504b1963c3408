//! A loopback HTTP proxy in front of a stand-in (moto, the sandbox) that adds up the time spent
//! waiting for it, so each invocation's latency can be split into "the stand-ins" and "the
//! function itself".

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;

const HOP_BY_HOP: &[&str] = &["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"];

#[derive(Clone)]
struct Proxy {
    http: reqwest::Client,
    upstream: String,
    nanos: Arc<AtomicU64>,
}

/// Starts a proxy to `upstream`; returns its base URL and the counter of nanoseconds spent
/// waiting for the upstream.
pub(crate) async fn start(upstream: &str, nanos: Arc<AtomicU64>) -> std::io::Result<String> {
    let state = Proxy {
        http: reqwest::Client::builder().pool_max_idle_per_host(8).build().map_err(std::io::Error::other)?,
        upstream: upstream.trim_end_matches('/').to_owned(),
        nanos,
    };
    let app = Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(url)
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |x| x.as_str());
    let mut upstream = p.http.request(parts.method.clone(), format!("{}{path}", p.upstream));
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            upstream = upstream.header(name, value);
        }
    }
    let started = Instant::now();
    let result = upstream.body(bytes).send().await;
    let answer = match result {
        Ok(resp) => {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            let mut out = Response::new(Body::from(body));
            *out.status_mut() = status;
            for (name, value) in &headers {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    out.headers_mut().insert(name, value.clone());
                }
            }
            out
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    };
    let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
    p.nanos.fetch_add(spent, Ordering::Relaxed);
    answer
}
