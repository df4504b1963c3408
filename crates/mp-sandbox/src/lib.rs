//! An offline stand-in for the part of Mercado Pago a card checkout talks to.
//!
//! It speaks Mercado Pago's wire protocol (docs/mercadopago.md): card tokens,
//! payments (create with `X-Idempotency-Key`, get, search, capture, cancel, refunds), payment
//! methods, issuers, installments, identification types, the error envelope and cause codes, and
//! HMAC-signed webhooks with retries. Test outcomes come from the cardholder-name codes
//! ([`scenario::SCENARIOS`]). A control API (`/__sandbox/...`, or [`Control`] in-process) settles
//! pending payments, injects faults, lists received requests, forges webhooks and rotates the
//! access token. `/js/v2` serves a MercadoPago.js v2 stand-in with the real SDK's `cardForm` API,
//! `/v2/security.js` a stand-in of the device script, and `/acs/challenge` (on the ACS origin,
//! [`Sandbox::acs_url`]) a 3-D Secure challenge page ([`three_ds`]).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sandbox = mp_sandbox::Sandbox::start(mp_sandbox::SandboxConfig::for_tests()).await?;
//! let base_url = sandbox.base_url(); // "http://127.0.0.1:<port>"
//! let payments = sandbox.control().payments();
//! # Ok(()) }
//! ```
//! The server stops when the [`Sandbox`] is dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

mod config;
mod control;
mod error;
mod faults;
mod model;
mod record;
mod routes;
pub mod scenario;
pub mod site;
mod state;
pub mod three_ds;
mod validate;
mod webhooks;

pub use config::{DEFAULT_CHALLENGE_EXPIRY, DEFAULT_HIGH_RISK_AMOUNT, SandboxConfig, TsUnit, WebhookRetry};
pub use control::{ChallengeResult, Control, ControlError, ForgedResult, ForgedWebhook, Settlement};
pub use error::{Cause, MpError};
pub use faults::{Fault, FaultKind};
pub use model::{CardToken, Notification, Payment, Refund, ThreeDsInfo};
pub use state::RecordedRequest;
pub use webhooks::{Attempt, Delivery, sign as sign_webhook};

/// A running sandbox. Dropping it stops the server and any webhook retries.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    control: Control,
    accept_loop: JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

/// Error a connection is closed with when a `drop` fault fires.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct Dropped;

impl Sandbox {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Self::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts on `addr` (port 0 picks a free one).
    pub async fn bind(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let acs_origin =
            config.acs_url.as_deref().map_or_else(|| default_acs_origin(addr), |u| u.trim_end_matches('/').to_owned());
        let state = Arc::new(state::State::new(config, acs_origin));
        let app = routes::router(Arc::clone(&state));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let accept_loop = tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let app = app.clone();
                let mut stop = shutdown_rx.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                        let app = app.clone();
                        async move {
                            let resp = app
                                .oneshot(req.map(axum::body::Body::new))
                                .await
                                .unwrap_or_else(|e: Infallible| match e {});
                            if resp.extensions().get::<faults::DropConnection>().is_some() {
                                Err(Dropped)
                            } else {
                                Ok(resp)
                            }
                        }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::select! {
                        _ = conn => {}
                        _ = stop.changed() => {}
                    }
                });
            }
        });
        Ok(Sandbox { addr, base_url: format!("http://{addr}"), control: Control { state }, accept_loop, shutdown })
    }

    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The origin of the 3-D Secure ACS stand-in, no trailing slash: `SandboxConfig::acs_url`, or
    /// by default the sandbox's own address with host `localhost` (`http://localhost:<port>`),
    /// another origin than [`Sandbox::base_url`] served by the same server.
    pub fn acs_url(&self) -> &str {
        &self.control.state.acs_origin
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The control handle (cloneable, usable from other tasks).
    pub fn control(&self) -> &Control {
        &self.control
    }
}

/// `http://localhost:<port>` for a loopback or unspecified address (so the ACS is another
/// origin than `http://127.0.0.1:<port>`: our choice), `http://<addr>` otherwise.
fn default_acs_origin(addr: SocketAddr) -> String {
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.control.state.shut_down.store(true, Ordering::Relaxed);
        let _ = self.shutdown.send(true);
        self.accept_loop.abort();
    }
}
