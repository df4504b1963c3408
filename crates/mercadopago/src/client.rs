//! The HTTP client: timeouts, bounded retries that keep the idempotency key, and error mapping.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ApiErrorBody, Error};
use crate::types::{Payment, PaymentCreateRequest, Refund, RefundRequest, SearchRequest, SearchResponse};

/// Mercado Pago's API host (docs/mercadopago.md#api-basics; `BASE_URL` in
/// <https://github.com/mercadopago/sdk-nodejs/blob/master/src/utils/config/index.ts>).
pub const DEFAULT_BASE_URL: &str = "https://api.mercadopago.com";

/// The `X-Idempotency-Key` of one logical operation: 1–64 characters of `[A-Za-z0-9_-]`.
/// Mercado Pago suggests a UUID v4 (docs/mercadopago.md#x-idempotency-key). Retries of the same operation reuse it;
/// that is what makes a retried create return the first payment instead of charging again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

/// The text was not a usable idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an idempotency key is 1 to 64 characters of letters, digits, '-' or '_'")]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    /// Validates a key.
    pub fn new(key: impl Into<String>) -> Result<Self, InvalidIdempotencyKey> {
        let key = key.into();
        let ok =
            (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(IdempotencyKey(key)) } else { Err(InvalidIdempotencyKey) }
    }

    /// The key text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How failed calls are retried.
///
/// Retries happen on 429, 5xx and transport errors, always with the same idempotency key, with
/// exponential backoff and jitter (the `n`-th retry waits `d` to `2d`, chosen at random, where `d`
/// is `base_delay` doubled `n` times and capped at `max_delay`: `backon`'s `ExponentialBuilder`,
/// so many functions that saw the same 503 do not retry in lockstep) or the server's
/// `Retry-After` when it sent one. A `Retry-After` longer than `max_retry_after`, or a wait that
/// would end past `budget` (measured from the first attempt), stops retrying and returns the
/// error, so a caller with a deadline (API Gateway's 30 s) always gets an answer in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff delay.
    pub base_delay: Duration,
    /// Largest backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// Time after which no new attempt starts.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// 2 retries (3 attempts), 250 ms then 500 ms, `Retry-After` up to 5 s, 20 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
            budget: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..RetryPolicy::default() }
    }

    /// The backoff delays of one call, in order: at most `max_retries`, with jitter.
    fn delays(&self) -> backon::ExponentialBackoff {
        use backon::BackoffBuilder as _;
        backon::ExponentialBuilder::new()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(usize::try_from(self.max_retries).unwrap_or(usize::MAX))
            .with_jitter()
            .build()
    }
}

/// Client settings. `Default` targets the real API with conservative timeouts.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base URL (the sandbox's locally).
    pub base_url: Url,
    /// TCP + TLS connect timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout per attempt (default 8 s).
    pub request_timeout: Duration,
    /// Retries.
    pub retry: RetryPolicy,
    /// `User-Agent` sent.
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: Url::parse(DEFAULT_BASE_URL).unwrap_or_else(|_| unreachable!("constant URL parses")),
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(8),
            retry: RetryPolicy::default(),
            user_agent: concat!("mp-serverless-checkout/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl ClientConfig {
    /// Defaults with another base URL (e.g. `http://127.0.0.1:8181` for the sandbox).
    pub fn with_base_url(base_url: &str) -> Result<Self, Error> {
        let base_url = Url::parse(base_url).map_err(|e| Error::Config(format!("base URL {base_url:?}: {e}")))?;
        Ok(ClientConfig { base_url, ..ClientConfig::default() })
    }
}

/// Installs rustls' `ring` crypto provider for the process, if none is installed yet. Every TLS
/// client in this project (reqwest here, the AWS SDK's hyper client) uses it. Idempotent.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A Mercado Pago Payments API client. Cheap to clone (the connection pool is shared); build one
/// per process and reuse it. The access token is passed to each call, so a rotated token takes
/// effect without rebuilding the client.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    config: ClientConfig,
}

impl Client {
    /// Builds the client (no network I/O). TLS: rustls with `ring` and Mozilla's root
    /// certificates compiled in (`webpki-roots`), so a cold start reads and parses no
    /// certificate bundle (measured: about half of a function's init instructions).
    pub fn new(config: ClientConfig) -> Result<Client, Error> {
        install_crypto_provider();
        let tls =
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| Error::Config(format!("TLS: {e}")))?
                .with_root_certificates(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })
                .with_no_client_auth();
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(config.user_agent.clone())
            .default_headers(headers)
            .pool_idle_timeout(Duration::from_secs(50))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Client { http, config })
    }

    /// The settings it was built with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn url(&self, path: &str) -> Result<Url, Error> {
        self.config.base_url.join(path).map_err(|e| Error::Config(format!("URL for {path}: {e}")))
    }

    /// `POST /v1/payments` (docs/mercadopago.md#create-a-payment): creates a card payment, or,
    /// when `idempotency_key` was used before, returns the payment it created. A rejected card is `Ok` with
    /// `status == Rejected`; a 3-D Secure challenge is `Ok` with `status == Pending`,
    /// `status_detail` `pending_challenge` and [`Payment::three_ds_info`]. Retries per
    /// [`RetryPolicy`] with the same key. Same as [`Client::create_payment_with_device`] without
    /// a device id.
    ///
    /// # Errors
    /// [`Error::Api`] for validation (400, with cause codes), credentials (401) and state
    /// errors; [`Error::Transport`] when Mercado Pago could not be reached after the retries.
    pub async fn create_payment(
        &self,
        access_token: &SecretString,
        request: &PaymentCreateRequest,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Payment, Error> {
        self.create_payment_with_device(access_token, request, idempotency_key, None).await
    }

    /// [`Client::create_payment`] with the buyer's device id (`MP_DEVICE_SESSION_ID` from Mercado
    /// Pago's `security.js`), sent as the `X-meli-session-id` header for Mercado Pago's fraud
    /// prevention ("Implement the Device ID in your site",
    /// <https://www.mercadopago.com.br/developers/en/docs/checkout-api/how-tos/improve-payment-approval>).
    /// A device id that is not a valid header value is left out (it is only a risk signal).
    ///
    /// # Errors
    /// As [`Client::create_payment`].
    #[tracing::instrument(name = "mercadopago.create_payment", skip_all, fields(idempotency_key = %idempotency_key, device_id = meli_session_id.is_some()))]
    pub async fn create_payment_with_device(
        &self,
        access_token: &SecretString,
        request: &PaymentCreateRequest,
        idempotency_key: &IdempotencyKey,
        meli_session_id: Option<&str>,
    ) -> Result<Payment, Error> {
        let url = self.url("/v1/payments")?;
        let session = meli_session_id.and_then(|id| reqwest::header::HeaderValue::from_str(id).ok());
        let payment: Payment = self
            .send(|| {
                let builder = self
                    .http
                    .post(url.clone())
                    .header(AUTHORIZATION, bearer(access_token))
                    .header(CONTENT_TYPE, "application/json")
                    .header("X-Idempotency-Key", idempotency_key.as_str());
                match &session {
                    Some(id) => builder.header("X-meli-session-id", id.clone()),
                    None => builder,
                }
                .json(request)
            })
            .await?;
        tracing::info!(payment_id = payment.id, status = %payment.status, status_detail = %payment.status_detail, "payment created");
        Ok(payment)
    }

    /// `GET /v1/payments/{id}` (docs/mercadopago.md#get-a-payment). 404 (cause 2000) is an [`Error::Api`].
    #[tracing::instrument(name = "mercadopago.get_payment", skip_all, fields(payment_id = id))]
    pub async fn get_payment(&self, access_token: &SecretString, id: u64) -> Result<Payment, Error> {
        let url = self.url(&format!("/v1/payments/{id}"))?;
        self.send(|| self.http.get(url.clone()).header(AUTHORIZATION, bearer(access_token))).await
    }

    /// `GET /v1/payments/search` (docs/mercadopago.md#search-payments).
    #[tracing::instrument(name = "mercadopago.search_payments", skip_all)]
    pub async fn search_payments(
        &self,
        access_token: &SecretString,
        query: &SearchRequest,
    ) -> Result<SearchResponse<Payment>, Error> {
        let url = self.url("/v1/payments/search")?;
        self.send(|| self.http.get(url.clone()).query(query).header(AUTHORIZATION, bearer(access_token))).await
    }

    /// `POST /v1/payments/{id}/refunds` (docs/mercadopago.md#refunds): refunds `amount` of an
    /// approved payment, or all that is left of it when `amount` is `None`. Reusing
    /// `idempotency_key` returns the refund it made instead of refunding again, so a retry after
    /// a lost answer is safe; retries per [`RetryPolicy`] keep the key.
    ///
    /// Errors: [`Error::Api`] when Mercado Pago refuses (`2063` the payment's state or what is
    /// left does not allow it, `4040` the amount is not positive, `2000` no such payment).
    #[tracing::instrument(name = "mercadopago.refund_payment", skip_all, fields(payment_id = id, idempotency_key = %idempotency_key))]
    pub async fn refund_payment(
        &self,
        access_token: &SecretString,
        id: u64,
        amount: Option<rust_decimal::Decimal>,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Refund, Error> {
        let url = self.url(&format!("/v1/payments/{id}/refunds"))?;
        let body = RefundRequest { amount };
        let refund: Refund = self
            .send(|| {
                self.http
                    .post(url.clone())
                    .header(AUTHORIZATION, bearer(access_token))
                    .header(CONTENT_TYPE, "application/json")
                    .header("X-Idempotency-Key", idempotency_key.as_str())
                    .json(&body)
            })
            .await?;
        tracing::info!(payment_id = id, refund_id = refund.id, amount = %refund.amount, "refund made");
        Ok(refund)
    }

    /// `GET /v1/payments/{id}/refunds` (docs/mercadopago.md#refunds): the payment's refunds.
    #[tracing::instrument(name = "mercadopago.list_refunds", skip_all, fields(payment_id = id))]
    pub async fn list_refunds(&self, access_token: &SecretString, id: u64) -> Result<Vec<Refund>, Error> {
        let url = self.url(&format!("/v1/payments/{id}/refunds"))?;
        self.send(|| self.http.get(url.clone()).header(AUTHORIZATION, bearer(access_token))).await
    }

    /// `PUT /v1/payments/{id}` with `{"status": "cancelled"}` (docs/mercadopago.md#capture-and-cancel):
    /// cancels a `pending`, `in_process` or `authorized` payment and returns it
    /// (`cancelled`/`by_collector`). Cancelling is idempotent by nature, so retries need no key.
    ///
    /// Errors: [`Error::Api`] when the payment's state does not allow it (`3005`, or `2018` per
    /// the cancellation reference) or it does not exist (`2000`).
    #[tracing::instrument(name = "mercadopago.cancel_payment", skip_all, fields(payment_id = id))]
    pub async fn cancel_payment(&self, access_token: &SecretString, id: u64) -> Result<Payment, Error> {
        let url = self.url(&format!("/v1/payments/{id}"))?;
        let body = serde_json::json!({"status": "cancelled"});
        let payment: Payment = self
            .send(|| {
                self.http
                    .put(url.clone())
                    .header(AUTHORIZATION, bearer(access_token))
                    .header(CONTENT_TYPE, "application/json")
                    .json(&body)
            })
            .await?;
        tracing::info!(payment_id = payment.id, status = %payment.status, "payment cancelled");
        Ok(payment)
    }

    /// Sends with retries and decodes a success body as `T`.
    async fn send<T: DeserializeOwned>(&self, build: impl Fn() -> reqwest::RequestBuilder) -> Result<T, Error> {
        let policy = self.config.retry;
        let started = Instant::now();
        let mut delays = policy.delays();
        let mut retry = 0;
        loop {
            let error = match self.attempt(build()).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            // The backoff ends after `max_retries` delays.
            let Some(backoff) = delays.next().filter(|_| error.is_retryable()) else {
                return Err(error);
            };
            let delay = match error.retry_after() {
                Some(wait) if wait > policy.max_retry_after => return Err(error),
                Some(wait) => wait,
                None => backoff,
            };
            if started.elapsed() + delay >= policy.budget {
                return Err(error);
            }
            tracing::warn!(retry = retry + 1, status = ?error.status(), error = %error, delay_ms = delay.as_millis() as u64, "retrying Mercado Pago call");
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn attempt<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T, Error> {
        let response = request.send().await.map_err(|e| Error::from_reqwest(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let bytes = response.bytes().await.map_err(|e| Error::from_reqwest(&e))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map_err(|e| Error::Decode { status, message: e.to_string() });
        }
        let body = serde_json::from_slice::<ApiErrorBody>(&bytes).unwrap_or_else(|_| ApiErrorBody {
            message: format!("HTTP {status} without Mercado Pago's error body"),
            error: String::new(),
            status,
            cause: vec![],
        });
        Err(Error::Api { status, body, retry_after })
    }
}

fn bearer(token: &SecretString) -> HeaderValue {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .unwrap_or_else(|_| HeaderValue::from_static("Bearer invalid-token-characters"));
    value.set_sensitive(true);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_validated() {
        assert!(IdempotencyKey::new("0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert!(IdempotencyKey::new("").is_err());
        assert!(IdempotencyKey::new("a b").is_err());
        assert!(IdempotencyKey::new("x".repeat(65)).is_err());
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let p = RetryPolicy { max_retries: 5, ..RetryPolicy::default() };
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let delays: Vec<Duration> = p.delays().collect();
            assert_eq!(delays.len(), 5, "max_retries delays");
            for (delay, base) in delays.iter().zip([250u64, 500, 1000, 2000, 2000]) {
                let base = Duration::from_millis(base);
                assert!(*delay >= base && *delay < base * 2, "{delay:?} not in [{base:?}, 2×{base:?})");
            }
            seen.insert(delays.first().copied().unwrap_or_default());
        }
        assert!(seen.len() > 10, "jitter spreads the first retry: {seen:?}");
        assert_eq!(RetryPolicy::none().delays().count(), 0);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn idempotency_keys_accept_exactly_their_alphabet(key in any::<String>()) {
                let valid = (1..=64).contains(&key.len())
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                let parsed = IdempotencyKey::new(key.clone());
                prop_assert_eq!(parsed.is_ok(), valid);
                if let Ok(k) = parsed {
                    prop_assert_eq!(k.as_str(), key.as_str());
                }
            }

            #[test]
            fn uuids_are_keys(bytes in any::<[u8; 16]>()) {
                let key = uuid_text(bytes);
                prop_assert_eq!(IdempotencyKey::new(key.clone()).map(|k| k.as_str().to_owned()), Ok(key));
            }
        }

        fn uuid_text(b: [u8; 16]) -> String {
            let hex = hex::encode(b);
            [hex.get(..8), hex.get(8..12), hex.get(12..16), hex.get(16..20), hex.get(20..)]
                .map(Option::unwrap_or_default)
                .join("-")
        }
    }
}
