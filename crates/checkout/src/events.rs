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
//! Amounts are decimal strings (exact). `order.paid` also carries `buyer`: the e-mail and what
//! the catalog collects (`first_name`, `last_name`, `phone.number`, `shipping_address`), for
//! fulfilment; never card data or documents. Published once per order (see `domain::settle`);
//! consumers can still de-duplicate on `order_id`.
//!
//! After payment, each change is one more event on the same topic ([`LifecycleEvent`]):
//! `order.refunded` (in full or in part: `amount_refunded` is the total refunded so far),
//! `order.cancelled`, `order.charged_back`, with `order_id`, `payment_id`, `amount`,
//! `currency_id`, `status`, `status_detail` and `occurred_at` (the payment's
//! `date_last_updated`). They carry no buyer data. Each is published once per change (its
//! `key` de-duplicates it on the order, `domain::order::OrderEvent`).
//!
//! Published with `MessageStructure: json`
//! (<https://docs.aws.amazon.com/sns/latest/dg/sns-send-custom-platform-specific-payloads-mobile-devices.html>):
//! e-mail subscriptions get a readable text (`email`: the lines, total, payment and order, in the
//! catalog's language, `domain::messages::paid_notice`), every other protocol (SQS, Lambda,
//! HTTPS, `email-json`) the JSON above (`default`). The store's name, its language and the
//! products' names come from the current catalog ([`CatalogCache`]); amounts and lines from the
//! order, as it was priced. Without a catalog (none could be read yet) the event is not
//! published and stays due: a later webhook or poll publishes it.

use std::sync::Arc;

use aws_sdk_sns::types::MessageAttributeValue;
use domain::buyer::Buyer;
use domain::catalog::{Catalog, PricedLine};
use domain::messages::{EventNotice, Lang, PaidNotice, event_notice, paid_notice};
use domain::order::{Order, OrderEvent};
use domain::ports::{EventsError, OrderEvents};
use serde::Serialize;

use crate::catalog::CatalogCache;

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
    /// Who to deliver to (absent on orders that keep no buyer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buyer: Option<&'a Buyer>,
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
            buyer: order.terms.buyer.as_ref(),
        }
    }
}

/// The message body of an event after payment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LifecycleEvent<'a> {
    /// `order.refunded`, `order.cancelled` or `order.charged_back`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Order id.
    pub order_id: &'a str,
    /// Mercado Pago payment id.
    pub payment_id: Option<u64>,
    /// The order's total, a decimal string with the currency's minor units.
    pub amount: String,
    /// Total refunded so far, same format (`"0.00"` for cancellations and chargebacks).
    pub amount_refunded: String,
    /// ISO 4217.
    pub currency_id: &'a str,
    /// The payment's `status` that made the event.
    pub status: &'a str,
    /// Its `status_detail` (`partially_refunded`, `by_collector`, `settled`...).
    pub status_detail: &'a str,
    /// The payment's `date_last_updated` for that state, RFC 3339.
    pub occurred_at: String,
}

impl<'a> LifecycleEvent<'a> {
    /// The message body for `event` of `order`.
    pub fn new(order: &'a Order, event: &'a OrderEvent) -> Self {
        let currency = &order.terms.currency_id;
        let occurred_at =
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(event.mp_last_updated_ms) * 1_000_000)
                .ok()
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                .unwrap_or_default();
        LifecycleEvent {
            kind: event.kind.as_str(),
            order_id: order.order_id.as_str(),
            payment_id: order.payment_id,
            amount: domain::money::amount_text(order.terms.amount, currency),
            amount_refunded: domain::money::amount_text(event.amount_refunded, currency),
            currency_id: currency,
            status: event.status.as_str(),
            status_detail: &event.status_detail,
            occurred_at,
        }
    }
}

/// The SNS message for an event after payment, as [`message`] does for "order paid".
///
/// # Errors
/// When the event cannot be serialised (it always can).
pub fn event_message(
    order: &Order,
    event: &OrderEvent,
    catalog: &Catalog,
) -> Result<(String, String), serde_json::Error> {
    let body = serde_json::to_string(&LifecycleEvent::new(order, event))?;
    let lang = Lang::from_locale(&catalog.default_locale).unwrap_or(Lang::Es);
    let order_number = order.order_id.order_number();
    let notice = EventNotice {
        kind: event.kind,
        store: &catalog.store_name,
        order_number: &order_number,
        order_id: order.order_id.as_str(),
        payment_id: order.payment_id,
        amount: order.terms.amount,
        amount_refunded: event.amount_refunded,
        currency_id: &order.terms.currency_id,
    };
    let (subject, email) = event_notice(lang, &notice);
    let message = serde_json::to_string(&serde_json::json!({"default": body, "email": email}))?;
    Ok((message, subject))
}

/// The SNS message for `order`: `{"default": <event JSON>, "email": <text>}` as a string, and the
/// e-mail's subject.
///
/// # Errors
/// When the event cannot be serialised (it always can: strings and numbers only).
pub fn message(order: &Order, catalog: &Catalog) -> Result<(String, String), serde_json::Error> {
    let event = serde_json::to_string(&OrderPaid::for_order(order))?;
    let lang = Lang::from_locale(&catalog.default_locale).unwrap_or(Lang::Es);
    let title = |line: &PricedLine| {
        catalog.product(&line.sku).map_or_else(|| line.name.clone(), |p| p.name.get(lang).to_owned())
    };
    let paid_at = order.updated_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let order_number = order.order_id.order_number();
    let notice = PaidNotice {
        store: &catalog.store_name,
        order_number: &order_number,
        order_id: order.order_id.as_str(),
        payment_id: order.payment_id,
        amount: order.terms.amount,
        currency_id: &order.terms.currency_id,
        lines: order.terms.lines.iter().map(|l| (l.quantity, title(l), l.line_total)).collect(),
        paid_at: &paid_at,
        buyer: order.terms.buyer.as_ref(),
    };
    let (subject, email) = paid_notice(lang, &notice);
    let message = serde_json::to_string(&serde_json::json!({"default": event, "email": email}))?;
    Ok((message, subject))
}

/// Publishes order events to one SNS topic: the [`OrderEvents`] port over SNS.
#[derive(Debug, Clone)]
pub struct SnsEvents {
    client: aws_sdk_sns::Client,
    topic_arn: String,
    catalog: Arc<CatalogCache>,
}

impl SnsEvents {
    /// A publisher for `topic_arn`; the e-mail text names products and the store as the current
    /// `catalog` does, in its `default_locale`'s language.
    pub fn new(client: aws_sdk_sns::Client, topic_arn: impl Into<String>, catalog: Arc<CatalogCache>) -> Self {
        SnsEvents { client, topic_arn: topic_arn.into(), catalog }
    }
}

impl SnsEvents {
    /// Publishes one message with its `event_type` attribute (for subscription filter
    /// policies); returns SNS's message id.
    async fn publish(&self, event_type: &str, body: String, subject: String) -> Result<String, EventsError> {
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(event_type)
            .build()
            .map_err(|e| EventsError(e.into()))?;
        let out = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(body)
            .message_structure("json")
            .message_attributes("event_type", attribute)
            .send()
            .await
            .map_err(|e| EventsError(Box::new(crate::aws::SdkFailure::new(e))))?;
        Ok(out.message_id.unwrap_or_default())
    }
}

impl OrderEvents for SnsEvents {
    /// Publishes "order paid" for `order`; returns SNS's message id.
    async fn publish_order_paid(&self, order: &Order) -> Result<String, EventsError> {
        let catalog = self.catalog.current().await.map_err(|e| EventsError(e.into()))?;
        let (body, subject) = message(order, &catalog).map_err(|e| EventsError(e.into()))?;
        let id = self.publish("order.paid", body, subject).await?;
        tracing::info!(order_id = %order.order_id, message_id = %id, "order paid event published");
        Ok(id)
    }

    /// Publishes `order.refunded`, `order.cancelled` or `order.charged_back`.
    async fn publish_order_event(&self, order: &Order, event: &OrderEvent) -> Result<String, EventsError> {
        let catalog = self.catalog.current().await.map_err(|e| EventsError(e.into()))?;
        let (body, subject) = event_message(order, event, &catalog).map_err(|e| EventsError(e.into()))?;
        let id = self.publish(event.kind.as_str(), body, subject).await?;
        tracing::info!(order_id = %order.order_id, event = event.kind.as_str(), message_id = %id, "order event published");
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::catalog::LineRequest;
    use domain::order::NewOrder;
    use serde_json::Value;

    fn paid_order(catalog: &Catalog) -> Order {
        let lines = [
            LineRequest { sku: "mate-calabaza".into(), quantity: 2 },
            LineRequest { sku: "yerba-organica-1kg".into(), quantity: 1 },
        ];
        let priced = catalog.price(&lines).expect("priced");
        let terms = NewOrder {
            idempotency_key: "key".into(),
            request_hash: "hash".into(),
            lines: priced.lines,
            amount: priced.total,
            currency_id: "ARS".into(),
            lang: Lang::En,
            payment_method_id: "master".into(),
            installments: 1,
            buyer: None,
        };
        let now = time::macros::datetime!(2026-11-21 12:00 UTC);
        let mut order = Order::create(terms, now, 0);
        order.payment_id = Some(1_325_000_001);
        order
    }

    #[test]
    fn e_mail_subscribers_read_a_notice_and_machines_the_event() {
        let catalog = Catalog::load(None).expect("catalog");
        let order = paid_order(&catalog);
        let (message, subject) = message(&order, &catalog).expect("message");
        let message: Value = serde_json::from_str(&message).expect("json");
        let keys: Vec<&String> = message.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["default", "email"]);

        let event: Value = serde_json::from_str(message["default"].as_str().expect("default")).expect("event json");
        assert_eq!(event["type"], "order.paid");
        assert_eq!(event["order_id"], order.order_id.as_str());
        assert_eq!(event["amount"], "44250.50");
        assert_eq!(event["items"][1]["line_total"], "7250.50");

        // The catalog's language (es-AR), not the buyer's: the notice is for the merchant.
        let number = order.order_id.order_number();
        assert_eq!(subject, format!("Pedido pagado {number}"));
        let email = message["email"].as_str().expect("email");
        assert!(email.starts_with(&format!("Matecito: se pagó el pedido {number}.")), "{email}");
        assert!(email.contains("  2 × Mate de calabaza: $\u{a0}37.000,00\n"), "{email}");
        assert!(email.contains("Total: $\u{a0}44.250,50\n"), "{email}");
        assert!(email.contains("Pago de Mercado Pago: 1325000001\n"), "{email}");
        assert!(email.contains(order.order_id.as_str()), "{email}");
        assert!(event.get("buyer").is_none(), "no buyer kept, none sent");
    }

    #[test]
    fn a_refund_event_names_the_amount_refunded_and_no_buyer() {
        let catalog = Catalog::load(None).expect("catalog");
        let mut order = paid_order(&catalog);
        order.terms.buyer = Some(
            serde_json::from_value(serde_json::json!({"email": "ana@example.com", "first_name": "Ana"}))
                .expect("buyer"),
        );
        let update = domain::order::PaymentUpdate {
            payment_id: 1_325_000_001,
            status: domain::order::OrderStatus::Approved,
            status_detail: "partially_refunded".into(),
            mp_last_updated_ms: 1_764_000_000_000,
            amount_refunded: rust_decimal::Decimal::new(500_000, 2),
            event: None,
            three_ds_info: None,
        };
        let event = update.event_for(order.terms.amount, "ARS").expect("a refund");
        let (message, subject) = event_message(&order, &event, &catalog).expect("message");
        let message: Value = serde_json::from_str(&message).expect("json");
        let body: Value = serde_json::from_str(message["default"].as_str().expect("default")).expect("event");
        assert_eq!(
            body,
            serde_json::json!({"type": "order.refunded", "order_id": order.order_id.as_str(), "payment_id": 1_325_000_001u64,
                               "amount": "44250.50", "amount_refunded": "5000.00", "currency_id": "ARS",
                               "status": "approved", "status_detail": "partially_refunded",
                               "occurred_at": "2025-11-24T16:00:00Z"})
        );
        assert!(subject.starts_with("Reembolso"), "{subject}");
        assert!(!message.to_string().contains("ana@example.com"), "no buyer data in a refund event");
        let (paid, _) = message_for_paid(&order, &catalog);
        assert_eq!(paid["buyer"]["email"], "ana@example.com", "order.paid carries the buyer");
    }

    fn message_for_paid(order: &Order, catalog: &Catalog) -> (Value, Value) {
        let (message, _) = message(order, catalog).expect("message");
        let message: Value = serde_json::from_str(&message).expect("json");
        (serde_json::from_str(message["default"].as_str().expect("default")).expect("event"), message)
    }
}
