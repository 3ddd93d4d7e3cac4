//! The crawl frontier and seen-set in sled (not RAM), and the one atomic commit that completes a
//! frontier entry: the entry leaves the frontier in the same transaction that stores its page,
//! snapshot, documents, run event and newly discovered entries. A process killed at any moment
//! therefore leaves the entry either pending (it is fetched again on resume) or fully done —
//! never half-stored, and never stored twice (every key is deterministic).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;

use super::pages::{PageRecord, Role};
use super::runs::RunEvent;
use super::snapshots::compress;
use super::{decode, encode, key, prefix, Result, Store, StoreError};
use crate::extract::Document;

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

/// Everything that completes one frontier entry; written in one transaction.
#[derive(Debug, Default)]
pub struct Commit {
    /// Frontier entry completed (removed).
    pub done: Option<u64>,
    pub page: Option<PageRecord>,
    /// Raw bytes by content hash; stored only if the hash is new.
    pub snapshot: Option<(String, Vec<u8>)>,
    pub documents: Vec<Document>,
    pub event: Option<RunEvent>,
    /// Discovered entries; each is queued only if its URL was not yet seen in this run.
    pub enqueue: Vec<FrontierEntry>,
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

    /// Applies a [`Commit`] atomically; returns the number of entries newly queued.
    pub fn commit(&self, run: u64, mut c: Commit) -> Result<usize> {
        let frontier = self.tree("frontier")?;
        let seen = self.tree("seen")?;
        let pages = self.tree("pages")?;
        let snapshots = self.tree("snapshots")?;
        let documents = self.tree("documents")?;
        let events = self.tree("events")?;
        // Documents wait in `doc_unindexed` for the query index ([`Store::index_pending`]):
        // their postings would multiply the cost of every URL's transaction.
        let unindexed = self.tree(super::index::UNINDEXED)?;
        for e in &mut c.enqueue {
            e.seq = self.next_id()?;
        }
        let snap = c
            .snapshot
            .as_ref()
            .map(|(h, raw)| (h.clone(), compress(raw)));
        let rk = run_key(run);
        let page = c.page.as_ref().map(|p| (p.url.clone(), encode(p)));
        let docs: Vec<(String, Vec<u8>)> = c
            .documents
            .iter()
            .map(|d| (d.id.clone(), encode(d)))
            .collect();
        let event = c
            .event
            .as_ref()
            .map(|e| (key(&[rk.as_str(), e.url.as_str()]), encode(e)));
        let queued: Vec<(Vec<u8>, [u8; 8], Vec<u8>)> = c
            .enqueue
            .iter()
            .map(|e| {
                (
                    key(&[rk.as_str(), e.url.as_str()]),
                    seq_key(e.seq),
                    encode(e),
                )
            })
            .collect();
        let r: std::result::Result<usize, TransactionError<StoreError>> = (
            &frontier, &seen, &pages, &snapshots, &documents, &events, &unindexed,
        )
            .transaction(|(fr, se, pa, sn, dc, ev, ux)| {
                if let Some(seq) = c.done {
                    fr.remove(&seq_key(seq))?;
                }
                if let Some((url, v)) = &page {
                    pa.insert(url.as_bytes(), v.as_slice())?;
                }
                if let Some((h, z)) = &snap {
                    if sn.get(h.as_bytes())?.is_none() {
                        sn.insert(h.as_bytes(), z.as_slice())?;
                    }
                }
                for (id, v) in &docs {
                    dc.insert(id.as_bytes(), v.as_slice())?;
                    ux.insert(id.as_bytes(), &[])?;
                }
                if let Some((k, v)) = &event {
                    ev.insert(k.as_slice(), v.as_slice())?;
                }
                let mut n = 0;
                for (sk, seq, v) in &queued {
                    if se.get(sk.as_slice())?.is_none() {
                        se.insert(sk.as_slice(), &seq[..])?;
                        fr.insert(&seq[..], v.as_slice())?;
                        n += 1;
                    }
                }
                Ok::<usize, ConflictableTransactionError<StoreError>>(n)
            });
        match r {
            Ok(n) => Ok(n),
            Err(TransactionError::Abort(e)) => Err(e),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
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
            let (_, v) = kv?;
            out.push(decode("frontier", &v)?);
        }
        Ok(out)
    }

    pub fn frontier_len(&self) -> Result<usize> {
        Ok(self.tree("frontier")?.len())
    }

    /// Was `url` already queued in `run`?
    pub fn seen(&self, run: u64, url: &str) -> Result<bool> {
        Ok(self
            .tree("seen")?
            .contains_key(key(&[run_key(run).as_str(), url]))?)
    }

    /// Drops the seen-set of a finished run (the next run starts afresh).
    pub fn clear_seen(&self, run: u64) -> Result<()> {
        // In chunks: one batch of a 200,000-page run's keys is held whole in memory by sled. The
        // run is complete (nothing left to discover), so a crash between chunks leaves only
        // stale keys that the next clear removes.
        const CHUNK: usize = 10_000;
        let t = self.tree("seen")?;
        loop {
            let keys: Vec<sled::IVec> = t
                .scan_prefix(prefix(&[run_key(run).as_str()]))
                .keys()
                .take(CHUNK)
                .collect::<std::result::Result<_, _>>()?;
            if keys.is_empty() {
                return Ok(());
            }
            let mut batch = sled::Batch::default();
            for k in keys {
                batch.remove(k);
            }
            t.apply_batch(batch)?;
        }
    }

    /// Makes everything durable (after a batch of commits, on shutdown).
    pub async fn flush_async(&self) -> Result<()> {
        self.db.flush_async().await?;
        Ok(())
    }
}
