//! `devstack`: the pieces of the local stack that are not Mercado Pago or AWS stand-ins.
//!
//! - `devstack seed`: creates the orders table (the same definition the store uses), the
//!   Mercado Pago secret, the "order paid" topic and the site bucket holding `catalog.json`
//!   (checked as the functions check it) in moto, subscribes an HTTP endpoint to the topic, and
//!   prints the function environment as `KEY=VALUE` lines.
//! - `devstack edge`: the local CloudFront and HTTP API: serves `site/` (with the security
//!   headers the deployed distribution sends, CSP included) and `/catalog.json` from the site
//!   bucket (the object the functions read, as CloudFront serves it from S3), routes `/api/*` as
//!   the HTTP API does (the template's `HttpApi` events, given as `--route` by
//!   `scripts/lib/stack.sh`) to the functions under `cargo lambda watch`, through their function
//!   URLs, and receives "order paid" messages at `/__dev/order-events` (printed, and listed by
//!   `GET /__dev/order-events`).

mod routes;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use clap::{Parser, Subcommand};
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};

use routes::{Route, Routes};

#[derive(Parser)]
#[command(name = "devstack", version, about = "Local stack tooling for the Mercado Pago checkout.")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the table, secret and topic in moto; print the functions' environment.
    Seed {
        /// moto server URL.
        #[arg(long, env = "MOTO_ENDPOINT")]
        moto: String,
        /// Name prefix for the table, secret and topic.
        #[arg(long, default_value = "dev")]
        prefix: String,
        /// Mercado Pago access token to store in the secret.
        #[arg(long, env = "MP_ACCESS_TOKEN", hide_env_values = true)]
        access_token: String,
        /// Webhook secret to store in the secret.
        #[arg(long, env = "MP_WEBHOOK_SECRET", hide_env_values = true)]
        webhook_secret: String,
        /// HTTP endpoint subscribed to the "order paid" topic.
        #[arg(long)]
        events_url: Option<String>,
        /// The catalog to publish in the site bucket (`<prefix>-site`, key `catalog.json`).
        #[arg(long, default_value = "catalog.json")]
        catalog: PathBuf,
    },
    /// Serve the site and route /api/* to the functions.
    Edge {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory with the static site.
        #[arg(long, default_value = "site")]
        site: PathBuf,
        /// Base URL of `cargo lambda watch`: a request routed to FUNCTION goes to its function
        /// URL, `<api>/lambda-url/FUNCTION<path>?<query>`, so the function sees the path and
        /// query as sent.
        #[arg(long, default_value = "http://127.0.0.1:9000")]
        api: String,
        /// A route of the HTTP API, `METHOD PATH FUNCTION` (`ANY` for any method, `{name}` and a
        /// last `{name+}` in the path), as `scripts/functions.py --routes` prints the template's;
        /// once per route. Other requests under /api/ are answered 404, as API Gateway does.
        #[arg(long = "route", value_name = "METHOD PATH FUNCTION", required = true)]
        routes: Vec<Route>,
        /// Content-Security-Policy for the site's pages (as the CloudFront response headers
        /// policy sends it).
        #[arg(long, env = "EDGE_CSP")]
        csp: Option<String>,
        /// File served as `/config.json` (the page's settings), instead of `site/config.json`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Serve `/catalog.json` from this bucket's `catalog.json` (the object the functions
        /// read) instead of `site/catalog.json`; needs `--moto`.
        #[arg(long, requires = "moto")]
        catalog_bucket: Option<String>,
        /// moto server URL (for `--catalog-bucket` and `--origin-verify-secret-arn`).
        #[arg(long, env = "MOTO_ENDPOINT")]
        moto: Option<String>,
        /// The secret whose value the edge adds to every /api/* request as `X-Origin-Verify`,
        /// as CloudFront adds the template's OriginVerifySecret; needs `--moto`.
        #[arg(long, requires = "moto")]
        origin_verify_secret_arn: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    match Args::parse().command {
        Command::Seed { moto, prefix, access_token, webhook_secret, events_url, catalog } => {
            seed(&moto, &prefix, &access_token, &webhook_secret, events_url.as_deref(), &catalog).await
        }
        Command::Edge { listen, site, api, routes, csp, config, catalog_bucket, moto, origin_verify_secret_arn } => {
            let sdk = match &moto {
                Some(moto) => Some(checkout::aws::local(moto).await),
                None => None,
            };
            let catalog = match (catalog_bucket, &sdk) {
                (Some(bucket), Some(sdk)) => Some(checkout::catalog::S3Catalog::new(sdk, &bucket)?),
                _ => None,
            };
            let origin_secret = match (origin_verify_secret_arn, &sdk) {
                (Some(arn), Some(sdk)) => Some(
                    aws_sdk_secretsmanager::Client::new(sdk)
                        .get_secret_value()
                        .secret_id(arn)
                        .send()
                        .await?
                        .secret_string
                        .ok_or("the origin secret has no value")?,
                ),
                _ => None,
            };
            edge(listen, site, api, Routes::new(routes), csp, config, catalog, origin_secret).await
        }
    }
}

#[allow(clippy::print_stdout)] // The environment goes to stdout for the dev script to read.
async fn seed(
    moto: &str,
    prefix: &str,
    access_token: &str,
    webhook_secret: &str,
    events_url: Option<&str>,
    catalog: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    // The functions refuse an invalid catalog; refuse it here, before anything starts.
    let catalog_text = std::fs::read_to_string(catalog).map_err(|e| format!("{}: {e}", catalog.display()))?;
    domain::catalog::Catalog::from_json(&catalog_text).map_err(|e| format!("{}: {e}", catalog.display()))?;
    let sdk = checkout::aws::local(moto).await;
    let table = format!("{prefix}-orders");
    checkout::store::OrderStore::create_table(&aws_sdk_dynamodb::Client::new(&sdk), &table).await?;
    let secret_value = json!({"access_token": access_token, "webhook_secret": webhook_secret}).to_string();
    let secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(format!("{prefix}-mercadopago"))
        .description("Mercado Pago credentials for the local stack")
        .secret_string(secret_value)
        .send()
        .await?
        .arn
        .ok_or("moto returned no secret ARN")?;
    // CloudFront's origin secret (the template's OriginVerifySecret, generated there too): the
    // edge adds it to every /api/* request, as CloudFront does.
    let origin_secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(format!("{prefix}-origin-verify"))
        .description("The X-Origin-Verify value the local edge adds, as CloudFront does")
        .secret_string(uuid::Uuid::new_v4().simple().to_string())
        .send()
        .await?
        .arn
        .ok_or("moto returned no secret ARN")?;
    let sns = aws_sdk_sns::Client::new(&sdk);
    let topic_arn =
        sns.create_topic().name(format!("{prefix}-order-events")).send().await?.topic_arn.ok_or("no topic ARN")?;
    if let Some(url) = events_url {
        sns.subscribe().topic_arn(&topic_arn).protocol("http").endpoint(url).send().await?;
    }
    let bucket = format!("{prefix}-site");
    checkout::catalog::publish_local(&sdk, &bucket, &catalog_text)
        .await
        .map_err(|e| format!("the site bucket {bucket}: {e}"))?;
    println!("ORDERS_TABLE={table}");
    println!("CATALOG_BUCKET={bucket}");
    println!("MP_SECRET_ARN={secret_arn}");
    println!("ORDER_EVENTS_TOPIC_ARN={topic_arn}");
    println!("ORIGIN_VERIFY_SECRET_ARN={origin_secret_arn}");
    Ok(())
}

#[derive(Clone)]
struct Edge {
    http: reqwest::Client,
    api: String,
    routes: Arc<Routes>,
    events: Arc<Mutex<Vec<Value>>>,
    /// The `X-Origin-Verify` value added to every /api/* request, as CloudFront does.
    origin_secret: Option<HeaderValue>,
}

#[allow(clippy::too_many_arguments)] // One per command-line option.
async fn edge(
    listen: SocketAddr,
    site: PathBuf,
    api: String,
    routes: Routes,
    csp: Option<String>,
    config: Option<PathBuf>,
    catalog: Option<checkout::catalog::S3Catalog>,
    origin_secret: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    mercadopago::install_crypto_provider();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(35))
        .build()?;
    let origin_secret = origin_secret.map(|v| HeaderValue::from_str(&v)).transpose()?;
    let state = Edge {
        http,
        api: api.trim_end_matches('/').to_owned(),
        routes: Arc::new(routes),
        events: Arc::default(),
        origin_secret,
    };
    let mut static_headers = vec![
        (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
        (HeaderName::from_static("referrer-policy"), HeaderValue::from_static("strict-origin-when-cross-origin")),
        (HeaderName::from_static("cache-control"), HeaderValue::from_static("no-cache")),
    ];
    if let Some(policy) = csp {
        static_headers.push((HeaderName::from_static("content-security-policy"), HeaderValue::from_str(&policy)?));
        // The Reporting API endpoint the policy's `report-to csp-endpoint` names, as the template's
        // SecurityHeadersPolicy sends it (scripts/test_csp.py checks the two are the same).
        static_headers.push((
            HeaderName::from_static("reporting-endpoints"),
            HeaderValue::from_static("csp-endpoint=\"/api/csp-report\""),
        ));
    }
    let files = tower_http::services::ServeDir::new(&site).append_index_html_on_directories(true);
    let static_headers = Arc::new(static_headers);
    let mut static_site = Router::new();
    if let Some(catalog) = catalog {
        static_site =
            static_site.route("/catalog.json", axum::routing::get(serve_catalog).with_state(Arc::new(catalog)));
    }
    let static_site =
        static_site.fallback_service(files).layer(axum::middleware::map_response(move |mut resp: Response| {
            let headers = Arc::clone(&static_headers);
            async move {
                for (name, value) in headers.iter() {
                    resp.headers_mut().insert(name.clone(), value.clone());
                }
                resp
            }
        }));
    let mut app = Router::new()
        .route("/api/", any(proxy))
        .route("/api/{*rest}", any(proxy))
        .route("/__dev/order-events", axum::routing::get(list_events).post(receive_event))
        .with_state(state);
    if let Some(path) = config {
        app = app.route_service("/config.json", tower_http::services::ServeFile::new(path));
    }
    let app = app.fallback_service(static_site);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!(url = %format!("http://{}", listener.local_addr()?), site = %site.display(), "edge listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            tokio::signal::ctrl_c().await.ok();
        })
        .await?;
    Ok(())
}

/// CloudFront's header with the viewer's `IP:port`
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/adding-cloudfront-headers.html>).
const VIEWER_ADDRESS: &str = "cloudfront-viewer-address";

/// The origin custom header CloudFront adds for the functions (`checkout::origin`).
const ORIGIN_VERIFY: &str = checkout::origin::HEADER;

const HOP_BY_HOP: &[&str] = &["connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"];

/// Routes `/api/*` as the HTTP API does and forwards it with method, path, query, headers and
/// body to the function's URL under `cargo lambda watch` (an HTTP API payload 2.0 event with the
/// path and query as sent), as CloudFront's `/api/*` behavior does (no caching), adding
/// `CloudFront-Viewer-Address` as CloudFront does. A request no
/// route matches is answered `404 not_found` in the functions' JSON envelope.
async fn proxy(
    State(edge): State<Edge>,
    axum::extract::ConnectInfo(viewer): axum::extract::ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Some(function) = edge.routes.function_for(&parts.method, parts.uri.path()) else {
        tracing::info!(method = %parts.method, path = parts.uri.path(), status = 404, "api: no route");
        return checkout::http::ApiError::NotFound.into_response();
    };
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(bytes) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response();
    };
    let url = format!("{}/lambda-url/{function}{path_and_query}", edge.api);
    let mut upstream = edge.http.request(parts.method.clone(), url);
    // A body that is not UTF-8 reaches a function base64-encoded, as API Gateway hands over
    // bodies that are not text. cargo lambda watch (1.9.2) answers 500 without calling the
    // function when such a body comes as text (`application/json`, `text/*`); sent as
    // `application/octet-stream`, it base64-encodes it, and the function answers for itself
    // (`400 malformed_json`).
    let binary = std::str::from_utf8(&bytes).is_err();
    for (name, value) in &parts.headers {
        let replaced =
            (binary && name == axum::http::header::CONTENT_TYPE) || name == VIEWER_ADDRESS || name == ORIGIN_VERIFY;
        if !(HOP_BY_HOP.contains(&name.as_str()) || replaced) {
            upstream = upstream.header(name, value);
        }
    }
    // CloudFront adds the viewer's address (the template's origin request policy asks for it),
    // replacing any value the client sent.
    upstream = upstream.header(VIEWER_ADDRESS, viewer.to_string());
    // CloudFront's origin custom header (a viewer cannot set or see it).
    if let Some(secret) = &edge.origin_secret {
        upstream = upstream.header(ORIGIN_VERIFY, secret.clone());
    }
    if binary {
        upstream = upstream.header(axum::http::header::CONTENT_TYPE, "application/octet-stream");
    }
    let started = std::time::Instant::now();
    match upstream.body(bytes).send().await {
        Ok(resp) => {
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await.unwrap_or_default();
            tracing::info!(method = %parts.method, path = parts.uri.path(), function, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "api");
            let mut out = Response::new(Body::from(body));
            *out.status_mut() = status;
            for (name, value) in &headers {
                if !HOP_BY_HOP.contains(&name.as_str()) {
                    out.headers_mut().insert(name, value.clone());
                }
            }
            out
        }
        // What API Gateway answers when the integration times out is a 504; a function that
        // cannot be reached at all is a 502. Both may be retried.
        Err(e) if e.is_timeout() => {
            tracing::error!(error = %e, "the function did not answer in time");
            let body =
                json!({"error": {"code": "gateway_timeout", "message": "The function did not answer in time; retry."}});
            (StatusCode::GATEWAY_TIMEOUT, [(axum::http::header::RETRY_AFTER, "1")], Json(body)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "functions unreachable (is cargo lambda watch running?)");
            let body = json!({"error": {"code": "bad_gateway", "message": "The functions are not reachable."}});
            (StatusCode::BAD_GATEWAY, [(axum::http::header::RETRY_AFTER, "1")], Json(body)).into_response()
        }
    }
}

/// `GET /catalog.json`: the site bucket's object, the one the functions read, read at each
/// request (CloudFront caches it until `make catalog` invalidates it; locally there is nothing
/// to invalidate).
async fn serve_catalog(State(catalog): State<Arc<checkout::catalog::S3Catalog>>) -> Response {
    use checkout::catalog::CatalogSource as _;
    match catalog.get().await {
        Ok(text) => ([(http::header::CONTENT_TYPE, "application/json; charset=utf-8")], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, location = catalog.location(), "catalog.json not readable");
            (StatusCode::BAD_GATEWAY, "catalog.json is not readable from the site bucket").into_response()
        }
    }
}

/// SNS HTTP delivery of an "order paid" message.
#[allow(clippy::print_stdout)] // The developer watches these arrive in the terminal.
async fn receive_event(State(edge): State<Edge>, body: Bytes) -> StatusCode {
    let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let message: Value = envelope
        .get("Message")
        .and_then(Value::as_str)
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or(Value::Null);
    println!(
        "order paid: order {} · payment {} · {} {}",
        message.get("order_id").and_then(Value::as_str).unwrap_or("?"),
        message.get("payment_id").unwrap_or(&Value::Null),
        message.get("amount").and_then(Value::as_str).unwrap_or("?"),
        message.get("currency_id").and_then(Value::as_str).unwrap_or("")
    );
    if let Ok(mut events) = edge.events.lock() {
        events.push(message);
    }
    StatusCode::OK
}

async fn list_events(State(edge): State<Edge>) -> Json<Value> {
    Json(Value::Array(edge.events.lock().map(|e| e.clone()).unwrap_or_default()))
}
