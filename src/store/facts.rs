//! The facts of the store: the current facts the scorer reads, the history of every fact that was
//! replaced, the record of each submission import and the audit trail of analysts' decisions.
//!
//! Trees and keys (parts joined by [`key`], so they sort the way queries read them):
//!
//! | tree | key | value |
//! |---|---|---|
//! | `facts` | period, unit, item, field, origin | [`Fact`] |
//! | `fact_history` | period, unit, item, field, origin, seq | [`HistoryEntry`] |
//! | `submissions` | import id, file index | [`SubmissionRecord`] |
//! | `audit` | audit id | [`AuditRecord`] |
//!
//! There is at most one current fact per (period, unit, item, field, origin): precedence between
//! origins is applied when reading (`fact::resolve_field`), never by deleting. Every write that
//! changes facts is one sled transaction over all trees it touches, followed by a flush, so an
//! import, a manual decision or a web refresh is stored whole or not at all. Whatever a write
//! replaces or removes moves to `fact_history` in the same transaction; nothing is dropped.
//!
//! Replacement rules, per origin:
//! - **submission**: importing a batch replaces *all* submitted facts of each unit the batch
//!   contains (a unit's later submission is its whole answer, not a patch).
//! - **web**: [`FactStore::replace_web_facts`] replaces the web facts of the given items of a unit.
//! - **manual**: [`FactStore::set_manual`] / [`FactStore::unset_manual`] per field, each audited.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::Transactional;

use super::{decode, encode, key, prefix, Store, StoreError};
use crate::model::fact::{Fact, Origin, Provenance, Value};

const FACTS: &str = "facts";
const HISTORY: &str = "fact_history";
const SUBMISSIONS: &str = "submissions";
const AUDIT: &str = "audit";

/// Replacing facts reads the current ones before its transaction (sled transactions cannot
/// scan), so writers in this process take turns; other processes are kept out by sled's lock.
static WRITES: Mutex<()> = Mutex::new(());

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A write was handed a fact that does not belong to it; nothing was written.
    #[error("rejected fact {period}/{unit}/{item}.{field}: {why}")]
    Rejected {
        period: String,
        unit: String,
        item: String,
        field: String,
        why: String,
    },
    #[error("no manual fact for {unit} {item}.{field} in period {period}")]
    NoManualFact {
        period: String,
        unit: String,
        item: String,
        field: String,
    },
    #[error("a submission batch needs at least one file")]
    EmptyBatch,
}

pub type Result<T, E = FactsError> = std::result::Result<T, E>;

/// One file of a submission import, as recorded in the `submissions` tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmittedFile {
    /// The file name as the unit sent it (no directories).
    pub file: String,
    /// blake3 of the file's bytes, hex.
    pub blake3: String,
    /// Ids of the units whose facts the file carries.
    pub units: Vec<String>,
    /// Data rows read (filled rows for a workbook).
    pub rows: u32,
    /// Facts stored from the file.
    pub facts: u32,
}

/// A validated import: files and the facts read from them, all of one period.
#[derive(Debug, Clone)]
pub struct SubmissionBatch {
    pub period: String,
    pub files: Vec<SubmittedFile>,
    /// Every fact has `Provenance::Submission`, this period and a unit some file lists.
    pub facts: Vec<Fact>,
}

/// A file of a past import (`submissions` tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    pub import_id: u64,
    pub imported_at: DateTime<Utc>,
    pub period: String,
    #[serde(flatten)]
    pub file: SubmittedFile,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    pub import_id: u64,
    pub imported_at: DateTime<Utc>,
    pub stored: usize,
    /// Earlier submitted facts of the batch's units moved to history.
    pub superseded: usize,
}

/// Why a fact left the current facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Supersession {
    /// A later import carried the same unit.
    Import { import_id: u64, file: String },
    /// An analyst set another value or unset the manual fact (see the audit record).
    Manual { audit_id: u64 },
    /// A later evidence pass replaced the web facts of the item.
    Web,
}

/// A fact that was replaced or removed, with when and by what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub seq: u64,
    pub fact: Fact,
    pub superseded_at: DateTime<Utc>,
    pub superseded_by: Supersession,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditAction {
    Set { value: Value },
    Unset,
}

/// One analyst decision (`fact set` / `fact unset`), kept forever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: u64,
    pub period: String,
    pub unit: String,
    pub item: String,
    pub field: String,
    #[serde(flatten)]
    pub action: AuditAction,
    /// The manual value this decision replaced or removed, if any.
    pub previous: Option<Value>,
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// What a web refresh did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebOutcome {
    pub stored: usize,
    pub superseded: usize,
}

/// Typed access to the fact trees of a [`Store`].
pub struct FactStore {
    store: Store,
    facts: sled::Tree,
    history: sled::Tree,
    submissions: sled::Tree,
    audit: sled::Tree,
}

impl Store {
    /// Opens the fact trees.
    pub fn facts(&self) -> Result<FactStore, StoreError> {
        Ok(FactStore {
            store: self.clone(),
            facts: self.tree(FACTS)?,
            history: self.tree(HISTORY)?,
            submissions: self.tree(SUBMISSIONS)?,
            audit: self.tree(AUDIT)?,
        })
    }
}

/// The key of a current fact.
pub fn fact_key(period: &str, unit: &str, item: &str, field: &str, origin: Origin) -> Vec<u8> {
    key(&[period, unit, item, field, origin.as_str()])
}

fn key_of(f: &Fact) -> Vec<u8> {
    fact_key(&f.period, &f.unit, &f.item, &f.field, f.provenance.origin())
}

fn history_key(f: &Fact, seq: u64) -> Vec<u8> {
    key(&[
        f.period.as_str(),
        &f.unit,
        &f.item,
        &f.field,
        f.provenance.origin().as_str(),
        &format!("{seq:020}"),
    ])
}

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<FactsError>>;

fn abort<T>(f: &Fact, why: impl Into<String>) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(FactsError::Rejected {
        period: f.period.clone(),
        unit: f.unit.clone(),
        item: f.item.clone(),
        field: f.field.clone(),
        why: why.into(),
    }))
}

fn tx_error(e: TransactionError<FactsError>) -> FactsError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => FactsError::Store(StoreError::Sled(e)),
    }
}

/// Moves `old` (currently stored under its key) to history and removes it from the facts.
fn retire(
    facts: &TransactionalTree,
    history: &TransactionalTree,
    old: &Fact,
    seq: u64,
    at: DateTime<Utc>,
    by: &Supersession,
) -> TxResult<()> {
    let entry = HistoryEntry {
        seq,
        fact: old.clone(),
        superseded_at: at,
        superseded_by: by.clone(),
    };
    history.insert(history_key(old, seq), encode(&entry))?;
    facts.remove(key_of(old))?;
    Ok(())
}

impl FactStore {
    /// The records under `pfx`; one that does not decode is skipped ([`Store::skipped`]).
    fn scan<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        name: &str,
        pfx: &[u8],
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for kv in tree.scan_prefix(pfx) {
            let (k, v) = kv.map_err(StoreError::from)?;
            if let Some(r) = self.store.skip_bad(name, &k, decode(name, &v))? {
                out.push(r);
            }
        }
        Ok(out)
    }

    fn ids(&self, n: usize) -> Result<Vec<u64>> {
        (0..n).map(|_| Ok(self.store.next_id()?)).collect()
    }

    /// Stores a validated submission batch in one transaction: every earlier submitted fact of the
    /// batch's units (this period) moves to history, the batch's facts become current, and each
    /// file is recorded in `submissions`. A fact that is not a submission of the batch's period
    /// and units aborts the whole transaction.
    pub fn import_submissions(
        &self,
        batch: &SubmissionBatch,
        at: DateTime<Utc>,
    ) -> Result<ImportOutcome> {
        let _gate = self.store.write_gate();
        if batch.files.is_empty() {
            return Err(FactsError::EmptyBatch);
        }
        let _turn = WRITES.lock().unwrap_or_else(|e| e.into_inner());
        // The first file of the batch that carries a unit is the one that supersedes it.
        let mut unit_file: BTreeMap<&str, &str> = BTreeMap::new();
        for f in &batch.files {
            for u in &f.units {
                unit_file.entry(u.as_str()).or_insert(f.file.as_str());
            }
        }
        let mut old: Vec<(Fact, &str)> = Vec::new();
        for (unit, file) in &unit_file {
            for f in self.unit_facts(&batch.period, unit)? {
                if f.provenance.origin() == Origin::Submission {
                    old.push((f, file));
                }
            }
        }
        let import_id = self.store.next_id()?;
        let seqs = self.ids(old.len())?;
        let result = (&self.facts, &self.history, &self.submissions).transaction(
            |(facts, history, subs)| {
                for ((f, file), seq) in old.iter().zip(&seqs) {
                    let by = Supersession::Import {
                        import_id,
                        file: file.to_string(),
                    };
                    retire(facts, history, f, *seq, at, &by)?;
                }
                let mut seen = BTreeSet::new();
                for f in &batch.facts {
                    if !matches!(f.provenance, Provenance::Submission { .. }) {
                        return abort(
                            f,
                            format!(
                                "a submission batch holds only submitted facts, not {}",
                                f.provenance.origin().as_str()
                            ),
                        );
                    }
                    if f.period != batch.period {
                        return abort(f, format!("the batch is for period {}", batch.period));
                    }
                    if !unit_file.contains_key(f.unit.as_str()) {
                        return abort(f, "no file of the batch lists this unit");
                    }
                    let k = key_of(f);
                    if !seen.insert(k.clone()) {
                        return abort(f, "the batch holds this field twice");
                    }
                    facts.insert(k, encode(f))?;
                }
                for (i, file) in batch.files.iter().enumerate() {
                    let rec = SubmissionRecord {
                        import_id,
                        imported_at: at,
                        period: batch.period.clone(),
                        file: file.clone(),
                    };
                    subs.insert(
                        key(&[format!("{import_id:020}"), format!("{i:04}")]),
                        encode(&rec),
                    )?;
                }
                Ok(())
            },
        );
        result.map_err(tx_error)?;
        self.store.flush()?;
        Ok(ImportOutcome {
            import_id,
            imported_at: at,
            stored: batch.facts.len(),
            superseded: old.len(),
        })
    }

    /// Sets an analyst's value for one field (`fact` must carry `Provenance::Manual`; its
    /// by/at/reason are audited). A manual value already there moves to history.
    pub fn set_manual(&self, fact: &Fact) -> Result<AuditRecord> {
        let _gate = self.store.write_gate();
        let Provenance::Manual { by, at, reason } = &fact.provenance else {
            return Err(FactsError::Rejected {
                period: fact.period.clone(),
                unit: fact.unit.clone(),
                item: fact.item.clone(),
                field: fact.field.clone(),
                why: "set_manual takes a fact with manual provenance".into(),
            });
        };
        let _turn = WRITES.lock().unwrap_or_else(|e| e.into_inner());
        let previous = self.current(
            &fact.period,
            &fact.unit,
            &fact.item,
            &fact.field,
            Origin::Manual,
        )?;
        let (id, seq) = (self.store.next_id()?, self.store.next_id()?);
        let record = AuditRecord {
            id,
            period: fact.period.clone(),
            unit: fact.unit.clone(),
            item: fact.item.clone(),
            field: fact.field.clone(),
            action: AuditAction::Set {
                value: fact.value.clone(),
            },
            previous: previous.as_ref().map(|p| p.value.clone()),
            by: by.clone(),
            at: *at,
            reason: reason.clone(),
        };
        (&self.facts, &self.history, &self.audit)
            .transaction(|(facts, history, audit)| {
                if let Some(p) = &previous {
                    retire(
                        facts,
                        history,
                        p,
                        seq,
                        *at,
                        &Supersession::Manual { audit_id: id },
                    )?;
                }
                facts.insert(key_of(fact), encode(fact))?;
                audit.insert(format!("{id:020}").as_bytes(), encode(&record))?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.store.flush()?;
        Ok(record)
    }

    /// Removes an analyst's value for one field, so the web or submitted value applies again; the
    /// removed fact moves to history and the decision is audited.
    #[allow(clippy::too_many_arguments)]
    pub fn unset_manual(
        &self,
        period: &str,
        unit: &str,
        item: &str,
        field: &str,
        by: &str,
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<AuditRecord> {
        let _gate = self.store.write_gate();
        let _turn = WRITES.lock().unwrap_or_else(|e| e.into_inner());
        let Some(previous) = self.current(period, unit, item, field, Origin::Manual)? else {
            return Err(FactsError::NoManualFact {
                period: period.into(),
                unit: unit.into(),
                item: item.into(),
                field: field.into(),
            });
        };
        let (id, seq) = (self.store.next_id()?, self.store.next_id()?);
        let record = AuditRecord {
            id,
            period: period.into(),
            unit: unit.into(),
            item: item.into(),
            field: field.into(),
            action: AuditAction::Unset,
            previous: Some(previous.value.clone()),
            by: by.into(),
            at,
            reason: reason.into(),
        };
        (&self.facts, &self.history, &self.audit)
            .transaction(|(facts, history, audit)| {
                retire(
                    facts,
                    history,
                    &previous,
                    seq,
                    at,
                    &Supersession::Manual { audit_id: id },
                )?;
                audit.insert(format!("{id:020}").as_bytes(), encode(&record))?;
                Ok(())
            })
            .map_err(tx_error)?;
        self.store.flush()?;
        Ok(record)
    }

    /// Replaces, in one transaction, the web facts of `items` of one unit with `facts`: every
    /// current web fact of those items moves to history (a field the new pass no longer states
    /// goes too). Each new fact must be a web fact of this period, unit and one of the items.
    pub fn replace_web_facts(
        &self,
        period: &str,
        unit: &str,
        items: &[&str],
        facts: &[Fact],
        at: DateTime<Utc>,
    ) -> Result<WebOutcome> {
        let _gate = self.store.write_gate();
        let _turn = WRITES.lock().unwrap_or_else(|e| e.into_inner());
        let mut old = Vec::new();
        for item in items {
            old.extend(
                self.item_facts(period, unit, item)?
                    .into_iter()
                    .filter(|f| f.provenance.origin() == Origin::Web),
            );
        }
        let seqs = self.ids(old.len())?;
        (&self.facts, &self.history)
            .transaction(|(ftree, history)| {
                for (f, seq) in old.iter().zip(&seqs) {
                    retire(ftree, history, f, *seq, at, &Supersession::Web)?;
                }
                let mut seen = BTreeSet::new();
                for f in facts {
                    if f.provenance.origin() != Origin::Web {
                        return abort(f, "replace_web_facts takes web facts only");
                    }
                    if f.period != period || f.unit != unit || !items.contains(&f.item.as_str()) {
                        return abort(
                            f,
                            format!(
                                "outside the replaced set ({period}, {unit}, {})",
                                items.join(",")
                            ),
                        );
                    }
                    let k = key_of(f);
                    if !seen.insert(k.clone()) {
                        return abort(f, "two web facts for the same field");
                    }
                    ftree.insert(k, encode(f))?;
                }
                Ok(())
            })
            .map_err(tx_error)?;
        self.store.flush()?;
        Ok(WebOutcome {
            stored: facts.len(),
            superseded: old.len(),
        })
    }

    /// The current fact of one field and origin.
    pub fn current(
        &self,
        period: &str,
        unit: &str,
        item: &str,
        field: &str,
        origin: Origin,
    ) -> Result<Option<Fact>> {
        match self
            .facts
            .get(fact_key(period, unit, item, field, origin))
            .map_err(StoreError::from)?
        {
            Some(v) => Ok(Some(decode(FACTS, &v)?)),
            None => Ok(None),
        }
    }

    /// Every current fact of a period, in key order (unit, item, field, origin).
    pub fn period_facts(&self, period: &str) -> Result<Vec<Fact>> {
        self.scan(&self.facts, FACTS, &prefix(&[period]))
    }

    /// Every current fact of one unit in a period, in key order.
    pub fn unit_facts(&self, period: &str, unit: &str) -> Result<Vec<Fact>> {
        self.scan(&self.facts, FACTS, &prefix(&[period, unit]))
    }

    /// Every current fact of one item of a unit, in key order.
    pub fn item_facts(&self, period: &str, unit: &str, item: &str) -> Result<Vec<Fact>> {
        self.scan(&self.facts, FACTS, &prefix(&[period, unit, item]))
    }

    /// The current facts of one field, one per origin present.
    pub fn field_facts(
        &self,
        period: &str,
        unit: &str,
        item: &str,
        field: &str,
    ) -> Result<Vec<Fact>> {
        self.scan(&self.facts, FACTS, &prefix(&[period, unit, item, field]))
    }

    /// Every earlier fact of one field (all origins), oldest first.
    pub fn field_history(
        &self,
        period: &str,
        unit: &str,
        item: &str,
        field: &str,
    ) -> Result<Vec<HistoryEntry>> {
        let mut v: Vec<HistoryEntry> = self.scan(
            &self.history,
            HISTORY,
            &prefix(&[period, unit, item, field]),
        )?;
        v.sort_by_key(|e| (e.superseded_at, e.seq));
        Ok(v)
    }

    /// Every recorded submission file, oldest import first.
    pub fn submissions(&self) -> Result<Vec<SubmissionRecord>> {
        self.scan(&self.submissions, SUBMISSIONS, &[])
    }

    /// Every analyst decision of a period, oldest first; `unit` narrows to one unit.
    pub fn audit_log(&self, period: &str, unit: Option<&str>) -> Result<Vec<AuditRecord>> {
        let all: Vec<AuditRecord> = self.scan(&self.audit, AUDIT, &[])?;
        Ok(all
            .into_iter()
            .filter(|r| r.period == period && unit.is_none_or(|u| r.unit == u))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 10, h, 0, 0).single().unwrap()
    }

    fn sub(unit: &str, item: &str, field: &str, v: u64, file: &str, row: u32) -> Fact {
        Fact {
            period: "2023".into(),
            unit: unit.into(),
            item: item.into(),
            field: field.into(),
            value: Value::Int(v),
            provenance: Provenance::Submission {
                file: file.into(),
                sheet: None,
                row,
                note: None,
            },
            recorded_at: at(1),
        }
    }

    fn batch(file: &str, units: &[&str], facts: Vec<Fact>) -> SubmissionBatch {
        SubmissionBatch {
            period: "2023".into(),
            files: vec![SubmittedFile {
                file: file.into(),
                blake3: "00".into(),
                units: units.iter().map(|u| u.to_string()).collect(),
                rows: facts.len() as u32,
                facts: facts.len() as u32,
            }],
            facts,
        }
    }

    fn open() -> (tempfile::TempDir, FactStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let facts = store.facts().unwrap();
        (dir, facts)
    }

    #[test]
    fn import_reads_back_by_period_unit_and_field() {
        let (_d, fs) = open();
        let b = batch(
            "a.csv",
            &["u1", "u2"],
            vec![
                sub("u1", "T3.1", "cases", 4, "a.csv", 2),
                sub("u1", "T3.1", "lost", 1, "a.csv", 3),
                sub("u2", "T5", "failures", 2, "a.csv", 4),
            ],
        );
        let out = fs.import_submissions(&b, at(2)).unwrap();
        assert_eq!((out.stored, out.superseded), (3, 0));
        assert_eq!(fs.period_facts("2023").unwrap().len(), 3);
        assert_eq!(fs.period_facts("2024").unwrap().len(), 0);
        let u1 = fs.unit_facts("2023", "u1").unwrap();
        assert_eq!(
            u1.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
            ["cases", "lost"]
        );
        assert_eq!(
            fs.field_facts("2023", "u2", "T5", "failures").unwrap()[0].value,
            Value::Int(2)
        );
        let subs = fs.submissions().unwrap();
        assert_eq!(subs.len(), 1);
        assert_eq!(subs[0].file.units, ["u1", "u2"]);
        assert_eq!(subs[0].import_id, out.import_id);
    }

    #[test]
    fn reimport_supersedes_the_units_it_contains_and_keeps_history() {
        let (_d, fs) = open();
        fs.import_submissions(
            &batch(
                "a.csv",
                &["u1", "u2"],
                vec![
                    sub("u1", "T5", "failures", 2, "a.csv", 2),
                    sub("u1", "T3.1", "cases", 4, "a.csv", 3),
                    sub("u2", "T5", "failures", 1, "a.csv", 4),
                ],
            ),
            at(2),
        )
        .unwrap();
        let out = fs
            .import_submissions(
                &batch(
                    "b.csv",
                    &["u1"],
                    vec![sub("u1", "T5", "failures", 0, "b.csv", 2)],
                ),
                at(3),
            )
            .unwrap();
        assert_eq!(
            out.superseded, 2,
            "both of u1's earlier facts go, u2's stay"
        );
        let u1 = fs.unit_facts("2023", "u1").unwrap();
        assert_eq!(u1.len(), 1);
        assert_eq!(u1[0].value, Value::Int(0));
        assert_eq!(fs.unit_facts("2023", "u2").unwrap().len(), 1);
        let h = fs.field_history("2023", "u1", "T5", "failures").unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].fact.value, Value::Int(2));
        assert_eq!(h[0].superseded_at, at(3));
        assert_eq!(
            h[0].superseded_by,
            Supersession::Import {
                import_id: out.import_id,
                file: "b.csv".into()
            }
        );
        assert_eq!(
            fs.field_history("2023", "u1", "T3.1", "cases")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_failed_transaction_leaves_the_store_unchanged() {
        let (_d, fs) = open();
        fs.import_submissions(
            &batch(
                "a.csv",
                &["u1"],
                vec![sub("u1", "T5", "failures", 2, "a.csv", 2)],
            ),
            at(2),
        )
        .unwrap();
        let before = fs.period_facts("2023").unwrap();
        // Valid facts first, then one that is not a submission: the transaction has already
        // retired u1's old fact and written two new ones when it aborts.
        let mut web = sub("u1", "T1", "published", 1, "b.csv", 9);
        web.provenance = Provenance::Web {
            evidence: vec!["e1".into()],
        };
        let b = batch(
            "b.csv",
            &["u1"],
            vec![
                sub("u1", "T5", "failures", 0, "b.csv", 2),
                sub("u1", "T3.1", "cases", 3, "b.csv", 3),
                web,
            ],
        );
        match fs.import_submissions(&b, at(3)) {
            Err(FactsError::Rejected { field, .. }) => assert_eq!(field, "published"),
            other => panic!("expected a rejection, got {other:?}"),
        }
        assert_eq!(fs.period_facts("2023").unwrap(), before);
        assert!(fs
            .field_history("2023", "u1", "T5", "failures")
            .unwrap()
            .is_empty());
        assert_eq!(fs.submissions().unwrap().len(), 1);
        // A fact for a unit no file lists is refused the same way.
        let b = batch(
            "c.csv",
            &["u1"],
            vec![
                sub("u1", "T5", "failures", 0, "c.csv", 2),
                sub("u9", "T5", "failures", 0, "c.csv", 3),
            ],
        );
        assert!(matches!(
            fs.import_submissions(&b, at(4)),
            Err(FactsError::Rejected { .. })
        ));
        assert_eq!(fs.period_facts("2023").unwrap(), before);
    }

    fn manual(v: u64, by: &str, h: u32) -> Fact {
        let mut f = sub("u1", "T5", "failures", v, "", 0);
        f.provenance = Provenance::Manual {
            by: by.into(),
            at: at(h),
            reason: "复核通报原文".into(),
        };
        f.recorded_at = at(h);
        f
    }

    #[test]
    fn manual_set_and_unset_are_audited_and_kept() {
        let (_d, fs) = open();
        fs.import_submissions(
            &batch(
                "a.csv",
                &["u1"],
                vec![sub("u1", "T5", "failures", 2, "a.csv", 2)],
            ),
            at(2),
        )
        .unwrap();
        let r1 = fs.set_manual(&manual(1, "张三", 3)).unwrap();
        assert_eq!(r1.previous, None);
        let r2 = fs.set_manual(&manual(3, "李四", 4)).unwrap();
        assert_eq!(r2.previous, Some(Value::Int(1)));
        let cur = fs.field_facts("2023", "u1", "T5", "failures").unwrap();
        assert_eq!(cur.len(), 2, "the submission stays beside the manual value");
        let r3 = fs
            .unset_manual("2023", "u1", "T5", "failures", "王五", at(5), "通报已撤回")
            .unwrap();
        assert_eq!(r3.action, AuditAction::Unset);
        assert_eq!(r3.previous, Some(Value::Int(3)));
        assert!(fs
            .current("2023", "u1", "T5", "failures", Origin::Manual)
            .unwrap()
            .is_none());
        assert!(fs
            .current("2023", "u1", "T5", "failures", Origin::Submission)
            .unwrap()
            .is_some());
        let log = fs.audit_log("2023", Some("u1")).unwrap();
        assert_eq!(
            log.iter().map(|r| r.by.as_str()).collect::<Vec<_>>(),
            ["张三", "李四", "王五"]
        );
        let h = fs.field_history("2023", "u1", "T5", "failures").unwrap();
        assert_eq!(
            h.iter().map(|e| e.fact.value.clone()).collect::<Vec<_>>(),
            [Value::Int(1), Value::Int(3)]
        );
        assert!(matches!(
            fs.unset_manual("2023", "u1", "T5", "failures", "王五", at(6), "again"),
            Err(FactsError::NoManualFact { .. })
        ));
        assert!(fs
            .set_manual(&sub("u1", "T5", "failures", 1, "a.csv", 2))
            .is_err());
    }

    #[test]
    fn web_facts_of_an_item_are_replaced_as_a_set() {
        let (_d, fs) = open();
        let web = |field: &str, v: u64, e: &str| {
            let mut f = sub("u1", "T6.1", field, v, "", 0);
            f.provenance = Provenance::Web {
                evidence: vec![e.into()],
            };
            f
        };
        fs.replace_web_facts(
            "2023",
            "u1",
            &["T6.1"],
            &[web("due", 10, "e1"), web("reported", 9, "e1")],
            at(2),
        )
        .unwrap();
        let out = fs
            .replace_web_facts("2023", "u1", &["T6.1"], &[web("due", 12, "e2")], at(3))
            .unwrap();
        assert_eq!(
            out,
            WebOutcome {
                stored: 1,
                superseded: 2
            }
        );
        let cur = fs.item_facts("2023", "u1", "T6.1").unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].value, Value::Int(12));
        assert_eq!(
            fs.field_history("2023", "u1", "T6.1", "reported").unwrap()[0].superseded_by,
            Supersession::Web
        );
        // A fact of another item aborts the whole replacement.
        let mut stray = web("due", 1, "e3");
        stray.item = "T5".into();
        assert!(fs
            .replace_web_facts(
                "2023",
                "u1",
                &["T6.1"],
                &[web("due", 13, "e3"), stray],
                at(4)
            )
            .is_err());
        assert_eq!(
            fs.item_facts("2023", "u1", "T6.1").unwrap()[0].value,
            Value::Int(12)
        );
    }
}
