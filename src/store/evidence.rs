//! The `evidence` tree (id → [`Evidence`]) with its indexes `evidence_by_unit`
//! (period, unit, item, id), `evidence_by_item` (period, item, unit, id) and `evidence_by_doc`
//! (document id, id), and per period the classification's coverage and unresolved names
//! (`evidence_meta`). A classification replaces a period's evidence in one transaction and says
//! what changed; an analyst's decision updates one record.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sled::transaction::{TransactionError, Transactional};

use crate::model::evidence::{Coverage, Decision, Evidence, Status, Unresolved};

use super::{decode, encode, key, prefix, Result, Store, StoreError};

/// What a re-classification changed, by evidence id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvidenceChanges {
    pub new: Vec<String>,
    pub changed: Vec<String>,
    pub gone: Vec<String>,
    pub unchanged: usize,
}

/// A query over evidence.
#[derive(Debug, Clone, Default)]
pub struct EvidenceFilter {
    pub period: Option<String>,
    pub unit: Option<String>,
    pub item: Option<String>,
    pub status: Option<Status>,
    pub rule: Option<String>,
}

impl EvidenceFilter {
    fn accepts(&self, e: &Evidence) -> bool {
        self.period.as_ref().is_none_or(|p| &e.period == p)
            && self.unit.as_ref().is_none_or(|u| &e.unit == u)
            && self.item.as_ref().is_none_or(|i| &e.item == i)
            && self.status.is_none_or(|s| e.status == s)
            && self.rule.as_ref().is_none_or(|r| &e.rule == r)
    }
}

/// `evidence_meta` key whose presence says the item and document indexes are complete (stores
/// written before they existed get them on first use).
pub(crate) const INDEXES: &str = "indexes";

fn tx_err(e: TransactionError<String>) -> StoreError {
    match e {
        TransactionError::Abort(m) => StoreError::Aborted(m),
        TransactionError::Storage(s) => StoreError::Sled(s),
    }
}

impl Store {
    /// Replaces the evidence of `period` with `found`, keeping nothing else of that period, and
    /// stores coverage and unresolved names — all in one transaction, then flushed.
    pub fn replace_evidence(
        &self,
        period: &str,
        found: &[Evidence],
        coverage: &Coverage,
        unresolved: &[Unresolved],
    ) -> Result<EvidenceChanges> {
        let _gate = self.write_gate();
        let old: BTreeMap<String, Evidence> = self
            .evidence_list(&EvidenceFilter {
                period: Some(period.to_string()),
                ..Default::default()
            })?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let mut changes = EvidenceChanges::default();
        let new_ids: BTreeSet<&str> = found.iter().map(|e| e.id.as_str()).collect();
        for e in found {
            match old.get(&e.id) {
                None => changes.new.push(e.id.clone()),
                Some(o)
                    if o.finding != e.finding
                        || o.snapshot != e.snapshot
                        || o.document != e.document =>
                {
                    changes.changed.push(e.id.clone())
                }
                Some(_) => changes.unchanged += 1,
            }
        }
        changes.gone = old
            .keys()
            .filter(|id| !new_ids.contains(id.as_str()))
            .cloned()
            .collect();

        self.ensure_evidence_indexes()?;
        let records = self.tree("evidence")?;
        let index = self.tree("evidence_by_unit")?;
        let by_item = self.tree("evidence_by_item")?;
        let by_doc = self.tree("evidence_by_doc")?;
        let meta = self.tree("evidence_meta")?;
        (&records, &index, &by_item, &by_doc, &meta)
            .transaction(|(records, index, by_item, by_doc, meta)| {
                for (id, o) in &old {
                    records.remove(id.as_bytes())?;
                    for (k, tree) in [
                        (key(&[o.period.as_str(), &o.unit, &o.item, id]), index),
                        (key(&[o.period.as_str(), &o.item, &o.unit, id]), by_item),
                        (key(&[o.document.id.as_str(), id]), by_doc),
                    ] {
                        tree.remove(k)?;
                    }
                }
                for e in found {
                    records.insert(e.id.as_bytes(), encode(e))?;
                    for (k, tree) in [
                        (key(&[e.period.as_str(), &e.unit, &e.item, &e.id]), index),
                        (key(&[e.period.as_str(), &e.item, &e.unit, &e.id]), by_item),
                        (key(&[e.document.id.as_str(), &e.id]), by_doc),
                    ] {
                        tree.insert(k, &[])?;
                    }
                }
                meta.insert(key(&["coverage", period]), encode(coverage))?;
                meta.insert(key(&["unresolved", period]), encode(&unresolved))?;
                Ok(())
            })
            .map_err(tx_err)?;
        self.flush()?;
        Ok(changes)
    }

    pub fn evidence(&self, id: &str) -> Result<Option<Evidence>> {
        match self.tree("evidence")?.get(id.as_bytes())? {
            Some(v) => Ok(Some(decode("evidence", &v)?)),
            None => Ok(None),
        }
    }

    /// Builds the item and document indexes when the store predates them (once).
    pub fn ensure_evidence_indexes(&self) -> Result<()> {
        let meta = self.tree("evidence_meta")?;
        if meta.contains_key(INDEXES)? {
            return Ok(());
        }
        let by_item = self.tree("evidence_by_item")?;
        let by_doc = self.tree("evidence_by_doc")?;
        by_item.clear()?;
        by_doc.clear()?;
        for v in self.tree("evidence")?.iter().values() {
            let e: Evidence = decode("evidence", &v?)?;
            by_item.insert(key(&[e.period.as_str(), &e.item, &e.unit, &e.id]), &[])?;
            by_doc.insert(key(&[e.document.id.as_str(), &e.id]), &[])?;
        }
        meta.insert(INDEXES, &[])?;
        self.flush()
    }

    /// The evidence resting on each of `documents` (of `period`, or every period), by document.
    pub fn evidence_for_documents(
        &self,
        period: Option<&str>,
        documents: &[&str],
    ) -> Result<BTreeMap<String, Vec<Evidence>>> {
        self.ensure_evidence_indexes()?;
        let records = self.tree("evidence")?;
        let by_doc = self.tree("evidence_by_doc")?;
        let mut out: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
        for d in documents {
            for k in by_doc.scan_prefix(prefix(&[*d])).keys() {
                let k = k?;
                let id = k.rsplit(|b| *b == 0).next().unwrap_or(&[]);
                if let Some(v) = records.get(id)? {
                    let Some(e) =
                        self.skip_bad("evidence", id, decode::<Evidence>("evidence", &v))?
                    else {
                        continue;
                    };
                    if period.is_none_or(|p| e.period == p) {
                        out.entry(d.to_string()).or_default().push(e);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Evidence matching `filter`, in (unit, item, id) order. With a period and a unit or an
    /// item an index is read; otherwise the records are scanned.
    pub fn evidence_list(&self, filter: &EvidenceFilter) -> Result<Vec<Evidence>> {
        let records = self.tree("evidence")?;
        let mut out = Vec::new();
        let indexed = match (&filter.period, &filter.unit, &filter.item) {
            (Some(period), Some(unit), Some(item)) => Some((
                self.tree("evidence_by_unit")?,
                prefix(&[period.as_str(), unit, item]),
            )),
            (Some(period), Some(unit), None) => Some((
                self.tree("evidence_by_unit")?,
                prefix(&[period.as_str(), unit]),
            )),
            (Some(period), None, Some(item)) => {
                self.ensure_evidence_indexes()?;
                Some((
                    self.tree("evidence_by_item")?,
                    prefix(&[period.as_str(), item]),
                ))
            }
            _ => None,
        };
        if let Some((index, pre)) = indexed {
            for k in index.scan_prefix(pre).keys() {
                let k = k?;
                let id = k.rsplit(|b| *b == 0).next().unwrap_or(&[]);
                if let Some(v) = records.get(id)? {
                    let Some(e) =
                        self.skip_bad("evidence", id, decode::<Evidence>("evidence", &v))?
                    else {
                        continue;
                    };
                    if filter.accepts(&e) {
                        out.push(e);
                    }
                }
            }
            return Ok(out);
        }
        for kv in records.iter() {
            let (k, v) = kv?;
            let Some(e) = self.skip_bad("evidence", &k, decode::<Evidence>("evidence", &v))? else {
                continue;
            };
            if filter.accepts(&e) {
                out.push(e);
            }
        }
        out.sort_by(|a, b| (&a.unit, &a.item, &a.id).cmp(&(&b.unit, &b.item, &b.id)));
        Ok(out)
    }

    /// Records an analyst's decision on one piece of evidence.
    pub fn decide_evidence(
        &self,
        id: &str,
        status: Status,
        decision: Decision,
    ) -> Result<Option<Evidence>> {
        let records = self.tree("evidence")?;
        let Some(v) = records.get(id.as_bytes())? else {
            return Ok(None);
        };
        let mut e: Evidence = decode("evidence", &v)?;
        e.status = status;
        e.decision = Some(decision);
        records.insert(id.as_bytes(), encode(&e))?;
        self.flush()?;
        Ok(Some(e))
    }

    pub fn coverage(&self, period: &str) -> Result<Coverage> {
        match self
            .tree("evidence_meta")?
            .get(key(&["coverage", period]))?
        {
            Some(v) => decode("evidence_meta", &v),
            None => Ok(Coverage::default()),
        }
    }

    pub fn unresolved(&self, period: &str) -> Result<Vec<Unresolved>> {
        match self
            .tree("evidence_meta")?
            .get(key(&["unresolved", period]))?
        {
            Some(v) => decode("evidence_meta", &v),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::evidence::{DocRef, Finding};

    fn ev(id: &str, unit: &str, title: &str) -> Evidence {
        Evidence {
            id: id.into(),
            period: "2023".into(),
            unit: unit.into(),
            item: "T1".into(),
            rule: "T1.qzqd".into(),
            finding: Finding::Published,
            document: DocRef {
                id: format!("doc-{id}"),
                source: "s".into(),
                title: title.into(),
                url: "http://www.tongbai.sim/x.html".into(),
                published_on: None,
            },
            snapshot: "h".into(),
            fetched_at: None,
            status: Status::Confirmed,
            decision: None,
            summary: String::new(),
        }
    }

    #[test]
    fn replace_reports_changes_and_indexes_by_unit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let c = s
            .replace_evidence(
                "2023",
                &[ev("a", "u1", "x"), ev("b", "u2", "y")],
                &Coverage::default(),
                &[],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.new.len(), 2);
        let c = s
            .replace_evidence(
                "2023",
                &[ev("a", "u1", "x2"), ev("c", "u1", "z")],
                &Coverage::default(),
                &[],
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.new, c.changed, c.gone),
            (
                vec!["c".to_string()],
                vec!["a".to_string()],
                vec!["b".to_string()]
            )
        );
        let f = EvidenceFilter {
            period: Some("2023".into()),
            unit: Some("u1".into()),
            ..Default::default()
        };
        let ids: Vec<String> = s
            .evidence_list(&f)
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, vec!["a".to_string(), "c".to_string()]);
        assert!(s.evidence("b").unwrap_or_else(|e| panic!("{e}")).is_none());
    }
}
