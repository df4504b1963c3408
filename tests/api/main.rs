//! Integration tests: the real handlers with `mp-sandbox` and `moto_server` on loopback.
//! Named after what a user does. Run with `make test` (or `cargo test -p integration-tests`
//! once `.venv` exists).

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::string_slice,
    reason = "test code: a failed expectation or a missing JSON field is a failed test"
)]

mod catalog;
mod challenge;
mod csp_reports;
mod edge;
mod functions {
    //! Every function's library, from the folders under `functions/` (tests/build.rs).
    include!(concat!(env!("OUT_DIR"), "/functions.rs"));
}
mod fuzz;
mod helpers;
mod lifecycle;
mod merchant_admin;
mod paying;
mod sites;
mod status_lookup;
mod webhooks;
