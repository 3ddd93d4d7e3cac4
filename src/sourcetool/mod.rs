//! The source tooling an analyst writes a new site's definition with, as Scrapy's `shell` and
//! `parse` are to Scrapy: [`test`] shows what each list and detail of a definition yields on the
//! live site or on saved pages (items, further pages, fields and the probe that answered each,
//! with a note where a selector matched nothing), and `suggest` writes a definition for a site
//! from its home page. Both fetch through the crawl's own stack ([`web`]): scope, address
//! policy, robots, politeness and charset decoding as a crawl would.

pub mod describe;
pub mod diagnose;
pub mod fingerprint;
pub mod items;
pub mod render;
pub mod shapes;
pub mod suggest;
pub mod test;
pub mod web;

use crate::config::ConfigError;
use crate::crawl::fetch::FetchError;

#[derive(Debug, thiserror::Error)]
pub enum SourceToolError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the settings file {0} has no [crawl] section (user agent, politeness, host map)")]
    NoCrawl(String),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("{0}: not a URL: {1}")]
    BadUrl(String, String),
    #[error("cannot read the saved page {0}: {1}")]
    SavedPage(String, std::io::Error),
    #[error("--page needs a --url for each saved page (the page's address resolves its links): {0} page(s), {1} URL(s)")]
    PagesWithoutUrls(usize, usize),
}
