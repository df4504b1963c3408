//! Logging: Lambda's standard subscriber (JSON when `AWS_LAMBDA_LOG_FORMAT=JSON`, level from
//! `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`, INFO by default).
//!
//! What is logged is chosen at each call site: ids, statuses, amounts, error kinds. Never access
//! tokens, card tokens, e-mails or document numbers (tests read the logs to check this).

/// Installs the subscriber. Call once, first thing in `main`.
pub fn init() {
    lambda_http::tracing::init_default_subscriber();
}
