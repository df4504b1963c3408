//! Lambda entry point: builds the dependencies once per cold start, then serves requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::telemetry::init();
    let deps = notifications::Deps::from_env().await?;
    checkout::http::run(notifications::router(std::sync::Arc::new(deps))).await
}
