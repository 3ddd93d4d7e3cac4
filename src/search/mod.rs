//! Full-text search over the store's documents: a tantivy index in `STORE/search/`, beside
//! sled. This module owns tantivy; it reads documents through the store's API and never sees
//! sled. `crate::query` asks it which documents match, newest first, and for highlighted
//! snippets.
//!
//! - **Fields.** `id` (the document id: the term a document is replaced by), `unit`, `source`,
//!   `kind` (exact terms), `date` (`YYYYMMDD` as a number, 0 for none: range filters and the
//!   order), `key0`…`key3` and `keylen` (the id's bytes as numbers, so the order's tie-break
//!   needs no stored field), and `text`: title and body through the CJK tokenizer
//!   ([`tokenizer`]) with positions, not stored (snippets are cut from the document the store
//!   returns).
//! - **Order.** Newest first, then by id descending — the order `crate::query` promises — by a
//!   collector over the fast fields (scores are not computed).
//! - **In step with the store.** The crawl commit and [`Store::put_documents`] queue document
//!   ids in `doc_unindexed`; [`Search::index_pending`] reads the queue, replaces each document
//!   by its `id` term, commits, and only then removes the entries it indexed: a crash leaves ids
//!   queued, and indexing them again replaces them. `crate::query::run` calls it first, so a
//!   query sees every document written before it; the pipeline calls it after the crawl.
//! - **Rebuildable.** [`Search::rebuild`] (`query --reindex`) indexes every stored document
//!   again. An index directory that is missing, does not open, has other fields, or was written
//!   under another [`SEARCH_SCHEMA`] (or never finished its first build) is rebuilt when the
//!   store's search is first opened, with a log line saying why; a store's backup therefore
//!   needs no copy of it.
//! - **One writer per process.** The [`Search`] lives attached to the open store
//!   ([`Store::attached`]), so every caller in a process (the crawl of `serve --schedule` and the
//!   pages it serves) shares one writer, taken lazily, and one reader, reloaded after each commit.

pub mod tokenizer;

use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;
use tantivy::collector::TopDocs;
use tantivy::query::{
    AllQuery, BooleanQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, SegmentReader,
    TantivyDocument, Term,
};

use crate::model::{Document, DocumentKind};
use crate::store::{Store, StoreError};
use tokenizer::{parts, Part};

/// The index directory inside the store.
pub const DIR: &str = "search";

/// Bumped when the fields or the analysis change: an index written under another version is
/// rebuilt on open.
pub const SEARCH_SCHEMA: u32 = 1;

/// The writer's memory budget (tantivy writes a segment when it is used up).
pub const WRITER_HEAP: usize = 64 << 20;

/// Ids read from the store per batch while indexing the queue.
const BATCH: usize = 512;

/// Documents indexed between two commits while draining a long queue: each commit writes a
/// segment and syncs, and the queue entries it covers are removed after it.
const COMMIT_EVERY: usize = 50_000;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("search index at {}: {source}", path.display())]
    Index {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("search index at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A test's simulated crash ([`Stop`]).
    #[error("search index at {}: stopped {at}", path.display())]
    Stopped { path: PathBuf, at: &'static str },
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// The document kind as the index and the JSON spell it.
pub fn kind_key(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Article => "article",
        DocumentKind::Record => "record",
    }
}

/// A publication date as the `date` field holds it (`YYYYMMDD`, 0 for none).
fn date_num(d: Option<NaiveDate>) -> u64 {
    d.map_or(0, |d| d.format("%Y%m%d").to_string().parse().unwrap_or(0))
}

/// The id's first 32 bytes as four big-endian numbers, and its length: ordered as the ids are
/// (ids hold no NUL byte, so zero padding sorts a prefix first).
fn id_key(id: &str) -> ([u64; 4], u64) {
    let mut b = [0u8; 32];
    let n = id.len().min(32);
    b[..n].copy_from_slice(&id.as_bytes()[..n]);
    let mut k = [0u64; 4];
    for (i, w) in k.iter_mut().enumerate() {
        let mut x = [0u8; 8];
        x.copy_from_slice(&b[i * 8..i * 8 + 8]);
        *w = u64::from_be_bytes(x);
    }
    (k, id.len() as u64)
}

/// The id an [`id_key`] holds, when the id fits in it.
fn id_of_key(k: &[u64; 4], len: u64) -> Option<String> {
    if len > 32 {
        return None;
    }
    let mut b: Vec<u8> = k.iter().flat_map(|w| w.to_be_bytes()).collect();
    b.truncate(len as usize);
    String::from_utf8(b).ok()
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    unit: Field,
    source: Field,
    kind: Field,
    date: Field,
    key: [Field; 4],
    keylen: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions)
            .set_fieldnorms(false),
    );
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        unit: b.add_text_field("unit", STRING),
        source: b.add_text_field("source", STRING),
        kind: b.add_text_field("kind", STRING),
        date: b.add_u64_field("date", INDEXED | FAST),
        key: [
            b.add_u64_field("key0", FAST),
            b.add_u64_field("key1", FAST),
            b.add_u64_field("key2", FAST),
            b.add_u64_field("key3", FAST),
        ],
        keylen: b.add_u64_field("keylen", FAST),
        text: b.add_text_field("text", text),
    };
    (b.build(), f)
}

/// The commit payload: the search schema this index was written under (its absence: a first
/// build that did not finish).
fn payload() -> String {
    format!("{{\"search_schema\":{SEARCH_SCHEMA}}}")
}

fn payload_schema(p: &str) -> Option<u32> {
    let v: serde_json::Value = serde_json::from_str(p).ok()?;
    v.get("search_schema")?.as_u64().map(|n| n as u32)
}

/// Where a test stops indexing, as a crash would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Never,
    /// Documents added to the writer, not committed.
    BeforeCommit,
    /// Committed, queue entries not yet removed.
    BeforeDequeue,
}

/// What a document query asks of the index; every filter given must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub unit: Option<String>,
    /// Only documents of these units.
    pub units_in: Option<BTreeSet<String>>,
    pub source: Option<String>,
    pub kind: Option<DocumentKind>,
    /// Inclusive bounds on the publication date; either one leaves undated documents out.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Phrases (lower-cased, no whitespace): each must occur in the title or body.
    pub phrases: Vec<String>,
}

/// A snippet of a document's text around its matches.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Highlight {
    /// The fragment of the text.
    pub text: String,
    /// Matched ranges in `text`, as `[start, end)` character offsets, ascending, not
    /// overlapping.
    pub marks: Vec<(usize, usize)>,
}

impl Highlight {
    /// The fragment as pieces, each flagged when it is a match (for renderers that escape).
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let idx: Vec<usize> = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(self.text.len()))
            .collect();
        let at = |c: usize| idx[c.min(idx.len() - 1)];
        let mut out = Vec::new();
        let mut pos = 0;
        for &(s, e) in &self.marks {
            if s > pos {
                out.push((&self.text[at(pos)..at(s)], false));
            }
            out.push((&self.text[at(s)..at(e)], true));
            pos = e;
        }
        if at(pos) < self.text.len() {
            out.push((&self.text[at(pos)..], false));
        }
        out
    }
}

/// Cuts snippets for the rows of one query.
pub struct Highlighter {
    generator: SnippetGenerator,
}

impl Highlighter {
    /// The best fragment of `text` with the query's terms marked; `None` when none occurs.
    pub fn highlight(&self, text: &str) -> Option<Highlight> {
        let s = self.generator.snippet(text);
        if s.is_empty() || s.highlighted().is_empty() {
            return None;
        }
        let frag = s.fragment();
        let mut ranges: Vec<std::ops::Range<usize>> = s.highlighted().to_vec();
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
        for r in ranges {
            match merged.last_mut() {
                Some(m) if r.start <= m.end => m.end = m.end.max(r.end),
                _ => merged.push(r),
            }
        }
        let chars = |byte: usize| frag[..byte.min(frag.len())].chars().count();
        Some(Highlight {
            text: frag.to_string(),
            marks: merged
                .into_iter()
                .filter(|r| frag.is_char_boundary(r.start) && frag.is_char_boundary(r.end))
                .map(|r| (chars(r.start), chars(r.end)))
                .collect(),
        })
    }
}

/// The search index of one open store.
pub struct Search {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
    heap: usize,
    /// Taken on the first write; the lock also orders indexing callers.
    writer: Mutex<Option<IndexWriter>>,
}

impl Search {
    /// The store's search index, opened (and built or rebuilt when needed) on first use.
    pub fn of(store: &Store) -> Result<Arc<Search>> {
        Self::of_with_heap(store, WRITER_HEAP)
    }

    /// [`Search::of`] with another writer memory budget (bulk loads such as the benchmark's),
    /// taking effect when this call opens the index.
    pub fn of_with_heap(store: &Store, heap: usize) -> Result<Arc<Search>> {
        store.attached(|| Search::open(store, heap))
    }

    fn err(&self, source: tantivy::TantivyError) -> SearchError {
        SearchError::Index {
            path: self.path.clone(),
            source,
        }
    }

    fn open(store: &Store, heap: usize) -> Result<Search> {
        let path = store.path().join(DIR);
        let (schema, fields) = schema();
        let (index, rebuild_why) = match open_existing(&path, &schema) {
            Ok(index) => (index, None),
            Err(why) => {
                if path.exists() {
                    std::fs::remove_dir_all(&path).map_err(|source| SearchError::Io {
                        path: path.clone(),
                        source,
                    })?;
                }
                std::fs::create_dir_all(&path).map_err(|source| SearchError::Io {
                    path: path.clone(),
                    source,
                })?;
                let index = Index::create_in_dir(&path, schema.clone()).map_err(|source| {
                    SearchError::Index {
                        path: path.clone(),
                        source,
                    }
                })?;
                (index, Some(why))
            }
        };
        index
            .tokenizers()
            .register(tokenizer::NAME, TextAnalyzer::from(tokenizer::CjkTokenizer));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|source| SearchError::Index {
                path: path.clone(),
                source,
            })?;
        let search = Search {
            path,
            index,
            reader,
            fields,
            heap,
            writer: Mutex::new(None),
        };
        if let Some(why) = rebuild_why {
            tracing::info!(path = %search.path.display(), why = %why, "search index rebuilt from the store");
            search.rebuild(store)?;
        }
        Ok(search)
    }

    fn writer(&self) -> Result<MutexGuard<'_, Option<IndexWriter>>> {
        let mut w = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if w.is_none() {
            let threads = if self.heap > WRITER_HEAP { 2 } else { 1 };
            *w = Some(
                self.index
                    .writer_with_num_threads(threads, self.heap)
                    .map_err(|e| self.err(e))?,
            );
        }
        Ok(w)
    }

    fn add(&self, w: &IndexWriter, d: &Document) -> Result<()> {
        let f = &self.fields;
        w.delete_term(Term::from_field_text(f.id, &d.id));
        let mut doc = TantivyDocument::new();
        doc.add_text(f.id, &d.id);
        if let Some(u) = &d.unit {
            doc.add_text(f.unit, u);
        }
        doc.add_text(f.source, &d.source);
        doc.add_text(f.kind, kind_key(d.kind));
        doc.add_u64(f.date, date_num(d.published));
        let (key, len) = id_key(&d.id);
        for (field, k) in f.key.iter().zip(key) {
            doc.add_u64(*field, k);
        }
        doc.add_u64(f.keylen, len);
        let mut text = d.title.clone().unwrap_or_default();
        text.push('\n');
        text.push_str(&d.body);
        doc.add_text(f.text, &text);
        w.add_document(doc).map_err(|e| self.err(e))?;
        Ok(())
    }

    fn commit(&self, w: &mut IndexWriter) -> Result<()> {
        let mut prepared = w.prepare_commit().map_err(|e| self.err(e))?;
        prepared.set_payload(&payload());
        prepared.commit().map_err(|e| self.err(e))?;
        self.reader.reload().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Indexes the documents queued since the last call, in batches, committing before their
    /// queue entries are removed; returns how many were indexed.
    pub fn index_pending(&self, store: &Store) -> Result<usize> {
        self.index_pending_until(store, Stop::Never)
    }

    /// [`Search::index_pending`], stopping at `stop` as a crash would (tests).
    pub fn index_pending_until(&self, store: &Store, stop: Stop) -> Result<usize> {
        if store.queue_is_empty()? {
            return Ok(0);
        }
        let mut guard = self.writer()?;
        let Some(w) = guard.as_mut() else {
            return Ok(0);
        };
        let mut after: Option<Vec<u8>> = None;
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let (mut n, mut since) = (0, 0);
        loop {
            let q = store.queued_documents(after.as_deref(), BATCH)?;
            if q.keys.is_empty() {
                break;
            }
            after = q.keys.last().cloned();
            let mut ids = q.ids;
            ids.sort_unstable();
            ids.dedup();
            for id in &ids {
                match store.document(id)? {
                    Some(d) => {
                        self.add(w, &d)?;
                        n += 1;
                        since += 1;
                    }
                    // Gone (or undecodable) since it was queued: not searchable either.
                    None => {
                        w.delete_term(Term::from_field_text(self.fields.id, id));
                    }
                }
            }
            keys.extend(q.keys);
            if since >= COMMIT_EVERY {
                self.finish(store, w, &keys, stop)?;
                keys.clear();
                since = 0;
            }
        }
        if !keys.is_empty() {
            self.finish(store, w, &keys, stop)?;
        }
        Ok(n)
    }

    fn finish(
        &self,
        store: &Store,
        w: &mut IndexWriter,
        keys: &[Vec<u8>],
        stop: Stop,
    ) -> Result<()> {
        let stopped = |at| SearchError::Stopped {
            path: self.path.clone(),
            at,
        };
        if stop == Stop::BeforeCommit {
            return Err(stopped("before the commit"));
        }
        self.commit(w)?;
        if stop == Stop::BeforeDequeue {
            return Err(stopped("before the queue entries were removed"));
        }
        store.dequeue(keys)?;
        Ok(())
    }

    /// Indexes every stored document again, from nothing; returns how many. The queue entries
    /// present when it starts are removed after its commit.
    pub fn rebuild(&self, store: &Store) -> Result<usize> {
        let mut guard = self.writer()?;
        let Some(w) = guard.as_mut() else {
            return Ok(0);
        };
        let queued = store.queued_documents(None, usize::MAX)?;
        w.delete_all_documents().map_err(|e| self.err(e))?;
        let mut n = 0;
        store.visit_documents(|d| {
            self.add(w, &d)?;
            n += 1;
            Ok::<_, SearchError>(())
        })?;
        self.commit(w)?;
        store.dequeue(&queued.keys)?;
        Ok(n)
    }

    /// Number of documents in the index as last committed.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the index takes on disk.
    pub fn disk_bytes(&self) -> u64 {
        dir_bytes(&self.path)
    }

    fn term(&self, field: Field, v: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, v),
            IndexRecordOption::Basic,
        ))
    }

    /// The text part of a filter: every phrase's runs (a run of terms as a phrase, a lone
    /// character as any indexed term holding it). `None` without phrases.
    fn text_query(&self, phrases: &[String]) -> Result<Option<Box<dyn Query>>> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in phrases {
            for part in parts(p) {
                let q: Box<dyn Query> = match part {
                    Part::Terms(ts) if ts.len() == 1 => self.term(self.fields.text, &ts[0]),
                    Part::Terms(ts) => Box::new(PhraseQuery::new(
                        ts.iter()
                            .map(|t| Term::from_field_text(self.fields.text, t))
                            .collect(),
                    )),
                    Part::Char(c) => {
                        // Han characters are not regex syntax; escaped all the same.
                        let c = regex_syntax_escape(c);
                        Box::new(
                            RegexQuery::from_pattern(&format!("{c}.?|.{c}"), self.fields.text)
                                .map_err(|e| self.err(e))?,
                        )
                    }
                };
                must.push((Occur::Must, q));
            }
        }
        Ok(match must.len() {
            0 => None,
            1 => must.pop().map(|(_, q)| q),
            _ => Some(Box::new(BooleanQuery::new(must))),
        })
    }

    fn query(&self, f: &Filter, newer_than: Option<u64>) -> Result<Box<dyn Query>> {
        let fl = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(u) = &f.unit {
            must.push((Occur::Must, self.term(fl.unit, u)));
        }
        if let Some(set) = &f.units_in {
            let any: Vec<(Occur, Box<dyn Query>)> = set
                .iter()
                .map(|u| (Occur::Should, self.term(fl.unit, u)))
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(s) = &f.source {
            must.push((Occur::Must, self.term(fl.source, s)));
        }
        if let Some(k) = f.kind {
            must.push((Occur::Must, self.term(fl.kind, kind_key(k))));
        }
        if f.from.is_some() || f.to.is_some() || newer_than.is_some() {
            let lo = f
                .from
                .map_or(1, |d| date_num(Some(d)))
                .max(newer_than.unwrap_or(0));
            let hi = f.to.map_or(u64::MAX, |d| date_num(Some(d)));
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(fl.date, lo)),
                    Bound::Included(Term::from_field_u64(fl.date, hi)),
                )),
            ));
        }
        if let Some(t) = self.text_query(&f.phrases)? {
            must.push((Occur::Must, t));
        }
        Ok(match must.len() {
            0 => Box::new(AllQuery),
            1 => must
                .pop()
                .map(|(_, q)| q)
                .unwrap_or_else(|| Box::new(AllQuery)),
            _ => Box::new(BooleanQuery::new(must)),
        })
    }

    /// Ids of the documents matching `f`, newest first, then by id descending: `limit` of them
    /// after the first `offset`.
    ///
    /// The order comes from fast fields, so every match is visited: over a million documents a
    /// common keyword matches a hundred thousand. The newest month is asked first, then the
    /// newest year and decade, and only then everything: when a window alone holds
    /// `offset + limit` matches they are the newest of all (every document outside it is
    /// older), and otherwise the next window is tried — a rare keyword's lists are short, so
    /// the wider asks cost little.
    pub fn newest(&self, f: &Filter, offset: usize, limit: usize) -> Result<Vec<String>> {
        if f.units_in.as_ref().is_some_and(BTreeSet::is_empty) || limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let newest = searcher
            .segment_readers()
            .iter()
            .filter_map(|seg| seg.fast_fields().u64("date").ok())
            .map(|c| c.max_value())
            .max()
            .unwrap_or(0);
        let top = format!("{newest:08}");
        let top = NaiveDate::parse_from_str(&top, "%Y%m%d").ok();
        let from = f.from.map(|d| date_num(Some(d)));
        let upper = f.to.and_then(|t| top.map(|n| t.min(n))).or(top);
        for days in [31u64, 366, 3660] {
            let Some(lo) = upper.and_then(|u| u.checked_sub_days(chrono::Days::new(days))) else {
                break;
            };
            let lo = date_num(Some(lo));
            if from.is_some_and(|f| f >= lo) {
                break;
            }
            let hits = self.top(&searcher, f, Some(lo), offset, limit)?;
            if hits.len() == limit {
                return Ok(hits);
            }
        }
        self.top(&searcher, f, None, offset, limit)
    }

    /// [`Search::newest`] within dates `>= newer_than`.
    fn top(
        &self,
        searcher: &tantivy::Searcher,
        f: &Filter,
        newer_than: Option<u64>,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<String>> {
        let q = self.query(f, newer_than)?;
        let collector = TopDocs::with_limit(limit).and_offset(offset).custom_score(
            move |seg: &SegmentReader| {
                let ff = seg.fast_fields();
                let col = |name: &str| ff.u64(name).ok();
                let date = col("date");
                let keys = [col("key0"), col("key1"), col("key2"), col("key3")];
                let len = col("keylen");
                move |doc: DocId| {
                    let get = |c: &Option<tantivy::columnar::Column<u64>>| {
                        c.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
                    };
                    (
                        get(&date),
                        [get(&keys[0]), get(&keys[1]), get(&keys[2]), get(&keys[3])],
                        get(&len),
                    )
                }
            },
        );
        let top = searcher.search(&*q, &collector).map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(top.len());
        for ((_, key, len), addr) in top {
            match id_of_key(&key, len) {
                Some(id) => out.push(id),
                None => out.push(self.stored_id(searcher, addr)?),
            }
        }
        Ok(out)
    }

    fn stored_id(&self, searcher: &tantivy::Searcher, addr: DocAddress) -> Result<String> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
        Ok(doc
            .get_first(self.fields.id)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string())
    }

    /// A highlighter for the phrases of `f`; `None` without phrases.
    pub fn highlighter(&self, f: &Filter) -> Result<Option<Highlighter>> {
        let Some(q) = self.text_query(&f.phrases)? else {
            return Ok(None);
        };
        let searcher = self.reader.searcher();
        let mut generator =
            SnippetGenerator::create(&searcher, &*q, self.fields.text).map_err(|e| self.err(e))?;
        generator.set_max_num_chars(180);
        Ok(Some(Highlighter { generator }))
    }
}

/// A character as a regex matches it literally.
fn regex_syntax_escape(c: char) -> String {
    if c.is_ascii_punctuation() {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// Opens the index in `path` when it is complete and current; otherwise says why not.
fn open_existing(path: &Path, schema: &Schema) -> std::result::Result<Index, String> {
    if !path.join("meta.json").exists() {
        return Err(if path.exists() {
            "the index directory holds no index".into()
        } else {
            "no index yet".into()
        });
    }
    let index = Index::open_in_dir(path).map_err(|e| format!("the index does not open: {e}"))?;
    if &index.schema() != schema {
        return Err("the index has other fields".into());
    }
    let metas = index
        .load_metas()
        .map_err(|e| format!("the index metadata does not read: {e}"))?;
    match metas.payload.as_deref().and_then(payload_schema) {
        Some(SEARCH_SCHEMA) => {}
        Some(v) => {
            return Err(format!(
                "the index has search schema {v}, this govtrust writes {SEARCH_SCHEMA}"
            ))
        }
        None => return Err("the index's first build did not finish".into()),
    }
    // Every segment's files open (a truncated or missing file fails here rather than in a
    // query).
    index
        .reader()
        .map_err(|e| format!("the index's segments do not open: {e}"))?;
    Ok(index)
}

fn dir_bytes(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.filter_map(|e| e.ok())
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests;
