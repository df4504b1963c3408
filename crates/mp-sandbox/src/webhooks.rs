//! Webhook delivery the way Mercado Pago does it (docs/mercadopago.md#webhooks):
//!
//! `POST <notification_url>?data.id=<payment id>&type=payment` with headers
//! `x-signature: ts=<ts>,v1=<hex HMAC-SHA256>`, `x-request-id: <uuid>`, `x-retry: <n>`,
//! `x-socket-timeout: 22000` and a JSON body `{action, api_version, data:{id}, date_created, id,
//! live_mode, type, user_id}`. The HMAC key is the webhook secret; the signed manifest is
//! `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. A delivery succeeds when the receiver
//! answers 200 or 201; otherwise it is retried with exponential backoff, a bounded number of
//! times. Each attempt is signed afresh (new `x-request-id` and `ts`).
//!
//! This module signs on its own (not through the `mercadopago` crate's verifier) so the two
//! implementations check each other; both are tested against the same test vectors
//! (docs/mercadopago.md#test-vectors).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::TsUnit;
use crate::model::{Notification, NotificationData, Payment, mp_date};
use crate::state::State;

/// One attempt to deliver a notification.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Attempt {
    /// When it was sent.
    pub at: String,
    /// The `x-request-id` sent.
    pub x_request_id: String,
    /// The `x-signature` sent (absent when a forged webhook omitted it).
    pub x_signature: Option<String>,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// Transport error, if it did not.
    pub error: Option<String>,
}

/// A notification and its delivery attempts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Delivery {
    /// The body sent.
    pub notification: Notification,
    /// The URL posted to, query included.
    pub url: String,
    /// The payment it is about (None for forged notifications about unknown ids).
    pub payment_id: Option<u64>,
    /// Sent by the control API's forge endpoint.
    pub forged: bool,
    /// Attempts so far.
    pub attempts: Vec<Attempt>,
    /// The receiver answered 200 or 201.
    pub delivered: bool,
    /// No more attempts will be made.
    pub finished: bool,
}

/// Hex HMAC-SHA256 of the manifest `id:<data_id>;request-id:<request_id>;ts:<ts>;`.
pub fn sign(secret: &str, data_id: &str, request_id: &str, ts: &str) -> String {
    let manifest = format!("id:{data_id};request-id:{request_id};ts:{ts};");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
    mac.update(manifest.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn ts_now(unit: TsUnit) -> String {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    match unit {
        TsUnit::Seconds => since.as_secs().to_string(),
        TsUnit::Milliseconds => since.as_millis().to_string(),
    }
}

/// `url` with `data.id` and `type` appended to its query.
pub(crate) fn target_url(base: &str, data_id: &str, topic: &str) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            u.query_pairs_mut().append_pair("data.id", data_id).append_pair("type", topic);
            u.to_string()
        }
        Err(_) => base.to_owned(),
    }
}

/// How one attempt is signed.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Signing {
    /// Sign with this secret instead of the configured one.
    pub(crate) secret: Option<String>,
    /// Send this `x-signature` verbatim.
    pub(crate) signature: Option<String>,
    /// Send no `x-signature` at all.
    pub(crate) omit_signature: bool,
    /// Use this `x-request-id`.
    pub(crate) request_id: Option<String>,
    /// Use this `ts`.
    pub(crate) ts: Option<String>,
    /// Sign this `data.id` instead of the one in the query.
    pub(crate) signed_data_id: Option<String>,
}

/// Sends one attempt and returns what happened, plus the receiver's body.
pub(crate) async fn send_once(
    state: &State,
    url: &str,
    notification: &Notification,
    retry: u32,
    signing: &Signing,
) -> (Attempt, Option<String>) {
    let request_id = signing.request_id.clone().unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let ts = signing.ts.clone().unwrap_or_else(|| ts_now(state.config.webhook_ts_unit));
    let secret = signing.secret.as_deref().unwrap_or(&state.config.webhook_secret);
    let data_id = signing.signed_data_id.as_deref().unwrap_or(&notification.data.id);
    let x_signature = if signing.omit_signature {
        None
    } else {
        Some(
            signing
                .signature
                .clone()
                .unwrap_or_else(|| format!("ts={ts},v1={}", sign(secret, data_id, &request_id, &ts))),
        )
    };
    let mut req = state
        .http
        .post(url)
        .timeout(state.config.webhook_retry.timeout)
        .header("content-type", "application/json")
        .header("user-agent", "restclient-node/4.15.3")
        .header("x-request-id", &request_id)
        .header("x-retry", retry.to_string())
        .header("x-socket-timeout", "22000")
        .json(notification);
    if let Some(sig) = &x_signature {
        req = req.header("x-signature", sig);
    }
    let at = mp_date(time::OffsetDateTime::now_utc());
    match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.text().await.ok();
            (Attempt { at, x_request_id: request_id, x_signature, status: Some(status), error: None }, body)
        }
        Err(e) => {
            let error = if e.is_timeout() { "timeout".to_owned() } else { e.to_string() };
            (Attempt { at, x_request_id: request_id, x_signature, status: None, error: Some(error) }, None)
        }
    }
}

fn update_delivery(state: &State, notification_id: u64, f: impl FnOnce(&mut Delivery)) {
    let mut inner = state.lock();
    if let Some(d) = inner.deliveries.iter_mut().rev().find(|d| d.notification.id == notification_id) {
        f(d);
    }
}

/// Delivers with retries in the background until the receiver answers 200/201 or attempts run out.
pub(crate) fn spawn_delivery(state: Arc<State>, delivery: Delivery) {
    let notification = delivery.notification.clone();
    let url = delivery.url.clone();
    state.lock().deliveries.push(delivery);
    tokio::spawn(async move {
        let policy = state.config.webhook_retry;
        let mut delay = policy.initial_delay;
        for retry in 0..policy.max_attempts.max(1) {
            if state.shut_down.load(Ordering::Relaxed) {
                return;
            }
            let (attempt, _) = send_once(&state, &url, &notification, retry, &Signing::default()).await;
            let ok = matches!(attempt.status, Some(200 | 201));
            tracing::info!(
                notification_id = notification.id,
                data_id = %notification.data.id,
                status = ?attempt.status,
                error = ?attempt.error,
                retry,
                "webhook attempt"
            );
            let last = ok || retry + 1 >= policy.max_attempts;
            update_delivery(&state, notification.id, |d| {
                d.attempts.push(attempt);
                d.delivered = ok;
                d.finished = last;
            });
            if last {
                return;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(policy.max_delay);
        }
    });
}

/// Builds a notification (taking the next notification id).
pub(crate) fn notification(state: &State, data_id: &str, topic: &str, action: &str) -> Notification {
    let mut inner = state.lock();
    let id = inner.next_notification_id;
    inner.next_notification_id += 1;
    Notification {
        action: action.to_owned(),
        api_version: "v1",
        data: NotificationData { id: data_id.to_owned() },
        date_created: mp_date(time::OffsetDateTime::now_utc()),
        id,
        live_mode: false,
        kind: topic.to_owned(),
        user_id: state.config.user_id,
    }
}

/// Tells the payment's `notification_url` (or the default one) that it was created or changed.
/// Does nothing when webhooks are switched off or there is nowhere to send them.
pub(crate) fn payment_event(state: &Arc<State>, payment: &Payment, action: &str) {
    if !state.lock().webhooks_enabled {
        return;
    }
    let Some(base) = payment.notification_url.clone().or_else(|| state.config.default_notification_url.clone()) else {
        return;
    };
    let data_id = payment.id.to_string();
    let notification = notification(state, &data_id, "payment", action);
    let delivery = Delivery {
        url: target_url(&base, &data_id, "payment"),
        notification,
        payment_id: Some(payment.id),
        forged: false,
        attempts: vec![],
        delivered: false,
        finished: false,
    };
    spawn_delivery(Arc::clone(state), delivery);
}

/// Default wait between polls in [`crate::Control::wait_for_deliveries`].
pub(crate) const POLL: Duration = Duration::from_millis(10);

#[cfg(test)]
mod tests {
    use super::*;

    /// Test vectors from docs/mercadopago.md#test-vectors (computed by us: Mercado Pago
    /// publishes none).
    #[test]
    fn signature_matches_the_reference_test_vector() {
        assert_eq!(
            sign("your_secret_key_here", "123456789", "2066ca19-c6f1-498a-be75-1923005edd06", "1704908010"),
            "2950837c0ba1681e168f193fb68dad2d33a2372e6cf86379ca8eeaa965009294"
        );
    }

    #[test]
    fn the_query_carries_data_id_and_type() {
        assert_eq!(
            target_url("http://127.0.0.1:9000/api/notifications", "42", "payment"),
            "http://127.0.0.1:9000/api/notifications?data.id=42&type=payment"
        );
        assert_eq!(
            target_url("http://h/n?source_news=webhooks", "7", "payment"),
            "http://h/n?source_news=webhooks&data.id=7&type=payment"
        );
    }
}
