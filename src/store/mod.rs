//! The sled store: the only module that knows the store is sled.
//!
//! One database per deployment (`--store DIR`). Records live in trees by type; keys are built
//! with [`key`] from parts joined by a NUL byte so they sort the way queries read them (period,
//! unit, item, field, …). Values are JSON of typed records — except snapshot bytes and documents,
//! kept in the value log beside sled and referenced from their trees ([`values`]), and the
//! records written for every URL every night (page records, schedules, run events, list
//! extracts), postcard through [`typed::Codec::Postcard`] — and the `meta` tree carries the schema version,
//! checked on open. Writes that belong together go through one sled transaction or
//! batch and are flushed, so a killed process leaves the store as before or after, never between —
//! except the crawl's per-URL commits, which are written in an order whose every prefix a resumed
//! run completes ([`Store::commit_prepared`]): sled writes its I/O buffer per transaction.
//! Sub-modules add typed access for one record family each.
//!
//! The store is the bottom floor: it imports nothing from the stages above it
//! (`tests/layering.rs`). The record types it shares with them are defined in [`crate::model`];
//! a stage's own records (health, digests, alert deliveries) are kept through [`typed`] trees
//! by code in that stage, and `store verify` / `store compact` read them through the
//! [`typed::Records`] registry the caller builds.

pub mod backup;
mod bin;
#[cfg(test)]
mod codec_props;
pub mod compact;
pub mod documents;
pub mod evidence;
pub mod facts;
pub mod faults;
mod filter;
pub mod frontier;
mod gate;
pub mod holder;
pub mod list_extracts;
mod migrate;
mod page_codec;
pub mod pages;
pub mod queue;
pub mod runs;
pub mod snapshot_meta;
pub mod snapshots;
pub mod typed;
pub mod urls;
pub mod values;
pub mod verify;

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Bumped whenever a stored record's shape changes incompatibly.
/// 2: snapshot bytes and documents moved to the value log ([`values`]).
/// 3: page records, schedules, run events and the seen set keyed by URL number (`urls`).
/// 4: frontier entries carry their URL's number; the index queue and the run events hold an
/// entry per commit group; page records are compact binary. Older shapes are still read, so a
/// version-3 store needs no change.
/// 5: list extracts are compact binary and carry the URL numbers of their items' links; JSON
/// extracts are still read, so a version-4 store needs no change, while a govtrust of version 4
/// — which would fail to read the new extracts — refuses the store.
/// 6: the full-text search index (issue #23): documents are searched through a tantivy index
/// beside sled (`STORE/search/`, `crate::search`), fed from the `doc_unindexed` queue, and the
/// sled posting-list trees of version 5 (`doc_by_date`, `doc_by_unit`, `doc_by_source`,
/// `doc_by_kind`, `doc_terms`, `doc_indexed`) are dropped on open. A govtrust of version 5
/// would drain that queue into its own sled index trees, leaving the new index silently behind,
/// so it refuses the store. Nothing else changed: a version-5 store opens as it is, and the
/// search index is built from its documents on first use.
/// 7: page records, page schedules, run events and list extracts are written by the store's
/// postcard codec ([`typed::Codec::Postcard`], first byte [`typed::POSTCARD_V1`]) instead of
/// their hand-written binary forms, which `benches/codec.rs` found no faster on the crawl
/// (docs/crawl.md, "Record codecs"). The older forms are still read, so a version-6 (or 5)
/// store opens as it is, while a govtrust of version 6 — which would fail to read the new
/// records — refuses the store.
pub const SCHEMA_VERSION: u32 = 7;

/// Versions this govtrust reads: a version-1 store (values inline) is read as it is, since new
/// values go to the log and old ones are told apart; versions 1 and 2 are renumbered by URL on
/// open (`migrate`).
const READABLE_SCHEMAS: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];

/// sled's in-memory page cache. sled counts a node by its serialized size, and a node of many
/// small entries takes two to three times that in memory: with the large values in the value
/// log, 64 MB of cache cost a 200,000-page crawl over 300 MB of RSS. Since the page trees are
/// written in URL-number order the crawl reads few evicted nodes back. Since the index queue
/// is written by group (schema 4) a 200,000-page crawl peaks at 245 MB with 40 MB of cache and
/// 259 MB with 52 MB, which was 4–5 % faster in alternating runs (the trees still written at
/// random — `urls`, `snapshots`, `documents` — fit it better).
const STORE_CACHE_BYTES: u64 = 52 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open store at {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: sled::Error,
    },
    /// Another process holds the store's lock (its pid from the pid file, when it is alive).
    #[error("{}", holder::held_message(path, *pid))]
    Held { path: PathBuf, pid: Option<u32> },
    #[error("store at {} has schema version {found}, this govtrust needs {expected}", path.display())]
    Schema {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record in tree {tree}: {source}")]
    Decode {
        tree: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{tree} {key}: {source}")]
    Value {
        tree: String,
        key: String,
        #[source]
        source: values::ValueError,
    },
    #[error(transparent)]
    ValueLog(#[from] values::ValueError),
    /// A record of a typed tree ([`typed`]) that does not decode.
    #[error("{tree} {key}: {why}")]
    Record {
        tree: String,
        key: String,
        why: String,
    },
    #[error("corrupt record in tree {tree} under {key}")]
    Corrupt { tree: String, key: String },
    #[error("transaction aborted: {0}")]
    Aborted(String),
    #[error("备份到 {}：{why}", dir.display())]
    Backup { dir: PathBuf, why: String },
    #[error("压缩存储：{0}")]
    Compact(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    /// A stored value that does not decode (a damaged record or value-log entry), as opposed to
    /// the store failing to read at all.
    pub fn is_undecodable(&self) -> bool {
        matches!(
            self,
            StoreError::Decode { .. }
                | StoreError::Record { .. }
                | StoreError::Corrupt { .. }
                | StoreError::Value { .. }
        )
    }
}

/// A value a read met that did not decode, and skipped ([`Store::skipped`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub tree: String,
    pub key: String,
    pub error: String,
}

/// Skipped values a handle remembers (all are counted and logged).
const SKIPPED_KEPT: usize = 100;

#[derive(Default)]
struct SkipLog {
    count: u64,
    kept: Vec<Skipped>,
}

/// An open store.
#[derive(Clone)]
pub struct Store {
    /// First, so the pid file goes before sled's lock does.
    _pid_file: std::sync::Arc<holder::PidFile>,
    db: sled::Db,
    path: PathBuf,
    values: std::sync::Arc<values::ValueLog>,
    /// URLs whose `urls` entry this handle (and its clones) wrote since it was opened. The
    /// crawl's workers read a URL's entry to decide whether it is due; the writer then needs the
    /// same entry to tell whether the URL is already queued in the run and which number it has.
    /// When this says the entry was not written since, the worker's copy is the stored one and
    /// the writer skips its own read: a random read of the largest tree a quiet night touches.
    written_urls: std::sync::Arc<filter::KeyFilter>,
    /// The run this handle began (0: none; [`Store::begin_run_here`]).
    run_begun_here: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// What this handle knows of the stored snapshots' hashes ([`Store::snapshot_stored`]).
    stored_snapshots: std::sync::Arc<snapshots::StoredSnapshots>,
    /// Held by writes that span trees, paused by a backup ([`gate`]).
    gate: std::sync::Arc<gate::WriteGate>,
    /// Values that did not decode, skipped by the reads that met them.
    skipped: std::sync::Arc<std::sync::Mutex<SkipLog>>,
    /// What a layer above attached to this open store ([`Store::attached`]).
    attached: std::sync::Arc<std::sync::Mutex<Vec<Attached>>>,
}

type Attached = std::sync::Arc<dyn std::any::Any + Send + Sync>;

impl Store {
    /// Opens (creating if needed) the store in `dir` and checks its schema version.
    pub fn open(dir: &Path) -> Result<Store> {
        let db = open_with_retry(dir).map_err(|source| {
            if holder::is_lock_error(&source) {
                StoreError::Held {
                    path: dir.to_path_buf(),
                    pid: holder::holder(dir),
                }
            } else {
                StoreError::Open {
                    path: dir.to_path_buf(),
                    source,
                }
            }
        })?;
        let pid_file = std::sync::Arc::new(holder::PidFile::write(dir));
        let file = match db.open_tree("meta")?.get(values::FILE_KEY)? {
            Some(name) => dir.join(String::from_utf8_lossy(&name).as_ref()),
            None => dir.join(values::FILE),
        };
        let values = values::ValueLog::open_file(&file)?;
        let store = Store {
            _pid_file: pid_file,
            db,
            path: dir.to_path_buf(),
            values: std::sync::Arc::new(values),
            gate: Default::default(),
            skipped: Default::default(),
            written_urls: Default::default(),
            run_begun_here: Default::default(),
            stored_snapshots: Default::default(),
            attached: Default::default(),
        };
        let meta = store.tree("meta")?;
        match meta.get("schema_version")? {
            Some(v) => {
                let found = std::str::from_utf8(&v)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                if !READABLE_SCHEMAS.contains(&found) {
                    return Err(StoreError::Schema {
                        path: dir.to_path_buf(),
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
                if found != SCHEMA_VERSION {
                    let moved = if found < 3 {
                        migrate::number_urls(&store)?
                    } else {
                        0
                    };
                    tracing::info!(
                        from = found,
                        to = SCHEMA_VERSION,
                        pages = moved,
                        "store upgraded"
                    );
                    meta.insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
                    store.flush()?;
                }
                migrate::drop_old_trees(&store)?;
            }
            None => {
                meta.insert("schema_version", SCHEMA_VERSION.to_string().as_bytes())?;
                store.flush()?;
            }
        }
        store.recover_values()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn tree(&self, name: &str) -> Result<sled::Tree> {
        Ok(self.db.open_tree(name)?)
    }

    /// Makes everything written so far durable: the value log first, so that sled's
    /// references never get ahead of the bytes they point at.
    pub fn flush(&self) -> Result<()> {
        self.sync_values()?;
        self.db.flush()?;
        Ok(())
    }

    /// A read's result with a value that does not decode turned into `None`: the value is
    /// logged and remembered ([`Store::skipped`]), so one damaged record does not fail a whole
    /// report or query. Other errors are returned.
    pub(crate) fn skip_bad<T>(&self, tree: &str, key: &[u8], r: Result<T>) -> Result<Option<T>> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_undecodable() => {
                let key = String::from_utf8_lossy(key).replace('\0', "/");
                tracing::warn!(tree, key = %key, error = %e, "value does not decode; skipped");
                let mut log = self.skipped.lock().unwrap_or_else(|p| p.into_inner());
                log.count += 1;
                if log.kept.len() < SKIPPED_KEPT {
                    log.kept.push(Skipped {
                        tree: tree.to_string(),
                        key,
                        error: e.to_string(),
                    });
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// How many values this handle's reads skipped because they did not decode, and the first
    /// of them.
    pub fn skipped(&self) -> (u64, Vec<Skipped>) {
        let log = self.skipped.lock().unwrap_or_else(|p| p.into_inner());
        (log.count, log.kept.clone())
    }

    /// Starts a write that spans trees: a backup taken meanwhile waits for it to end.
    pub(crate) fn write_gate(&self) -> gate::Entered<'_> {
        self.gate.enter()
    }

    /// The `T` attached to this open store, made by `init` on first use: one per store handle
    /// and its clones, dropped with the last of them. The search index (`crate::search`) lives
    /// here, so a process that opened the store has one index writer, whoever asks for it,
    /// without the store knowing what it is. Callers wait while another's `init` runs.
    pub fn attached<T: std::any::Any + Send + Sync, E>(
        &self,
        init: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<std::sync::Arc<T>, E> {
        let mut slot = self.attached.lock().unwrap_or_else(|p| p.into_inner());
        for a in slot.iter() {
            if let Ok(t) = a.clone().downcast::<T>() {
                return Ok(t);
            }
        }
        let t = std::sync::Arc::new(init()?);
        slot.push(t.clone());
        Ok(t)
    }

    /// A monotonically increasing id, unique within this store.
    pub fn next_id(&self) -> Result<u64> {
        Ok(self.db.generate_id()?)
    }
}

/// Opens the database, waiting briefly while another handle's lock is being released: sled keeps
/// its lock file for a few milliseconds after the last handle drops, so a command that follows
/// another (or a test driving the binary) would otherwise fail spuriously.
fn open_with_retry(dir: &Path) -> std::result::Result<sled::Db, sled::Error> {
    let mut attempt = 0;
    loop {
        // sled's page cache defaults to 1 GiB; a bounded cache keeps a million-page store
        // within the crawler's memory budget (the OS page cache does the rest).
        match sled::Config::new()
            .path(dir)
            .cache_capacity(STORE_CACHE_BYTES)
            .open()
        {
            Err(sled::Error::Io(e)) if attempt < 40 && e.to_string().contains("lock") => {
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

/// Builds a key from parts joined by NUL, so `("a", "b")` sorts before `("ab", …)`.
pub fn key<S: AsRef<str>>(parts: &[S]) -> Vec<u8> {
    let mut k = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push(0);
        }
        k.extend_from_slice(p.as_ref().as_bytes());
    }
    k
}

/// The prefix under which every key starting with `parts` lies (with a trailing separator).
pub fn prefix<S: AsRef<str>>(parts: &[S]) -> Vec<u8> {
    let mut k = key(parts);
    k.push(0);
    k
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("serialising a store record cannot fail")
}

pub(crate) fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Decode {
        tree: tree.to_string(),
        source,
    })
}

/// The codecs of the records a crawl writes for nearly every URL every night — the postcard
/// forms of schema 7 and the hand-written forms of schemas 4–6 they replaced, which are still
/// read — exposed for `benches/codec.rs`; not an API.
#[doc(hidden)]
pub mod codecs {
    use super::list_extracts::{encode_body, encode_legacy_body, encode_value, ListExtract};
    use super::pages::{PageRecord, PageSchedule};
    use super::runs::RunEvent;
    use super::Result;

    pub fn encode_page_record(p: &PageRecord) -> Vec<u8> {
        super::page_codec::encode_record(p)
    }

    pub fn encode_page_record_v6(p: &PageRecord) -> Vec<u8> {
        super::page_codec::encode_legacy(p)
    }

    pub fn decode_page_record(v: &[u8]) -> Result<PageRecord> {
        super::page_codec::decode_record(0, v)
    }

    pub fn encode_schedule_v6(s: &PageSchedule) -> Vec<u8> {
        s.encode_legacy()
    }

    pub fn encode_run_event(e: &RunEvent) -> Vec<u8> {
        super::runs::encode_event(e)
    }

    pub fn encode_run_event_v6(e: &RunEvent) -> Vec<u8> {
        super::runs::encode_legacy_event(e)
    }

    pub fn decode_run_event(v: &[u8]) -> Result<RunEvent> {
        super::runs::decode_event(b"", v)
    }

    /// An extraction with its items' URL numbers, as the commit stores it.
    pub fn encode_list_extract(x: &ListExtract, ids: &[u64]) -> Vec<u8> {
        encode_value(&encode_body(x), ids)
    }

    pub fn encode_list_extract_v6(x: &ListExtract, ids: &[u64]) -> Vec<u8> {
        encode_value(&encode_legacy_body(x), ids)
    }

    pub fn decode_list_extract(v: &[u8]) -> Result<ListExtract> {
        super::list_extracts::decode_value("", v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_parts() {
        assert!(key(&["a", "b"]) < key(&["ab", ""]));
        assert!(key(&["2023", "u1", "T1"]).starts_with(&prefix(&["2023", "u1"])));
    }

    /// A store in `dir` whose recorded schema version is `version`.
    fn store_marked(dir: &Path, version: &str) {
        let s = Store::open(dir).unwrap();
        s.tree("meta")
            .unwrap()
            .insert("schema_version", version)
            .unwrap();
        s.flush().unwrap();
    }

    #[test]
    fn schema_version_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        store_marked(dir.path(), "999");
        match Store::open(dir.path()) {
            Err(StoreError::Schema { found: 999, .. }) => {}
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("opened a store of another schema"),
        }
    }

    #[test]
    fn a_version_4_5_or_6_store_opens_as_it_is_and_is_marked_current() {
        for old in ["4", "5", "6"] {
            let dir = tempfile::tempdir().unwrap();
            store_marked(dir.path(), old);
            let s = Store::open(dir.path()).unwrap();
            let v = s.tree("meta").unwrap().get("schema_version").unwrap();
            assert_eq!(v.as_deref(), Some(SCHEMA_VERSION.to_string().as_bytes()));
        }
    }
}
