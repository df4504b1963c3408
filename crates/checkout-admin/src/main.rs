//! `checkout-admin`: the merchant's command line (see the library's documentation).
//!
//! ```text
//! checkout-admin --local[=STACK] orders list [--status S] [--since T] [--until T] [--json|--csv]
//! checkout-admin --stack NAME    orders show <order id or number> [--refresh] [--json]
//! checkout-admin ...             refund <order> [--amount X] [--idempotency-key K]
//! checkout-admin ...             cancel <order>
//! checkout-admin ...             forget <order>
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr, reason = "a command line: its output is the terminal's")]

use std::process::ExitCode;

use checkout_admin::{Admin, AdminError, Filter, StackSettings, format, parse_time, stack};
use clap::{Parser, Subcommand};
use domain::order::OrderStatus;
use domain::settle::Settled;
use mercadopago::IdempotencyKey;

/// The merchant's view of a checkout stack: orders, refunds, cancellations.
#[derive(Debug, Parser)]
#[command(name = "checkout-admin", version)]
struct Cli {
    /// The local stack started by `make dev` (`.dev/<STACK>/functions.env`): `--local` is `dev`, `--local=NAME` another.
    #[arg(long, value_name = "STACK", num_args = 0..=1, require_equals = true, default_missing_value = "dev", conflicts_with = "stack")]
    local: Option<String>,
    /// A deployed stack: its CloudFormation outputs, read with the AWS CLI and your credentials.
    #[arg(long, value_name = "NAME")]
    stack: Option<String>,
    /// Mercado Pago's API base URL for a deployed stack (default: the real API).
    #[arg(long, value_name = "URL", env = "MP_API_BASE_URL")]
    mp_api_base_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List or show orders.
    #[command(subcommand)]
    Orders(Orders),
    /// Refund an order's payment, in full or in part; then update the order.
    Refund {
        /// Order id or order number.
        order: String,
        /// Amount to refund (exact decimal, e.g. 1500.50); all that is left when absent.
        #[arg(long)]
        amount: Option<String>,
        /// Reuse the key a previous run printed (after a lost answer): never refunds twice.
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Cancel an order's pending, in-process or authorized payment; then update the order.
    Cancel {
        /// Order id or order number.
        order: String,
    },
    /// Erase the buyer's personal data (e-mail, name, phone, address) from an order, keeping
    /// its amounts and statuses (an erasure request, or once it is delivered and past returns).
    Forget {
        /// Order id or order number.
        order: String,
    },
}

#[derive(Debug, Subcommand)]
enum Orders {
    /// Orders, newest first (a table scan; fine for a small shop).
    List {
        /// Only this status (approved, pending, refunded...).
        #[arg(long)]
        status: Option<String>,
        /// Created at or after (2026-11-29 or an RFC 3339 time).
        #[arg(long, value_parser = parse_time)]
        since: Option<time::OffsetDateTime>,
        /// Created before (2026-11-29 or an RFC 3339 time).
        #[arg(long, value_parser = parse_time)]
        until: Option<time::OffsetDateTime>,
        /// JSON instead of a table.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// One order in full.
    Show {
        /// Order id or order number.
        order: String,
        /// First read its payment from Mercado Pago and apply it (catches up with a refund or
        /// chargeback made in Mercado Pago's panel whose webhook did not arrive).
        #[arg(long)]
        refresh: bool,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            if matches!(e, AdminError::Refused { .. }) {
                eprintln!("nothing was changed");
            }
            ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli) -> Result<StackSettings, AdminError> {
    match (&cli.local, &cli.stack) {
        (_, Some(name)) => stack::deployed(name, cli.mp_api_base_url.as_deref()),
        (Some(name), None) => {
            let cwd = std::env::current_dir().map_err(|e| AdminError::Stack(e.to_string()))?;
            stack::local(&cwd, name)
        }
        (None, None) => Err(AdminError::Stack("say which stack: --local [STACK] or --stack NAME".into())),
    }
}

async fn run(cli: Cli) -> Result<(), AdminError> {
    let admin = Admin::connect(&settings(&cli)?).await?;
    match cli.command {
        Command::Orders(Orders::List { status, since, until, json, csv }) => {
            let filter = Filter { status: status.as_deref().map(OrderStatus::parse), since, until };
            let orders = admin.list(&filter).await?;
            let text = if json {
                format::json(&orders)
            } else if csv {
                format::csv(&orders)
            } else {
                format::table(&orders)
            };
            print!("{text}");
        }
        Command::Orders(Orders::Show { order, refresh, json }) => {
            let mut order = admin.find(&order).await?;
            if refresh
                && order.payment_id.is_some()
                && let Some(updated) = admin.sync(&order).await?.settled.order()
            {
                order = updated.clone();
            }
            print!("{}", if json { format::details_json(&order) } else { format::details(&order) });
        }
        Command::Forget { order } => {
            let order = admin.find(&order).await?;
            let forgotten = admin.forget(&order).await?;
            println!(
                "order {}: buyer data erased (e-mail, name, phone, shipping address); amounts and statuses kept",
                forgotten.order_id.order_number()
            );
        }
        Command::Refund { order, amount, idempotency_key } => {
            let order = admin.find(&order).await?;
            let key = match idempotency_key {
                Some(k) => IdempotencyKey::new(k)?,
                None => IdempotencyKey::new(uuid::Uuid::new_v4().to_string())?,
            };
            eprintln!(
                "idempotency key: {key} (if this command fails, run it again with --idempotency-key {key}: it never refunds twice)"
            );
            let done = admin.refund(&order, amount.as_deref(), &key).await?;
            println!(
                "refund {} of {} {} on payment {}: payment now {} ({})",
                done.refund.id,
                done.refund.amount,
                order.terms.currency_id,
                done.refund.payment_id,
                done.payment.status,
                done.payment.status_detail
            );
            report(&done.settled);
        }
        Command::Cancel { order } => {
            let order = admin.find(&order).await?;
            let done = admin.cancel(&order).await?;
            println!("payment {} now {} ({})", done.payment.id, done.payment.status, done.payment.status_detail);
            report(&done.settled);
        }
    }
    Ok(())
}

fn report(settled: &Settled) {
    match settled {
        Settled::Updated(o) => {
            println!("order {} is now {} ({})", o.order_id.order_number(), o.status, o.status_detail)
        }
        Settled::Stale(o) => {
            println!("order {} already up to date: {} ({})", o.order_id.order_number(), o.status, o.status_detail);
        }
        Settled::Refused(o) => println!(
            "order {} kept {}: the payment's new status may not follow it (recorded as an anomaly)",
            o.order_id.order_number(),
            o.status
        ),
        Settled::Mismatch(o) => {
            println!("order {} unchanged: the payment does not match it (see the logs)", o.order_id.order_number());
        }
        Settled::NotFound => println!("the order vanished"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("checkout-admin").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn local_defaults_to_the_dev_stack_and_takes_a_name_with_equals() {
        let cli = parse(&["--local", "orders", "list", "--csv"]).map_err(|e| e.to_string());
        assert_eq!(cli.as_ref().ok().and_then(|c| c.local.as_deref()), Some("dev"), "{cli:?}");
        let cli = parse(&["--local=shop", "cancel", "1DF1S-3MA79"]).map_err(|e| e.to_string());
        assert_eq!(cli.as_ref().ok().and_then(|c| c.local.as_deref()), Some("shop"), "{cli:?}");
        assert!(parse(&["--local", "--stack", "x", "orders", "list"]).is_err(), "one stack");
        assert!(parse(&["--local", "orders", "list", "--json", "--csv"]).is_err(), "one format");
        assert!(parse(&["--local", "orders", "list", "--since", "soon"]).is_err(), "times are checked");
    }

    #[test]
    fn refund_takes_an_amount_and_a_key() {
        let cli = parse(&["--stack", "mp-checkout", "refund", "x", "--amount", "10.50", "--idempotency-key", "k-1"]);
        match cli.map(|c| c.command) {
            Ok(Command::Refund { order, amount, idempotency_key }) => {
                assert_eq!(
                    (order.as_str(), amount.as_deref(), idempotency_key.as_deref()),
                    ("x", Some("10.50"), Some("k-1"))
                );
            }
            other => panic!("not a refund: {other:?}"),
        }
    }
}
