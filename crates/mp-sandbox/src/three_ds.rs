//! 3-D Secure 2.0 in the sandbox: `three_d_secure_mode`, the 3DS test cards, the challenge
//! request (`creq`) and the ACS (issuer's Access Control Server) stand-in page.
//!
//! Documented by Mercado Pago ("How to integrate 3DS with Checkout API",
//! <https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds>):
//! the three modes (`not_supported` default, `optional`, `mandatory`); a challenge answers
//! `status: pending`, `status_detail: pending_challenge` and `three_ds_info:
//! {external_resource_url, creq}`; the page posts `creq` to `external_resource_url` in an
//! iframe; the ACS ends with `parent.postMessage({status: "COMPLETE"})`; the outcomes
//! `approved/accredited`, `rejected/cc_rejected_3ds_challenge`,
//! `rejected/cc_rejected_3ds_mandatory`, `cancelled/expired`; the test cards 5483 9281 6457 4623
//! ("Successful Challenge"), 5361 9568 0611 7557 ("Unauthorized Challenge") and
//! 5031 7557 3453 0604 ("3ds mandatory"); the sandbox ACS text "The provided verification code
//! is for illustrative purposes only. To complete the test flow, simply click the Confirm button".
//!
//! Inferred or our choice (marked at each item below): the pairing of each card with its
//! outcome, the `201` status of the challenge answer, that any non-3DS card is refused under
//! `mandatory`, Cancel counting as a failed challenge, the expiry after `challenge_expiry`
//! (default 5 minutes) instead of 24 h, the `creq` contents (the shape of the SDK fixtures'
//! `creq`, with fresh UUIDs), and the ACS page itself.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// The documentation page every 3DS fact here comes from.
pub const DOC_URL: &str =
    "https://www.mercadopago.com.br/developers/en/docs/checkout-api-payments/how-tos/integrate-3ds";

/// Card number of the "Successful Challenge" test card (documented).
pub const CARD_CHALLENGE_SUCCESS: &str = "5483928164574623";
/// Card number of the "Unauthorized Challenge" test card (documented).
pub const CARD_CHALLENGE_FAILURE: &str = "5361956806117557";
/// Card number of the "3ds mandatory" test card (documented; also the ordinary MLA Mastercard
/// test card, so it behaves as any card that cannot do 3DS: inferred).
pub const CARD_MANDATORY: &str = "5031755734530604";

/// `three_d_secure_mode` of `POST /v1/payments` (documented values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreeDsMode {
    /// No 3DS (the documented default).
    #[default]
    NotSupported,
    /// 3DS when the issuer asks for it: the two challenge test cards get a challenge.
    Optional,
    /// 3DS always: challenge cards get a challenge, every other card is
    /// `rejected/cc_rejected_3ds_mandatory` (our choice for cards other than the documented one).
    Mandatory,
}

impl ThreeDsMode {
    /// Parses the wire value; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "not_supported" => Some(ThreeDsMode::NotSupported),
            "optional" => Some(ThreeDsMode::Optional),
            "mandatory" => Some(ThreeDsMode::Mandatory),
            _ => None,
        }
    }
}

/// What a card does in a 3DS challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeCard {
    /// Confirm approves (inferred from "Successful Challenge").
    Succeeds,
    /// Confirm still rejects with `cc_rejected_3ds_challenge` (inferred from "Unauthorized
    /// Challenge").
    Fails,
}

impl ChallengeCard {
    /// The challenge behaviour of a card number, `None` for cards that do not do 3DS.
    pub(crate) fn for_number(number: &str) -> Option<Self> {
        match number {
            CARD_CHALLENGE_SUCCESS => Some(ChallengeCard::Succeeds),
            CARD_CHALLENGE_FAILURE => Some(ChallengeCard::Fails),
            _ => None,
        }
    }
}

/// A challenge waiting for the buyer, kept with its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// `acsTransID` of the `creq`: how the ACS page finds the payment.
    pub(crate) acs_trans_id: String,
    /// What Confirm does.
    pub(crate) card: ChallengeCard,
    /// Whether an approval captures (`capture` of the create request).
    pub(crate) capture: bool,
}

/// The challenge request (EMV 3DS CReq) as Mercado Pago's `creq` carries it: the keys and
/// constant values of the SDK fixtures' `creq` (sdk-java
/// `src/test/java/com/mercadopago/resources/mocks/response/payment/payment_base.json`, decoded),
/// with fresh UUIDs (our choice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CReq {
    #[serde(rename = "threeDSServerTransID")]
    pub(crate) three_ds_server_trans_id: String,
    #[serde(rename = "acsTransID")]
    pub(crate) acs_trans_id: String,
    #[serde(rename = "challengeWindowSize")]
    pub(crate) challenge_window_size: String,
    #[serde(rename = "messageType")]
    pub(crate) message_type: String,
    #[serde(rename = "messageVersion")]
    pub(crate) message_version: String,
}

impl CReq {
    /// A new CReq with fresh transaction ids.
    pub(crate) fn new() -> Self {
        CReq {
            three_ds_server_trans_id: uuid::Uuid::new_v4().to_string(),
            acs_trans_id: uuid::Uuid::new_v4().to_string(),
            challenge_window_size: "04".into(),
            message_type: "CReq".into(),
            message_version: "2.1.0".into(),
        }
    }

    /// base64url of the JSON, without padding (the documented `creq` encoding).
    pub(crate) fn encode(&self) -> String {
        base64url_encode(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a `creq`; `None` if it is not base64url JSON of a CReq.
    pub(crate) fn decode(creq: &str) -> Option<Self> {
        let bytes = base64url_decode(creq.trim())?;
        serde_json::from_slice(&bytes).ok()
    }
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url (RFC 4648 §5) without padding.
pub(crate) fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied(), chunk.get(1).copied(), chunk.get(2).copied()];
        let n =
            (u32::from(b[0].unwrap_or(0)) << 16) | (u32::from(b[1].unwrap_or(0)) << 8) | u32::from(b[2].unwrap_or(0));
        let chars = 1 + chunk.len();
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(B64URL.get(idx as usize).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// Decodes base64url, with or without padding; also accepts the standard alphabet's `+` and
/// `/`. `None` for anything else.
pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    // A lone trailing character cannot encode a byte.
    if text.len() % 4 == 1 {
        return None;
    }
    Some(out)
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The CSP of every ACS page: only its own files, no inline code, and no `frame-ancestors`
/// (any merchant page may frame it, as an issuer's ACS must allow).
pub const ACS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'";

/// The illustrative verification code the ACS page shows (any code would do: Confirm is all the
/// test flow needs, as on Mercado Pago's sandbox ACS).
pub(crate) const ILLUSTRATIVE_CODE: &str = "123456";

fn page(title: &str, state: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"/acs/assets/acs.css\">\n\
         <script src=\"/acs/assets/acs.js\" defer></script>\n</head>\n\
         <body data-acs-state=\"{state}\">\n<main>\n{main}\n</main>\n</body>\n</html>\n",
        title = html_escape(title),
    )
}

/// The challenge page for a pending challenge: a heading, the illustrative code, Confirm (the
/// first focusable control) and Cancel. Without JavaScript the buttons post the form and the
/// answer page finishes the flow; with it, `acs.js` posts the result and calls
/// `parent.postMessage({status: "COMPLETE"}, "*")`.
pub(crate) fn challenge_page(acs_trans_id: &str, amount: &str, merchant: &str) -> String {
    let id = html_escape(acs_trans_id);
    let mut main = String::new();
    let _ = write!(
        main,
        "<h1>Purchase authentication</h1>\n\
         <p>Sandbox bank (Mercado Pago sandbox stand-in). Purchase of {amount} at {merchant}.</p>\n\
         <p>We sent a verification code to your phone: <strong class=\"code\">{ILLUSTRATIVE_CODE}</strong></p>\n\
         <p>The provided verification code is for illustrative purposes only. To complete the \
         test flow, simply click the Confirm button.</p>\n\
         <form id=\"acs-form\" method=\"post\" action=\"/acs/challenge/result\">\n\
         <input type=\"hidden\" name=\"acs_trans_id\" value=\"{id}\">\n\
         <button type=\"submit\" name=\"choice\" value=\"confirm\">Confirm</button>\n\
         <button type=\"submit\" name=\"choice\" value=\"cancel\" class=\"secondary\">Cancel</button>\n\
         </form>\n\
         <p id=\"acs-status\" role=\"status\" aria-live=\"polite\"></p>",
        amount = html_escape(amount),
        merchant = html_escape(merchant),
    );
    page("Purchase authentication", "challenge", &main)
}

/// The page shown when the challenge has ended (after a form post without JavaScript, or for
/// a `creq` whose challenge is over). `acs.js` tells the parent page `COMPLETE` on load.
pub(crate) fn ended_page(message: &str) -> String {
    let main = format!(
        "<h1>Purchase authentication</h1>\n<p role=\"status\">{}</p>\n<p>You can return to the store.</p>",
        html_escape(message)
    );
    page("Authentication finished", "done", &main)
}

/// The page for a request that names no challenge (bad or unknown `creq`): nothing to complete.
pub(crate) fn error_page(message: &str) -> String {
    let main = format!("<h1>Purchase authentication</h1>\n<p role=\"alert\">{}</p>", html_escape(message));
    page("Authentication error", "error", &main)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_without_padding() {
        for input in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "\u{ff}\u{fe}?>"] {
            let enc = base64url_encode(input.as_bytes());
            assert!(!enc.contains('='), "{enc}");
            assert_eq!(base64url_decode(&enc).as_deref(), Some(input.as_bytes()), "{input}");
        }
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zg=="), Some(b"f".to_vec()));
        assert_eq!(base64url_decode("Z"), None);
        assert_eq!(base64url_decode("a b"), None);
    }

    #[test]
    fn creq_has_the_documented_shape() {
        let creq = CReq::new();
        let text = creq.encode();
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
        let json: serde_json::Value =
            serde_json::from_slice(&base64url_decode(&text).unwrap_or_default()).unwrap_or_default();
        let keys: Vec<_> = json.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
        let mut expected =
            ["threeDSServerTransID", "acsTransID", "challengeWindowSize", "messageType", "messageVersion"];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort();
        assert_eq!(keys, expected);
        assert_eq!(json["challengeWindowSize"], "04");
        assert_eq!(json["messageType"], "CReq");
        assert_eq!(json["messageVersion"], "2.1.0");
        assert_eq!(CReq::decode(&text), Some(creq));
        assert_eq!(CReq::decode("not base64!"), None);
        assert_eq!(CReq::decode(&base64url_encode(b"{\"a\":1}")), None);
    }

    #[test]
    fn modes_and_cards() {
        assert_eq!(ThreeDsMode::parse("optional"), Some(ThreeDsMode::Optional));
        assert_eq!(ThreeDsMode::parse("mandatory"), Some(ThreeDsMode::Mandatory));
        assert_eq!(ThreeDsMode::parse("not_supported"), Some(ThreeDsMode::NotSupported));
        assert_eq!(ThreeDsMode::parse("OPTIONAL"), None);
        assert_eq!(ChallengeCard::for_number(CARD_CHALLENGE_SUCCESS), Some(ChallengeCard::Succeeds));
        assert_eq!(ChallengeCard::for_number(CARD_CHALLENGE_FAILURE), Some(ChallengeCard::Fails));
        assert_eq!(ChallengeCard::for_number(CARD_MANDATORY), None);
        for n in [CARD_CHALLENGE_SUCCESS, CARD_CHALLENGE_FAILURE, CARD_MANDATORY] {
            assert!(crate::site::luhn_valid(n), "{n}");
        }
    }

    #[test]
    fn challenge_page_is_accessible_and_has_no_inline_code() {
        let html = challenge_page("abc\"<x>", "$ 100,00", "Shop & Co");
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("<h1>"));
        assert!(html.contains(ILLUSTRATIVE_CODE));
        assert!(html.contains("abc&quot;&lt;x&gt;") && !html.contains("abc\"<x>"));
        assert!(html.contains("Shop &amp; Co"));
        let confirm = html.find(">Confirm</button>").unwrap_or(usize::MAX);
        let cancel = html.find(">Cancel</button>").unwrap_or(0);
        assert!(confirm < cancel);
        // Nothing focusable before Confirm: no links, inputs other than hidden, or tabindex.
        let before = html.get(..confirm).unwrap_or_default();
        assert!(!before.contains("<a ") && !before.contains("tabindex"));
        assert_eq!(before.matches("<input").count(), before.matches("type=\"hidden\"").count());
        assert!(!html.contains("<style") && !html.contains(" style=") && !html.contains("onclick"));
        assert_eq!(html.matches("<script").count(), 1);
        assert!(html.contains("<script src=\"/acs/assets/acs.js\""));
        assert!(!ACS_CSP.contains("frame-ancestors") && !ACS_CSP.contains("unsafe-inline"));
    }
}
