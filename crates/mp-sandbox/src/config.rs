//! Sandbox settings: credentials, site, webhook delivery and token lifetime.

use std::fmt;
use std::time::Duration;

use crate::site::SiteId;

/// Unit of the `ts` part of `x-signature`. Mercado Pago's docs say milliseconds while its payment
/// example and the official SDK validators use seconds
/// (docs/mercadopago.md#timestamp-and-tolerance), so both exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsUnit {
    /// Unix seconds (the payments example, `ts=1704908010`).
    #[default]
    Seconds,
    /// Unix milliseconds (the Orders capture, `ts=1742505638683`).
    Milliseconds,
}

impl std::str::FromStr for TsUnit {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "s" | "seconds" => Ok(TsUnit::Seconds),
            "ms" | "milliseconds" => Ok(TsUnit::Milliseconds),
            other => Err(format!("unknown ts unit {other:?}: expected s or ms")),
        }
    }
}

/// How webhooks are retried until the receiver answers 200 or 201.
///
/// Mercado Pago waits 22 s for an answer and retries every 15 minutes, then less often
/// (docs/mercadopago.md#answer-and-retries); the sandbox keeps the shape (exponential backoff,
/// bounded) with configurable timings so tests stay fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookRetry {
    /// Delay before the first retry; doubles each time.
    pub initial_delay: Duration,
    /// Largest delay between attempts.
    pub max_delay: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// How long one attempt waits for the receiver (Mercado Pago: 22 s).
    pub timeout: Duration,
}

impl Default for WebhookRetry {
    fn default() -> Self {
        WebhookRetry {
            initial_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(300),
            max_attempts: 6,
            timeout: Duration::from_secs(22),
        }
    }
}

/// Everything a sandbox instance needs. `Default` gives the local development values; tests
/// usually start from [`SandboxConfig::for_tests`].
#[derive(Clone)]
pub struct SandboxConfig {
    /// The access token `Authorization: Bearer` must carry.
    pub access_token: String,
    /// The public key MercadoPago.js sends as `public_key`.
    pub public_key: String,
    /// The secret webhooks are signed with.
    pub webhook_secret: String,
    /// The credentials' site: decides currency, documents and payment methods.
    pub site: SiteId,
    /// The seller's user id (`collector_id`, notification `user_id`).
    pub user_id: u64,
    /// Where webhooks go when a payment has no `notification_url`.
    pub default_notification_url: Option<String>,
    /// False to send no webhooks at all, as payments made with test credentials behave.
    pub webhooks_enabled: bool,
    /// Webhook retry timings.
    pub webhook_retry: WebhookRetry,
    /// Unit of `ts` in `x-signature`.
    pub webhook_ts_unit: TsUnit,
    /// How long a card token can be used (Mercado Pago: 7 days, docs/mercadopago.md#card-tokens).
    pub card_token_ttl: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            access_token: "TEST-sandbox-access-token".into(),
            public_key: "TEST-sandbox-public-key".into(),
            webhook_secret: "sandbox-webhook-secret".into(),
            site: SiteId::Mla,
            user_id: 1_160_535_239,
            default_notification_url: None,
            webhooks_enabled: true,
            webhook_retry: WebhookRetry::default(),
            webhook_ts_unit: TsUnit::Seconds,
            card_token_ttl: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl SandboxConfig {
    /// Defaults with webhook retries in milliseconds instead of minutes.
    pub fn for_tests() -> Self {
        SandboxConfig {
            webhook_retry: WebhookRetry {
                initial_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(200),
                max_attempts: 5,
                timeout: Duration::from_secs(5),
            },
            ..SandboxConfig::default()
        }
    }
}

fn redact(s: &str) -> String {
    let tail: String = s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("***{tail}")
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("access_token", &redact(&self.access_token))
            .field("public_key", &self.public_key)
            .field("webhook_secret", &"***")
            .field("site", &self.site)
            .field("user_id", &self.user_id)
            .field("default_notification_url", &self.default_notification_url)
            .field("webhooks_enabled", &self.webhooks_enabled)
            .field("webhook_retry", &self.webhook_retry)
            .field("webhook_ts_unit", &self.webhook_ts_unit)
            .field("card_token_ttl", &self.card_token_ttl)
            .finish()
    }
}

/// Redacts a secret for logs: `***` plus its last four characters.
pub(crate) fn redact_secret(s: &str) -> String {
    redact(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secrets() {
        let cfg = SandboxConfig {
            access_token: "TEST-very-secret-token-9f3a".into(),
            webhook_secret: "whsec-also-secret".into(),
            ..SandboxConfig::default()
        };
        let text = format!("{cfg:?}");
        assert!(!text.contains("very-secret"), "{text}");
        assert!(!text.contains("whsec"), "{text}");
        assert!(text.contains("***9f3a"), "{text}");
    }
}
