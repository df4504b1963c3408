//! Verification of Mercado Pago webhook signatures (`x-signature`), following Mercado Pago's
//! notifications docs (<https://www.mercadopago.com.ar/developers/en/docs/your-integrations/notifications/webhooks>,
//! "Validate notification origin") and its official SDKs' validators:
//!
//! 0. `data.id` and `x-request-id` must be 1–128 characters of `[A-Za-z0-9._-]` (Mercado Pago's
//!    ids are numbers, hex strings and UUIDs), checked before anything is computed: the
//!    manifest's separators `;` and `:` (and anything else) cannot appear in them, so no value can
//!    shift a part of the manifest into another (`?data.id=1%3Brequest-id%3AR` without an
//!    `x-request-id` header would otherwise sign the same text as `data.id=1`,
//!    `x-request-id: R`). The alphabet is our choice: the docs name none.
//! 1. `x-signature: ts=1704908010,v1=618c85...` is split on `,`, each part on its first `=`
//!    (whitespace around parts is ignored; unknown keys are ignored, only `v1` is supported).
//! 2. The manifest is `id:<data.id>;request-id:<x-request-id>;ts:<ts>;`, where `data.id` is the
//!    **query** parameter exactly as delivered (case kept, as the SDKs do since June 2026) and
//!    `x-request-id` the header. A missing `data.id` or `x-request-id` drops its whole pair, as
//!    the SDKs do; `ts` is always required.
//! 3. `v1` must equal the hex HMAC-SHA256 of the manifest keyed with the webhook secret; the
//!    comparison is constant-time (`subtle`).
//! 4. Optionally `ts` must be within a tolerance of now, in either direction. Mercado Pago's docs
//!    say milliseconds while its payment example and every SDK validator use seconds, so `ts`
//!    values of 13 or more digits are read as milliseconds and shorter ones as seconds
//!    (our choice where the docs disagree). This is the one place that choice lives.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a signature was refused. The names follow the SDK validators' reasons.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `x-signature` header.
    #[error("missing x-signature header")]
    MissingSignatureHeader,
    /// `data.id` or `x-request-id` has characters outside `[A-Za-z0-9._-]` or is too long.
    #[error("data.id or x-request-id is not a Mercado Pago id")]
    InvalidManifestPart,
    /// The header is not `key=value` parts separated by commas.
    #[error("malformed x-signature header")]
    MalformedSignatureHeader,
    /// No `ts=` part (or not a number).
    #[error("x-signature has no valid ts")]
    MissingTimestamp,
    /// No `v1=` part.
    #[error("x-signature has no v1 hash")]
    MissingHash,
    /// The HMAC does not match: wrong secret or tampered `data.id`, `x-request-id` or `ts`.
    #[error("x-signature does not match")]
    SignatureMismatch,
    /// `ts` is further from now than the tolerance.
    #[error("x-signature timestamp is {age_secs} s away from now, tolerance {tolerance_secs} s")]
    TimestampOutOfTolerance {
        /// Distance between `ts` and now, in seconds.
        age_secs: u64,
        /// The tolerance, in seconds.
        tolerance_secs: u64,
    },
}

/// The parts of an `x-signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `ts` as sent (used verbatim in the manifest).
    pub ts: String,
    /// `v1`, lower-case hex expected.
    pub v1: String,
}

impl SignatureHeader {
    /// Parses `ts=...,v1=...`.
    pub fn parse(header: &str) -> Result<SignatureHeader, SignatureError> {
        let mut ts = None;
        let mut v1 = None;
        for part in header.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (key, value) = part.split_once('=').ok_or(SignatureError::MalformedSignatureHeader)?;
            match key.trim() {
                "ts" => ts = ts.or(Some(value.trim().to_owned())),
                "v1" => v1 = v1.or(Some(value.trim().to_owned())),
                _ => {}
            }
        }
        let ts = ts
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(SignatureError::MissingTimestamp)?;
        let v1 = v1.filter(|v| !v.is_empty()).ok_or(SignatureError::MissingHash)?;
        Ok(SignatureHeader { ts, v1 })
    }

    /// `ts` as a point in time (13+ digits: milliseconds, otherwise seconds).
    pub fn timestamp(&self) -> Option<SystemTime> {
        let n: u64 = self.ts.parse().ok()?;
        let since_epoch = if self.ts.len() >= 13 { Duration::from_millis(n) } else { Duration::from_secs(n) };
        UNIX_EPOCH.checked_add(since_epoch)
    }
}

/// Longest `data.id` or `x-request-id` accepted (our choice).
pub const MAX_ID_LEN: usize = 128;

/// Whether `id` may stand in the manifest: empty (the pair is dropped), or 1–[`MAX_ID_LEN`]
/// characters of `[A-Za-z0-9._-]`.
pub fn is_manifest_id(id: &str) -> bool {
    id.len() <= MAX_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The signed text: `id:<data_id>;request-id:<request_id>;ts:<ts>;`, dropping absent pairs.
pub fn manifest(data_id: Option<&str>, request_id: Option<&str>, ts: &str) -> String {
    let mut m = String::new();
    if let Some(id) = data_id.filter(|s| !s.is_empty()) {
        m.push_str(&format!("id:{id};"));
    }
    if let Some(rid) = request_id.filter(|s| !s.is_empty()) {
        m.push_str(&format!("request-id:{rid};"));
    }
    m.push_str(&format!("ts:{ts};"));
    m
}

fn hmac(secret: &[u8], manifest: &str) -> [u8; 32] {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(manifest.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Computes an `x-signature` header value (for tests and tools that act as Mercado Pago).
pub fn sign(secret: &SecretString, data_id: Option<&str>, request_id: Option<&str>, ts: &str) -> String {
    let digest = hmac(secret.expose_secret().as_bytes(), &manifest(data_id, request_id, ts));
    format!("ts={ts},v1={}", hex::encode(digest))
}

/// What was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The signature's timestamp.
    pub ts: String,
}

/// Checks webhook signatures with one secret.
pub struct WebhookVerifier {
    secret: SecretString,
    tolerance: Option<Duration>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier").field("secret", &"<redacted>").field("tolerance", &self.tolerance).finish()
    }
}

impl WebhookVerifier {
    /// A verifier; `tolerance: None` skips the timestamp check.
    pub fn new(secret: SecretString, tolerance: Option<Duration>) -> Self {
        WebhookVerifier { secret, tolerance }
    }

    /// Verifies one delivery. `x_signature` and `x_request_id` are the headers, `data_id` the
    /// `data.id` query parameter (decoded), all as received; `now` is the current time.
    ///
    /// # Errors
    /// [`SignatureError::InvalidManifestPart`] before anything is computed when `data_id` or
    /// `x_request_id` is not [`is_manifest_id`]; then a missing or malformed header, a mismatch,
    /// or a `ts` outside the tolerance.
    pub fn verify(
        &self,
        x_signature: Option<&str>,
        x_request_id: Option<&str>,
        data_id: Option<&str>,
        now: SystemTime,
    ) -> Result<Verified, SignatureError> {
        if ![data_id, x_request_id].into_iter().flatten().all(is_manifest_id) {
            return Err(SignatureError::InvalidManifestPart);
        }
        let header = x_signature.filter(|h| !h.trim().is_empty()).ok_or(SignatureError::MissingSignatureHeader)?;
        let parsed = SignatureHeader::parse(header)?;
        let expected = hmac(self.secret.expose_secret().as_bytes(), &manifest(data_id, x_request_id, &parsed.ts));
        let provided = hex::decode(parsed.v1.to_ascii_lowercase()).map_err(|_| SignatureError::SignatureMismatch)?;
        if provided.len() != expected.len() || !bool::from(provided.ct_eq(&expected)) {
            return Err(SignatureError::SignatureMismatch);
        }
        if let Some(tolerance) = self.tolerance {
            let at = parsed.timestamp().ok_or(SignatureError::MissingTimestamp)?;
            let age = now.duration_since(at).unwrap_or_else(|e| e.duration());
            if age > tolerance {
                return Err(SignatureError::TimestampOutOfTolerance {
                    age_secs: age.as_secs(),
                    tolerance_secs: tolerance.as_secs(),
                });
            }
        }
        Ok(Verified { ts: parsed.ts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "your_secret_key_here";
    const REQUEST_ID: &str = "2066ca19-c6f1-498a-be75-1923005edd06";
    /// Test vectors: docs/mercadopago.md#test-vectors (computed by us: Mercado Pago publishes
    /// none).
    const V1_WITH_ID: &str = "2950837c0ba1681e168f193fb68dad2d33a2372e6cf86379ca8eeaa965009294";
    const V1_WITHOUT_ID: &str = "a2d8b9f2183063522f01ca8d71f1cf68f92eaeeeb2359d29caaf1a7b424f9ee6";

    fn verifier(tolerance: Option<Duration>) -> WebhookVerifier {
        WebhookVerifier::new(SecretString::from(SECRET), tolerance)
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn reference_test_vectors_verify() {
        let v = verifier(None);
        let header = format!("ts=1704908010,v1={V1_WITH_ID}");
        assert!(v.verify(Some(&header), Some(REQUEST_ID), Some("123456789"), at(0)).is_ok());
        let header = format!("ts=1704908010,v1={V1_WITHOUT_ID}");
        assert!(v.verify(Some(&header), Some(REQUEST_ID), None, at(0)).is_ok(), "missing data.id drops its pair");
        assert_eq!(
            sign(&SecretString::from(SECRET), Some("123456789"), Some(REQUEST_ID), "1704908010"),
            format!("ts=1704908010,v1={V1_WITH_ID}")
        );
    }

    #[test]
    fn any_tampered_part_is_a_mismatch() {
        let v = verifier(None);
        let good = format!("ts=1704908010,v1={V1_WITH_ID}");
        let mismatch = Err(SignatureError::SignatureMismatch);
        assert_eq!(v.verify(Some(&good), Some(REQUEST_ID), Some("123456780"), at(0)), mismatch, "data.id");
        assert_eq!(
            v.verify(Some(&good), Some("2066ca19-c6f1-498a-be75-1923005edd07"), Some("123456789"), at(0)),
            mismatch,
            "request id"
        );
        assert_eq!(
            v.verify(Some(&good.replace("1704908010", "1704908011")), Some(REQUEST_ID), Some("123456789"), at(0)),
            mismatch,
            "ts"
        );
        let flipped = good.replace("v1=2950", "v1=3950");
        assert_eq!(v.verify(Some(&flipped), Some(REQUEST_ID), Some("123456789"), at(0)), mismatch, "v1");
        assert_eq!(v.verify(Some("ts=1,v1=zz"), Some(REQUEST_ID), Some("1"), at(0)), mismatch, "non-hex v1");
        let other = WebhookVerifier::new(SecretString::from("another-secret"), None);
        assert_eq!(other.verify(Some(&good), Some(REQUEST_ID), Some("123456789"), at(0)), mismatch, "secret");
    }

    #[test]
    fn headers_are_parsed_like_the_sdks_do() {
        let v = verifier(None);
        assert_eq!(v.verify(None, Some(REQUEST_ID), Some("1"), at(0)), Err(SignatureError::MissingSignatureHeader));
        assert_eq!(
            v.verify(Some("  "), Some(REQUEST_ID), Some("1"), at(0)),
            Err(SignatureError::MissingSignatureHeader)
        );
        assert_eq!(SignatureHeader::parse("garbage"), Err(SignatureError::MalformedSignatureHeader));
        assert_eq!(SignatureHeader::parse("v1=abc"), Err(SignatureError::MissingTimestamp));
        assert_eq!(SignatureHeader::parse("ts=abc,v1=abc"), Err(SignatureError::MissingTimestamp));
        assert_eq!(SignatureHeader::parse("ts=1"), Err(SignatureError::MissingHash));
        let spaced = format!(" ts=1704908010 , v1={V1_WITH_ID} ,v2=future");
        assert!(v.verify(Some(&spaced), Some(REQUEST_ID), Some("123456789"), at(0)).is_ok());
        let upper = format!("ts=1704908010,v1={}", V1_WITH_ID.to_uppercase());
        assert!(v.verify(Some(&upper), Some(REQUEST_ID), Some("123456789"), at(0)).is_ok());
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_refused_in_seconds_or_milliseconds() {
        let v = verifier(Some(Duration::from_secs(300)));
        let header = format!("ts=1704908010,v1={V1_WITH_ID}");
        assert!(v.verify(Some(&header), Some(REQUEST_ID), Some("123456789"), at(1_704_908_010 + 299)).is_ok());
        assert!(
            v.verify(Some(&header), Some(REQUEST_ID), Some("123456789"), at(1_704_908_010 - 299)).is_ok(),
            "small clock skew"
        );
        assert_eq!(
            v.verify(Some(&header), Some(REQUEST_ID), Some("123456789"), at(1_704_908_010 + 301)),
            Err(SignatureError::TimestampOutOfTolerance { age_secs: 301, tolerance_secs: 300 })
        );
        let secret = SecretString::from(SECRET);
        let ms = sign(&secret, Some("42"), Some("r"), "1704908010000");
        assert!(v.verify(Some(&ms), Some("r"), Some("42"), at(1_704_908_010 + 10)).is_ok());
        assert!(v.verify(Some(&ms), Some("r"), Some("42"), at(1_704_908_010 + 1000)).is_err());
    }

    #[test]
    fn separators_cannot_shift_a_part_of_the_manifest_into_another() {
        let secret = SecretString::from(SECRET);
        let header = sign(&secret, Some("123"), Some("R"), "1704908010");
        let v = verifier(None);
        assert!(v.verify(Some(&header), Some("R"), Some("123"), at(0)).is_ok());
        // The same manifest text, with the request id smuggled into data.id.
        assert_eq!(
            manifest(Some("123;request-id:R"), None, "1704908010"),
            manifest(Some("123"), Some("R"), "1704908010")
        );
        assert_eq!(
            v.verify(Some(&header), None, Some("123;request-id:R"), at(0)),
            Err(SignatureError::InvalidManifestPart)
        );
        for bad in ["1;2", "1:2", "a b", "é", "1\n", &"9".repeat(MAX_ID_LEN + 1)] {
            assert_eq!(
                v.verify(Some(&header), Some("R"), Some(bad), at(0)),
                Err(SignatureError::InvalidManifestPart),
                "{bad:?}"
            );
            assert_eq!(
                v.verify(Some(&header), Some(bad), Some("123"), at(0)),
                Err(SignatureError::InvalidManifestPart),
                "{bad:?}"
            );
        }
        assert!(is_manifest_id("2c938084726fca480172750000000000") && is_manifest_id("a.b_c-D") && is_manifest_id(""));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn id() -> impl Strategy<Value = String> {
            "[A-Za-z0-9._-]{1,40}"
        }

        proptest! {
            #[test]
            fn parsing_and_verifying_never_panic(header in any::<String>(), rid in any::<String>(), id in any::<String>(), now in any::<u64>()) {
                let _ = SignatureHeader::parse(&header);
                let v = verifier(Some(Duration::from_secs(600)));
                let _ = v.verify(Some(&header), Some(&rid), Some(&id), UNIX_EPOCH + Duration::from_secs(now % 10_000_000_000));
                let _ = SignatureHeader { ts: header.clone(), v1: header }.timestamp();
            }

            #[test]
            fn what_sign_produces_verifies(secret in "[ -~]{1,64}", id in id(), rid in id(), ts in 1u64..10_000_000_000u64) {
                let secret = SecretString::from(secret);
                let header = sign(&secret, Some(&id), Some(&rid), &ts.to_string());
                let parsed = SignatureHeader::parse(&header).expect("sign's header parses");
                prop_assert_eq!(&parsed.ts, &ts.to_string());
                let v = WebhookVerifier::new(secret, None);
                prop_assert!(v.verify(Some(&header), Some(&rid), Some(&id), at(0)).is_ok());
            }

            #[test]
            fn any_changed_byte_is_refused(id in id(), rid in id(), ts in 1u64..10_000_000_000u64, which in 0usize..4, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
                let secret = SecretString::from(SECRET);
                let ts = ts.to_string();
                let header = sign(&secret, Some(&id), Some(&rid), &ts);
                let mut parts = [id.clone().into_bytes(), rid.clone().into_bytes(), ts.clone().into_bytes(), header.clone().into_bytes()];
                let target = parts.get_mut(which).expect("four parts");
                let i = pos.index(target.len());
                prop_assume!(target.get(i) != Some(&byte));
                if let Some(b) = target.get_mut(i) { *b = byte; }
                let [id2, rid2, ts2, header2] = parts.map(|p| String::from_utf8_lossy(&p).into_owned());
                // A changed `ts` is sent in the header, with the original digest.
                let digest = header.rsplit("v1=").next().unwrap_or_default();
                let header2 = if which == 2 { format!("ts={ts2},v1={digest}") } else { header2 };
                // Upper/lower case of the hex digest is the same signature.
                prop_assume!(!(which == 3 && header2.eq_ignore_ascii_case(&header)));
                let v = verifier(None);
                prop_assert!(v.verify(Some(&header2), Some(&rid2), Some(&id2), at(0)).is_err());
            }
        }
    }

    #[test]
    fn the_secret_is_not_in_debug_output() {
        assert!(!format!("{:?}", verifier(None)).contains(SECRET));
    }
}
