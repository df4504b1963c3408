//! The adapters and the HTTP edge the three Lambda functions share. The domain (catalog,
//! validation, orders, payments, messages, the ports) is the `domain` crate; this crate
//! implements its ports over AWS and Mercado Pago and serves it over HTTP.
//!
//! - [`config`]: settings from the environment (errors name the variable).
//! - [`catalog`]: the catalog from the site bucket (`catalog.json`), cached for a short TTL.
//! - [`secrets`]: the Mercado Pago credentials from Secrets Manager, cached, refreshed on 401.
//! - [`store`]: the order repository over DynamoDB, with conditional writes.
//! - [`events`]: the "order paid" events over SNS.
//! - [`provider`]: the payment provider over Mercado Pago.
//! - [`http`]: the functions' HTTP edge (axum through `lambda_http`) and the error envelope.
//! - [`origin`]: requests must come through CloudFront (its secret origin header).
//! - [`services`]: everything a handler needs, built once per cold start.
//! - [`aws`]: the AWS SDK configuration.
//! - [`telemetry`]: logging setup.

pub mod aws;
pub mod catalog;
pub mod config;
pub mod events;
pub mod http;
pub mod origin;
pub mod provider;
pub mod secrets;
pub mod services;
pub mod store;
pub mod telemetry;
