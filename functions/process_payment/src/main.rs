//! Lambda entry point: builds the dependencies once per cold start, then serves requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::telemetry::init();
    let deps = process_payment::Deps::from_env().await?;
    checkout::http::run(process_payment::router(std::sync::Arc::new(deps))).await
}
