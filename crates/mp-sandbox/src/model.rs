//! Wire shapes of the resources the sandbox serves: payments, refunds, card tokens and webhook
//! notifications. Field names are Mercado Pago's (docs/mercadopago.md, sections "The payment
//! resource", "Refunds", "Card tokens" and "Webhooks"). Amounts are `Decimal`s written as JSON
//! numbers, as the API does.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

/// A date as Mercado Pago writes it: `2022-01-10T10:10:10.000-04:00`.
pub(crate) fn mp_date(at: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.to_offset(time::macros::offset!(-4)).format(&fmt).unwrap_or_default()
}

/// An amount as a JSON number (Mercado Pago's wire type), for `json!` bodies.
pub(crate) fn num(d: Decimal) -> Value {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
}

/// `payer.identification`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Identification {
    /// `DNI`, `CPF`...
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Document number.
    pub number: Option<String>,
}

/// `payer.phone` (Mercado Pago's recordings carry it with null members; so does the sandbox).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Phone {
    /// Area code.
    pub area_code: Option<String>,
    /// Number.
    pub number: Option<String>,
    /// Extension.
    pub extension: Option<String>,
}

/// `payer` of a payment. `email` and `identification` are only returned when the payment is
/// approved, refunded or charged back (docs/mercadopago.md#the-payment-resource).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Payer {
    /// `customer` or `guest`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Payer id, a numeric string as in Mercado Pago's recordings (sdk-java `payment_base.json`);
    /// the sandbox derives a stable one from the e-mail (our choice).
    pub id: Option<String>,
    /// Null (the recordings' value).
    pub operator_id: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Identification document.
    pub identification: Identification,
    /// Phone (null members).
    pub phone: Phone,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// `individual` or `association`.
    pub entity_type: Option<String>,
}

/// `card.cardholder`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cardholder {
    /// Name as typed (carries the test code).
    pub name: String,
    /// Identification typed in the card form.
    pub identification: Identification,
}

/// `card` of a payment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Card {
    /// Saved-card id (always null here).
    pub id: Option<String>,
    /// BIN.
    pub first_six_digits: String,
    /// Last four digits.
    pub last_four_digits: String,
    /// 1..=12.
    pub expiration_month: u32,
    /// Four digits.
    pub expiration_year: u32,
    /// When the card was first seen.
    pub date_created: String,
    /// Last change.
    pub date_last_updated: String,
    /// Cardholder.
    pub cardholder: Cardholder,
}

/// `transaction_details`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TransactionDetails {
    /// What the collector receives after fees.
    #[serde(with = "rust_decimal::serde::float")]
    pub net_received_amount: Decimal,
    /// What the payer pays, including installment interest.
    #[serde(with = "rust_decimal::serde::float")]
    pub total_paid_amount: Decimal,
    /// Overpaid amount (0).
    #[serde(with = "rust_decimal::serde::float")]
    pub overpaid_amount: Decimal,
    /// Amount of each installment.
    #[serde(with = "rust_decimal::serde::float")]
    pub installment_amount: Decimal,
    /// Null for cards.
    pub external_resource_url: Option<String>,
    /// Null for cards.
    pub financial_institution: Option<String>,
    /// Null for cards.
    pub payment_method_reference_id: Option<String>,
    /// Null for cards.
    pub payable_deferral_period: Option<String>,
    /// Null (the acquirer's reference is not simulated).
    pub acquirer_reference: Option<String>,
}

/// One entry of `fee_details`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FeeDetail {
    /// `mercadopago_fee`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Fee amount.
    #[serde(with = "rust_decimal::serde::float")]
    pub amount: Decimal,
    /// `collector`.
    pub fee_payer: &'static str,
}

/// `payment_method` object of a payment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PaymentMethodRef {
    /// `visa`...
    pub id: String,
    /// `credit_card`...
    #[serde(rename = "type")]
    pub kind: String,
    /// Issuer id.
    pub issuer_id: String,
}

/// A refund (docs/mercadopago.md#refunds).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Refund {
    /// Refund id.
    pub id: u64,
    /// The refunded payment.
    pub payment_id: u64,
    /// Refunded amount.
    #[serde(with = "rust_decimal::serde::float")]
    pub amount: Decimal,
    /// Free metadata.
    pub metadata: Value,
    /// Who refunded: `{"id","name","type":"collector"}`.
    pub source: Value,
    /// Creation date.
    pub date_created: String,
    /// Null (as in Mercado Pago's recording, sdk-php `payment_refund.json`).
    pub expiration_date: Option<String>,
    /// Always null here.
    pub unique_sequence_number: Option<String>,
    /// `standard`.
    pub refund_mode: &'static str,
    /// 0.
    #[serde(with = "rust_decimal::serde::float")]
    pub adjustment_amount: Decimal,
    /// `approved`.
    pub status: &'static str,
    /// Null.
    pub reason: Option<String>,
    /// Empty.
    pub labels: Vec<String>,
    /// Same as `amount`.
    #[serde(with = "rust_decimal::serde::float")]
    pub amount_refunded_to_payer: Decimal,
    /// Null (as in Mercado Pago's recording).
    pub additional_data: Option<Value>,
    /// Empty.
    pub partition_details: Vec<Value>,
}

/// The payment resource (docs/mercadopago.md#the-payment-resource), as `POST/GET/PUT
/// /v1/payments` return it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Payment {
    /// Numeric id, increasing.
    pub id: u64,
    /// Creation date.
    pub date_created: String,
    /// Approval date, null unless approved.
    pub date_approved: Option<String>,
    /// Last change of any kind.
    pub date_last_updated: String,
    /// Null for cards.
    pub date_of_expiration: Option<String>,
    /// When the money is released to the collector (approved payments).
    pub money_release_date: Option<String>,
    /// `pending` until released.
    pub money_release_status: Option<&'static str>,
    /// `regular_payment`.
    pub operation_type: &'static str,
    /// Issuer id (string).
    pub issuer_id: String,
    /// `visa`, `master`...
    pub payment_method_id: String,
    /// `credit_card`, `debit_card`.
    pub payment_type_id: String,
    /// `{id, type, issuer_id}`.
    pub payment_method: PaymentMethodRef,
    /// `approved`, `in_process`, `rejected`...
    pub status: String,
    /// `accredited`, `pending_contingency`, `cc_rejected_*`...
    pub status_detail: String,
    /// The site's currency: `ARS`, `BRL`, `MXN`, `UYU`, `CLP`, `PEN` or `COP`.
    pub currency_id: &'static str,
    /// As sent.
    pub description: Option<String>,
    /// Always false in the sandbox.
    pub live_mode: bool,
    /// Null (deprecated).
    pub sponsor_id: Option<String>,
    /// Six digits, for approved and authorized payments.
    pub authorization_code: Option<String>,
    /// Null (or `payment_in_flow` on Mercado Pago).
    pub money_release_schema: Option<String>,
    /// 0.
    #[serde(with = "rust_decimal::serde::float")]
    pub taxes_amount: Decimal,
    /// Null.
    pub counter_currency: Option<Value>,
    /// 0.
    #[serde(with = "rust_decimal::serde::float")]
    pub shipping_amount: Decimal,
    /// Null.
    pub pos_id: Option<String>,
    /// Null.
    pub store_id: Option<String>,
    /// Null.
    pub integrator_id: Option<String>,
    /// Null.
    pub platform_id: Option<String>,
    /// Null.
    pub corporation_id: Option<String>,
    /// The seller's user id.
    pub collector_id: u64,
    /// The payer (see [`Payer`] for what is hidden when).
    pub payer: Payer,
    /// Null.
    pub marketplace_owner: Option<u64>,
    /// As sent (an object).
    pub metadata: Value,
    /// `{}` (Mercado Pago's internal data is not simulated).
    pub internal_metadata: Value,
    /// As sent.
    pub additional_info: Value,
    /// `{}` (no merchant order).
    pub order: Value,
    /// As sent.
    pub external_reference: Option<String>,
    /// Amount charged.
    #[serde(with = "rust_decimal::serde::float")]
    pub transaction_amount: Decimal,
    /// Sum of refunds.
    #[serde(with = "rust_decimal::serde::float")]
    pub transaction_amount_refunded: Decimal,
    /// 0.
    #[serde(with = "rust_decimal::serde::float")]
    pub coupon_amount: Decimal,
    /// Null.
    pub differential_pricing_id: Option<u64>,
    /// Null.
    pub deduction_schema: Option<String>,
    /// Installment count.
    pub installments: u32,
    /// Amounts breakdown.
    pub transaction_details: TransactionDetails,
    /// Fees (approved payments only).
    pub fee_details: Vec<FeeDetail>,
    /// Empty.
    pub charges_details: Vec<Value>,
    /// Whether the amount was captured.
    pub captured: bool,
    /// As sent (default false).
    pub binary_mode: bool,
    /// As sent.
    pub statement_descriptor: Option<String>,
    /// The card used.
    pub card: Card,
    /// As sent.
    pub notification_url: Option<String>,
    /// Refunds made.
    pub refunds: Vec<Refund>,
    /// `aggregator`.
    pub processing_mode: &'static str,
    /// Null.
    pub merchant_account_id: Option<String>,
    /// Null.
    pub merchant_number: Option<String>,
    /// Empty.
    pub acquirer_reconciliation: Vec<Value>,
    /// `{}` (Mercado Pago's recordings of card payments).
    pub point_of_interaction: Value,
    /// Null.
    pub call_for_authorize_id: Option<String>,
    /// The 3-D Secure challenge, null when there was none (null is inferred: Mercado Pago's
    /// fixtures always carry it). Kept after the challenge ends, as the SDK fixtures show it on
    /// an approved payment.
    pub three_ds_info: Option<ThreeDsInfo>,
}

/// `three_ds_info` of a payment: where and what to post to start the challenge
/// (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ThreeDsInfo {
    /// The ACS challenge URL: `<acs origin>/acs/challenge` in the sandbox.
    pub external_resource_url: String,
    /// The challenge request: base64url JSON without padding.
    pub creq: String,
}

/// A card token resource (docs/mercadopago.md#card-tokens).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CardToken {
    /// 32 hex characters.
    pub id: String,
    /// Card id, a numeric string as in Mercado Pago's recording (sdk-java
    /// `card_token_base.json`); random per token here (our choice).
    pub card_id: Option<String>,
    /// The public key it was made with (not in Mercado Pago's recordings; kept for the
    /// sandbox's clients).
    pub public_key: String,
    /// BIN.
    pub first_six_digits: String,
    /// 1..=12.
    pub expiration_month: u32,
    /// Four digits.
    pub expiration_year: u32,
    /// Last four digits.
    pub last_four_digits: String,
    /// As typed.
    pub cardholder: Cardholder,
    /// `active` until used.
    pub status: &'static str,
    /// Creation date.
    pub date_created: String,
    /// Last change.
    pub date_last_updated: String,
    /// When it stops being usable.
    pub date_due: String,
    /// True (tokens are only made for Luhn-valid numbers).
    pub luhn_validation: bool,
    /// False.
    pub live_mode: bool,
    /// False.
    pub require_esc: bool,
    /// Digits in the card number.
    pub card_number_length: u32,
    /// Digits in the security code.
    pub security_code_length: u32,
}

/// `data` of a notification.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotificationData {
    /// The payment id, as a string.
    pub id: String,
}

/// A webhook body (docs/mercadopago.md#delivery).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Notification {
    /// `payment.created` or `payment.updated`.
    pub action: String,
    /// `v1`.
    pub api_version: &'static str,
    /// `{id}`.
    pub data: NotificationData,
    /// When the notification was made.
    pub date_created: String,
    /// Notification id.
    pub id: u64,
    /// False in the sandbox.
    pub live_mode: bool,
    /// Topic: `payment`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The seller.
    pub user_id: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_use_mercado_pagos_format_and_offset() {
        let at = time::macros::datetime!(2024-01-10 14:10:10.5 UTC);
        assert_eq!(mp_date(at), "2024-01-10T10:10:10.500-04:00");
    }
}
