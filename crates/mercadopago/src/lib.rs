//! A small, typed client for Mercado Pago's Payments API and its webhook signatures.
//!
//! - [`Client`]: `create_payment` (the idempotency key is a required argument), `get_payment`,
//!   `search_payments`, `refund_payment` (keyed too), `list_refunds`, `cancel_payment`; injectable base URL, connect/request timeouts, bounded retries on
//!   429/5xx/transport errors that reuse the same idempotency key and honour `Retry-After`
//!   ([`RetryPolicy`]).
//! - [`Error`] keeps Mercado Pago's error envelope `{message, error, status, cause[]}`.
//! - The access token is a [`secrecy::SecretString`] passed per call: never in `Debug` output or
//!   logs, and a rotated token needs no new client.
//! - [`webhook::WebhookVerifier`] checks `x-signature` (HMAC-SHA256, constant-time compare,
//!   timestamp tolerance).
//! - [`amount`] converts `Decimal` amounts to and from the API's JSON numbers.
//!
//! Field names and behaviour follow Mercado Pago's API, as summed up with public sources in
//! docs/mercadopago.md (sections cited on each item). It knows nothing about AWS or Lambda.
//!
//! ```no_run
//! # async fn demo() -> Result<(), mercadopago::Error> {
//! use mercadopago::{Client, ClientConfig, IdempotencyKey};
//! let client = Client::new(ClientConfig::with_base_url("http://127.0.0.1:8181")?)?;
//! let token = secrecy::SecretString::from("TEST-sandbox-access-token");
//! let payment = client.get_payment(&token, 1325000001).await?;
//! println!("{} {}", payment.status, payment.status_detail);
//! # Ok(()) }
//! ```

pub mod amount;
mod client;
mod error;
mod types;
pub mod webhook;

pub use client::{
    Client, ClientConfig, DEFAULT_BASE_URL, IdempotencyKey, InvalidIdempotencyKey, RetryPolicy, install_crypto_provider,
};
pub use error::{ApiErrorBody, Cause, Error};
pub use types::{
    AdditionalInfo, AdditionalInfoItem, AdditionalInfoPayer, Address, CardSummary, Identification, Paging, Payer,
    Payment, PaymentCreateRequest, PaymentStatus, Phone, ReceiverAddress, Refund, RefundRequest, SearchRequest,
    SearchResponse, Shipments, ThreeDSecureMode, ThreeDsInfo, TransactionDetails, parse_date,
};
