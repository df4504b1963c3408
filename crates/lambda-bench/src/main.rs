//! `lambda-bench` (run by `make bench`): measures the release binaries of every function of the
//! SAM template (`infra/template.yaml`, read with `scripts/functions.py`) as Lambda runs them,
//! through a Runtime API harness ([`runtime_api`]), with `mp-sandbox` (in process) and
//! `moto_server` on loopback:
//!
//! 1. cold start: process spawn → first `GET /next` (init), and → first response (which includes
//!    the lazy secret fetch); median and max over `--cold-starts` spawns;
//! 2. warm invocations: p50/p90/p99 latency over `--invocations` realistic requests, how much of
//!    it was spent waiting for the stand-ins (measured at loopback proxies in front of them), and
//!    CPU time per invocation (`/proc/<pid>/stat`);
//! 3. memory: peak RSS after the run (`VmHWM`), and RSS after the first and the last 1,000;
//! 4. package size: the arm64 `bootstrap.zip` of each function (`cargo lambda build --arm64`);
//! 5. instructions per invocation with `valgrind --tool=callgrind` (two runs, the difference
//!    divided by the extra invocations, so init is excluded): machine-noise-free.
//!
//! Each function is sent a realistic request for the checkout operation its routes serve (a
//! payment, a signed webhook, a status poll: [`Scenario`]); a function whose routes are none of
//! those gets a generic request to its first route ([`Scenario::Generic`]), so a new endpoint is
//! measured without a change here.
//!
//! Writes a Markdown report and prints the targets that are missed.

// The workspace forbids float arithmetic to keep money exact; these are timing statistics.
#![allow(clippy::float_arithmetic)]

mod proxy;
mod runtime_api;

use checkout::http::HttpApiEvent;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use mp_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

use runtime_api::RuntimeApi;

/// Measure the functions' cold start, warm latency, CPU, memory, package size and instructions.
#[derive(Parser, Debug)]
#[command(name = "lambda-bench", version)]
struct Args {
    /// Directory with the native release binaries.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// Directory with the arm64 zips (`<function>/bootstrap.zip`).
    #[arg(long, default_value = "target/lambda")]
    zip_dir: PathBuf,
    /// Processes spawned per function for the cold-start figures.
    #[arg(long, default_value_t = 20)]
    cold_starts: usize,
    /// Warm invocations per function.
    #[arg(long, default_value_t = 10_000)]
    invocations: usize,
    /// Extra invocations in the second callgrind run (0 skips callgrind).
    #[arg(long, default_value_t = 50)]
    callgrind_invocations: usize,
    /// Where to write the report.
    #[arg(long, default_value = "bench/RESULTS.md")]
    out: PathBuf,
    /// Python with moto and PyYAML (the project virtualenv).
    #[arg(long, default_value = ".venv/bin/python")]
    python: PathBuf,
    /// The SAM template whose functions are measured (read with `scripts/functions.py`).
    #[arg(long, default_value = "infra/template.yaml")]
    template: PathBuf,
    /// Measure only these functions (default: every function of the template).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Keep the callgrind output files (in the temporary directory) for `callgrind_annotate`.
    #[arg(long)]
    keep_callgrind: bool,
}

/// The loopback world the functions run against.
struct World {
    sandbox: Sandbox,
    dynamodb: aws_sdk_dynamodb::Client,
    sandbox_url: String,
    moto_url: String,
    standin_nanos: Arc<AtomicU64>,
    env: Vec<(String, String)>,
    /// The value CloudFront adds as `X-Origin-Verify` (the functions read it from Secrets Manager).
    origin_secret: String,
    http: reqwest::Client,
    _moto: tokio::process::Child,
}

/// What the bench sends a function: a realistic request for the checkout operation one of its
/// routes serves, else [`Scenario::Generic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// `POST /api/process_payment`: a new payment with a fresh card token and Idempotency-Key.
    Pay,
    /// `POST /api/notifications`: a correctly signed webhook for the seeded payment.
    Webhook,
    /// `GET /api/payment_status/{order_id}`: a poll of the seeded order.
    Status,
    /// Any other route: its method and path, each path parameter set to the seeded order's id,
    /// no body; any answer below 500 counts as served.
    Generic,
}

impl Scenario {
    fn of_route(method: &str, path: &str) -> Scenario {
        match (method, path) {
            ("POST", "/api/process_payment") => Scenario::Pay,
            ("POST", "/api/notifications") => Scenario::Webhook,
            ("GET", "/api/payment_status/{order_id}") => Scenario::Status,
            _ => Scenario::Generic,
        }
    }
}

/// A function of the template, and the route the bench invokes it through.
#[derive(Debug, Clone)]
struct Function {
    /// Its folder under `functions/`, Cargo package and binary.
    name: String,
    method: String,
    path: String,
    scenario: Scenario,
}

impl Function {
    /// `METHOD PATH (scenario)`, for the report.
    fn request(&self) -> String {
        let kind = match self.scenario {
            Scenario::Pay => "payment",
            Scenario::Webhook => "signed webhook",
            Scenario::Status => "status poll",
            Scenario::Generic => "generic",
        };
        format!("`{} {}` ({kind})", self.method, self.path)
    }

    /// The orders table it runs against.
    fn table(&self) -> &'static str {
        if self.scenario == Scenario::Pay { PAYMENTS_TABLE } else { SHARED_TABLE }
    }

    /// Whether the function's answer (`statusCode`) counts as served.
    fn served(&self, status: Option<u64>) -> bool {
        match (self.scenario, status) {
            (Scenario::Generic, Some(code)) => code < 500,
            (_, Some(code)) => (200..300).contains(&code),
            (_, None) => false,
        }
    }
}

/// The template's functions and their `HttpApi` routes, as `scripts/functions.py` prints them;
/// each gets the first of its routes with a realistic [`Scenario`], else its first route that is
/// not a CORS preflight.
fn template_functions(python: &Path, template: &Path) -> Result<Vec<Function>, Box<dyn std::error::Error>> {
    let run = |extra: &[&str]| -> Result<String, Box<dyn std::error::Error>> {
        let out = std::process::Command::new(python)
            .arg("scripts/functions.py")
            .arg("--template")
            .arg(template)
            .args(extra)
            .output()
            .map_err(|e| {
                format!(
                    "running scripts/functions.py with {}: {e} (run `make bench`, which creates .venv)",
                    python.display()
                )
            })?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned().into());
        }
        Ok(String::from_utf8(out.stdout)?)
    };
    let routes: Vec<(String, String, String)> = run(&["--routes"])?
        .lines()
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [method, path, function] => Some(((*method).to_owned(), (*path).to_owned(), (*function).to_owned())),
            _ => None,
        })
        .collect();
    let mut functions = Vec::new();
    for name in run(&[])?.lines().map(str::trim).filter(|n| !n.is_empty()) {
        let own: Vec<&(String, String, String)> = routes.iter().filter(|(_, _, f)| f == name).collect();
        let chosen = own
            .iter()
            .find(|(m, p, _)| Scenario::of_route(m, p) != Scenario::Generic)
            .or_else(|| own.iter().find(|(m, _, _)| m != "OPTIONS"))
            .or_else(|| own.first())
            .ok_or_else(|| {
                format!("{name} has no HttpApi route in {}: the bench cannot invoke it", template.display())
            })?;
        let (method, path, _) = chosen;
        functions.push(Function {
            name: name.to_owned(),
            method: method.clone(),
            path: path.clone(),
            scenario: Scenario::of_route(method, path),
        });
    }
    Ok(functions)
}

/// The repository's catalog, put in the bench's site bucket (`CATALOG_BUCKET`).
const BUILT_IN_CATALOG: &str = include_str!("../../../catalog.json");

/// The orders table of every function but the one that takes payments (holds the order they
/// look up).
const SHARED_TABLE: &str = "bench-orders";
/// The orders table the payment function fills. moto's `TransactWriteItems` deep-copies the whole
/// table on every call (real DynamoDB does not), so this table is recreated every
/// [`TABLE_RESET_EVERY`] invocations, between timed invocations, to keep moto's cost constant.
const PAYMENTS_TABLE: &str = "bench-orders-payments";
const TABLE_RESET_EVERY: usize = 25;

impl World {
    async fn start(python: &Path) -> Result<World, Box<dyn std::error::Error>> {
        mercadopago::install_crypto_provider();
        let mut moto = tokio::process::Command::new(python)
            .args(["scripts/moto_server.py", "--watch-stdin"])
            // moto's server runs a thread per request; without a cap, glibc gives threads their
            // own malloc arenas and freed memory is not returned (gigabytes over a long run).
            .env("MALLOC_ARENA_MAX", "2")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                format!("starting moto with {}: {e} (run `make bench`, which creates .venv)", python.display())
            })?;
        let stdout = moto.stdout.take().ok_or("moto stdout")?;
        let mut line = String::new();
        tokio::io::AsyncBufReadExt::read_line(&mut tokio::io::BufReader::new(stdout), &mut line).await?;
        let moto_direct = line.trim().to_owned();
        if !moto_direct.starts_with("http://") {
            return Err(format!("moto did not start: {line:?}").into());
        }

        // No webhooks: the notifications benchmark sends its own, one per invocation.
        let sandbox = Sandbox::start(SandboxConfig { webhooks_enabled: false, ..SandboxConfig::default() }).await?;
        let standin_nanos = Arc::new(AtomicU64::new(0));
        let moto_url = proxy::start(&moto_direct, Arc::clone(&standin_nanos)).await?;
        let sandbox_url = proxy::start(sandbox.base_url(), Arc::clone(&standin_nanos)).await?;

        let sdk = checkout::aws::local(&moto_direct).await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
        checkout::store::OrderStore::create_table(&dynamodb, SHARED_TABLE).await?;
        checkout::store::OrderStore::create_table(&dynamodb, PAYMENTS_TABLE).await?;
        let secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
            .create_secret()
            .name("bench-mercadopago")
            .secret_string(
                json!({"access_token": sandbox.control().access_token(), "webhook_secret": sandbox.control().webhook_secret()})
                    .to_string(),
            )
            .send()
            .await?
            .arn
            .ok_or("no secret arn")?;
        let origin_secret = uuid::Uuid::new_v4().simple().to_string();
        let origin_secret_arn = aws_sdk_secretsmanager::Client::new(&sdk)
            .create_secret()
            .name("bench-origin-verify")
            .secret_string(&origin_secret)
            .send()
            .await?
            .arn
            .ok_or("no secret arn")?;
        let topic_arn = aws_sdk_sns::Client::new(&sdk)
            .create_topic()
            .name("bench-order-events")
            .send()
            .await?
            .topic_arn
            .ok_or("no topic")?;
        // As deployed, the functions read the catalog from the site bucket (cached for 60 s).
        checkout::catalog::publish_local(&sdk, "bench-site", BUILT_IN_CATALOG)
            .await
            .map_err(|e| format!("the site bucket: {e}"))?;
        let env = vec![
            ("AWS_ENDPOINT_URL".into(), moto_url.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), "bench".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "bench".into()),
            ("MP_API_BASE_URL".into(), sandbox_url.clone()),
            ("MP_SECRET_ARN".into(), secret_arn),
            ("ORIGIN_VERIFY_SECRET_ARN".into(), origin_secret_arn),
            ("ORDER_EVENTS_TOPIC_ARN".into(), topic_arn),
            ("CATALOG_BUCKET".into(), "bench-site".into()),
            ("NOTIFICATION_URL".into(), "https://shop.example/api/notifications".into()),
            // As deployed: JSON logs at INFO, Lambda's identity variables.
            ("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()),
            ("AWS_LAMBDA_LOG_LEVEL".into(), "INFO".into()),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(), "256".into()),
            ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
            ("AWS_LAMBDA_LOG_GROUP_NAME".into(), "/aws/lambda/bench".into()),
            ("AWS_LAMBDA_LOG_STREAM_NAME".into(), "bench".into()),
        ];
        Ok(World {
            sandbox,
            dynamodb,
            sandbox_url,
            moto_url,
            standin_nanos,
            env,
            origin_secret,
            http: reqwest::Client::new(),
            _moto: moto,
        })
    }

    async fn card_token(&self) -> Result<String, Box<dyn std::error::Error>> {
        let v: Value = self
            .http
            .post(format!("{}/v1/card_tokens?public_key={}", self.sandbox.base_url(), self.sandbox.control().public_key()))
            .json(&json!({"card_number": "5031755734530604", "expiration_month": 11, "expiration_year": 2030,
                          "security_code": "123", "cardholder": {"name": "APRO", "identification": {"type": "DNI", "number": "12345678"}}}))
            .send()
            .await?
            .json()
            .await?;
        Ok(v.get("id").and_then(Value::as_str).ok_or("no token")?.to_owned())
    }

    /// Empties the payment function's table (see [`PAYMENTS_TABLE`]).
    async fn reset_payments_table(&self) -> Result<(), Box<dyn std::error::Error>> {
        self.dynamodb.delete_table().table_name(PAYMENTS_TABLE).send().await?;
        checkout::store::OrderStore::create_table(&self.dynamodb, PAYMENTS_TABLE).await?;
        Ok(())
    }

    fn spawn(
        &self,
        function: &str,
        table: &str,
        bin: &Path,
        api: &RuntimeApi,
        valgrind: Option<&Path>,
    ) -> std::io::Result<tokio::process::Child> {
        let mut cmd = match valgrind {
            Some(out) => {
                let mut c = tokio::process::Command::new("valgrind");
                c.arg("--tool=callgrind").arg(format!("--callgrind-out-file={}", out.display())).arg(bin);
                c
            }
            None => tokio::process::Command::new(bin),
        };
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LOG")
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("ORDERS_TABLE", table)
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
    }
}

/// Makes one realistic event per invocation for a function.
struct Events {
    order_id: String,
    payment_id: u64,
}

impl Events {
    async fn next(&self, world: &World, function: &Function) -> Result<String, Box<dyn std::error::Error>> {
        let mut event = match function.scenario {
            Scenario::Pay => {
                let token = world.card_token().await?;
                let body = json!({"items": [{"sku": "mate-calabaza", "quantity": 1}], "token": token, "payment_method_id": "master",
                    "issuer_id": "3", "installments": 1, "transaction_amount": 18500.0, "locale": "es-AR",
                    "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"},
                              "first_name": "Ana", "last_name": "García", "phone": {"number": "+54 11 5555-0100"}},
                    "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "zip_code": "C1043",
                                         "city_name": "Buenos Aires", "state_name": "CABA"}});
                HttpApiEvent {
                    headers: vec![
                        ("content-type".into(), "application/json".into()),
                        ("idempotency-key".into(), uuid::Uuid::new_v4().to_string()),
                        // As the page sends it (Mercado Pago's device id); the sandbox's risk
                        // rule rejects a payment this large without one.
                        ("x-meli-session-id".into(), "bench-device".into()),
                    ],
                    body: Some(body.to_string()),
                    ..HttpApiEvent::new("POST", "/api/process_payment")
                }
            }
            Scenario::Webhook => {
                let id = self.payment_id.to_string();
                let request_id = uuid::Uuid::new_v4().to_string();
                let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
                let secret = secrecy::SecretString::from(world.sandbox.control().webhook_secret().to_owned());
                let signature = mercadopago::webhook::sign(&secret, Some(&id), Some(&request_id), &ts);
                let body = json!({"action": "payment.updated", "api_version": "v1", "data": {"id": id}, "date_created": "2026-11-21T10:00:00.000-04:00",
                    "id": 1, "live_mode": false, "type": "payment", "user_id": 1});
                HttpApiEvent {
                    raw_query_string: format!("data.id={id}&type=payment"),
                    headers: vec![
                        ("content-type".into(), "application/json".into()),
                        ("x-signature".into(), signature),
                        ("x-request-id".into(), request_id),
                    ],
                    body: Some(body.to_string()),
                    ..HttpApiEvent::new("POST", "/api/notifications")
                }
            }
            Scenario::Status => HttpApiEvent {
                path_parameters: vec![("order_id".into(), self.order_id.clone())],
                ..HttpApiEvent::new("GET", &format!("/api/payment_status/{}", self.order_id))
            },
            Scenario::Generic => {
                // `/a/{x}/b/{y+}` → `/a/<order id>/b/<order id>`, with the path parameters.
                let mut parameters = Vec::new();
                let path = function
                    .path
                    .split('/')
                    .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => {
                            parameters.push((name.trim_end_matches('+').to_owned(), self.order_id.clone()));
                            self.order_id.as_str()
                        }
                        None => segment,
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                HttpApiEvent { path_parameters: parameters, ..HttpApiEvent::new(&function.method, &path) }
            }
        };
        // As CloudFront forwards it, with its origin header (`checkout::origin`).
        event.headers.push((checkout::origin::HEADER.into(), world.origin_secret.clone()));
        Ok(event.to_json())
    }
}

/// `(utime + stime)` ticks, `VmRSS` and `VmHWM` (kB) of a process.
fn proc_stats(pid: u32) -> Option<(u64, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_comm = stat.rsplit_once(") ")?.1;
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((ticks, kb("VmRSS:")?, kb("VmHWM:")?))
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = (sorted.len() * p).div_ceil(100).saturating_sub(1).min(sorted.len() - 1);
    sorted.get(index).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_micros() as f64 / 1000.0)
}

/// Figures for one function.
#[derive(Default)]
struct Figures {
    init_median: Duration,
    init_max: Duration,
    first_response_median: Duration,
    first_response_max: Duration,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    own_p50: Duration,
    own_p99: Duration,
    standin_share: f64,
    cpu_per_invocation_us: f64,
    rss_after_first_kb: u64,
    rss_after_last_kb: u64,
    peak_rss_kb: u64,
    errors: usize,
    zip_bytes: Option<u64>,
    instructions: Option<u64>,
}

async fn cold_starts(
    world: &World,
    function: &Function,
    bin: &Path,
    events: &Events,
    n: usize,
    f: &mut Figures,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut inits = Vec::new();
    let mut firsts = Vec::new();
    for _ in 0..n {
        let api = RuntimeApi::start().await?;
        let event = events.next(world, function).await?;
        let spawned = Instant::now();
        let mut child = world.spawn(&function.name, function.table(), bin, &api, None)?;
        let Some(at) = api.first_next(Duration::from_secs(20)).await else {
            return Err(format!("{} never asked for an event: {:?}", function.name, api.init_error()).into());
        };
        inits.push(at.duration_since(spawned));
        let outcome = api.invoke(event).await;
        if outcome.error || !function.served(status_code(&outcome.body)) {
            f.errors += 1;
        }
        firsts.push(spawned.elapsed());
        api.shut_down();
        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
        let _ = child.kill().await;
    }
    inits.sort();
    firsts.sort();
    f.init_median = percentile(&inits, 50);
    f.init_max = *inits.last().unwrap_or(&Duration::ZERO);
    f.first_response_median = percentile(&firsts, 50);
    f.first_response_max = *firsts.last().unwrap_or(&Duration::ZERO);
    Ok(())
}

async fn warm(
    world: &World,
    function: &Function,
    bin: &Path,
    events: &Events,
    n: usize,
    f: &mut Figures,
) -> Result<(), Box<dyn std::error::Error>> {
    let api = RuntimeApi::start().await?;
    let mut child = world.spawn(&function.name, function.table(), bin, &api, None)?;
    let pid = child.id().ok_or("no pid")?;
    for _ in 0..50 {
        api.invoke(events.next(world, function).await?).await;
    }
    let (ticks_before, _, _) = proc_stats(pid).ok_or("no /proc stats")?;
    let mut latencies = Vec::with_capacity(n);
    let mut own = Vec::with_capacity(n);
    let mut standin_total = 0u64;
    for i in 0..n {
        if function.scenario == Scenario::Pay && i % TABLE_RESET_EVERY == 0 {
            world.reset_payments_table().await?;
        }
        let event = events.next(world, function).await?;
        let before = world.standin_nanos.load(Ordering::Relaxed);
        let outcome = api.invoke(event).await;
        let standin = world.standin_nanos.load(Ordering::Relaxed) - before;
        standin_total += standin;
        if outcome.error || !function.served(status_code(&outcome.body)) {
            f.errors += 1;
        }
        latencies.push(outcome.latency);
        own.push(outcome.latency.saturating_sub(Duration::from_nanos(standin)));
        if i + 1 == 1000.min(n) {
            f.rss_after_first_kb = proc_stats(pid).map_or(0, |s| s.1);
        }
    }
    let (ticks_after, rss, hwm) = proc_stats(pid).ok_or("no /proc stats")?;
    f.rss_after_last_kb = rss;
    f.peak_rss_kb = hwm;
    let tick_us = 1_000_000 / clock_ticks_per_second();
    f.cpu_per_invocation_us = ((ticks_after - ticks_before) * tick_us) as f64 / n as f64;
    let total: Duration = latencies.iter().sum();
    f.standin_share = standin_total as f64 / total.as_nanos().max(1) as f64;
    latencies.sort();
    own.sort();
    f.p50 = percentile(&latencies, 50);
    f.p90 = percentile(&latencies, 90);
    f.p99 = percentile(&latencies, 99);
    f.own_p50 = percentile(&own, 50);
    f.own_p99 = percentile(&own, 99);
    api.shut_down();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    let _ = child.kill().await;
    Ok(())
}

async fn callgrind_total(
    world: &World,
    function: &Function,
    bin: &Path,
    events: &Events,
    invocations: usize,
    out: &Path,
) -> Result<u64, Box<dyn std::error::Error>> {
    let api = RuntimeApi::start().await?;
    let mut child = world.spawn(&function.name, function.table(), bin, &api, Some(out))?;
    if api.first_next(Duration::from_secs(120)).await.is_none() {
        return Err(format!("{} under valgrind never started", function.name).into());
    }
    for _ in 0..invocations {
        api.invoke(events.next(world, function).await?).await;
    }
    api.shut_down();
    tokio::time::timeout(Duration::from_secs(120), child.wait()).await??;
    let text = std::fs::read_to_string(out)?;
    let total = text
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or("no callgrind totals")?;
    Ok(total)
}

/// The `statusCode` of a function's answer (an API Gateway HTTP API response).
fn status_code(body: &str) -> Option<u64> {
    serde_json::from_str::<Value>(body).ok()?.get("statusCode")?.as_u64()
}

async fn prepare_events(
    world: &World,
    bin_dir: &Path,
    functions: &[Function],
) -> Result<Events, Box<dyn std::error::Error>> {
    // One approved order, made by the real binary of the function that takes payments, for the
    // others (their requests name its order and payment).
    let payer = functions.iter().find(|f| f.scenario == Scenario::Pay).ok_or(
        "no function of the template serves POST /api/process_payment: the bench needs it to make the order the others read",
    )?;
    let api = RuntimeApi::start().await?;
    let mut child = world.spawn(&payer.name, SHARED_TABLE, &bin_dir.join(&payer.name), &api, None)?;
    let seed = Events { order_id: String::new(), payment_id: 0 };
    let outcome = api.invoke(seed.next(world, payer).await?).await;
    api.shut_down();
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    let envelope: Value = serde_json::from_str(&outcome.body)?;
    let body: Value = serde_json::from_str(envelope.get("body").and_then(Value::as_str).ok_or("no body")?)?;
    if body.get("status").and_then(Value::as_str) != Some("approved") {
        return Err(format!("seed payment failed: {}", outcome.body).into());
    }
    Ok(Events {
        order_id: body.get("order_id").and_then(Value::as_str).ok_or("no order id")?.to_owned(),
        payment_id: body.get("payment_id").and_then(Value::as_u64).ok_or("no payment id")?,
    })
}

struct Targets;

impl Targets {
    const INIT: Duration = Duration::from_millis(10);
    const WARM_P99: Duration = Duration::from_millis(3);
    const PEAK_RSS_KB: u64 = 30 * 1024;
    const RSS_GROWTH_KB: u64 = 512;
    const ZIP_BYTES: u64 = 3 * 1024 * 1024;
}

fn misses(function: &str, f: &Figures) -> Vec<String> {
    let mut m = Vec::new();
    if f.init_median > Targets::INIT {
        m.push(format!("{function}: local init {} ms > 10 ms", ms(f.init_median)));
    }
    if f.own_p99 > Targets::WARM_P99 {
        m.push(format!("{function}: warm p99 (own time) {} ms > 3 ms", ms(f.own_p99)));
    }
    if f.peak_rss_kb > Targets::PEAK_RSS_KB {
        m.push(format!("{function}: peak RSS {:.1} MB > 30 MB", f.peak_rss_kb as f64 / 1024.0));
    }
    if f.rss_after_last_kb > f.rss_after_first_kb + Targets::RSS_GROWTH_KB {
        m.push(format!(
            "{function}: RSS grew {} kB between the first and last 1,000 invocations",
            f.rss_after_last_kb - f.rss_after_first_kb
        ));
    }
    match f.zip_bytes {
        Some(z) if z > Targets::ZIP_BYTES => m.push(format!("{function}: zip {:.2} MB > 3 MB", z as f64 / 1_048_576.0)),
        None => m.push(format!("{function}: no arm64 zip found")),
        _ => {}
    }
    if f.errors > 0 {
        m.push(format!("{function}: {} invocations did not answer 2xx", f.errors));
    }
    m
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}", kernel.trim())
}

fn git(args: &[&str]) -> String {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn report(args: &Args, results: &[(&Function, Figures)], missed: &[String]) -> String {
    let date =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let dirty = if git(&["status", "--porcelain", "--untracked-files=no"]).is_empty() {
        ""
    } else {
        " (with uncommitted changes)"
    };
    let mut s = format!(
        "# Benchmark results\n\n`make bench` on {}, {date}, commit `{}`{dirty}.\n\n\
         Release binaries (x86_64, native; built in one cargo invocation with this harness) run through a Lambda \
         Runtime API harness with mp-sandbox and moto_server on loopback; package sizes are the arm64 zips that deploy, \
         built on their own. Warm figures over {} invocations after 50 warm-ups; cold \
         starts over {} process spawns. \"Own time\" is the latency minus the time spent waiting for the stand-ins (measured \
         at loopback proxies in front of them); the warm target applies to it, since moto (Python) alone takes milliseconds \
         per call where DynamoDB takes single-digit milliseconds too but is not on this machine.\n\n",
        machine(),
        git(&["rev-parse", "--short", "HEAD"]),
        args.invocations,
        args.cold_starts
    );
    s.push_str("| | target | ");
    s.push_str(&results.iter().map(|(f, _)| format!("`{}`", f.name)).collect::<Vec<_>>().join(" | "));
    s.push_str(" |\n|---|---|");
    s.push_str(&"---|".repeat(results.len()));
    s.push('\n');
    let row = |label: &str, target: &str, f: &dyn Fn(&Figures) -> String| {
        format!("| {label} | {target} | {} |\n", results.iter().map(|(_, x)| f(x)).collect::<Vec<_>>().join(" | "))
    };
    s += &format!(
        "| request | | {} |\n",
        results.iter().map(|(function, _)| function.request()).collect::<Vec<_>>().join(" | ")
    );
    s += &row("init (spawn → first `/next`), median / max ms", "≤ 10 ms", &|f| {
        format!("{} / {}", ms(f.init_median), ms(f.init_max))
    });
    s += &row("cold first response (incl. secret fetch), median / max ms", "", &|f| {
        format!("{} / {}", ms(f.first_response_median), ms(f.first_response_max))
    });
    s += &row("warm latency p50 / p90 / p99 ms", "", &|f| format!("{} / {} / {}", ms(f.p50), ms(f.p90), ms(f.p99)));
    s += &row("of which stand-ins (moto, sandbox)", "", &|f| format!("{:.0} %", f.standin_share * 100.0));
    s += &row("own time p50 / p99 ms", "p99 ≤ 3 ms", &|f| format!("{} / {}", ms(f.own_p50), ms(f.own_p99)));
    s += &row("CPU time per invocation µs", "", &|f| format!("{:.0}", f.cpu_per_invocation_us));
    s += &row("RSS after first / last 1,000 MB", "no growth", &|f| {
        format!("{:.1} / {:.1}", f.rss_after_first_kb as f64 / 1024.0, f.rss_after_last_kb as f64 / 1024.0)
    });
    s += &row("peak RSS MB", "≤ 30 MB", &|f| format!("{:.1}", f.peak_rss_kb as f64 / 1024.0));
    s += &row("arm64 zip MB", "≤ 3 MB", &|f| {
        f.zip_bytes.map_or("n/a".into(), |z| format!("{:.2}", z as f64 / 1_048_576.0))
    });
    s += &row("instructions per warm invocation (callgrind)", "", &|f| {
        f.instructions.map_or("n/a".into(), |i| format!("{:.2} M", i as f64 / 1e6))
    });
    s += &row("invocations not answering 2xx (generic requests: 5xx)", "0", &|f| f.errors.to_string());
    s.push_str("\n## Targets missed\n\n");
    if missed.is_empty() {
        s.push_str("None: every target is met.\n");
    } else {
        for m in missed {
            s.push_str(&format!("- {m}\n"));
        }
    }
    s.push_str("\nReproduce: `make bench` (options: `cargo run --release -p lambda-bench -- --help`).\n");
    s
}

#[tokio::main]
#[allow(clippy::print_stdout)] // Progress and the list of missed targets go to the terminal.
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let functions = template_functions(&args.python, &args.template)?;
    if let Some(unknown) = args.only.iter().find(|o| !functions.iter().any(|f| &f.name == *o)) {
        return Err(format!("--only {unknown}: {} has no such function", args.template.display()).into());
    }
    let world = World::start(&args.python).await?;
    println!("stand-ins: moto {} · sandbox {}", world.moto_url, world.sandbox_url);
    let events = prepare_events(&world, &args.bin_dir, &functions).await?;
    let mut results = Vec::new();
    for function in functions.iter().filter(|f| args.only.is_empty() || args.only.contains(&f.name)) {
        let name = function.name.as_str();
        let bin = args.bin_dir.join(name);
        let mut f = Figures::default();
        println!("{name}: {} cold starts ({})", args.cold_starts, function.request());
        cold_starts(&world, function, &bin, &events, args.cold_starts, &mut f).await?;
        println!("{name}: {} warm invocations", args.invocations);
        warm(&world, function, &bin, &events, args.invocations, &mut f).await?;
        f.zip_bytes = std::fs::metadata(args.zip_dir.join(name).join("bootstrap.zip")).ok().map(|m| m.len());
        if args.callgrind_invocations > 0 {
            println!("{name}: callgrind");
            let dir = std::env::temp_dir();
            let base = 5;
            let a = callgrind_total(&world, function, &bin, &events, base, &dir.join(format!("callgrind.{name}.a")))
                .await?;
            let b = callgrind_total(
                &world,
                function,
                &bin,
                &events,
                base + args.callgrind_invocations,
                &dir.join(format!("callgrind.{name}.b")),
            )
            .await?;
            f.instructions = Some(b.saturating_sub(a) / args.callgrind_invocations as u64);
            if !args.keep_callgrind {
                for suffix in ["a", "b"] {
                    let _ = std::fs::remove_file(dir.join(format!("callgrind.{name}.{suffix}")));
                }
            }
        }
        results.push((function, f));
    }
    let missed: Vec<String> = results.iter().flat_map(|(function, f)| misses(&function.name, f)).collect();
    let text = report(&args, &results, &missed);
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, &text)?;
    println!("\n{text}");
    if missed.is_empty() {
        println!("All targets met.");
    } else {
        println!("Targets missed:");
        for m in &missed {
            println!("  - {m}");
        }
    }
    Ok(())
}
