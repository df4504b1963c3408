//! `catalog-check [FILE]`: checks a catalog file with the rules the functions apply when they
//! read `catalog.json` from the site bucket (`domain::catalog::Catalog::from_json`), and prints
//! what it holds. `make catalog` (scripts/catalog.sh) and `make deploy` run it before they
//! publish, so a catalog the functions would refuse is never published.
//!
//! Exit status: 0 valid (a summary on stdout), 1 invalid or unreadable (the reason on stderr),
//! 2 wrong usage. FILE defaults to `catalog.json`.

#![allow(clippy::print_stdout, reason = "the summary is this tool's output")]

use std::process::ExitCode;

use domain::catalog::Catalog;
use domain::money::amount_text;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = match args.as_slice() {
        [] => "catalog.json",
        [flag] if flag == "-h" || flag == "--help" => {
            println!("usage: catalog-check [FILE]   (default catalog.json)");
            return ExitCode::SUCCESS;
        }
        [path] => path.as_str(),
        _ => {
            eprintln!("usage: catalog-check [FILE]");
            return ExitCode::from(2);
        }
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: cannot be read: {e}");
            return ExitCode::FAILURE;
        }
    };
    match Catalog::from_json(&text) {
        Ok(catalog) => {
            print!("{}", summary(path, &catalog));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `catalog.json is valid: Matecito (MLA, ARS, es-AR), 3 products` and one line per product.
fn summary(path: &str, catalog: &Catalog) -> String {
    let mut out = format!(
        "{path} is valid: {} ({}, {}, {}), {} products\n",
        catalog.store_name,
        catalog.site_id,
        catalog.currency_id,
        catalog.default_locale,
        catalog.products.len()
    );
    let width = catalog.products.iter().map(|p| p.sku.len()).max().unwrap_or(0);
    for p in &catalog.products {
        let price = amount_text(p.unit_price, &catalog.currency_id);
        out.push_str(&format!(
            "  {:<width$}  {price:>12} {}  (at most {} per order)\n",
            p.sku, catalog.currency_id, p.max_quantity
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_lists_every_product_with_its_price() {
        let catalog = Catalog::from_json(domain::catalog::BUILT_IN).expect("built-in");
        let text = summary("catalog.json", &catalog);
        assert!(text.starts_with("catalog.json is valid: Matecito (MLA, ARS, es-AR), 3 products\n"), "{text}");
        assert!(text.contains("  mate-calabaza           18500.00 ARS  (at most 5 per order)\n"), "{text}");
        assert!(text.contains("  yerba-organica-1kg       7250.50 ARS"), "{text}");
    }
}
