//! A browser reports a Content-Security-Policy violation of the page: `csp_report` logs the
//! directive and the blocked host, never the path, the query or anything else of the report.

use lambda_http::{Body, Request};
use serde_json::json;

use crate::helpers::{Function, TestApp, logs};

fn report(content_type: &str, body: String) -> Request {
    http::Request::builder()
        .method("POST")
        .uri("/api/csp-report")
        .header("content-type", content_type)
        .body(Body::Text(body))
        .expect("request")
}

fn csp_report() -> Function {
    Function::routing("POST", "/api/csp-report")
}

#[tokio::test]
async fn a_blocked_mercado_pago_host_is_logged_as_its_directive_and_host_only() {
    let app = TestApp::spawn().await;
    // Unique per run: the logs are the whole test process's.
    let id = uuid::Uuid::new_v4().simple().to_string();
    let legacy = json!({"csp-report": {
        "document-uri": format!("https://shop.example/checkout-{id}?email=ana-{id}@example.com"),
        "referrer": format!("https://search.example/?q=referrer-{id}"),
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'; script-src 'self' https://sdk.mercadopago.com",
        "disposition": "enforce",
        "blocked-uri": format!("https://legacy-{id}.mercadopago.example/path-{id}/v3.js?token=abc-{id}"),
        "status-code": 200,
        "source-file": format!("https://source-{id}.example/app.js?s=source-query-{id}"),
        "script-sample": format!("sample-{id}")
    }});
    let reply = app.call(csp_report(), report("application/csp-report", legacy.to_string())).await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert!(reply.empty, "no body");

    let batch = json!([{
        "type": "csp-violation", "age": 3, "url": format!("https://shop.example/?email=batch-{id}"),
        "user_agent": "Mozilla/5.0",
        "body": {
            "documentURL": format!("https://shop.example/pay-{id}?email=batch-{id}"),
            "blockedURL": format!("https://batch-{id}.mercadopago.example:8443/tokens-{id}?public_key=pk-{id}"),
            "effectiveDirective": "connect-src",
            "disposition": "report",
            "sample": format!("sample-{id}"),
            "statusCode": 200
        }
    }]);
    let reply = app.call(csp_report(), report("application/reports+json", batch.to_string())).await;
    assert_eq!(reply.status, 204, "{:?}", reply.body);
    assert!(reply.empty, "no body");

    let logged = logs();
    let lines: Vec<&str> = logged.lines().filter(|l| l.contains(&id)).collect();
    assert_eq!(lines.len(), 2, "one line per violation: {lines:#?}");
    let (legacy_line, batch_line) = (lines[0], lines[1]);
    assert!(legacy_line.contains("WARN") && legacy_line.contains("CSP violation"), "{legacy_line}");
    assert!(legacy_line.contains("script-src-elem"), "{legacy_line}");
    assert!(legacy_line.contains(&format!("https://legacy-{id}.mercadopago.example")), "{legacy_line}");
    assert!(legacy_line.contains(&format!("/checkout-{id}")), "the document's path: {legacy_line}");
    assert!(legacy_line.contains(&format!("source-{id}.example")), "the source's host: {legacy_line}");
    assert!(legacy_line.contains("enforce"), "{legacy_line}");
    assert!(batch_line.contains("connect-src") && batch_line.contains("report"), "{batch_line}");
    assert!(batch_line.contains(&format!("https://batch-{id}.mercadopago.example:8443")), "{batch_line}");
    assert!(batch_line.contains(&format!("/pay-{id}")), "{batch_line}");
    for never in [
        format!("path-{id}"),
        format!("token=abc-{id}"),
        format!("abc-{id}"),
        format!("ana-{id}"),
        format!("email=batch-{id}"),
        format!("referrer-{id}"),
        format!("source-query-{id}"),
        format!("sample-{id}"),
        format!("tokens-{id}"),
        format!("pk-{id}"),
        "?".to_owned(),
    ] {
        for line in [legacy_line, batch_line] {
            assert!(!line.contains(&never), "{never} logged: {line}");
        }
    }
}

#[tokio::test]
async fn what_is_not_a_report_is_refused_and_what_is_unreadable_is_ignored() {
    let app = TestApp::spawn().await;
    let (status, body) = app.call(csp_report(), report("application/csp-report", "{not json".into())).await.parts();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed_json")), "{body}");
    // A report is never sent as application/json: not ours to read.
    let legacy = json!({"csp-report": {"blocked-uri": "https://evil.example/"}}).to_string();
    let (status, body) = app.call(csp_report(), report("application/json", legacy)).await.parts();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("malformed_json")), "{body}");
    // JSON of another shape with a report content type: nothing to log, still 204.
    let reply = app.call(csp_report(), report("application/reports+json", r#"{"unexpected": [1]}"#.into())).await;
    assert_eq!((reply.status, reply.empty), (204, true));
    let too_large = format!(r#"{{"csp-report": {{"script-sample": "{}"}}}}"#, "x".repeat(16 * 1024));
    let (status, body) = app.call(csp_report(), report("application/csp-report", too_large)).await.parts();
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("body_too_large")), "{body}");
}

#[tokio::test]
async fn a_report_that_skips_cloudfront_is_refused() {
    let app = TestApp::spawn().await;
    let legacy = json!({"csp-report": {"blocked-uri": "https://evil.example/"}}).to_string();
    let (status, body) = app.call_direct(csp_report(), report("application/csp-report", legacy)).await.parts();
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
}
