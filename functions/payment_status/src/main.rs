//! Lambda entry point: builds the router once per cold start ([`payment_status::app`]), then serves
//! requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::http::lambda_main(payment_status::app).await
}
