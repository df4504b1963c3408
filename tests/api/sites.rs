//! A merchant on each of the seven sites Mercado Pago's Checkout API serves: a buyer pays with
//! that site's test card and document, and the amount keeps the currency's decimals from the
//! catalog to Mercado Pago, the order and the "order paid" event (none for CLP and COP).
//! Test cards and documents: Mercado Pago's test-cards page of each country
//! (`https://www.mercadopago.<domain>/developers/en/docs/checkout-api/integration-test/test-cards`).

use mp_sandbox::SandboxConfig;
use mp_sandbox::site::SiteId;
use serde_json::{Value, json};

use crate::helpers::{DEVICE_ID, Options, TestApp, key};

/// One site's shop: its catalog, Mastercard test card and test document.
struct Shop {
    site: SiteId,
    catalog: &'static str,
    card: &'static str,
    document: Option<(&'static str, &'static str)>,
    currency: &'static str,
    /// The catalog's price of one `mate-calabaza`, as the API writes it.
    amount_text: &'static str,
}

const SHOPS: &[Shop] = &[
    Shop {
        site: SiteId::Mla,
        catalog: domain::catalog::BUILT_IN,
        card: "5031755734530604",
        document: Some(("DNI", "12345678")),
        currency: "ARS",
        amount_text: "18500.00",
    },
    Shop {
        site: SiteId::Mlb,
        catalog: include_str!("../../examples/sites/MLB.json"),
        card: "5031433215406351",
        document: Some(("CPF", "12345678909")),
        currency: "BRL",
        amount_text: "149.90",
    },
    Shop {
        site: SiteId::Mlm,
        catalog: include_str!("../../examples/sites/MLM.json"),
        card: "5474925432670366",
        document: None,
        currency: "MXN",
        amount_text: "899.00",
    },
    // Mercado Pago's test CI (12345678) fails Uruguay's check digit; its page also gives Otro.
    Shop {
        site: SiteId::Mlu,
        catalog: include_str!("../../examples/sites/MLU.json"),
        card: "5031755734530604",
        document: Some(("Otro", "123456789")),
        currency: "UYU",
        amount_text: "1590.00",
    },
    Shop {
        site: SiteId::Mlc,
        catalog: include_str!("../../examples/sites/MLC.json"),
        card: "5416752602582580",
        document: Some(("Otro", "123456789")),
        currency: "CLP",
        amount_text: "18500",
    },
    Shop {
        site: SiteId::Mpe,
        catalog: include_str!("../../examples/sites/MPE.json"),
        card: "5031755734530604",
        document: Some(("Otro", "123456789")),
        currency: "PEN",
        amount_text: "89.90",
    },
    Shop {
        site: SiteId::Mco,
        catalog: include_str!("../../examples/sites/MCO.json"),
        card: "5254133674403564",
        document: Some(("CC", "123456789")),
        currency: "COP",
        amount_text: "85000",
    },
];

async fn app_for(shop: &Shop) -> TestApp {
    TestApp::spawn_with(Options {
        sandbox: SandboxConfig { site: shop.site, ..SandboxConfig::for_tests() },
        catalog: shop.catalog,
        ..Options::default()
    })
    .await
}

/// A buyer's request on `shop`'s site: one `mate-calabaza`, its catalog price as the page sends
/// it (a JSON number), the site's document.
fn body(shop: &Shop, token: &str) -> Value {
    let mut body = crate::helpers::checkout_body(token);
    body["transaction_amount"] = serde_json::from_str(shop.amount_text).expect("a number");
    body["locale"] = json!(domain::site::Site::by_id(shop.site.code()).expect("a site").locale);
    body.as_object_mut().expect("body").remove("issuer_id");
    match shop.document {
        Some((kind, number)) => body["payer"]["identification"] = json!({"type": kind, "number": number}),
        None => {
            body["payer"].as_object_mut().expect("payer").remove("identification");
        }
    }
    body
}

#[tokio::test]
async fn a_buyer_pays_in_each_of_the_seven_sites_with_its_test_card_and_document() {
    for shop in SHOPS {
        let site = shop.site.code();
        let app = app_for(shop).await;
        let token = app.card_token_with(shop.card, "APRO", shop.document).await;
        let (status, created) = app.post_payment(Some(&key()), &body(shop, &token)).await;
        assert_eq!((status, created["status"].as_str()), (201, Some("approved")), "{site}: {created}");
        assert_eq!(
            (created["amount"].as_str(), created["currency"].as_str()),
            (Some(shop.amount_text), Some(shop.currency))
        );

        // Mercado Pago got the catalog's amount with the currency's decimals, and the document.
        let request = app.sandbox.control().requests_to("POST /v1/payments").pop().expect("the payment request");
        let sent = request.body["transaction_amount"].to_string();
        let expected = domain::money::exact(&serde_json::from_str(shop.amount_text).expect("a number")).expect("exact");
        assert_eq!(domain::money::exact(&request.body["transaction_amount"]), Some(expected), "{site}: {sent}");
        if domain::money::minor_units(shop.currency) == Some(0) {
            assert!(!sent.contains('.'), "{site}: a whole amount goes out whole: {sent}");
        }
        let document = shop.document.map(|(kind, number)| json!({"type": kind, "number": number}));
        assert_eq!(request.body["payer"].get("identification").cloned(), document, "{site}");
        let payment = app.charges().pop().expect("a charge");
        assert_eq!(payment.currency_id, shop.currency, "{site}");

        // The order keeps the amount; the event writes it with the currency's decimals.
        let order = app.order(created["order_id"].as_str().expect("order id")).await;
        assert_eq!((order.terms.amount, order.terms.currency_id.as_str()), (expected, shop.currency), "{site}");
        app.webhooks_settle().await;
        let event = app.subscriber.messages().pop().unwrap_or_else(|| panic!("{site}: no order.paid"));
        assert_eq!(
            (event["amount"].as_str(), event["currency_id"].as_str()),
            (Some(shop.amount_text), Some(shop.currency))
        );
    }
}

#[tokio::test]
async fn a_chilean_amount_with_cents_is_refused_with_a_clear_error() {
    let chile = SHOPS.iter().find(|s| s.site == SiteId::Mlc).expect("MLC");
    let app = app_for(chile).await;
    let token = app.card_token_with(chile.card, "APRO", chile.document).await;
    let mut body = body(chile, &token);
    body["transaction_amount"] = serde_json::from_str("18500.5").expect("a number");
    let (status, answer) =
        app.post_payment_with(Some(&key()), body.to_string(), &[("x-meli-session-id", DEVICE_ID)]).await;
    assert_eq!(
        (status, answer["error"]["fields"]["transaction_amount"].as_str()),
        (422, Some("too_many_decimals")),
        "{answer}"
    );
    assert!(app.charges().is_empty());
}

#[tokio::test]
async fn a_brazilian_buyer_with_a_mistyped_cpf_is_told_before_any_charge() {
    let brazil = SHOPS.iter().find(|s| s.site == SiteId::Mlb).expect("MLB");
    let app = app_for(brazil).await;
    let token = app.card_token_with(brazil.card, "APRO", brazil.document).await;
    for (kind, number, field) in
        [("CPF", "12345678900", "payer.identification.number"), ("DNI", "12345678", "payer.identification.type")]
    {
        let mut body = body(brazil, &token);
        body["payer"]["identification"] = json!({"type": kind, "number": number});
        let (status, answer) = app.post_payment(Some(&key()), &body).await;
        assert_eq!((status, answer["error"]["fields"][field].as_str()), (422, Some("invalid")), "{answer}");
    }
    assert!(app.charges().is_empty());
}
