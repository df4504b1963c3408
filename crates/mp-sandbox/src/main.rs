//! `mp-sandbox`: run the offline Mercado Pago sandbox on a port.
//!
//! Every option also reads an environment variable (shown by `--help`).

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use mp_sandbox::site::SiteId;
use mp_sandbox::{Sandbox, SandboxConfig, TsUnit, WebhookRetry};
use rust_decimal::Decimal;

/// Offline stand-in for the Mercado Pago API: card tokens, payments, refunds, payment methods,
/// signed webhooks, fault injection, and a MercadoPago.js v2 stand-in at /js/v2.
///
/// Test outcomes are chosen by the cardholder name (APRO approves, OTHE rejects, CONT stays
/// pending until settled...). The control API lives under /__sandbox (GET /__sandbox/config lists
/// the test cards and cardholder codes).
#[derive(Parser, Debug)]
#[command(name = "mp-sandbox", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MP_SANDBOX_LISTEN", default_value = "127.0.0.1:8181")]
    listen: SocketAddr,

    /// Access token that `Authorization: Bearer` must carry (the backend's credential).
    #[arg(long, env = "MP_SANDBOX_ACCESS_TOKEN", default_value = "TEST-sandbox-access-token", hide_env_values = true)]
    access_token: String,

    /// Public key MercadoPago.js sends as `public_key` (the page's credential).
    #[arg(long, env = "MP_SANDBOX_PUBLIC_KEY", default_value = "TEST-sandbox-public-key")]
    public_key: String,

    /// Secret used to sign webhooks (HMAC-SHA256, `x-signature: ts=...,v1=...`).
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_SECRET", default_value = "sandbox-webhook-secret", hide_env_values = true)]
    webhook_secret: String,

    /// Site of the credentials: MLA (ARS, DNI), MLB (BRL, CPF), MLM (MXN, no document), MLU (UYU,
    /// CI), MLC (CLP, whole amounts, RUT), MPE (PEN, DNI) or MCO (COP, whole amounts, CC).
    #[arg(long, env = "MP_SANDBOX_SITE_ID", default_value = "MLA")]
    site_id: SiteId,

    /// Where webhooks go for payments created without a `notification_url`.
    #[arg(long, env = "MP_SANDBOX_NOTIFICATION_URL")]
    notification_url: Option<String>,

    /// Send no webhooks at all (how payments made with test credentials behave).
    #[arg(long, env = "MP_SANDBOX_NO_WEBHOOKS")]
    no_webhooks: bool,

    /// Delay before the first webhook retry, in milliseconds; doubles on each retry.
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_RETRY_MS", default_value_t = 5_000)]
    webhook_retry_ms: u64,

    /// Largest delay between webhook retries, in milliseconds.
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_MAX_DELAY_MS", default_value_t = 300_000)]
    webhook_max_delay_ms: u64,

    /// Webhook attempts in all, the first included.
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_ATTEMPTS", default_value_t = 6)]
    webhook_attempts: u32,

    /// How long one webhook attempt waits for an answer, in milliseconds (Mercado Pago: 22000).
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_TIMEOUT_MS", default_value_t = 22_000)]
    webhook_timeout_ms: u64,

    /// Unit of `ts` in `x-signature`: s (as the SDK validators expect) or ms.
    #[arg(long, env = "MP_SANDBOX_WEBHOOK_TS_UNIT", default_value = "s")]
    webhook_ts_unit: TsUnit,

    /// How long a card token stays usable, in seconds (Mercado Pago: 7 days).
    #[arg(long, env = "MP_SANDBOX_CARD_TOKEN_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    card_token_ttl_secs: u64,

    /// Origin of the 3-D Secure ACS stand-in (challenge URL: <origin>/acs/challenge). Default: the
    /// listen address with host `localhost` instead of `127.0.0.1` (another origin, same server).
    #[arg(long, env = "MP_SANDBOX_ACS_URL")]
    acs_url: Option<String>,

    /// Seconds before an unfinished 3-D Secure challenge becomes cancelled/expired.
    #[arg(long, env = "MP_SANDBOX_CHALLENGE_EXPIRY_SECS", default_value_t = 300)]
    challenge_expiry_secs: u64,

    /// Risk rule: payments without the X-meli-session-id header (device id) of at least this
    /// amount are rejected/cc_rejected_high_risk. `off` (or 0) disables the rule.
    #[arg(long, env = "MP_SANDBOX_HIGH_RISK_AMOUNT", default_value = "5000", value_parser = parse_high_risk_amount)]
    high_risk_amount: HighRiskAmount,
}

/// `--high-risk-amount`: a positive amount, or `off`/`0` for no risk rule.
#[derive(Debug, Clone, Copy)]
struct HighRiskAmount(Option<Decimal>);

fn parse_high_risk_amount(s: &str) -> Result<HighRiskAmount, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("off") || s.eq_ignore_ascii_case("none") {
        return Ok(HighRiskAmount(None));
    }
    let amount: Decimal = s.parse().map_err(|_| format!("{s:?} is not an amount or `off`"))?;
    if amount.is_sign_negative() {
        return Err(format!("{s:?}: the amount cannot be negative"));
    }
    Ok(HighRiskAmount(if amount.is_zero() { None } else { Some(amount) }))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let args = Args::parse();
    let config = SandboxConfig {
        access_token: args.access_token,
        public_key: args.public_key,
        webhook_secret: args.webhook_secret,
        site: args.site_id,
        default_notification_url: args.notification_url,
        webhooks_enabled: !args.no_webhooks,
        webhook_retry: WebhookRetry {
            initial_delay: Duration::from_millis(args.webhook_retry_ms),
            max_delay: Duration::from_millis(args.webhook_max_delay_ms),
            max_attempts: args.webhook_attempts,
            timeout: Duration::from_millis(args.webhook_timeout_ms),
        },
        webhook_ts_unit: args.webhook_ts_unit,
        card_token_ttl: Duration::from_secs(args.card_token_ttl_secs),
        acs_url: args.acs_url.filter(|u| !u.trim().is_empty()),
        challenge_expiry: Duration::from_secs(args.challenge_expiry_secs),
        high_risk_amount: args.high_risk_amount.0,
        ..SandboxConfig::default()
    };
    tracing::info!(?config, "starting");
    let sandbox = Sandbox::bind(args.listen, config).await?;
    tracing::info!(url = sandbox.base_url(), acs = sandbox.acs_url(), "mp-sandbox listening");
    tokio::signal::ctrl_c().await?;
    tracing::info!("stopping");
    drop(sandbox);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_risk_amount_parses_amounts_and_off() {
        assert_eq!(parse_high_risk_amount("5000").map(|a| a.0), Ok(Some(Decimal::new(5000, 0))));
        assert_eq!(parse_high_risk_amount("2500.50").map(|a| a.0), Ok(Some(Decimal::new(250050, 2))));
        assert_eq!(parse_high_risk_amount("off").map(|a| a.0), Ok(None));
        assert_eq!(parse_high_risk_amount("0").map(|a| a.0), Ok(None));
        assert!(parse_high_risk_amount("-1").is_err());
        assert!(parse_high_risk_amount("lots").is_err());
    }

    #[test]
    fn defaults_match_the_library() {
        let args = Args::parse_from(["mp-sandbox"]);
        assert_eq!(args.high_risk_amount.0, mp_sandbox::SandboxConfig::default().high_risk_amount);
        assert_eq!(Duration::from_secs(args.challenge_expiry_secs), mp_sandbox::DEFAULT_CHALLENGE_EXPIRY);
        assert_eq!(args.acs_url, None);
    }
}
