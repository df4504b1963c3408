//! The merchant changes prices without a rebuild: `catalog.json` in the site bucket (what
//! `make catalog` publishes and the page reads) is what the functions charge, within
//! `CATALOG_TTL_SECS`; an order keeps the prices it was created with.

use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{Options, TestApp, key, logs};

/// The repository's catalog with the gourd mate (`mate-calabaza`, 18500.00) at `price`.
fn with_mate_at(price: &str) -> String {
    let text = domain::catalog::BUILT_IN.replacen("\"18500.00\"", &format!("{price:?}"), 1);
    assert_ne!(text, domain::catalog::BUILT_IN, "the catalog no longer has the mate at 18500.00");
    text
}

/// A one-second catalog cache, so a test waits out the TTL quickly.
fn one_second_ttl() -> Options {
    Options { env: vec![("CATALOG_TTL_SECS", "1".into())], ..Options::default() }
}

/// Waits out a one-second TTL.
async fn ttl_passes() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// What the sandbox charged for an order.
fn charged(app: &TestApp, order_id: &str) -> Vec<Decimal> {
    app.charges()
        .iter()
        .filter(|c| c.external_reference.as_deref() == Some(order_id))
        .map(|c| c.transaction_amount)
        .collect()
}

#[tokio::test]
async fn a_price_change_is_charged_by_the_next_payment_and_earlier_orders_keep_theirs() {
    let app = TestApp::spawn_with(one_second_ttl()).await;
    let (status, first) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 201, "{first}");
    let first_id = first["order_id"].as_str().expect("order id").to_owned();
    assert_eq!(charged(&app, &first_id), [Decimal::new(18500, 0)]);

    // The merchant publishes a new price (make catalog): no build, no deploy.
    app.publish_catalog(&with_mate_at("19900.00")).await;
    ttl_passes().await;

    // A page still showing the old price is told so (it then reprices)...
    let (status, stale) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!((status, stale["error"]["code"].as_str()), (409, Some("amount_mismatch")), "{stale}");
    // ...and the next payment is charged the new price.
    let mut body = app.checkout_body("APRO").await;
    body["transaction_amount"] = json!(19900.00);
    let (status, second) = app.post_payment(Some(&key()), &body).await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["order_id"].as_str().expect("order id").to_owned();
    assert_eq!(
        (second["amount"].as_str(), second["items"][0]["unit_price"].as_str()),
        (Some("19900.00"), Some("19900.00"))
    );
    assert_eq!(charged(&app, &second_id), [Decimal::new(19900, 0)]);
    assert_eq!(app.charges().len(), 2, "the stale request charged nothing");
    assert_eq!(app.order(&second_id).await.terms.amount, Decimal::new(19900, 0));

    // The first order keeps the price it was charged: stored, on its receipt and in its event.
    let stored = app.order(&first_id).await;
    assert_eq!(stored.terms.amount, Decimal::new(18500, 0));
    assert_eq!(stored.terms.lines[0].unit_price, Decimal::new(1_850_000, 2));
    let (status, receipt) = app.get_status(&first_id).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(
        (receipt["amount"].as_str(), receipt["items"][0]["unit_price"].as_str()),
        (Some("18500.00"), Some("18500.00"))
    );
    app.webhooks_settle().await;
    let amounts: Vec<(String, String)> = app
        .subscriber
        .messages()
        .iter()
        .map(|m| (m["order_id"].as_str().unwrap_or("").to_owned(), m["amount"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert!(amounts.contains(&(first_id.clone(), "18500.00".into())), "{amounts:?}");
    assert!(amounts.contains(&(second_id.clone(), "19900.00".into())), "{amounts:?}");
}

#[tokio::test]
async fn a_buyer_who_saw_a_just_published_price_pays_it_before_the_cache_expires() {
    // The default TTL (60 s): the catalog is cached when the new one is published.
    let app = TestApp::spawn().await;
    let (status, first) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 201, "{first}");
    app.publish_catalog(&with_mate_at("17000.00")).await;

    // The page already shows 17000.00 (it read the new object). A total that is not the cached
    // catalog's makes the function look at the bucket again (at most every RECHECK_AFTER).
    tokio::time::sleep(crate::functions::process_payment::RECHECK_AFTER).await;
    let mut body = app.checkout_body("APRO").await;
    body["transaction_amount"] = json!(17000.00);
    let (status, second) = app.post_payment(Some(&key()), &body).await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["order_id"].as_str().expect("order id");
    assert_eq!(charged(&app, second_id), [Decimal::new(17000, 0)]);
}

#[tokio::test]
async fn an_invalid_catalog_is_refused_and_the_last_good_one_kept() {
    let app = TestApp::spawn_with(one_second_ttl()).await;
    let (status, _) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 201);

    // Published by hand, skipping make catalog's check: a negative price.
    app.publish_catalog(&with_mate_at("-1")).await;
    ttl_passes().await;
    let (status, body) = app.post_payment(Some(&key()), &app.checkout_body("APRO").await).await;
    assert_eq!(status, 201, "{body}");
    let order_id = body["order_id"].as_str().expect("order id");
    assert_eq!(charged(&app, order_id), [Decimal::new(18500, 0)], "the last good price");
    let location = format!("s3://{}/catalog.json", app.catalog_bucket);
    let refused = logs().lines().any(|l| {
        l.contains("catalog refused; keeping the last good one")
            && l.contains(&location)
            && l.contains("unit_price must be positive")
    });
    assert!(refused, "the refusal is logged, naming the object and the reason");

    // A valid one is used again after the next TTL.
    app.publish_catalog(&with_mate_at("18000.00")).await;
    ttl_passes().await;
    let mut body = app.checkout_body("APRO").await;
    body["transaction_amount"] = json!(18000.00);
    let (status, body) = app.post_payment(Some(&key()), &body).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(charged(&app, body["order_id"].as_str().expect("order id")), [Decimal::new(18000, 0)]);
}

#[tokio::test]
async fn without_a_published_catalog_nothing_is_charged_and_receipts_still_show() {
    let app = TestApp::spawn().await;
    app.delete_catalog().await;

    // No catalog yet: no price, no order, no charge; the built-in catalog is not a fallback.
    let key = key();
    let body = app.checkout_body("APRO").await;
    let (status, refused) = app.post_payment(Some(&key), &body).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (503, Some("service_unavailable")), "{refused}");
    assert!(app.charges().is_empty());

    // Once published, the retry with the same key pays.
    app.publish_catalog(domain::catalog::BUILT_IN).await;
    let (status, paid) = app.post_payment(Some(&key), &body).await;
    assert_eq!(status, 201, "{paid}");
    let order_id = paid["order_id"].as_str().expect("order id");

    // The receipt comes from the stored order: shown even when the catalog cannot be read.
    app.delete_catalog().await;
    let (status, receipt) = app.get_status(order_id).await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!((receipt["status"].as_str(), receipt["amount"].as_str()), (Some("approved"), Some("18500.00")));
}
