//! The fuzz harness: arbitrary API Gateway HTTP API events (method, raw path, raw query,
//! headers, body, `isBase64Encoded`) into each function's handler, with its stand-ins running
//! (mp-sandbox, moto_server), as the Lambda runtime hands them over
//! (`checkout::http::request_from_event`).
//!
//! Stable Rust, no nightly fuzzer: proptest's strategies generate the events, from pure noise to
//! well-formed requests with one part broken (a valid payment body with a hostile field, a
//! correctly signed webhook for a hostile id), so that the code behind the checks is reached too.
//!
//! Each case must answer without a panic, without a 5xx other than a documented 503, and inside
//! the documented contract (`helpers::contract_violation`). `FUZZ_CASES` sets the cases per
//! function (default 300: the smoke in `make test`; `make fuzz` runs 100,000), `FUZZ_SEED` the
//! seed (printed, so a failure can be replayed). The last line printed is
//! `fuzz: N cases, P panics, S 5xx, V schema violations`.

use std::time::Instant;

use base64::Engine as _;
use checkout::http::HttpApiEvent;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use crate::helpers::{Function, Options, TestApp, contract_violation};

/// Text that often breaks parsers: separators, escapes, broken UTF-8 stand-ins, long runs.
fn nasty_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[%;:=&+?#/\\\\\"<> \u{e9}\u{fffd}a-z0-9.-]{0,40}",
        prop::sample::select(vec![
            "%",
            "%a\u{e9}",
            "%zz",
            "%C3",
            "%00",
            "\u{0}",
            "..",
            "../../etc/passwd",
            "{}",
            "[]",
            "null",
            "-1",
            "0",
            "1e309",
            "18500.0000000000001",
            "123456",
            "00000000-0000-4000-8000-000000000000",
        ])
        .prop_map(str::to_owned),
        Just("9".repeat(200)),
    ]
}

/// A JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "-?[0-9]{1,25}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{1,3})?"
            .prop_map(|t| serde_json::from_str(&t).unwrap_or(Value::Null)),
        nasty_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(nasty_text(), inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid payment body with some fields replaced by arbitrary JSON or removed.
fn payment_body() -> impl Strategy<Value = String> {
    let fields = [
        "items",
        "token",
        "payment_method_id",
        "issuer_id",
        "installments",
        "payer",
        "shipping_address",
        "transaction_amount",
        "locale",
    ];
    (prop::collection::vec((prop::sample::select(fields.to_vec()), prop::option::of(json_value())), 0..3), any::<u32>())
        .prop_map(|(changes, n)| {
            let mut body = json!({
                "items": [{"sku": "mate-calabaza", "quantity": 1}], "token": format!("tok{n}"),
                "payment_method_id": "master", "issuer_id": "3", "installments": 1,
                "payer": {"email": "comprador@example.com", "identification": {"type": "DNI", "number": "12345678"},
                          "first_name": "Ana", "last_name": "García", "phone": {"number": "+54 11 5555-0100"}},
                "shipping_address": {"street_name": "Av. Corrientes", "street_number": "1234", "zip_code": "C1043",
                                     "city_name": "Buenos Aires", "state_name": "CABA"},
                "transaction_amount": 18500.00, "locale": "es-AR"
            });
            if let Some(obj) = body.as_object_mut() {
                for (field, value) in changes {
                    match value {
                        Some(v) => obj.insert(field.to_owned(), v),
                        None => obj.remove(field),
                    };
                }
            }
            body.to_string()
        })
}

/// One case: the event, and whether to sign it as Mercado Pago would (for `notifications`).
#[derive(Debug, Clone)]
struct Case {
    event: HttpApiEvent,
    sign: bool,
}

fn case(function: Function) -> impl Strategy<Value = Case> {
    // The function's own route most of the time; a route with a parameter
    // (`/api/payment_status/{order_id}`) gets a UUID there, or another tail.
    let (method, template) = function.path_with("{}");
    let (route, parameter) = match template.split_once("{}") {
        Some((prefix, _)) => (prefix.to_owned(), true),
        None => (template.clone(), false),
    };
    let tail = if parameter {
        prop_oneof![
            3 => Just(uuid::Uuid::new_v4().to_string()),
            1 => "[0-9a-fA-F-]{36}",
            1 => nasty_text(),
        ]
        .boxed()
    } else {
        prop_oneof![6 => Just(String::new()), 1 => nasty_text()].boxed()
    };
    let method = prop_oneof![
        6 => Just(method.to_owned()),
        1 => prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]).prop_map(str::to_owned),
        1 => "[A-Za-z]{1,10}",
    ];
    let path = prop_oneof![
        4 => (Just(route.clone()), tail).prop_map(|(r, tail)| format!("{r}{tail}")),
        1 => nasty_text(),
    ];
    let query = prop_oneof![
        2 => Just(String::new()),
        2 => (nasty_text(), prop::sample::select(vec!["payment", "merchant_order", "", "p\u{e9}"])).prop_map(|(id, t)| format!("data.id={id}&type={t}")),
        1 => "[0-9]{1,12}".prop_map(|id| format!("data.id={id}&type=payment")),
        2 => nasty_text(),
    ];
    let header_name = prop_oneof![
        prop::sample::select(vec![
            "idempotency-key",
            "x-signature",
            "x-request-id",
            "content-type",
            "origin",
            "host",
            "x-forwarded-proto",
            "cookie"
        ])
        .prop_map(str::to_owned),
        "[a-z][a-z0-9-]{0,20}",
    ];
    let header_value =
        prop_oneof![Just(uuid::Uuid::new_v4().to_string()), "ts=[0-9]{1,13},v1=[0-9a-f]{0,64}", nasty_text(),];
    let headers = prop::collection::vec((header_name, header_value), 0..6);
    let body = prop_oneof![
        1 => Just(None),
        3 => payment_body().prop_map(Some),
        1 => json_value().prop_map(|v| Some(v.to_string())),
        1 => nasty_text().prop_map(Some),
    ];
    let path_parameter = prop::option::of(prop_oneof![Just(uuid::Uuid::new_v4().to_string()), nasty_text()]);
    (method, path, query, headers, body, any::<bool>(), any::<bool>(), path_parameter, any::<bool>()).prop_map(
        move |(method, raw_path, raw_query_string, headers, body, base64, keyed, order_id, sign)| {
            let mut headers = headers;
            if keyed {
                headers.push(("idempotency-key".into(), uuid::Uuid::new_v4().to_string()));
            }
            // A body flagged base64 is usually encoded (as API Gateway does), sometimes not.
            let (body, is_base64_encoded) = match body {
                Some(b) if base64 && b.len() % 3 != 1 => {
                    (Some(base64::engine::general_purpose::STANDARD.encode(b)), true)
                }
                other => (other, base64),
            };
            let event = HttpApiEvent {
                method,
                raw_path,
                raw_query_string,
                headers,
                path_parameters: order_id.map(|id| vec![("order_id".to_owned(), id)]).unwrap_or_default(),
                body,
                is_base64_encoded,
            };
            Case { event, sign }
        },
    )
}

/// Signs a case's webhook as Mercado Pago would, for its decoded `data.id` and `x-request-id`.
fn signed(app: &TestApp, mut event: HttpApiEvent) -> HttpApiEvent {
    let data_id = url::form_urlencoded::parse(event.raw_query_string.as_bytes())
        .find(|(k, _)| k == "data.id")
        .map(|(_, v)| v.into_owned());
    let request_id = uuid::Uuid::new_v4().to_string();
    let ts = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let secret = secrecy::SecretString::from(app.sandbox.control().webhook_secret().to_owned());
    let signature = mercadopago::webhook::sign(&secret, data_id.as_deref(), Some(&request_id), &ts);
    event.headers.retain(|(k, _)| k != "x-signature" && k != "x-request-id");
    event.headers.extend([("x-signature".to_owned(), signature), ("x-request-id".to_owned(), request_id)]);
    event
}

#[derive(Debug, Default)]
struct Tally {
    cases: u64,
    not_events: u64,
    panics: u64,
    server_errors: u64,
    violations: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_events_never_crash_a_function_nor_break_the_contract() {
    let per_function: u64 = std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand_seed);
    eprintln!("fuzz: {per_function} cases per function, FUZZ_SEED={seed}");
    // Quiet sandbox webhooks: the cases themselves are the only deliveries.
    let app = TestApp::spawn_with(Options {
        sandbox: mp_sandbox::SandboxConfig { webhooks_enabled: false, ..mp_sandbox::SandboxConfig::for_tests() },
        env: vec![],
        ..Options::default()
    })
    .await;

    let mut total = Tally::default();
    let mut failures: Vec<String> = vec![];
    for (index, &function) in Function::all().iter().enumerate() {
        let mut seed_bytes = [0u8; 32];
        seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
        seed_bytes[8] = u8::try_from(index).unwrap_or(u8::MAX);
        let mut runner =
            TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
        let strategy = case(function);
        let started = Instant::now();
        let mut tally = Tally::default();
        for _ in 0..per_function {
            let Ok(tree) = strategy.new_tree(&mut runner) else { continue };
            let Case { event, sign } = tree.current();
            // Signed as Mercado Pago would (only the webhook checks it).
            let event = if sign { signed(&app, event) } else { event };
            tally.cases += 1;
            match app.invoke(function, &event.to_json()).await {
                Ok(None) => tally.not_events += 1,
                Ok(Some(resp)) => {
                    let status = resp.status;
                    *tally.statuses.entry(status).or_default() += 1;
                    if status >= 500 {
                        tally.server_errors += 1;
                    }
                    if let Some(v) = contract_violation(&resp, &event.method) {
                        tally.violations += 1;
                        failures.push(format!("{}: {v}\n  {event:?}", function.name()));
                    } else if status >= 500 {
                        failures.push(format!("{}: {status}\n  {event:?}", function.name()));
                    }
                }
                Err(panic) => {
                    tally.panics += 1;
                    failures.push(format!("{}: {panic}\n  {event:?}", function.name()));
                }
            }
        }
        // The deep paths were reached: charges attempted (process_payment) and payments read
        // (notifications) at Mercado Pago. Counted after each function's cases: the sandbox
        // keeps only its latest requests.
        let reached = match function.name() {
            "process_payment" => Some(app.sandbox.control().requests_to("POST /v1/payments").len()),
            "notifications" => Some(app.sandbox.control().requests_to("GET /v1/payments/{id}").len()),
            _ => None,
        };
        eprintln!(
            "fuzz {}: {} cases in {:.1} s ({} not events), statuses {:?}{}",
            function.name(),
            tally.cases,
            started.elapsed().as_secs_f64(),
            tally.not_events,
            tally.statuses,
            reached.map(|n| format!(", {n} reached Mercado Pago")).unwrap_or_default()
        );
        if per_function >= 100 && reached == Some(0) {
            failures.push(format!("{}: no case got past validation and signatures", function.name()));
        }
        total.cases += tally.cases;
        total.panics += tally.panics;
        total.server_errors += tally.server_errors;
        total.violations += tally.violations;
    }
    for failure in failures.iter().take(20) {
        eprintln!("{failure}");
    }
    eprintln!(
        "fuzz: {} cases, {} panics, {} 5xx, {} schema violations",
        total.cases, total.panics, total.server_errors, total.violations
    );
    assert!(
        failures.is_empty(),
        "{} failing cases (FUZZ_SEED={seed}); the first: {:?}",
        failures.len(),
        failures.first()
    );
    let functions = u64::try_from(Function::all().len()).unwrap_or(u64::MAX);
    assert_eq!(total.cases, per_function * functions, "every case ran, for every function");
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
}
