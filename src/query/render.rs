//! Rendering query results: flat rows for tables, CSV and JSON, an aligned table for the
//! terminal (display widths, so Chinese lines up) and CSV with a BOM for Excel.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::{Query, QueryError, QueryResult};
use crate::evidence::model::Status;

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
    /// The search index's best fragment with the keywords marked (`marks`: character ranges
    /// of `text`); absent without a keyword.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<crate::search::Highlight>,
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
                kind: crate::search::kind_key(d.kind),
                title: d.title.clone().unwrap_or_default(),
                url: d.url.clone(),
                snapshot: d.snapshot.clone(),
                excerpt: excerpt(&d.body, phrases.first().map(String::as_str), 60),
                highlight: row.highlight.clone(),
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
        let published = r.published.map(|d| d.to_string()).unwrap_or_default();
        let statuses = statuses(r);
        let cells = [
            r.id.as_str(),
            &published,
            r.unit.as_deref().unwrap_or(""),
            r.unit_name.as_deref().unwrap_or(""),
            &r.source,
            r.kind,
            &r.title,
            &r.url,
            &r.snapshot,
            &statuses,
            &r.excerpt,
        ];
        w.write_record(cells.iter().map(|c| crate::cells::csv_text(c).into_owned()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| QueryError::Csv(e.into_error().into()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}
