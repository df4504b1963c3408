//! The seven Checkout API sites over HTTP: for each, a sandbox configured with that site takes
//! the site's published Mastercard and Visa test cards with cardholder `APRO` and the site's test
//! document, offers installments in the site's currency format, and approves a payment of a whole
//! amount in the site's currency. CLP and COP take whole amounts only: cents are a 400 with cause
//! 4037.
//!
//! Test cards and documents: Mercado Pago's test-cards page of each site
//! (`https://www.mercadopago.<domain>/developers/es/docs/checkout-api/integration-test/test-cards`,
//! `SiteInfo::test_cards_url`).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test code: a failed expectation or a missing JSON field is a failed test"
)]

use axum::http::StatusCode;
use mp_sandbox::site::SiteId;
use mp_sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// What each site must do, from Mercado Pago's test-cards pages and the per-site research.
struct Expected {
    site: SiteId,
    currency_id: &'static str,
    /// `GET /v1/identification_types` ids, in order.
    identification_types: &'static [&'static str],
    /// The document sent with `APRO` (none on MLM).
    document: Option<(&'static str, &'static str)>,
    /// `(payment_method_id, card number)`: the published Mastercard and Visa credit cards.
    cards: [(&'static str, &'static str); 2],
    /// `recommended_message` of 3 installments of 18500 (no interest).
    three_installments: &'static str,
    /// `installment_amount` of 3 installments of 18500.
    installment_amount: f64,
    /// Whether the currency takes whole amounts only (CLP, COP).
    whole_amounts_only: bool,
}

const SITES: [Expected; 7] = [
    Expected {
        site: SiteId::Mla,
        currency_id: "ARS",
        identification_types: &["DNI", "CI", "LC", "LE", "Otro"],
        document: Some(("DNI", "12345678")),
        cards: [("master", "5031755734530604"), ("visa", "4509953566233704")],
        three_installments: "3 cuotas de $ 6.166,67 ($ 18.500,00) sin interés",
        installment_amount: 6166.67,
        whole_amounts_only: false,
    },
    Expected {
        site: SiteId::Mlb,
        currency_id: "BRL",
        identification_types: &["CPF", "CNPJ"],
        document: Some(("CPF", "12345678909")),
        cards: [("master", "5031433215406351"), ("visa", "4235647728025682")],
        three_installments: "3 parcelas de R$ 6.166,67 (R$ 18.500,00) sem juros",
        installment_amount: 6166.67,
        whole_amounts_only: false,
    },
    Expected {
        site: SiteId::Mlm,
        currency_id: "MXN",
        identification_types: &[],
        document: None,
        cards: [("master", "5474925432670366"), ("visa", "4075595716483764")],
        three_installments: "3 mensualidades de $ 6,166.67 ($ 18,500.00) sin interés",
        installment_amount: 6166.67,
        whole_amounts_only: false,
    },
    Expected {
        site: SiteId::Mlu,
        currency_id: "UYU",
        identification_types: &["CI", "Otro"],
        // Fails the CI check digit, yet it is Mercado Pago's own test document.
        document: Some(("CI", "12345678")),
        cards: [("master", "5031755734530604"), ("visa", "4509953566233704")],
        three_installments: "3 cuotas de $ 6.166,67 ($ 18.500,00) sin interés",
        installment_amount: 6166.67,
        whole_amounts_only: false,
    },
    Expected {
        site: SiteId::Mlc,
        currency_id: "CLP",
        identification_types: &["RUT", "Otro"],
        document: Some(("Otro", "123456789")),
        cards: [("master", "5416752602582580"), ("visa", "4168818844447115")],
        three_installments: "3 cuotas de $ 6.167 ($ 18.500) sin interés",
        installment_amount: 6167.0,
        whole_amounts_only: true,
    },
    Expected {
        site: SiteId::Mpe,
        currency_id: "PEN",
        identification_types: &["DNI", "CE", "RUC", "Otro"],
        document: Some(("Otro", "123456789")),
        cards: [("master", "5031755734530604"), ("visa", "4009175332806176")],
        three_installments: "3 cuotas de S/ 6,166.67 (S/ 18,500.00) sin interés",
        installment_amount: 6166.67,
        whole_amounts_only: false,
    },
    Expected {
        site: SiteId::Mco,
        currency_id: "COP",
        identification_types: &["CC", "CE", "NIT", "Otro"],
        document: Some(("CC", "123456789")),
        cards: [("master", "5254133674403564"), ("visa", "4013540682746260")],
        three_installments: "3 cuotas de $ 6.167 ($ 18.500) sin interés",
        installment_amount: 6167.0,
        whole_amounts_only: true,
    },
];

struct Api {
    sandbox: Sandbox,
    http: reqwest::Client,
}

impl Api {
    async fn start(site: SiteId) -> Api {
        let sandbox = Sandbox::start(SandboxConfig { site, ..SandboxConfig::for_tests() }).await.expect("starts");
        Api { sandbox, http: reqwest::Client::new() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    fn public_key(&self) -> String {
        self.sandbox.control().public_key().to_owned()
    }

    /// A public-key GET, as MercadoPago.js makes it; must answer 200.
    async fn lookup(&self, path_and_query: &str) -> Value {
        let sep = if path_and_query.contains('?') { '&' } else { '?' };
        let url = self.url(&format!("{path_and_query}{sep}public_key={}", self.public_key()));
        let resp = self.http.get(url).send().await.expect("lookup");
        assert_eq!(resp.status(), StatusCode::OK, "{path_and_query}");
        resp.json().await.expect("json")
    }

    async fn card_token(&self, number: &str, document: Option<(&str, &str)>) -> String {
        let mut cardholder = json!({"name": "APRO"});
        if let Some((kind, doc)) = document {
            cardholder["identification"] = json!({"type": kind, "number": doc});
        }
        let resp = self
            .http
            .post(self.url(&format!("/v1/card_tokens?public_key={}", self.public_key())))
            .json(&json!({"card_number": number, "expiration_month": 11, "expiration_year": 2030,
                "security_code": "123", "cardholder": cardholder}))
            .send()
            .await
            .expect("card token");
        let status = resp.status();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, StatusCode::CREATED, "{number}: {body}");
        body["id"].as_str().expect("token id").to_owned()
    }

    /// `POST /v1/payments` with a device id (so the sandbox's risk rule stays out of the way).
    async fn pay(&self, body: &Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url("/v1/payments"))
            .bearer_auth(self.sandbox.control().access_token())
            .header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .header("X-meli-session-id", "armor.sites-test-device")
            .json(body)
            .send()
            .await
            .expect("payment");
        let status = resp.status();
        (status, resp.json().await.expect("json"))
    }
}

fn payment_body(token: &str, amount: Value, method: &str, issuer: &str, document: Option<(&str, &str)>) -> Value {
    let mut payer = json!({"email": "buyer@example.com"});
    if let Some((kind, number)) = document {
        payer["identification"] = json!({"type": kind, "number": number});
    }
    json!({"token": token, "transaction_amount": amount, "installments": 3, "payment_method_id": method,
        "issuer_id": issuer, "description": "Sites test", "external_reference": "sites", "payer": payer})
}

#[tokio::test]
async fn every_site_approves_its_test_cards_in_its_currency() {
    for e in &SITES {
        let code = e.site.code();
        let api = Api::start(e.site).await;

        // The control API reports the site's test cards and documents.
        let config: Value =
            api.http.get(api.url("/__sandbox/config")).send().await.expect("config").json().await.expect("json");
        assert_eq!((config["site_id"].as_str(), config["currency_id"].as_str()), (Some(code), Some(e.currency_id)));
        assert_eq!(config["currency_decimals"], json!(if e.whole_amounts_only { 0 } else { 2 }), "{code}");
        for (method, number) in e.cards {
            assert!(
                config["test_cards"].as_array().expect("cards").iter().any(|c| c["card_number"] == number
                    && c["payment_method_id"] == method
                    && c["payment_type_id"] == "credit_card"),
                "{code}: {config}"
            );
        }
        let documents = e.document.map_or(json!([]), |(kind, number)| json!([{"type": kind, "number": number}]));
        let listed = config["test_documents"].as_array().expect("documents");
        assert!(
            listed.first().map_or(documents == json!([]), |first| json!([first]) == documents),
            "{code}: {listed:?}"
        );

        let types = api.lookup("/v1/identification_types").await;
        let ids: Vec<_> =
            types.as_array().expect("types").iter().map(|t| t["id"].as_str().unwrap_or_default()).collect();
        assert_eq!(ids, e.identification_types, "{code}");

        let methods = api.lookup("/v1/payment_methods").await;
        assert!(methods.as_array().expect("methods").iter().all(|m| m["settings"][0]["bin"]["pattern"].is_string()));

        for (method, number) in e.cards {
            let bin = &number[..8];
            let found = api.lookup(&format!("/v1/payment_methods/search?bins={bin}")).await;
            assert_eq!(found["results"][0]["id"], method, "{code} {bin}");
            assert_eq!(found["results"][0]["site_id"], code);
            let issuers =
                api.lookup(&format!("/v1/payment_methods/card_issuers?payment_method_id={method}&bin={bin}")).await;
            let issuer = issuers[0]["id"].as_str().expect("issuer id").to_owned();

            let plans = api
                .lookup(&format!(
                    "/v1/payment_methods/installments?amount=18500&bin={bin}&payment_method_id={method}&issuer.id={issuer}"
                ))
                .await;
            let three = plans[0]["payer_costs"]
                .as_array()
                .expect("payer_costs")
                .iter()
                .find(|c| c["installments"] == 3)
                .expect("3 installments")
                .clone();
            assert_eq!(three["recommended_message"], e.three_installments, "{code} {method}");
            assert_eq!(three["installment_amount"], json!(e.installment_amount), "{code} {method}");
            assert_eq!(three["total_amount"], json!(18500.0), "{code} {method}");

            let token = api.card_token(number, e.document).await;
            let (status, paid) = api.pay(&payment_body(&token, json!(18500), method, &issuer, e.document)).await;
            assert_eq!(status, StatusCode::CREATED, "{code} {method}: {paid}");
            assert_eq!(
                (paid["status"].as_str(), paid["status_detail"].as_str(), paid["currency_id"].as_str()),
                (Some("approved"), Some("accredited"), Some(e.currency_id)),
                "{code} {method}: {paid}"
            );
            assert_eq!(paid["payment_method_id"], method);
            assert_eq!(paid["payment_type_id"], "credit_card");
            assert_eq!(paid["transaction_amount"], json!(18500.0));
            assert_eq!(paid["transaction_details"]["installment_amount"], json!(e.installment_amount), "{code}");
            assert_eq!(paid["transaction_details"]["total_paid_amount"], json!(18500.0), "{code}");
            if let Some((kind, doc)) = e.document {
                assert_eq!(paid["payer"]["identification"], json!({"type": kind, "number": doc}), "{code}");
            }
            if e.whole_amounts_only {
                // The fee (4.99 %) is rounded to whole pesos too: 923.15 → 923.
                assert_eq!(paid["fee_details"][0]["amount"], json!(923.0), "{code}: {paid}");
            }
        }
    }
}

#[tokio::test]
async fn clp_and_cop_refuse_amounts_with_cents_with_cause_4037() {
    for e in &SITES {
        let code = e.site.code();
        let api = Api::start(e.site).await;
        let (method, number) = e.cards[0];
        let issuers = api.lookup(&format!("/v1/payment_methods/card_issuers?payment_method_id={method}")).await;
        let issuer = issuers[0]["id"].as_str().expect("issuer id").to_owned();
        let token = api.card_token(number, e.document).await;
        let (status, body) = api.pay(&payment_body(&token, json!(18500.5), method, &issuer, e.document)).await;
        if e.whole_amounts_only {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{code}: {body}");
            assert_eq!(body["status"], 400);
            assert_eq!(body["error"], "bad_request");
            assert_eq!(body["message"], "Invalid transaction_amount");
            assert_eq!(body["cause"][0]["code"], 4037, "{code}: {body}");
            assert_eq!(body["cause"][0]["description"], "Invalid transaction_amount");
            // The refused request did not use the token: a whole amount goes through with it.
            let (status, paid) = api.pay(&payment_body(&token, json!(18500), method, &issuer, e.document)).await;
            assert_eq!((status, paid["status"].as_str()), (StatusCode::CREATED, Some("approved")), "{code}: {paid}");
            // Refunds in cents are refused too (cause 4040, our choice); whole ones are fine.
            let id = paid["id"].as_u64().expect("id");
            let refund = |amount: Value| {
                api.http
                    .post(api.url(&format!("/v1/payments/{id}/refunds")))
                    .bearer_auth(api.sandbox.control().access_token())
                    .header("X-Idempotency-Key", uuid::Uuid::new_v4().to_string())
                    .json(&json!({"amount": amount}))
                    .send()
            };
            let resp = refund(json!(100.5)).await.expect("refund");
            assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{code}");
            let body: Value = resp.json().await.expect("json");
            assert_eq!(body["cause"][0]["code"], 4040, "{code}: {body}");
            let resp = refund(json!(100)).await.expect("refund");
            assert_eq!(resp.status(), StatusCode::CREATED, "{code}");
        } else {
            assert_eq!(status, StatusCode::CREATED, "{code}: {body}");
            assert_eq!(body["transaction_amount"], json!(18500.5), "{code}");
        }
    }
}

#[test]
fn the_site_id_option_names_all_seven_sites() {
    let err = "XYZ".parse::<SiteId>().expect_err("unknown site");
    for e in &SITES {
        assert_eq!(e.site.code().parse::<SiteId>(), Ok(e.site));
        assert!(err.contains(e.site.code()), "{err}");
    }
}
