//! The ports: what the domain needs from the outside, as small traits. The adapters (the
//! `checkout` crate: DynamoDB, SNS, Mercado Pago) implement them; the unit tests use in-memory
//! ones, so the domain is tested with no stand-in running.
//!
//! Methods return `impl Future + Send` (an adapter writes `async fn`): the functions run them
//! on a multi-threaded runtime and in axum handlers, which need `Send` futures.

use std::future::Future;
use std::time::Duration;

use crate::order::{
    AnomalyRecord, Applied, Begin, Failure, NewOrder, Order, OrderEvent, OrderId, OrderStatus, PaymentUpdate,
};
use crate::payment::{ChargeRequest, ProviderError, ProviderPayment};

/// Any infrastructure error, kept as the `#[source]` of ours.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The order store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or refused the call (throttling, permissions...).
    #[error("order store unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// A stored order does not have the expected shape.
    #[error("stored order is malformed: {0}")]
    Corrupt(String),
}

/// The "order paid" event could not be published (it stays due; a later delivery retries).
#[derive(Debug, thiserror::Error)]
#[error("order event not published: {0}")]
pub struct EventsError(#[source] pub BoxError);

/// Where orders live. Every method is one atomic, conditional operation: the rules hold however
/// many function instances race.
pub trait OrderRepository: Send + Sync {
    /// Creates the order for `new.idempotency_key`, holding the attempt lease for `lease`, or
    /// finds the order the key already made ([`Begin`]).
    fn begin(&self, new: NewOrder, lease: Duration) -> impl Future<Output = Result<Begin, StoreError>> + Send;

    /// The order `idempotency_key` already made: `Some(Begin::Existing)` when `request_hash` is
    /// the request that made it, `Some(Begin::KeyReused)` when another request did, `None` when
    /// the key is unused. Reads only; creates nothing.
    fn for_key(
        &self,
        idempotency_key: &str,
        request_hash: &str,
    ) -> impl Future<Output = Result<Option<Begin>, StoreError>> + Send;

    /// The order, read consistently.
    fn get(&self, order_id: &OrderId) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Takes the lease to call the provider for a `created` order. `None` when another attempt
    /// holds it or the order is no longer `created`.
    fn acquire_attempt(
        &self,
        order_id: &OrderId,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Gives the lease back (the attempt failed transiently; a retry may start at once).
    fn release_attempt(&self, order_id: &OrderId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks a `created` order failed; returns the order as it now is.
    fn record_failure(
        &self,
        order_id: &OrderId,
        failure: &Failure,
    ) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Applies a payment state if [`Order::accepts`] it (newer, and a transition the lifecycle
    /// allows: the check and the write are one atomic step); the first approval also claims the
    /// "order paid" event for the caller. Otherwise [`Applied::Stale`] with the order as it is.
    fn apply_payment(
        &self,
        order_id: &OrderId,
        update: &PaymentUpdate,
    ) -> impl Future<Output = Result<Applied, StoreError>> + Send;

    /// Records a payment state the order refuses ([`Order::refuses`]) as its
    /// [`Order::last_anomaly`] (and counts it), leaving its status, payment state and event
    /// alone; atomically, only if the order is still in `from` (the status that refused it, as
    /// the caller read it), the state is still newer than the order's, and it is newer than the
    /// last recorded anomaly (so replays record it once).
    fn record_anomaly(
        &self,
        order_id: &OrderId,
        from: &OrderStatus,
        update: &PaymentUpdate,
    ) -> impl Future<Output = Result<AnomalyRecord, StoreError>> + Send;

    /// Records that the payment was just read from the provider.
    fn touch_checked(&self, order_id: &OrderId) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;

    /// Claims the right to publish the "order paid" event: true for exactly one caller while
    /// the event is due or a previous claim's lease ran out.
    fn claim_paid_event(
        &self,
        order_id: &OrderId,
        lease: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks the event published.
    fn mark_paid_event_published(
        &self,
        order_id: &OrderId,
        message_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives a claim back after a failed publish.
    fn release_paid_event(&self, order_id: &OrderId) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims the right to publish the order's event at `index` in [`Order::events`]: true for
    /// exactly one caller while it is due or a previous claim's lease ran out.
    fn claim_event(
        &self,
        order_id: &OrderId,
        index: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Marks the event at `index` published.
    fn mark_event_published(
        &self,
        order_id: &OrderId,
        index: usize,
        message_id: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the claim on the event at `index` back after a failed publish.
    fn release_event(&self, order_id: &OrderId, index: usize) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Where order events go (fulfilment and bookkeeping listen there).
pub trait OrderEvents: Send + Sync {
    /// Publishes `order.paid` for an approved order; returns the message id.
    fn publish_order_paid(&self, order: &Order) -> impl Future<Output = Result<String, EventsError>> + Send;

    /// Publishes an event after payment (`order.refunded`, `order.cancelled`,
    /// `order.charged_back`); returns the message id.
    fn publish_order_event(
        &self,
        order: &Order,
        event: &OrderEvent,
    ) -> impl Future<Output = Result<String, EventsError>> + Send;
}

/// The payment provider (Mercado Pago's Payments API today; refunds, 3-D Secure and the Orders
/// API plug in here).
pub trait PaymentProvider: Send + Sync {
    /// Charges a card once per `charge.idempotency_key`.
    fn create_payment(
        &self,
        charge: &ChargeRequest<'_>,
    ) -> impl Future<Output = Result<ProviderPayment, ProviderError>> + Send;

    /// A payment by id.
    fn get_payment(&self, payment_id: u64) -> impl Future<Output = Result<ProviderPayment, ProviderError>> + Send;

    /// The newest payment whose `external_reference` is the order.
    fn find_payment_for_order(
        &self,
        order_id: &OrderId,
    ) -> impl Future<Output = Result<Option<ProviderPayment>, ProviderError>> + Send;
}
