//! The test application: real handlers, `mp-sandbox` and `moto_server` on loopback.
//!
//! Each test gets its own sandbox, DynamoDB table, secret, SNS topic (with an HTTP subscriber
//! that records every "order paid" message) and site bucket holding `catalog.json` (the
//! repository's, which the functions read as deployed: `CATALOG_BUCKET`); all tests share one moto server, started once per
//! test process from `.venv` (created by `make test`). Webhooks from the sandbox reach the real
//! `notifications` handler through a small HTTP adapter, as API Gateway would deliver them.

use std::io::{BufRead, BufReader, Write};
use std::panic::AssertUnwindSafe;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::IntoResponse;
use checkout::config::{Config, Env};
use checkout::store::OrderStore;
use domain::order::{Order, OrderId};
use domain::ports::OrderRepository;
use futures_util::FutureExt as _;
use lambda_http::{Body, Request};
use mp_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// The moto server shared by the tests of this process.
struct Moto {
    url: String,
    _child: Option<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The moto endpoint: `MOTO_ENDPOINT` if set, else a server started from `.venv`.
pub(crate) fn moto_url() -> &'static str {
    &MOTO
        .get_or_init(|| {
            if let Ok(url) = std::env::var("MOTO_ENDPOINT") {
                return Moto { url, _child: None };
            }
            let root = workspace_root();
            let python = std::env::var("MOTO_PYTHON")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|_| root.join(".venv/bin/python"));
            assert!(
                python.exists(),
                "{} not found: the integration tests need moto_server. Run `make test` (it creates .venv), \
                 or set MOTO_ENDPOINT to a running moto server.",
                python.display()
            );
            let mut child = Command::new(&python)
                .arg(root.join("scripts/moto_server.py"))
                .arg("--watch-stdin")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto_server starts");
            let stdout = child.stdout.take().expect("stdout");
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).expect("moto prints its URL");
            assert!(line.starts_with("http://"), "unexpected moto output: {line:?}");
            // Keep stdin open for the life of this process; moto exits when it closes.
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.flush();
            }
            Moto { url: line.trim().to_owned(), _child: Some(child) }
        })
        .url
}

/// Logs of every test in this process (to check what is never logged).
pub(crate) static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once) a subscriber that writes every log line, at the level the functions run in
/// production and below for our crates, into [`LOGS`] (and to stderr when `TEST_LOG` is set).
pub(crate) fn init_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogWriter(Arc::clone(&buffer));
        let show = std::env::var("TEST_LOG").is_ok();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "info,checkout=debug,mercadopago=debug,process_payment=debug,notifications=debug,payment_status=debug",
            ))
            .with_ansi(false)
            .with_writer(move || -> Box<dyn Write> {
                if show { Box::new(TeeWriter(writer.clone())) } else { Box::new(writer.clone()) }
            })
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buffer
    });
}

struct TeeWriter(LogWriter);

impl Write for TeeWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        std::io::stderr().write_all(buf)?;
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far.
pub(crate) fn logs() -> String {
    LOGS.get()
        .map(|b| String::from_utf8_lossy(&b.lock().map(|g| g.clone()).unwrap_or_default()).into_owned())
        .unwrap_or_default()
}

/// Messages received by the SNS topic's HTTP subscriber.
#[derive(Clone, Default)]
pub(crate) struct Subscriber {
    messages: Arc<Mutex<Vec<Value>>>,
}

impl Subscriber {
    /// The "order paid" messages so far (the `Message` of each SNS notification, parsed).
    pub(crate) fn messages(&self) -> Vec<Value> {
        self.all().into_iter().filter(|m| m["type"] == "order.paid").collect()
    }

    /// Every event so far, of any type (`order.paid`, `order.refunded`...).
    pub(crate) fn all(&self) -> Vec<Value> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The events of one type for one order.
    pub(crate) fn events(&self, kind: &str, order_id: &str) -> Vec<Value> {
        self.all().into_iter().filter(|m| m["type"] == kind && m["order_id"] == order_id).collect()
    }
}

async fn sns_receive(State(s): State<Subscriber>, body: Bytes) -> impl IntoResponse {
    let envelope: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let message = envelope["Message"].as_str().and_then(|m| serde_json::from_str(m).ok()).unwrap_or(Value::Null);
    if let Ok(mut m) = s.messages.lock() {
        m.push(message);
    }
    "ok"
}

/// Serves `app` on a free loopback port; returns its base URL.
pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    url
}

/// Converts an HTTP request into the `lambda_http::Request` API Gateway would hand the function.
pub(crate) async fn to_lambda(req: axum::extract::Request) -> Request {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 10 * 1024 * 1024).await.unwrap_or_default();
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    http::Request::from_parts(parts, body)
}

/// A function's answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: u16,
    /// Headers.
    pub(crate) headers: http::HeaderMap,
    /// The body as JSON (`Null` when it is not JSON or empty).
    pub(crate) body: Value,
    /// Whether the body was empty.
    pub(crate) empty: bool,
}

impl Reply {
    /// Reads a response.
    pub(crate) async fn read(resp: axum::response::Response) -> Reply {
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("a function's body");
        Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            empty: bytes.is_empty(),
        }
    }

    /// A header's value as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Status and body.
    pub(crate) fn parts(self) -> (u16, Value) {
        (self.status, self.body)
    }
}

/// Options for [`TestApp::spawn_with`].
pub(crate) struct Options {
    /// Sandbox settings (credentials are kept in sync with the secret).
    pub(crate) sandbox: SandboxConfig,
    /// Extra environment for the functions.
    pub(crate) env: Vec<(&'static str, String)>,
    /// The published `catalog.json` (default: the repository's).
    pub(crate) catalog: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options { sandbox: SandboxConfig::for_tests(), env: vec![], catalog: domain::catalog::BUILT_IN }
    }
}

/// One test's world.
pub(crate) struct TestApp {
    /// The Mercado Pago sandbox.
    pub(crate) sandbox: Sandbox,
    /// AWS SDK configuration pointing at moto.
    pub(crate) sdk: aws_config::SdkConfig,
    /// Orders table name.
    pub(crate) table: String,
    /// Secret ARN.
    pub(crate) secret_arn: String,
    /// The site bucket, whose `catalog.json` the functions read (`CATALOG_BUCKET`).
    pub(crate) catalog_bucket: String,
    /// The order events topic (`ORDER_EVENTS_TOPIC_ARN`).
    pub(crate) topic_arn: String,
    /// The topic's HTTP subscriber.
    pub(crate) subscriber: Subscriber,
    /// Each function's router, built once as its cold start would (`app`), by name.
    routers: std::collections::HashMap<&'static str, axum::Router>,
    /// Public URL of the notifications adapter (what Mercado Pago posts to).
    pub(crate) notification_url: String,
    /// The store, for direct inspection.
    pub(crate) store: OrderStore,
    /// The value CloudFront sends as `X-Origin-Verify` (the functions read it from Secrets Manager).
    pub(crate) origin_secret: String,
}

/// Builds a `Config` the way the functions read their environment.
pub(crate) fn config(pairs: &[(&str, String)]) -> Config {
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Config::from(&Env::from_pairs(&borrowed)).expect("valid test configuration")
}

impl TestApp {
    /// A fresh world with default options.
    pub(crate) async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    /// A fresh world.
    pub(crate) async fn spawn_with(options: Options) -> TestApp {
        init_logs();
        let moto = moto_url();
        let sdk = checkout::aws::local(moto).await;
        let suffix = uuid::Uuid::new_v4().simple().to_string();

        // The webhook endpoint exists before the sandbox, which needs its URL; it serves the
        // function that routes `POST /api/notifications`.
        // CloudFront's origin secret (the template's OriginVerifySecret): Mercado Pago's webhooks
        // reach the function through CloudFront, which adds it.
        let origin_secret = uuid::Uuid::new_v4().simple().to_string();
        let adapter_slot: Arc<OnceLock<axum::Router>> = Arc::new(OnceLock::new());
        let slot = Arc::clone(&adapter_slot);
        let secret = origin_secret.clone();
        let adapter = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let slot = Arc::clone(&slot);
            let secret = secret.clone();
            async move {
                let Some(router) = slot.get() else {
                    return (http::StatusCode::SERVICE_UNAVAILABLE, "starting").into_response();
                };
                let mut req = to_lambda(req).await;
                through_cloudfront(&mut req, &secret);
                checkout::http::serve(router.clone(), req).await
            }
        });
        let notification_url = format!("{}/api/notifications", serve(adapter).await);

        let mut sandbox_config = options.sandbox;
        sandbox_config.default_notification_url = Some(notification_url.clone());
        let sandbox = Sandbox::start(sandbox_config).await.expect("sandbox");

        let table = format!("orders-{suffix}");
        OrderStore::create_table(&aws_sdk_dynamodb::Client::new(&sdk), &table).await.expect("table");
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        let secret_arn = secrets
            .create_secret()
            .name(format!("mp-{suffix}"))
            .secret_string(
                json!({"access_token": sandbox.control().access_token(), "webhook_secret": sandbox.control().webhook_secret()})
                    .to_string(),
            )
            .send()
            .await
            .expect("secret")
            .arn
            .expect("arn");
        let origin_secret_arn = secrets
            .create_secret()
            .name(format!("origin-{suffix}"))
            .secret_string(&origin_secret)
            .send()
            .await
            .expect("origin secret")
            .arn
            .expect("arn");
        let sns = aws_sdk_sns::Client::new(&sdk);
        let topic_arn = sns
            .create_topic()
            .name(format!("order-events-{suffix}"))
            .send()
            .await
            .expect("topic")
            .topic_arn
            .expect("arn");
        let subscriber = Subscriber::default();
        let sub_url =
            serve(axum::Router::new().route("/sns", axum::routing::post(sns_receive)).with_state(subscriber.clone()))
                .await;
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("http")
            .endpoint(format!("{sub_url}/sns"))
            .send()
            .await
            .expect("subscribe");

        // The site bucket with the repository's catalog, as `make deploy` leaves it.
        let catalog_bucket = format!("site-{suffix}");
        checkout::catalog::publish_local(&sdk, &catalog_bucket, options.catalog)
            .await
            .expect("site bucket with catalog.json");

        let mut env = vec![
            ("CATALOG_BUCKET", catalog_bucket.clone()),
            ("MP_SECRET_ARN", secret_arn.clone()),
            ("ORDERS_TABLE", table.clone()),
            ("ORDER_EVENTS_TOPIC_ARN", topic_arn.clone()),
            ("NOTIFICATION_URL", notification_url.clone()),
            ("MP_API_BASE_URL", sandbox.base_url().to_owned()),
            ("STATUS_REFRESH_AFTER_SECS", "0".into()),
            ("ORIGIN_VERIFY_SECRET_ARN", origin_secret_arn),
        ];
        env.extend(options.env);
        let routers: std::collections::HashMap<_, _> = Function::all()
            .iter()
            .map(|f| (f.name, (f.app)(config(&env), &sdk).unwrap_or_else(|e| panic!("{}: {e}", f.name))))
            .collect();
        let webhooks = Function::routing("POST", "/api/notifications");
        let _ = adapter_slot.set(routers[webhooks.name].clone());
        let store = OrderStore::new(aws_sdk_dynamodb::Client::new(&sdk), table.clone());
        TestApp {
            sandbox,
            sdk,
            table,
            secret_arn,
            catalog_bucket,
            topic_arn,
            subscriber,
            routers,
            notification_url,
            store,
            origin_secret,
        }
    }

    /// Puts `text` as `catalog.json` in the site bucket, as `make catalog` publishes it (no
    /// check: the functions must refuse an invalid one themselves).
    pub(crate) async fn publish_catalog(&self, text: &str) {
        checkout::catalog::publish_local(&self.sdk, &self.catalog_bucket, text).await.expect("put catalog.json");
    }

    /// Deletes `catalog.json` from the site bucket.
    pub(crate) async fn delete_catalog(&self) {
        let object = checkout::catalog::S3Catalog::new(&self.sdk, &self.catalog_bucket).expect("the site bucket");
        object.delete().await.expect("delete catalog.json");
    }

    /// `POST /api/process_payment` with an `Idempotency-Key`.
    pub(crate) async fn post_payment(&self, key: Option<&str>, body: &Value) -> (u16, Value) {
        self.post_payment_raw(key, body.to_string()).await
    }

    /// `POST /api/process_payment` with a raw body, from a page that runs Mercado Pago's device
    /// script (header `X-Meli-Session-Id`: [`DEVICE_ID`]).
    pub(crate) async fn post_payment_raw(&self, key: Option<&str>, body: String) -> (u16, Value) {
        self.post_payment_with(key, body, &[("x-meli-session-id", DEVICE_ID)]).await
    }

    /// `POST /api/process_payment` with a raw body and exactly these extra headers.
    pub(crate) async fn post_payment_with(
        &self,
        key: Option<&str>,
        body: String,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req = http::Request::builder()
            .method("POST")
            .uri("/api/process_payment")
            .header("content-type", "application/json");
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let req: Request = req.body(Body::Text(body)).expect("request");
        self.call(Function::routing("POST", "/api/process_payment"), req).await.parts()
    }

    /// `GET /api/payment_status/{order_id}`; returns the whole answer.
    pub(crate) async fn get_status_response(&self, order_id: &str) -> Reply {
        let req: Request = http::Request::builder()
            .method("GET")
            .uri(format!("/api/payment_status/{order_id}"))
            .body(Body::Empty)
            .expect("request");
        self.call(Function::routing("GET", "/api/payment_status/{order_id}"), req).await
    }

    /// `GET /api/payment_status/{order_id}`.
    pub(crate) async fn get_status(&self, order_id: &str) -> (u16, Value) {
        self.get_status_response(order_id).await.parts()
    }

    /// `GET /api/payment_status/{order_id}?locale=<locale>`, as the page polls.
    pub(crate) async fn get_status_in(&self, order_id: &str, locale: &str) -> (u16, Value) {
        let req: Request = http::Request::builder()
            .method("GET")
            .uri(format!("/api/payment_status/{order_id}?locale={locale}"))
            .body(Body::Empty)
            .expect("request");
        self.call(Function::routing("GET", "/api/payment_status/{order_id}"), req).await.parts()
    }

    /// The function's router, as its Lambda serves it.
    pub(crate) fn router(&self, function: Function) -> axum::Router {
        self.routers[function.name].clone()
    }

    /// One request through a function's router, as CloudFront forwards it (with its origin
    /// header, unless the request already has one).
    pub(crate) async fn call(&self, function: Function, mut req: Request) -> Reply {
        through_cloudfront(&mut req, &self.origin_secret);
        self.call_direct(function, req).await
    }

    /// One request through a function's router exactly as given: a caller that skips CloudFront.
    pub(crate) async fn call_direct(&self, function: Function, req: Request) -> Reply {
        Reply::read(checkout::http::serve(self.router(function), req).await).await
    }

    /// Delivers a webhook to the handler directly (signed with `secret` when given).
    pub(crate) async fn deliver_notification(
        &self,
        query: &str,
        headers: &[(&str, String)],
        body: &Value,
    ) -> (u16, Value) {
        let mut req = http::Request::builder().method("POST").uri(format!("/api/notifications?{query}"));
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req: Request = req.body(Body::Text(body.to_string())).expect("request");
        self.call(Function::routing("POST", "/api/notifications"), req).await.parts()
    }

    /// A webhook for `payment_id` signed as Mercado Pago would, now.
    pub(crate) async fn deliver_signed(&self, payment_id: &str) -> (u16, Value) {
        let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
        self.deliver_signed_at(payment_id, "payment", &ts).await
    }

    /// A signed webhook with a given topic and `ts`.
    pub(crate) async fn deliver_signed_at(&self, data_id: &str, topic: &str, ts: &str) -> (u16, Value) {
        let request_id = uuid::Uuid::new_v4().to_string();
        let secret = secrecy::SecretString::from(self.sandbox.control().webhook_secret().to_owned());
        let signature = mercadopago::webhook::sign(&secret, Some(data_id), Some(&request_id), ts);
        self.deliver_notification(
            &format!("data.id={data_id}&type={topic}"),
            &[("x-signature", signature), ("x-request-id", request_id)],
            &notification_body(data_id, topic),
        )
        .await
    }

    /// A card token for the test Mastercard (MLA) with this cardholder name.
    pub(crate) async fn card_token(&self, cardholder: &str) -> String {
        self.card_token_for(TEST_CARD, cardholder).await
    }

    /// A card token for this test card number and cardholder name.
    pub(crate) async fn card_token_for(&self, card_number: &str, cardholder: &str) -> String {
        self.card_token_with(card_number, cardholder, Some(("DNI", "12345678"))).await
    }

    /// A card token for this test card, cardholder name and document (none on MLM).
    pub(crate) async fn card_token_with(
        &self,
        card_number: &str,
        cardholder: &str,
        identification: Option<(&str, &str)>,
    ) -> String {
        let mut holder = json!({"name": cardholder});
        if let Some((kind, number)) = identification {
            holder["identification"] = json!({"type": kind, "number": number});
        }
        let resp = post_json(
            &format!("{}/v1/card_tokens?public_key={}", self.sandbox.base_url(), self.sandbox.control().public_key()),
            &json!({"card_number": card_number, "expiration_month": 11, "expiration_year": 2030,
                    "security_code": "123", "cardholder": holder}),
        )
        .await;
        resp["id"].as_str().unwrap_or_else(|| panic!("card token: {resp}")).to_owned()
    }

    /// A valid checkout request paying with a fresh token for `cardholder`.
    pub(crate) async fn checkout_body(&self, cardholder: &str) -> Value {
        checkout_body(&self.card_token(cardholder).await)
    }

    /// The stored order.
    pub(crate) async fn order(&self, order_id: &str) -> Order {
        let id = OrderId::parse(order_id).expect("an order id");
        self.store.get(&id).await.expect("store").expect("order exists")
    }

    /// Payments the sandbox has made.
    pub(crate) fn charges(&self) -> Vec<mp_sandbox::Payment> {
        self.sandbox.control().payments()
    }

    /// Replaces the secret's value (the merchant rotated credentials).
    pub(crate) async fn put_secret(&self, access_token: &str) {
        aws_sdk_secretsmanager::Client::new(&self.sdk)
            .put_secret_value()
            .secret_id(&self.secret_arn)
            .secret_string(
                json!({"access_token": access_token, "webhook_secret": self.sandbox.control().webhook_secret()})
                    .to_string(),
            )
            .send()
            .await
            .expect("put secret");
    }

    /// Invokes `function` with an API Gateway event (JSON text) the way the Lambda runtime does
    /// (`checkout::http::request_from_event`, then the handler). `Err` names a panic, in the
    /// conversion or the handler, with its message; `Ok(None)` is an event the runtime cannot
    /// read at all (it reports an invocation error; nothing of ours runs).
    pub(crate) async fn invoke(&self, function: Function, event: &str) -> Result<Option<Reply>, String> {
        let req = match std::panic::catch_unwind(|| checkout::http::request_from_event(event)) {
            Ok(Ok(req)) => req,
            Ok(Err(_)) => return Ok(None),
            Err(panic) => return Err(format!("event conversion panicked: {}", panic_message(&*panic))),
        };
        match AssertUnwindSafe(self.call(function, req)).catch_unwind().await {
            Ok(reply) => Ok(Some(reply)),
            Err(panic) => Err(format!("handler panicked: {}", panic_message(&*panic))),
        }
    }

    /// Waits until the sandbox's webhook deliveries are done.
    pub(crate) async fn webhooks_settle(&self) {
        self.sandbox.control().wait_for_deliveries(Duration::from_secs(10)).await;
    }
}

/// A Lambda function: its folder name, the routes it serves and how it starts (`app`). The
/// list is `crate::functions::FUNCTIONS`, generated from the folders under `functions/`.
#[derive(Clone, Copy)]
pub(crate) struct Function {
    /// Folder and binary name (`process_payment`).
    pub(crate) name: &'static str,
    /// (method, path) pairs, as in the SAM template (`/api/payment_status/{order_id}`).
    pub(crate) routes: &'static [(&'static str, &'static str)],
    /// Its cold start.
    pub(crate) app: checkout::http::App,
}

impl PartialEq for Function {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Function {
    /// All of them.
    pub(crate) fn all() -> &'static [Function] {
        crate::functions::FUNCTIONS
    }

    /// The function that serves `method path` (a route as the template writes it).
    pub(crate) fn routing(method: &str, path: &str) -> Function {
        *Function::all()
            .iter()
            .find(|f| f.routes.contains(&(method, path)))
            .unwrap_or_else(|| panic!("no function routes {method} {path}"))
    }

    /// The function's name.
    pub(crate) fn name(self) -> &'static str {
        self.name
    }

    /// Its first route with every `{parameter}` replaced by `value`.
    pub(crate) fn path_with(self, value: &str) -> (&'static str, String) {
        let (method, route) = self.routes.first().copied().unwrap_or(("GET", "/"));
        let path = route
            .split('/')
            .map(|segment| if segment.starts_with('{') { value } else { segment })
            .collect::<Vec<_>>()
            .join("/");
        (method, path)
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a non-text panic".into())
}

/// Every `code` of the error envelope (`checkout::http::ApiError::code`).
pub(crate) const ERROR_CODES: &[&str] = &[
    "malformed_json",
    "body_too_large",
    "missing_idempotency_key",
    "invalid_idempotency_key",
    "validation_failed",
    "amount_mismatch",
    "idempotency_key_reused",
    "request_in_progress",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "invalid_signature",
    "payment_provider_unavailable",
    "service_unavailable",
];

/// Why a response breaks the documented contract, if it does: every answer is JSON with
/// `Content-Type: application/json`; an error is `{"error": {"code": <one of ERROR_CODES>,
/// "message": <text>, "fields"?: {<field>: <code>}}}` with its status; no 5xx other than 503.
/// `HEAD` answers carry no body (HTTP), so only their status is checked.
pub(crate) fn contract_violation(reply: &Reply, method: &str) -> Option<String> {
    let (status, body) = (reply.status, &reply.body);
    if reply.empty && reply.header("access-control-allow-origin").is_some() {
        return None; // A CORS preflight: no body.
    }
    if method == "HEAD" && reply.empty {
        return (status >= 500 && status != 503).then(|| format!("HEAD: {status}"));
    }
    let content_type = reply.header("content-type");
    if content_type != Some("application/json") {
        return Some(format!("{status} with content-type {content_type:?}"));
    }
    if status < 400 {
        return (!body.is_object()).then(|| format!("{status} without a JSON object: {body}"));
    }
    let error = &body["error"];
    let body = body.clone();
    let code_ok = error["code"].as_str().is_some_and(|c| ERROR_CODES.contains(&c));
    let message_ok = error["message"].as_str().is_some_and(|m| !m.is_empty());
    let fields_ok = error.get("fields").is_none_or(|f| f.as_object().is_some_and(|m| m.values().all(Value::is_string)));
    let keys_ok =
        error.as_object().is_some_and(|m| m.keys().all(|k| ["code", "message", "fields"].contains(&k.as_str())));
    if !(code_ok && message_ok && fields_ok && keys_ok) || body.as_object().map(|m| m.len()) != Some(1) {
        return Some(format!("{status} outside the error envelope: {body}"));
    }
    (status >= 500 && status != 503).then(|| format!("{status}: {body}"))
}

/// The body Mercado Pago sends (docs/mercadopago.md#delivery); the handler must not trust it.
pub(crate) fn notification_body(data_id: &str, topic: &str) -> Value {
    json!({"action": format!("{topic}.updated"), "api_version": "v1", "data": {"id": data_id},
           "date_created": "2026-11-21T10:04:58.396-04:00", "id": 12345, "live_mode": false,
           "type": topic, "user_id": 44444})
}

/// One of each catalog product line the tests buy: 1 × mate-calabaza (18500.00 ARS), with the
/// name, phone and shipping address the catalog collects.
pub(crate) fn checkout_body(token: &str) -> Value {
    json!({
        "items": [{"sku": "mate-calabaza", "quantity": 1}],
        "token": token,
        "payment_method_id": "master",
        "issuer_id": "3",
        "installments": 1,
        "payer": {"email": "comprador@example.com", "identification": {"type": "DNI", "number": "12345678"},
                  "first_name": "Ana", "last_name": "García", "phone": {"number": "+54 11 5555-0100"}},
        "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "zip_code": "C1043",
                             "city_name": "Buenos Aires", "state_name": "CABA"},
        "transaction_amount": 18500.00,
        "locale": "es-AR"
    })
}

/// The device id the tests' page sends (what Mercado Pago's `security.js` would give it).
pub(crate) const DEVICE_ID: &str = "armor.test-device-0001";

/// Mercado Pago's Argentine test Mastercard: no 3-D Secure challenge.
pub(crate) const TEST_CARD: &str = "5031755734530604";

/// Adds CloudFront's origin header (`X-Origin-Verify`) with `secret`, unless the request has one.
pub(crate) fn through_cloudfront(req: &mut Request, secret: &str) {
    if !req.headers().contains_key(checkout::origin::HEADER) {
        let value = http::HeaderValue::from_str(secret).expect("a header value");
        req.headers_mut().insert(checkout::origin::HEADER, value);
    }
}

/// A new idempotency key.
pub(crate) fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// POSTs JSON and returns the JSON answer.
async fn post_json(url: &str, body: &Value) -> Value {
    mercadopago::install_crypto_provider();
    let resp = reqwest::Client::new().post(url).json(body).send().await.expect("POST");
    resp.json().await.expect("JSON answer")
}
