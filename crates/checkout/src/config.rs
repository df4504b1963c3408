//! Configuration from the environment. Read once per cold start; every error names the variable.
//!
//! | Variable | Used by | Default | Meaning |
//! |---|---|---|---|
//! | `MP_SECRET_ARN` | all | required | Secrets Manager secret (ARN or name) holding `{"access_token","webhook_secret"}` |
//! | `ORDERS_TABLE` | all | required | DynamoDB table of orders |
//! | `NOTIFICATION_URL` | process_payment | none | public URL of `/api/notifications`, sent as `notification_url` (without it, Mercado Pago uses the panel's webhook URL) |
//! | `ORDER_EVENTS_TOPIC_ARN` | notifications, payment_status | required there | SNS topic for "order paid" |
//! | `MP_API_BASE_URL` | all | `https://api.mercadopago.com` | Mercado Pago API (the sandbox locally) |
//! | `MP_CONNECT_TIMEOUT_MS` | all | `3000` | connect timeout per attempt |
//! | `MP_REQUEST_TIMEOUT_MS` | all | `8000` | request timeout per attempt |
//! | `MP_MAX_RETRIES` | all | `2` | retries on 429/5xx/network errors (same idempotency key) |
//! | `SECRETS_TTL_SECS` | all | `300` | how long the secret is cached |
//! | `WEBHOOK_TOLERANCE_SECS` | notifications | `600` | accepted age of a webhook's `ts` (0 disables the check) |
//! | `STATUS_REFRESH_AFTER_SECS` | payment_status | `5` | refresh a non-final order from Mercado Pago when last checked longer ago |
//! | `STATUS_RECHECK_PAID_AFTER_SECS` | payment_status | `60` | refresh a paid (`approved`, `in_mediation`) order when last checked longer ago, so a refund or chargeback made in Mercado Pago's panel reaches it by polling too (our choice: one Mercado Pago call per paid order per minute at most) |
//! | `CATALOG_BUCKET` | all | none (the built-in catalog) | bucket whose `catalog.json` is the catalog (the site bucket: the page reads the same object) |
//! | `CATALOG_TTL_SECS` | all | `60` | how long a fetched catalog is used before it is fetched again (0: every request) |
//! | `ALLOWED_ORIGIN` | all | none | an extra origin allowed by CORS (never `*`); same-origin needs none |
//! | `ORIGIN_VERIFY_SECRET_ARN` | all | none (no check) | Secrets Manager secret whose value CloudFront sends as `X-Origin-Verify`; requests without it are `403 forbidden` (`crate::origin`) |
//! | `THREE_D_SECURE_MODE` | process_payment | `optional` | `three_d_secure_mode` of new payments: `not_supported`, `optional` (the issuer may ask the buyer for a 3-D Secure challenge; Mercado Pago's recommendation) or `mandatory` |

use std::time::Duration;

/// A configuration problem, naming the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set (or empty).
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    /// A variable is set to something unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

/// Reads variables; [`Env::from_process`] for real use, [`Env::from_pairs`] in tests.
pub struct Env {
    /// `None`: the process environment.
    fixed: Option<std::collections::HashMap<String, String>>,
}

impl Env {
    /// The process environment.
    pub fn from_process() -> Self {
        Env { fixed: None }
    }

    /// A fixed set of variables.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Env { fixed: Some(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()) }
    }

    fn get(&self, name: &str) -> Option<String> {
        match &self.fixed {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// A required, non-empty variable.
    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    /// An optional variable (empty counts as unset).
    pub fn optional(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// An optional number with a default.
    pub fn number(&self, name: &'static str, default: u64) -> Result<u64, ConfigError> {
        match self.optional(name) {
            None => Ok(default),
            Some(v) => {
                v.parse().map_err(|_| ConfigError::Invalid { name, reason: format!("{v:?} is not a whole number") })
            }
        }
    }
}

/// Settings shared by the three functions. Function-specific ones are `Option`s, required by
/// [`Config::notification_url`] and [`Config::order_events_topic_arn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Secret id (ARN or name).
    pub mp_secret_arn: String,
    /// DynamoDB table.
    pub orders_table: String,
    /// Mercado Pago API base URL.
    pub mp_api_base_url: String,
    /// Connect timeout per attempt.
    pub mp_connect_timeout: Duration,
    /// Request timeout per attempt.
    pub mp_request_timeout: Duration,
    /// Retries after the first attempt.
    pub mp_max_retries: u32,
    /// Secret cache lifetime.
    pub secrets_ttl: Duration,
    /// Webhook `ts` tolerance; `None` disables the check.
    pub webhook_tolerance: Option<Duration>,
    /// Refresh non-final orders checked longer ago than this.
    pub status_refresh_after: Duration,
    /// Refresh paid orders checked longer ago than this.
    pub status_recheck_paid_after: Duration,
    /// `NOTIFICATION_URL`.
    pub notification_url: Option<String>,
    /// `ORDER_EVENTS_TOPIC_ARN`.
    pub order_events_topic_arn: Option<String>,
    /// `CATALOG_BUCKET`: the bucket holding `catalog.json`; `None`: the built-in catalog.
    pub catalog_bucket: Option<String>,
    /// `CATALOG_TTL_SECS`: how long a fetched catalog is used.
    pub catalog_ttl: Duration,
    /// `ALLOWED_ORIGIN`.
    pub allowed_origin: Option<String>,
    /// `ORIGIN_VERIFY_SECRET_ARN`: the secret CloudFront's origin header must carry; `None`: no
    /// check (unit tests).
    pub origin_verify_secret_arn: Option<String>,
    /// `THREE_D_SECURE_MODE`: sent as `three_d_secure_mode` on every new payment.
    pub three_d_secure_mode: mercadopago::ThreeDSecureMode,
}

/// Default webhook tolerance: 10 minutes. Mercado Pago documents no window
/// (docs/mercadopago.md#timestamp-and-tolerance). A replayed webhook cannot do harm here,
/// because the handler never trusts the body and re-reads the payment from the API, so the
/// window only needs to bound replays while leaving room for clock skew and for deliveries that
/// queue at Mercado Pago for a few minutes.
pub const DEFAULT_WEBHOOK_TOLERANCE: Duration = Duration::from_secs(600);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from(&Env::from_process())
    }

    /// Reads from `env`.
    pub fn from(env: &Env) -> Result<Config, ConfigError> {
        let mp_api_base_url =
            env.optional("MP_API_BASE_URL").unwrap_or_else(|| mercadopago::DEFAULT_BASE_URL.to_owned());
        url::Url::parse(&mp_api_base_url)
            .map_err(|e| ConfigError::Invalid { name: "MP_API_BASE_URL", reason: e.to_string() })?;
        let notification_url = env.optional("NOTIFICATION_URL");
        if let Some(u) = &notification_url {
            let parsed = url::Url::parse(u)
                .map_err(|e| ConfigError::Invalid { name: "NOTIFICATION_URL", reason: e.to_string() })?;
            if !matches!(parsed.scheme(), "http" | "https") || u.len() > 248 {
                return Err(ConfigError::Invalid {
                    name: "NOTIFICATION_URL",
                    reason: "must be an http(s) URL of at most 248 characters".into(),
                });
            }
        }
        let allowed_origin = env.optional("ALLOWED_ORIGIN");
        if allowed_origin.as_deref() == Some("*") {
            return Err(ConfigError::Invalid {
                name: "ALLOWED_ORIGIN",
                reason: "a wildcard origin is not allowed".into(),
            });
        }
        let tolerance = env.number("WEBHOOK_TOLERANCE_SECS", DEFAULT_WEBHOOK_TOLERANCE.as_secs())?;
        Ok(Config {
            mp_secret_arn: env.required("MP_SECRET_ARN")?,
            orders_table: env.required("ORDERS_TABLE")?,
            mp_api_base_url,
            mp_connect_timeout: Duration::from_millis(env.number("MP_CONNECT_TIMEOUT_MS", 3_000)?),
            mp_request_timeout: Duration::from_millis(env.number("MP_REQUEST_TIMEOUT_MS", 8_000)?),
            mp_max_retries: u32::try_from(env.number("MP_MAX_RETRIES", 2)?)
                .map_err(|_| ConfigError::Invalid { name: "MP_MAX_RETRIES", reason: "too large".into() })?,
            secrets_ttl: Duration::from_secs(env.number("SECRETS_TTL_SECS", 300)?),
            webhook_tolerance: (tolerance > 0).then(|| Duration::from_secs(tolerance)),
            status_refresh_after: Duration::from_secs(env.number("STATUS_REFRESH_AFTER_SECS", 5)?),
            status_recheck_paid_after: Duration::from_secs(env.number("STATUS_RECHECK_PAID_AFTER_SECS", 60)?),
            notification_url,
            order_events_topic_arn: env.optional("ORDER_EVENTS_TOPIC_ARN"),
            catalog_bucket: env.optional("CATALOG_BUCKET"),
            catalog_ttl: Duration::from_secs(env.number("CATALOG_TTL_SECS", crate::catalog::DEFAULT_TTL.as_secs())?),
            allowed_origin,
            origin_verify_secret_arn: env.optional("ORIGIN_VERIFY_SECRET_ARN"),
            three_d_secure_mode: match env.optional("THREE_D_SECURE_MODE") {
                None => mercadopago::ThreeDSecureMode::default(),
                Some(v) => v.parse().map_err(|reason| ConfigError::Invalid { name: "THREE_D_SECURE_MODE", reason })?,
            },
        })
    }

    /// `ORDER_EVENTS_TOPIC_ARN`, required where orders can become paid.
    pub fn order_events_topic_arn(&self) -> Result<&str, ConfigError> {
        self.order_events_topic_arn.as_deref().ok_or(ConfigError::Missing("ORDER_EVENTS_TOPIC_ARN"))
    }

    /// The Mercado Pago client settings this configuration asks for.
    pub fn mercadopago_client_config(&self) -> Result<mercadopago::ClientConfig, ConfigError> {
        let mut c = mercadopago::ClientConfig::with_base_url(&self.mp_api_base_url)
            .map_err(|e| ConfigError::Invalid { name: "MP_API_BASE_URL", reason: e.to_string() })?;
        c.connect_timeout = self.mp_connect_timeout;
        c.request_timeout = self.mp_request_timeout;
        c.retry.max_retries = self.mp_max_retries;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![("MP_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123:secret:mp"), ("ORDERS_TABLE", "orders")]
    }

    #[test]
    fn defaults_apply_when_only_the_required_variables_are_set() {
        let c = Config::from(&Env::from_pairs(&base())).expect("valid");
        assert_eq!(c.mp_api_base_url, "https://api.mercadopago.com");
        assert_eq!(c.webhook_tolerance, Some(DEFAULT_WEBHOOK_TOLERANCE));
        assert_eq!(c.secrets_ttl, Duration::from_secs(300));
        assert_eq!(c.notification_url, None);
        assert_eq!(c.catalog_bucket, None);
        assert_eq!(c.catalog_ttl, Duration::from_secs(60));
        assert_eq!(c.order_events_topic_arn(), Err(ConfigError::Missing("ORDER_EVENTS_TOPIC_ARN")));
        assert_eq!(c.three_d_secure_mode, mercadopago::ThreeDSecureMode::Optional);
    }

    #[test]
    fn the_3ds_mode_is_one_of_mercado_pagos_three() {
        for (text, mode) in [
            ("not_supported", mercadopago::ThreeDSecureMode::NotSupported),
            ("optional", mercadopago::ThreeDSecureMode::Optional),
            ("mandatory", mercadopago::ThreeDSecureMode::Mandatory),
        ] {
            let mut env = base();
            env.push(("THREE_D_SECURE_MODE", text));
            assert_eq!(Config::from(&Env::from_pairs(&env)).expect("valid").three_d_secure_mode, mode);
        }
        let mut env = base();
        env.push(("THREE_D_SECURE_MODE", "always"));
        assert!(matches!(
            Config::from(&Env::from_pairs(&env)),
            Err(ConfigError::Invalid { name: "THREE_D_SECURE_MODE", .. })
        ));
    }

    #[test]
    fn errors_name_the_variable() {
        let err = Config::from(&Env::from_pairs(&[("ORDERS_TABLE", "t")])).expect_err("missing");
        assert_eq!(err, ConfigError::Missing("MP_SECRET_ARN"));
        assert!(err.to_string().contains("MP_SECRET_ARN"));

        let mut env = base();
        env.push(("MP_REQUEST_TIMEOUT_MS", "soon"));
        let err = Config::from(&Env::from_pairs(&env)).expect_err("invalid");
        assert!(err.to_string().contains("MP_REQUEST_TIMEOUT_MS"), "{err}");

        let mut env = base();
        env.push(("ALLOWED_ORIGIN", "*"));
        assert!(matches!(
            Config::from(&Env::from_pairs(&env)),
            Err(ConfigError::Invalid { name: "ALLOWED_ORIGIN", .. })
        ));

        let mut env = base();
        env.push(("NOTIFICATION_URL", "ftp://example.com/x"));
        assert!(matches!(
            Config::from(&Env::from_pairs(&env)),
            Err(ConfigError::Invalid { name: "NOTIFICATION_URL", .. })
        ));
    }

    #[test]
    fn zero_tolerance_disables_the_timestamp_check() {
        let mut env = base();
        env.push(("WEBHOOK_TOLERANCE_SECS", "0"));
        assert_eq!(Config::from(&Env::from_pairs(&env)).expect("valid").webhook_tolerance, None);
    }
}
