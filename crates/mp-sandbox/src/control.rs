//! The control handle: what tests (and the `/__sandbox` HTTP API) use to drive the sandbox.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::MpError;
use crate::faults::{Fault, FaultRule};
use crate::model::Payment;
use crate::state::{ChallengeError, RecordedRequest, SettleError, State};
use crate::webhooks::{self, Delivery, Signing};

/// A webhook to send once, without retries, possibly wrong on purpose.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ForgedWebhook {
    /// Where to send it (default: the configured default notification URL).
    #[serde(default)]
    pub url: Option<String>,
    /// `data.id` in the query and body.
    pub data_id: String,
    /// Topic: `type` in the query and body (default `payment`).
    #[serde(default)]
    pub topic: Option<String>,
    /// `action` (default `payment.updated`).
    #[serde(default)]
    pub action: Option<String>,
    /// Sign with this secret instead of the real one.
    #[serde(default)]
    pub secret: Option<String>,
    /// Send this `x-signature` verbatim.
    #[serde(default)]
    pub signature: Option<String>,
    /// Send no `x-signature` header.
    #[serde(default)]
    pub omit_signature: bool,
    /// Use this `x-request-id`.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Use this `ts` (e.g. an old one).
    #[serde(default)]
    pub ts: Option<String>,
    /// Sign this `data.id` while sending `data_id` (a tampered id).
    #[serde(default)]
    pub signed_data_id: Option<String>,
}

/// What the receiver answered to a forged webhook.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ForgedResult {
    /// HTTP status, if it answered.
    pub status: Option<u16>,
    /// Body, if it answered.
    pub body: Option<String>,
    /// Transport error, if it did not.
    pub error: Option<String>,
}

/// Outcome for [`Control::settle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// `approved` / `accredited`.
    Approved,
    /// `rejected` / the given detail (default `cc_rejected_other_reason`).
    Rejected,
}

/// How a 3-D Secure challenge ends, for [`Control::complete_challenge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeResult {
    /// The buyer confirms, as with the ACS page's Confirm: the "Successful Challenge" card
    /// (5483 9281 6457 4623) is approved, the "Unauthorized Challenge" card (5361 9568 0611 7557)
    /// is `rejected/cc_rejected_3ds_challenge` (inferred from the cards' names,
    /// <https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>).
    Success,
    /// The challenge fails (the ACS page's Cancel): `rejected/cc_rejected_3ds_challenge` for
    /// any card (our choice for Cancel).
    Failure,
}

/// Errors of control operations.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// No payment with that id.
    #[error("payment not found")]
    NotFound,
    /// The payment is not pending or in process.
    #[error("payment is {0}, not pending or in_process")]
    NotPending(String),
    /// Nowhere to send a webhook.
    #[error("no notification URL: pass one or configure a default")]
    NoUrl,
    /// The payment was created without a 3-D Secure challenge.
    #[error("payment has no 3-D Secure challenge")]
    NoChallenge,
    /// The challenge has already ended (completed, failed or expired); the payment's status.
    #[error("the 3-D Secure challenge has already ended: payment is {0}")]
    ChallengeEnded(String),
}

/// A cheap, cloneable handle on a running sandbox.
#[derive(Clone)]
pub struct Control {
    pub(crate) state: Arc<State>,
}

impl Control {
    /// The access token that is accepted now.
    pub fn access_token(&self) -> String {
        self.state.lock().access_token.clone()
    }

    /// The public key.
    pub fn public_key(&self) -> &str {
        &self.state.config.public_key
    }

    /// The webhook secret.
    pub fn webhook_secret(&self) -> &str {
        &self.state.config.webhook_secret
    }

    /// Every payment made, oldest first, as stored (payer included).
    pub fn payments(&self) -> Vec<Payment> {
        self.state.lock().all_payments()
    }

    /// One payment, as `GET /v1/payments/{id}` shows it.
    pub fn payment(&self, id: u64) -> Option<Payment> {
        self.state.lock().payment(id).ok()
    }

    /// Settles a pending or in-process payment (e.g. a `CONT` one) and sends its webhook.
    pub fn settle(&self, id: u64, outcome: Settlement, status_detail: Option<&str>) -> Result<Payment, ControlError> {
        let result = self.state.lock().settle(id, outcome == Settlement::Approved, status_detail);
        let payment = result.map_err(|e| match e {
            SettleError::NotFound => ControlError::NotFound,
            SettleError::NotPending(s) => ControlError::NotPending(s),
        })?;
        webhooks::payment_event(&self.state, &payment, "payment.updated");
        Ok(payment)
    }

    /// Ends a payment's pending 3-D Secure challenge as the ACS page's Confirm (`Success`) or
    /// Cancel (`Failure`) would, and sends the `payment.updated` webhook.
    ///
    /// # Errors
    /// [`ControlError::NotFound`] for an unknown payment, [`ControlError::NoChallenge`] for a
    /// payment made without a challenge, [`ControlError::ChallengeEnded`] when the challenge was
    /// already completed or has expired (a challenge is settled once).
    pub fn complete_challenge(&self, id: u64, result: ChallengeResult) -> Result<Payment, ControlError> {
        let outcome = self.state.lock().complete_challenge(id, result == ChallengeResult::Success);
        let payment = outcome.map_err(|e| match e {
            ChallengeError::NotFound => ControlError::NotFound,
            ChallengeError::NoChallenge => ControlError::NoChallenge,
            ChallengeError::Ended(status) => ControlError::ChallengeEnded(status),
        })?;
        webhooks::payment_event(&self.state, &payment, "payment.updated");
        Ok(payment)
    }

    /// The origin of the 3-D Secure ACS stand-in (`http://localhost:<port>` by default); the
    /// challenge URL is `<origin>/acs/challenge`.
    pub fn acs_origin(&self) -> &str {
        &self.state.acs_origin
    }

    /// Sets any status (a chargeback, say) and sends the webhook.
    pub fn set_status(&self, id: u64, status: &str, status_detail: &str) -> Result<Payment, ControlError> {
        let payment =
            self.state.lock().force_status(id, status, status_detail).map_err(|_: MpError| ControlError::NotFound)?;
        webhooks::payment_event(&self.state, &payment, "payment.updated");
        Ok(payment)
    }

    /// A refund made from Mercado Pago's panel (not through the API): refunds `amount`, or what
    /// is left when `None`, of an approved payment, and sends the payment webhook. Refused as the
    /// refunds API refuses it, with its error envelope.
    pub fn panel_refund(&self, id: u64, amount: Option<rust_decimal::Decimal>) -> Result<Payment, MpError> {
        let key = format!("panel-{}", uuid::Uuid::new_v4());
        let mut inner = self.state.lock();
        inner.refund(&self.state.config, id, &key, amount, serde_json::json!({"source": "panel"}))?;
        let payment = inner.payment(id)?;
        drop(inner);
        webhooks::payment_event(&self.state, &payment, "payment.updated");
        Ok(payment)
    }

    /// A chargeback the cardholder's bank made: an `approved` or `in_mediation` payment becomes
    /// `charged_back`/`settled` and the payment webhook is sent. Other statuses are refused
    /// with the refunds API's state error (our choice).
    pub fn chargeback(&self, id: u64) -> Result<Payment, MpError> {
        let mut inner = self.state.lock();
        let status = inner.payment(id)?.status;
        if !matches!(status.as_str(), "approved" | "in_mediation") {
            return Err(MpError::bad_request(2063, "The action requested is not valid for the current payment state"));
        }
        let payment = inner.force_status(id, "charged_back", "settled")?;
        drop(inner);
        webhooks::payment_event(&self.state, &payment, "payment.updated");
        Ok(payment)
    }

    /// Queues a fault for the next `fault.times` calls of `fault.route`.
    pub fn inject_fault(&self, fault: Fault) {
        let remaining = fault.times;
        self.state.lock().faults.push(FaultRule { fault, remaining });
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.state.lock().faults.clear();
    }

    /// Requests received so far (secrets redacted), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests()
    }

    /// Requests received for a route template, e.g. `"POST /v1/payments"`.
    pub fn requests_to(&self, route: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.route.as_deref().is_some_and(|t| format!("{} {t}", r.method) == route))
            .collect()
    }

    /// Webhook deliveries so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().deliveries.clone()
    }

    /// Waits until every webhook delivery has finished (delivered or out of attempts), or
    /// `timeout` passes. Returns the deliveries.
    pub async fn wait_for_deliveries(&self, timeout: Duration) -> Vec<Delivery> {
        let start = Instant::now();
        loop {
            let deliveries = self.deliveries();
            if deliveries.iter().all(|d| d.finished) || start.elapsed() >= timeout {
                return deliveries;
            }
            tokio::time::sleep(webhooks::POLL).await;
        }
    }

    /// Switches webhooks on or off (off is how test credentials behave).
    pub fn set_webhooks_enabled(&self, enabled: bool) {
        self.state.lock().webhooks_enabled = enabled;
    }

    /// Sends a payment's last notification again (or a new `payment.updated` one), freshly
    /// signed, with retries.
    pub fn redeliver(&self, payment_id: u64) -> Result<(), ControlError> {
        let payment = self.state.lock().payment(payment_id).map_err(|_| ControlError::NotFound)?;
        let previous = self.state.lock().deliveries.iter().rev().find(|d| d.payment_id == Some(payment_id)).cloned();
        let delivery = match previous {
            Some(mut d) => {
                let mut n = d.notification.clone();
                n.id = webhooks::notification(&self.state, &n.data.id, &n.kind, &n.action).id;
                d.notification = n;
                d.attempts.clear();
                d.delivered = false;
                d.finished = false;
                d
            }
            None => {
                let url = payment
                    .notification_url
                    .clone()
                    .or_else(|| self.state.config.default_notification_url.clone())
                    .ok_or(ControlError::NoUrl)?;
                let id = payment_id.to_string();
                Delivery {
                    notification: webhooks::notification(&self.state, &id, "payment", "payment.updated"),
                    url: webhooks::target_url(&url, &id, "payment"),
                    payment_id: Some(payment_id),
                    forged: false,
                    attempts: vec![],
                    delivered: false,
                    finished: false,
                }
            }
        };
        webhooks::spawn_delivery(Arc::clone(&self.state), delivery);
        Ok(())
    }

    /// Sends one webhook as described, once, and returns the receiver's answer.
    pub async fn forge_webhook(&self, forged: ForgedWebhook) -> Result<ForgedResult, ControlError> {
        let topic = forged.topic.clone().unwrap_or_else(|| "payment".into());
        let base = forged
            .url
            .clone()
            .or_else(|| self.state.config.default_notification_url.clone())
            .ok_or(ControlError::NoUrl)?;
        let action = forged.action.clone().unwrap_or_else(|| format!("{topic}.updated"));
        let notification = webhooks::notification(&self.state, &forged.data_id, &topic, &action);
        let url = webhooks::target_url(&base, &forged.data_id, &topic);
        let signing = Signing {
            secret: forged.secret,
            signature: forged.signature,
            omit_signature: forged.omit_signature,
            request_id: forged.request_id,
            ts: forged.ts,
            signed_data_id: forged.signed_data_id,
        };
        let (attempt, body) = webhooks::send_once(&self.state, &url, &notification, 0, &signing).await;
        let result = ForgedResult { status: attempt.status, body, error: attempt.error.clone() };
        self.state.lock().deliveries.push(Delivery {
            notification,
            url,
            payment_id: forged.data_id.parse().ok(),
            forged: true,
            delivered: matches!(attempt.status, Some(200 | 201)),
            attempts: vec![attempt],
            finished: true,
        });
        Ok(result)
    }

    /// Replaces the access token; the old one gets 401 from now on. Returns the new token.
    pub fn rotate_access_token(&self) -> String {
        let token = format!("TEST-sandbox-{}", uuid::Uuid::new_v4().simple());
        self.state.lock().access_token.clone_from(&token);
        token
    }

    /// Forgets payments, tokens, faults, requests and deliveries; restores the configured
    /// access token and webhook switch.
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Whether the sandbox has been stopped.
    pub fn is_shut_down(&self) -> bool {
        self.state.shut_down.load(Ordering::Relaxed)
    }
}
