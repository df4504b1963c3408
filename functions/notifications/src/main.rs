//! Lambda entry point: builds the dependencies once per cold start, then serves requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::telemetry::init();
    let deps = notifications::Deps::from_env().await?;
    lambda_http::run(lambda_http::service_fn(|req| notifications::handle(&deps, req))).await
}
