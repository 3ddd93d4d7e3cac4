//! Querying documents and their evidence: what `govtrust query` and the HTTP API's `documents`
//! and `evidence` routes answer. Document filters (unit, source, kind, date range, keyword) are
//! answered by the search index (`crate::search`, tantivy), newest first, reading only as many
//! documents as the limit needs; evidence filters (item, status) start from the evidence, which
//! is small. A keyword is looked up by the same CJK analysis documents were indexed with (a
//! run of Chinese characters as a phrase of its bigrams, a lone character as any term holding
//! it, ASCII words lower-cased), then each candidate's title and body are checked for the exact
//! phrase; rows carry a highlighted snippet. Renderers give an aligned table, JSON and CSV.

mod render;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

use crate::evidence::model::{Evidence, Status};
use crate::extract::{Document, DocumentKind};
use crate::search::{Filter, Highlight, Search, SearchError};
use crate::store::evidence::EvidenceFilter;
use crate::store::{Store, StoreError};

pub use render::{csv, excerpt, flatten, json, table, FlatEvidence, FlatRow};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("--from {from} is after --to {to}")]
    Range { from: NaiveDate, to: NaiveDate },
    #[error("{field} {value:?}: {why}")]
    Param {
        field: &'static str,
        value: String,
        why: String,
    },
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Default number of rows returned.
pub const DEFAULT_LIMIT: usize = 100;

/// Longest keyword text a query takes: each character pair is an index term of its phrase.
pub const MAX_TEXT_CHARS: usize = 200;

/// A query over documents and evidence. Every filter given must hold.
#[derive(Debug, Clone)]
pub struct Query {
    /// Roster unit id.
    pub unit: Option<String>,
    /// Only units in this set (e.g. every township); applied with `unit`.
    pub units_in: Option<BTreeSet<String>>,
    /// Indicator item id: only documents with evidence for it.
    pub item: Option<String>,
    pub kind: Option<DocumentKind>,
    pub source: Option<String>,
    /// Evidence status: only documents with evidence in this status.
    pub status: Option<Status>,
    /// Inclusive bounds on the publication date.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Keyword(s): every whitespace-separated phrase must occur in the title or body.
    pub text: Option<String>,
    /// The evaluation period whose evidence is attached (all periods when `None`).
    pub period: Option<String>,
    pub limit: usize,
    /// Rows carry a highlighted snippet when a keyword is given (the command line and the API
    /// always ask; a caller that only needs the documents can save the work).
    pub highlight: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            unit: None,
            units_in: None,
            item: None,
            kind: None,
            source: None,
            status: None,
            from: None,
            to: None,
            text: None,
            period: None,
            limit: DEFAULT_LIMIT,
            highlight: true,
        }
    }
}

/// One document with the evidence resting on it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRow {
    pub document: Document,
    pub evidence: Vec<Evidence>,
    /// The body's (else the title's) best fragment with the keywords marked; `None` without a
    /// keyword, or when only the phrase check (not an index term) found it.
    pub highlight: Option<Highlight>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    /// Newest first; undated documents last.
    pub rows: Vec<QueryRow>,
    /// More rows matched than `limit`.
    pub truncated: bool,
}

impl Query {
    pub(crate) fn phrases(&self) -> Vec<String> {
        self.text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }

    /// What the search index is asked: the document filters and the phrases.
    fn filter(&self) -> Filter {
        Filter {
            unit: self.unit.clone(),
            units_in: self.units_in.clone(),
            source: self.source.clone(),
            kind: self.kind,
            from: self.from,
            to: self.to,
            phrases: self.phrases(),
        }
    }

    fn document_matches(&self, d: &Document, phrases: &[String]) -> bool {
        if self
            .unit
            .as_ref()
            .is_some_and(|u| d.unit.as_ref() != Some(u))
            || self.source.as_ref().is_some_and(|s| &d.source != s)
            || self.kind.is_some_and(|k| d.kind != k)
            || self.from.is_some_and(|f| d.published.is_none_or(|p| p < f))
            || self.to.is_some_and(|t| d.published.is_none_or(|p| p > t))
        {
            return false;
        }
        if let Some(set) = &self.units_in {
            if !d.unit.as_ref().is_some_and(|u| set.contains(u)) {
                return false;
            }
        }
        if phrases.is_empty() {
            return true;
        }
        let mut text = d.title.as_deref().unwrap_or("").to_lowercase();
        text.push('\n');
        text.push_str(&d.body.to_lowercase());
        phrases.iter().all(|p| text.contains(p.as_str()))
    }

    fn evidence_filter(&self) -> EvidenceFilter {
        EvidenceFilter {
            period: self.period.clone(),
            unit: self.unit.clone(),
            item: self.item.clone(),
            status: self.status,
            rule: None,
        }
    }
}

/// A query as the command line and the HTTP API spell it: names, labels and dates as text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct QueryParams {
    /// Unit id, name or alias.
    pub unit: Option<String>,
    pub item: Option<String>,
    /// `article`/`record` (文章/记录) for documents, `township`/`department` for units.
    pub kind: Option<String>,
    pub source: Option<String>,
    /// `candidate`/`confirmed`/`rejected` (待确认/已确认/已驳回).
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
    pub limit: Option<usize>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl QueryParams {
    /// Resolves names against the project (unit names, item ids, unit kinds); the period's
    /// evidence is attached.
    pub fn resolve(&self, project: &crate::config::Project) -> Result<Query, QueryError> {
        let bad = |field: &'static str, value: &str, why: String| QueryError::Param {
            field,
            value: value.to_string(),
            why,
        };
        let mut q = Query {
            period: Some(project.period.id.clone()),
            limit: self.limit.unwrap_or(DEFAULT_LIMIT).max(1),
            ..Query::default()
        };
        if let Some(u) = given(&self.unit) {
            let unit = project
                .roster
                .resolve(u)
                .map_err(|e| bad("unit", u, e.to_string()))?;
            q.unit = Some(unit.id.clone());
        }
        if let Some(i) = given(&self.item) {
            let known = project
                .catalogs
                .values()
                .any(|c| c.items.iter().any(|it| it.id == i));
            if !known {
                return Err(bad("item", i, "指标库中没有这个指标".into()));
            }
            q.item = Some(i.to_string());
        }
        if let Some(k) = given(&self.kind) {
            match k {
                "article" | "文章" => q.kind = Some(DocumentKind::Article),
                "record" | "记录" => q.kind = Some(DocumentKind::Record),
                other => match crate::config::Kind::parse(other) {
                    Some(kind) => {
                        q.units_in =
                            Some(project.roster.of_kind(kind).map(|u| u.id.clone()).collect())
                    }
                    None => {
                        return Err(bad(
                            "kind",
                            k,
                            "应为 article、record、township 或 department".into(),
                        ))
                    }
                },
            }
        }
        q.source = given(&self.source).map(str::to_string);
        if let Some(s) = given(&self.status) {
            q.status =
                Some(Status::parse(s).ok_or_else(|| {
                    bad("status", s, "应为 candidate、confirmed 或 rejected".into())
                })?);
        }
        for (field, v, slot) in [
            ("from", &self.from, &mut q.from),
            ("to", &self.to, &mut q.to),
        ] {
            if let Some(t) = given(v) {
                *slot = Some(
                    NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map_err(|_| bad(field, t, "日期应为 YYYY-MM-DD".into()))?,
                );
            }
        }
        if let Some(t) = given(&self.text) {
            if t.chars().count() > MAX_TEXT_CHARS {
                return Err(bad(
                    "text",
                    &t.chars().take(20).collect::<String>(),
                    format!("关键词最长 {MAX_TEXT_CHARS} 字"),
                ));
            }
            q.text = Some(t.to_string());
        }
        Ok(q)
    }
}

/// Answers `q`.
pub fn run(store: &Store, q: &Query) -> Result<QueryResult, QueryError> {
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(QueryError::Range { from, to });
        }
    }
    // Documents the crawl wrote since the last query are indexed first, so every reader sees
    // the store as it is (a no-op when nothing is queued).
    let search = Search::of(store)?;
    search.index_pending(store)?;
    let phrases = q.phrases();
    let filter = q.filter();
    let highlighter = if q.highlight {
        search.highlighter(&filter)?
    } else {
        None
    };
    let mut result = if q.item.is_some() || q.status.is_some() {
        by_evidence(store, q, &phrases)?
    } else {
        by_search(store, &search, q, &filter, &phrases)?
    };
    if let Some(h) = &highlighter {
        for row in &mut result.rows {
            let d = &row.document;
            row.highlight = h
                .highlight(&d.body)
                .or_else(|| d.title.as_deref().and_then(|t| h.highlight(t)));
        }
    }
    Ok(result)
}

/// Candidates from the search index, newest first, each checked on the stored document (the
/// exact phrases; the filters again, for a document rewritten since it was indexed) until one
/// more than the limit hold. The index answers most keywords exactly, so the first batch
/// usually suffices; later batches double.
fn by_search(
    store: &Store,
    search: &Search,
    q: &Query,
    filter: &Filter,
    phrases: &[String],
) -> Result<QueryResult, QueryError> {
    let mut docs = Vec::new();
    let (mut offset, mut batch) = (0, q.limit + 1);
    'batches: loop {
        let ids = search.newest(filter, offset, batch)?;
        for id in &ids {
            if let Some(d) = store.document(id)? {
                if q.document_matches(&d, phrases) {
                    docs.push(d);
                    if docs.len() > q.limit {
                        break 'batches;
                    }
                }
            }
        }
        if ids.len() < batch {
            break;
        }
        offset += ids.len();
        batch = (batch * 2).min(20_000);
    }
    let truncated = docs.len() > q.limit;
    docs.truncate(q.limit);
    let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let mut by_doc = store.evidence_for_documents(q.period.as_deref(), &ids)?;
    for list in by_doc.values_mut() {
        list.sort_by(|a, b| (&a.unit, &a.item, &a.id).cmp(&(&b.unit, &b.item, &b.id)));
    }
    let rows = docs
        .into_iter()
        .map(|d| QueryRow {
            evidence: by_doc.remove(&d.id).unwrap_or_default(),
            document: d,
            highlight: None,
        })
        .collect();
    Ok(QueryResult { rows, truncated })
}

/// Item or status asked: the matching evidence decides which documents qualify. Candidates are
/// ordered by the publication date their evidence recorded, so only as many documents are read
/// as the limit needs; rows are then ordered by the documents themselves.
fn by_evidence(store: &Store, q: &Query, phrases: &[String]) -> Result<QueryResult, QueryError> {
    let mut by_doc: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    for e in store.evidence_list(&q.evidence_filter())? {
        by_doc.entry(e.document.id.clone()).or_default().push(e);
    }
    let mut candidates: Vec<(Option<NaiveDate>, String, Vec<Evidence>)> = by_doc
        .into_iter()
        .map(|(id, ev)| {
            let date = ev.iter().filter_map(|e| e.document.published_on).max();
            (date, id, ev)
        })
        .collect();
    candidates.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
    let mut rows = Vec::new();
    for (_, id, evidence) in candidates {
        if rows.len() > q.limit {
            break;
        }
        if let Some(d) = store.document(&id)? {
            if q.document_matches(&d, phrases) {
                rows.push(QueryRow {
                    document: d,
                    evidence,
                    highlight: None,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (b.document.published, &b.document.id).cmp(&(a.document.published, &a.document.id))
    });
    let truncated = rows.len() > q.limit;
    rows.truncate(q.limit);
    Ok(QueryResult { rows, truncated })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::classify::Coverage;
    use crate::store::documents::tests::doc;
    use crate::store::evidence::INDEXES;

    #[test]
    fn keyword_unit_and_dates_combine() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        s.put_documents(&[
            doc(
                "a",
                "t-1",
                (2023, 3, 1),
                "工作动态",
                "全镇开展诚信教育活动。",
            ),
            doc("b", "t-1", (2023, 5, 1), "诚信教育月", "内容"),
            doc("c", "t-2", (2023, 4, 1), "诚信教育", "内容"),
            doc("d", "t-1", (2023, 4, 1), "教育诚信", "信 教"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let ids = |q: Query| -> Vec<String> {
            run(&s, &q)
                .unwrap_or_else(|e| panic!("{e}"))
                .rows
                .into_iter()
                .map(|r| r.document.id)
                .collect()
        };
        let kw = || Query {
            text: Some("诚信教育".into()),
            ..Query::default()
        };
        assert_eq!(ids(kw()), vec!["b", "c", "a"]);
        assert_eq!(
            ids(Query {
                unit: Some("t-1".into()),
                to: NaiveDate::from_ymd_opt(2023, 4, 30),
                ..kw()
            }),
            vec!["a"]
        );
        let one = run(&s, &Query { limit: 1, ..kw() }).unwrap_or_else(|e| panic!("{e}"));
        assert!(one.truncated);
        assert_eq!(one.rows.len(), 1);
        // A single character is checked on the text, not looked up as an index term.
        assert_eq!(
            ids(Query {
                text: Some("镇".into()),
                ..Query::default()
            }),
            vec!["a"]
        );
        let rows = flatten(
            &run(&s, &kw()).unwrap_or_else(|e| panic!("{e}")),
            &kw(),
            |_| None,
        );
        let marked: Vec<Option<&str>> = rows
            .iter()
            .map(|r| r.highlight.as_ref().map(|h| h.text.as_str()))
            .collect();
        // b and c have the phrase only in their titles.
        assert_eq!(
            marked,
            [
                Some("诚信教育月"),
                Some("诚信教育"),
                Some("全镇开展诚信教育活动")
            ]
        );
        let json = crate::query::json(&rows, false).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v["rows"][2]["highlight"]["marks"],
            serde_json::json!([[4, 8]])
        );
        let plain = run(
            &s,
            &Query {
                highlight: false,
                ..kw()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(plain.rows.iter().all(|r| r.highlight.is_none()));
        assert!(csv(&rows)
            .unwrap_or_else(|e| panic!("{e}"))
            .starts_with("\u{feff}文档ID"));
        let t = table(&rows, false);
        assert!(t.contains("诚信教育月") && t.contains("共 3 条"));
    }

    fn evidence_on(d: &Document, id: &str, item: &str) -> Evidence {
        use crate::evidence::model::{DocRef, Finding};
        Evidence {
            id: id.into(),
            period: "2023".into(),
            unit: d.unit.clone().unwrap_or_default(),
            item: item.into(),
            rule: "r".into(),
            finding: Finding::Published,
            document: DocRef::from(&crate::evidence::run::doc_input(d)),
            snapshot: "h".into(),
            fetched_at: None,
            status: Status::Confirmed,
            decision: None,
            summary: String::new(),
        }
    }

    #[test]
    fn item_queries_read_newest_first_and_rows_carry_their_evidence() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let docs = vec![
            doc("a", "t-1", (2023, 3, 1), "权责清单", "内容"),
            doc("b", "t-1", (2023, 5, 1), "权责清单调整", "内容"),
            doc("c", "t-2", (2023, 4, 1), "通知", "内容"),
        ];
        s.put_documents(&docs).unwrap_or_else(|e| panic!("{e}"));
        let ev = vec![
            evidence_on(&docs[0], "e1", "T1"),
            evidence_on(&docs[1], "e2", "T1"),
            evidence_on(&docs[2], "e3", "T5"),
        ];
        s.replace_evidence("2023", &ev, &Coverage::default(), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        let item = |limit| Query {
            item: Some("T1".into()),
            period: Some("2023".into()),
            limit,
            ..Query::default()
        };
        let r = run(&s, &item(1)).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.truncated);
        assert_eq!(r.rows[0].document.id, "b");
        let r = run(&s, &item(10)).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = r.rows.iter().map(|r| r.document.id.as_str()).collect();
        assert_eq!((ids, r.truncated), (vec!["b", "a"], false));

        // A plain query attaches each row's evidence, also on a store written before the
        // per-document index existed (it is built on first use).
        s.tree("evidence_meta")
            .and_then(|t| Ok(t.remove(INDEXES)?))
            .unwrap_or_else(|e| panic!("{e}"));
        s.tree("evidence_by_doc")
            .and_then(|t| Ok(t.clear()?))
            .unwrap_or_else(|e| panic!("{e}"));
        let r = run(
            &s,
            &Query {
                period: Some("2023".into()),
                ..Query::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let attached: Vec<(&str, Vec<&str>)> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.document.id.as_str(),
                    r.evidence.iter().map(|e| e.id.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            attached,
            vec![("b", vec!["e2"]), ("c", vec!["e3"]), ("a", vec!["e1"])]
        );
    }
}
