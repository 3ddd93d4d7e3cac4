//! Reading a filled workbook (the template of [`super::template`], or any sheet whose header row
//! names the submission columns) with calamine. Every sheet with such a header within its first
//! rows is read; the instructions and the hidden unit list are not. A row counts when its value
//! cell is filled: the template lists every field, and a unit leaves blank what it does not report.
//!
//! A workbook is a zip of XML whose size claims calamine believes: a `<dimension>` of
//! `A1:XFD1048576`, a cell at `XFD1048576`, a shared-string table claiming billions of entries.
//! So the archive's claims are checked first ([`check_archive`]), and an XLSX sheet is read
//! cell by cell without calamine building its rectangle: only filled cells are kept, and one
//! beyond [`MAX_ROWS`] rows or [`MAX_COLS`] columns stops the sheet with an error naming the
//! file, the sheet and the cell. (XLS and ODS are read whole by calamine, as before.)

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Sheets};
use chrono::NaiveDate;

use super::rows::{column_letter, CellValue, Columns, ImportProblem, Location, RawRow};

/// How far down a sheet the header row may be (a title row above it is allowed).
const HEADER_SEARCH_ROWS: u32 = 5;

/// Rows and columns a submission sheet may use: the template has some 60 rows and 10 columns.
pub const MAX_ROWS: u32 = 10_000;
pub const MAX_COLS: u32 = 100;
/// What the archive may unpack to, over all its members.
const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;
/// Shared strings a workbook may claim (calamine reserves room for the claim up front).
const MAX_SHARED_STRINGS: u64 = 1_000_000;

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

/// The archive's own claims: its members' unpacked sizes and the shared-string count, checked
/// before calamine acts on them. Not a zip (an XLS): nothing to check.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("无法读取工作簿：{e}"))?;
    let mut unpacked: u64 = 0;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|e| format!("无法读取工作簿：{e}"))?;
        unpacked = unpacked.saturating_add(f.size());
    }
    if unpacked > MAX_UNPACKED_BYTES {
        return Err(format!(
            "工作簿解压后达 {} MB，超过填报表可读的 {} MB",
            unpacked / (1024 * 1024),
            MAX_UNPACKED_BYTES / (1024 * 1024)
        ));
    }
    if let Ok(sst) = zip.by_name("xl/sharedStrings.xml") {
        let mut head = Vec::new();
        sst.take(4096)
            .read_to_end(&mut head)
            .map_err(|e| format!("无法读取工作簿：{e}"))?;
        let head = String::from_utf8_lossy(&head);
        for attr in ["uniqueCount=\"", "count=\""] {
            let claimed = head
                .split(attr)
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|n| n.trim().parse::<u64>().ok());
            if claimed.is_some_and(|n| n > MAX_SHARED_STRINGS) {
                return Err(format!(
                    "工作簿声称有 {} 个共享字符串，超过可读的 {MAX_SHARED_STRINGS} 个",
                    claimed.unwrap_or(0)
                ));
            }
        }
    }
    Ok(())
}

/// A sheet's filled cells by absolute row: each row's cells from column A.
type Grid = BTreeMap<u32, Vec<CellValue>>;

fn put(grid: &mut Grid, row: u32, col: u32, v: CellValue) {
    let cells = grid.entry(row).or_default();
    let col = col as usize;
    if cells.len() <= col {
        cells.resize(col + 1, CellValue::Empty);
    }
    cells[col] = v;
}

/// An XLSX sheet cell by cell, within [`MAX_ROWS`] × [`MAX_COLS`].
fn xlsx_grid<RS: std::io::Read + std::io::Seek>(
    book: &mut calamine::Xlsx<RS>,
    sheet: &str,
) -> Result<Grid, String> {
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| format!("无法读取工作表：{e}"))?;
    let mut grid = Grid::new();
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| format!("无法读取工作表：{e}"))?
    {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= MAX_ROWS || col >= MAX_COLS {
            return Err(format!(
                "{}{} 处有内容，超出填报表可读的范围（最多 {MAX_ROWS} 行、{MAX_COLS} 列）：请删除表格范围以外的内容后重新导入",
                column_letter(col as usize),
                row as u64 + 1
            ));
        }
        put(
            &mut grid,
            row,
            col,
            cell_value(&Data::from(cell.get_value().clone())),
        );
    }
    Ok(grid)
}

/// Any other sheet (XLS, ODS) through calamine's own range.
fn range_grid<RS: std::io::Read + std::io::Seek>(
    book: &mut Sheets<RS>,
    sheet: &str,
) -> Result<Grid, String> {
    let range = book
        .worksheet_range(sheet)
        .map_err(|e| format!("无法读取工作表：{e}"))?;
    let mut grid = Grid::new();
    if let Some((row0, col0)) = range.start() {
        for (i, r) in range.rows().enumerate() {
            for (j, d) in r.iter().enumerate() {
                if !matches!(d, Data::Empty) {
                    put(&mut grid, row0 + i as u32, col0 + j as u32, cell_value(d));
                }
            }
        }
    }
    Ok(grid)
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
    check_archive(bytes).map_err(fail)?;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| fail(format!("无法读取工作簿：{e}")))?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    let mut found_sheet = false;
    for sheet in book.sheet_names() {
        let grid = match &mut book {
            Sheets::Xlsx(x) => xlsx_grid(x, &sheet),
            other => range_grid(other, &sheet),
        };
        let grid = match grid {
            Ok(g) => g,
            Err(message) => {
                problems.push(ImportProblem {
                    at: Location {
                        file: file.to_string(),
                        sheet: Some(sheet.clone()),
                        row: None,
                        column: None,
                    },
                    subject: None,
                    message,
                });
                continue;
            }
        };
        let Some(&row0) = grid.keys().next() else {
            continue;
        };
        let header = grid
            .range(row0..row0 + HEADER_SEARCH_ROWS)
            .find_map(|(&at, r)| {
                let names: Vec<String> = r.iter().map(CellValue::text).collect();
                Columns::find(&names).ok().map(|c| (at, c))
            });
        let Some((header_at, cols)) = header else {
            continue;
        };
        found_sheet = true;
        for (&at, r) in grid.range(header_at + 1..) {
            let get = |idx: usize| r.get(idx).cloned().unwrap_or(CellValue::Empty);
            if get(cols.value).is_empty() {
                continue;
            }
            rows.push(RawRow {
                file: file.to_string(),
                sheet: Some(sheet.clone()),
                row: at + 1,
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A workbook with the submission header and one row, its sheet XML passed through `edit`.
    fn workbook(edit: impl Fn(String) -> String, sst_edit: impl Fn(String) -> String) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["unit", "indicator", "field", "value"].iter().enumerate() {
            ws.write_string(0, c as u16, *h)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        for (c, v) in ["t-huaiyuan", "T14", "activities", "诚信讲座"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, c as u16, *v)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let bytes = wb.save_to_buffer().unwrap_or_else(|e| panic!("{e}"));
        let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap_or_else(|e| panic!("{e}"));
            let name = f.name().unwrap_or_else(|e| panic!("{e}")).to_string();
            let mut text = Vec::new();
            f.read_to_end(&mut text).unwrap_or_else(|e| panic!("{e}"));
            let text = match name.as_str() {
                "xl/worksheets/sheet1.xml" => {
                    edit(String::from_utf8_lossy(&text).into()).into_bytes()
                }
                "xl/sharedStrings.xml" => {
                    sst_edit(String::from_utf8_lossy(&text).into()).into_bytes()
                }
                _ => text,
            };
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            out.write_all(&text).unwrap_or_else(|e| panic!("{e}"));
        }
        out.finish().unwrap_or_else(|e| panic!("{e}")).into_inner()
    }

    fn whole_sheet_claimed(xml: String) -> String {
        let start = xml
            .find("<dimension ref=\"")
            .unwrap_or_else(|| panic!("{xml}"));
        let end = start + xml[start..].find("/>").unwrap_or(0) + 2;
        format!(
            "{}<dimension ref=\"A1:XFD1048576\"/>{}",
            &xml[..start],
            &xml[end..]
        )
    }

    #[test]
    fn a_claimed_whole_sheet_is_read_as_what_it_holds() {
        let bytes = workbook(whole_sheet_claimed, |s| s);
        let rows = read_xlsx("big.xlsx", &bytes).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].row, 2);
    }

    #[test]
    fn a_cell_at_the_last_row_and_column_is_an_error_not_an_allocation() {
        let far = |xml: String| {
            whole_sheet_claimed(xml).replace(
                "</sheetData>",
                "<row r=\"1048576\"><c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c></row></sheetData>",
            )
        };
        let bytes = workbook(far, |s| s);
        let problems = read_xlsx("big.xlsx", &bytes).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert_eq!(p.at.file, "big.xlsx");
        assert_eq!(p.at.sheet.as_deref(), Some("Sheet1"));
        assert!(p.message.contains("XFD1048576"), "{}", p.message);
    }

    #[test]
    fn a_huge_shared_string_claim_is_refused() {
        let claim = |s: String| s.replacen("uniqueCount=\"", "uniqueCount=\"4000000000", 1);
        let bytes = workbook(|s| s, claim);
        let problems = read_xlsx("sst.xlsx", &bytes).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].message.contains("共享字符串"),
            "{}",
            problems[0].message
        );
    }
}
