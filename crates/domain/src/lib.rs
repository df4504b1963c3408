//! The checkout's domain. No AWS, HTTP or Mercado Pago client types: the adapters (the
//! `checkout` crate) implement its [`ports`], and its unit tests run with no stand-in.
//!
//! - [`buyer`]: the buyer's fulfilment data (what the catalog collects), never logged.
//! - [`catalog`]: products and pricing with `rust_decimal` (prices only from `catalog.json`).
//! - [`money`]: exact amounts from JSON numbers.
//! - [`validation`]: the payment request, with per-field errors, and its newtypes
//!   ([`validation::Email`], [`validation::CardToken`]).
//! - [`order`]: orders, [`order::OrderId`], [`order::OrderStatus`] and the state machine.
//! - [`payment`]: what is charged and what the provider answers.
//! - [`ports`]: the order repository, the order events and the payment provider.
//! - [`pay`]: paying once per `Idempotency-Key`.
//! - [`settle`]: applying a payment to its order, and the exactly-once "order paid" event.
//! - [`messages`]: what the buyer reads, per locale.
//! - [`site`]: the seven Mercado Pago sites: currency, language, identification documents.

pub mod buyer;
pub mod catalog;
#[cfg(test)]
mod memory;
pub mod messages;
pub mod money;
pub mod order;
pub mod pay;
pub mod payment;
pub mod ports;
pub mod settle;
pub mod site;
pub mod validation;
