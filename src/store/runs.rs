//! The `runs` tree (one record per crawl run, with its summary) and the `run_events` tree (one
//! record per URL handled in a run, keyed by run and URL number: status, bytes, retries, new / changed / unchanged / gone).
//! The summary is computed from the events, so it is exact even for a run that was killed and
//! resumed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::bin::{put_str, put_varint, Reader};
use super::frontier::run_key;
use super::pages::Role;
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

/// First byte of a binary event (a JSON one starts with `{`).
const EVENT_V1: u8 = 1;

const ROLES: [Role; 3] = [Role::List, Role::Detail, Role::Attachment];
const CHANGES: [Change; 6] = [
    Change::New,
    Change::Changed,
    Change::Unchanged,
    Change::Gone,
    Change::NotDue,
    Change::Failed,
];

/// A run event in its stored form: version, role, change, the counts as LEB128 (a quiet night's
/// `not_due` events have none to count), the time (µs), then URL, host, source and status. Binary
/// rather than JSON: a run writes one per URL reached and its summary reads them all back.
pub(crate) fn encode_event(e: &RunEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(24 + e.url.len() + e.host.len() + e.source.len());
    out.push(EVENT_V1);
    out.push(ROLES.iter().position(|r| *r == e.role).unwrap_or(0) as u8);
    out.push(CHANGES.iter().position(|c| *c == e.change).unwrap_or(0) as u8);
    put_varint(&mut out, e.bytes);
    put_varint(&mut out, e.requests.into());
    put_varint(&mut out, e.retries.into());
    put_varint(&mut out, e.documents.into());
    out.extend_from_slice(&e.at.timestamp_micros().to_le_bytes());
    for s in [&e.url, &e.host, &e.source, &e.status] {
        put_str(&mut out, s);
    }
    out
}

fn decode_binary_event(v: &[u8]) -> Option<RunEvent> {
    let mut r = Reader(v);
    if r.bytes(1)?[0] != EVENT_V1 {
        return None;
    }
    let role = *ROLES.get(r.bytes(1)?[0] as usize)?;
    let change = *CHANGES.get(r.bytes(1)?[0] as usize)?;
    let bytes = r.varint()?;
    let mut count = || u32::try_from(r.varint()?).ok();
    let (requests, retries, documents) = (count()?, count()?, count()?);
    let at = DateTime::from_timestamp_micros(r.i64()?)?;
    let e = RunEvent {
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
    };
    r.0.is_empty().then_some(e)
}

/// The tree of run events, keyed by [`event_key`].
pub(crate) const EVENTS: &str = "run_events";

/// The key of a URL's event in a run: the run, NUL, the URL's number (big-endian).
pub(crate) fn event_key(run: u64, id: u64) -> Vec<u8> {
    let mut k = prefix(&[run_key(run).as_str()]);
    k.extend_from_slice(&id.to_be_bytes());
    k
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
}

impl Store {
    pub fn put_run(&self, r: &RunRecord) -> Result<()> {
        self.tree("runs")?
            .insert(run_key(r.id).as_bytes(), encode(r))?;
        Ok(())
    }

    pub fn runs(&self) -> Result<Vec<RunRecord>> {
        self.tree("runs")?
            .iter()
            .values()
            .map(|v| decode("runs", &v?))
            .collect()
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

    /// The events of a run one at a time, in the order their URLs were found (memory stays
    /// flat on large runs).
    pub fn run_events_iter(&self, run: u64) -> Result<impl Iterator<Item = Result<RunEvent>>> {
        let t = self.tree(EVENTS)?;
        Ok(t.scan_prefix(prefix(&[run_key(run).as_str()])).map(|kv| {
            let (k, v) = kv?;
            decode_event(&k, &v)
        }))
    }

    /// Marks as gone every content page of `sources` that a complete run did not reach (no
    /// event in `run`) and that was not gone already; returns how many.
    pub fn mark_unlinked(&self, run: u64, sources: &[String], at: DateTime<Utc>) -> Result<usize> {
        let events = self.tree(EVENTS)?;
        let rk = run_key(run);
        // The run's events and the schedules both sort by URL number: one merge of the two scans
        // instead of an event lookup per page (most pages were reached, so most pages are never
        // decoded).
        let skip = rk.len() + 1;
        let mut reached = events.scan_prefix(prefix(&[rk.as_str()])).keys();
        let mut next_reached = reached.next().transpose()?;
        let mut n = 0;
        // The schedules, not the records: the same keys, a fraction of the bytes.
        for kv in self.tree(super::pages::SCHEDULES)?.iter() {
            let (id, v) = kv?;
            while next_reached.as_ref().is_some_and(|k| k[skip..] < id[..]) {
                next_reached = reached.next().transpose()?;
            }
            if next_reached.as_ref().is_some_and(|k| k[skip..] == id[..]) {
                continue;
            }
            let id = <[u8; 8]>::try_from(&id[..]).map_or(0, u64::from_be_bytes);
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
    fn change_names_are_the_stored_ones() {
        use Change::*;
        for c in [New, Changed, Unchanged, Gone, NotDue, Failed] {
            assert_eq!(serde_json::to_value(c).ok(), Some(c.as_str().into()));
        }
    }

    #[test]
    fn events_read_back_whole_from_either_form() {
        for e in [event(Change::New, 2048), event(Change::NotDue, 0)] {
            let v = encode_event(&e);
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
        // A not-due event is small: a byte per empty count, the strings, the time.
        let e = event(Change::NotDue, 0);
        let fixed = 3 + 4 + 8 + 2 * 4;
        assert_eq!(
            encode_event(&e).len(),
            fixed + e.url.len() + e.host.len() + e.source.len() + e.status.len()
        );
        // Schema 2 wrote JSON, with the URL in the key only.
        let mut old = serde_json::to_value(event(Change::Changed, 9)).unwrap_or_default();
        old.as_object_mut().map(|o| o.remove("url"));
        let key = super::super::key(&[run_key(7).as_str(), event(Change::Changed, 9).url.as_str()]);
        let got = decode_event(&key, &encode(&old)).unwrap_or_else(|x| panic!("{x}"));
        assert_eq!(got, event(Change::Changed, 9));
    }
}
