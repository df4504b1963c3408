//! The catalog at run time: the object `catalog.json` in the site bucket, the very file
//! CloudFront serves the page as `/catalog.json`, read by the functions with a signed S3
//! `GetObject` ([`S3Catalog`]) and kept in memory for a short time ([`CatalogCache`]).
//!
//! - **One source.** `make catalog` (and `make deploy`) validate the repository's `catalog.json`
//!   and put it in the bucket; the page and the functions read that one object, so a price
//!   change needs no build and no deploy of code.
//! - **Fresh within `CATALOG_TTL_SECS`** (default 60 s, [`DEFAULT_TTL`]). Each execution
//!   environment fetches the object on its first request that needs the catalog (nothing on the
//!   network at cold start), then at most once per TTL, on the first request after it ran out.
//!   A fetch that returns the same text keeps the parsed catalog (no re-parse, no log).
//! - **Validated like the repository's file**: [`Catalog::from_json`], the rules `make catalog`
//!   runs before it publishes (`crates/domain/src/bin/catalog-check.rs`).
//! - **The last good catalog is kept** when a refresh fails (S3 unreachable, access denied, no
//!   object) or the new object is invalid: logged (`warn`/`error`) and tried again after the TTL.
//!   With no good catalog yet (a cold start), [`CatalogCache::current`] fails and the caller
//!   answers 503: prices are never guessed, and the built-in catalog is not used when a bucket is
//!   configured.
//! - **The built-in catalog** (`domain::catalog::BUILT_IN`, the repository's file at build time)
//!   is used only when no bucket is configured (`CATALOG_BUCKET` unset: unit tests; the
//!   integration tests and the fuzz harness read a bucket in moto, as deployed).
//! - **The fetch never holds a request long**: [`FETCH_TIMEOUT`] (3 s), after which it counts as
//!   failed.
//!
//! Orders keep the lines and unit prices they were created with (`domain::order::NewOrder`):
//! the catalog prices new orders only; nothing here re-prices a stored one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use domain::catalog::{Catalog, CatalogError};
use domain::ports::BoxError;

use crate::config::ConfigError;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// The object's key in the site bucket: the page reads it as `/catalog.json`.
pub const CATALOG_KEY: &str = "catalog.json";

/// Default `CATALOG_TTL_SECS`: how long a fetched catalog is used before the next fetch.
/// Our choice: a minute bounds how long a published price change waits, and costs each warm
/// execution environment at most one S3 GET a minute.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// How long one fetch may take before it counts as failed (the last good catalog is then used).
/// An S3 GET of a few kilobytes takes tens of milliseconds; a payment never waits longer than
/// this for the catalog.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// The largest catalog object accepted (a catalog of a few hundred products is well under it).
pub const MAX_CATALOG_BYTES: usize = 1024 * 1024;

/// Why no catalog could be had.
#[derive(Debug, thiserror::Error)]
pub enum CatalogUnavailable {
    /// The object could not be read (and there is no earlier catalog to keep using).
    #[error("could not read the catalog from {location}: {source}")]
    Fetch {
        /// `s3://bucket/catalog.json`.
        location: String,
        /// Why.
        #[source]
        source: BoxError,
    },
    /// The object is not a valid catalog (and there is no earlier catalog to keep using).
    #[error("the catalog at {location} was refused: {source}")]
    Invalid {
        /// `s3://bucket/catalog.json`.
        location: String,
        /// What is wrong with it.
        #[source]
        source: CatalogError,
    },
}

/// Boxed future returned by [`CatalogSource::fetch`].
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + 'a>>;

/// Where the catalog's text comes from: the site bucket in production, a fake in unit tests.
pub trait CatalogSource: Send + Sync {
    /// The current text of the catalog.
    fn fetch(&self) -> FetchFuture<'_>;
    /// Where it is, for logs and errors (`s3://bucket/catalog.json`).
    fn location(&self) -> &str;
}

/// `catalog.json` in an S3 bucket, read (and, for the local stack and the tests, written) with
/// plain HTTPS requests signed with SigV4 by the AWS SDK's own signer (`aws-sigv4`), with the
/// credentials, region and endpoint of the functions' SDK configuration.
///
/// Why not the S3 SDK (`aws-sdk-s3`): for this one `GetObject` it adds about 0.2 MB to each
/// zipped function, which takes them over the 3 MB package target (README, "Performance"), and
/// 13 crates (checksums, an LRU, event streams) to every build. The request is S3's documented
/// `GET /<key>` on the bucket's regional virtual-hosted endpoint, signed as S3 requires
/// (`x-amz-content-sha256`, no URI normalisation or double encoding, the session token signed);
/// the unit tests check the signature against AWS's published example and botocore's.
pub struct S3Catalog {
    http: reqwest::Client,
    credentials: aws_credential_types::provider::SharedCredentialsProvider,
    region: String,
    /// `https://<bucket>.s3.<region>.amazonaws.com` (or `<endpoint>/<bucket>` locally).
    bucket_url: String,
    location: String,
}

impl std::fmt::Debug for S3Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Catalog").field("location", &self.location).field("region", &self.region).finish()
    }
}

/// The URL of `bucket` in `region`: S3's regional virtual-hosted endpoint
/// (`https://<bucket>.s3.<region>.amazonaws.com`, `.amazonaws.com.cn` in China), path style for
/// a bucket name with dots (a `<bucket>.` subdomain with dots does not match S3's certificate),
/// and `<endpoint>/<bucket>` under an endpoint override (the local moto server,
/// `AWS_ENDPOINT_URL`).
fn bucket_url(endpoint: Option<&str>, region: &str, bucket: &str) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    match endpoint {
        Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
        None if bucket.contains('.') => format!("https://s3.{region}.{suffix}/{bucket}"),
        None => format!("https://{bucket}.s3.{region}.{suffix}"),
    }
}

/// The headers that sign an S3 request: `x-amz-date`, `x-amz-content-sha256`, the session token
/// if any, and `authorization` (SigV4, service `s3`). `headers` are the request's other headers
/// that are signed (none for ours; the tests sign AWS's example with its `range`).
fn sign(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    credentials: aws_credential_types::Credentials,
    region: &str,
    time: std::time::SystemTime,
) -> Result<Vec<(String, String)>, BoxError> {
    use aws_sigv4::http_request::{
        PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
        UriPathNormalizationMode,
    };
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let identity: aws_smithy_runtime_api::client::identity::Identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(time)
        .settings(settings)
        .build()?
        .into();
    let signable = SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body))?;
    let (instructions, _signature) = aws_sigv4::http_request::sign(signable, &params)?.into_parts();
    let (added, _query) = instructions.into_parts();
    Ok(added.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect())
}

impl S3Catalog {
    /// The object [`CATALOG_KEY`] in `bucket`, with the region, credentials and endpoint of
    /// `sdk`. No network I/O.
    ///
    /// # Errors
    /// No region (`AWS_REGION`), no credentials provider, or the HTTP client cannot be built.
    pub fn new(sdk: &aws_config::SdkConfig, bucket: &str) -> Result<S3Catalog, ConfigError> {
        let region = sdk.region().map(ToString::to_string).ok_or(ConfigError::Missing("AWS_REGION"))?;
        let invalid = |reason: String| ConfigError::Invalid { name: "CATALOG_BUCKET", reason };
        if bucket.is_empty()
            || !bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-".contains(&b))
        {
            return Err(invalid(format!("{bucket:?} is not an S3 bucket name")));
        }
        let credentials = sdk.credentials_provider().ok_or_else(|| invalid("no AWS credentials provider".into()))?;
        mercadopago::install_crypto_provider();
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(format!("TLS: {e}")))?
            .with_root_certificates(rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() })
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(FETCH_TIMEOUT)
            .timeout(FETCH_TIMEOUT)
            // One read a TTL: a pooled connection would be stale by the next one (S3 closes idle
            // connections within seconds, and Lambda freezes between requests).
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| invalid(format!("HTTP client: {e}")))?;
        let bucket_url = bucket_url(sdk.endpoint_url(), &region, bucket);
        let location = format!("s3://{bucket}/{CATALOG_KEY}");
        Ok(S3Catalog { http, credentials, region, bucket_url, location })
    }

    fn object_url(&self) -> String {
        format!("{}/{CATALOG_KEY}", self.bucket_url)
    }

    /// Sends a signed request; `Err` for a failure or an answer other than 2xx (with S3's error
    /// code and message).
    async fn send(
        &self,
        method: http::Method,
        url: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> Result<reqwest::Response, BoxError> {
        use aws_credential_types::provider::ProvideCredentials;
        let credentials = self.credentials.provide_credentials().await?;
        let signed = sign(method.as_str(), url, &[], &body, credentials, &self.region, std::time::SystemTime::now())?;
        let mut request = self.http.request(method, url);
        for (name, value) in signed {
            request = request.header(name, value);
        }
        if let Some(content_type) = content_type {
            request = request.header(http::header::CONTENT_TYPE, content_type);
        }
        let response = request.body(body).send().await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let field = |name: &str| {
            text.split(&format!("<{name}>"))
                .nth(1)
                .and_then(|rest| rest.split(&format!("</{name}>")).next())
                .map(str::to_owned)
        };
        let code = field("Code").unwrap_or_else(|| "no error code".into());
        let message = field("Message").unwrap_or_default();
        Err(format!("S3 answered {status} {code}: {message}").trim_end_matches([' ', ':']).to_owned().into())
    }

    /// The object's text (at most [`MAX_CATALOG_BYTES`]).
    ///
    /// # Errors
    /// S3's refusal (`NoSuchKey`, `AccessDenied`...), the network's, or an object too large or
    /// not UTF-8.
    pub async fn get(&self) -> Result<String, BoxError> {
        let mut response = self.send(http::Method::GET, &self.object_url(), Vec::new(), None).await?;
        let declared = response.content_length().and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        if declared > MAX_CATALOG_BYTES {
            return Err(format!("the object has {declared} bytes, more than {MAX_CATALOG_BYTES}").into());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_CATALOG_BYTES {
                return Err(format!("the object has more than {MAX_CATALOG_BYTES} bytes").into());
            }
        }
        String::from_utf8(bytes).map_err(|_| "the object is not UTF-8 text".into())
    }

    /// Puts `text` as the catalog, served as `application/json; charset=utf-8` (as
    /// `make catalog` publishes it).
    ///
    /// # Errors
    /// S3's refusal or the network's.
    pub async fn put(&self, text: &str) -> Result<(), BoxError> {
        let content_type = Some("application/json; charset=utf-8");
        self.send(http::Method::PUT, &self.object_url(), text.as_bytes().to_vec(), content_type).await?;
        Ok(())
    }

    /// Deletes the catalog (tests).
    ///
    /// # Errors
    /// S3's refusal or the network's.
    pub async fn delete(&self) -> Result<(), BoxError> {
        self.send(http::Method::DELETE, &self.object_url(), Vec::new(), None).await?;
        Ok(())
    }

    /// Creates the bucket if it does not exist. For the local stack and the tests (moto, region
    /// `us-east-1`): on AWS the stack creates it.
    ///
    /// # Errors
    /// S3's refusal or the network's.
    pub async fn create_bucket(&self) -> Result<(), BoxError> {
        match self.send(http::Method::PUT, &self.bucket_url, Vec::new(), None).await {
            Err(e) if e.to_string().contains("BucketAlreadyOwnedByYou") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

impl CatalogSource for S3Catalog {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(self.get())
    }

    fn location(&self) -> &str {
        &self.location
    }
}

/// Creates `bucket` (if it does not exist) and puts `text` in it as the catalog. For the local
/// stack and the tests (moto); on AWS, `make catalog` publishes it
/// (`infra/publish_site.py catalog`).
///
/// # Errors
/// The S3 failure.
pub async fn publish_local(sdk: &aws_config::SdkConfig, bucket: &str, text: &str) -> Result<(), BoxError> {
    let object = S3Catalog::new(sdk, bucket)?;
    object.create_bucket().await?;
    object.put(text).await
}

/// The last catalog fetched, and when.
struct Loaded {
    catalog: Arc<Catalog>,
    /// The text it was parsed from: a fetch that returns the same text changes nothing.
    text: String,
    /// When the source was last asked (successfully or not).
    checked_at: Instant,
}

enum Inner {
    Fixed(Arc<Catalog>),
    Live { source: Box<dyn CatalogSource>, ttl: Duration, loaded: Mutex<Option<Loaded>> },
}

/// The catalog as the functions use it: fixed (no bucket configured), or fetched from its
/// source and cached for a TTL, keeping the last good one when a refresh fails. One per
/// execution environment ([`crate::services::Services`]), shared by its requests.
pub struct CatalogCache {
    inner: Inner,
}

impl std::fmt::Debug for CatalogCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Fixed(_) => f.write_str("CatalogCache(built-in)"),
            Inner::Live { source, ttl, .. } => {
                f.debug_struct("CatalogCache").field("location", &source.location()).field("ttl", ttl).finish()
            }
        }
    }
}

impl CatalogCache {
    /// Always `catalog` (no bucket configured).
    pub fn fixed(catalog: Catalog) -> Self {
        CatalogCache { inner: Inner::Fixed(Arc::new(catalog)) }
    }

    /// Fetched from `source` on first use, then again when older than `ttl` (`0`: every use).
    pub fn live(source: impl CatalogSource + 'static, ttl: Duration) -> Self {
        CatalogCache { inner: Inner::Live { source: Box::new(source), ttl, loaded: Mutex::new(None) } }
    }

    /// The catalog to price and describe this request with: the cached one while it is younger
    /// than the TTL, else a fresh fetch (or, if that fails, the last good one). Concurrent
    /// callers wait for one fetch.
    ///
    /// # Errors
    /// [`CatalogUnavailable`] only when no catalog has been fetched yet and this fetch failed.
    pub async fn current(&self) -> Result<Arc<Catalog>, CatalogUnavailable> {
        match &self.inner {
            Inner::Fixed(catalog) => Ok(Arc::clone(catalog)),
            Inner::Live { source, ttl, loaded } => {
                let mut loaded = loaded.lock().await;
                match loaded.as_ref() {
                    Some(l) if l.checked_at.elapsed() < *ttl => Ok(Arc::clone(&l.catalog)),
                    _ => refresh(source.as_ref(), &mut loaded).await,
                }
            }
        }
    }

    /// Like [`CatalogCache::current`], but fetches again if the catalog was last checked at
    /// least `min_age` ago, however young the TTL says it is. For a request that disagrees with
    /// the cached catalog (a total the buyer saw that is not ours): the page may show a catalog
    /// published after ours was fetched. `min_age` bounds the fetches such requests can cause.
    ///
    /// # Errors
    /// As [`CatalogCache::current`].
    pub async fn recheck(&self, min_age: Duration) -> Result<Arc<Catalog>, CatalogUnavailable> {
        match &self.inner {
            Inner::Fixed(catalog) => Ok(Arc::clone(catalog)),
            Inner::Live { source, loaded, .. } => {
                let mut loaded = loaded.lock().await;
                match loaded.as_ref() {
                    Some(l) if l.checked_at.elapsed() < min_age => Ok(Arc::clone(&l.catalog)),
                    _ => refresh(source.as_ref(), &mut loaded).await,
                }
            }
        }
    }
}

/// Fetches, validates and caches the catalog; on failure keeps (and returns) the last good one.
async fn refresh(source: &dyn CatalogSource, slot: &mut Option<Loaded>) -> Result<Arc<Catalog>, CatalogUnavailable> {
    let location = source.location();
    let fetched = match tokio::time::timeout(FETCH_TIMEOUT, source.fetch()).await {
        Ok(result) => result,
        Err(_) => Err(format!("no answer within {} s", FETCH_TIMEOUT.as_secs()).into()),
    };
    let failure = match fetched {
        Ok(text) => {
            if let Some(l) = slot.as_mut().filter(|l| l.text == text) {
                l.checked_at = Instant::now();
                return Ok(Arc::clone(&l.catalog));
            }
            match Catalog::from_json(&text) {
                Ok(catalog) => {
                    let catalog = Arc::new(catalog);
                    let products = catalog.products.len();
                    if slot.is_some() {
                        tracing::info!(location, products, "catalog changed: new orders use it");
                    } else {
                        tracing::info!(location, products, "catalog loaded");
                    }
                    *slot = Some(Loaded { catalog: Arc::clone(&catalog), text, checked_at: Instant::now() });
                    return Ok(catalog);
                }
                Err(error) => CatalogUnavailable::Invalid { location: location.to_owned(), source: error },
            }
        }
        Err(error) => CatalogUnavailable::Fetch { location: location.to_owned(), source: error },
    };
    match slot.as_mut() {
        Some(l) => {
            let age_secs = l.checked_at.elapsed().as_secs();
            match &failure {
                CatalogUnavailable::Invalid { .. } => {
                    tracing::error!(error = %failure, age_secs, "catalog refused; keeping the last good one")
                }
                CatalogUnavailable::Fetch { .. } => {
                    tracing::warn!(error = %failure, age_secs, "catalog not refreshed; keeping the last good one")
                }
            }
            // Try again after another TTL, not on every request.
            l.checked_at = Instant::now();
            Ok(Arc::clone(&l.catalog))
        }
        None => {
            tracing::error!(error = %failure, "no catalog: requests that need prices answer 503 until it can be read");
            Err(failure)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A source whose text the test sets, counting fetches; `None` fails the fetch.
    struct Fake {
        text: std::sync::Mutex<Option<String>>,
        fetches: Arc<AtomicUsize>,
        delay: Duration,
    }

    impl CatalogSource for Arc<Fake> {
        fn fetch(&self) -> FetchFuture<'_> {
            Box::pin(async move {
                self.fetches.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                let text = self.text.lock().map_err(|_| "poisoned")?.clone();
                text.ok_or_else(|| "AccessDenied".into())
            })
        }
        fn location(&self) -> &str {
            "s3://site/catalog.json"
        }
    }

    fn fake(text: Option<&str>) -> Arc<Fake> {
        Arc::new(Fake {
            text: std::sync::Mutex::new(text.map(str::to_owned)),
            fetches: Arc::new(AtomicUsize::new(0)),
            delay: Duration::from_millis(1),
        })
    }

    fn set(source: &Fake, text: Option<&str>) {
        *source.text.lock().expect("lock") = text.map(str::to_owned);
    }

    fn fetches(source: &Fake) -> usize {
        source.fetches.load(Ordering::SeqCst)
    }

    fn price_of(catalog: &Catalog, sku: &str) -> String {
        catalog.product(sku).expect("product").unit_price.to_string()
    }

    const BUILT_IN: &str = domain::catalog::BUILT_IN;

    fn repriced(price: &str) -> String {
        BUILT_IN.replacen("\"18500.00\"", &format!("{price:?}"), 1)
    }

    #[tokio::test(start_paused = true)]
    async fn fetches_on_first_use_then_once_per_ttl() {
        let source = fake(Some(BUILT_IN));
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(60));
        assert_eq!(fetches(&source), 0, "nothing fetched before first use");
        assert_eq!(price_of(&cache.current().await.expect("catalog"), "mate-calabaza"), "18500.00");
        set(&source, Some(&repriced("19900.00")));
        tokio::time::advance(Duration::from_secs(59)).await;
        assert_eq!(price_of(&cache.current().await.expect("cached"), "mate-calabaza"), "18500.00");
        assert_eq!(fetches(&source), 1, "cached within the TTL");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(price_of(&cache.current().await.expect("refreshed"), "mate-calabaza"), "19900.00");
        assert_eq!(fetches(&source), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_same_text_keeps_the_same_catalog() {
        let source = fake(Some(BUILT_IN));
        let cache = CatalogCache::live(Arc::clone(&source), Duration::ZERO);
        let first = cache.current().await.expect("catalog");
        let second = cache.current().await.expect("catalog");
        assert_eq!(fetches(&source), 2, "a TTL of 0 fetches every time");
        assert!(Arc::ptr_eq(&first, &second), "unchanged text: not parsed again");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let source = fake(Some(BUILT_IN));
        let cache = Arc::new(CatalogCache::live(Arc::clone(&source), Duration::from_secs(60)));
        let calls: Vec<_> = (0..10)
            .map(|_| {
                let cache = Arc::clone(&cache);
                tokio::spawn(async move { cache.current().await.map(|c| c.products.len()) })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.expect("join").expect("catalog"), 3);
        }
        assert_eq!(fetches(&source), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_refresh_keeps_the_last_good_catalog_and_retries_after_the_ttl() {
        let source = fake(Some(BUILT_IN));
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(60));
        cache.current().await.expect("catalog");
        set(&source, None);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(price_of(&cache.current().await.expect("last good"), "mate-calabaza"), "18500.00");
        assert_eq!(fetches(&source), 2);
        cache.current().await.expect("last good");
        assert_eq!(fetches(&source), 2, "not retried on every request");
        set(&source, Some(&repriced("21000.00")));
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(price_of(&cache.current().await.expect("recovered"), "mate-calabaza"), "21000.00");
    }

    #[tokio::test(start_paused = true)]
    async fn an_invalid_object_is_refused_and_the_last_good_catalog_kept() {
        let source = fake(Some(BUILT_IN));
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(1));
        cache.current().await.expect("catalog");
        for invalid in [repriced("-1"), repriced("18500.001"), "{\"store_name\": ".to_owned(), String::new()] {
            set(&source, Some(&invalid));
            tokio::time::advance(Duration::from_secs(1)).await;
            let kept = cache.current().await.expect("last good");
            assert_eq!(price_of(&kept, "mate-calabaza"), "18500.00", "{invalid:?} accepted");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_good_catalog_there_are_no_prices() {
        let source = fake(None);
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(60));
        let err = cache.current().await.expect_err("nothing to fall back on");
        assert!(matches!(err, CatalogUnavailable::Fetch { .. }), "{err}");
        assert!(err.to_string().contains("s3://site/catalog.json"), "{err}");
        assert!(cache.current().await.is_err());
        assert_eq!(fetches(&source), 2, "a cold environment tries again on the next request");

        set(&source, Some(&repriced("-1")));
        let err = cache.current().await.expect_err("invalid");
        assert!(matches!(err, CatalogUnavailable::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("unit_price must be positive"), "{err}");

        set(&source, Some(BUILT_IN));
        assert_eq!(price_of(&cache.current().await.expect("catalog"), "mate-calabaza"), "18500.00");
    }

    #[tokio::test(start_paused = true)]
    async fn a_fetch_that_hangs_counts_as_failed() {
        let source = Arc::new(Fake {
            text: std::sync::Mutex::new(Some(BUILT_IN.to_owned())),
            fetches: Arc::new(AtomicUsize::new(0)),
            delay: FETCH_TIMEOUT + Duration::from_secs(1),
        });
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(60));
        let err = cache.current().await.expect_err("timed out");
        assert!(err.to_string().contains("no answer within 3 s"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_recheck_fetches_again_once_the_catalog_is_old_enough() {
        let source = fake(Some(BUILT_IN));
        let cache = CatalogCache::live(Arc::clone(&source), Duration::from_secs(60));
        let first = cache.current().await.expect("catalog");
        set(&source, Some(&repriced("19900.00")));
        let again = cache.recheck(Duration::from_secs(5)).await.expect("catalog");
        assert!(Arc::ptr_eq(&first, &again), "checked less than 5 s ago: not fetched");
        assert_eq!(fetches(&source), 1);
        tokio::time::advance(Duration::from_secs(5)).await;
        let fresh = cache.recheck(Duration::from_secs(5)).await.expect("catalog");
        assert_eq!(price_of(&fresh, "mate-calabaza"), "19900.00", "before the TTL ran out");
        assert_eq!(price_of(&cache.current().await.expect("catalog"), "mate-calabaza"), "19900.00");
        assert_eq!(fetches(&source), 2);
    }

    fn example_credentials(session_token: Option<&str>) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token.map(str::to_owned),
            None,
            "test",
        )
    }

    /// 2013-05-24T00:00:00Z, the time of AWS's examples.
    fn example_time() -> std::time::SystemTime {
        std::time::UNIX_EPOCH + Duration::from_secs(1_369_353_600)
    }

    fn header<'a>(signed: &'a [(String, String)], name: &str) -> Option<&'a str> {
        signed.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    #[test]
    fn requests_are_signed_as_aws_documents_for_s3() {
        // "Example: GET Object" of Amazon S3's "Signature Calculations for the Authorization
        // Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)".
        let signed = sign(
            "GET",
            "https://examplebucket.s3.amazonaws.com/test.txt",
            &[("range", "bytes=0-9")],
            b"",
            example_credentials(None),
            "us-east-1",
            example_time(),
        )
        .expect("signed");
        assert_eq!(
            header(&signed, "authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
                 SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
                 Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            )
        );
        assert_eq!(
            header(&signed, "x-amz-content-sha256"),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(header(&signed, "x-amz-date"), Some("20130524T000000Z"));
    }

    #[test]
    fn the_catalog_request_is_signed_with_the_functions_session_token() {
        // Lambda's credentials are temporary: the token is sent and signed. The expected value is
        // botocore's (`S3SigV4Auth`, AWS's Python SDK) for the same request and time.
        let url = format!("{}/catalog.json", bucket_url(None, "us-east-1", "site-bucket"));
        assert_eq!(url, "https://site-bucket.s3.us-east-1.amazonaws.com/catalog.json");
        let signed =
            sign("GET", &url, &[], b"", example_credentials(Some("SESSIONTOKEN")), "us-east-1", example_time())
                .expect("signed");
        assert_eq!(header(&signed, "x-amz-security-token"), Some("SESSIONTOKEN"));
        assert_eq!(
            header(&signed, "authorization"),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
                 SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, \
                 Signature=d0c37483e8eba894a7e8e7b3db72294aa2079dffaf6353527e7f179a077b7e5e"
            )
        );
    }

    #[test]
    fn buckets_are_addressed_as_s3_expects() {
        assert_eq!(
            bucket_url(None, "sa-east-1", "shop-site-1x2y"),
            "https://shop-site-1x2y.s3.sa-east-1.amazonaws.com"
        );
        assert_eq!(bucket_url(None, "cn-north-1", "shop"), "https://shop.s3.cn-north-1.amazonaws.com.cn");
        assert_eq!(bucket_url(None, "us-east-1", "shop.example"), "https://s3.us-east-1.amazonaws.com/shop.example");
        assert_eq!(
            bucket_url(Some("http://127.0.0.1:5055/"), "us-east-1", "dev-site"),
            "http://127.0.0.1:5055/dev-site"
        );
    }

    #[tokio::test]
    async fn the_bucket_and_region_are_checked_at_cold_start() {
        let sdk = crate::aws::local("http://127.0.0.1:9").await;
        assert!(S3Catalog::new(&sdk, "dev-site").is_ok());
        assert!(matches!(S3Catalog::new(&sdk, "Dev_Site"), Err(ConfigError::Invalid { name: "CATALOG_BUCKET", .. })));
        let no_region = sdk.to_builder().region(None).build();
        assert_eq!(S3Catalog::new(&no_region, "dev-site").err(), Some(ConfigError::Missing("AWS_REGION")));
    }

    #[tokio::test]
    async fn a_fixed_catalog_is_the_built_in_one() {
        let cache = CatalogCache::fixed(Catalog::from_json(BUILT_IN).expect("built-in"));
        let catalog = cache.current().await.expect("catalog");
        assert_eq!(price_of(&catalog, "mate-calabaza"), "18500.00");
        assert!(Arc::ptr_eq(&catalog, &cache.recheck(Duration::ZERO).await.expect("catalog")));
    }
}
