//! Everything a function needs, built once per cold start and passed to its handler: the
//! configuration, the catalog cache (`catalog.json` from the site bucket, [`crate::catalog`]) and
//! the adapters (Mercado Pago with the Secrets Manager cache, the DynamoDB order store, the SNS
//! events). Building does no network I/O.

use std::sync::Arc;

use domain::catalog::{BUILT_IN, Catalog, CatalogError};
use mercadopago::ClientConfig;

use crate::catalog::{CatalogCache, S3Catalog};
use crate::config::{Config, ConfigError};
use crate::events::SnsEvents;
use crate::origin::OriginVerifier;
use crate::provider::MercadoPago;
use crate::secrets::SecretsCache;
use crate::store::OrderStore;

/// A function could not start.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A setting is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The built-in catalog is invalid (only used without `CATALOG_BUCKET`).
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// The Mercado Pago client could not be built.
    #[error(transparent)]
    MercadoPago(#[from] mercadopago::Error),
}

/// The adapters and settings, built once per cold start.
pub struct Services {
    /// Settings.
    pub config: Config,
    /// Products and prices: ask it for the current catalog on each request
    /// ([`CatalogCache::current`]); it changes when `make catalog` publishes a new one.
    pub catalog: Arc<CatalogCache>,
    /// The payment provider.
    pub provider: MercadoPago,
    /// Orders.
    pub store: OrderStore,
    /// "Order paid" events.
    pub events: SnsEvents,
    /// CloudFront's origin header check (`None` without `ORIGIN_VERIFY_SECRET_ARN`).
    pub origin: Option<Arc<OriginVerifier>>,
}

impl Services {
    /// From a configuration and an AWS SDK configuration.
    ///
    /// # Errors
    /// [`InitError`] naming what is missing.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Result<Services, InitError> {
        Self::new_with(config, sdk, |_| {})
    }

    /// From a configuration and an AWS SDK configuration, with `tune` adjusting the Mercado Pago
    /// client: one client per cold start.
    ///
    /// # Errors
    /// [`InitError`] naming what is missing.
    pub fn new_with(
        config: Config,
        sdk: &aws_config::SdkConfig,
        tune: impl FnOnce(&mut ClientConfig),
    ) -> Result<Services, InitError> {
        let catalog = Arc::new(match &config.catalog_bucket {
            Some(bucket) => CatalogCache::live(S3Catalog::new(sdk, bucket)?, config.catalog_ttl),
            None => CatalogCache::fixed(Catalog::from_json(BUILT_IN)?),
        });
        let mut mp_config = config.mercadopago_client_config()?;
        tune(&mut mp_config);
        let secrets_manager = Arc::new(aws_sdk_secretsmanager::Client::new(sdk));
        let origin = config.origin_verify_secret_arn.as_ref().map(|arn| {
            let source: Arc<dyn crate::secrets::SecretSource> = secrets_manager.clone();
            Arc::new(OriginVerifier::new(source, arn.clone(), config.secrets_ttl))
        });
        let provider = MercadoPago {
            client: mercadopago::Client::new(mp_config)?,
            secrets: SecretsCache::new(secrets_manager, config.mp_secret_arn.clone(), config.secrets_ttl),
            notification_url: config.notification_url.clone(),
            three_d_secure_mode: config.three_d_secure_mode,
        };
        let store = OrderStore::new(aws_sdk_dynamodb::Client::new(sdk), config.orders_table.clone());
        let events = SnsEvents::new(
            aws_sdk_sns::Client::new(sdk),
            config.order_events_topic_arn()?.to_owned(),
            Arc::clone(&catalog),
        );
        Ok(Services { config, catalog, provider, store, events, origin })
    }
}
