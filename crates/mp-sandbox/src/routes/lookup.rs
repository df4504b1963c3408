//! What a card form needs: card tokens, payment methods (by BIN), issuers, installments and
//! identification types (docs/mercadopago.md#card-tokens, #card-form-lookups). These accept the
//! public key (`?public_key=`, as MercadoPago.js calls them) or the access token.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State as AxState};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::error::MpError;
use crate::model::num;
use crate::routes::api::{bearer, json_body};
use crate::site::{PaymentMethod, SiteInfo, installment_rate};
use crate::state::State;
use crate::validate;

type Params = Query<HashMap<String, String>>;

/// Public-key endpoints take `?public_key=` or, from servers, the access token.
fn public_or_bearer(state: &State, headers: &HeaderMap, q: &HashMap<String, String>) -> Result<(), MpError> {
    match q.get("public_key").map(String::as_str) {
        Some(k) if k == state.config.public_key => Ok(()),
        Some("") => Err(MpError::public_key(true)),
        Some(_) => Err(MpError::public_key(false)),
        None if headers.contains_key(http::header::AUTHORIZATION) => bearer(state, headers),
        None => Err(MpError::public_key(true)),
    }
}

/// `POST /v1/card_tokens?public_key=...`: raw card data → single-use token (201).
pub(crate) async fn create_card_token(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
    body: Bytes,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    let today = time::OffsetDateTime::now_utc().date();
    let card = validate::new_card_token(&json_body(&body)?, today)?;
    let token =
        state.lock().create_card_token(state.site(), &state.config.public_key, card, state.config.card_token_ttl)?;
    Ok((StatusCode::CREATED, Json(token)).into_response())
}

fn method_json(site: &SiteInfo, m: &PaymentMethod) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "payment_type_id": m.payment_type_id,
        "status": "active",
        "secure_thumbnail": format!("https://www.mercadopago.com/org-img/MP3/API/logos/{}.gif", m.id),
        "thumbnail": format!("http://img.mlstatic.com/org-img/MP3/API/logos/{}.gif", m.id),
        "deferred_capture": "supported",
        "settings": [{
            "card_number": {"length": m.card_number_length, "validation": "standard"},
            "security_code": {"mode": "mandatory", "length": m.security_code_length, "card_location": m.security_code_location},
            "bin": {"pattern": format!("^({})", m.bin_prefixes.join("|")), "installments_pattern": null, "exclusion_pattern": null}
        }],
        "additional_info_needed": m.additional_info_needed(site),
        "min_allowed_amount": num(m.min_allowed_amount),
        "max_allowed_amount": num(m.max_allowed_amount),
        "accreditation_time": 2880,
        "financial_institutions": [],
        "processing_modes": ["aggregator"],
    })
}

/// `GET /v1/payment_methods`: the site's card payment methods.
pub(crate) async fn list_payment_methods(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    let site = state.site();
    let methods: Vec<_> = site.payment_methods.iter().map(|m| method_json(site, m)).collect();
    Ok(Json(methods).into_response())
}

/// `GET /v1/payment_methods/search?bins=<6–8 digits>` (or `bin=`): what MercadoPago.js's
/// `getPaymentMethods({bin})` calls. Answers `{paging, results}`; no match is an empty page.
pub(crate) async fn search_payment_methods(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    let site = state.site();
    let bin = q.get("bins").or_else(|| q.get("bin")).cloned().unwrap_or_default();
    let results: Vec<Value> = if bin.len() >= 6 && bin.bytes().all(|b| b.is_ascii_digit()) {
        site.payment_method_for_bin(&bin)
            .map(|m| {
                let mut v = method_json(site, m);
                let issuer = m.default_issuer();
                if let Some(fields) = v.as_object_mut() {
                    fields.extend([
                        (
                            "issuer".into(),
                            json!({"default": true, "id": issuer.id.parse::<u64>().unwrap_or(0), "name": issuer.name}),
                        ),
                        ("site_id".into(), json!(site.id.code())),
                        ("marketplace".into(), json!("NONE")),
                        ("processing_mode".into(), json!("aggregator")),
                        ("min_accreditation_days".into(), json!(0)),
                        ("max_accreditation_days".into(), json!(2)),
                        ("labels".into(), json!([])),
                    ]);
                }
                v
            })
            .into_iter()
            .collect()
    } else {
        vec![]
    };
    let total = results.len();
    Ok(Json(json!({"paging": {"total": total, "limit": 30, "offset": 0}, "results": results})).into_response())
}

fn method_from_query(site: &'static SiteInfo, q: &HashMap<String, String>) -> Result<&'static PaymentMethod, MpError> {
    let by_id = q.get("payment_method_id").filter(|s| !s.is_empty());
    let by_bin = q.get("bin").filter(|s| !s.is_empty());
    let method = match (by_id, by_bin) {
        (Some(id), _) => site.payment_method(id),
        (None, Some(bin)) => site.payment_method_for_bin(bin),
        (None, None) => return Err(MpError::bad_request(4001, "payment_method_id attribute can't be null")),
    };
    method.ok_or_else(|| MpError::bad_request(3028, "Invalid payment_method_id"))
}

/// `GET /v1/payment_methods/card_issuers?payment_method_id=&bin=`.
pub(crate) async fn card_issuers(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    let m = method_from_query(state.site(), &q)?;
    let issuers: Vec<_> = m
        .issuers
        .iter()
        .map(|i| {
            json!({"id": i.id, "name": i.name, "secure_thumbnail": "", "thumbnail": "", "processing_mode": "aggregator",
                   "merchant_account_id": null})
        })
        .collect();
    Ok(Json(issuers).into_response())
}

/// `GET /v1/payment_methods/installments?amount=&bin=&payment_method_id=&issuer.id=`: one entry
/// with `payer_costs` (installments, rates, amounts, `recommended_message`). Amounts and texts
/// follow the site's currency: "3 cuotas de $ 6.166,67 ($ 18.500,00)" on MLA,
/// "3 cuotas de $ 6.167 ($ 18.500)" on MLC and MCO (no decimals), "3 cuotas de S/ 6,166.67
/// (S/ 18,500.00)" on MPE ([`SiteInfo::format_amount`]).
pub(crate) async fn installments(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    let site = state.site();
    let m = method_from_query(site, &q)?;
    let amount = q
        .get("amount")
        .and_then(|a| a.parse::<Decimal>().ok())
        .filter(|a| *a > Decimal::ZERO)
        .ok_or_else(|| MpError::bad_request(4037, "Invalid transaction_amount"))?;
    let issuer = q.get("issuer.id").and_then(|id| m.issuer(id)).unwrap_or(m.default_issuer());
    let payer_costs: Vec<_> = m
        .installments
        .iter()
        .map(|&n| {
            let rate = installment_rate(n);
            // Whole amounts for CLP and COP, cents elsewhere (`SiteInfo::decimals`).
            let total = (amount * (Decimal::ONE + rate / Decimal::ONE_HUNDRED)).round_dp(site.decimals);
            let each = (total / Decimal::from(n)).round_dp(site.decimals);
            let word = if n == 1 { site.installment_word.0 } else { site.installment_word.1 };
            let mut message = format!("{n} {word} de {} ({})", site.format_amount(each), site.format_amount(total));
            if rate.is_zero() && n > 1 {
                message.push_str(if site.id == crate::site::SiteId::Mlb { " sem juros" } else { " sin interés" });
            }
            json!({
                "installments": n,
                "installment_rate": num(rate),
                "discount_rate": 0,
                "labels": if rate.is_zero() { json!(["CFT_0,00%|TEA_0,00%"]) } else { json!([]) },
                "installment_rate_collector": ["MERCADOPAGO"],
                "min_allowed_amount": num(m.min_allowed_amount),
                "max_allowed_amount": num(m.max_allowed_amount),
                "recommended_message": message,
                "installment_amount": num(each),
                "total_amount": num(total),
                "payment_method_option_id": format!("sandbox-{}-{}-{n}", m.id, issuer.id),
            })
        })
        .collect();
    Ok(Json(json!([{
        "payment_method_id": m.id,
        "payment_type_id": m.payment_type_id,
        "thumbnail": "",
        "issuer": {"id": issuer.id, "name": issuer.name},
        "processing_mode": "aggregator",
        "merchant_account_id": null,
        "payer_costs": payer_costs,
        "agreements": null,
    }]))
    .into_response())
}

/// `GET /v1/identification_types`: the site's document types (empty for MLM; `CI`/`Otro` on MLU,
/// `RUT`/`Otro` on MLC, `DNI`/`CE`/`RUC`/`Otro` on MPE, `CC`/`CE`/`NIT`/`Otro` on MCO).
pub(crate) async fn identification_types(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, MpError> {
    public_or_bearer(&state, &headers, &q)?;
    Ok(Json(state.site().identification_types).into_response())
}
