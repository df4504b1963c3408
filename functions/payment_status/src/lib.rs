//! `GET /api/payment_status/{order_id}`: what the page polls while a payment is pending.
//!
//! `200 {order_id, order_number, status, status_detail, message, amount, currency, items,
//! payment_id, updated_at}` with `Cache-Control: no-store`; `404` for unknown or malformed ids.
//! No payer data. `order_number` is the short number derived from the id
//! (`OrderId::order_number`); `items` are `[{sku, quantity, unit_price}]` from the stored order.
//! `amount` and `unit_price` are decimal strings with the currency's decimals (exact:
//! `domain::money::amount_text`), `updated_at` RFC 3339. `?locale=` picks the message language
//! (default: the order's), amounts in it included.
//!
//! When the order is not final and was last read from Mercado Pago more than
//! `STATUS_REFRESH_AFTER_SECS` ago, it is refreshed first (same monotonic rule and exactly-once
//! events as webhooks): payments made with test credentials never send webhooks, so polling must
//! settle them. A paid order (`approved`, `in_mediation`) is refreshed too, at most every
//! `STATUS_RECHECK_PAID_AFTER_SECS`, so a refund or chargeback made in Mercado Pago's panel
//! reaches it even when its webhook is lost. An order without a payment (its create answer was lost) is looked up by
//! `external_reference`. If Mercado Pago is unreachable, the stored state is served.

use std::time::Duration;

use std::sync::Arc;

use checkout::config::Config;
use checkout::http::{self as web, ApiError};
use checkout::services::{InitError, Services};
use domain::messages::{Lang, MessageContext, buyer_message};
use domain::order::{Order, OrderId, ReceiptLine, epoch_ms};
use domain::ports::{OrderRepository, PaymentProvider};
use domain::settle;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

/// What the handler needs.
pub struct Deps {
    /// Shared services.
    pub services: Services,
}

/// The routes this function serves (method, path), as the SAM template's `HttpApi` events
/// route them.
pub const ROUTES: &[(&str, &str)] = &[("GET", "/api/payment_status/{order_id}")];

/// The function at a cold start ([`checkout::http::App`]): its services, then its router.
///
/// # Errors
/// [`InitError`] naming a missing or invalid setting.
pub fn app(config: Config, sdk: &aws_config::SdkConfig) -> Result<Router, InitError> {
    Ok(router(Arc::new(Deps { services: Services::new(config, sdk)? })))
}

#[derive(Serialize)]
struct Status<'a> {
    order_id: &'a str,
    order_number: String,
    status: &'a str,
    status_detail: &'a str,
    message: String,
    amount: String,
    currency: &'a str,
    items: Vec<ReceiptLine>,
    payment_id: Option<u64>,
    updated_at: String,
}

/// The function's router: `GET /api/payment_status/{order_id}` (CORS preflights for the
/// configured origin; JSON 404/405 otherwise: `checkout::http::api_router`).
pub fn router(deps: Arc<Deps>) -> Router {
    let allowed_origin = deps.services.config.allowed_origin.clone();
    let origin = deps.services.origin.clone();
    let routes = Router::new().route("/api/payment_status/{order_id}", get(status)).with_state(deps);
    web::api_router(routes, allowed_origin.as_deref(), origin)
}

/// `GET /api/payment_status/{order_id}`. Every failure is a JSON response.
#[tracing::instrument(name = "payment_status", skip_all, fields(order_id))]
async fn status(State(deps): State<Arc<Deps>>, path: Result<Path<String>, PathRejection>, uri: Uri) -> Response {
    let id = path.ok().and_then(|Path(raw)| order_id(&raw));
    process(&deps, id, &uri).await.unwrap_or_else(IntoResponse::into_response)
}

/// The order id in its canonical form (lower-case, hyphenated), if `raw` is a UUID.
fn order_id(raw: &str) -> Option<OrderId> {
    uuid::Uuid::parse_str(raw).ok().and_then(|u| OrderId::parse(&u.hyphenated().to_string()).ok())
}

async fn process(deps: &Deps, id: Option<OrderId>, uri: &Uri) -> Result<Response, ApiError> {
    let services = &deps.services;
    let id = id.ok_or(ApiError::NotFound)?;
    tracing::Span::current().record("order_id", id.as_str());
    let mut order = services.store.get(&id).await.map_err(unavailable)?.ok_or(ApiError::NotFound)?;

    let now = epoch_ms(time::OffsetDateTime::now_utc());
    let refresh_after = if !order.is_final() {
        Some(services.config.status_refresh_after)
    } else if order.status.is_paid() {
        Some(services.config.status_recheck_paid_after)
    } else {
        None
    };
    let stale = refresh_after.is_some_and(|after| {
        let after = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
        order.checked_at_ms.is_none_or(|t| now - t >= after)
    });
    if stale {
        order = refresh(services, order).await;
    } else if let Err(e) = settle::publish_if_due(&services.store, &services.events, &order).await {
        tracing::warn!(error = %e, "order paid event still pending");
    } else if let Err(e) = settle::publish_events(&services.store, &services.events, &order).await {
        tracing::warn!(error = %e, "order event still pending");
    }

    let lang = web::query_param(uri, "locale").as_deref().and_then(Lang::from_locale).unwrap_or(order.terms.lang);
    // The statement descriptor of the current catalog (`catalog.json` in the site bucket). The
    // answer is the stored order: without a catalog (none could be read yet) it is still given,
    // with Mercado Pago's default descriptor in the message.
    let catalog = services.catalog.current().await.map_err(|e| tracing::warn!(error = %e, "no catalog")).ok();
    let ctx = MessageContext {
        amount: order.terms.amount,
        currency_id: &order.terms.currency_id,
        payment_method_id: &order.terms.payment_method_id,
        installments: order.terms.installments,
        statement_descriptor: catalog.as_ref().and_then(|c| c.statement_descriptor.as_deref()),
    };
    let body = Status {
        order_id: order.order_id.as_str(),
        order_number: order.order_id.order_number(),
        status: order.status.as_str(),
        status_detail: &order.status_detail,
        message: buyer_message(lang, order.status.as_str(), &order.status_detail, &ctx),
        amount: domain::money::amount_text(order.terms.amount, &order.terms.currency_id),
        currency: &order.terms.currency_id,
        items: order.terms.receipt_lines(),
        payment_id: order.payment_id,
        updated_at: order.updated_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
    };
    Ok(web::json_response(200, &body))
}

/// Reads the order's payment from Mercado Pago and applies it. Any failure leaves the stored
/// order as it was (logged): the page shows what is known and polls again.
async fn refresh(services: &Services, order: Order) -> Order {
    let payment = match order.payment_id {
        Some(id) => services.provider.get_payment(id).await.map(Some),
        None => services.provider.find_payment_for_order(&order.order_id).await,
    };
    let payment = match payment {
        Ok(Some(p)) => p,
        Ok(None) => {
            let _ = services.store.touch_checked(&order.order_id).await;
            return order;
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not refresh from Mercado Pago; serving the stored state");
            return order;
        }
    };
    match settle::settle(&services.store, &services.events, &order, &payment).await {
        // Nothing new (or a refused state): remember that we looked, so the next polls do not
        // ask again at once.
        Ok(settle::Settled::Stale(stale) | settle::Settled::Refused(stale)) => {
            match services.store.touch_checked(&order.order_id).await {
                Ok(Some(touched)) => touched,
                _ => stale,
            }
        }
        Ok(settled) => settled.order().cloned().unwrap_or(order),
        Err(e) => {
            tracing::warn!(error = %e, "could not apply the refreshed payment");
            services.store.get(&order.order_id).await.ok().flatten().unwrap_or(order)
        }
    }
}

fn unavailable(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "internal failure");
    ApiError::ServiceUnavailable { retry_after: Duration::from_secs(2) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_must_be_uuids() {
        let id = "0b5e1c8e-8a3a-4b6a-9a59-2f1d1c3f7a10";
        assert_eq!(order_id(id).as_ref().map(OrderId::as_str), Some(id));
        assert_eq!(order_id(&id.to_uppercase()).as_ref().map(OrderId::as_str), Some(id));
        assert_eq!(order_id("not-a-uuid"), None);
        assert_eq!(order_id(""), None);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_is_read_without_panicking(raw in any::<String>()) {
                if let Some(id) = order_id(&raw) {
                    prop_assert!(uuid::Uuid::parse_str(id.as_str()).is_ok_and(|u| u.hyphenated().to_string() == id.as_str()));
                }
            }

            #[test]
            fn a_uuid_in_the_path_is_the_order_id(bytes in any::<[u8; 16]>(), upper in any::<bool>()) {
                let id = uuid::Uuid::from_bytes(bytes).hyphenated().to_string();
                let sent = if upper { id.to_uppercase() } else { id.clone() };
                prop_assert_eq!(order_id(&sent).map(String::from), Some(id));
            }
        }
    }
}
