//! The crawl frontier in sled (not RAM; the seen set is the run marked on each URL's entry in
//! [`super::urls`]), and the commit that completes a frontier entry: its page, snapshot,
//! documents, run event and newly discovered entries are written in an order
//! ([`Store::commit_prepared`]) that makes every interrupted commit either pending (the URL is
//! fetched again on resume and writes the same keys) or done (its page record carries the run) —
//! never lost, and never stored twice (every key is deterministic, and a URL keeps its number).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use std::collections::{HashMap, HashSet};

use super::faults::{encode_update, FaultUpdate, FAULTS};
use super::list_extracts::{encode_body, encode_value, ListExtract, LIST_EXTRACTS};
use super::pages::{PageRecord, PageSchedule, Role, RECORDS, SCHEDULES};
use super::runs::{encode_event, event_chunk, event_chunk_key, RunEvent, CHUNK_EVENTS, EVENTS};
use super::snapshots::compress;
use super::urls::{id_key, UrlEntry, URLS};
use super::{decode, encode, Result, Store, StoreError};
use crate::model::Document;

/// List-level fields carried from a list item to its detail page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemContext {
    pub title: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    pub fields: BTreeMap<String, String>,
}

/// A URL waiting to be fetched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrontierEntry {
    /// Frontier key; assigned by the store, increasing.
    #[serde(default)]
    pub seq: u64,
    /// The URL's number ([`super::urls`]), stored with the entry when it is queued; 0 in
    /// entries queued before entries carried it.
    #[serde(skip)]
    pub id: u64,
    pub url: String,
    pub source: String,
    pub role: Role,
    /// Index of the list (in the source) this page belongs to or was found in.
    pub list: Option<usize>,
    /// 1-based page number within its list (list pages).
    pub page_no: u32,
    /// From the list row that linked here (details, attachments).
    pub context: Option<ItemContext>,
}

/// Everything that completes one frontier entry.
#[derive(Debug, Default)]
pub struct Commit {
    /// Frontier entry completed (removed).
    pub done: Option<u64>,
    /// The completed entry's URL and its number ([`FrontierEntry::id`]), which keys its page
    /// record and run event: the writer need not look the number up.
    pub numbered: Option<(String, u64)>,
    pub page: Option<PageRecord>,
    /// Raw bytes by content hash; written only when the hash is not stored yet, so a snapshot
    /// is never rewritten.
    pub snapshot: Option<(String, Vec<u8>)>,
    pub documents: Vec<Document>,
    /// A list page's extraction, keyed by its URL (written when it was extracted afresh, or to
    /// add its items' numbers); stored with the numbers of its items' links the commit knows.
    pub list_extract: Option<(String, ListExtract)>,
    pub event: Option<RunEvent>,
    /// Discovered entries; each is queued only if its URL was not yet seen in this run.
    pub enqueue: Vec<FrontierEntry>,
    /// Discovered URLs accounted for without a request (their re-check is not due): each event
    /// is recorded unless the URL was queued in this run (its fetch records the outcome).
    pub skipped: Vec<RunEvent>,
    /// `urls` entries read while this commit was built (`None`: no entry), as they were then.
    /// The writer takes one as the stored entry unless its URL may have been written since
    /// ([`Store::url_written`]), and so skips reading it again.
    pub read_urls: Vec<(String, Option<UrlEntry>)>,
    /// URLs whose numbers the worker knew (from a kept list extraction): the writer need not
    /// look them up.
    pub numbers: Vec<(String, u64)>,
    /// The page's fault (`page_faults`), set or cleared with its record.
    pub fault: Option<FaultUpdate>,
    /// The snapshot the page's new content replaces: noted with the run in `superseded`, which
    /// the retention of `store compact` reads.
    pub superseded: Option<String>,
}

/// A [`Commit`] encoded by a crawl worker, for the store's one writer.
pub struct PreparedCommit {
    run: u64,
    done: Option<u64>,
    numbered: Option<(String, u64)>,
    /// URL, record, schedule.
    page: Option<(String, Vec<u8>, Vec<u8>)>,
    snapshot: Option<(String, Vec<u8>)>,
    /// How the snapshot was served ([`super::snapshot_meta`]), written with a new snapshot.
    snapshot_meta: Option<Vec<u8>>,
    documents: Vec<(String, Vec<u8>)>,
    /// URL, encoded extraction, and the items' links.
    list_extract: Option<(String, Vec<u8>, Vec<Option<String>>)>,
    /// URL and event.
    event: Option<(String, Vec<u8>)>,
    /// URLs and encoded frontier entries; numbered (the key) when committed.
    enqueue: Vec<(String, Vec<u8>)>,
    /// URL and event of each skipped URL.
    skipped: Vec<(String, Vec<u8>)>,
    read_urls: Vec<(String, Option<UrlEntry>)>,
    numbers: Vec<(String, u64)>,
    /// The page's fault as stored (`Some(None)`: removed), written with the page record.
    fault: Option<Option<Vec<u8>>>,
    superseded: Option<String>,
}

impl PreparedCommit {
    fn new(run: u64, c: Commit) -> PreparedCommit {
        PreparedCommit {
            run,
            done: c.done,
            numbered: c.numbered,
            page: c.page.as_ref().map(|p| {
                let record = super::page_codec::encode_record(p);
                (p.url.clone(), record, PageSchedule::of(p).encode())
            }),
            snapshot: c
                .snapshot
                .as_ref()
                .map(|(h, raw)| (h.clone(), compress(raw))),
            snapshot_meta: c
                .page
                .as_ref()
                .filter(|_| c.snapshot.is_some())
                .map(|p| super::snapshot_meta::SnapshotMeta::of(p).encode()),
            documents: c
                .documents
                .iter()
                .map(|d| (d.id.clone(), encode(d)))
                .collect(),
            list_extract: c
                .list_extract
                .as_ref()
                .map(|(u, x)| (u.clone(), encode_body(x), x.links())),
            event: c.event.as_ref().map(|e| (e.url.clone(), encode_event(e))),
            enqueue: c
                .enqueue
                .iter()
                .map(|e| (e.url.clone(), encode(e)))
                .collect(),
            skipped: c
                .skipped
                .iter()
                .map(|e| (e.url.clone(), encode_event(e)))
                .collect(),
            fault: c.fault.as_ref().map(encode_update),
            superseded: c.superseded,
            read_urls: c.read_urls,
            numbers: c.numbers,
        }
    }
}

/// The URL entries one commit group reads and writes, each read from the store once.
struct GroupUrls<'a> {
    store: &'a Store,
    tree: sled::Tree,
    known: HashMap<&'a str, UrlEntry>,
    /// Entries the workers read, still current unless the filter says otherwise.
    read: HashMap<&'a str, Option<UrlEntry>>,
    /// Numbers the frontier entries carried: a URL's number never changes.
    numbers: HashMap<&'a str, u64>,
}

impl<'a> GroupUrls<'a> {
    /// Whether `url` was queued in `run` already.
    fn queued_in(&mut self, url: &'a str, run: u64) -> Result<bool> {
        // Every entry queued in a run this handle began was written through this handle.
        if self.store.run_begun_here(run) && !self.store.url_written(url) {
            return Ok(false);
        }
        Ok(self.get(url)?.is_some_and(|e| e.queued_run == run))
    }

    /// The URL's number if the group knows it without a read (a URL's number never changes,
    /// so an entry a worker read is good for it however old).
    fn known_id(&self, url: &str) -> Option<u64> {
        self.numbers
            .get(url)
            .copied()
            .or_else(|| self.known.get(url).map(|e| e.id))
            .or_else(|| self.read.get(url).copied().flatten().map(|e| e.id))
    }

    fn get(&mut self, url: &'a str) -> Result<Option<UrlEntry>> {
        if let Some(e) = self.known.get(url) {
            return Ok(Some(*e));
        }
        if let Some(e) = self.read.get(url) {
            if !self.store.url_written(url) {
                if let Some(e) = e {
                    self.known.insert(url, *e);
                }
                return Ok(*e);
            }
        }
        let Some(v) = self.tree.get(url.as_bytes())? else {
            return Ok(None);
        };
        let e = UrlEntry::decode(url.as_bytes(), &v)?;
        self.known.insert(url, e);
        Ok(Some(e))
    }

    /// The URL's number, given (and written) now if it has none.
    fn id(&mut self, url: &'a str) -> Result<u64> {
        if let Some(id) = self.known_id(url) {
            return Ok(id);
        }
        match self.get(url)? {
            Some(e) => Ok(e.id),
            None => Ok(self
                .set(
                    url,
                    UrlEntry {
                        id: self.store.next_id()?,
                        queued_run: 0,
                    },
                )?
                .id),
        }
    }

    fn set(&mut self, url: &'a str, e: UrlEntry) -> Result<UrlEntry> {
        self.store.put_url_entry(url, e)?;
        self.known.insert(url, e);
        Ok(e)
    }
}

/// A frontier value: the URL's number (big-endian), then the entry's JSON. Entries stored
/// before they carried the number are the JSON alone; a number's first byte is never `{`.
fn frontier_value(id: u64, json: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(8 + json.len());
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(json);
    v
}

pub(crate) fn decode_entry(key: &[u8], value: &[u8]) -> Result<FrontierEntry> {
    let (id, json) = match value.first() {
        Some(b'{') => (0, value),
        _ if value.len() > 8 => {
            let (n, json) = value.split_at(8);
            (u64::from_be_bytes(n.try_into().unwrap_or_default()), json)
        }
        _ => {
            return Err(StoreError::Corrupt {
                tree: "frontier".into(),
                key: format!("{key:?}"),
            })
        }
    };
    let mut e: FrontierEntry = decode("frontier", json)?;
    e.id = id;
    // The key is the number (entries are encoded before they get one).
    if let Ok(seq) = <[u8; 8]>::try_from(key) {
        e.seq = u64::from_be_bytes(seq);
    }
    Ok(e)
}

fn seq_key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(crate) fn run_key(run: u64) -> String {
    format!("{run:020}")
}

impl Store {
    /// Queues entries not yet seen in `run`; returns how many were new.
    pub fn enqueue(&self, run: u64, entries: Vec<FrontierEntry>) -> Result<usize> {
        self.commit(
            run,
            Commit {
                enqueue: entries,
                ..Commit::default()
            },
        )
    }

    /// Applies a [`Commit`] ([`Store::commit_prepared`]); returns the number of entries newly
    /// queued.
    pub fn commit(&self, run: u64, c: Commit) -> Result<usize> {
        Ok(self
            .commit_many(run, vec![c])?
            .first()
            .copied()
            .unwrap_or(0))
    }

    /// Applies several commits as one group ([`Store::commit_prepared`]); returns, per commit,
    /// the number of entries it newly queued.
    pub fn commit_many(&self, run: u64, commits: Vec<Commit>) -> Result<Vec<usize>> {
        let prepared = commits
            .into_iter()
            .map(|c| self.prepare(run, c))
            .collect::<Result<Vec<_>>>()?;
        self.commit_prepared(&prepared)
    }

    /// Encodes and compresses a commit of `run`: the CPU work, done by each crawl worker so the
    /// one writer mostly writes. Whether its snapshot is already stored is left to the writer's
    /// insert-if-absent: a new body almost never has a stored hash, and a lookup here cost the
    /// workers more than compressing the rare duplicate.
    pub fn prepare(&self, run: u64, c: Commit) -> Result<PreparedCommit> {
        Ok(PreparedCommit::new(run, c))
    }

    /// Applies prepared commits; returns, per commit, the number of entries it newly queued.
    ///
    /// Neither a sled transaction nor atomic batches: both make sled seal and write its I/O
    /// buffer per call, and the transaction also copies every write into a write set; together
    /// they cost the crawl a third of its time. Instead the writes go out in an order in which
    /// every prefix is a state a resumed run handles (sled recovers a prefix of its log after a
    /// crash):
    ///
    /// 1. snapshots, documents and their index queue, run events: keyed by content, document
    ///    id and (run, URL number), so a re-fetch after an interruption writes the same keys
    ///    again (a URL without a number gets one in `urls` first, and keeps it);
    /// 2. new frontier entries, then their `urls` entries marked queued in the run (the seen
    ///    set): a URL seen is always queued (an entry whose mark was lost can be queued twice,
    ///    and the second is dropped, below);
    /// 3. list extracts by URL (rewritten by the re-fetch), page faults, page schedules, then
    ///    page records, by URL number: a page record of the current run marks its URL done, and the crawl
    ///    drops a frontier entry of such a URL without a request;
    /// 4. removal of the completed frontier entries.
    ///
    /// The caller must be the only writer of these trees while a run is under way (the crawl's
    /// writer thread is).
    pub fn commit_prepared(&self, prepared: &[PreparedCommit]) -> Result<Vec<usize>> {
        let _gate = self.write_gate();
        let frontier = self.tree("frontier")?;
        let mut urls = GroupUrls {
            store: self,
            tree: self.tree(URLS)?,
            known: HashMap::new(),
            read: prepared
                .iter()
                .flat_map(|p| &p.read_urls)
                .map(|(u, e)| (u.as_str(), *e))
                .collect(),
            numbers: prepared
                .iter()
                .flat_map(|p| p.numbered.iter().chain(&p.numbers))
                .map(|(u, id)| (u.as_str(), *id))
                .collect(),
        };
        // Per commit: the URLs newly queued with the frontier key each gets.
        let mut queued: Vec<(&str, u64, [u8; 8], &[u8])> = Vec::new();
        let mut fresh: HashSet<&str> = HashSet::new();
        let mut skipped: Vec<(&str, u64, &[u8])> = Vec::new();
        let mut counts = Vec::with_capacity(prepared.len());
        for p in prepared {
            let mut n = 0;
            for (url, v) in &p.enqueue {
                if fresh.contains(url.as_str()) || urls.queued_in(url, p.run)? {
                    continue;
                }
                // Numbered here, at commit time and in commit order, so frontier keys become
                // visible in increasing order: the crawl loop reads after the last key it took.
                fresh.insert(url);
                queued.push((url, p.run, seq_key(self.next_id()?), v));
                n += 1;
            }
            // Not marked queued: the event marks it done, and finding it again (still not due)
            // writes the same event.
            for (url, v) in &p.skipped {
                if !fresh.contains(url.as_str()) && !urls.queued_in(url, p.run)? {
                    skipped.push((url, p.run, v));
                }
            }
            counts.push(n);
        }

        let snapshots = self.tree("snapshots")?;
        let documents = self.tree("documents")?;
        // Documents wait in `doc_unindexed` for the query index (`crate::search`):
        // their postings would multiply the cost of every URL's commit.
        let unindexed = self.tree(super::queue::UNINDEXED)?;
        let events = self.tree(EVENTS)?;
        // The group's large values go to the value log in one write, ahead of their references.
        let mut new_snapshots: Vec<(&str, &[u8])> = Vec::new();
        let snapshot_meta = self.tree(super::snapshot_meta::SNAPSHOT_META)?;
        for p in prepared {
            if let Some((h, z)) = &p.snapshot {
                // Never rewritten: the stored bytes are the proof a finding rests on.
                if !new_snapshots.iter().any(|(k, _)| k == h)
                    && !self.snapshot_stored(&snapshots, h)?
                {
                    new_snapshots.push((h, z));
                    // Before the snapshot's reference: meta without its snapshot is harmless,
                    // and the re-fetch after an interruption writes both again.
                    if let Some(m) = &p.snapshot_meta {
                        snapshot_meta.insert(h.as_bytes(), m.as_slice())?;
                    }
                }
            }
        }
        let docs = prepared.iter().flat_map(|p| &p.documents);
        let values: Vec<&[u8]> = new_snapshots
            .iter()
            .map(|(_, z)| *z)
            .chain(docs.clone().map(|(_, v)| v.as_slice()))
            .collect();
        let refs = self.put_values(&values)?;
        let keys = new_snapshots
            .iter()
            .map(|(h, _)| (&snapshots, h.as_bytes()))
            .chain(docs.map(|(id, _)| (&documents, id.as_bytes())));
        for ((tree, k), r) in keys.zip(&refs) {
            tree.insert(k, &r.encode()[..])?;
        }
        for (h, _) in &new_snapshots {
            self.snapshot_added(h);
        }
        // Keyed by hash: written again, with the same run, by a re-fetch after an interruption.
        let superseded = self.tree(super::compact::SUPERSEDED)?;
        for p in prepared {
            if let Some(h) = &p.superseded {
                superseded.insert(h.as_bytes(), &p.run.to_be_bytes())?;
            }
        }
        let queue = super::queue::unindexed_chunk(
            prepared
                .iter()
                .flat_map(|p| &p.documents)
                .map(|(id, _)| id.as_str()),
        );
        if !queue.is_empty() {
            unindexed.insert(super::queue::unindexed_chunk_key(self.next_id()?), queue)?;
        }
        // The group's events, a chunk per run and at most CHUNK_EVENTS each, in commit order:
        // a URL's later event replaces its earlier one.
        let mut group_events: Vec<(u64, u64, &[u8])> = Vec::new();
        for p in prepared {
            if let Some((url, v)) = &p.event {
                group_events.push((p.run, urls.id(url)?, v));
            }
        }
        for (url, run, v) in skipped {
            group_events.push((run, urls.id(url)?, v));
        }
        group_events.sort_by_key(|(run, _, _)| *run);
        for same_run in group_events.chunk_by(|a, b| a.0 == b.0) {
            for chunk in same_run.chunks(CHUNK_EVENTS) {
                let list: Vec<(u64, &[u8])> = chunk.iter().map(|(_, id, v)| (*id, *v)).collect();
                events.insert(
                    event_chunk_key(chunk[0].0, self.next_id()?),
                    event_chunk(&list),
                )?;
            }
        }
        self.crash_point("content")?;
        // Each entry carries its URL's number, which a new URL gets here: if the commit stops
        // before the `urls` entries below, the resumed run writes them from the frontier
        // ([`Store::number_frontier`]).
        let mut numbers = Vec::with_capacity(queued.len());
        for (url, _, seq, v) in &queued {
            let id = match urls.known_id(url) {
                Some(id) => id,
                None => match urls.get(url)? {
                    Some(e) => e.id,
                    None => self.next_id()?,
                },
            };
            numbers.push(id);
            frontier.insert(&seq[..], frontier_value(id, v))?;
        }
        self.crash_point("queued")?;
        for ((url, run, _, _), id) in queued.iter().zip(numbers) {
            urls.set(
                url,
                UrlEntry {
                    id,
                    queued_run: *run,
                },
            )?;
        }
        self.crash_point("seen")?;
        // After the numbering, so the items' links queued by this group have theirs.
        let list_extracts = self.tree(LIST_EXTRACTS)?;
        for p in prepared {
            if let Some((url, body, links)) = &p.list_extract {
                let ids: Vec<u64> = links
                    .iter()
                    .map(|l| l.as_deref().and_then(|l| urls.known_id(l)).unwrap_or(0))
                    .collect();
                list_extracts.insert(url.as_bytes(), encode_value(body, &ids))?;
            }
        }
        let records = self.tree(RECORDS)?;
        let schedules = self.tree(SCHEDULES)?;
        let faults = self.tree(FAULTS)?;
        for p in prepared {
            if let Some((url, v, schedule)) = &p.page {
                let id = id_key(urls.id(url)?);
                // Before the record: a fault without its record is written again (in the same
                // run, so not counted twice) when the URL is fetched again on resume.
                match &p.fault {
                    Some(Some(f)) => {
                        faults.insert(id, f.as_slice())?;
                    }
                    Some(None) => {
                        faults.remove(id)?;
                    }
                    None => {}
                }
                // The schedule first: one without its record is rewritten with it when the URL
                // is fetched again on resume.
                schedules.insert(id, schedule.as_slice())?;
                records.insert(id, v.as_slice())?;
            }
        }
        self.crash_point("pages")?;
        for p in prepared {
            if let Some(seq) = p.done {
                frontier.remove(seq_key(seq))?;
            }
        }
        Ok(counts)
    }

    /// Test hook for the write order above: with `GOVTRUST_CRASH_AFTER=STEP@N` in the
    /// environment, the N-th commit to finish STEP (`content`, `queued`, `seen`, `pages`) makes
    /// what it wrote durable and aborts the process, leaving exactly that prefix of the commit —
    /// the state a kill at the worst moment can leave. The resume tests start from each one.
    fn crash_point(&self, step: &str) -> Result<()> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static AT: std::sync::OnceLock<Option<(String, u64)>> = std::sync::OnceLock::new();
        static REACHED: AtomicU64 = AtomicU64::new(0);
        let at = AT.get_or_init(|| {
            let v = std::env::var("GOVTRUST_CRASH_AFTER").ok()?;
            let (s, n) = v.split_once('@')?;
            Some((s.to_string(), n.parse().ok()?))
        });
        if let Some((s, n)) = at {
            if s == step && REACHED.fetch_add(1, Ordering::SeqCst) + 1 == *n {
                self.flush()?;
                std::process::abort();
            }
        }
        Ok(())
    }

    /// Pending entries with a key above `after` (in queue order), at most `limit`.
    pub fn pending(&self, after: Option<u64>, limit: usize) -> Result<Vec<FrontierEntry>> {
        let t = self.tree("frontier")?;
        let iter = match after {
            Some(a) => t.range(seq_key(a.saturating_add(1))..),
            None => t.iter(),
        };
        let mut out = Vec::new();
        for kv in iter.take(limit) {
            let (k, v) = kv?;
            out.push(decode_entry(&k, &v)?);
        }
        Ok(out)
    }

    /// Gives every URL queued in the frontier the number its entry carries, where the `urls`
    /// entry is missing: a commit stopped between queuing entries and writing their `urls`
    /// entries ([`Store::commit_prepared`], step 2). Run before resuming `run`; returns how many
    /// were written.
    pub fn number_frontier(&self, run: u64) -> Result<usize> {
        let mut n = 0;
        for kv in self.tree("frontier")?.iter() {
            let (k, v) = kv?;
            let e = decode_entry(&k, &v)?;
            if e.id != 0 && self.url_entry(&e.url)?.is_none() {
                self.put_url_entry(
                    &e.url,
                    UrlEntry {
                        id: e.id,
                        queued_run: run,
                    },
                )?;
                n += 1;
            }
        }
        Ok(n)
    }

    pub fn frontier_len(&self) -> Result<usize> {
        Ok(self.tree("frontier")?.len())
    }

    /// Makes everything durable (after a batch of commits, on shutdown), the value log first
    /// ([`Store::flush`]); its fsync runs off the async workers.
    pub async fn flush_async(&self) -> Result<()> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.sync_values())
            .await
            .map_err(|e| StoreError::Aborted(format!("value log sync: {e}")))??;
        self.db.flush_async().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str) -> FrontierEntry {
        FrontierEntry {
            seq: 0,
            id: 0,
            url: url.into(),
            source: "s".into(),
            role: Role::Detail,
            list: None,
            page_no: 0,
            context: None,
        }
    }

    #[test]
    fn a_batch_queues_each_url_once_and_keys_rise_in_commit_order() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let first = s
            .commit_many(
                1,
                vec![
                    Commit {
                        enqueue: vec![entry("http://a/1"), entry("http://a/2")],
                        ..Commit::default()
                    },
                    // Found again by another page of the same batch: not queued twice.
                    Commit {
                        enqueue: vec![entry("http://a/2"), entry("http://a/3")],
                        ..Commit::default()
                    },
                ],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, vec![2, 1]);
        let pending = s.pending(None, 10).unwrap_or_else(|e| panic!("{e}"));
        let urls: Vec<&str> = pending.iter().map(|e| e.url.as_str()).collect();
        assert_eq!(urls, ["http://a/1", "http://a/2", "http://a/3"]);
        assert!(pending.windows(2).all(|w| w[0].seq < w[1].seq));

        // Completing an entry and queueing a new one: the new key follows every earlier one,
        // so a reader that continues after the last key it took misses nothing.
        let last = pending[2].seq;
        let n = s
            .commit(
                1,
                Commit {
                    done: Some(pending[0].seq),
                    enqueue: vec![entry("http://a/1"), entry("http://a/4")],
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1);
        let after = s.pending(Some(last), 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].url, "http://a/4");
        assert_eq!(s.frontier_len().unwrap_or_else(|e| panic!("{e}")), 3);
    }

    #[test]
    fn entries_carry_their_url_number_and_a_torn_commit_is_numbered_on_resume() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.enqueue(1, vec![entry("http://a/1"), entry("http://a/2")])
            .unwrap_or_else(|e| panic!("{e}"));
        let pending = s.pending(None, 10).unwrap_or_else(|e| panic!("{e}"));
        for e in &pending {
            let stored = s.url_entry(&e.url).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(stored.map(|u| u.id), Some(e.id), "{}", e.url);
        }
        assert_ne!(pending[0].id, pending[1].id);

        // A commit torn after queueing (the `urls` entry of a/2 never written), and an entry in
        // the shape stores before schema 4 kept (JSON alone: no number).
        let urls = s.tree(URLS).unwrap_or_else(|e| panic!("{e}"));
        urls.remove("http://a/2").unwrap_or_else(|e| panic!("{e}"));
        let frontier = s.tree("frontier").unwrap_or_else(|e| panic!("{e}"));
        frontier
            .insert(seq_key(u64::MAX >> 1), encode(&entry("http://a/3")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.number_frontier(1).unwrap_or_else(|e| panic!("{e}")), 1);
        let a2 = s
            .url_entry("http://a/2")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("numbered"));
        assert_eq!((a2.id, a2.queued_run), (pending[1].id, 1));
        let all = s.pending(None, 10).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 3);
        assert_eq!((all[2].url.as_str(), all[2].id), ("http://a/3", 0));
        assert!(s
            .url_entry("http://a/3")
            .unwrap_or_else(|e| panic!("{e}"))
            .is_none());

        // A damaged value is an error naming the tree, not a panic.
        frontier
            .insert(seq_key(u64::MAX >> 1), &[0u8, 1][..])
            .unwrap_or_else(|e| panic!("{e}"));
        match s.pending(None, 10) {
            Err(StoreError::Corrupt { tree, .. }) => assert_eq!(tree, "frontier"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_entry_read_before_the_writer_changed_it_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        {
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            let queue = |url: &str, read: Option<Option<UrlEntry>>| {
                s.commit(
                    1,
                    Commit {
                        enqueue: vec![entry(url)],
                        read_urls: read.map(|r| vec![(url.to_string(), r)]).unwrap_or_default(),
                        ..Commit::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{e}"))
            };
            assert_eq!(queue("http://a/1", Some(None)), 1);
            // A worker read "no entry" before the first commit: the URL is queued all the same.
            assert_eq!(queue("http://a/1", Some(None)), 0);
            assert_eq!(s.frontier_len().unwrap_or_else(|e| panic!("{e}")), 1);
            s.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        // A new handle: an entry read through it is current until it writes that URL.
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let stored = s.url_entry("http://a/1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.map(|e| e.queued_run), Some(1));
        let n = s
            .commit(
                2,
                Commit {
                    enqueue: vec![entry("http://a/1")],
                    read_urls: vec![("http://a/1".into(), stored)],
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1, "queued in run 1, not yet in run 2");
        let again = s.url_entry("http://a/1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            again.map(|e| e.id),
            stored.map(|e| e.id),
            "a URL keeps its number"
        );
        assert_eq!(again.map(|e| e.queued_run), Some(2));
    }

    #[test]
    fn a_stored_snapshot_is_never_rewritten() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let put = |s: &Store, hashes: &[&str], bytes: &[u8]| {
            let commits = hashes
                .iter()
                .map(|h| Commit {
                    snapshot: Some((h.to_string(), bytes.to_vec())),
                    ..Commit::default()
                })
                .collect();
            s.commit_many(1, commits).unwrap_or_else(|e| panic!("{e}"));
        };
        let get = |s: &Store, h: &str| s.snapshot(h).unwrap_or_else(|e| panic!("{e}"));
        {
            let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            put(&s, &["h1"], b"first");
            put(&s, &["h1"], b"second");
            // Twice in one group: the first wins there too.
            put(&s, &["h2", "h2"], b"third");
            put(&s, &["h2"], b"fourth");
            assert_eq!(get(&s, "h1"), Some(b"first".to_vec()));
            assert_eq!(get(&s, "h2"), Some(b"third".to_vec()));
            s.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        // A new handle looks its first hashes up, then reads the filter from the tree: hashes
        // stored before it and by it in either phase are kept; new ones are still stored.
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let n = super::super::snapshots::LOOKUPS_BEFORE_FILTER as usize + 200;
        let fresh: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
        let fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
        put(&s, &fresh, b"new");
        put(&s, &["h1", "h2", fresh[0], fresh[n - 1]], b"fifth");
        assert_eq!(get(&s, "h1"), Some(b"first".to_vec()));
        assert_eq!(get(&s, "h2"), Some(b"third".to_vec()));
        assert!(fresh.iter().all(|h| get(&s, h) == Some(b"new".to_vec())));
        assert_eq!(s.snapshot_count().unwrap_or_else(|e| panic!("{e}")), n + 2);
    }

    #[test]
    fn a_list_extraction_is_stored_with_its_items_numbers() {
        use crate::model::{ListItem, ListPage};
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.begin_run_here(1);
        assert_eq!(s.enqueue(1, vec![entry("http://a/2")]).ok(), Some(1));
        let item = |link: Option<&str>| ListItem {
            link: link.and_then(|l| url::Url::parse(l).ok()),
            title: None,
            date: None,
            fields: BTreeMap::new(),
            key: String::new(),
        };
        let extract = ListExtract {
            hash: "h".into(),
            fingerprint: "f".into(),
            final_url: "http://a/list".into(),
            page: ListPage {
                items: vec![
                    item(Some("http://a/1")),
                    item(Some("http://a/2")),
                    item(None),
                    item(Some("http://a/9")),
                ],
                ..ListPage::default()
            },
            ids: vec![5, 5, 5, 5],
        };
        // a/1 is new, a/2 was queued by an earlier commit of the run, a/9 is not queued.
        let n = s
            .commit(
                1,
                Commit {
                    list_extract: Some(("http://a/list".into(), extract)),
                    enqueue: vec![entry("http://a/1"), entry("http://a/2")],
                    ..Commit::default()
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 1, "a URL queued in a run begun here is queued once");
        let id = |u: &str| {
            s.url_entry(u)
                .unwrap_or_else(|e| panic!("{e}"))
                .map_or(0, |e| e.id)
        };
        let stored = s
            .list_extract("http://a/list")
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("stored"));
        assert_eq!(stored.ids, vec![id("http://a/1"), id("http://a/2"), 0, 0]);
        assert!(stored.ids[0] != 0 && stored.ids[1] != 0 && stored.ids[0] != stored.ids[1]);

        // A number the worker knew keys the event of a URL it did not queue: the writer neither
        // looks the URL up nor numbers it again.
        let event = |url: &str| super::super::runs::RunEvent {
            url: url.into(),
            host: "a".into(),
            source: "s".into(),
            role: Role::Detail,
            status: "not_due".into(),
            change: super::super::runs::Change::NotDue,
            bytes: 0,
            requests: 0,
            retries: 0,
            documents: 0,
            at: chrono::Utc::now(),
            capped_at: None,
        };
        s.commit(
            1,
            Commit {
                skipped: vec![event("http://a/7"), event("http://a/1")],
                numbers: vec![("http://a/7".into(), 4242)],
                ..Commit::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(id("http://a/7"), 0, "not numbered again");
        let events: Vec<String> = s
            .run_events(1)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|e| e.url)
            .collect();
        assert_eq!(
            events,
            ["http://a/7"],
            "a/1 is queued in the run: its fetch records it"
        );
    }
}
