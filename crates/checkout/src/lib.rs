//! The checkout's shared domain, used by the three Lambda functions.
//!
//! - [`config`]: settings from the environment (errors name the variable).
//! - [`catalog`]: products and pricing with `rust_decimal` (prices only from `catalog.json`).
//! - [`validation`]: the payment request, with per-field errors.
//! - [`messages`]: buyer messages for every documented `status_detail`, in es, pt and en.
//! - [`secrets`]: the Mercado Pago credentials from Secrets Manager, cached, refreshed on 401.
//! - [`store`]: orders in DynamoDB, with conditional writes for idempotency and monotonic status.
//! - [`events`] and [`settle`]: the exactly-once "order paid" SNS event.
//! - [`http`]: the one error type and its JSON responses.
//! - [`services`]: everything a handler needs, built once per cold start.
//! - [`aws`]: the AWS SDK configuration.
//! - [`telemetry`]: logging setup.

pub mod aws;
pub mod catalog;
pub mod config;
pub mod events;
pub mod http;
pub mod messages;
pub mod secrets;
pub mod services;
pub mod settle;
pub mod store;
pub mod telemetry;
pub mod validation;
