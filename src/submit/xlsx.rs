//! Reading a filled workbook (the template of [`super::template`], or any sheet whose header row
//! names the submission columns) with calamine. Every sheet with such a header within its first
//! rows is read; the instructions and the hidden unit list are not. A row counts when its value
//! cell is filled: the template lists every field, and a unit leaves blank what it does not report.

use std::io::Cursor;

use calamine::{Data, Reader};
use chrono::NaiveDate;

use super::rows::{CellValue, Columns, ImportProblem, Location, RawRow};

/// How far down a sheet the header row may be (a title row above it is allowed).
const HEADER_SEARCH_ROWS: usize = 5;

fn cell_value(d: &Data) -> CellValue {
    match d {
        Data::Empty => CellValue::Empty,
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(x) => CellValue::Number(*x),
        Data::String(s) => CellValue::from_text(s),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day)) {
                Some(date) => CellValue::Date(date),
                None => CellValue::Number(dt.as_f64()),
            }
        }
        Data::DateTime(dt) => CellValue::Number(dt.as_f64()),
        Data::DateTimeIso(s) => match s
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        {
            Some(date) => CellValue::Date(date),
            None => CellValue::from_text(s),
        },
        Data::DurationIso(s) => CellValue::from_text(s),
        Data::Error(e) => CellValue::Text(format!("{e}")),
    }
}

/// Reads the filled rows of every submission sheet of a workbook.
pub fn read_xlsx(file: &str, bytes: &[u8]) -> Result<Vec<RawRow>, Vec<ImportProblem>> {
    let fail = |message: String| {
        vec![ImportProblem {
            at: Location::file(file),
            subject: None,
            message,
        }]
    };
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("无法读取工作簿：{e}")))?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut found_sheet = false;
    for sheet in book.sheet_names() {
        let range = match book.worksheet_range(&sheet) {
            Ok(r) => r,
            Err(e) => {
                problems.push(ImportProblem {
                    at: Location {
                        file: file.to_string(),
                        sheet: Some(sheet.clone()),
                        row: None,
                        column: None,
                    },
                    subject: None,
                    message: format!("无法读取工作表：{e}"),
                });
                continue;
            }
        };
        let Some((row0, col0)) = range.start() else {
            continue;
        };
        // Absolute grid, so column letters and row numbers match what Excel shows.
        let grid: Vec<Vec<CellValue>> = range
            .rows()
            .map(|r| {
                let mut v = vec![CellValue::Empty; col0 as usize];
                v.extend(r.iter().map(cell_value));
                v
            })
            .collect();
        let header = grid
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .enumerate()
            .find_map(|(i, r)| {
                let names: Vec<String> = r.iter().map(CellValue::text).collect();
                Columns::find(&names).ok().map(|c| (i, c))
            });
        let Some((header_at, cols)) = header else {
            continue;
        };
        found_sheet = true;
        for (i, r) in grid.iter().enumerate().skip(header_at + 1) {
            let get = |idx: usize| r.get(idx).cloned().unwrap_or(CellValue::Empty);
            if get(cols.value).is_empty() {
                continue;
            }
            rows.push(RawRow {
                file: file.to_string(),
                sheet: Some(sheet.clone()),
                row: row0 + i as u32 + 1,
                unit: cols.cell(cols.unit, get(cols.unit)),
                item: cols.cell(cols.item, get(cols.item)),
                field: cols.cell(cols.field, get(cols.field)),
                value: cols.cell(cols.value, get(cols.value)),
                note: cols
                    .note
                    .map(get)
                    .map(|c| c.text())
                    .filter(|s| !s.is_empty()),
            });
        }
    }
    if !found_sheet && problems.is_empty() {
        problems.extend(fail(
            "没有找到填报工作表：需要一个表头含“单位、指标编号、字段、填报值”（或 unit,indicator,field,value）的工作表".into(),
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}
