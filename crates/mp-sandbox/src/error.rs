//! Mercado Pago's error envelope: `{"message", "error", "status", "cause": [{"code", "description", "data"}]}`.
//!
//! Shapes and codes follow docs/mercadopago.md#errors: the error envelope and its 401 bodies,
//! the `cause.code` catalogue (#cause-codes) and the refund codes (#refunds). `data` carries
//! `"<dd-MM-yyyyTHH:mm:ssUTC>;<request uuid>"` as the real API does for 400/404 causes.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// One entry of `cause[]`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cause {
    /// Numeric code, sometimes a string on the real API (`"130"`).
    pub code: Value,
    /// Human text, Mercado Pago's wording.
    pub description: String,
    /// `"<date>;<request id>"` or null.
    pub data: Option<String>,
}

/// An error answer in Mercado Pago's envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct MpError {
    /// HTTP status.
    pub status: StatusCode,
    /// `message`.
    pub message: String,
    /// `error` (`bad_request`, `not_found`, `unauthorized`...).
    pub error: &'static str,
    /// `cause[]`.
    pub cause: Vec<Cause>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    message: &'a str,
    error: &'a str,
    status: u16,
    cause: &'a [Cause],
}

fn cause_data() -> Option<String> {
    let now = time::OffsetDateTime::now_utc();
    let fmt = time::macros::format_description!("[day]-[month]-[year]T[hour]:[minute]:[second]UTC");
    let date = now.format(&fmt).unwrap_or_default();
    Some(format!("{date};{}", uuid::Uuid::new_v4()))
}

impl MpError {
    /// 400 `bad_request` with one cause whose description is also the message.
    pub fn bad_request(code: u32, description: &str) -> Self {
        Self::with_cause(StatusCode::BAD_REQUEST, "bad_request", code, description)
    }

    /// An error with one cause.
    pub fn with_cause(status: StatusCode, error: &'static str, code: u32, description: &str) -> Self {
        MpError {
            status,
            message: description.to_owned(),
            error,
            cause: vec![Cause { code: Value::from(code), description: description.to_owned(), data: cause_data() }],
        }
    }

    /// 401 when no access token was sent (body seen on `PUT /v1/payments/{id}`,
    /// <https://github.com/mercadopago/sdk-php/issues/118>).
    pub fn missing_access_token() -> Self {
        let text = "Must provide your access_token to proceed";
        MpError {
            status: StatusCode::UNAUTHORIZED,
            message: text.to_owned(),
            error: "unauthorized",
            cause: vec![Cause { code: Value::from(5), description: text.to_owned(), data: None }],
        }
    }

    /// 401 for a wrong, rotated or expired access token. Mercado Pago does not document the exact
    /// body for the payments API; ours is our choice (docs/mercadopago.md#error-envelope):
    /// `{"message":"invalid_token","error":"not_found","status":401,"cause":[]}`.
    pub fn invalid_access_token() -> Self {
        MpError { status: StatusCode::UNAUTHORIZED, message: "invalid_token".into(), error: "not_found", cause: vec![] }
    }

    /// 404 cause 2000 "Payment not found".
    pub fn payment_not_found() -> Self {
        Self::with_cause(StatusCode::NOT_FOUND, "not_found", 2000, "Payment not found")
    }

    /// 400 for a public-key endpoint called without a usable `public_key` (`1000` "the
    /// credentials are required", `1001` "public_key not found";
    /// docs/mercadopago.md#card-form-lookups).
    pub fn public_key(missing: bool) -> Self {
        if missing {
            Self::bad_request(1000, "the credentials are required")
        } else {
            Self::bad_request(1001, "public_key not found")
        }
    }

    /// 404 for a route the API does not have (docs/mercadopago.md#error-envelope, "Unknown route").
    pub fn route_not_found() -> Self {
        MpError {
            status: StatusCode::NOT_FOUND,
            message: "resource not found".into(),
            error: "not_found",
            cause: vec![],
        }
    }

    /// The JSON body, as the client receives it.
    pub fn body(&self) -> Value {
        serde_json::to_value(Envelope {
            message: &self.message,
            error: self.error,
            status: self.status.as_u16(),
            cause: &self.cause,
        })
        .unwrap_or(Value::Null)
    }
}

impl IntoResponse for MpError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_documented_fields() {
        let body = MpError::bad_request(2006, "Card Token not found").body();
        assert_eq!(body["message"], "Card Token not found");
        assert_eq!(body["error"], "bad_request");
        assert_eq!(body["status"], 400);
        assert_eq!(body["cause"][0]["code"], 2006);
        let data = body["cause"][0]["data"].as_str().expect("data");
        let (date, id) = data.split_once(';').expect("date;id");
        assert!(date.ends_with("UTC") && date.len() == 22, "{date}");
        assert_eq!(id.len(), 36);
    }

    #[test]
    fn unauthorized_bodies_match_the_reference() {
        assert_eq!(
            MpError::invalid_access_token().body(),
            serde_json::json!({"message":"invalid_token","error":"not_found","status":401,"cause":[]})
        );
        let missing = MpError::missing_access_token().body();
        assert_eq!(missing["cause"][0]["code"], 5);
        assert_eq!(missing["error"], "unauthorized");
    }
}
