//! Payments as the domain sees them, whatever the provider: what to charge
//! ([`ChargeRequest`]), what came back ([`ProviderPayment`]) and how it failed
//! ([`ProviderError`]).

use std::time::Duration;

use rust_decimal::Decimal;

use crate::order::{Failure, Order, OrderStatus, PaymentUpdate};
use crate::ports::BoxError;
use crate::validation::PaymentRequest;

/// What to charge: an order, paid with a request's card and payer.
#[derive(Debug, Clone, Copy)]
pub struct ChargeRequest<'a> {
    /// The order (its id is the `external_reference`, its amount the `transaction_amount`).
    pub order: &'a Order,
    /// The buyer's card, payer and installments.
    pub request: &'a PaymentRequest,
    /// `description`: what is bought (`Matecito: 2 × mate-calabaza`).
    pub description: &'a str,
    /// `statement_descriptor`: the text on the buyer's card statement, from the catalog that
    /// priced the order.
    pub statement_descriptor: Option<&'a str>,
    /// The request's `Idempotency-Key`, passed through to the provider.
    pub idempotency_key: &'a str,
    /// The lines as the provider's risk scoring reads them (names in the buyer's language).
    pub items: &'a [ChargeItem],
}

/// One line of the order for the provider's risk scoring (`additional_info.items`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeItem {
    /// SKU.
    pub sku: String,
    /// The product's name in the buyer's language.
    pub title: String,
    /// Its description in that language.
    pub description: String,
    /// Its category (`catalog.json` `category_id`), if the catalog gives one.
    pub category_id: Option<String>,
    /// Units.
    pub quantity: u32,
    /// Price of one unit, in currency units.
    pub unit_price: Decimal,
}

/// A payment, with what settling needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderPayment {
    /// The provider's payment id.
    pub id: u64,
    /// `status`.
    pub status: OrderStatus,
    /// `status_detail`.
    pub status_detail: String,
    /// `external_reference` (our order id).
    pub external_reference: Option<String>,
    /// `transaction_amount`, in currency units.
    pub transaction_amount: Decimal,
    /// `currency_id`.
    pub currency_id: String,
    /// `date_last_updated` (or `date_created` when missing), epoch ms.
    pub last_updated_ms: Option<i64>,
    /// `transaction_amount_refunded`, in currency units (zero when absent).
    pub transaction_amount_refunded: Decimal,
    /// The 3-D Secure challenge the buyer must complete, while the payment waits for it.
    pub three_ds_info: Option<ThreeDsInfo>,
}

/// A 3-D Secure challenge waiting for the buyer (Mercado Pago's `three_ds_info`, on a `pending`
/// payment whose `status_detail` is [`PENDING_CHALLENGE`]): the buyer's page posts `creq` to
/// `external_resource_url` (the card issuer's ACS) in an iframe
/// (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>).
/// Not card data: it is kept on the order so a retry with the same key answers the same challenge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThreeDsInfo {
    /// The issuer's challenge URL (an `https` URL in production).
    pub external_resource_url: String,
    /// The challenge request (base64url JSON), posted as the form field `creq`.
    pub creq: String,
}

/// The `status_detail` of a payment waiting for the buyer's 3-D Secure challenge.
pub const PENDING_CHALLENGE: &str = "pending_challenge";

impl ProviderPayment {
    /// Why this payment does not fit `order`, if it does not: the field that differs.
    pub fn mismatch(&self, order: &Order) -> Option<&'static str> {
        if self.external_reference.as_deref() != Some(order.order_id.as_str()) {
            Some("external_reference")
        } else if self.currency_id != order.terms.currency_id {
            Some("currency_id")
        } else if self.transaction_amount != order.terms.amount {
            Some("transaction_amount")
        } else if order.payment_id.is_some_and(|id| id != self.id) {
            Some("payment_id")
        } else {
            None
        }
    }

    /// Whether the payment waits for the buyer's 3-D Secure challenge (`pending` /
    /// [`PENDING_CHALLENGE`]).
    pub fn waits_for_challenge(&self) -> bool {
        self.status == OrderStatus::Pending && self.status_detail == PENDING_CHALLENGE
    }

    /// The update this payment makes; `None` when it has no date to order it by.
    pub fn update(&self) -> Option<PaymentUpdate> {
        let mut update = PaymentUpdate {
            payment_id: self.id,
            status: self.status.clone(),
            status_detail: self.status_detail.clone(),
            mp_last_updated_ms: self.last_updated_ms?,
            amount_refunded: self.transaction_amount_refunded,
            event: None,
            // Mercado Pago keeps `three_ds_info` on a payment after its challenge (its recorded
            // approved payments carry one): only a challenge still waiting is the buyer's.
            three_ds_info: self.three_ds_info.clone().filter(|_| self.waits_for_challenge()),
        };
        // The payment's amount and currency are its order's (checked by `mismatch` first).
        update.event = update.event_for(self.transaction_amount, &self.currency_id);
        Some(update)
    }
}

/// A provider call failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider refused this request, and repeating it will not help (invalid token,
    /// e-mail...): the order fails with these field errors.
    #[error("the payment provider refused the request")]
    Refused(Failure),
    /// The provider has no such payment (a panel simulation, or another account's).
    #[error("the payment provider has no such payment")]
    NotFound,
    /// The provider could not be reached or failed after bounded retries; a retry later may
    /// succeed (after `retry_after`, when the provider said).
    #[error("the payment provider is unavailable: {source}")]
    Unavailable {
        /// The provider's `Retry-After`, if it sent one.
        retry_after: Option<Duration>,
        /// What failed.
        #[source]
        source: BoxError,
    },
}
