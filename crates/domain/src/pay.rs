//! Paying for an order, at most once per `Idempotency-Key`: price → create the order for the key
//! (or find the one it made) → hold the attempt lease → charge → settle.

use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, LineRequest, PricedOrder};
use crate::messages::Lang;
use crate::order::{Begin, NewOrder, Order, OrderStatus};
use crate::payment::{ChargeItem, ChargeRequest, ProviderError};
use crate::ports::{OrderEvents, OrderRepository, PaymentProvider, StoreError};
use crate::settle::{self, SettleError, Settled};
use crate::site::DocumentError;
use crate::validation::{FieldErrors, PaymentRequest};

/// How long one request may hold the right to call the provider for an order. Longer than the
/// Mercado Pago client's retry budget plus one request timeout, so a live attempt never loses it.
pub const ATTEMPT_LEASE: Duration = Duration::from_secs(30);

/// How often a duplicate request looks again while the first one holds the lease.
const POLL_IN_FLIGHT: Duration = Duration::from_millis(150);

/// Why a payment did not end with an order that has a result.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// Items or amounts do not fit the catalog (`422 validation_failed`).
    #[error("the request does not fit the catalog")]
    Invalid(FieldErrors),
    /// `transaction_amount` is not the catalog's total (`409 amount_mismatch`).
    #[error("transaction_amount is not the catalog's total")]
    AmountMismatch,
    /// The key made an order for another request (`409 idempotency_key_reused`).
    #[error("the idempotency key was used for another request")]
    KeyReused,
    /// The first request with the key is still charging (`409 request_in_progress`).
    #[error("a request with this key is still in progress")]
    InProgress,
    /// The provider refused the request (`422 validation_failed`); final for this key.
    #[error("the payment provider refused the request")]
    Refused(FieldErrors),
    /// The provider is unavailable; the order waits for a retry with the same key (`503`).
    #[error("the payment provider is unavailable")]
    ProviderUnavailable {
        /// When to retry, if the provider said.
        retry_after: Option<Duration>,
    },
    /// The store failed (`503`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The order vanished or the payment could not be recorded on it (`503`).
    #[error("the payment could not be recorded on its order")]
    Unrecorded,
}

/// The ports and settings a payment needs.
pub struct Checkout<'a, R, E, P> {
    /// Orders.
    pub orders: &'a R,
    /// "Order paid" events.
    pub events: &'a E,
    /// The payment provider.
    pub provider: &'a P,
    /// Prices.
    pub catalog: &'a Catalog,
    /// How long a duplicate request waits for the first one before [`PayError::InProgress`].
    pub wait_for_in_flight: Duration,
}

impl<R: OrderRepository, E: OrderEvents, P: PaymentProvider> Checkout<'_, R, E, P> {
    /// Pays for `request` under `idempotency_key`: the order with its result (any payment
    /// status, rejected included). The same key with the same request returns the first result
    /// and never charges twice.
    ///
    /// # Errors
    /// [`PayError`], each with its answer.
    pub async fn pay(&self, idempotency_key: &str, request: &PaymentRequest) -> Result<Order, PayError> {
        let priced = self.catalog.price(&request.items).map_err(PayError::Invalid)?;
        let request = &self.for_site(request).map_err(PayError::Invalid)?;
        if request.transaction_amount.is_some_and(|seen| seen != priced.total) {
            // A retry of a request the earlier prices accepted (its answer was lost, then the
            // catalog changed) gets its own order's result: refusing it would make the page
            // reprice, and a new Pay could charge a second time.
            return match self.orders.for_key(idempotency_key, &request_hash(request)).await? {
                Some(Begin::Existing(order)) => self.resume(order, request, &priced, idempotency_key).await,
                _ => Err(PayError::AmountMismatch),
            };
        }
        let buyer = request.fulfilment.buyer(&request.payer_email, self.catalog.collect).map_err(PayError::Invalid)?;
        let lang = request.lang.or_else(|| Lang::from_locale(&self.catalog.default_locale)).unwrap_or(Lang::Es);
        let terms = NewOrder {
            idempotency_key: idempotency_key.to_owned(),
            request_hash: request_hash(request),
            lines: priced.lines.clone(),
            amount: priced.total,
            currency_id: priced.currency_id.clone(),
            lang,
            payment_method_id: request.payment_method_id.clone(),
            installments: request.installments,
            buyer: Some(buyer),
        };
        match self.orders.begin(terms, ATTEMPT_LEASE).await? {
            Begin::KeyReused => Err(PayError::KeyReused),
            // A new order is created holding the attempt lease: charge it.
            Begin::Created(order) => self.charge(&order, request, &priced, idempotency_key).await,
            Begin::Existing(order) => self.resume(order, request, &priced, idempotency_key).await,
        }
    }

    /// The request as the catalog's site takes it: `transaction_amount` with no more decimals
    /// than the currency has (`18500.5` CLP is refused, not rounded), and the identification
    /// document checked and normalized for the site ([`Site::check_document`]); required on
    /// every site that asks for one, dropped on MLM, which asks for none.
    ///
    /// # Errors
    /// Field errors: `transaction_amount: too_many_decimals`, `payer.identification: required`,
    /// `payer.identification.type: invalid`, `payer.identification.number: invalid`.
    fn for_site(&self, request: &PaymentRequest) -> Result<PaymentRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let decimals =
            crate::money::minor_units(&self.catalog.currency_id).unwrap_or(crate::money::DEFAULT_MINOR_UNITS);
        if request.transaction_amount.is_some_and(|a| a.normalize().scale() > decimals) {
            errors.add("transaction_amount", "too_many_decimals");
        }
        let mut checked = request.clone();
        let site = self.catalog.site();
        checked.payer_identification = match (&request.payer_identification, site.asks_for_identification()) {
            (_, false) => None,
            (None, true) => {
                errors.add("payer.identification", "required");
                None
            }
            (Some((kind, number)), true) => match site.check_document(kind, number) {
                Ok(normalized) => Some((kind.clone(), normalized)),
                Err(DocumentError::UnknownType) => {
                    errors.add("payer.identification.type", "invalid");
                    None
                }
                Err(DocumentError::InvalidNumber) => {
                    errors.add("payer.identification.number", "invalid");
                    None
                }
            },
        };
        if errors.is_empty() { Ok(checked) } else { Err(errors) }
    }

    /// The same key and request again: the first result, or (while the order has none) the
    /// attempt, once this caller holds its lease.
    async fn resume(
        &self,
        existing: Order,
        request: &PaymentRequest,
        priced: &PricedOrder,
        idempotency_key: &str,
    ) -> Result<Order, PayError> {
        if existing.status != OrderStatus::Created {
            tracing::info!(order_id = %existing.order_id, "same key and body: answering the first result");
            return result(existing);
        }

        // A retry, or a duplicate racing the first request: only one request at a time calls
        // the provider for an order; the others wait for its result.
        let started = Instant::now();
        let leased = loop {
            if let Some(leased) = self.orders.acquire_attempt(&existing.order_id, ATTEMPT_LEASE).await? {
                break leased;
            }
            let current = self.orders.get(&existing.order_id).await?.ok_or(PayError::Unrecorded)?;
            if current.status != OrderStatus::Created {
                return result(current);
            }
            if started.elapsed() >= self.wait_for_in_flight {
                return Err(PayError::InProgress);
            }
            tokio::time::sleep(POLL_IN_FLIGHT).await;
        };
        self.charge(&leased, request, priced, idempotency_key).await
    }

    /// Calls the provider for a leased order and records the outcome.
    async fn charge(
        &self,
        order: &Order,
        request: &PaymentRequest,
        priced: &PricedOrder,
        idempotency_key: &str,
    ) -> Result<Order, PayError> {
        let description = description(self.catalog, priced, order.terms.lang);
        let statement_descriptor = self.catalog.statement_descriptor.as_deref();
        let items = charge_items(self.catalog, order);
        let charge = ChargeRequest {
            order,
            request,
            description: &description,
            statement_descriptor,
            idempotency_key,
            items: &items,
        };
        match self.provider.create_payment(&charge).await {
            Ok(payment) => {
                let settled = match settle::settle(self.orders, self.events, order, &payment).await {
                    Ok(s) => s,
                    // The order is recorded even if the event could not be published: a later
                    // webhook or poll publishes it.
                    Err(SettleError::Events(_)) => {
                        Settled::Stale(self.orders.get(&order.order_id).await?.ok_or(PayError::Unrecorded)?)
                    }
                    Err(SettleError::Store(e)) => return Err(e.into()),
                };
                match settled.order() {
                    Some(o) if o.status != OrderStatus::Created => result(o.clone()),
                    _ => Err(PayError::Unrecorded),
                }
            }
            Err(ProviderError::Refused(failure)) => {
                tracing::warn!(order_id = %order.order_id, fields = ?failure.fields, "the provider refused the payment request");
                let failed = self.orders.record_failure(&order.order_id, &failure).await?;
                result(failed.ok_or(PayError::Unrecorded)?)
            }
            Err(e) => {
                let retry_after = match &e {
                    ProviderError::Unavailable { retry_after, .. } => *retry_after,
                    _ => None,
                };
                tracing::error!(order_id = %order.order_id, error = %e, "provider unavailable; the order waits for a retry with the same key");
                if let Err(release) = self.orders.release_attempt(&order.order_id).await {
                    tracing::error!(error = %release, "could not release the attempt lease");
                }
                Err(PayError::ProviderUnavailable { retry_after })
            }
        }
    }
}

/// An order with a result, or the refusal it recorded.
fn result(order: Order) -> Result<Order, PayError> {
    if order.status == OrderStatus::Failed {
        return Err(PayError::Refused(order.failure.map(|f| f.fields).unwrap_or_default()));
    }
    Ok(order)
}

/// `description` sent to the provider, which Mercado Pago shows the merchant (panel, reports)
/// and the buyer (its receipt): the store and the products' titles in the buyer's language,
/// `Matecito: 2 × Mate de calabaza, 1 × Bombilla de acero` (the SKU for a product the catalog no
/// longer has), at most 250 bytes, cut on a character boundary (our choice: Mercado Pago
/// documents no limit for `description`; 250 keeps it well inside what its panel shows).
pub fn description(catalog: &Catalog, priced: &PricedOrder, lang: Lang) -> String {
    let title = |sku: &str| catalog.product(sku).map_or_else(|| sku.to_owned(), |p| p.name.get(lang).to_owned());
    let lines: Vec<String> = priced.lines.iter().map(|l| format!("{} × {}", l.quantity, title(&l.sku))).collect();
    let mut text = format!("{}: {}", catalog.store_name, lines.join(", "));
    if text.len() > 250 {
        let cut = (0..=250).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.truncate(cut);
    }
    text
}

/// The order's lines for the provider's risk scoring: each product's name, description and
/// category from the current catalog in the buyer's language (the SKU when the product is gone),
/// with the quantity and unit price the order was priced at.
pub fn charge_items(catalog: &Catalog, order: &Order) -> Vec<ChargeItem> {
    let lang = order.terms.lang;
    order
        .terms
        .lines
        .iter()
        .map(|line| {
            let product = catalog.product(&line.sku);
            ChargeItem {
                sku: line.sku.clone(),
                title: product.map_or_else(|| line.name.clone(), |p| p.name.get(lang).to_owned()),
                description: product.map(|p| p.description.get(lang).to_owned()).unwrap_or_default(),
                category_id: product.and_then(|p| p.category_id.clone()),
                quantity: line.quantity,
                unit_price: line.unit_price,
            }
        })
        .collect()
}

/// SHA-256 (hex) over the normalized request (everything but the language; the e-mail
/// lowercased): the same key with the same request is a retry; with another request it is a
/// mistake.
pub fn request_hash(r: &PaymentRequest) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        items: &'a [LineRequest],
        token: &'a str,
        payment_method_id: &'a str,
        issuer_id: Option<&'a str>,
        installments: u32,
        payer_email: String,
        payer_identification: Option<&'a (String, String)>,
        first_name: Option<&'a str>,
        last_name: Option<&'a str>,
        phone: Option<&'a str>,
        shipping_address: Option<&'a crate::buyer::ShippingAddress>,
        transaction_amount: Option<String>,
    }
    let canonical = Canonical {
        items: &r.items,
        token: r.token.expose(),
        payment_method_id: &r.payment_method_id,
        issuer_id: r.issuer_id.as_deref(),
        installments: r.installments,
        payer_email: r.payer_email.as_str().to_lowercase(),
        payer_identification: r.payer_identification.as_ref(),
        first_name: r.fulfilment.first_name.as_deref(),
        last_name: r.fulfilment.last_name.as_deref(),
        phone: r.fulfilment.phone.as_ref().map(|p| p.number.as_str()),
        shipping_address: r.fulfilment.shipping_address.as_ref(),
        transaction_amount: r.transaction_amount.map(|a| a.normalize().to_string()),
    };
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemoryEvents, MemoryOrders, MemoryProvider};
    use crate::validation;
    use serde_json::json;

    fn request(body: serde_json::Value) -> PaymentRequest {
        validation::payment_request(&body).expect("valid")
    }

    fn body() -> serde_json::Value {
        json!({"items": [{"sku": "mate-calabaza", "quantity": 1}], "token": "abc", "payment_method_id": "visa",
               "installments": 1, "locale": "es-AR",
               "payer": {"email": "Buyer@Example.com", "first_name": "Ana", "last_name": "García",
                         "phone": {"number": "11 5555-0100"}, "identification": {"type": "DNI", "number": "12345678"}},
               "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "zip_code": "C1043",
                                    "city_name": "Buenos Aires", "state_name": "CABA"}})
    }

    struct World {
        orders: MemoryOrders,
        events: MemoryEvents,
        provider: MemoryProvider,
        catalog: Catalog,
    }

    impl World {
        fn new() -> World {
            World {
                orders: MemoryOrders::default(),
                events: MemoryEvents::default(),
                provider: MemoryProvider::default(),
                catalog: Catalog::load(None).expect("catalog"),
            }
        }

        fn checkout(&self) -> Checkout<'_, MemoryOrders, MemoryEvents, MemoryProvider> {
            Checkout {
                orders: &self.orders,
                events: &self.events,
                provider: &self.provider,
                catalog: &self.catalog,
                wait_for_in_flight: Duration::from_millis(300),
            }
        }

        fn charges(&self) -> usize {
            self.provider.charges.lock().map(|c| c.len()).unwrap_or(0)
        }
    }

    #[test]
    fn the_hash_ignores_language_and_email_case_but_not_the_rest() {
        let a = request_hash(&request(body()));
        let mut other_locale = body();
        other_locale["locale"] = json!("en-US");
        other_locale["payer"]["email"] = json!("buyer@example.com");
        assert_eq!(a, request_hash(&request(other_locale)));
        let mut more = body();
        more["items"][0]["quantity"] = json!(2);
        assert_ne!(a, request_hash(&request(more)));
        let mut token = body();
        token["token"] = json!("abd");
        assert_ne!(a, request_hash(&request(token)));
    }

    #[test]
    fn descriptions_are_short_and_name_the_lines() {
        let catalog = Catalog::load(None).expect("catalog");
        let priced = catalog.price(&[LineRequest { sku: "mate-calabaza".into(), quantity: 2 }]).expect("priced");
        assert_eq!(description(&catalog, &priced, Lang::Es), "Matecito: 2 × Mate de calabaza");
        assert_eq!(description(&catalog, &priced, Lang::En), "Matecito: 2 × Gourd mate cup");
        let mut long = catalog.clone();
        long.store_name = "ñ".repeat(200);
        let text = description(&long, &priced, Lang::Pt);
        assert!(text.len() <= 250 && text.starts_with('ñ'));
        assert!("ñ".repeat(125).starts_with(text.as_str()), "cut on a character boundary");
    }

    #[tokio::test]
    async fn paying_twice_with_one_key_charges_once() {
        let world = World::new();
        let first = world.checkout().pay("key-1", &request(body())).await.expect("paid");
        let again = world.checkout().pay("key-1", &request(body())).await.expect("paid");
        assert_eq!(first.order_id, again.order_id);
        assert_eq!(first.status, OrderStatus::Approved);
        assert_eq!(world.charges(), 1);
        assert_eq!(world.events.published(), vec![first.order_id]);
    }

    #[tokio::test]
    async fn the_order_keeps_what_the_catalog_collects_and_nothing_else() {
        let mut world = World::new();
        let paid = world.checkout().pay("key-1", &request(body())).await.expect("paid");
        let buyer = paid.terms.buyer.expect("buyer");
        assert_eq!(buyer.email, "Buyer@Example.com");
        assert_eq!(buyer.shipping_address.map(|a| a.zip_code), Some("C1043".into()));
        assert_eq!(buyer.phone.map(|p| p.number), Some("11 5555-0100".into()));

        world.catalog.collect = crate::buyer::Collect::default();
        let e_mail_only = world.checkout().pay("key-2", &request(body())).await.expect("paid");
        let buyer = e_mail_only.terms.buyer.expect("buyer");
        assert!(buyer.shipping_address.is_none() && buyer.phone.is_none() && buyer.first_name.is_none());
    }

    #[tokio::test]
    async fn a_missing_address_is_refused_before_any_order_or_charge() {
        let world = World::new();
        let mut no_address = body();
        no_address.as_object_mut().expect("object").remove("shipping_address");
        no_address["payer"].as_object_mut().expect("payer").remove("phone");
        let Err(PayError::Invalid(fields)) = world.checkout().pay("key-1", &request(no_address)).await else {
            panic!("refused")
        };
        assert_eq!(fields.get("shipping_address"), Some("required"));
        assert_eq!(fields.get("payer.phone.number"), Some("required"));
        assert_eq!(world.charges(), 0);
        assert!(world.orders.for_key("key-1", "any").await.expect("read").is_none(), "no order");
    }

    #[tokio::test]
    async fn another_address_under_a_used_key_is_another_request() {
        let world = World::new();
        world.checkout().pay("key-1", &request(body())).await.expect("paid");
        let mut moved = body();
        moved["shipping_address"]["street_number"] = json!("1235");
        assert!(matches!(world.checkout().pay("key-1", &request(moved)).await, Err(PayError::KeyReused)));
        assert_eq!(world.charges(), 1);
    }

    #[tokio::test]
    async fn a_retry_after_a_price_change_gets_its_first_result_and_no_second_charge() {
        let mut world = World::new();
        let mut seen = body();
        seen["transaction_amount"] = json!(18500); // the total the page showed
        let first = world.checkout().pay("key-1", &request(seen.clone())).await.expect("paid");
        // The catalog changes before the page resends the same attempt (its answer was lost).
        let price = &mut world.catalog.products[0].unit_price;
        *price += rust_decimal::Decimal::ONE;
        let again = world.checkout().pay("key-1", &request(seen.clone())).await.expect("the first result");
        assert_eq!((again.order_id, again.status), (first.order_id, OrderStatus::Approved));
        assert_eq!(world.charges(), 1);
        // A new key with the old amount is still a mismatch.
        assert!(matches!(world.checkout().pay("key-2", &request(seen)).await, Err(PayError::AmountMismatch)));
        assert_eq!(world.charges(), 1);
    }

    #[tokio::test]
    async fn another_request_under_a_used_key_is_refused() {
        let world = World::new();
        world.checkout().pay("key-1", &request(body())).await.expect("paid");
        let mut other = body();
        other["items"][0]["quantity"] = json!(2);
        assert!(matches!(world.checkout().pay("key-1", &request(other)).await, Err(PayError::KeyReused)));
        assert_eq!(world.charges(), 1);
    }

    #[tokio::test]
    async fn a_wrong_total_is_refused_before_any_order() {
        let world = World::new();
        let mut cheap = body();
        cheap["transaction_amount"] = json!(1);
        assert!(matches!(world.checkout().pay("k", &request(cheap)).await, Err(PayError::AmountMismatch)));
        assert_eq!(world.charges(), 0);
    }

    #[tokio::test]
    async fn a_refusal_is_final_for_the_key() {
        let world = World::new();
        *world.provider.outcome.lock().expect("lock") = Some(Err(true));
        let refused = world.checkout().pay("k", &request(body())).await;
        assert!(matches!(&refused, Err(PayError::Refused(f)) if f.get("token") == Some("invalid")));
        *world.provider.outcome.lock().expect("lock") = None;
        assert!(matches!(world.checkout().pay("k", &request(body())).await, Err(PayError::Refused(_))));
        assert_eq!(world.charges(), 0);
    }

    #[tokio::test]
    async fn an_outage_keeps_the_order_for_a_retry_with_the_same_key() {
        let world = World::new();
        *world.provider.outcome.lock().expect("lock") = Some(Err(false));
        let down = world.checkout().pay("k", &request(body())).await;
        assert!(matches!(down, Err(PayError::ProviderUnavailable { .. })));
        *world.provider.outcome.lock().expect("lock") = None;
        let paid = world.checkout().pay("k", &request(body())).await.expect("paid on retry");
        assert_eq!((paid.status, world.charges()), (OrderStatus::Approved, 1));
    }

    #[tokio::test]
    async fn documents_are_checked_for_the_catalogs_site_before_any_order() {
        let world = World::new();
        let with_document = |kind: &str, number: &str| {
            let mut b = body();
            b["payer"]["identification"] = json!({"type": kind, "number": number});
            request(b)
        };
        let refused = |r: Result<Order, PayError>| match r {
            Err(PayError::Invalid(fields)) => fields,
            other => panic!("not refused: {other:?}"),
        };
        let fields = refused(world.checkout().pay("a", &with_document("CPF", "12345678909")).await);
        assert_eq!(fields.get("payer.identification.type"), Some("invalid"), "a Brazilian document in Argentina");
        let fields = refused(world.checkout().pay("b", &with_document("DNI", "123")).await);
        assert_eq!(fields.get("payer.identification.number"), Some("invalid"));
        let mut none = body();
        none["payer"].as_object_mut().expect("payer").remove("identification");
        let fields = refused(world.checkout().pay("c", &request(none)).await);
        assert_eq!(fields.get("payer.identification"), Some("required"));
        assert_eq!((world.orders.len(), world.charges()), (0, 0), "nothing created, nothing charged");

        // Written with dots or without, it is the same document and the same request.
        let first = world.checkout().pay("d", &with_document("DNI", "12.345.678")).await.expect("paid");
        let again = world.checkout().pay("d", &with_document("DNI", "12345678")).await.expect("the same request");
        assert_eq!((first.order_id, world.charges()), (again.order_id, 1));
    }

    #[tokio::test]
    async fn a_clp_amount_with_decimals_is_refused_not_rounded() {
        let mut world = World::new();
        world.catalog = Catalog::from_json(
            &crate::catalog::BUILT_IN.replacen("\"MLA\"", "\"MLC\"", 1).replacen("\"ARS\"", "\"CLP\"", 1).replacen(
                "\"7250.50\"",
                "\"7250\"",
                1,
            ),
        )
        .expect("a Chilean catalog");
        let mut b = body();
        b["payer"]["identification"] = json!({"type": "RUT", "number": "12.345.678-5"});
        b["transaction_amount"] = serde_json::from_str("18500.5").expect("a number");
        let Err(PayError::Invalid(fields)) = world.checkout().pay("k", &request(b.clone())).await else {
            panic!("18500.5 CLP accepted")
        };
        assert_eq!(fields.get("transaction_amount"), Some("too_many_decimals"));
        b["transaction_amount"] = json!(18500);
        let paid = world.checkout().pay("k", &request(b)).await.expect("a whole amount");
        assert_eq!((paid.terms.amount, paid.terms.currency_id.as_str()), (rust_decimal::Decimal::new(18500, 0), "CLP"));
    }

    #[tokio::test]
    async fn a_duplicate_waits_for_the_lease_then_answers_in_progress() {
        let world = World::new();
        // Another request holds the attempt lease and never finishes.
        let terms = NewOrder { request_hash: request_hash(&request(body())), ..crate::memory::new_order("k") };
        world.orders.begin(terms, ATTEMPT_LEASE).await.expect("begin");
        let started = Instant::now();
        assert!(matches!(world.checkout().pay("k", &request(body())).await, Err(PayError::InProgress)));
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(world.charges(), 0);
    }
}
