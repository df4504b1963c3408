//! A minimal AWS Lambda Runtime API (`2018-06-01`): `GET /runtime/invocation/next`,
//! `POST /runtime/invocation/{id}/response`, `POST /runtime/invocation/{id}/error` and
//! `POST /runtime/init/error`, enough for `lambda_runtime` to run a function as Lambda does.
//!
//! The harness queues events with [`RuntimeApi::invoke`]; the function's `/next` long-poll picks
//! them up. Latency is measured from handing the event out to receiving its response. After
//! [`RuntimeApi::shut_down`], `/next` answers 410 without a request id: `lambda_runtime` panics on
//! the missing header and, built with `panic = "abort"`, the process aborts, which still lets
//! callgrind write its totals. That exit costs the same in every run, so it cancels out of the
//! per-invocation figures (real Lambda simply freezes or kills the process).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{Notify, oneshot};

/// What a function answered to one invocation.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Response body (or error body).
    pub(crate) body: String,
    /// `true` for `/error`.
    pub(crate) error: bool,
    /// From handing the event out to receiving the answer.
    pub(crate) latency: Duration,
}

struct Pending {
    event: String,
    done: oneshot::Sender<Outcome>,
}

struct InFlight {
    sent_at: Instant,
    done: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Inner {
    queue: Mutex<VecDeque<Pending>>,
    in_flight: Mutex<HashMap<String, InFlight>>,
    ready: Notify,
    first_next: Mutex<Option<Instant>>,
    shut_down: AtomicBool,
    init_error: Mutex<Option<String>>,
}

/// A running Runtime API for one function process.
pub(crate) struct RuntimeApi {
    addr: SocketAddr,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RuntimeApi {
    pub(crate) async fn start() -> std::io::Result<RuntimeApi> {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(RuntimeApi { addr, inner, server })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub(crate) fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Runs one invocation and waits for its outcome.
    pub(crate) async fn invoke(&self, event: String) -> Outcome {
        let (done, rx) = oneshot::channel();
        lock(&self.inner.queue).push_back(Pending { event, done });
        self.inner.ready.notify_one();
        rx.await.unwrap_or(Outcome {
            body: "runtime API dropped the invocation".into(),
            error: true,
            latency: Duration::ZERO,
        })
    }

    /// Waits until the function first asks for an event (its init is over), up to `timeout`.
    pub(crate) async fn first_next(&self, timeout: Duration) -> Option<Instant> {
        let start = Instant::now();
        loop {
            if let Some(t) = *lock(&self.inner.first_next) {
                return Some(t);
            }
            if start.elapsed() > timeout {
                return None;
            }
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }

    /// The init error the function reported, if any.
    pub(crate) fn init_error(&self) -> Option<String> {
        lock(&self.inner.init_error).clone()
    }

    /// Makes the next `/next` fail so the function exits.
    pub(crate) fn shut_down(&self) {
        self.inner.shut_down.store(true, Ordering::SeqCst);
        self.inner.ready.notify_waiters();
        self.inner.ready.notify_one();
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn next(State(inner): State<Arc<Inner>>) -> Response {
    lock(&inner.first_next).get_or_insert_with(Instant::now);
    loop {
        if inner.shut_down.load(Ordering::SeqCst) {
            return (StatusCode::GONE, "runtime shutting down").into_response();
        }
        let pending = lock(&inner.queue).pop_front();
        if let Some(p) = pending {
            let id = uuid::Uuid::new_v4().to_string();
            let deadline = (time::OffsetDateTime::now_utc() + time::Duration::seconds(30)).unix_timestamp() * 1000;
            let mut headers = HeaderMap::new();
            let mut set = |k: &'static str, v: String| {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    headers.insert(k, v);
                }
            };
            set("lambda-runtime-aws-request-id", id.clone());
            set("lambda-runtime-deadline-ms", deadline.to_string());
            set("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:bench".into());
            set("lambda-runtime-trace-id", "Root=1-00000000-000000000000000000000000;Sampled=0".into());
            set("content-type", "application/json".into());
            lock(&inner.in_flight).insert(id, InFlight { sent_at: Instant::now(), done: p.done });
            return (StatusCode::OK, headers, p.event).into_response();
        }
        let notified = inner.ready.notified();
        // Re-check after registering interest, so a wake-up between the check and the wait is not lost.
        if inner.shut_down.load(Ordering::SeqCst) || !lock(&inner.queue).is_empty() {
            continue;
        }
        notified.await;
    }
}

fn finish(inner: &Inner, id: &str, body: Bytes, error: bool) -> StatusCode {
    let Some(flight) = lock(&inner.in_flight).remove(id) else { return StatusCode::NOT_FOUND };
    let latency = flight.sent_at.elapsed();
    let _ = flight.done.send(Outcome { body: String::from_utf8_lossy(&body).into_owned(), error, latency });
    StatusCode::ACCEPTED
}

async fn response(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&inner, &id, body, false)
}

async fn error(State(inner): State<Arc<Inner>>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    finish(&inner, &id, body, true)
}

async fn init_error(State(inner): State<Arc<Inner>>, body: Bytes) -> StatusCode {
    *lock(&inner.init_error) = Some(String::from_utf8_lossy(&body).into_owned());
    StatusCode::ACCEPTED
}
