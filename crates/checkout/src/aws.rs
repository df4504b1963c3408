//! AWS SDK configuration shared by all clients: loaded once per cold start, with rustls on
//! `ring` (see the workspace `Cargo.toml`) and the standard environment (`AWS_REGION`,
//! credentials, `AWS_ENDPOINT_URL` for the local moto server). No network I/O happens here.

use aws_config::BehaviorVersion;
use aws_smithy_http_client::tls;

fn loader() -> aws_config::ConfigLoader {
    mercadopago::install_crypto_provider();
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
