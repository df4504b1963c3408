//! Request and response types of the Payments API, with Mercado Pago's field names
//! (docs/mercadopago.md: "Create a payment", "The payment resource", "Statuses and buyer
//! messages", "Search payments"). Responses keep only what a checkout reads and tolerate missing
//! or extra fields; the rest of the resource is kept in `extra`.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// `payer.identification`: document type (`DNI`, `CPF`...) and number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Identification {
    /// Document type as listed by `GET /v1/identification_types`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Document number.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "string_or_number")]
    pub number: Option<String>,
}

impl fmt::Debug for Identification {
    /// The number is personal data: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identification")
            .field("kind", &self.kind)
            .field("number", &self.number.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// `payer` of a new payment. `email` is required by Mercado Pago.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Payer {
    /// Buyer e-mail (cause 4050 when invalid).
    pub email: String,
    /// Document, required on some sites (MLA, MLB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identification: Option<Identification>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

impl fmt::Debug for Payer {
    /// E-mail and document are personal data: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payer")
            .field("email", &"<redacted>")
            .field("identification", &self.identification)
            .finish_non_exhaustive()
    }
}

/// `additional_info` of a new payment: what the order is and who receives it. Mercado Pago only
/// forwards it to its risk scoring ("At Payments level, it's only data": the payment reference,
/// <https://www.mercadopago.com.ar/developers/en/reference/payments/_payments/post>), which
/// approves more payments with it (the "improve payment approval" pages). JSON types are those
/// the Java, Node, Go and PHP SDKs serialize: numbers for `quantity` and `unit_price`, strings for
/// phone and street numbers (the .NET request class types `street_number` as an int; ours is a
/// string so `S/N` fits).
#[derive(Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct AdditionalInfo {
    /// What is bought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<AdditionalInfoItem>,
    /// The buyer, as far as known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<AdditionalInfoPayer>,
    /// Where it is shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipments: Option<Shipments>,
    /// The buyer's IP address (`"203.0.113.7"`, `"2001:db8::1"`), as the checkout's edge saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

impl fmt::Debug for AdditionalInfo {
    /// Items only: the payer and the address are personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdditionalInfo").field("items", &self.items).finish_non_exhaustive()
    }
}

/// One line of `additional_info.items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdditionalInfoItem {
    /// Our SKU.
    pub id: String,
    /// Product name.
    pub title: String,
    /// Product description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A Mercado Pago category tag (`home`, `others`...) or a Mercado Libre category code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    /// Units.
    pub quantity: u32,
    /// Price of one unit, in currency units (a JSON number; Mercado Pago answers it as a string).
    #[serde(with = "crate::amount")]
    pub unit_price: Decimal,
}

/// `additional_info.payer`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AdditionalInfoPayer {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// A phone: `area_code` and `number`, both strings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Phone {
    /// Area code, when known apart from the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_code: Option<String>,
    /// The number.
    pub number: String,
}

/// `additional_info.payer.address`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Address {
    /// Postal code.
    pub zip_code: String,
    /// Street.
    pub street_name: String,
    /// House number (a string: `S/N` fits).
    pub street_number: String,
}

/// `additional_info.shipments`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Shipments {
    /// The address the order goes to.
    pub receiver_address: ReceiverAddress,
}

/// `additional_info.shipments.receiver_address`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ReceiverAddress {
    /// Postal code.
    pub zip_code: String,
    /// State or province.
    pub state_name: String,
    /// City.
    pub city_name: String,
    /// Street.
    pub street_name: String,
    /// House number.
    pub street_number: String,
    /// Floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<String>,
    /// Apartment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apartment: Option<String>,
}

macro_rules! personal_debug {
    ($($t:ty),*) => {$(
        impl fmt::Debug for $t {
            /// Personal data: never printed.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($t), "(<redacted>)"))
            }
        }
    )*};
}
personal_debug!(AdditionalInfoPayer, Phone, Address, Shipments, ReceiverAddress);

/// Body of `POST /v1/payments` for a card payment.
///
/// Mercado Pago's minimum is `token`, `transaction_amount`, `installments`, `payment_method_id`
/// and `payer.email` (docs/mercadopago.md#create-a-payment).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentCreateRequest {
    /// Amount in currency units (a JSON number, see [`crate::amount`]).
    #[serde(with = "crate::amount")]
    pub transaction_amount: Decimal,
    /// Card token from MercadoPago.js (single use).
    pub token: String,
    /// Installment count, at least 1.
    pub installments: u32,
    /// `visa`, `master`...
    pub payment_method_id: String,
    /// Card issuer, when the card form provided one. Sent as a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<String>,
    /// The buyer.
    pub payer: Payer,
    /// What the payment is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The integrator's reference (our order id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// Where Mercado Pago posts webhooks for this payment (max 248 characters per the create
    /// payment reference, docs/mercadopago.md#create-a-payment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// Text on the buyer's card statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement_descriptor: Option<String>,
    /// Free key-value data returned with the payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// `false` authorizes only (capture later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture: Option<bool>,
    /// `true`: only approved or rejected, never in process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_mode: Option<bool>,
    /// What the order is and who receives it, for Mercado Pago's risk scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<AdditionalInfo>,
    /// Whether the issuer may ask the buyer for a 3-D Secure challenge (absent: Mercado Pago's
    /// default, `not_supported`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub three_d_secure_mode: Option<ThreeDSecureMode>,
}

/// `three_d_secure_mode` of a new card payment
/// (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThreeDSecureMode {
    /// 3DS is not used (Mercado Pago's default).
    NotSupported,
    /// The issuer decides from the risk profile (Mercado Pago's recommendation, and ours).
    #[default]
    Optional,
    /// Every payment goes through 3DS; a card that cannot is rejected
    /// (`cc_rejected_3ds_mandatory`).
    Mandatory,
}

impl ThreeDSecureMode {
    /// The wire text (`optional`).
    pub fn as_str(self) -> &'static str {
        match self {
            ThreeDSecureMode::NotSupported => "not_supported",
            ThreeDSecureMode::Optional => "optional",
            ThreeDSecureMode::Mandatory => "mandatory",
        }
    }
}

impl std::str::FromStr for ThreeDSecureMode {
    type Err = String;
    /// `not_supported`, `optional` or `mandatory`, as Mercado Pago spells them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "not_supported" => Ok(ThreeDSecureMode::NotSupported),
            "optional" => Ok(ThreeDSecureMode::Optional),
            "mandatory" => Ok(ThreeDSecureMode::Mandatory),
            other => {
                Err(format!("unknown three_d_secure_mode {other:?}: expected not_supported, optional or mandatory"))
            }
        }
    }
}

/// `three_ds_info` of a payment waiting for a 3-D Secure challenge (`status` `pending`,
/// `status_detail` `pending_challenge`): what the buyer's page posts to the issuer's ACS in an
/// iframe (<https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>).
/// Neither field is card data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreeDsInfo {
    /// The ACS URL the page posts `creq` to (issuer-specific).
    pub external_resource_url: String,
    /// The challenge request (base64url JSON), posted as the form field `creq`.
    pub creq: String,
}

impl fmt::Debug for PaymentCreateRequest {
    /// The card token is a credential for one charge: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentCreateRequest")
            .field("transaction_amount", &self.transaction_amount)
            .field("token", &"<redacted>")
            .field("installments", &self.installments)
            .field("payment_method_id", &self.payment_method_id)
            .field("issuer_id", &self.issuer_id)
            .field("payer", &self.payer)
            .field("external_reference", &self.external_reference)
            .finish_non_exhaustive()
    }
}

/// Payment `status` (docs/mercadopago.md#statuses-and-buyer-messages). Unknown values are kept
/// in `Other`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Waiting for the buyer (not used by card payments except 3DS).
    Pending,
    /// Paid.
    Approved,
    /// Reserved, waiting for capture.
    Authorized,
    /// Under review; settles later.
    InProcess,
    /// In a dispute.
    InMediation,
    /// Declined.
    Rejected,
    /// Cancelled (or expired).
    Cancelled,
    /// Returned to the buyer.
    Refunded,
    /// Charged back by the card holder.
    ChargedBack,
    /// A value this crate does not know.
    Other(String),
}

impl PaymentStatus {
    /// The wire value (`"in_process"`).
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::Pending => "pending",
            PaymentStatus::Approved => "approved",
            PaymentStatus::Authorized => "authorized",
            PaymentStatus::InProcess => "in_process",
            PaymentStatus::InMediation => "in_mediation",
            PaymentStatus::Rejected => "rejected",
            PaymentStatus::Cancelled => "cancelled",
            PaymentStatus::Refunded => "refunded",
            PaymentStatus::ChargedBack => "charged_back",
            PaymentStatus::Other(s) => s,
        }
    }

    /// Parses a wire value.
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => PaymentStatus::Pending,
            "approved" => PaymentStatus::Approved,
            "authorized" => PaymentStatus::Authorized,
            "in_process" => PaymentStatus::InProcess,
            "in_mediation" => PaymentStatus::InMediation,
            "rejected" => PaymentStatus::Rejected,
            "cancelled" => PaymentStatus::Cancelled,
            "refunded" => PaymentStatus::Refunded,
            "charged_back" => PaymentStatus::ChargedBack,
            other => PaymentStatus::Other(other.to_owned()),
        }
    }

    /// Whether Mercado Pago may still change the outcome on its own (pending, in process,
    /// authorized, in mediation). Approved payments can still be refunded or charged back, but
    /// that is a new event, not a pending outcome.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            PaymentStatus::Pending | PaymentStatus::InProcess | PaymentStatus::Authorized | PaymentStatus::InMediation
        )
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PaymentStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PaymentStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(PaymentStatus::parse(&String::deserialize(d)?))
    }
}

/// `transaction_details` of a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TransactionDetails {
    /// What the seller receives after fees.
    #[serde(default, with = "crate::amount::option")]
    pub net_received_amount: Option<Decimal>,
    /// What the buyer pays, interest included.
    #[serde(default, with = "crate::amount::option")]
    pub total_paid_amount: Option<Decimal>,
    /// Amount of each installment.
    #[serde(default, with = "crate::amount::option")]
    pub installment_amount: Option<Decimal>,
}

/// `card` of a payment: only the masked parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CardSummary {
    /// BIN.
    #[serde(default)]
    pub first_six_digits: Option<String>,
    /// Last four digits.
    #[serde(default)]
    pub last_four_digits: Option<String>,
}

/// The payment resource (docs/mercadopago.md#the-payment-resource), as create, get and search
/// return it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Numeric id.
    pub id: u64,
    /// Status.
    pub status: PaymentStatus,
    /// Detail (`accredited`, `cc_rejected_other_reason`...).
    #[serde(default)]
    pub status_detail: String,
    /// Creation date, RFC 3339 with offset (`2022-01-10T10:10:10.000-04:00`).
    #[serde(default)]
    pub date_created: Option<String>,
    /// Approval date.
    #[serde(default)]
    pub date_approved: Option<String>,
    /// Last change date: orders status updates (see [`Payment::last_updated`]).
    #[serde(default)]
    pub date_last_updated: Option<String>,
    /// Amount.
    #[serde(with = "crate::amount")]
    pub transaction_amount: Decimal,
    /// Sum of refunds.
    #[serde(default, with = "crate::amount::option")]
    pub transaction_amount_refunded: Option<Decimal>,
    /// Currency (`ARS`, `BRL`, `MXN`...).
    #[serde(default)]
    pub currency_id: String,
    /// Installment count.
    #[serde(default)]
    pub installments: u32,
    /// `visa`, `master`...
    #[serde(default)]
    pub payment_method_id: String,
    /// `credit_card`, `debit_card`...
    #[serde(default)]
    pub payment_type_id: String,
    /// Issuer id.
    #[serde(default, deserialize_with = "string_or_number")]
    pub issuer_id: Option<String>,
    /// The integrator's reference.
    #[serde(default)]
    pub external_reference: Option<String>,
    /// Whether it is a production payment.
    #[serde(default)]
    pub live_mode: bool,
    /// Whether the amount was captured.
    #[serde(default)]
    pub captured: bool,
    /// Amount breakdown.
    #[serde(default)]
    pub transaction_details: Option<TransactionDetails>,
    /// Masked card.
    #[serde(default)]
    pub card: Option<CardSummary>,
    /// The 3-D Secure challenge, while `status_detail` is `pending_challenge` (null otherwise;
    /// a value without both strings is read as none).
    #[serde(default, deserialize_with = "lenient_three_ds_info")]
    pub three_ds_info: Option<ThreeDsInfo>,
    /// Everything else the resource carries (payer included), untyped.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for Payment {
    /// Prints ids, status and amounts only: `extra` holds payer data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Payment")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("status_detail", &self.status_detail)
            .field("transaction_amount", &self.transaction_amount)
            .field("currency_id", &self.currency_id)
            .field("external_reference", &self.external_reference)
            .field("date_last_updated", &self.date_last_updated)
            .finish_non_exhaustive()
    }
}

/// `three_ds_info` as sent: an object with both strings, or nothing (null, `{}`, other shapes).
fn lenient_three_ds_info<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ThreeDsInfo>, D::Error> {
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// Parses one of Mercado Pago's dates (RFC 3339 with offset and milliseconds).
pub fn parse_date(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

impl Payment {
    /// `date_last_updated` as a point in time, if present and well formed.
    pub fn last_updated(&self) -> Option<OffsetDateTime> {
        self.date_last_updated.as_deref().and_then(parse_date)
    }
}

/// Query of `GET /v1/payments/search` (docs/mercadopago.md#search-payments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct SearchRequest {
    /// Only payments with this reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_reference: Option<String>,
    /// `date_created`, `date_approved`, `date_last_updated` or `money_release_date`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `asc` or `desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria: Option<String>,
    /// Page size (Mercado Pago's default: 30).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Page start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// `paging` of a search answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Paging {
    /// Matches in all.
    pub total: u64,
    /// Page size.
    #[serde(default)]
    pub limit: u64,
    /// Page start.
    #[serde(default)]
    pub offset: u64,
}

/// A search answer: `{paging, results}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResponse<T> {
    /// Totals.
    pub paging: Paging,
    /// This page.
    pub results: Vec<T>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_reference_fixture_parses() {
        // The approved payment fixture of Mercado Pago's Java SDK (trimmed):
        // https://github.com/mercadopago/sdk-java/blob/master/src/test/java/com/mercadopago/resources/mocks/response/payment/payment_base.json
        let p: Payment = serde_json::from_value(json!({
            "id":17_014_025_134_u64,"date_created":"2022-01-10T10:10:10.000-00:00","date_approved":"2022-01-10T10:10:10.000-00:00",
            "date_last_updated":"2022-01-10T10:10:10.000-00:00","issuer_id":"24","payment_method_id":"master",
            "payment_type_id":"credit_card","status":"approved","status_detail":"accredited","currency_id":"BRL",
            "payer":{"email":"test_user_1631894348@testuser.com","identification":{"type":"CPF","number":"19119119100"}},
            "external_reference":"1631894348","transaction_amount":12.34,"transaction_amount_refunded":0,"installments":1,
            "transaction_details":{"net_received_amount":11.72,"total_paid_amount":12.34,"overpaid_amount":0,"installment_amount":12.34},
            "card":{"first_six_digits":"503143","last_four_digits":"6351"}
        }))
        .expect("parses");
        assert_eq!(p.status, PaymentStatus::Approved);
        assert_eq!(p.transaction_amount, Decimal::new(1234, 2));
        assert_eq!(p.transaction_details.as_ref().and_then(|t| t.net_received_amount), Some(Decimal::new(1172, 2)));
        assert_eq!(p.last_updated().map(|d| d.unix_timestamp()), Some(1_641_809_410));
        assert!(p.extra.contains_key("payer"));
        let debug = format!("{p:?}");
        assert!(!debug.contains("testuser.com") && !debug.contains("19119119100"), "{debug}");
    }

    #[test]
    fn statuses_round_trip_and_know_what_is_final() {
        for s in [
            "pending",
            "approved",
            "authorized",
            "in_process",
            "in_mediation",
            "rejected",
            "cancelled",
            "refunded",
            "charged_back",
            "new_one",
        ] {
            assert_eq!(PaymentStatus::parse(s).as_str(), s);
        }
        assert!(!PaymentStatus::InProcess.is_final());
        assert!(!PaymentStatus::Pending.is_final());
        assert!(PaymentStatus::Approved.is_final());
        assert!(PaymentStatus::Rejected.is_final());
    }

    #[test]
    fn requests_serialize_with_mercado_pagos_names_and_hide_secrets_in_debug() {
        let req = PaymentCreateRequest {
            transaction_amount: Decimal::new(10050, 2),
            token: "ff8080814c11e237014c1ff593b57b4d".into(),
            installments: 3,
            payment_method_id: "visa".into(),
            issuer_id: Some("310".into()),
            payer: Payer {
                email: "buyer@example.com".into(),
                identification: Some(Identification { kind: Some("DNI".into()), number: Some("12345678".into()) }),
                ..Payer::default()
            },
            description: None,
            external_reference: Some("order-1".into()),
            notification_url: None,
            statement_descriptor: None,
            metadata: None,
            capture: None,
            binary_mode: None,
            additional_info: None,
            three_d_secure_mode: Some(ThreeDSecureMode::Optional),
        };
        let v = serde_json::to_value(&req).expect("ser");
        assert_eq!(
            v,
            json!({"transaction_amount": 100.5, "token": "ff8080814c11e237014c1ff593b57b4d", "installments": 3,
                   "payment_method_id": "visa", "issuer_id": "310", "external_reference": "order-1",
                   "payer": {"email": "buyer@example.com", "identification": {"type": "DNI", "number": "12345678"}},
                   "three_d_secure_mode": "optional"})
        );
        let debug = format!("{req:?}");
        for secret in ["ff8080814c", "buyer@example.com", "12345678"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn a_challenge_is_read_only_when_mercado_pago_gives_both_strings() {
        let base =
            json!({"id": 1, "status": "pending", "status_detail": "pending_challenge", "transaction_amount": 10});
        let with = |info: Value| {
            let mut v = base.clone();
            v["three_ds_info"] = info;
            serde_json::from_value::<Payment>(v).expect("a payment")
        };
        let info = with(json!({"external_resource_url": "https://acs.example/c", "creq": "eyJ9"})).three_ds_info;
        assert_eq!(
            info,
            Some(ThreeDsInfo { external_resource_url: "https://acs.example/c".into(), creq: "eyJ9".into() })
        );
        for odd in [json!(null), json!({}), json!({"creq": 5}), json!("x")] {
            assert_eq!(with(odd.clone()).three_ds_info, None, "{odd}");
        }
        assert_eq!(serde_json::from_value::<Payment>(base).expect("a payment").three_ds_info, None);
        assert_eq!("mandatory".parse(), Ok(ThreeDSecureMode::Mandatory));
        assert!("MANDATORY".parse::<ThreeDSecureMode>().is_err());
    }

    #[test]
    fn additional_info_has_the_sdks_json_types_and_hides_the_buyer_in_debug() {
        let info = AdditionalInfo {
            items: vec![AdditionalInfoItem {
                id: "mate".into(),
                title: "Mate".into(),
                description: None,
                category_id: Some("home".into()),
                quantity: 2,
                unit_price: Decimal::new(1_850_000, 2),
            }],
            payer: Some(AdditionalInfoPayer {
                first_name: Some("Ana".into()),
                last_name: None,
                phone: Some(Phone { area_code: None, number: "11 5555-0100".into() }),
                address: Some(Address {
                    zip_code: "C1043".into(),
                    street_name: "Corrientes".into(),
                    street_number: "S/N".into(),
                }),
            }),
            shipments: None,
            ip_address: Some("203.0.113.7".into()),
        };
        assert_eq!(
            serde_json::to_value(&info).expect("ser"),
            json!({"items": [{"id": "mate", "title": "Mate", "category_id": "home", "quantity": 2, "unit_price": 18500}],
                   "payer": {"first_name": "Ana", "phone": {"number": "11 5555-0100"},
                             "address": {"zip_code": "C1043", "street_name": "Corrientes", "street_number": "S/N"}},
                   "ip_address": "203.0.113.7"})
        );
        let debug = format!("{info:?}");
        for secret in ["Ana", "5555", "C1043", "Corrientes", "203.0.113.7"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }
}

/// Body of `POST /v1/payments/{id}/refunds` (docs/mercadopago.md#refunds): `{}` refunds what is
/// left, `{"amount": n}` that much of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct RefundRequest {
    /// Part of the payment to refund; `None` for all that is left.
    #[serde(skip_serializing_if = "Option::is_none", with = "crate::amount::option")]
    pub amount: Option<Decimal>,
}

/// A refund, as `POST/GET /v1/payments/{id}/refunds` return it (docs/mercadopago.md#refunds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refund {
    /// Refund id.
    pub id: u64,
    /// The refunded payment.
    pub payment_id: u64,
    /// Refunded amount.
    #[serde(with = "crate::amount")]
    pub amount: Decimal,
    /// What reached the buyer.
    #[serde(default, with = "crate::amount::option")]
    pub amount_refunded_to_payer: Option<Decimal>,
    /// `approved`, `in_process`, `rejected`...
    #[serde(default)]
    pub status: Option<String>,
    /// `standard`...
    #[serde(default)]
    pub refund_mode: Option<String>,
    /// Creation date.
    #[serde(default)]
    pub date_created: Option<String>,
    /// Everything else the resource carries (`source`, `metadata`...), untyped.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
