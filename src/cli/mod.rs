//! Per-command glue of the binary: load configuration, open the store, call the library, print.

pub mod check;
pub mod crawl;
pub mod digest;
pub mod evidence;
pub mod export;
pub mod pipeline;
pub mod query;
pub mod report;
pub mod schedule;
pub mod score;
pub mod serve;
pub mod simweb;
pub mod source;
pub mod store;
pub mod submit;

use std::path::Path;

use anyhow::Context;

use govtrust::store::{Store, StoreError};

pub use crate::FactAction;

/// `tracing` to stderr, filtered by `RUST_LOG`; without it, `default` (e.g. `info` for the
/// long-running commands, whose progress lines are log lines when stderr is not a terminal).
pub fn init_logging(default: &str) {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default)),
        )
        .try_init();
}

/// Opens the store; when another process holds it, the error is the Chinese message naming
/// that process and what to do, without an English context around it.
pub fn open_store(path: &Path) -> anyhow::Result<Store> {
    match Store::open(path) {
        Err(e @ StoreError::Held { .. }) => Err(e.into()),
        r => r.with_context(|| format!("opening store {}", path.display())),
    }
}
