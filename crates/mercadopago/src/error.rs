//! Errors, keeping Mercado Pago's envelope `{message, error, status, cause[]}`
//! (docs/mercadopago.md#error-envelope).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One `cause[]` entry. `code` is a number on most answers and a string on some (`"130"`,
/// `"card-120"`), so it is kept as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// Mercado Pago's cause code (docs/mercadopago.md#cause-codes), number or string.
    #[serde(default)]
    pub code: Value,
    /// Mercado Pago's text.
    #[serde(default)]
    pub description: Option<String>,
    /// `"<date>;<request id>"` when present.
    #[serde(default)]
    pub data: Option<String>,
}

impl Cause {
    /// The code as a number, when it is one (or a numeric string).
    pub fn code_number(&self) -> Option<i64> {
        match &self.code {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

/// Mercado Pago's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiErrorBody {
    /// Human text.
    #[serde(default)]
    pub message: String,
    /// Short kind (`bad_request`, `not_found`, `unauthorized`...).
    #[serde(default)]
    pub error: String,
    /// HTTP status repeated in the body.
    #[serde(default)]
    pub status: u16,
    /// Causes; `null` on some answers, read as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub cause: Vec<Cause>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Cause>, D::Error> {
    Ok(Option::<Vec<Cause>>::deserialize(d)?.unwrap_or_default())
}

impl ApiErrorBody {
    /// Whether any cause has this numeric code.
    pub fn has_cause(&self, code: i64) -> bool {
        self.cause.iter().any(|c| c.code_number() == Some(code))
    }
}

/// What can go wrong calling Mercado Pago.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Mercado Pago answered with an error status. `body` is its envelope (or a synthesized one
    /// when the body was not JSON, e.g. a gateway's HTML page).
    #[error("Mercado Pago answered HTTP {status}: {}", body.message)]
    Api {
        /// HTTP status.
        status: u16,
        /// The error envelope.
        body: ApiErrorBody,
        /// `Retry-After`, when Mercado Pago sent one (429, 503).
        retry_after: Option<Duration>,
    },
    /// No answer: connection refused or reset, DNS, TLS, or a timeout.
    #[error("could not reach Mercado Pago: {message}")]
    Transport {
        /// What happened (no URL query, no headers).
        message: String,
        /// True when the request timed out (it may have been processed).
        timeout: bool,
    },
    /// A success status with a body that is not the expected resource.
    #[error("unexpected answer from Mercado Pago (HTTP {status}): {message}")]
    Decode {
        /// HTTP status.
        status: u16,
        /// Parse error.
        message: String,
    },
    /// The client could not be built (bad base URL, TLS setup).
    #[error("invalid Mercado Pago client configuration: {0}")]
    Config(String),
}

impl Error {
    /// HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The envelope of an API error.
    pub fn body(&self) -> Option<&ApiErrorBody> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// 401: the access token is wrong, expired or rotated.
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Worth retrying with the same idempotency key: 429, 5xx, or no answer. Mercado Pago's
    /// SDKs retry the same set: `[429, 500, 502, 503, 504]` and network errors
    /// (docs/mercadopago.md#rate-limits-and-retries).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => *status == 429 || (500..=599).contains(status),
            Error::Transport { .. } => true,
            Error::Decode { .. } | Error::Config(_) => false,
        }
    }

    /// `Retry-After` sent with the error, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn from_reqwest(e: &reqwest::Error) -> Error {
        // reqwest's Display includes the URL; ours has no query secrets, but keep it short anyway.
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "connection failed"
        } else if e.is_request() {
            "request failed"
        } else if e.is_body() || e.is_decode() {
            "connection broken while reading the answer"
        } else {
            "transport error"
        };
        Error::Transport { message: kind.to_owned(), timeout: e.is_timeout() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_from_the_reference_parse() {
        let b: ApiErrorBody = serde_json::from_value(json!({"message":"Card Token not found","error":"bad_request","status":400,
            "cause":[{"code":2006,"description":"Card Token not found","data":"23-09-2021T17:56:16UTC;3191d71e-86e6-481a-b218-977c0f01b14f"}]}))
        .expect("parses");
        assert!(b.has_cause(2006));
        let s: ApiErrorBody =
            serde_json::from_value(json!({"message":"invalid parameters ","error":"bad_request","status":400,
            "cause":[{"code":"130","description":"Invalid customer data"}]}))
            .expect("parses");
        assert!(s.has_cause(130));
        let n: ApiErrorBody =
            serde_json::from_value(json!({"message":"invalid_token","error":"not_found","status":401,"cause":null}))
                .expect("null cause");
        assert!(n.cause.is_empty());
    }

    #[test]
    fn retryable_errors_are_429_5xx_and_transport() {
        let api = |status| Error::Api { status, body: ApiErrorBody::default(), retry_after: None };
        assert!(api(429).is_retryable() && api(500).is_retryable() && api(503).is_retryable());
        assert!(!api(400).is_retryable() && !api(401).is_retryable() && !api(404).is_retryable());
        assert!(Error::Transport { message: "x".into(), timeout: true }.is_retryable());
        assert!(api(401).is_unauthorized());
    }
}
