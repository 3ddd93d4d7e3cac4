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
pub mod submit;

use std::path::Path;

use anyhow::Context;

use govtrust::store::Store;

pub use crate::FactAction;

pub fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path).with_context(|| format!("opening store {}", path.display()))
}
