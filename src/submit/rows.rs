//! The shape both readers produce: one [`RawRow`] per submitted row, its cells still as typed
//! (text, number, date), each cell knowing its column; and [`ImportProblem`], an error that names
//! file, sheet, row, column and field the way the person who filled the file sees them.

use std::fmt;

use chrono::NaiveDate;

/// A cell as read: text from a CSV, or the typed content of a workbook cell.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl CellValue {
    /// Text cells trimmed; an all-blank text cell is empty.
    pub fn from_text(s: &str) -> CellValue {
        let t = s.trim();
        if t.is_empty() {
            CellValue::Empty
        } else {
            CellValue::Text(t.to_string())
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, CellValue::Empty)
    }

    /// The cell as text, as a person would read it (numbers without a trailing `.0`).
    pub fn text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(s) => s.clone(),
            CellValue::Number(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            CellValue::Number(x) => format!("{x}"),
            CellValue::Date(d) => d.to_string(),
            CellValue::Bool(b) => (if *b { "是" } else { "否" }).to_string(),
        }
    }
}

/// A cell with the column it came from (`C(field)`, `I(填报值)`).
#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    pub value: CellValue,
    pub column: String,
}

/// One data row of a submission, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    /// File name as given (no directories).
    pub file: String,
    /// Worksheet name, for workbooks.
    pub sheet: Option<String>,
    /// 1-based row as a spreadsheet shows it (the header is row 1).
    pub row: u32,
    pub unit: RawCell,
    pub item: RawCell,
    pub field: RawCell,
    pub value: RawCell,
    pub note: Option<String>,
}

impl RawRow {
    pub fn at(&self, cell: Option<&RawCell>) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: Some(self.row),
            column: cell.map(|c| c.column.clone()),
        }
    }
}

/// Where a problem is: file, and where known sheet, row and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub sheet: Option<String>,
    pub row: Option<u32>,
    pub column: Option<String>,
}

impl Location {
    pub fn file(file: &str) -> Location {
        Location {
            file: file.to_string(),
            sheet: None,
            row: None,
            column: None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, " 工作表“{s}”")?;
        }
        if let Some(r) = self.row {
            write!(f, " 第{r}行")?;
        }
        if let Some(c) = &self.column {
            write!(f, " {c}列")?;
        }
        Ok(())
    }
}

/// One problem found in a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub at: Location,
    /// The unit/item/field concerned, as far as known (`城关镇 T3.1.lost`).
    pub subject: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.subject {
            Some(s) => write!(f, "{}: [{s}] {}", self.at, self.message),
            None => write!(f, "{}: {}", self.at, self.message),
        }
    }
}

/// Spreadsheet column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut idx: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (idx % 26) as u8);
        if idx < 26 {
            break;
        }
        idx = idx / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// Positions of the submission columns in a header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    pub unit: usize,
    pub item: usize,
    pub field: usize,
    pub value: usize,
    pub note: Option<usize>,
    /// Header text per position, for naming columns in messages.
    pub names: Vec<String>,
}

/// Accepted header names per column: the CSV form's English names and the workbook's Chinese.
pub const UNIT_HEADERS: &[&str] = &["unit", "单位", "单位名称"];
pub const ITEM_HEADERS: &[&str] = &["indicator", "item", "指标编号"];
pub const FIELD_HEADERS: &[&str] = &["field", "字段"];
pub const VALUE_HEADERS: &[&str] = &["value", "填报值"];
pub const NOTE_HEADERS: &[&str] = &["note", "佐证材料", "备注"];

impl Columns {
    /// Finds the columns in a header row; `Err` lists the missing ones.
    pub fn find(headers: &[String]) -> Result<Columns, Vec<&'static str>> {
        let norm: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let pos = |names: &[&str]| norm.iter().position(|h| names.contains(&h.as_str()));
        let (unit, item, field, value) = (
            pos(UNIT_HEADERS),
            pos(ITEM_HEADERS),
            pos(FIELD_HEADERS),
            pos(VALUE_HEADERS),
        );
        match (unit, item, field, value) {
            (Some(unit), Some(item), Some(field), Some(value)) => Ok(Columns {
                unit,
                item,
                field,
                value,
                note: pos(NOTE_HEADERS),
                names: headers
                    .iter()
                    .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
                    .collect(),
            }),
            _ => {
                let mut missing = Vec::new();
                for (found, name) in [
                    (unit, "unit"),
                    (item, "indicator"),
                    (field, "field"),
                    (value, "value"),
                ] {
                    if found.is_none() {
                        missing.push(name);
                    }
                }
                Err(missing)
            }
        }
    }

    /// `C(field)`: the letter and header of a column.
    pub fn label(&self, idx: usize) -> String {
        match self.names.get(idx) {
            Some(h) if !h.is_empty() => format!("{}({h})", column_letter(idx)),
            _ => column_letter(idx),
        }
    }

    pub fn cell(&self, idx: usize, value: CellValue) -> RawCell {
        RawCell {
            value,
            column: self.label(idx),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(8), "I");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn finds_english_and_chinese_headers() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c =
            Columns::find(&h(&["\u{feff}unit", "indicator", "field", "value", "note"])).unwrap();
        assert_eq!((c.unit, c.value, c.note), (0, 3, Some(4)));
        assert_eq!(c.label(3), "D(value)");
        let c = Columns::find(&h(&[
            "单位",
            "指标编号",
            "一级指标",
            "考核内容",
            "填报项",
            "字段",
            "类型",
            "可选值/说明",
            "填报值",
            "佐证材料",
        ]))
        .unwrap();
        assert_eq!((c.field, c.value, c.note), (5, 8, Some(9)));
        assert_eq!(
            Columns::find(&h(&["unit", "field"])).unwrap_err(),
            ["indicator", "value"]
        );
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(CellValue::Number(4.0).text(), "4");
        assert_eq!(CellValue::Number(0.95).text(), "0.95");
        assert_eq!(CellValue::from_text("  "), CellValue::Empty);
    }
}
