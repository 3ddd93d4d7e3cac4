//! Output of `govtrust score`: an aligned table for people (CJK-aware column widths), a detailed
//! sheet for one unit, JSON for machines (`{"units": [...]}`, numbers unrounded) and CSV for
//! spreadsheets (UTF-8 with BOM so Excel reads the Chinese). [`score_command`] is the whole
//! command, selection included, for `main.rs` to call.

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::cells::csv_text;
use crate::config::roster::ResolveError;
use crate::config::{Kind, Project};
use crate::fact::Fact;

use super::words::show;
use super::{score, Scoreboard, Status, UnitSheet};

/// Output format of `govtrust score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
    Csv,
}

impl FromStr for Format {
    type Err = RenderError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(RenderError::UnknownFormat(other.to_string())),
        }
    }
}

/// The options of `govtrust score [--kind …] [--unit NAME] [--format …]`.
#[derive(Debug, Clone, Default)]
pub struct ScoreQuery {
    pub kind: Option<Kind>,
    /// A roster id, name or alias.
    pub unit: Option<String>,
    pub format: Format,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown format {0:?}: use table, json or csv")]
    UnknownFormat(String),
    #[error(transparent)]
    Unit(#[from] ResolveError),
    #[error("{unit} is a {actual} unit, not {asked}")]
    KindMismatch {
        unit: String,
        actual: Kind,
        asked: Kind,
    },
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Scores the whole run, then selects and renders what was asked. Cohort ranks and ranks within
/// a kind always come from the whole run, whatever the selection.
pub fn score_command(
    project: &Project,
    facts: &[Fact],
    query: &ScoreQuery,
) -> Result<String, RenderError> {
    let board = select(
        &score(project, facts),
        project,
        query.kind,
        query.unit.as_deref(),
    )?;
    match query.format {
        Format::Table if query.unit.is_some() => {
            Ok(table(&board) + &board.units.iter().map(sheet).collect::<String>())
        }
        Format::Table => Ok(table(&board)),
        Format::Json => json(&board),
        Format::Csv => csv(&board),
    }
}

/// Narrows a scoreboard to a kind and/or a unit named by id, name or alias.
pub fn select(
    board: &Scoreboard,
    project: &Project,
    kind: Option<Kind>,
    unit: Option<&str>,
) -> Result<Scoreboard, RenderError> {
    let mut board = match kind {
        Some(k) => board.of_kind(k),
        None => board.clone(),
    };
    if let Some(name) = unit {
        let u = project.roster.resolve(name)?;
        if let Some(asked) = kind.filter(|k| *k != u.kind) {
            return Err(RenderError::KindMismatch {
                unit: u.name.clone(),
                actual: u.kind,
                asked,
            });
        }
        board = board.of_unit(&u.id);
    }
    Ok(board)
}

/// One aligned table per kind: 排名, 单位, 总分, 已评分项满分, each 一级 category, 缺项数.
pub fn table(board: &Scoreboard) -> String {
    let mut out = String::new();
    for kind in [Kind::Township, Kind::Department] {
        let units: Vec<&UnitSheet> = board.units.iter().filter(|u| u.kind == kind).collect();
        let Some(first) = units.first() else { continue };
        let _ = writeln!(
            out,
            "{}（监测期 {}，{} 个单位）",
            kind.label(),
            board.period,
            units.len()
        );
        let mut header = vec![
            "排名".to_string(),
            "单位".into(),
            "总分".into(),
            "已评分项满分".into(),
        ];
        header.extend(
            first
                .categories
                .iter()
                .map(|c| format!("{}({})", c.name, show(c.max))),
        );
        header.push("缺项数".into());
        let rows: Vec<Vec<String>> = units
            .iter()
            .map(|u| {
                let mut row = vec![
                    u.rank.to_string(),
                    u.short.clone(),
                    show2(u.total),
                    show2(u.max_scored),
                ];
                row.extend(u.categories.iter().map(|c| show2(c.score)));
                row.push(u.missing.to_string());
                row
            })
            .collect();
        write_aligned(&mut out, &header, &rows);
        out.push('\n');
    }
    if !board.ignored.is_empty() {
        let _ = writeln!(out, "未采用的事实 {} 条：", board.ignored.len());
        for f in &board.ignored {
            let _ = writeln!(
                out,
                "  {} {}.{} = {}（{}）：{}",
                f.unit,
                f.item,
                f.field,
                f.value,
                f.provenance.describe(),
                f.reason
            );
        }
    }
    out
}

/// Text columns left-aligned, numbers right-aligned, widths by display width (a CJK char is 2).
fn write_aligned(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            std::iter::once(header)
                .chain(rows.iter().map(Vec::as_slice))
                .map(|r| r[c].width())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut String, cells: &[String], numbers_right: bool| {
        let text: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (s, &w))| {
                let pad = " ".repeat(w - s.width());
                if numbers_right && c != 1 {
                    format!("{pad}{s}")
                } else {
                    format!("{s}{pad}")
                }
            })
            .collect();
        let _ = writeln!(out, "{}", text.join("  ").trim_end());
    };
    line(out, header, false);
    let _ = writeln!(
        out,
        "{}",
        "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len().saturating_sub(1)))
    );
    for r in rows {
        line(out, r, true);
    }
}

/// A unit's full sheet: every item with its score, basis, facts and their provenance, then
/// discrepancies and missing facts.
pub fn sheet(u: &UnitSheet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}（{}，{}）", u.name, u.short, u.kind.label());
    let _ = writeln!(
        out,
        "总分 {} / 已评分项满分 {}（满分 100），同类排名第 {} 名，缺项 {} 个",
        show(u.total),
        show(u.max_scored),
        u.rank,
        u.missing
    );
    for c in &u.categories {
        let _ = writeln!(
            out,
            "\n【{}】{} / {}（已评分项满分 {}）",
            c.name,
            show(c.score),
            show(c.max),
            show(c.max_scored)
        );
        for i in u.items.iter().filter(|i| i.category == c.name) {
            let score = match (i.status, i.score) {
                (Status::Scored, Some(s)) => format!("{} / {}", show(s), show(i.max)),
                _ => format!("缺项 / {}", show(i.max)),
            };
            let _ = writeln!(out, "  {} {}  {}", i.id, i.content, score);
            let _ = writeln!(out, "      依据：{}", i.basis);
            for f in &i.facts {
                let _ = writeln!(
                    out,
                    "      事实：{} = {}［{}；{}］",
                    f.label, f.display, f.description, f.verification_label
                );
                for o in &f.overridden {
                    let _ = writeln!(out, "        被覆盖：{}［{}］", o.display, o.description);
                }
            }
        }
    }
    if !u.discrepancies.is_empty() {
        let _ = writeln!(out, "\n与网络监测不符（{} 处）：", u.discrepancies.len());
        for d in &u.discrepancies {
            let _ = writeln!(
                out,
                "  {} {}：填报 {}（{}），网络监测 {}（{}）",
                d.item, d.label, d.submitted, d.submitted_from, d.web, d.web_from
            );
        }
    }
    if u.missing > 0 {
        let _ = writeln!(out, "\n缺失事实（字段名即 fact set 所用名称）：");
        for i in u.items.iter().filter(|i| i.status == Status::Missing) {
            let _ = writeln!(
                out,
                "  {} {}：{}",
                i.id,
                i.content,
                i.missing_fields.join("、")
            );
        }
    }
    out
}

#[derive(Serialize)]
struct JsonBoard<'a> {
    units: &'a [UnitSheet],
}

/// `{"units": [...]}`; a missing item has `"status": "missing"` and `"score": null`.
pub fn json(board: &Scoreboard) -> Result<String, RenderError> {
    Ok(serde_json::to_string_pretty(&JsonBoard {
        units: &board.units,
    })? + "\n")
}

/// One row per unit: 编号, 单位, 类型, 排名, 总分, 已评分项满分, each category, each item score.
/// Columns of the other kind's categories and items stay empty, as do missing items.
pub fn csv(board: &Scoreboard) -> Result<String, RenderError> {
    let mut categories: Vec<&str> = Vec::new();
    let mut items: Vec<&str> = Vec::new();
    for u in &board.units {
        for c in &u.categories {
            if !categories.contains(&c.name.as_str()) {
                categories.push(&c.name);
            }
        }
        for i in &u.items {
            if !items.contains(&i.id.as_str()) {
                items.push(&i.id);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = ["编号", "单位", "类型", "排名", "总分", "已评分项满分"]
        .map(String::from)
        .to_vec();
    header.extend(categories.iter().map(|c| csv_text(c).into_owned()));
    header.extend(items.iter().map(|i| csv_text(i).into_owned()));
    w.write_record(&header)?;
    for u in &board.units {
        let mut row = vec![
            csv_text(&u.id).into_owned(),
            csv_text(&u.name).into_owned(),
            u.kind.label().to_string(),
            u.rank.to_string(),
            show2(u.total),
            show2(u.max_scored),
        ];
        row.extend(categories.iter().map(|c| {
            u.categories
                .iter()
                .find(|x| x.name == *c)
                .map(|x| show2(x.score))
                .unwrap_or_default()
        }));
        row.extend(items.iter().map(|id| {
            u.item(id)
                .and_then(|i| i.score)
                .map(show2)
                .unwrap_or_default()
        }));
        w.write_record(&row)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(format!("\u{FEFF}{}", String::from_utf8_lossy(&bytes)))
}

/// Two decimals, as a table or a spreadsheet shows a score.
fn show2(x: f64) -> String {
    format!("{x:.2}")
}
