//! The `page_faults` tree: pages whose last fetch could not be handled as a whole, keyed by URL
//! number — failed (the handling panicked, or the body is over the size limit after
//! decompression) or truncated (nesting or links over their limits: the page was read in part)
//! — with the reason, the consecutive runs in which the page failed, and the quarantine that
//! follows `crawl.quarantine_after` such runs. A quarantined page is not requested again until
//! `crawl.quarantine_for` has passed, so one poisonous page costs a night at most once in a
//! while instead of every night. A page handled whole again leaves the tree.
//!
//! Only pages with such a fault have an entry (the tree is small), so the crawl's extra read per
//! fetched URL finds nothing in the usual case, and the run summary and the health report read
//! the whole tree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::urls::id_key;
use super::{decode, encode, Result, Store};

pub(crate) const FAULTS: &str = "page_faults";

/// What went wrong with a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Nothing was taken from the page: its handling failed, or its body is over the limit.
    Failed,
    /// The page was read only up to a limit (nesting depth, links per page).
    Truncated,
}

/// A page's last fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageFault {
    pub url: String,
    pub source: String,
    pub kind: FaultKind,
    /// Why, in words for the operator (简体中文).
    pub reason: String,
    /// The run of the fault.
    pub run: u64,
    pub at: DateTime<Utc>,
    /// Consecutive runs in which the page failed (0 for a truncated page).
    pub nights: u32,
    /// When the page entered quarantine (it is not requested while it lasts).
    pub quarantined_at: Option<DateTime<Utc>>,
}

impl PageFault {
    /// Whether the quarantine, `quarantine_for` long, still holds at `now`.
    pub fn quarantined(&self, now: DateTime<Utc>, quarantine_for: std::time::Duration) -> bool {
        let Some(since) = self.quarantined_at else {
            return false;
        };
        chrono::Duration::from_std(quarantine_for).is_ok_and(|d| now < since + d)
    }
}

/// A change to a page's fault, part of its crawl commit.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultUpdate {
    Put(PageFault),
    /// The page was handled whole: its earlier fault is over.
    Clear,
}

impl Store {
    /// The fault of page number `id`, or of `url` when the number is not known (0).
    pub fn page_fault(&self, url: &str, id: u64) -> Result<Option<PageFault>> {
        let t = self.tree(FAULTS)?;
        if t.is_empty() {
            return Ok(None);
        }
        let id = match id {
            0 => match self.url_entry(url)? {
                Some(e) => e.id,
                None => return Ok(None),
            },
            id => id,
        };
        match t.get(id_key(id))? {
            Some(v) => Ok(Some(decode(FAULTS, &v)?)),
            None => Ok(None),
        }
    }

    /// Every page fault, in the order the URLs were found.
    pub fn page_faults(&self) -> Result<Vec<PageFault>> {
        self.tree(FAULTS)?
            .iter()
            .values()
            .map(|v| decode(FAULTS, &v?))
            .collect()
    }
}

/// Most pages a run summary names; the counts cover them all.
pub const SUMMARY_EXAMPLES: usize = 50;

/// The page faults a run summary shows: pages that failed or were truncated in the run, and
/// the pages in quarantine at its end.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultSummary {
    pub failed: u64,
    pub truncated: u64,
    pub quarantined: u64,
    /// The first [`SUMMARY_EXAMPLES`] of those pages, in the order their URLs were found.
    pub pages: Vec<PageFault>,
}

impl FaultSummary {
    pub fn is_empty(&self) -> bool {
        self.failed == 0 && self.truncated == 0 && self.quarantined == 0
    }
}

impl Store {
    /// The faults of `run` and the quarantine at its end, as [`FaultSummary`]. A page counts
    /// as quarantined from its quarantine until it is handled whole again (a quarantine that
    /// has run out only lets the next run try it once more).
    pub fn fault_summary(&self, run: u64) -> Result<FaultSummary> {
        let mut s = FaultSummary::default();
        for f in self.page_faults()? {
            let quarantined = f.quarantined_at.is_some();
            let this_run = f.run == run;
            if !this_run && !quarantined {
                continue;
            }
            if this_run {
                match f.kind {
                    FaultKind::Failed => s.failed += 1,
                    FaultKind::Truncated => s.truncated += 1,
                }
            }
            if quarantined {
                s.quarantined += 1;
            }
            if s.pages.len() < SUMMARY_EXAMPLES {
                s.pages.push(f);
            }
        }
        Ok(s)
    }
}

/// The stored form of an update: the value to write, or `None` to remove the entry.
pub(crate) fn encode_update(u: &FaultUpdate) -> Option<Vec<u8>> {
    match u {
        FaultUpdate::Put(f) => Some(encode(f)),
        FaultUpdate::Clear => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarantine_holds_for_its_length() {
        let at: DateTime<Utc> = "2026-11-26T02:00:00Z".parse().unwrap_or_default();
        let f = PageFault {
            url: "http://x/a".into(),
            source: "s".into(),
            kind: FaultKind::Failed,
            reason: "r".into(),
            run: 3,
            at,
            nights: 3,
            quarantined_at: Some(at),
        };
        let day = std::time::Duration::from_secs(86_400);
        assert!(f.quarantined(at + chrono::Duration::hours(23), day));
        assert!(!f.quarantined(at + chrono::Duration::hours(24), day));
        let free = PageFault {
            quarantined_at: None,
            ..f
        };
        assert!(!free.quarantined(at, day));
    }
}
