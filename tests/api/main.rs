//! Integration tests: the real handlers with `mp-sandbox` and `moto_server` on loopback.
//! Named after what a user does. Run with `make test` (or `cargo test -p integration-tests`
//! once `.venv` exists).

mod helpers;
mod paying;
mod status_lookup;
mod webhooks;
