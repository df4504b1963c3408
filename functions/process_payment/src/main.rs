//! Lambda entry point: builds the router once per cold start ([`process_payment::app`]), then serves
//! requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::http::lambda_main(process_payment::app).await
}
