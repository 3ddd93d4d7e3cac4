//! `govtrust export evidence|scores`: the period's evidence, or every unit × item score, as
//! JSON lines (one record per line, for scripts), CSV (UTF-8 with a BOM so Excel opens Chinese
//! text correctly) or an XLSX workbook with a frozen header row. The columns are the same in
//! every format and named in Chinese in CSV and XLSX.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rust_xlsxwriter::{Format as CellFormat, Workbook};
use serde::Serialize;

use crate::evidence::model::{Evidence, Finding};
use crate::score::{self, Scoreboard, Status as ItemStatus};
use crate::store::evidence::EvidenceFilter;
use crate::store::Store;

use super::{finish, io_err, temporary, ExportError, Format};

/// One evidence row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceRow {
    pub id: String,
    pub period: String,
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    pub rule: String,
    pub status: String,
    pub finding: String,
    pub title: String,
    pub url: String,
    pub published_on: String,
    pub snapshot: String,
    pub fetched_at: String,
    pub summary: String,
}

const EVIDENCE_HEADERS: [&str; 14] = [
    "证据编号",
    "评估期",
    "单位编号",
    "单位",
    "指标",
    "规则",
    "状态",
    "发现类型",
    "文档标题",
    "网址",
    "发布日期",
    "快照",
    "抓取时间",
    "摘要",
];

/// One unit × item score row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRow {
    pub period: String,
    pub unit: String,
    pub unit_name: String,
    pub kind: String,
    pub total: f64,
    pub rank: usize,
    pub item: String,
    pub category: String,
    pub content: String,
    pub max: f64,
    pub score: Option<f64>,
    pub status: String,
    pub basis: String,
}

const SCORE_HEADERS: [&str; 13] = [
    "评估期",
    "单位编号",
    "单位",
    "类别",
    "总分",
    "排名",
    "指标",
    "一级指标",
    "指标内容",
    "分值",
    "得分",
    "状态",
    "评分依据",
];

fn finding_kind(f: &Finding) -> &'static str {
    match f {
        Finding::Published => "已公示",
        Finding::Repost { .. } => "转发",
        Finding::Local { .. } => "本地配套",
        Finding::Catalog { .. } => "年度目录",
        Finding::Named { .. } => "通报点名",
        Finding::Record { .. } => "双公示记录",
        Finding::Report { .. } => "年度报告",
        Finding::Case { .. } => "涉诉案件",
        Finding::Activity { .. } => "活动",
    }
}

pub fn evidence_rows(project: &crate::config::Project, evidence: &[Evidence]) -> Vec<EvidenceRow> {
    evidence
        .iter()
        .map(|e| EvidenceRow {
            id: e.id.clone(),
            period: e.period.clone(),
            unit: e.unit.clone(),
            unit_name: project
                .roster
                .get(&e.unit)
                .map(|u| u.name.clone())
                .unwrap_or_default(),
            item: e.item.clone(),
            rule: e.rule.clone(),
            status: e.status.label().to_string(),
            finding: finding_kind(&e.finding).to_string(),
            title: e.document.title.clone(),
            url: e.document.url.clone(),
            published_on: e
                .document
                .published_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            snapshot: e.snapshot.clone(),
            fetched_at: e.fetched_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            summary: e.summary.clone(),
        })
        .collect()
}

pub fn score_rows(board: &Scoreboard) -> Vec<ScoreRow> {
    let mut rows = Vec::new();
    for u in &board.units {
        for i in &u.items {
            rows.push(ScoreRow {
                period: board.period.clone(),
                unit: u.id.clone(),
                unit_name: u.name.clone(),
                kind: u.kind.label().to_string(),
                total: u.total,
                rank: u.rank,
                item: i.id.clone(),
                category: i.category.clone(),
                content: i.content.clone(),
                max: i.max,
                score: i.score,
                status: match i.status {
                    ItemStatus::Scored => "已评分",
                    ItemStatus::Missing => "缺项",
                }
                .to_string(),
                basis: i.basis.clone(),
            });
        }
    }
    rows
}

/// A row as the strings of its cells (CSV and XLSX), numbers kept apart for XLSX.
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

trait Row: Serialize {
    fn cells(&self) -> Vec<Cell>;
}

impl Row for EvidenceRow {
    fn cells(&self) -> Vec<Cell> {
        [
            &self.id,
            &self.period,
            &self.unit,
            &self.unit_name,
            &self.item,
            &self.rule,
            &self.status,
            &self.finding,
            &self.title,
            &self.url,
            &self.published_on,
            &self.snapshot,
            &self.fetched_at,
            &self.summary,
        ]
        .into_iter()
        .map(|s| Cell::Text(s.clone()))
        .collect()
    }
}

impl Row for ScoreRow {
    fn cells(&self) -> Vec<Cell> {
        let t = |s: &String| Cell::Text(s.clone());
        vec![
            t(&self.period),
            t(&self.unit),
            t(&self.unit_name),
            t(&self.kind),
            Cell::Number(self.total),
            Cell::Number(self.rank as f64),
            t(&self.item),
            t(&self.category),
            t(&self.content),
            Cell::Number(self.max),
            self.score.map(Cell::Number).unwrap_or(Cell::Empty),
            t(&self.status),
            t(&self.basis),
        ]
    }
}

fn write_rows<R: Row>(
    rows: &[R],
    headers: &[&str],
    sheet: &str,
    format: Format,
    out: &Path,
) -> Result<(), ExportError> {
    let tmp = temporary(out);
    match format {
        Format::Jsonl => {
            let mut w = BufWriter::new(File::create(&tmp).map_err(io_err(&tmp))?);
            for r in rows {
                let line = serde_json::to_string(r).map_err(|e| ExportError::Write {
                    path: tmp.clone(),
                    source: std::io::Error::other(e),
                })?;
                writeln!(w, "{line}").map_err(io_err(&tmp))?;
            }
            w.flush().map_err(io_err(&tmp))?;
        }
        Format::Csv => {
            let mut f = BufWriter::new(File::create(&tmp).map_err(io_err(&tmp))?);
            f.write_all("\u{feff}".as_bytes()).map_err(io_err(&tmp))?;
            let mut w = csv::Writer::from_writer(f);
            let csv_err = |source| ExportError::Csv {
                path: tmp.clone(),
                source,
            };
            w.write_record(headers).map_err(csv_err)?;
            for r in rows {
                let cells: Vec<String> = r
                    .cells()
                    .into_iter()
                    .map(|c| match c {
                        Cell::Text(s) => crate::cells::csv_text(&s).into_owned(),
                        Cell::Number(n) => format!("{n}"),
                        Cell::Empty => String::new(),
                    })
                    .collect();
                w.write_record(&cells).map_err(|source| ExportError::Csv {
                    path: tmp.clone(),
                    source,
                })?;
            }
            w.flush().map_err(io_err(&tmp))?;
        }
        Format::Xlsx => {
            let xerr = |source| ExportError::Workbook {
                path: tmp.clone(),
                source,
            };
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(sheet).map_err(xerr)?;
            let bold = CellFormat::new().set_bold();
            for (c, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(xerr)?;
            }
            for (i, r) in rows.iter().enumerate() {
                let row = (i + 1) as u32;
                for (c, cell) in r.cells().into_iter().enumerate() {
                    match cell {
                        Cell::Text(s) => crate::cells::write_text(ws, row, c as u16, &s, None),
                        Cell::Number(n) => ws.write_number(row, c as u16, n).map(|_| ()),
                        Cell::Empty => Ok(()),
                    }
                    .map_err(xerr)?;
                }
            }
            ws.set_freeze_panes(1, 0).map_err(xerr)?;
            ws.autofilter(
                0,
                0,
                rows.len() as u32,
                headers.len().saturating_sub(1) as u16,
            )
            .map_err(xerr)?;
            wb.save(&tmp).map_err(xerr)?;
        }
    }
    finish(&tmp, out)
}

/// Writes the period's evidence (every status) to `out`; returns the row count.
pub fn export_evidence(
    project: &crate::config::Project,
    store: &Store,
    format: Format,
    out: &Path,
) -> Result<usize, ExportError> {
    let evidence = store.evidence_list(&EvidenceFilter {
        period: Some(project.period.id.clone()),
        ..Default::default()
    })?;
    let rows = evidence_rows(project, &evidence);
    write_rows(&rows, &EVIDENCE_HEADERS, "证据", format, out)?;
    Ok(rows.len())
}

/// Scores every unit from the stored facts and writes unit × item rows to `out`; returns the
/// row count.
pub fn export_scores(
    project: &crate::config::Project,
    store: &Store,
    format: Format,
    out: &Path,
) -> Result<usize, ExportError> {
    let facts = store.facts()?.period_facts(&project.period.id)?;
    let board = score::score(project, &facts);
    let rows = score_rows(&board);
    write_rows(&rows, &SCORE_HEADERS, "得分", format, out)?;
    Ok(rows.len())
}
