//! How orders are printed: a table (default), CSV or JSON. Amounts are the currency's exact
//! text (`18500.00 ARS`), never floats. Listings show no buyer data; one order in full
//! ([`details`], [`details_json`]) shows who to deliver to, for the merchant's own terminal.

use domain::order::Order;
use serde::Serialize;

/// One order as the listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderRow {
    /// The buyer-facing order number (`1DF1S-3MA79`).
    pub order_number: String,
    /// The order id.
    pub order_id: String,
    /// Creation time, RFC 3339.
    pub created_at: String,
    /// Status.
    pub status: String,
    /// Mercado Pago's `status_detail` (`partially_refunded`...).
    pub status_detail: String,
    /// Total, exact text with the currency's decimals.
    pub amount: String,
    /// Refunded so far, same format (`0.00` when nothing).
    pub amount_refunded: String,
    /// ISO 4217.
    pub currency_id: String,
    /// Mercado Pago's payment id.
    pub payment_id: Option<u64>,
}

impl OrderRow {
    /// The row of `order`.
    pub fn of(order: &Order) -> OrderRow {
        OrderRow {
            order_number: order.order_id.order_number(),
            order_id: order.order_id.to_string(),
            created_at: rfc3339(order.created_at),
            status: order.status.to_string(),
            status_detail: order.status_detail.clone(),
            amount: domain::money::amount_text(order.terms.amount, &order.terms.currency_id),
            amount_refunded: domain::money::amount_text(order.amount_refunded, &order.terms.currency_id),
            currency_id: order.terms.currency_id.clone(),
            payment_id: order.payment_id,
        }
    }

    fn cells(&self) -> [String; 9] {
        [
            self.order_number.clone(),
            self.order_id.clone(),
            self.created_at.clone(),
            self.status.clone(),
            self.status_detail.clone(),
            self.amount.clone(),
            self.amount_refunded.clone(),
            self.currency_id.clone(),
            self.payment_id.map(|p| p.to_string()).unwrap_or_default(),
        ]
    }
}

const HEADERS: [&str; 9] = [
    "order_number",
    "order_id",
    "created_at",
    "status",
    "status_detail",
    "amount",
    "amount_refunded",
    "currency_id",
    "payment_id",
];

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// A table with aligned columns and a header.
pub fn table(orders: &[Order]) -> String {
    let rows: Vec<[String; 9]> = orders.iter().map(|o| OrderRow::of(o).cells()).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(&HEADERS.map(str::to_uppercase));
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(&format!("{} order(s)\n", rows.len()));
    out
}

/// RFC 4180 CSV with a header line.
pub fn csv(orders: &[Order]) -> String {
    let field = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_owned() }
    };
    let mut out = HEADERS.join(",") + "\r\n";
    for o in orders {
        let cells = OrderRow::of(o).cells();
        out.push_str(&cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// A JSON array of rows.
pub fn json(orders: &[Order]) -> String {
    let rows: Vec<OrderRow> = orders.iter().map(OrderRow::of).collect();
    serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
}

/// One order in full as JSON: the row's fields (`amount_refunded` among them) plus `items`, `events`
/// (after payment, with their delivery) and `buyer` (as stored; absent when none is kept).
pub fn details_json(order: &Order) -> String {
    #[derive(Serialize)]
    struct Details<'a> {
        #[serde(flatten)]
        row: OrderRow,
        items: Vec<domain::order::ReceiptLine>,
        events: &'a [domain::order::OrderEvent],
        #[serde(skip_serializing_if = "Option::is_none")]
        buyer: Option<&'a domain::buyer::Buyer>,
    }
    let details = Details {
        row: OrderRow::of(order),
        items: order.terms.receipt_lines(),
        events: &order.events,
        buyer: order.terms.buyer.as_ref(),
    };
    serde_json::to_string_pretty(&details).unwrap_or_default() + "\n"
}

/// One order in full: the row's fields, its lines, timestamps, refunds, events, who to deliver
/// to, and any refused payment state.
pub fn details(order: &Order) -> String {
    let row = OrderRow::of(order);
    let mut out = String::new();
    let mut field = |k: &str, v: &str| out.push_str(&format!("{k:<15} {v}\n"));
    field("order number", &row.order_number);
    field("order id", &row.order_id);
    field("status", &format!("{} ({})", row.status, row.status_detail));
    field("amount", &format!("{} {}", row.amount, row.currency_id));
    field("payment id", &row.payment_id.map(|p| p.to_string()).unwrap_or_else(|| "-".into()));
    field("created at", &row.created_at);
    field("updated at", &rfc3339(order.updated_at));
    for line in order.terms.receipt_lines() {
        field("item", &format!("{} x {} at {} {}", line.quantity, line.sku, line.unit_price, row.currency_id));
    }
    if !order.amount_refunded.is_zero() {
        field(
            "refunded",
            &format!(
                "{} {}",
                domain::money::amount_text(order.amount_refunded, &order.terms.currency_id),
                row.currency_id
            ),
        );
    }
    if let Some(event) = order.paid_event_state {
        field("order.paid", event.as_str());
    }
    for (i, event) in order.events.iter().enumerate() {
        let first = order.events.iter().position(|e| e.key == event.key) == Some(i);
        let delivery = if first { event.delivery.as_str() } else { "repeat, not published" };
        field(event.kind.as_str(), &format!("{} ({}) {}", event.status, event.status_detail, delivery));
    }
    match &order.terms.buyer {
        Some(buyer) => {
            field("e-mail", &buyer.email);
            let name: Vec<&str> =
                [buyer.first_name.as_deref(), buyer.last_name.as_deref()].into_iter().flatten().collect();
            if !name.is_empty() {
                field("name", &name.join(" "));
            }
            if let Some(phone) = &buyer.phone {
                field("phone", &phone.number);
            }
            if let Some(address) = &buyer.shipping_address {
                field("ship to", &domain::messages::address_line(address));
            }
        }
        None => field("buyer", "none kept (erased, or an order from before buyers were kept)"),
    }
    if let Some(anomaly) = &order.last_anomaly {
        field(
            "last anomaly",
            &format!(
                "{} ({}) refused while {} [{} times]",
                anomaly.status, anomaly.status_detail, anomaly.from_status, order.anomaly_count
            ),
        );
    }
    out
}
