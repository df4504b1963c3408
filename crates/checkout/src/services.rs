//! Everything a function needs, built once per cold start and passed to its handler: the
//! configuration, the catalog and the clients (Mercado Pago, Secrets Manager cache, DynamoDB
//! order store, SNS events). Building does no network I/O.
//!
//! Calls to Mercado Pago go through here so that every function gets the same credential rule:
//! use the cached access token; if Mercado Pago answers 401, refetch the secret once and retry
//! once (the merchant rotated the token).

use std::sync::Arc;

use mercadopago::{ClientConfig, IdempotencyKey, Payment, PaymentCreateRequest, SearchRequest};
use secrecy::SecretString;

use crate::catalog::{Catalog, CatalogError};
use crate::config::{Config, ConfigError};
use crate::events::OrderEvents;
use crate::secrets::{Secrets, SecretsCache, SecretsError};
use crate::store::OrderStore;

/// Why the services could not be built (at cold start: fail fast).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Bad or missing environment.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Bad catalog.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Mercado Pago client could not be built.
    #[error(transparent)]
    MercadoPago(#[from] mercadopago::Error),
}

/// A failed call to Mercado Pago.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The credentials could not be read.
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    /// Mercado Pago failed or refused.
    #[error(transparent)]
    Api(#[from] mercadopago::Error),
}

/// The shared services.
pub struct Services {
    /// Settings.
    pub config: Config,
    /// Products and prices.
    pub catalog: Catalog,
    /// Mercado Pago client.
    pub mp: mercadopago::Client,
    /// Credentials cache.
    pub secrets: SecretsCache,
    /// Orders.
    pub store: OrderStore,
    /// "Order paid" events.
    pub events: OrderEvents,
}

impl Services {
    /// Builds everything from the process environment (the functions' `main`).
    ///
    /// # Errors
    /// A missing or invalid setting, catalog or Mercado Pago client configuration.
    pub async fn from_env() -> Result<Services, InitError> {
        Self::from_env_with(|_| {}).await
    }

    /// [`Services::from_env`], with `tune` adjusting the Mercado Pago client's settings (e.g.
    /// shorter timeouts) before the one client is built.
    ///
    /// # Errors
    /// As [`Services::from_env`].
    pub async fn from_env_with(tune: impl FnOnce(&mut ClientConfig)) -> Result<Services, InitError> {
        let config = Config::from_env()?;
        let sdk = crate::aws::load().await;
        Self::new_with(config, &sdk, tune)
    }

    /// Builds everything from a configuration and an AWS SDK configuration (tests point the
    /// latter at moto).
    ///
    /// # Errors
    /// As [`Services::from_env`].
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Result<Services, InitError> {
        Self::new_with(config, sdk, |_| {})
    }

    /// [`Services::new`] with `tune` adjusting the Mercado Pago client's settings first.
    ///
    /// # Errors
    /// As [`Services::from_env`].
    pub fn new_with(
        config: Config,
        sdk: &aws_config::SdkConfig,
        tune: impl FnOnce(&mut ClientConfig),
    ) -> Result<Services, InitError> {
        let catalog = Catalog::load(config.catalog_path.as_deref())?;
        let mut mp_config = config.mercadopago_client_config()?;
        tune(&mut mp_config);
        let mp = mercadopago::Client::new(mp_config)?;
        let secrets = SecretsCache::new(
            Arc::new(aws_sdk_secretsmanager::Client::new(sdk)),
            config.mp_secret_arn.clone(),
            config.secrets_ttl,
        );
        let store = OrderStore::new(aws_sdk_dynamodb::Client::new(sdk), config.orders_table.clone());
        let events = OrderEvents::new(aws_sdk_sns::Client::new(sdk), config.order_events_topic_arn()?.to_owned());
        Ok(Services { config, catalog, mp, secrets, store, events })
    }

    /// Runs `call` with the access token; on 401, refetches the secret and runs it once more.
    async fn with_token<T, F, Fut>(&self, call: F) -> Result<T, ProviderError>
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

    /// `POST /v1/payments` with the given idempotency key (retries reuse it).
    pub async fn create_payment(
        &self,
        request: &PaymentCreateRequest,
        key: &IdempotencyKey,
    ) -> Result<Payment, ProviderError> {
        self.with_token(|token| async move { self.mp.create_payment(&token, request, key).await }).await
    }

    /// `GET /v1/payments/{id}`.
    pub async fn get_payment(&self, id: u64) -> Result<Payment, ProviderError> {
        self.with_token(|token| async move { self.mp.get_payment(&token, id).await }).await
    }

    /// The newest payment whose `external_reference` is `order_id`, if any (finds a payment
    /// whose create answer was lost).
    pub async fn find_payment_for_order(&self, order_id: &str) -> Result<Option<Payment>, ProviderError> {
        let query = SearchRequest {
            external_reference: Some(order_id.to_owned()),
            sort: Some("date_created".into()),
            criteria: Some("desc".into()),
            limit: Some(1),
            offset: None,
        };
        let page = self
            .with_token(|token| {
                let query = query.clone();
                async move { self.mp.search_payments(&token, &query).await }
            })
            .await?;
        Ok(page.results.into_iter().next())
    }

    /// The webhook secret.
    pub async fn webhook_secret(&self) -> Result<SecretString, SecretsError> {
        Ok(self.secrets.get().await?.webhook_secret.clone())
    }
}
