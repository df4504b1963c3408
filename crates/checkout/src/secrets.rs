//! The Mercado Pago credentials, from one Secrets Manager secret, cached.
//!
//! The secret's value is JSON: `{"access_token": "...", "webhook_secret": "..."}`. Functions get
//! its ARN in the environment, never its value. The value is fetched lazily on first use (nothing
//! on the network at cold start), cached for a TTL (default 5 minutes), and refetched at once
//! when Mercado Pago answers 401 (the merchant rotated the token): see [`SecretsCache::refresh`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use tokio::sync::Mutex;

/// The credentials.
#[derive(Clone)]
pub struct Secrets {
    /// Mercado Pago access token (backend credential).
    pub access_token: SecretString,
    /// Webhook signing secret ("secret signature" in Your integrations → Webhooks).
    pub webhook_secret: SecretString,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { <redacted> }")
    }
}

/// Why the credentials could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Secrets Manager failed or refused (not found, access denied, throttled, unreachable).
    #[error("could not read the secret from Secrets Manager: {0}")]
    Fetch(String),
    /// The value is not the expected JSON. The message never contains the value.
    #[error("the secret's value is not {{\"access_token\": ..., \"webhook_secret\": ...}}: {0}")]
    Format(&'static str),
}

/// Boxed future returned by [`SecretSource::fetch`].
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SecretsError>> + Send + 'a>>;

/// Where secret strings come from: Secrets Manager in production, a fake in unit tests.
pub trait SecretSource: Send + Sync {
    /// The current value (`SecretString`) of the secret `secret_id`.
    fn fetch<'a>(&'a self, secret_id: &'a str) -> FetchFuture<'a>;
}

impl SecretSource for aws_sdk_secretsmanager::Client {
    fn fetch<'a>(&'a self, secret_id: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let out =
                self.get_secret_value().secret_id(secret_id).send().await.map_err(|e| {
                    SecretsError::Fetch(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string())
                })?;
            out.secret_string.ok_or(SecretsError::Format("the secret has no string value"))
        })
    }
}

/// Parses the secret's JSON value.
pub fn parse_secrets(value: &str) -> Result<Secrets, SecretsError> {
    #[derive(serde::Deserialize)]
    struct Raw {
        access_token: Option<String>,
        webhook_secret: Option<String>,
    }
    let raw: Raw = serde_json::from_str(value).map_err(|_| SecretsError::Format("not a JSON object"))?;
    let access_token =
        raw.access_token.filter(|t| !t.trim().is_empty()).ok_or(SecretsError::Format("access_token is missing"))?;
    let webhook_secret =
        raw.webhook_secret.filter(|t| !t.trim().is_empty()).ok_or(SecretsError::Format("webhook_secret is missing"))?;
    Ok(Secrets { access_token: SecretString::from(access_token), webhook_secret: SecretString::from(webhook_secret) })
}

struct Cached {
    secrets: Arc<Secrets>,
    fetched_at: Instant,
}

/// A lazily filled, time-limited cache of [`Secrets`].
pub struct SecretsCache {
    source: Arc<dyn SecretSource>,
    secret_id: String,
    ttl: Duration,
    cached: Mutex<Option<Cached>>,
}

impl SecretsCache {
    /// A cache over `source` for `secret_id`, keeping values for `ttl`.
    pub fn new(source: Arc<dyn SecretSource>, secret_id: impl Into<String>, ttl: Duration) -> Self {
        SecretsCache { source, secret_id: secret_id.into(), ttl, cached: Mutex::new(None) }
    }

    /// The credentials, fetched if not cached or older than the TTL. Concurrent callers wait for
    /// one fetch.
    pub async fn get(&self) -> Result<Arc<Secrets>, SecretsError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| c.fetched_at.elapsed() < self.ttl) {
            return Ok(Arc::clone(&c.secrets));
        }
        self.fetch_into(&mut cached).await
    }

    /// Refetches now, because `refused` (a value [`SecretsCache::get`] returned) was refused by
    /// Mercado Pago. If another caller already replaced it, that newer value is returned without
    /// a fetch: many requests failing with 401 at once cause one fetch, not one each.
    pub async fn refresh(&self, refused: &Arc<Secrets>) -> Result<Arc<Secrets>, SecretsError> {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref().filter(|c| !Arc::ptr_eq(&c.secrets, refused)) {
            return Ok(Arc::clone(&c.secrets));
        }
        self.fetch_into(&mut cached).await
    }

    async fn fetch_into(&self, slot: &mut Option<Cached>) -> Result<Arc<Secrets>, SecretsError> {
        let value = self.source.fetch(&self.secret_id).await?;
        let secrets = Arc::new(parse_secrets(&value)?);
        tracing::info!("Mercado Pago credentials loaded from Secrets Manager");
        *slot = Some(Cached { secrets: Arc::clone(&secrets), fetched_at: Instant::now() });
        Ok(secrets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting {
        calls: AtomicUsize,
        values: std::sync::Mutex<Vec<String>>,
    }

    impl SecretSource for Counting {
        fn fetch<'a>(&'a self, _id: &'a str) -> FetchFuture<'a> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                let values = self.values.lock().map_err(|_| SecretsError::Fetch("poisoned".into()))?;
                values.last().cloned().ok_or(SecretsError::Fetch("no value".into()))
            })
        }
    }

    fn source(token: &str) -> Arc<Counting> {
        Arc::new(Counting {
            calls: AtomicUsize::new(0),
            values: std::sync::Mutex::new(vec![format!(r#"{{"access_token":"{token}","webhook_secret":"whsec"}}"#)]),
        })
    }

    #[tokio::test]
    async fn fetches_lazily_once_for_concurrent_callers() {
        let src = source("T1");
        let cache = Arc::new(SecretsCache::new(src.clone(), "id", Duration::from_secs(60)));
        assert_eq!(src.calls.load(Ordering::SeqCst), 0, "nothing fetched before first use");
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let c = Arc::clone(&cache);
                tokio::spawn(async move { c.get().await.map(|s| s.access_token.expose_secret().to_owned()) })
            })
            .collect();
        for h in handles {
            assert_eq!(h.await.expect("join").expect("secrets"), "T1");
        }
        assert_eq!(src.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn refetches_after_the_ttl_and_on_refresh() {
        let src = source("T1");
        let cache = SecretsCache::new(src.clone(), "id", Duration::from_millis(50));
        cache.get().await.expect("first");
        cache.get().await.expect("cached");
        assert_eq!(src.calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(60)).await;
        cache.get().await.expect("expired");
        assert_eq!(src.calls.load(Ordering::SeqCst), 2);

        // Rotation: the token changes. Two callers refused with the same value: the first
        // refetches, the second gets the new value without another fetch.
        src.values.lock().expect("lock").push(r#"{"access_token":"T2","webhook_secret":"whsec"}"#.into());
        let refused = cache.get().await.expect("cached");
        let fresh = cache.refresh(&refused).await.expect("refreshed");
        assert_eq!(fresh.access_token.expose_secret(), "T2");
        let again = cache.refresh(&refused).await.expect("already refreshed");
        assert!(Arc::ptr_eq(&fresh, &again));
        assert_eq!(src.calls.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn bad_values_are_refused_without_echoing_them() {
        let err = parse_secrets(r#"{"access_token":"APP_USR-secret-value"}"#).expect_err("no webhook secret");
        assert!(!err.to_string().contains("APP_USR-secret-value"));
        assert!(err.to_string().contains("webhook_secret"));
        assert!(parse_secrets("APP_USR-plain-token").is_err());
        assert!(parse_secrets(r#"{"access_token":" ","webhook_secret":"x"}"#).is_err());
        let ok = parse_secrets(r#"{"access_token":"A","webhook_secret":"B"}"#).expect("valid");
        assert_eq!(format!("{ok:?}"), "Secrets { <redacted> }");
    }
}
