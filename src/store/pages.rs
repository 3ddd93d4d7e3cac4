//! The `page_records` tree: one record per requested URL (normalised), with what the last fetch
//! saw — final URL, status, validators, content hash, charset, times — and the adaptive re-check
//! schedule of detail pages, also kept compact in the `schedules` tree. Both are keyed by the
//! URL's number ([`super::urls`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bin::{role_of, Reader};
use super::typed::{Codec, POSTCARD_V1};
use super::urls::{id_key, UrlEntry};
use super::{Result, Store, StoreError};

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

/// The part of a [`PageRecord`] that the crawl reads most nights for nearly every page: the
/// re-check decision, and what marking pages gone looks at. It is kept in its own tree,
/// `page_schedules`, in a compact binary form, and written with every page record: at 200,000
/// pages the whole `pages` tree no longer fitted sled's cache, and reading records back from disk
/// for the due check and the gone scan was most of a quiet night.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSchedule {
    pub source: String,
    pub role: Role,
    /// The last 200 response had a body (the record has a content hash).
    pub has_content: bool,
    pub fetched_at: DateTime<Utc>,
    pub run: u64,
    pub unchanged_streak: u32,
    pub next_due: Option<DateTime<Utc>>,
    pub gone_run: Option<u64>,
    pub attachments: Option<Vec<String>>,
}

/// Format version of the hand-written form of schemas 4–6, the first byte of such a schedule.
const SCHEDULE_V1: u8 = 1;

/// A schedule as stored (since schema 7, by [`Codec::Postcard`]): times to the microsecond.
#[derive(Serialize, Deserialize)]
struct ScheduleShape {
    source: String,
    role: Role,
    has_content: bool,
    fetched_at_us: i64,
    run: u64,
    unchanged_streak: u32,
    next_due_us: Option<i64>,
    gone_run: Option<u64>,
    attachments: Option<Vec<String>>,
}

impl PageSchedule {
    pub fn of(p: &PageRecord) -> PageSchedule {
        PageSchedule {
            source: p.source.clone(),
            role: p.role,
            has_content: p.hash.is_some(),
            fetched_at: p.fetched_at,
            run: p.run,
            unchanged_streak: p.unchanged_streak,
            next_due: p.next_due,
            gone_run: p.gone_run,
            attachments: p.attachments.clone(),
        }
    }

    /// The stored form: [`Codec::Postcard`] over the schedule with its times to the
    /// microsecond.
    pub fn encode(&self) -> Vec<u8> {
        Codec::Postcard.encode(&ScheduleShape {
            source: self.source.clone(),
            role: self.role,
            has_content: self.has_content,
            fetched_at_us: self.fetched_at.timestamp_micros(),
            run: self.run,
            unchanged_streak: self.unchanged_streak,
            next_due_us: self.next_due.map(|t| t.timestamp_micros()),
            gone_run: self.gone_run,
            attachments: self.attachments.clone(),
        })
    }

    /// The hand-written form of schemas 4–6, no longer written (kept for the tests that check
    /// it is still read and for `benches/codec.rs`): version, flags, run, fetched_at (µs), streak, then the optional next_due (µs) and
    /// gone_run, the source, and the attachments: integers little-endian, strings with a u16
    /// length.
    pub(crate) fn encode_legacy(&self) -> Vec<u8> {
        use super::bin::{put_str, role_code};
        let mut out = Vec::with_capacity(48 + self.source.len());
        let flags = role_code(self.role)
            | u8::from(self.has_content) << 2
            | u8::from(self.next_due.is_some()) << 3
            | u8::from(self.gone_run.is_some()) << 4
            | u8::from(self.attachments.is_some()) << 5;
        out.push(SCHEDULE_V1);
        out.push(flags);
        out.extend_from_slice(&self.run.to_le_bytes());
        out.extend_from_slice(&self.fetched_at.timestamp_micros().to_le_bytes());
        out.extend_from_slice(&self.unchanged_streak.to_le_bytes());
        if let Some(t) = self.next_due {
            out.extend_from_slice(&t.timestamp_micros().to_le_bytes());
        }
        if let Some(r) = self.gone_run {
            out.extend_from_slice(&r.to_le_bytes());
        }
        put_str(&mut out, &self.source);
        if let Some(a) = &self.attachments {
            let n = a.len().min(u16::MAX as usize);
            out.extend_from_slice(&(n as u16).to_le_bytes());
            for u in &a[..n] {
                put_str(&mut out, u);
            }
        }
        out
    }

    /// The schedule an [`encode`](Self::encode)d value (or one of a store before schema 7)
    /// holds; `None` when it is not one.
    pub fn decode(b: &[u8]) -> Option<PageSchedule> {
        if b.first() == Some(&POSTCARD_V1) {
            let s: ScheduleShape = Codec::Postcard.decode(b).ok()?;
            return Some(PageSchedule {
                source: s.source,
                role: s.role,
                has_content: s.has_content,
                fetched_at: DateTime::from_timestamp_micros(s.fetched_at_us)?,
                run: s.run,
                unchanged_streak: s.unchanged_streak,
                next_due: match s.next_due_us {
                    Some(t) => Some(DateTime::from_timestamp_micros(t)?),
                    None => None,
                },
                gone_run: s.gone_run,
                attachments: s.attachments,
            });
        }
        let mut r = Reader(b);
        if r.bytes(1)?[0] != SCHEDULE_V1 {
            return None;
        }
        let flags = r.bytes(1)?[0];
        let role = role_of(flags & 3)?;
        let run = r.u64()?;
        let fetched_at = DateTime::from_timestamp_micros(r.i64()?)?;
        let unchanged_streak = u32::from_le_bytes(r.bytes(4)?.try_into().ok()?);
        let next_due = match flags & 8 {
            0 => None,
            _ => Some(DateTime::from_timestamp_micros(r.i64()?)?),
        };
        let gone_run = match flags & 16 {
            0 => None,
            _ => Some(r.u64()?),
        };
        let source = r.str()?;
        let attachments = match flags & 32 {
            0 => None,
            _ => {
                let n = u16::from_le_bytes(r.bytes(2)?.try_into().ok()?);
                Some((0..n).map(|_| r.str()).collect::<Option<Vec<_>>>()?)
            }
        };
        r.0.is_empty().then_some(PageSchedule {
            source,
            role,
            has_content: flags & 4 != 0,
            fetched_at,
            run,
            unchanged_streak,
            next_due,
            gone_run,
            attachments,
        })
    }
}

/// Page records by URL number ([`super::urls`]).
pub(crate) const RECORDS: &str = "page_records";
/// Page schedules by URL number.
pub(crate) const SCHEDULES: &str = "schedules";

/// A schedule's value; the error names the URL when it is known, else the number.
pub(crate) fn decode_schedule(id: u64, url: Option<&str>, v: &[u8]) -> Result<PageSchedule> {
    PageSchedule::decode(v).ok_or_else(|| StoreError::Corrupt {
        tree: SCHEDULES.into(),
        key: url.map_or_else(|| format!("#{id}"), str::to_string),
    })
}

impl Store {
    /// The re-check schedule of `url`'s page record.
    pub fn page_schedule(&self, url: &str) -> Result<Option<PageSchedule>> {
        Ok(self.url_schedule(url)?.1)
    }

    /// `url`'s entry in `urls` as stored now, and its page's re-check schedule.
    pub fn url_schedule(&self, url: &str) -> Result<(Option<UrlEntry>, Option<PageSchedule>)> {
        let Some(e) = self.url_entry(url)? else {
            return Ok((None, None));
        };
        Ok((Some(e), self.schedule_by_id(e.id, Some(url))?))
    }

    /// The re-check schedule of page number `id` (`url`, when known, names it in an error).
    pub(crate) fn schedule_by_id(
        &self,
        id: u64,
        url: Option<&str>,
    ) -> Result<Option<PageSchedule>> {
        match self.tree(SCHEDULES)?.get(id_key(id))? {
            Some(v) => Ok(Some(decode_schedule(id, url, &v)?)),
            None => Ok(None),
        }
    }

    /// Stores a page record outside the crawl's commit, with its schedule (the schedule
    /// first, as the commit writes them).
    pub(crate) fn put_page(&self, p: &PageRecord) -> Result<()> {
        let id = self.url_entry_or_new(&p.url)?.id;
        self.tree(SCHEDULES)?
            .insert(id_key(id), PageSchedule::of(p).encode())?;
        self.tree(RECORDS)?
            .insert(id_key(id), super::page_codec::encode_record(p))?;
        Ok(())
    }

    pub fn page(&self, url: &str) -> Result<Option<PageRecord>> {
        let Some(e) = self.url_entry(url)? else {
            return Ok(None);
        };
        self.page_by_id(e.id)
    }

    pub(crate) fn page_by_id(&self, id: u64) -> Result<Option<PageRecord>> {
        match self.tree(RECORDS)?.get(id_key(id))? {
            Some(v) => Ok(Some(super::page_codec::decode_record(id, &v)?)),
            None => Ok(None),
        }
    }

    /// Every page record, in URL order; one that does not decode is skipped
    /// ([`Store::skipped`]).
    pub fn pages(&self) -> Result<Vec<PageRecord>> {
        let mut all = Vec::new();
        for p in self.pages_iter()? {
            if let Some(p) = self.skip_bad(RECORDS, b"", p)? {
                all.push(p);
            }
        }
        all.sort_by(|a, b| a.url.cmp(&b.url));
        Ok(all)
    }

    /// Every page record, in the order their URLs were found, one at a time (memory stays flat
    /// on large stores).
    pub fn pages_iter(&self) -> Result<impl Iterator<Item = Result<PageRecord>>> {
        let t = self.tree(RECORDS)?;
        Ok(t.iter().map(|kv| {
            let (k, v) = kv?;
            let id = <[u8; 8]>::try_from(&k[..]).map_or(0, u64::from_be_bytes);
            super::page_codec::decode_record(id, &v)
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The time the store tests' records were fetched.
    pub(crate) fn at() -> DateTime<Utc> {
        "2026-11-26T01:02:03Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A detail's record, fetched at `at`, with every optional field set.
    pub(crate) fn record(at: DateTime<Utc>) -> PageRecord {
        PageRecord {
            url: "http://x/a".into(),
            final_url: "http://x/a".into(),
            source: "县政府门户".into(),
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
            attachments: Some(vec!["http://x/a.pdf".into(), "http://x/附件.doc".into()]),
        }
    }

    #[test]
    fn schedules_round_trip_and_other_bytes_are_refused() {
        let at: DateTime<Utc> = "2026-11-26T01:02:03.456789Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let full = PageSchedule::of(&record(at));
        let bare = PageSchedule {
            role: Role::List,
            has_content: false,
            next_due: None,
            gone_run: None,
            attachments: None,
            ..full.clone()
        };
        let gone = PageSchedule {
            role: Role::Attachment,
            gone_run: Some(7),
            attachments: Some(vec![]),
            ..full.clone()
        };
        for s in [&full, &bare, &gone] {
            // As stores before schema 7 wrote it.
            let old = s.encode_legacy();
            assert_eq!(PageSchedule::decode(&old).as_ref(), Some(s));
            assert_eq!(PageSchedule::decode(&old[..old.len() - 1]), None);
            let b = s.encode();
            assert_eq!(b[0], POSTCARD_V1);
            assert_eq!(PageSchedule::decode(&b).as_ref(), Some(s));
            // Cut short, extended, or of another version: not a schedule.
            assert_eq!(PageSchedule::decode(&b[..b.len() - 1]), None);
            assert_eq!(PageSchedule::decode(&[&b[..], b"x"].concat()), None);
            assert_eq!(PageSchedule::decode(&[&[9u8], &b[1..]].concat()), None);
        }
        assert_eq!(PageSchedule::decode(br#"{"url":"http://x/a"}"#), None);
        assert!(full.encode().len() < crate::store::encode(&record(at)).len() / 4);
    }

    #[test]
    fn a_stored_record_reads_back_as_its_schedule() {
        let at = at();
        let p = record(at);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.put_page(&p).unwrap_or_else(|e| panic!("{e}"));
        let got = s
            .page_schedule("http://x/a")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, Some(PageSchedule::of(&p)));
        assert_eq!(got.map(|g| g.has_content), Some(true));
        assert_eq!(s.page_schedule("http://x/b").ok(), Some(None));
        assert_eq!(s.page("http://x/a").ok(), Some(Some(p.clone())));

        // A damaged schedule is an error naming the tree and URL, not a page that never waits.
        let id = s
            .url_entry("http://x/a")
            .ok()
            .flatten()
            .map(|e| e.id)
            .unwrap_or_else(|| panic!("no number"));
        s.tree(SCHEDULES)
            .and_then(|t| Ok(t.insert(id_key(id), &b"\x01"[..])?))
            .unwrap_or_else(|e| panic!("{e}"));
        let e = s.page_schedule("http://x/a").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("corrupt record in tree schedules under http://x/a")
        );
    }

    #[test]
    fn pages_list_in_url_order_whatever_order_they_were_found_in() {
        let at = at();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        for u in ["http://x/c", "http://x/a", "http://x/b"] {
            let p = PageRecord {
                url: u.into(),
                ..record(at)
            };
            s.put_page(&p).unwrap_or_else(|e| panic!("{e}"));
        }
        let urls: Vec<String> = s
            .pages()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|p| p.url)
            .collect();
        assert_eq!(urls, ["http://x/a", "http://x/b", "http://x/c"]);
    }
}
