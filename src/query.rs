//! Querying documents and their evidence: what `govtrust query` and the HTTP API's `documents`
//! and `evidence` routes answer. Document filters (unit, source, kind, date range, keyword) are
//! answered from the posting lists of `store::index`, newest first, reading only as many
//! documents as the limit needs; evidence filters (item, status) start from the evidence, which
//! is small. A keyword narrows candidates by its index terms, then each candidate's title and
//! body are checked for the exact phrase. Renderers give an aligned table, JSON and CSV.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::evidence::model::{Evidence, Status};
use crate::extract::{Document, DocumentKind};
use crate::store::evidence::EvidenceFilter;
use crate::store::index::{terms, PostingQuery};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Store(#[from] StoreError),
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
        }
    }
}

/// One document with the evidence resting on it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryRow {
    pub document: Document,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    /// Newest first; undated documents last.
    pub rows: Vec<QueryRow>,
    /// More rows matched than `limit`.
    pub truncated: bool,
}

impl Query {
    fn phrases(&self) -> Vec<String> {
        self.text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }

    /// The index terms every match contains. A lone Chinese character is not used: it is only
    /// indexed where it stands alone, so the phrase check alone decides for it.
    fn index_terms(&self) -> Vec<String> {
        let mut out = BTreeSet::new();
        for p in self.phrases() {
            for t in terms(&p) {
                let lone_han = t.chars().count() == 1 && !t.is_ascii();
                if !lone_han {
                    out.insert(t);
                }
            }
        }
        out.into_iter().collect()
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
        q.text = given(&self.text).map(str::to_string);
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
    let phrases = q.phrases();
    if q.item.is_some() || q.status.is_some() {
        return by_evidence(store, q, &phrases);
    }
    let mut docs = Vec::new();
    let postings = PostingQuery {
        unit: q.unit.clone(),
        source: q.source.clone(),
        kind: q.kind,
        terms: q.index_terms(),
        from: q.from,
        to: q.to,
    };
    store.visit_postings(&postings, |id| {
        if let Some(d) = store.document(id)? {
            if q.document_matches(&d, &phrases) {
                docs.push(d);
            }
        }
        Ok(docs.len() <= q.limit)
    })?;
    let truncated = docs.len() > q.limit;
    docs.truncate(q.limit);
    let wanted: BTreeSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let mut by_doc: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    if !docs.is_empty() {
        let filter = EvidenceFilter {
            item: None,
            status: None,
            ..q.evidence_filter()
        };
        for e in store.evidence_list(&filter)? {
            if wanted.contains(e.document.id.as_str()) {
                by_doc.entry(e.document.id.clone()).or_default().push(e);
            }
        }
    }
    let rows = docs
        .into_iter()
        .map(|d| QueryRow {
            evidence: by_doc.remove(&d.id).unwrap_or_default(),
            document: d,
        })
        .collect();
    Ok(QueryResult { rows, truncated })
}

/// Item or status asked: the matching evidence decides which documents qualify.
fn by_evidence(store: &Store, q: &Query, phrases: &[String]) -> Result<QueryResult, QueryError> {
    let mut by_doc: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    for e in store.evidence_list(&q.evidence_filter())? {
        by_doc.entry(e.document.id.clone()).or_default().push(e);
    }
    let mut rows = Vec::new();
    for (id, evidence) in by_doc {
        if let Some(d) = store.document(&id)? {
            if q.document_matches(&d, phrases) {
                rows.push(QueryRow {
                    document: d,
                    evidence,
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

/// A flat row for tables, CSV and JSON lists.
#[derive(Debug, Clone, Serialize)]
pub struct FlatRow {
    pub id: String,
    pub published: Option<NaiveDate>,
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    pub source: String,
    pub kind: &'static str,
    pub title: String,
    pub url: String,
    pub snapshot: String,
    /// The text around the first keyword, or the start of the body.
    pub excerpt: String,
    pub evidence: Vec<FlatEvidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlatEvidence {
    pub id: String,
    pub item: String,
    pub rule: String,
    pub status: Status,
    pub summary: String,
}

/// Flattens a result; `unit_name` maps a unit id to its short name.
pub fn flatten(
    r: &QueryResult,
    q: &Query,
    unit_name: impl Fn(&str) -> Option<String>,
) -> Vec<FlatRow> {
    let phrases = q.phrases();
    r.rows
        .iter()
        .map(|row| {
            let d = &row.document;
            FlatRow {
                id: d.id.clone(),
                published: d.published,
                unit: d.unit.clone(),
                unit_name: d.unit.as_deref().and_then(&unit_name),
                source: d.source.clone(),
                kind: crate::store::index::kind_key(d.kind),
                title: d.title.clone().unwrap_or_default(),
                url: d.url.clone(),
                snapshot: d.snapshot.clone(),
                excerpt: excerpt(&d.body, phrases.first().map(String::as_str), 60),
                evidence: row
                    .evidence
                    .iter()
                    .map(|e| FlatEvidence {
                        id: e.id.clone(),
                        item: e.item.clone(),
                        rule: e.rule.clone(),
                        status: e.status,
                        summary: e.summary.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// About `chars` characters of `body` around the first occurrence of `phrase` (case-folded).
pub fn excerpt(body: &str, phrase: Option<&str>, chars: usize) -> String {
    let flat: Vec<char> = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let lower: Vec<char> = flat.iter().flat_map(|c| c.to_lowercase()).collect();
    let at = phrase
        .filter(|p| !p.is_empty())
        .and_then(|p| {
            // Lower-casing keeps the character count for the scripts seen here (CJK, ASCII).
            let p: Vec<char> = p.chars().collect();
            (lower.len() == flat.len())
                .then(|| lower.windows(p.len()).position(|w| w == p.as_slice()))
                .flatten()
        })
        .unwrap_or(0);
    let start = at.saturating_sub(chars / 3);
    let end = (start + chars).min(flat.len());
    let mut s: String = flat[start..end].iter().collect();
    if start > 0 {
        s.insert(0, '…');
    }
    if end < flat.len() {
        s.push('…');
    }
    s
}

fn statuses(r: &FlatRow) -> String {
    r.evidence
        .iter()
        .map(|e| format!("{} {}", e.item, e.status.label()))
        .collect::<Vec<_>>()
        .join("；")
}

/// Cuts `s` to at most `width` display columns.
fn clip(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_string();
    for _ in s.width()..width {
        out.push(' ');
    }
    out
}

/// An aligned table for the terminal (column widths by display width, so CJK lines up).
pub fn table(rows: &[FlatRow], truncated: bool) -> String {
    let head = ["日期", "单位", "来源", "类型", "标题", "证据", "网址"];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.published
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "—".into()),
                r.unit_name
                    .clone()
                    .or_else(|| r.unit.clone())
                    .unwrap_or_else(|| "—".into()),
                r.source.clone(),
                if r.kind == "record" {
                    "记录"
                } else {
                    "文章"
                }
                .to_string(),
                clip(&r.title, 40),
                clip(&statuses(r), 24),
                r.url.clone(),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for c in &cells {
        for (i, v) in c.iter().enumerate() {
            widths[i] = widths[i].max(v.width());
        }
    }
    let mut out = String::new();
    let line = |vals: &[&str]| {
        let mut l = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i + 1 == vals.len() {
                l.push_str(v);
            } else {
                l.push_str(&pad(v, widths[i]));
                l.push_str("  ");
            }
        }
        l
    };
    let _ = writeln!(out, "{}", line(&head));
    let _ = writeln!(
        out,
        "{}",
        line(
            &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        )
    );
    for c in &cells {
        let vals: Vec<&str> = c.iter().map(String::as_str).collect();
        let _ = writeln!(out, "{}", line(&vals));
    }
    let _ = write!(out, "共 {} 条", rows.len());
    if truncated {
        out.push_str("（结果已截断，请加筛选条件或 --limit）");
    }
    out.push('\n');
    out
}

/// JSON: `{"rows": [...], "truncated": bool}`.
pub fn json(rows: &[FlatRow], truncated: bool) -> Result<String, QueryError> {
    #[derive(Serialize)]
    struct Out<'a> {
        rows: &'a [FlatRow],
        truncated: bool,
    }
    Ok(serde_json::to_string_pretty(&Out { rows, truncated })? + "\n")
}

/// CSV with a BOM so Excel reads the Chinese; one line per document.
pub fn csv(rows: &[FlatRow]) -> Result<String, QueryError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "文档ID", "日期", "单位ID", "单位", "来源", "类型", "标题", "网址", "快照", "证据", "摘录",
    ])?;
    for r in rows {
        w.write_record([
            r.id.as_str(),
            &r.published.map(|d| d.to_string()).unwrap_or_default(),
            r.unit.as_deref().unwrap_or(""),
            r.unit_name.as_deref().unwrap_or(""),
            &r.source,
            r.kind,
            &r.title,
            &r.url,
            &r.snapshot,
            &statuses(r),
            &r.excerpt,
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| QueryError::Csv(e.into_error().into()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::index::tests::doc;

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
        assert!(csv(&rows)
            .unwrap_or_else(|e| panic!("{e}"))
            .starts_with("\u{feff}文档ID"));
        let t = table(&rows, false);
        assert!(t.contains("诚信教育月") && t.contains("共 3 条"));
    }
}
