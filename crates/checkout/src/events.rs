//! The "order paid" event, published to an SNS topic the merchant subscribes to (e-mail, SQS,
//! a webhook of their own...).
//!
//! Message (JSON, `Subject: Order paid <order_id>`, attribute `event_type=order.paid` for
//! subscription filters):
//! ```json
//! {"type": "order.paid", "order_id": "…", "payment_id": 1325000001, "amount": "37000.00",
//!  "currency_id": "ARS", "items": [{"sku": "…", "name": "…", "quantity": 2,
//!  "unit_price": "18500.00", "line_total": "37000.00"}], "paid_at": "2026-11-21T12:00:00Z"}
//! ```
//! Amounts are decimal strings (exact). No card, payer, e-mail or document data. Published once
//! per order (see `domain::settle`); consumers can still de-duplicate on `order_id`.

use aws_sdk_sns::types::MessageAttributeValue;
use domain::catalog::PricedLine;
use domain::order::Order;
use domain::ports::{EventsError, OrderEvents};
use serde::Serialize;

/// The message body.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OrderPaid<'a> {
    /// Always `order.paid`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Order id.
    pub order_id: &'a str,
    /// Mercado Pago payment id.
    pub payment_id: Option<u64>,
    /// Total, a decimal string with the currency's minor units (`domain::money::amount_text`).
    pub amount: String,
    /// ISO 4217.
    pub currency_id: &'a str,
    /// What was bought.
    pub items: &'a [PricedLine],
    /// When the order was seen approved, RFC 3339.
    pub paid_at: String,
}

impl<'a> OrderPaid<'a> {
    /// The event for an approved order.
    pub fn for_order(order: &'a Order) -> Self {
        OrderPaid {
            kind: "order.paid",
            order_id: order.order_id.as_str(),
            payment_id: order.payment_id,
            amount: domain::money::amount_text(order.terms.amount, &order.terms.currency_id),
            currency_id: &order.terms.currency_id,
            items: &order.terms.lines,
            paid_at: order.updated_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
        }
    }
}

/// Publishes order events to one SNS topic: the [`OrderEvents`] port over SNS.
#[derive(Debug, Clone)]
pub struct SnsEvents {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsEvents {
    /// A publisher for `topic_arn`.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>) -> Self {
        SnsEvents { client, topic_arn: topic_arn.into() }
    }
}

impl OrderEvents for SnsEvents {
    /// Publishes "order paid" for `order`; returns SNS's message id.
    async fn publish_order_paid(&self, order: &Order) -> Result<String, EventsError> {
        let body = serde_json::to_string(&OrderPaid::for_order(order)).map_err(|e| EventsError(e.into()))?;
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value("order.paid")
            .build()
            .map_err(|e| EventsError(e.into()))?;
        let out = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(format!("Order paid {}", order.order_id))
            .message(body)
            .message_attributes("event_type", attribute)
            .send()
            .await
            .map_err(|e| EventsError(Box::new(crate::aws::SdkFailure::new(e))))?;
        let id = out.message_id.unwrap_or_default();
        tracing::info!(order_id = %order.order_id, message_id = %id, "order paid event published");
        Ok(id)
    }
}
