//! The domain's [`PaymentProvider`] over Mercado Pago's Payments API
//! (<https://www.mercadopago.com.ar/developers/en/reference/payments/_payments/post>).
//!
//! Every call uses the same credential rule: the cached access token; if Mercado Pago answers
//! 401, refetch the secret once and retry once (the merchant rotated the token).

use std::sync::Arc;

use domain::order::{Failure, OrderId, OrderStatus, epoch_ms};
use domain::payment::{ChargeRequest, ProviderError, ProviderPayment, ThreeDsInfo};
use domain::ports::PaymentProvider;
use domain::validation::FieldErrors;
use mercadopago::{
    AdditionalInfo, AdditionalInfoItem, AdditionalInfoPayer, Address, IdempotencyKey, Identification, Payer, Payment,
    PaymentCreateRequest, Phone, ReceiverAddress, SearchRequest, Shipments,
};
use secrecy::SecretString;

use crate::secrets::{Secrets, SecretsCache, SecretsError};

/// Mercado Pago, with the credentials from Secrets Manager. Built once per cold start.
pub struct MercadoPago {
    /// The API client (its timeouts and retries are the function's).
    pub client: mercadopago::Client,
    /// The access token and webhook secret, cached.
    pub secrets: SecretsCache,
    /// `notification_url` for new payments (`None`: the URL configured in Mercado Pago's panel).
    pub notification_url: Option<String>,
    /// `three_d_secure_mode` of new payments.
    pub three_d_secure_mode: mercadopago::ThreeDSecureMode,
}

/// A call to Mercado Pago failed before or after reaching it.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The credentials could not be read.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// Mercado Pago failed or refused.
    #[error(transparent)]
    Api(#[from] mercadopago::Error),
}

impl MercadoPago {
    /// Runs `call` with the cached access token; if Mercado Pago answers 401, reloads the secret
    /// once and runs it again (the rule every call follows; also used by `checkout-admin`).
    ///
    /// # Errors
    /// [`CallError`] when the secret cannot be read or Mercado Pago fails or refuses.
    pub async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, CallError>
    where
        F: Fn(SecretString) -> Fut,
        Fut: std::future::Future<Output = Result<T, mercadopago::Error>>,
    {
        let secrets: Arc<Secrets> = self.secrets.get().await?;
        match call(secrets.access_token.clone()).await {
            Err(e) if e.is_unauthorized() => {
                tracing::warn!("Mercado Pago refused the access token; reloading the secret");
                let fresh = self.secrets.refresh(&secrets).await?;
                Ok(call(fresh.access_token.clone()).await?)
            }
            other => Ok(other?),
        }
    }

    /// The webhook secret (to verify `x-signature`).
    ///
    /// # Errors
    /// [`SecretsError`] when Secrets Manager fails.
    pub async fn webhook_secret(&self) -> Result<SecretString, SecretsError> {
        Ok(self.secrets.get().await?.webhook_secret.clone())
    }

    /// The `POST /v1/payments` body for a charge.
    fn create_request(&self, charge: &ChargeRequest<'_>) -> PaymentCreateRequest {
        let (order, request) = (charge.order, charge.request);
        let buyer = order.terms.buyer.as_ref();
        PaymentCreateRequest {
            transaction_amount: order.terms.amount,
            token: request.token.expose().to_owned(),
            installments: request.installments,
            payment_method_id: request.payment_method_id.clone(),
            issuer_id: request.issuer_id.clone(),
            payer: Payer {
                email: request.payer_email.as_str().to_owned(),
                identification: request
                    .payer_identification
                    .as_ref()
                    .map(|(kind, number)| Identification { kind: Some(kind.clone()), number: Some(number.clone()) }),
                first_name: buyer.and_then(|b| b.first_name.clone()),
                last_name: buyer.and_then(|b| b.last_name.clone()),
            },
            description: Some(charge.description.to_owned()),
            external_reference: Some(order.order_id.to_string()),
            notification_url: self.notification_url.clone(),
            statement_descriptor: charge.statement_descriptor.map(str::to_owned),
            metadata: Some(serde_json::json!({ "order_id": order.order_id })),
            capture: None,
            binary_mode: None,
            additional_info: Some(additional_info(charge)),
            three_d_secure_mode: Some(self.three_d_secure_mode),
        }
    }
}

/// `additional_info` from what the order knows: its lines (names in the buyer's language,
/// categories from the catalog) and, as far as the catalog collects them, the buyer's name,
/// phone and shipping address (also sent as the payer's address: the only address we have).
pub fn additional_info(charge: &ChargeRequest<'_>) -> AdditionalInfo {
    let buyer = charge.order.terms.buyer.as_ref();
    let items = charge
        .items
        .iter()
        .map(|item| AdditionalInfoItem {
            id: item.sku.clone(),
            title: item.title.clone(),
            description: Some(item.description.clone()).filter(|d| !d.is_empty()),
            category_id: item.category_id.clone(),
            quantity: item.quantity,
            unit_price: item.unit_price,
        })
        .collect();
    let shipping = buyer.and_then(|b| b.shipping_address.as_ref());
    let payer = buyer.map(|b| AdditionalInfoPayer {
        first_name: b.first_name.clone(),
        last_name: b.last_name.clone(),
        phone: b.phone.as_ref().map(|p| Phone { area_code: None, number: p.number.clone() }),
        address: shipping.map(|a| Address {
            zip_code: a.zip_code.clone(),
            street_name: a.street_name.clone(),
            street_number: a.street_number.clone(),
        }),
    });
    let shipments = shipping.map(|a| Shipments {
        receiver_address: ReceiverAddress {
            zip_code: a.zip_code.clone(),
            state_name: a.state_name.clone(),
            city_name: a.city_name.clone(),
            street_name: a.street_name.clone(),
            street_number: a.street_number.clone(),
            floor: a.floor.clone(),
            apartment: a.apartment.clone(),
        },
    });
    let ip_address = charge.request.context.ip_address.map(|ip| ip.to_string());
    AdditionalInfo { items, payer, shipments, ip_address }
}

/// The domain's view of a Mercado Pago payment.
pub fn to_domain(payment: Payment) -> ProviderPayment {
    let when = payment.last_updated().or_else(|| payment.date_created.as_deref().and_then(mercadopago::parse_date));
    ProviderPayment {
        id: payment.id,
        status: OrderStatus::parse(payment.status.as_str()),
        status_detail: payment.status_detail,
        external_reference: payment.external_reference,
        transaction_amount: payment.transaction_amount,
        currency_id: payment.currency_id,
        last_updated_ms: when.map(epoch_ms),
        transaction_amount_refunded: payment.transaction_amount_refunded.unwrap_or_default(),
        three_ds_info: payment
            .three_ds_info
            .map(|t| ThreeDsInfo { external_resource_url: t.external_resource_url, creq: t.creq }),
    }
}

/// A 4xx other than 401 (credentials) and 429 (rate limit): Mercado Pago refuses this request,
/// and repeating it will not help.
fn is_refusal(e: &mercadopago::Error) -> bool {
    e.status().is_some_and(|s| (400..500).contains(&s) && s != 401 && s != 429)
}

/// Field errors from Mercado Pago's cause codes (docs/mercadopago.md#cause-codes).
fn failure_from(e: &mercadopago::Error) -> Failure {
    let mut fields = FieldErrors::default();
    for cause in e.body().map(|b| b.cause.as_slice()).unwrap_or_default() {
        let field = match cause.code_number() {
            Some(2006 | 2062 | 3003 | 3008 | 4000) => ("token", "invalid"),
            Some(4050) => ("payer.email", "invalid"),
            Some(4051) => ("payer.email", "too_long"),
            Some(4001 | 2131 | 3011 | 3014 | 3028) => ("payment_method_id", "invalid"),
            Some(3001 | 2009) => ("issuer_id", "invalid"),
            Some(4004 | 4005 | 109) => ("installments", "invalid"),
            Some(2067 | 3021 | 3022 | 3023) => ("payer.identification.number", "invalid"),
            Some(2072 | 4037 | 4002 | 4003) => ("transaction_amount", "out_of_range"),
            _ => ("payment", "refused"),
        };
        fields.add(field.0, field.1);
    }
    if fields.is_empty() {
        fields.add("payment", "refused");
    }
    Failure { code: "validation_failed".into(), fields }
}

/// A failed call as the domain sees it: a refusal, or unavailable (with `Retry-After`).
pub fn provider_error(e: CallError) -> ProviderError {
    match e {
        CallError::Api(api) if is_refusal(&api) => {
            tracing::warn!(status = ?api.status(), causes = ?api.body().map(|b| &b.cause), "Mercado Pago refused the payment request");
            ProviderError::Refused(failure_from(&api))
        }
        CallError::Api(api) => ProviderError::Unavailable { retry_after: api.retry_after(), source: Box::new(api) },
        CallError::Secrets(s) => ProviderError::Unavailable { retry_after: None, source: Box::new(s) },
    }
}

impl PaymentProvider for MercadoPago {
    async fn create_payment(&self, charge: &ChargeRequest<'_>) -> Result<ProviderPayment, ProviderError> {
        let request = self.create_request(charge);
        let key = IdempotencyKey::new(charge.idempotency_key)
            .map_err(|e| ProviderError::Unavailable { retry_after: None, source: Box::new(e) })?;
        let key = &key;
        let request = &request;
        let device_id = charge.request.context.device_id.as_deref();
        self.with_token(
            |token| async move { self.client.create_payment_with_device(&token, request, key, device_id).await },
        )
        .await
        .map(to_domain)
        .map_err(provider_error)
    }

    async fn get_payment(&self, payment_id: u64) -> Result<ProviderPayment, ProviderError> {
        self.with_token(|token| async move { self.client.get_payment(&token, payment_id).await })
            .await
            .map(to_domain)
            .map_err(|e| match e {
                CallError::Api(api) if api.status() == Some(404) => ProviderError::NotFound,
                other => provider_error(other),
            })
    }

    async fn find_payment_for_order(&self, order_id: &OrderId) -> Result<Option<ProviderPayment>, ProviderError> {
        let query = SearchRequest {
            external_reference: Some(order_id.to_string()),
            sort: Some("date_created".into()),
            criteria: Some("desc".into()),
            limit: Some(1),
            offset: None,
        };
        let page = self
            .with_token(|token| {
                let query = query.clone();
                async move { self.client.search_payments(&token, &query).await }
            })
            .await
            .map_err(provider_error)?;
        Ok(page.results.into_iter().next().map(to_domain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(code: i64) -> mercadopago::Error {
        mercadopago::Error::Api {
            status: 400,
            body: serde_json::from_value(json!({"message": "x", "error": "bad_request", "status": 400,
                "cause": [{"code": code, "description": "x"}]}))
            .expect("body"),
            retry_after: None,
        }
    }

    #[test]
    fn cause_codes_map_to_fields() {
        assert_eq!(failure_from(&err(2006)).fields.get("token"), Some("invalid"));
        assert_eq!(failure_from(&err(4050)).fields.get("payer.email"), Some("invalid"));
        assert_eq!(failure_from(&err(3028)).fields.get("payment_method_id"), Some("invalid"));
        assert_eq!(failure_from(&err(9999)).fields.get("payment"), Some("refused"));
        assert!(is_refusal(&err(2006)));
        let unauthorized = mercadopago::Error::Api { status: 401, body: Default::default(), retry_after: None };
        assert!(!is_refusal(&unauthorized));
        assert!(matches!(provider_error(CallError::Api(unauthorized)), ProviderError::Unavailable { .. }));
        assert!(matches!(provider_error(CallError::Api(err(2006))), ProviderError::Refused(_)));
    }

    #[test]
    fn payments_are_ordered_by_date_last_updated() {
        let payment: Payment =
            serde_json::from_value(json!({"id": 7, "status": "approved", "status_detail": "accredited",
            "transaction_amount": 18500, "currency_id": "ARS", "external_reference": "x",
            "date_last_updated": "2026-11-21T10:00:00.000-04:00"}))
            .expect("payment");
        let seen = to_domain(payment);
        assert_eq!(seen.last_updated_ms, Some(1_795_269_600_000), "2026-11-21T14:00:00Z");
        assert_eq!((seen.status, seen.id), (OrderStatus::Approved, 7));
    }
}
