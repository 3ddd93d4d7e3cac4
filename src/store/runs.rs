//! The `runs` tree (one record per crawl run, with its summary) and the `run_events` tree (one
//! record per URL handled in a run: status, bytes, retries, new / changed / unchanged / gone).
//! A commit group writes its events under one key ([`event_chunk_key`]); a URL's later event in
//! the run replaces its earlier one, as a write under the same key did when stores before schema
//! 4 kept one key per (run, URL number) — still read.
//! The summary is computed from the events, so it is exact even for a run that was killed and
//! resumed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bin::{put_varint, role_of, Reader};
use super::frontier::run_key;
use super::pages::Role;
use super::typed::{Codec, POSTCARD_V1};
use super::{decode, encode, prefix, Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    /// Stopped by Ctrl-C or `--max-pages`; the next `crawl` resumes it.
    Interrupted,
    Complete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    New,
    Changed,
    Unchanged,
    /// 404/410 now, fine before.
    Gone,
    /// Not re-fetched: its re-check interval has not passed.
    NotDue,
    /// No usable response (error, robots, 5xx after retries).
    Failed,
}

impl Change {
    /// The name it is stored and reported under.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
            Change::Gone => "gone",
            Change::NotDue => "not_due",
            Change::Failed => "failed",
        }
    }
}

/// One URL handled in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub url: String,
    pub host: String,
    pub source: String,
    pub role: Role,
    /// `200`, `304`, `404`, or a word such as `robots`, `timeout`, `too_large`.
    pub status: String,
    pub change: Change,
    pub bytes: u64,
    pub requests: u32,
    pub retries: u32,
    pub documents: u32,
    pub at: DateTime<Utc>,
    /// On a list page: the page limit (the list's `max_pages`, or `max_pages_per_list`) at which
    /// its pagination stopped although the site had more pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capped_at: Option<u32>,
}

/// An event as schema-2 stores wrote it (JSON); `url` is absent when the key held it.
#[derive(Deserialize)]
struct LoadedEvent {
    #[serde(default)]
    url: Option<String>,
    host: String,
    source: String,
    role: Role,
    status: String,
    change: Change,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    requests: u32,
    #[serde(default)]
    retries: u32,
    #[serde(default)]
    documents: u32,
    at: DateTime<Utc>,
}

/// First byte of a hand-written binary event of schemas 4–6 (a JSON one starts with `{`).
const EVENT_V1: u8 = 1;
/// The same with a trailing page limit ([`RunEvent::capped_at`]).
const EVENT_V2: u8 = 2;

/// An event as stored since schema 7 ([`Codec::Postcard`]): no field skipped (the JSON form
/// skips an absent page limit), the time to the microsecond.
#[derive(Serialize, Deserialize)]
struct EventShape {
    url: String,
    host: String,
    source: String,
    role: Role,
    status: String,
    change: Change,
    bytes: u64,
    requests: u32,
    retries: u32,
    documents: u32,
    at_us: i64,
    capped_at: Option<u32>,
}

const CHANGES: [Change; 6] = [
    Change::New,
    Change::Changed,
    Change::Unchanged,
    Change::Gone,
    Change::NotDue,
    Change::Failed,
];

/// A run event in its stored form, [`Codec::Postcard`] over [`EventShape`]. Binary rather than
/// JSON: a run writes one per URL reached and its summary reads them all back.
pub(crate) fn encode_event(e: &RunEvent) -> Vec<u8> {
    Codec::Postcard.encode(&EventShape {
        url: e.url.clone(),
        host: e.host.clone(),
        source: e.source.clone(),
        role: e.role,
        status: e.status.clone(),
        change: e.change,
        bytes: e.bytes,
        requests: e.requests,
        retries: e.retries,
        documents: e.documents,
        at_us: e.at.timestamp_micros(),
        capped_at: e.capped_at,
    })
}

/// The hand-written form of schemas 4–6, no longer written (kept for the tests that check it is
/// still read and for `benches/codec.rs`): version, role, change, the counts as LEB128, the
/// time (µs), then URL, host, source and status, and (version 2 only) the page limit a list
/// stopped at.
pub(crate) fn encode_legacy_event(e: &RunEvent) -> Vec<u8> {
    use super::bin::{put_str, role_code};
    let mut out = Vec::with_capacity(24 + e.url.len() + e.host.len() + e.source.len());
    out.push(if e.capped_at.is_some() {
        EVENT_V2
    } else {
        EVENT_V1
    });
    out.push(role_code(e.role));
    out.push(CHANGES.iter().position(|c| *c == e.change).unwrap_or(0) as u8);
    put_varint(&mut out, e.bytes);
    put_varint(&mut out, e.requests.into());
    put_varint(&mut out, e.retries.into());
    put_varint(&mut out, e.documents.into());
    out.extend_from_slice(&e.at.timestamp_micros().to_le_bytes());
    for s in [&e.url, &e.host, &e.source, &e.status] {
        put_str(&mut out, s);
    }
    if let Some(cap) = e.capped_at {
        put_varint(&mut out, cap.into());
    }
    out
}

fn decode_binary_event(v: &[u8]) -> Option<RunEvent> {
    if v.first() == Some(&POSTCARD_V1) {
        let e: EventShape = Codec::Postcard.decode(v).ok()?;
        return Some(RunEvent {
            url: e.url,
            host: e.host,
            source: e.source,
            role: e.role,
            status: e.status,
            change: e.change,
            bytes: e.bytes,
            requests: e.requests,
            retries: e.retries,
            documents: e.documents,
            at: DateTime::from_timestamp_micros(e.at_us)?,
            capped_at: e.capped_at,
        });
    }
    let mut r = Reader(v);
    let version = r.bytes(1)?[0];
    if !matches!(version, EVENT_V1 | EVENT_V2) {
        return None;
    }
    let role = role_of(r.bytes(1)?[0])?;
    let change = *CHANGES.get(r.bytes(1)?[0] as usize)?;
    let bytes = r.varint()?;
    let mut count = || u32::try_from(r.varint()?).ok();
    let (requests, retries, documents) = (count()?, count()?, count()?);
    let at = DateTime::from_timestamp_micros(r.i64()?)?;
    let mut e = RunEvent {
        url: r.str()?,
        host: r.str()?,
        source: r.str()?,
        status: r.str()?,
        role,
        change,
        bytes,
        requests,
        retries,
        documents,
        at,
        capped_at: None,
    };
    if version == EVENT_V2 {
        e.capped_at = Some(u32::try_from(r.varint()?).ok()?);
    }
    r.0.is_empty().then_some(e)
}

/// The tree of run events, keyed by [`event_key`].
pub(crate) const EVENTS: &str = "run_events";

/// The key of a URL's event in a run, as stores before schema 4 wrote it: the run, NUL, the
/// URL's number (big-endian; its first byte is never [`CHUNK`]).
pub(crate) fn event_key(run: u64, id: u64) -> Vec<u8> {
    let mut k = prefix(&[run_key(run).as_str()]);
    k.extend_from_slice(&id.to_be_bytes());
    k
}

/// After the run prefix, the first byte of a key holding many events.
const CHUNK: u8 = 0xff;

/// Version byte of an encoded chunk.
const CHUNK_V1: u8 = 1;

/// Most events in one chunk: a value stays a few kilobytes, since sled rewrites a whole leaf —
/// values included — each time it consolidates one.
pub(crate) const CHUNK_EVENTS: usize = 64;

/// The key of a group of a run's events: the run, NUL, [`CHUNK`], then a store-unique number
/// that rises with every chunk written, so keys sort in the order the events were written. One
/// key per commit group, at the right edge of the tree: a quiet night records 200,000 not-due
/// URLs in a few thousand writes instead of one each.
pub(crate) fn event_chunk_key(run: u64, n: u64) -> Vec<u8> {
    let mut k = prefix(&[run_key(run).as_str()]);
    k.push(CHUNK);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Encodes events (URL number, [`encode_event`] bytes) as one chunk: a version byte, then per
/// event the number (u64 big-endian), the length (LEB128) and the bytes.
pub(crate) fn event_chunk(events: &[(u64, &[u8])]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + events.iter().map(|(_, v)| 10 + v.len()).sum::<usize>());
    out.push(CHUNK_V1);
    for (id, v) in events {
        out.extend_from_slice(&id.to_be_bytes());
        put_varint(&mut out, v.len() as u64);
        out.extend_from_slice(v);
    }
    out
}

/// The (URL number, encoded event) pairs of one `run_events` entry, in the order written; the
/// number is `None` for an event keyed by URL (schema 2, before renumbering).
pub(crate) fn event_entries<'a>(
    key: &'a [u8],
    value: &'a [u8],
    skip: usize,
) -> Result<Vec<(Option<u64>, &'a [u8])>> {
    let corrupt = || super::StoreError::Corrupt {
        tree: EVENTS.into(),
        key: String::from_utf8_lossy(key).into_owned(),
    };
    let suffix = key.get(skip..).unwrap_or_default();
    if suffix.first() != Some(&CHUNK) {
        let id = <[u8; 8]>::try_from(suffix).ok().map(u64::from_be_bytes);
        return Ok(vec![(id, value)]);
    }
    let mut r = Reader(value);
    if r.bytes(1).ok_or_else(corrupt)? != [CHUNK_V1] {
        return Err(corrupt());
    }
    let mut out = Vec::new();
    while !r.0.is_empty() {
        let id = r.u64_be().ok_or_else(corrupt)?;
        let len = usize::try_from(r.varint().ok_or_else(corrupt)?).map_err(|_| corrupt())?;
        out.push((Some(id), r.bytes(len).ok_or_else(corrupt)?));
    }
    Ok(out)
}

/// A run's events, newest write first, each URL once (its last event).
struct RunEventsRev {
    entries: std::iter::Rev<sled::Iter>,
    skip: usize,
    /// Events of the entry being read, oldest first (taken from the end).
    buf: Vec<(Option<u64>, Result<RunEvent>)>,
    seen: std::collections::HashSet<u64>,
}

impl Iterator for RunEventsRev {
    type Item = Result<RunEvent>;

    fn next(&mut self) -> Option<Result<RunEvent>> {
        loop {
            if let Some((id, e)) = self.buf.pop() {
                if id.is_some_and(|id| !self.seen.insert(id)) {
                    continue;
                }
                return Some(e);
            }
            let (k, v) = match self.entries.next()? {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e.into())),
            };
            match event_entries(&k, &v, self.skip) {
                Ok(list) => {
                    self.buf = list
                        .into_iter()
                        .map(|(id, bytes)| (id, decode_event(&k, bytes)))
                        .collect();
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// Decodes an event stored under `key`: (run, NUL, URL number), or in a schema-2 store
/// (run, NUL, URL) with the URL only in the key.
pub(crate) fn decode_event(key: &[u8], value: &[u8]) -> Result<RunEvent> {
    if value.first() != Some(&b'{') {
        return decode_binary_event(value).ok_or_else(|| super::StoreError::Corrupt {
            tree: EVENTS.into(),
            key: String::from_utf8_lossy(key).into_owned(),
        });
    }
    let e: LoadedEvent = decode(EVENTS, value)?;
    let url = match e.url {
        Some(u) => u,
        None => key
            .iter()
            .position(|b| *b == 0)
            .and_then(|i| std::str::from_utf8(&key[i + 1..]).ok())
            .unwrap_or_default()
            .to_string(),
    };
    Ok(RunEvent {
        url,
        host: e.host,
        source: e.source,
        role: e.role,
        status: e.status,
        change: e.change,
        bytes: e.bytes,
        requests: e.requests,
        retries: e.retries,
        documents: e.documents,
        at: e.at,
        capped_at: None,
    })
}

/// Requests and achieved rate of one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostSummary {
    pub requests: u64,
    /// Requests per second between the host's first and last event.
    pub achieved_rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub urls: u64,
    pub by_status: BTreeMap<String, u64>,
    pub by_change: BTreeMap<String, u64>,
    pub bytes: u64,
    pub requests: u64,
    pub retries: u64,
    pub robots_skips: u64,
    pub documents: u64,
    pub per_host: BTreeMap<String, HostSummary>,
    pub duration_s: f64,
    /// List pages whose pagination stopped at a page limit with more pages on the site, and that
    /// limit: the list's older items were not reached.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capped_lists: BTreeMap<String, u32>,
    /// Pages whose handling failed or stopped at a limit in the run, and pages in quarantine
    /// ([`super::faults`]), with their reasons.
    #[serde(default, skip_serializing_if = "super::faults::FaultSummary::is_empty")]
    pub faults: super::faults::FaultSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: u64,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub sources: Vec<String>,
    /// Seconds spent across all invocations that worked on this run.
    pub active_s: f64,
    pub summary: Option<RunSummary>,
    /// The date the run observed the web at when it is not the day it started (a simulated
    /// night); see [`RunRecord::observed_on`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<chrono::NaiveDate>,
}

impl RunRecord {
    /// The date the run saw the web at: its `as_of`, else the day it started in Beijing time
    /// (UTC+8, where the monitored sites publish).
    pub fn observed_on(&self) -> chrono::NaiveDate {
        self.as_of
            .unwrap_or_else(|| (self.started_at + chrono::Duration::hours(8)).date_naive())
    }
}

impl Store {
    pub fn put_run(&self, r: &RunRecord) -> Result<()> {
        self.tree("runs")?
            .insert(run_key(r.id).as_bytes(), encode(r))?;
        Ok(())
    }

    /// Every run, oldest first; one whose record does not decode is skipped
    /// ([`Store::skipped`]).
    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        let mut out = Vec::new();
        for kv in self.tree("runs")?.iter() {
            let (k, v) = kv?;
            if let Some(r) = self.skip_bad("runs", &k, decode("runs", &v))? {
                out.push(r);
            }
        }
        Ok(out)
    }

    pub fn last_run(&self) -> Result<Option<RunRecord>> {
        match self.tree("runs")?.last()? {
            Some((_, v)) => Ok(Some(decode("runs", &v)?)),
            None => Ok(None),
        }
    }

    /// The events of a run, in URL order.
    pub fn run_events(&self, run: u64) -> Result<Vec<RunEvent>> {
        let mut all = self.run_events_iter(run)?.collect::<Result<Vec<_>>>()?;
        all.sort_by(|a, b| a.url.cmp(&b.url));
        Ok(all)
    }

    /// The events of a run one at a time, the last written first, one per URL (what is kept
    /// in memory is the set of URL numbers already given).
    pub fn run_events_iter(&self, run: u64) -> Result<impl Iterator<Item = Result<RunEvent>>> {
        let t = self.tree(EVENTS)?;
        let rk = run_key(run);
        Ok(RunEventsRev {
            entries: t.scan_prefix(prefix(&[rk.as_str()])).rev(),
            skip: rk.len() + 1,
            buf: Vec::new(),
            seen: Default::default(),
        })
    }

    /// The URL numbers with an event in `run`, ascending.
    fn reached(&self, run: u64) -> Result<Vec<u64>> {
        let rk = run_key(run);
        let skip = rk.len() + 1;
        let mut ids = Vec::new();
        for kv in self.tree(EVENTS)?.scan_prefix(prefix(&[rk.as_str()])) {
            let (k, v) = kv?;
            ids.extend(
                event_entries(&k, &v, skip)?
                    .into_iter()
                    .filter_map(|(id, _)| id),
            );
        }
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Marks as gone every content page of `sources` that a complete run did not reach (no
    /// event in `run`) and that was not gone already; returns how many.
    pub fn mark_unlinked(&self, run: u64, sources: &[String], at: DateTime<Utc>) -> Result<usize> {
        // The URL numbers reached (8 bytes each) and the schedules both sorted by number: one
        // merge instead of an event lookup per page (most pages were reached, so most pages
        // are never decoded).
        let reached = self.reached(run)?;
        let mut next = reached.iter().peekable();
        let mut n = 0;
        // The schedules, not the records: the same keys, a fraction of the bytes.
        for kv in self.tree(super::pages::SCHEDULES)?.iter() {
            let (id, v) = kv?;
            let id = <[u8; 8]>::try_from(&id[..]).map_or(0, u64::from_be_bytes);
            while next.peek().is_some_and(|r| **r < id) {
                next.next();
            }
            if next.peek().is_some_and(|r| **r == id) {
                continue;
            }
            let s = super::pages::decode_schedule(id, None, &v)?;
            if s.role == Role::List
                || !s.has_content
                || s.gone_run.is_some()
                || !sources.contains(&s.source)
            {
                continue;
            }
            let Some(p) = self.page_by_id(id)? else {
                continue;
            };
            let host = url::Url::parse(&p.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            let event = RunEvent {
                url: p.url.clone(),
                host,
                source: p.source.clone(),
                role: p.role,
                status: "unlinked".into(),
                change: Change::Gone,
                bytes: 0,
                requests: 0,
                retries: 0,
                documents: 0,
                at,
                capped_at: None,
            };
            let page = super::pages::PageRecord {
                gone_run: Some(run),
                ..p
            };
            self.commit(
                run,
                super::frontier::Commit {
                    page: Some(page),
                    event: Some(event),
                    ..Default::default()
                },
            )?;
            n += 1;
        }
        Ok(n)
    }

    /// The summary of a run, from its events.
    pub fn summarize(&self, run: u64, duration_s: f64) -> Result<RunSummary> {
        // A key is allocated only the first time it is counted (a run has 200,000 events and a
        // handful of distinct statuses).
        fn count(m: &mut BTreeMap<String, u64>, k: &str) {
            match m.get_mut(k) {
                Some(n) => *n += 1,
                None => {
                    m.insert(k.to_string(), 1);
                }
            }
        }
        let mut s = RunSummary {
            duration_s,
            ..RunSummary::default()
        };
        let mut span: BTreeMap<String, (DateTime<Utc>, DateTime<Utc>)> = BTreeMap::new();
        for e in self.run_events_iter(run)? {
            let e = e?;
            s.urls += 1;
            count(&mut s.by_status, &e.status);
            count(&mut s.by_change, e.change.as_str());
            s.bytes += e.bytes;
            s.requests += u64::from(e.requests);
            s.retries += u64::from(e.retries);
            s.documents += u64::from(e.documents);
            if e.status == "robots" {
                s.robots_skips += 1;
            }
            if let Some(cap) = e.capped_at {
                s.capped_lists.insert(e.url.clone(), cap);
            }
            if e.requests > 0 {
                let sp = span.entry(e.host.clone()).or_insert((e.at, e.at));
                sp.0 = sp.0.min(e.at);
                sp.1 = sp.1.max(e.at);
                s.per_host.entry(e.host).or_default().requests += u64::from(e.requests);
            }
        }
        for (h, hs) in s.per_host.iter_mut() {
            if let Some((a, b)) = span.get(h) {
                let secs = (*b - *a).num_milliseconds() as f64 / 1000.0;
                hs.achieved_rate = if secs > 0.0 {
                    hs.requests as f64 / secs
                } else {
                    hs.requests as f64
                };
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(change: Change, bytes: u64) -> RunEvent {
        RunEvent {
            url: "http://www.tongbai.sim/2023/03-28/1.html".into(),
            host: "www.tongbai.sim".into(),
            source: "sim-tongbai".into(),
            role: Role::Detail,
            status: if bytes > 0 { "200" } else { "not_due" }.into(),
            change,
            bytes,
            requests: u32::from(bytes > 0),
            retries: 0,
            documents: u32::from(bytes > 0),
            at: "2026-11-26T01:02:03Z"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
            capped_at: None,
        }
    }

    #[test]
    fn a_complete_run_marks_gone_exactly_the_content_pages_it_did_not_reach() {
        use super::super::frontier::Commit;
        use super::super::pages::PageRecord;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let at = event(Change::New, 1).at;
        let page = |url: &str, role: Role| PageRecord {
            url: url.into(),
            final_url: url.into(),
            source: "sim-tongbai".into(),
            role,
            status: 200,
            error: None,
            etag: None,
            last_modified: None,
            content_type: None,
            hash: Some("h".into()),
            charset: None,
            bytes: 1,
            fetched_at: at,
            run: 1,
            first_run: 1,
            changed_run: 1,
            changed_at: at,
            unchanged_streak: 0,
            next_due: None,
            gone_run: None,
            attachments: None,
        };
        let urls = [
            "http://x/a",
            "http://x/b",
            "http://x/c",
            "http://x/d",
            "http://x/e",
        ];
        for (i, u) in urls.iter().enumerate() {
            let role = if i == 4 { Role::List } else { Role::Detail };
            s.commit(
                1,
                Commit {
                    page: Some(page(u, role)),
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        // Run 2 reached b, d and a URL without a page record (sorting between b and c).
        for u in ["http://x/b", "http://x/bb", "http://x/d"] {
            let e = RunEvent {
                url: u.into(),
                ..event(Change::NotDue, 0)
            };
            s.commit(
                2,
                Commit {
                    event: Some(e),
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let n = s
            .mark_unlinked(2, &["sim-tongbai".to_string()], at)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 2);
        let gone: Vec<String> = s
            .pages()
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .filter(|p| p.gone_run == Some(2))
            .map(|p| p.url)
            .collect();
        // Not the list page: lists are re-checked every run, never "unlinked".
        assert_eq!(gone, ["http://x/a", "http://x/c"]);
        let events = s.run_events(2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            events.iter().filter(|e| e.change == Change::Gone).count(),
            2
        );
    }

    #[test]
    fn a_urls_last_event_in_a_run_is_the_one_read() {
        use super::super::frontier::Commit;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let at = |url: &str, change: Change, bytes: u64| RunEvent {
            url: url.into(),
            ..event(change, bytes)
        };
        // An event as stores before schema 4 kept it, under its own key...
        let a = s
            .url_entry_or_new("http://x/a")
            .unwrap_or_else(|e| panic!("{e}"));
        s.tree(EVENTS)
            .and_then(|t| {
                Ok(t.insert(
                    event_key(3, a.id),
                    encode_event(&at("http://x/a", Change::NotDue, 0)),
                )?)
            })
            .unwrap_or_else(|e| panic!("{e}"));
        // ...then a group (one chunk) with a's fetch and b found twice, not due; then b again,
        // fetched after all (its due time came during the run).
        s.commit_many(
            3,
            vec![
                Commit {
                    event: Some(at("http://x/a", Change::Changed, 7)),
                    skipped: vec![at("http://x/b", Change::NotDue, 0)],
                    ..Commit::default()
                },
                Commit {
                    skipped: vec![at("http://x/b", Change::NotDue, 0)],
                    ..Commit::default()
                },
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        s.commit(
            3,
            Commit {
                event: Some(at("http://x/b", Change::New, 5)),
                ..Commit::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            s.run_events(3).unwrap_or_else(|e| panic!("{e}")),
            [
                at("http://x/a", Change::Changed, 7),
                at("http://x/b", Change::New, 5)
            ]
        );
        let summary = s.summarize(3, 1.0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((summary.urls, summary.bytes), (2, 12));
        assert_eq!(
            s.tree(EVENTS).map(|t| t.len()).unwrap_or_default(),
            3,
            "one key per group"
        );
        assert!(s.run_events(4).unwrap_or_else(|e| panic!("{e}")).is_empty());

        // A damaged chunk is an error naming the tree, not a panic or a short list.
        let key = event_chunk_key(3, u64::MAX);
        let good = event_chunk(&[(9, &encode_event(&at("http://x/c", Change::New, 1))[..])]);
        for bad in [&good[..good.len() - 1], &[2u8][..], &good[..5]] {
            s.tree(EVENTS)
                .and_then(|t| Ok(t.insert(&key, bad)?))
                .unwrap_or_else(|e| panic!("{e}"));
            match s.run_events(3) {
                Err(crate::store::StoreError::Corrupt { tree, .. }) => assert_eq!(tree, EVENTS),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn change_names_are_the_stored_ones() {
        use Change::*;
        for c in [New, Changed, Unchanged, Gone, NotDue, Failed] {
            assert_eq!(serde_json::to_value(c).ok(), Some(c.as_str().into()));
        }
    }

    #[test]
    fn events_read_back_whole_from_either_form() {
        // A list page that stopped at its page limit says so (version 2).
        let capped = RunEvent {
            role: Role::List,
            capped_at: Some(500),
            ..event(Change::New, 2048)
        };
        assert_eq!(encode_legacy_event(&capped)[0], EVENT_V2);
        assert_eq!(encode_legacy_event(&event(Change::New, 2048))[0], EVENT_V1);
        assert_eq!(encode_event(&capped)[0], POSTCARD_V1);
        for e in [event(Change::New, 2048), event(Change::NotDue, 0), capped] {
            for v in [encode_event(&e), encode_legacy_event(&e)] {
                assert_eq!(
                    decode_event(&event_key(7, 42), &v).unwrap_or_else(|x| panic!("{x}")),
                    e
                );
                // Cut short or extended: an error naming the tree, never a different event.
                for bad in [&v[..v.len() - 1], &[&v[..], b"x"].concat()[..], &[9u8][..]] {
                    match decode_event(&event_key(7, 42), bad) {
                        Err(crate::store::StoreError::Corrupt { tree, .. }) => {
                            assert_eq!(tree, EVENTS)
                        }
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
        // A not-due event is small: a byte per empty count, the strings, the time — no more
        // than the hand-written form of schemas 4–6 took.
        let e = event(Change::NotDue, 0);
        let fixed = 3 + 4 + 8 + 2 * 4;
        assert_eq!(
            encode_legacy_event(&e).len(),
            fixed + e.url.len() + e.host.len() + e.source.len() + e.status.len()
        );
        assert!(encode_event(&e).len() <= encode_legacy_event(&e).len());
        // Schema 2 wrote JSON, with the URL in the key only.
        let mut old = serde_json::to_value(event(Change::Changed, 9)).unwrap_or_default();
        old.as_object_mut().map(|o| o.remove("url"));
        let key = super::super::key(&[run_key(7).as_str(), event(Change::Changed, 9).url.as_str()]);
        let got = decode_event(&key, &encode(&old)).unwrap_or_else(|x| panic!("{x}"));
        assert_eq!(got, event(Change::Changed, 9));
    }
}
