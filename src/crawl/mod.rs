//! The crawl engine: polite, resumable, incremental crawling of declared sources into the store.
//!
//! [`run`] drives one run: the frontier lives in the store, [`fetch::Fetcher`] fetches with
//! per-host politeness ([`host`]), robots ([`robots`]), retries ([`retry`]) and safety
//! ([`scope`]); bodies are decoded ([`decode`]) and extracted (`crate::extract`); each URL's
//! results are committed together with its removal from the frontier, through one writer thread
//! that groups concurrent commits ([`writer`]) and writes them in a crash-safe order
//! (`Store::commit_prepared`).

pub mod decode;
pub mod fetch;
mod handle;
pub mod host;
pub mod request;
pub mod retry;
pub mod robots;
pub mod run;
pub mod scope;
pub mod url;
mod writer;

pub use run::{run, CrawlError, Options, Progress};
