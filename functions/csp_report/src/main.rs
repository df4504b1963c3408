//! Lambda entry point: builds the router once per cold start ([`csp_report::app`]), then serves
//! requests.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    checkout::http::lambda_main(csp_report::app).await
}
