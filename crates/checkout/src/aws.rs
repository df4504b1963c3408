//! AWS SDK configuration shared by all clients: loaded once per cold start, with rustls on
//! `ring` (see the workspace `Cargo.toml`) and the standard environment (`AWS_REGION`,
//! credentials, `AWS_ENDPOINT_URL` for the local moto server). No network I/O happens here.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls;

fn loader() -> aws_config::ConfigLoader {
    // One process-wide rustls provider (ring), whoever builds a client first; an error only
    // means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(http)
}

/// The SDK configuration from the environment.
pub async fn load() -> aws_config::SdkConfig {
    loader().load().await
}

/// A configuration for a local AWS stand-in (moto) at `endpoint_url`: region `us-east-1`, static
/// dummy credentials. For tests and local tooling only.
pub async fn local(endpoint_url: &str) -> aws_config::SdkConfig {
    let credentials = aws_sdk_dynamodb::config::Credentials::new("local", "local", None, None, "local");
    loader()
        .endpoint_url(endpoint_url)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await
}

/// An AWS SDK failure as the `#[source]` of our errors: its `Display` is the SDK's full context
/// (service error code and message, which the SDK's own `Display` leaves out), and the original
/// error stays reachable through `source()`.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
pub struct SdkFailure {
    context: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl SdkFailure {
    /// Wraps an SDK error.
    pub fn new<E, R>(error: aws_sdk_dynamodb::error::SdkError<E, R>) -> SdkFailure
    where
        E: std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        SdkFailure {
            context: aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string(),
            source: Box::new(error),
        }
    }
}
