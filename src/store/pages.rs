//! The `pages` tree: one record per requested URL (normalised), with what the last fetch saw —
//! final URL, status, validators, content hash, charset, times — and the adaptive re-check
//! schedule of detail pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{decode, Result, Store};

/// What a page is to its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    List,
    Detail,
    Attachment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageRecord {
    pub url: String,
    pub final_url: String,
    pub source: String,
    pub role: Role,
    /// HTTP status of the last fetch (0 when no response: see `error`).
    pub status: u16,
    pub error: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    /// blake3 of the raw body of the last 200 response: the snapshot key.
    pub hash: Option<String>,
    pub charset: Option<String>,
    pub bytes: u64,
    pub fetched_at: DateTime<Utc>,
    /// The run of the last fetch.
    pub run: u64,
    pub first_run: u64,
    /// The last run in which the content changed (or first appeared).
    pub changed_run: u64,
    pub changed_at: DateTime<Utc>,
    /// Consecutive fetches without change (drives the re-check interval).
    pub unchanged_streak: u32,
    /// Detail pages are not re-fetched before this instant.
    pub next_due: Option<DateTime<Utc>>,
    /// The run that found it gone (404/410, or no longer linked); cleared when it is back.
    #[serde(default)]
    pub gone_run: Option<u64>,
    /// A detail page's attachment URLs (normalised, in scope) as last extracted, so a night
    /// that does not re-fetch the detail still accounts for them without reading its document.
    /// `None` in records written before this was kept.
    #[serde(default)]
    pub attachments: Option<Vec<String>>,
}

/// The part of a [`PageRecord`] the crawl's re-check decision reads. It is read for every URL a
/// list page links, most nights for nearly every page of the store: decoding only these fields
/// skips the rest of the record without allocating it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PageSchedule {
    pub hash: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub run: u64,
    pub unchanged_streak: u32,
    pub next_due: Option<DateTime<Utc>>,
    #[serde(default)]
    pub attachments: Option<Vec<String>>,
}

impl Store {
    /// The re-check schedule of `url`'s page record.
    pub fn page_schedule(&self, url: &str) -> Result<Option<PageSchedule>> {
        match self.tree("pages")?.get(url.as_bytes())? {
            Some(v) => Ok(Some(decode("pages", &v)?)),
            None => Ok(None),
        }
    }

    pub fn page(&self, url: &str) -> Result<Option<PageRecord>> {
        match self.tree("pages")?.get(url.as_bytes())? {
            Some(v) => Ok(Some(decode("pages", &v)?)),
            None => Ok(None),
        }
    }

    /// Every page record, in URL order.
    pub fn pages(&self) -> Result<Vec<PageRecord>> {
        self.pages_iter()?.collect()
    }

    /// Every page record, in URL order, one at a time (memory stays flat on large stores).
    pub fn pages_iter(&self) -> Result<impl Iterator<Item = Result<PageRecord>>> {
        let t = self.tree("pages")?;
        Ok(t.iter().values().map(|v| decode("pages", &v?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_record_reads_back_as_its_schedule() {
        let at: DateTime<Utc> = "2026-11-26T01:02:03Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let p = PageRecord {
            url: "http://x/a".into(),
            final_url: "http://x/a".into(),
            source: "s".into(),
            role: Role::Detail,
            status: 200,
            error: None,
            etag: Some("\"e\"".into()),
            last_modified: None,
            content_type: Some("text/html".into()),
            hash: Some("h".into()),
            charset: Some("UTF-8".into()),
            bytes: 10,
            fetched_at: at,
            run: 3,
            first_run: 1,
            changed_run: 2,
            changed_at: at,
            unchanged_streak: 4,
            next_due: Some(at + chrono::Duration::hours(20)),
            gone_run: None,
            attachments: Some(vec!["http://x/a.pdf".into()]),
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.tree("pages")
            .and_then(|t| Ok(t.insert("http://x/a", super::super::encode(&p))?))
            .unwrap_or_else(|e| panic!("{e}"));
        let got = s
            .page_schedule("http://x/a")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            got,
            Some(PageSchedule {
                hash: p.hash.clone(),
                fetched_at: p.fetched_at,
                run: p.run,
                unchanged_streak: p.unchanged_streak,
                next_due: p.next_due,
                attachments: p.attachments.clone(),
            })
        );
        assert_eq!(s.page_schedule("http://x/b").ok(), Some(None));
    }
}
