//! The `urls` tree: every URL the store has queued or recorded, with a number of its own and the
//! last run that queued it (the run's seen set).
//!
//! Page records, schedules and run events are keyed by that number rather than by the URL. A
//! URL's number is given when it is first found, so a crawl writes those trees nearly in key
//! order, at their right edge; keyed by URL, every write landed on a random leaf, and at 200,000
//! pages most of them read that leaf back from disk first (sled's cache holds a fraction of the
//! trees). Only this tree, the smallest, is still written at random.

use std::sync::atomic::Ordering;

use super::{Result, Store, StoreError};

pub(crate) const URLS: &str = "urls";

/// What the store knows of a URL besides its page record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlEntry {
    /// Key of the URL's page record, schedule and events.
    pub id: u64,
    /// The last run that queued the URL (0: never queued, only recorded).
    pub queued_run: u64,
}

impl UrlEntry {
    pub(crate) fn encode(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.id.to_be_bytes());
        out[8..].copy_from_slice(&self.queued_run.to_be_bytes());
        out
    }

    pub(crate) fn decode(url: &[u8], v: &[u8]) -> Result<UrlEntry> {
        let bad = || StoreError::Corrupt {
            tree: URLS.into(),
            key: String::from_utf8_lossy(url).into_owned(),
        };
        let id: [u8; 8] = v.get(..8).and_then(|b| b.try_into().ok()).ok_or_else(bad)?;
        let run: [u8; 8] = v
            .get(8..16)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(bad)?;
        if v.len() != 16 {
            return Err(bad());
        }
        Ok(UrlEntry {
            id: u64::from_be_bytes(id),
            queued_run: u64::from_be_bytes(run),
        })
    }
}

/// The key of a URL's page record and schedule.
pub(crate) fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

impl Store {
    pub(crate) fn url_entry(&self, url: &str) -> Result<Option<UrlEntry>> {
        match self.tree(URLS)?.get(url.as_bytes())? {
            Some(v) => Ok(Some(UrlEntry::decode(url.as_bytes(), &v)?)),
            None => Ok(None),
        }
    }

    /// The URL's entry, given a number first if it has none (written before it is returned).
    pub(crate) fn url_entry_or_new(&self, url: &str) -> Result<UrlEntry> {
        if let Some(e) = self.url_entry(url)? {
            return Ok(e);
        }
        let e = UrlEntry {
            id: self.next_id()?,
            queued_run: 0,
        };
        self.put_url_entry(url, e)?;
        Ok(e)
    }

    /// Writes a URL's entry. Every write goes through here, so the filter of URLs written by
    /// this handle knows which entries a worker may have read before they changed.
    pub(crate) fn put_url_entry(&self, url: &str, e: UrlEntry) -> Result<()> {
        self.written_urls.insert(url.as_bytes());
        self.tree(URLS)?.insert(url.as_bytes(), &e.encode()[..])?;
        Ok(())
    }

    /// Whether `url`'s entry may have been written by this handle since it was opened (no
    /// means certainly not: an entry read earlier through this handle is still the stored one).
    pub(crate) fn url_written(&self, url: &str) -> bool {
        self.written_urls.may_contain(url.as_bytes())
    }

    /// Notes that this handle begins run `run` rather than resuming it: every entry queued in
    /// the run is then written through this handle, so one the handle has not written
    /// ([`Store::url_written`]) was not queued in it — the writer need not read it to know.
    pub(crate) fn begin_run_here(&self, run: u64) {
        self.run_begun_here.store(run, Ordering::Relaxed);
    }

    pub(crate) fn run_begun_here(&self, run: u64) -> bool {
        run != 0 && self.run_begun_here.load(Ordering::Relaxed) == run
    }

    /// Was `url` already queued in `run`?
    pub fn seen(&self, run: u64, url: &str) -> Result<bool> {
        Ok(self.url_entry(url)?.is_some_and(|e| e.queued_run == run))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_names_the_url() {
        let e = UrlEntry {
            id: 42,
            queued_run: 7,
        };
        assert_eq!(UrlEntry::decode(b"u", &e.encode()).ok(), Some(e));
        for bad in [&e.encode()[..15], &[0u8; 17][..], &[][..]] {
            match UrlEntry::decode(b"http://x/a", bad) {
                Err(StoreError::Corrupt { tree, key }) => {
                    assert_eq!((tree.as_str(), key.as_str()), (URLS, "http://x/a"))
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_url_keeps_its_number() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let a = s
            .url_entry_or_new("http://x/a")
            .unwrap_or_else(|e| panic!("{e}"));
        let b = s
            .url_entry_or_new("http://x/b")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(b.id > a.id, "numbers rise in the order URLs are found");
        let again = s
            .url_entry_or_new("http://x/a")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, a);
        assert!(!s.seen(1, "http://x/a").unwrap_or_else(|e| panic!("{e}")));
    }
}
