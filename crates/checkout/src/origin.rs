//! Requests must come through CloudFront: the HTTP API's own `execute-api` URL is public, and a
//! caller using it would skip CloudFront's security headers, caching and any WAF. CloudFront adds
//! the header [`HEADER`] (an origin custom header) with the value of a generated Secrets Manager
//! secret (`OriginVerifySecret` in the template, `ORIGIN_VERIFY_SECRET_ARN` here); every function
//! refuses a request without that exact value (`403 forbidden`, `checkout::http::api_router`).
//! The local edge adds it the same way.
//!
//! The value is fetched lazily, cached for the secrets TTL, and compared in constant time. When
//! the secret is rotated (new value, then a deploy so CloudFront sends it), a request with a
//! value that does not match makes one refetch, at most once per [`REFETCH_AFTER`]: the new
//! value is accepted within a minute, and a flood of forged requests costs at most one Secrets
//! Manager call per minute per execution environment.

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;

use crate::secrets::{SecretSource, SecretsError};

/// The header CloudFront adds to every request it sends to the API.
pub const HEADER: &str = "x-origin-verify";

/// Least age of the cached value before a mismatch refetches it (our choice: a rotated value
/// is taken within a minute; forged requests cannot make more calls than that).
pub const REFETCH_AFTER: Duration = Duration::from_secs(60);

struct Cached {
    value: SecretString,
    fetched_at: Instant,
}

/// Checks the [`HEADER`] of requests against the secret. Built once per cold start.
pub struct OriginVerifier {
    source: Arc<dyn SecretSource>,
    secret_id: String,
    ttl: Duration,
    cached: Mutex<Option<Cached>>,
}

impl OriginVerifier {
    /// A verifier for the secret `secret_id` (ARN or name) of `source`, caching its value for
    /// `ttl`.
    pub fn new(source: Arc<dyn SecretSource>, secret_id: impl Into<String>, ttl: Duration) -> Self {
        OriginVerifier { source, secret_id: secret_id.into(), ttl, cached: Mutex::new(None) }
    }

    /// Whether `provided` (the request's [`HEADER`], if any) is the secret's value.
    ///
    /// # Errors
    /// [`SecretsError`] when the secret cannot be read (the request is then answered `503`).
    pub async fn verify(&self, provided: Option<&str>) -> Result<bool, SecretsError> {
        let mut cached = self.cached.lock().await;
        let fresh = cached.as_ref().is_some_and(|c| c.fetched_at.elapsed() < self.ttl);
        if !fresh {
            *cached = Some(self.fetch().await?);
        }
        let matches = |c: &Option<Cached>| {
            let expected = c.as_ref().map_or(&[][..], |c| c.value.expose_secret().as_bytes());
            let provided = provided.unwrap_or_default().as_bytes();
            !expected.is_empty() && expected.len() == provided.len() && bool::from(expected.ct_eq(provided))
        };
        if matches(&cached) {
            return Ok(true);
        }
        if provided.is_some() && cached.as_ref().is_some_and(|c| c.fetched_at.elapsed() >= REFETCH_AFTER) {
            *cached = Some(self.fetch().await?);
            return Ok(matches(&cached));
        }
        Ok(false)
    }

    async fn fetch(&self) -> Result<Cached, SecretsError> {
        let value = self.source.fetch(&self.secret_id).await?;
        let value = value.trim();
        if value.is_empty() {
            return Err(SecretsError::Format("the origin secret is empty"));
        }
        Ok(Cached { value: SecretString::from(value.to_owned()), fetched_at: Instant::now() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::FetchFuture;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Fake {
        value: std::sync::Mutex<String>,
        fetches: AtomicUsize,
    }

    impl SecretSource for Fake {
        fn fetch<'a>(&'a self, _secret_id: &'a str) -> FetchFuture<'a> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            let value = self.value.lock().map(|v| v.clone()).unwrap_or_default();
            Box::pin(async move { Ok(value) })
        }
    }

    fn fake(value: &str) -> Arc<Fake> {
        Arc::new(Fake { value: std::sync::Mutex::new(value.into()), fetches: AtomicUsize::new(0) })
    }

    #[tokio::test]
    async fn only_the_secrets_exact_value_passes_and_it_is_fetched_once() {
        let source = fake("s3cr3t-value");
        let verifier = OriginVerifier::new(source.clone(), "arn", Duration::from_secs(300));
        assert!(verifier.verify(Some("s3cr3t-value")).await.expect("verified"));
        for bad in [None, Some(""), Some("s3cr3t-valu"), Some("s3cr3t-value "), Some("S3CR3T-VALUE")] {
            assert!(!verifier.verify(bad).await.expect("checked"), "{bad:?}");
        }
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1, "mismatches within a minute do not refetch");
    }

    #[tokio::test]
    async fn an_empty_secret_is_an_error_not_an_open_door() {
        let verifier = OriginVerifier::new(fake("  "), "arn", Duration::from_secs(300));
        assert!(verifier.verify(Some("")).await.is_err());
        assert!(verifier.verify(None).await.is_err());
    }

    #[tokio::test]
    async fn a_rotated_value_is_taken_once_the_cache_expires() {
        let source = fake("old");
        let verifier = OriginVerifier::new(source.clone(), "arn", Duration::ZERO);
        assert!(verifier.verify(Some("old")).await.expect("old"));
        *source.value.lock().expect("lock") = "new".into();
        assert!(verifier.verify(Some("new")).await.expect("new"));
        assert!(!verifier.verify(Some("old")).await.expect("old refused"));
    }
}
