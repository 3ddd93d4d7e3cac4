//! The document indexes: posting lists that let a query over a million documents read only the
//! keys it needs. Every list is sorted by the same suffix — `date NUL id`, `date` being
//! `YYYYMMDD` (`00000000` when a document has no date) — so lists can be intersected newest
//! first and bounded by a date range without loading a document:
//!
//! - `doc_by_date` (date, id), `doc_by_unit` (unit, date, id), `doc_by_source` (source, date,
//!   id), `doc_by_kind` (kind, date, id);
//! - `doc_terms` (term, date, id): the full-text inverted index. Terms are the bigrams of each
//!   run of Chinese characters (a lone character stands for itself) and the lower-cased ASCII
//!   words of title and body, since Chinese text has no spaces to split words on;
//! - `doc_indexed` (id → what was indexed), so a re-extracted document's old postings are
//!   removed before the new ones are written.
//!
//! The crawl commit only queues the ids of the documents it wrote in `doc_unindexed`: writing
//! their 50–300 postings with every URL's commit made the crawl several times slower. A commit
//! group queues all its ids under one key ([`unindexed_chunk_key`]); stores written before that
//! hold one key per id, and both are read. [`Store::index_pending`] drains the queue in batches
//! — the pipeline calls it after each crawl, `query` and `serve` before they read — and a crash
//! in between only leaves ids queued (or queues an id twice), since indexing a document again
//! replaces its postings.
//! [`Store::reindex_documents`] rebuilds everything from the `documents` tree.

use std::collections::BTreeSet;
use std::ops::Bound;

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::Transactional;

use super::{decode, encode, key, prefix, Result, Store, StoreError};
use crate::model::{Document, DocumentKind};

/// Date key of undated documents: sorts before every real date.
pub const NO_DATE: &str = "00000000";

/// The tree of document ids written since they were last indexed.
pub const UNINDEXED: &str = "doc_unindexed";

/// First byte of a key holding many queued ids; a key of one id is that (hex) id.
const CHUNK: u8 = 0xff;

/// The key of a group of ids queued together: [`CHUNK`], then a store-unique number. One key
/// per commit group, written at the right edge of the tree, where a key per document went to a
/// random place in it (at 200,000 pages that tree no longer fitted sled's cache, and each
/// insert read a leaf back from disk).
pub(crate) fn unindexed_chunk_key(n: u64) -> [u8; 9] {
    let mut k = [CHUNK; 9];
    k[1..].copy_from_slice(&n.to_be_bytes());
    k
}

/// Joins document ids into a chunk's value (ids are hex: a newline never occurs in one).
pub(crate) fn unindexed_chunk<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<u8> {
    let mut v = Vec::new();
    for id in ids {
        if !v.is_empty() {
            v.push(b'\n');
        }
        v.extend_from_slice(id.as_bytes());
    }
    v
}

/// The document ids one `doc_unindexed` entry queues.
pub(crate) fn unindexed_ids<'a>(key: &'a [u8], value: &'a [u8]) -> Vec<&'a [u8]> {
    if key.first() == Some(&CHUNK) {
        value
            .split(|b| *b == b'\n')
            .filter(|id| !id.is_empty())
            .collect()
    } else {
        vec![key]
    }
}

/// Longest ASCII word indexed (longer ones are cut: URLs and hashes are not search words).
const MAX_WORD: usize = 32;

/// What one document contributed to the indexes; enough to rebuild every key it wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub id: String,
    pub date: String,
    pub unit: Option<String>,
    pub source: String,
    pub kind: String,
    /// Space-separated (terms never contain whitespace); one string keeps the record small.
    pub terms: String,
}

impl IndexEntry {
    pub fn of(d: &Document) -> IndexEntry {
        let mut text = d.title.clone().unwrap_or_default();
        text.push('\n');
        text.push_str(&d.body);
        let terms: Vec<String> = terms(&text).into_iter().collect();
        IndexEntry {
            id: d.id.clone(),
            date: date_key(d.published),
            unit: d.unit.clone(),
            source: d.source.clone(),
            kind: kind_key(d.kind).to_string(),
            terms: terms.join(" "),
        }
    }

    fn keys(&self) -> Vec<(Tree, Vec<u8>)> {
        let (date, id) = (self.date.as_str(), self.id.as_str());
        let mut out = vec![
            (Tree::Date, key(&[date, id])),
            (Tree::Source, key(&[self.source.as_str(), date, id])),
            (Tree::Kind, key(&[self.kind.as_str(), date, id])),
        ];
        if let Some(u) = &self.unit {
            out.push((Tree::Unit, key(&[u.as_str(), date, id])));
        }
        for t in self.terms.split(' ').filter(|t| !t.is_empty()) {
            out.push((Tree::Terms, key(&[t, date, id])));
        }
        out
    }
}

pub fn kind_key(k: DocumentKind) -> &'static str {
    match k {
        DocumentKind::Article => "article",
        DocumentKind::Record => "record",
    }
}

pub fn date_key(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| NO_DATE.to_string(), |d| d.format("%Y%m%d").to_string())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// The index terms of a text: Chinese bigrams (a lone character by itself) and lower-cased
/// ASCII words.
pub fn terms(text: &str) -> BTreeSet<String> {
    tokens(text, Bigrams::All)
}

/// The terms a search phrase is looked up by: ASCII words, and of each run of Chinese
/// characters the bigrams that cover it without overlap (`社会信用体系` → 社会, 信用, 体系; an
/// odd run adds its last bigram). A text containing the phrase has all of them; the overlapping
/// ones add nothing the phrase check does not decide, and every list costs the intersection a
/// seek per candidate. A lone character is left out: it is indexed only where it stands alone.
pub fn phrase_terms(phrase: &str) -> BTreeSet<String> {
    tokens(phrase, Bigrams::Cover)
}

#[derive(Clone, Copy, PartialEq)]
enum Bigrams {
    All,
    Cover,
}

fn tokens(text: &str, bigrams: Bigrams) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut han: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_han = |han: &mut Vec<char>, out: &mut BTreeSet<String>| {
        match (han.len(), bigrams) {
            (0, _) | (1, Bigrams::Cover) => {}
            (1, Bigrams::All) => {
                out.insert(han[0].to_string());
            }
            (_, Bigrams::All) => {
                for w in han.windows(2) {
                    out.insert(w.iter().collect());
                }
            }
            (n, Bigrams::Cover) => {
                for w in han.chunks_exact(2) {
                    out.insert(w.iter().collect());
                }
                if n % 2 == 1 {
                    out.insert(han[n - 2..].iter().collect());
                }
            }
        }
        han.clear();
    };
    let flush_word = |word: &mut String, out: &mut BTreeSet<String>| {
        if !word.is_empty() {
            out.insert(std::mem::take(word));
        }
    };
    for c in text.chars() {
        if is_han(c) {
            flush_word(&mut word, &mut out);
            han.push(c);
        } else if c.is_ascii_alphanumeric() {
            flush_han(&mut han, &mut out);
            if word.len() < MAX_WORD {
                word.push(c.to_ascii_lowercase());
            }
        } else {
            flush_han(&mut han, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_han(&mut han, &mut out);
    flush_word(&mut word, &mut out);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tree {
    Date,
    Unit,
    Source,
    Kind,
    Terms,
}

/// The index trees, opened once per commit.
pub struct IndexTrees {
    pub date: sled::Tree,
    pub unit: sled::Tree,
    pub source: sled::Tree,
    pub kind: sled::Tree,
    pub terms: sled::Tree,
    pub indexed: sled::Tree,
}

/// The index trees as seen inside a transaction.
pub struct IndexTx<'a> {
    pub date: &'a TransactionalTree,
    pub unit: &'a TransactionalTree,
    pub source: &'a TransactionalTree,
    pub kind: &'a TransactionalTree,
    pub terms: &'a TransactionalTree,
    pub indexed: &'a TransactionalTree,
}

impl IndexTx<'_> {
    fn tree(&self, t: Tree) -> &TransactionalTree {
        match t {
            Tree::Date => self.date,
            Tree::Unit => self.unit,
            Tree::Source => self.source,
            Tree::Kind => self.kind,
            Tree::Terms => self.terms,
        }
    }
}

/// Index entries for documents about to be written (computed outside the transaction, whose
/// closure may run more than once).
pub fn entries(docs: &[Document]) -> Vec<IndexEntry> {
    docs.iter().map(IndexEntry::of).collect()
}

/// Inside a transaction: replaces each document's postings (old ones removed first).
pub fn apply(
    tx: &IndexTx<'_>,
    entries: &[IndexEntry],
) -> std::result::Result<(), ConflictableTransactionError<StoreError>> {
    for e in entries {
        if let Some(old) = tx.indexed.get(e.id.as_bytes())? {
            let old: IndexEntry =
                decode("doc_indexed", &old).map_err(ConflictableTransactionError::Abort)?;
            if &old == e {
                continue;
            }
            for (t, k) in old.keys() {
                tx.tree(t).remove(k)?;
            }
        }
        for (t, k) in e.keys() {
            tx.tree(t).insert(k, &[])?;
        }
        tx.indexed.insert(e.id.as_bytes(), encode(e))?;
    }
    Ok(())
}

fn tx_result<T>(
    r: std::result::Result<T, sled::transaction::TransactionError<StoreError>>,
) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(sled::transaction::TransactionError::Abort(e)) => Err(e),
        Err(sled::transaction::TransactionError::Storage(e)) => Err(e.into()),
    }
}

/// One posting list: the keys of `tree` under `prefix`, each ending in the `date NUL id` suffix,
/// read newest first through one reverse iterator that is only re-created when a seek lands far
/// away: leapfrogging over dense lists mostly moves a few keys, and a fresh sled range costs a
/// descent from the root.
pub(crate) struct Postings {
    tree: sled::Tree,
    prefix: Vec<u8>,
    iter: Option<sled::Iter>,
    /// The suffix the iterator returned last; every key it has left is smaller.
    last: Option<Vec<u8>>,
}

/// Keys walked on the open iterator before a seek starts a fresh range instead.
const WALK: usize = 8;

impl Postings {
    fn new(tree: sled::Tree, prefix: Vec<u8>) -> Postings {
        Postings {
            tree,
            prefix,
            iter: None,
            last: None,
        }
    }

    /// The largest suffix in the list that is `<= hi` (or `< hi`) and `>= lo`.
    fn seek_back(&mut self, lo: &[u8], hi: &[u8], inclusive: bool) -> Result<Option<Vec<u8>>> {
        let below = |k: &[u8]| k < hi || (inclusive && k == hi);
        // The open iterator answers only for bounds below what it already returned: keys it
        // skipped on the way were above an earlier, higher bound.
        let walkable = self
            .last
            .as_deref()
            .is_some_and(|last| hi < last || (!inclusive && hi == last));
        if walkable {
            if let Some(it) = self.iter.as_mut() {
                for _ in 0..WALK {
                    match it.next_back() {
                        None => {
                            self.iter = None;
                            return Ok(None);
                        }
                        Some(kv) => {
                            let (k, _) = kv?;
                            let suffix = k[self.prefix.len()..].to_vec();
                            self.last = Some(suffix.clone());
                            if below(&suffix) {
                                return Ok(Some(suffix));
                            }
                        }
                    }
                }
            }
        }
        let mut start = self.prefix.clone();
        start.extend_from_slice(lo);
        let mut end = self.prefix.clone();
        end.extend_from_slice(hi);
        let upper = if inclusive {
            Bound::Included(end)
        } else {
            Bound::Excluded(end)
        };
        let mut it = self
            .tree
            .range::<Vec<u8>, _>((Bound::Included(start), upper));
        match it.next_back() {
            Some(kv) => {
                let (k, _) = kv?;
                let suffix = k[self.prefix.len()..].to_vec();
                self.last = Some(suffix.clone());
                self.iter = Some(it);
                Ok(Some(suffix))
            }
            None => {
                self.iter = None;
                self.last = None;
                Ok(None)
            }
        }
    }
}

/// Which lists a query intersects, and its date bounds.
#[derive(Debug, Clone, Default)]
pub struct PostingQuery {
    pub unit: Option<String>,
    pub source: Option<String>,
    pub kind: Option<DocumentKind>,
    /// Index terms every match must contain.
    pub terms: Vec<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

impl Store {
    pub(crate) fn index_trees(&self) -> Result<IndexTrees> {
        Ok(IndexTrees {
            date: self.tree("doc_by_date")?,
            unit: self.tree("doc_by_unit")?,
            source: self.tree("doc_by_source")?,
            kind: self.tree("doc_by_kind")?,
            terms: self.tree("doc_terms")?,
            indexed: self.tree("doc_indexed")?,
        })
    }

    /// Indexes one stored document (idempotent; a changed document loses its old postings).
    pub fn index_document(&self, d: &Document) -> Result<()> {
        self.index_entries(&[IndexEntry::of(d)])
    }

    fn index_entries(&self, entries: &[IndexEntry]) -> Result<()> {
        let _gate = self.write_gate();
        let ix = self.index_trees()?;
        tx_result(
            (
                &ix.date,
                &ix.unit,
                &ix.source,
                &ix.kind,
                &ix.terms,
                &ix.indexed,
            )
                .transaction(|(date, unit, source, kind, terms, indexed)| {
                    let tx = IndexTx {
                        date,
                        unit,
                        source,
                        kind,
                        terms,
                        indexed,
                    };
                    apply(&tx, entries)
                }),
        )
    }

    /// Stores documents and their postings together, in one transaction per call (bulk loads,
    /// imports and benchmarks; the crawler writes through its frontier commit).
    pub fn put_documents(&self, docs: &[Document]) -> Result<()> {
        let _gate = self.write_gate();
        let documents = self.tree("documents")?;
        let ix = self.index_trees()?;
        let entries = entries(docs);
        let json: Vec<Vec<u8>> = docs.iter().map(encode).collect();
        let refs = self.put_values(&json.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
        let encoded: Vec<(&str, [u8; 17])> = docs
            .iter()
            .zip(&refs)
            .map(|(d, r)| (d.id.as_str(), r.encode()))
            .collect();
        tx_result(
            (
                &documents,
                &ix.date,
                &ix.unit,
                &ix.source,
                &ix.kind,
                &ix.terms,
                &ix.indexed,
            )
                .transaction(|(dc, date, unit, source, kind, terms, indexed)| {
                    for (id, r) in &encoded {
                        dc.insert(id.as_bytes(), &r[..])?;
                    }
                    let tx = IndexTx {
                        date,
                        unit,
                        source,
                        kind,
                        terms,
                        indexed,
                    };
                    apply(&tx, &entries)
                }),
        )
    }

    /// Drops every index and rebuilds it from the `documents` tree; returns the number indexed.
    /// For stores written before the index existed, or after the tokenizer changed.
    pub fn reindex_documents(&self) -> Result<usize> {
        let _gate = self.write_gate();
        let ix = self.index_trees()?;
        for t in [
            &ix.date,
            &ix.unit,
            &ix.source,
            &ix.kind,
            &ix.terms,
            &ix.indexed,
        ] {
            t.clear()?;
        }
        let documents = self.tree("documents")?;
        let mut n = 0;
        let mut batch = Vec::with_capacity(512);
        for kv in documents.iter() {
            let (k, v) = kv?;
            // A document that does not decode is left out of the index, not the whole index.
            let Some(d) = self.skip_bad("documents", &k, self.decode_document(&k, &v))? else {
                continue;
            };
            batch.push(IndexEntry::of(&d));
            if batch.len() == 512 {
                n += batch.len();
                self.index_entries(&batch)?;
                batch.clear();
            }
        }
        n += batch.len();
        self.index_entries(&batch)?;
        self.flush()?;
        Ok(n)
    }

    /// Indexes the documents queued by the crawl, in batches; returns how many.
    pub fn index_pending(&self) -> Result<usize> {
        let _gate = self.write_gate();
        let queue = self.tree(UNINDEXED)?;
        let documents = self.tree("documents")?;
        let mut n = 0;
        loop {
            // Whole entries, until about 512 ids: an entry leaves the queue only once every
            // id it holds is indexed.
            let mut keys = Vec::new();
            let mut ids: Vec<Vec<u8>> = Vec::new();
            for kv in queue.iter() {
                let (k, v) = kv?;
                ids.extend(unindexed_ids(&k, &v).into_iter().map(<[u8]>::to_vec));
                keys.push(k);
                if ids.len() >= 512 {
                    break;
                }
            }
            if keys.is_empty() {
                break;
            }
            ids.sort_unstable();
            ids.dedup();
            let mut batch = Vec::with_capacity(ids.len());
            for id in &ids {
                if let Some(v) = documents.get(id)? {
                    let d = self.decode_document(id, &v);
                    if let Some(d) = self.skip_bad("documents", id, d)? {
                        batch.push(IndexEntry::of(&d));
                    }
                }
            }
            self.index_entries(&batch)?;
            for k in &keys {
                queue.remove(k)?;
            }
            n += batch.len();
        }
        if n > 0 {
            self.flush()?;
        }
        Ok(n)
    }

    /// Ids of the documents queued for indexing, in queue order (ids queued twice appear
    /// twice).
    #[cfg(test)]
    pub(crate) fn unindexed(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for kv in self.tree(UNINDEXED)?.iter() {
            let (k, v) = kv?;
            out.extend(
                unindexed_ids(&k, &v)
                    .into_iter()
                    .map(|id| String::from_utf8_lossy(id).into_owned()),
            );
        }
        Ok(out)
    }

    /// Takes `lost` documents out of the indexing queue.
    pub(crate) fn unqueue_documents(
        &self,
        lost: &std::collections::HashSet<Vec<u8>>,
    ) -> Result<()> {
        if lost.is_empty() {
            return Ok(());
        }
        let queue = self.tree(UNINDEXED)?;
        for kv in queue.iter() {
            let (k, v) = kv?;
            let ids = unindexed_ids(&k, &v);
            if !ids.iter().any(|id| lost.contains(*id)) {
                continue;
            }
            let kept: Vec<&str> = ids
                .into_iter()
                .filter(|id| !lost.contains(*id))
                .filter_map(|id| std::str::from_utf8(id).ok())
                .collect();
            if kept.is_empty() || k.first() != Some(&CHUNK) {
                queue.remove(&k)?;
            } else {
                queue.insert(&k, unindexed_chunk(kept.into_iter()))?;
            }
        }
        Ok(())
    }

    /// Documents are stored but none is indexed (a store written before the index existed).
    pub fn index_missing(&self) -> Result<bool> {
        Ok(!self.tree("documents")?.is_empty() && self.tree("doc_indexed")?.is_empty())
    }

    /// Number of indexed documents.
    pub fn indexed_count(&self) -> Result<usize> {
        Ok(self.tree("doc_indexed")?.len())
    }

    /// Ids of documents matching every list of `q`, newest first (then by id, descending),
    /// passed one by one to `visit` until it returns `false`. The lists are intersected by
    /// leapfrogging: each list seeks to the current candidate, and a list that skips past it
    /// proposes the next candidate, so the cost follows the shortest list, not the longest.
    pub fn visit_postings(
        &self,
        q: &PostingQuery,
        mut visit: impl FnMut(&str) -> Result<bool>,
    ) -> Result<()> {
        let mut lists = Vec::new();
        if let Some(u) = &q.unit {
            lists.push(Postings::new(
                self.tree("doc_by_unit")?,
                prefix(&[u.as_str()]),
            ));
        }
        if let Some(s) = &q.source {
            lists.push(Postings::new(
                self.tree("doc_by_source")?,
                prefix(&[s.as_str()]),
            ));
        }
        if let Some(k) = q.kind {
            lists.push(Postings::new(
                self.tree("doc_by_kind")?,
                prefix(&[kind_key(k)]),
            ));
        }
        let terms_tree = self.tree("doc_terms")?;
        for t in &q.terms {
            lists.push(Postings::new(terms_tree.clone(), prefix(&[t.as_str()])));
        }
        if lists.is_empty() {
            lists.push(Postings::new(self.tree("doc_by_date")?, Vec::new()));
        }
        let lo: Vec<u8> = q
            .from
            .map(|d| date_key(Some(d)).into_bytes())
            .unwrap_or_default();
        // Past every id of the last day: ids never contain 0xFF.
        let mut hi: Vec<u8> = match q.to {
            Some(d) => date_key(Some(d)).into_bytes(),
            None => b"99999999".to_vec(),
        };
        hi.extend_from_slice(&[0, 0xFF]);

        let n = lists.len();
        let Some(mut cand) = lists[0].seek_back(&lo, &hi, true)? else {
            return Ok(());
        };
        let mut agree = 1;
        let mut i = 1 % n;
        loop {
            if agree == n {
                let id = cand
                    .iter()
                    .position(|b| *b == 0)
                    .map(|p| &cand[p + 1..])
                    .unwrap_or(&[]);
                if !visit(std::str::from_utf8(id).unwrap_or(""))? {
                    return Ok(());
                }
                match lists[i].seek_back(&lo, &cand, false)? {
                    Some(s) => cand = s,
                    None => return Ok(()),
                }
                agree = 1;
            } else {
                match lists[i].seek_back(&lo, &cand, true)? {
                    Some(s) if s == cand => agree += 1,
                    Some(s) => {
                        cand = s;
                        agree = 1;
                    }
                    None => return Ok(()),
                }
            }
            i = (i + 1) % n;
        }
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
pub(crate) mod tests;
