//! The merchant's command line over a checkout stack: list and show orders, refund and cancel
//! their payments.
//!
//! It is authorised by the merchant's own AWS credentials (the SDK's default chain): it reads
//! the orders table and the Mercado Pago secret directly, so the stack needs no new public
//! endpoint. Everything it changes goes through the same code as the functions:
//!
//! - the orders are the `checkout` crate's DynamoDB store ([`checkout::store::OrderStore`]);
//! - Mercado Pago is the `mercadopago` client with the stack's secret
//!   ([`checkout::provider::MercadoPago`]);
//! - after a refund or a cancellation the payment is read back from Mercado Pago and applied to
//!   the order with [`domain::settle::settle`], the same monotonic, conditional update the
//!   webhooks and the status polling use. If Mercado Pago refuses, nothing is written.
//!
//! Which stack: [`stack::local`] (`.dev/<stack>/functions.env`, what `make dev` writes) or
//! [`stack::deployed`] (a CloudFormation stack's outputs).
//!
//! Not done here (left for later): SNS events for refunds and cancellations; only the existing
//! "order paid" event is published, by `settle`, when due.

pub mod format;
pub mod stack;

use std::str::FromStr;

use checkout::provider::{CallError, MercadoPago, to_domain};
use checkout::services::{InitError, Services};
use domain::order::{Order, OrderId, OrderStatus};
use domain::ports::{OrderRepository, StoreError};
use domain::settle::{SettleError, Settled, settle};
use mercadopago::{IdempotencyKey, Payment, Refund};
use rust_decimal::Decimal;
use time::OffsetDateTime;

pub use stack::StackSettings;

/// What went wrong, in words a merchant can act on.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The stack's settings could not be found or read.
    #[error("stack: {0}")]
    Stack(String),
    /// The settings are incomplete or invalid.
    #[error(transparent)]
    Init(#[from] InitError),
    /// No order has that id or number.
    #[error("no order {0}")]
    NotFound(String),
    /// More than one order has that number (give the order id instead).
    #[error("order number {number} names several orders: {}", .ids.join(", "))]
    Ambiguous {
        /// The number given.
        number: String,
        /// The orders it names.
        ids: Vec<String>,
    },
    /// The order has no payment to refund or cancel.
    #[error("order {0} has no payment (status {1})")]
    NoPayment(String, String),
    /// The amount is not a positive amount of the order's currency.
    #[error("invalid amount {0:?}: {1}")]
    Amount(String, String),
    /// The idempotency key is not usable.
    #[error("invalid idempotency key: {0}")]
    Key(#[from] mercadopago::InvalidIdempotencyKey),
    /// Mercado Pago refused the operation; nothing was changed.
    #[error("Mercado Pago refused: {message} (HTTP {status}{})", causes_text(.causes))]
    Refused {
        /// HTTP status.
        status: u16,
        /// Mercado Pago's message.
        message: String,
        /// `code: description` of each cause.
        causes: Vec<String>,
    },
    /// Mercado Pago could not be reached or failed (the operation may or may not have happened:
    /// run the same command again with the same idempotency key).
    #[error("Mercado Pago is unavailable: {0}")]
    Unavailable(String),
    /// The order store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Applying the payment to the order failed.
    #[error(transparent)]
    Settle(#[from] SettleError),
}

fn causes_text(causes: &[String]) -> String {
    if causes.is_empty() { String::new() } else { format!("; {}", causes.join("; ")) }
}

impl From<CallError> for AdminError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Api(api) if api.status().is_some_and(|s| (400..500).contains(&s) && s != 429) => {
                let (message, causes) = api.body().map_or_else(
                    || (api.to_string(), vec![]),
                    |b| {
                        let causes = b
                            .cause
                            .iter()
                            .map(|c| format!("{}: {}", c.code, c.description.as_deref().unwrap_or("")))
                            .collect();
                        (b.message.clone(), causes)
                    },
                );
                AdminError::Refused { status: api.status().unwrap_or_default(), message, causes }
            }
            other => AdminError::Unavailable(other.to_string()),
        }
    }
}

/// Which orders `orders list` shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders created at or after this time.
    pub since: Option<OffsetDateTime>,
    /// Only orders created before this time.
    pub until: Option<OffsetDateTime>,
}

impl Filter {
    /// Whether `order` passes.
    pub fn matches(&self, order: &Order) -> bool {
        self.status.as_ref().is_none_or(|s| *s == order.status)
            && self.since.is_none_or(|t| order.created_at >= t)
            && self.until.is_none_or(|t| order.created_at < t)
    }
}

/// Parses a `--since`/`--until` time: RFC 3339 (`2026-11-29T12:00:00Z`) or a date
/// (`2026-11-29`, its start in UTC).
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    let rfc3339 = time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(text, &rfc3339) {
        return Ok(t);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &date_format)
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| format!("{text:?} is neither a date (2026-11-29) nor an RFC 3339 time (2026-11-29T12:00:00Z)"))
}

/// A refund as made: Mercado Pago's refund and the order afterwards.
#[derive(Debug)]
pub struct Refunded {
    /// The refund.
    pub refund: Refund,
    /// The payment as read back.
    pub payment: Payment,
    /// What applying it did to the order.
    pub settled: Settled,
}

/// A payment read back and applied to its order.
#[derive(Debug)]
pub struct Synced {
    /// The payment as read back.
    pub payment: Payment,
    /// What applying it did to the order.
    pub settled: Settled,
}

/// The merchant's view of one stack.
pub struct Admin {
    services: Services,
}

impl Admin {
    /// Over already built services (the functions' own adapters).
    pub fn new(services: Services) -> Self {
        Admin { services }
    }

    /// Builds the adapters for a stack (no network I/O yet).
    ///
    /// # Errors
    /// [`AdminError::Init`] when a setting is missing.
    pub async fn connect(settings: &StackSettings) -> Result<Admin, AdminError> {
        let sdk = match &settings.aws_endpoint_url {
            Some(url) => checkout::aws::local(url).await,
            None => checkout::aws::load().await,
        };
        let config = settings.config().map_err(InitError::from)?;
        let services = Services::new(config, &sdk)?;
        Ok(Admin { services })
    }

    fn mp(&self) -> &MercadoPago {
        &self.services.provider
    }

    /// Every order passing `filter`, newest first (a table scan: see
    /// [`checkout::store::OrderStore::scan_orders`]).
    ///
    /// # Errors
    /// [`AdminError::Store`].
    pub async fn list(&self, filter: &Filter) -> Result<Vec<Order>, AdminError> {
        let mut orders: Vec<Order> =
            self.services.store.scan_orders().await?.into_iter().filter(|o| filter.matches(o)).collect();
        orders
            .sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.order_id.as_str().cmp(b.order_id.as_str())));
        Ok(orders)
    }

    /// The order with this id (`0b5e1c8e-…`) or buyer-facing order number (`1DF1S-3MA79`, case
    /// and the dash optional).
    ///
    /// # Errors
    /// [`AdminError::NotFound`], [`AdminError::Ambiguous`], [`AdminError::Store`].
    pub async fn find(&self, reference: &str) -> Result<Order, AdminError> {
        let reference = reference.trim();
        if let Ok(id) = OrderId::parse(&reference.to_ascii_lowercase()) {
            return self.services.store.get(&id).await?.ok_or_else(|| AdminError::NotFound(reference.to_owned()));
        }
        let wanted = normalize_number(reference);
        if wanted.len() != 10 {
            return Err(AdminError::NotFound(reference.to_owned()));
        }
        let mut found: Vec<Order> = self
            .services
            .store
            .scan_orders()
            .await?
            .into_iter()
            .filter(|o| normalize_number(&o.order_id.order_number()) == wanted)
            .collect();
        match found.len() {
            0 => Err(AdminError::NotFound(reference.to_owned())),
            1 => Ok(found.remove(0)),
            _ => Err(AdminError::Ambiguous {
                number: reference.to_owned(),
                ids: found.iter().map(|o| o.order_id.to_string()).collect(),
            }),
        }
    }

    /// Refunds `amount` of the order's payment (all that is left when `None`) with
    /// `idempotency_key`, then reads the payment back and applies it to the order. Running it
    /// again with the same key never refunds twice: Mercado Pago answers the refund it made.
    ///
    /// # Errors
    /// [`AdminError::Refused`] (nothing changed), [`AdminError::Unavailable`] (retry with the
    /// same key), [`AdminError::Amount`], [`AdminError::NoPayment`] and store failures.
    pub async fn refund(
        &self,
        order: &Order,
        amount: Option<&str>,
        idempotency_key: &IdempotencyKey,
    ) -> Result<Refunded, AdminError> {
        let payment_id = payment_of(order)?;
        let amount = amount.map(|a| parse_amount(a, &order.terms.currency_id)).transpose()?;
        let refund = self
            .mp()
            .with_token(|token| async move {
                self.mp().client.refund_payment(&token, payment_id, amount, idempotency_key).await
            })
            .await?;
        let Synced { payment, settled } = self.sync(order).await?;
        Ok(Refunded { refund, payment, settled })
    }

    /// Cancels the order's payment (Mercado Pago allows it while `pending`, `in_process` or
    /// `authorized`), then reads it back and applies it to the order.
    ///
    /// # Errors
    /// As [`Admin::refund`].
    pub async fn cancel(&self, order: &Order) -> Result<Synced, AdminError> {
        let payment_id = payment_of(order)?;
        self.mp().with_token(|token| async move { self.mp().client.cancel_payment(&token, payment_id).await }).await?;
        self.sync(order).await
    }

    /// Erases the buyer's personal data from `order` (`OrderStore::forget_buyer`).
    ///
    /// # Errors
    /// [`AdminError`] when the store fails or the order vanished.
    pub async fn forget(&self, order: &Order) -> Result<Order, AdminError> {
        self.services
            .store
            .forget_buyer(&order.order_id)
            .await?
            .ok_or_else(|| AdminError::NotFound(order.order_id.to_string()))
    }

    /// Reads the order's payment from Mercado Pago and applies it with [`domain::settle::settle`].
    ///
    /// # Errors
    /// [`AdminError::NoPayment`], [`AdminError::Unavailable`], store failures.
    pub async fn sync(&self, order: &Order) -> Result<Synced, AdminError> {
        let payment_id = payment_of(order)?;
        let payment =
            self.mp().with_token(|token| async move { self.mp().client.get_payment(&token, payment_id).await }).await?;
        let settled = settle(&self.services.store, &self.services.events, order, &to_domain(payment.clone())).await?;
        Ok(Synced { payment, settled })
    }
}

fn payment_of(order: &Order) -> Result<u64, AdminError> {
    order.payment_id.ok_or_else(|| AdminError::NoPayment(order.order_id.to_string(), order.status.to_string()))
}

/// An order number without dashes, upper case (`1df1s-3ma79` → `1DF1S3MA79`).
fn normalize_number(text: &str) -> String {
    text.chars().filter(|c| *c != '-').map(|c| c.to_ascii_uppercase()).collect()
}

/// An exact, positive amount with at most the currency's decimals (`12.50` ARS, `1200` CLP).
///
/// # Errors
/// [`AdminError::Amount`] saying why.
pub fn parse_amount(text: &str, currency_id: &str) -> Result<Decimal, AdminError> {
    let bad = |why: &str| AdminError::Amount(text.to_owned(), why.to_owned());
    let amount = Decimal::from_str_exact(text.trim())
        .or_else(|_| Decimal::from_str(text.trim()))
        .map_err(|_| bad("not a decimal number"))?;
    if amount <= Decimal::ZERO {
        return Err(bad("must be positive"));
    }
    let decimals = domain::money::minor_units(currency_id).unwrap_or(2);
    if amount.normalize().scale() > decimals {
        return Err(bad(&format!("{currency_id} amounts have at most {decimals} decimals")));
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_positive_and_in_the_currencys_decimals() {
        assert_eq!(parse_amount("12.50", "ARS").ok(), Some(Decimal::new(1250, 2)));
        assert!(parse_amount("0", "ARS").is_err());
        assert!(parse_amount("-1", "ARS").is_err());
        assert!(parse_amount("1.005", "ARS").is_err());
        assert!(parse_amount("10.5", "CLP").is_err());
        assert!(parse_amount("abc", "ARS").is_err());
    }

    #[test]
    fn times_are_dates_or_rfc3339() {
        assert_eq!(parse_time("2026-11-29").map(|t| t.unix_timestamp()), Ok(1_795_910_400));
        assert!(parse_time("2026-11-29T12:00:00Z").is_ok());
        assert!(parse_time("yesterday").is_err());
    }

    #[test]
    fn order_numbers_ignore_case_and_dash() {
        assert_eq!(normalize_number("1df1s-3ma79"), "1DF1S3MA79");
    }
}
