//! Sandbox settings: credentials, site, webhook delivery and token lifetime.

use std::fmt;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::site::SiteId;

/// Default [`SandboxConfig::challenge_expiry`]: 300 s.
pub const DEFAULT_CHALLENGE_EXPIRY: Duration = Duration::from_secs(300);
/// Default [`SandboxConfig::high_risk_amount`]: 5000 in the site's currency.
pub const DEFAULT_HIGH_RISK_AMOUNT: Decimal = Decimal::from_parts(5000, 0, 0, false, 0);

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
    /// False to send no webhooks at all, as when no webhook URL is configured in Mercado Pago.
    pub webhooks_enabled: bool,
    /// Webhook retry timings.
    pub webhook_retry: WebhookRetry,
    /// Unit of `ts` in `x-signature`.
    pub webhook_ts_unit: TsUnit,
    /// How long a card token can be used (Mercado Pago: 7 days, docs/mercadopago.md#card-tokens).
    pub card_token_ttl: Duration,
    /// Origin of the 3-D Secure ACS stand-in (`http://localhost:8181`, no trailing slash); the
    /// challenge URL is `<acs_url>/acs/challenge`. `None` (the default) derives it from the
    /// address the sandbox listens on, with host `localhost` instead of `127.0.0.1`, so the ACS
    /// page is on another origin than the sandbox, as an issuer's ACS is (our choice).
    pub acs_url: Option<String>,
    /// How long a 3-D Secure challenge stays `pending/pending_challenge` before it becomes
    /// `cancelled/expired` (default 300 s: Mercado Pago gives the buyer "about 5 minutes",
    /// <https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>;
    /// cancelling at that point instead of after 24 h is our choice).
    pub challenge_expiry: Duration,
    /// Risk rule (our choice, not Mercado Pago's): a card payment created without the
    /// `X-meli-session-id` header whose `transaction_amount` is at least this much (in the site's
    /// currency) is `rejected/cc_rejected_high_risk`. `None` switches the rule off. Default 5000.
    pub high_risk_amount: Option<Decimal>,
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
            acs_url: None,
            challenge_expiry: DEFAULT_CHALLENGE_EXPIRY,
            high_risk_amount: Some(DEFAULT_HIGH_RISK_AMOUNT),
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
            .field("acs_url", &self.acs_url)
            .field("challenge_expiry", &self.challenge_expiry)
            .field("high_risk_amount", &self.high_risk_amount)
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
