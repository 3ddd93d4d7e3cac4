//! `govtrust template`: the fillable workbook a unit receives, one per kind (乡镇 / 县直单位).
//!
//! Sheets: 填报说明 (how to fill: period, types, list separators, 佐证材料), 填报表 (one row per
//! input field of every item of the kind's catalog, header frozen, the value cell validated by
//! the field's type) and a hidden 单位名单 that feeds the unit column's drop-down. A unit fills
//! its own copy: its name in the 单位 column of the rows it answers, the value, and where its
//! 佐证材料 can be found. [`TemplateFill`] pre-fills the unit (and, for samples and tests, values).
//!
//! Value cells and their validation: 是/否 → a 是/否 list; rate → a decimal 0–1 in a percentage
//! format, so typing `95%` stores 0.95 and `95` is refused; date → a date inside the period;
//! int → a whole number ≥ 0; amount → a decimal ≥ 0; lists → free text (items separated by ；、
//! or line breaks), with the allowed values shown beside them, numbered: a list with an allowed
//! set also takes the items' numbers (`1；2`) and commas.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Note, Workbook, Worksheet,
    XlsxError,
};

use crate::cells::write_text;
use crate::config::{FieldSpec, FieldType, Item, Kind, Period, Project};
use crate::fact::Value;

pub const INSTRUCTIONS_SHEET: &str = "填报说明";
pub const FILL_SHEET: &str = "填报表";
pub const UNITS_SHEET: &str = "单位名单";

/// The fill sheet's columns, in order.
pub const COLUMNS: [&str; 10] = [
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
];
const COL_UNIT: u16 = 0;
const COL_VALUE: u16 = 8;
const COL_NOTE: u16 = 9;
const WIDTHS: [f64; 10] = [16.0, 9.0, 12.0, 38.0, 32.0, 18.0, 16.0, 44.0, 20.0, 32.0];

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("no indicator catalog for {0} units in this configuration")]
    NoCatalog(Kind),
    #[error("cannot write workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// What to pre-fill in a template.
#[derive(Debug, Clone, Default)]
pub struct TemplateFill {
    /// Written into the 单位 column of every row (a unit's own copy).
    pub unit: Option<String>,
    /// Values by (item id, field name).
    pub values: BTreeMap<(String, String), Value>,
    /// 佐证材料 notes by (item id, field name).
    pub notes: BTreeMap<(String, String), String>,
    /// Where 佐证材料 go, shown in the instructions.
    pub contact: Option<String>,
}

/// One row of the fill sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRow {
    pub item: String,
    pub field: String,
    /// 1-based spreadsheet row.
    pub row: u32,
}

struct Formats {
    header: Format,
    text: Format,
    wrap: Format,
    input: Format,
    rate: Format,
    date: Format,
    amount: Format,
    title: Format,
}

impl Formats {
    fn new() -> Formats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let input = cell.clone().set_background_color(Color::RGB(0xFFF8DC));
        Formats {
            header: cell
                .clone()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_text_wrap(),
            text: cell.clone(),
            wrap: cell.set_text_wrap(),
            rate: input.clone().set_num_format("0.00%"),
            date: input.clone().set_num_format("yyyy-mm-dd"),
            amount: input.clone().set_num_format("#,##0.00"),
            input: input.set_text_wrap(),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// Words for the 可选值/说明 column.
fn field_hint(item: &Item, f: &FieldSpec, period: &Period) -> String {
    let mut parts = Vec::new();
    match f.ty {
        FieldType::Int => parts.push("不小于 0 的整数".to_string()),
        FieldType::Amount => parts.push("金额（元），不小于 0".to_string()),
        FieldType::Rate => parts.push("填 95% 或 0.95（0%–100%）".to_string()),
        FieldType::Bool => parts.push("选“是”或“否”".to_string()),
        FieldType::Date => parts.push(format!("{} 至 {} 之间的日期", period.start, period.end)),
        FieldType::List => parts.push("每项一行，或以；、分隔；没有填“无”".to_string()),
    }
    if let Some(allowed) = &f.allowed {
        let numbered: Vec<String> = allowed
            .iter()
            .enumerate()
            .map(|(i, a)| format!("{} {a}", i + 1))
            .collect();
        parts.push(format!(
            "可选（填名称或序号，多项以；、，分隔）：{}",
            numbered.join("、")
        ));
    }
    if let Some(limit) = &f.at_most {
        let label = item.field(limit).map(|l| l.label.as_str()).unwrap_or(limit);
        parts.push(format!("不大于“{label}”"));
    }
    parts.join("；")
}

fn ymd(d: chrono::NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    ExcelDateTime::from_ymd(
        d.year().clamp(1900, 9999) as u16,
        d.month() as u8,
        d.day() as u8,
    )
}

fn validation(f: &FieldSpec, period: &Period) -> Result<Option<DataValidation>, XlsxError> {
    let v = match f.ty {
        FieldType::Bool => DataValidation::new().allow_list_strings(&["是", "否"])?,
        FieldType::Rate => {
            DataValidation::new().allow_decimal_number(DataValidationRule::Between(0.0, 1.0))
        }
        FieldType::Int => {
            DataValidation::new().allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        }
        FieldType::Amount => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        FieldType::Date => DataValidation::new().allow_date(DataValidationRule::Between(
            ymd(period.start)?,
            ymd(period.end)?,
        )),
        FieldType::List => return Ok(None),
    };
    let message = match f.ty {
        FieldType::Rate => "请填 0%–100% 之间的百分数（如 95%）或 0–1 之间的小数".to_string(),
        FieldType::Date => format!("请填 {} 至 {} 之间的日期", period.start, period.end),
        FieldType::Bool => "请选择“是”或“否”".to_string(),
        _ => format!("请填{}", f.ty.label()),
    };
    Ok(Some(
        v.set_error_title("填报值不符合要求")?
            .set_error_message(&message)?
            .set_error_style(DataValidationErrorStyle::Stop),
    ))
}

/// Excel caps a validation's input message at 255 UTF-16 units.
fn clip(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.encode_utf16().count() + c.len_utf16() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// The prompt shown when the value cell is selected: the field's label and what to type.
fn with_prompt(
    v: DataValidation,
    item: &Item,
    f: &FieldSpec,
    period: &Period,
) -> Result<DataValidation, XlsxError> {
    v.set_input_title(clip(&format!("{} {}", item.id, f.name), 32))?
        .set_input_message(clip(
            &format!("{}：{}", f.label, field_hint(item, f, period)),
            255,
        ))
}

fn write_value(
    ws: &mut Worksheet,
    row: u32,
    f: &FieldSpec,
    value: Option<&Value>,
    fm: &Formats,
) -> Result<(), XlsxError> {
    let input_format = match f.ty {
        FieldType::Rate => &fm.rate,
        FieldType::Date => &fm.date,
        FieldType::Amount => &fm.amount,
        _ => &fm.input,
    };
    match value {
        None => ws.write_blank(row, COL_VALUE, input_format)?,
        Some(Value::Int(n)) => {
            ws.write_number_with_format(row, COL_VALUE, *n as f64, input_format)?
        }
        Some(Value::Amount(x) | Value::Rate(x)) => {
            ws.write_number_with_format(row, COL_VALUE, *x, input_format)?
        }
        Some(Value::Date(d)) => {
            ws.write_datetime_with_format(row, COL_VALUE, ymd(*d)?, input_format)?
        }
        Some(Value::List(items)) if items.is_empty() => {
            ws.write_string_with_format(row, COL_VALUE, "无", input_format)?
        }
        Some(v) => {
            write_text(ws, row, COL_VALUE, &v.to_string(), Some(input_format))?;
            return Ok(());
        }
    };
    Ok(())
}

/// Builds the workbook for `kind`; returns it with the fill sheet's rows.
pub fn template_workbook(
    project: &Project,
    kind: Kind,
    fill: &TemplateFill,
) -> Result<(Workbook, Vec<TemplateRow>), TemplateError> {
    let catalog = project
        .catalog(kind)
        .ok_or(TemplateError::NoCatalog(kind))?;
    let fm = Formats::new();
    let units: Vec<_> = project.roster.of_kind(kind).collect();

    let mut rows = Vec::new();
    let mut sheet = Worksheet::new();
    sheet.set_name(FILL_SHEET)?;
    for (c, (h, w)) in COLUMNS.iter().zip(WIDTHS).enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &fm.header)?;
        sheet.set_column_width(c as u16, w)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut r: u32 = 1;
    for item in &catalog.items {
        for f in &item.fields {
            let k = (item.id.clone(), f.name.clone());
            match &fill.unit {
                Some(u) => write_text(&mut sheet, r, COL_UNIT, u, Some(&fm.input))?,
                None => {
                    sheet.write_blank(r, COL_UNIT, &fm.input)?;
                }
            };
            sheet.write_string_with_format(r, 1, &item.id, &fm.text)?;
            sheet.write_string_with_format(r, 2, &item.category, &fm.text)?;
            let content = format!(
                "{}：{}（满分 {} 分）",
                item.indicator, item.content, item.max
            );
            sheet.write_string_with_format(r, 3, content, &fm.wrap)?;
            if f.name == item.fields[0].name && !item.description.is_empty() {
                // The seed's scoring words, shown when the cell is hovered.
                sheet.insert_note(
                    r,
                    3,
                    &Note::new(format!("评分说明：{}", item.description)).set_author("评估组"),
                )?;
            }
            sheet.write_string_with_format(r, 4, &f.label, &fm.wrap)?;
            sheet.write_string_with_format(r, 5, &f.name, &fm.text)?;
            sheet.write_string_with_format(r, 6, f.ty.label(), &fm.wrap)?;
            sheet.write_string_with_format(r, 7, field_hint(item, f, &project.period), &fm.wrap)?;
            write_value(&mut sheet, r, f, fill.values.get(&k), &fm)?;
            match fill.notes.get(&k) {
                Some(n) => write_text(&mut sheet, r, COL_NOTE, n, Some(&fm.input))?,
                None => {
                    sheet.write_blank(r, COL_NOTE, &fm.input)?;
                }
            };
            let v = validation(f, &project.period)?
                .unwrap_or_else(|| DataValidation::new().allow_any_value());
            sheet.add_data_validation(
                r,
                COL_VALUE,
                r,
                COL_VALUE,
                &with_prompt(v, item, f, &project.period)?,
            )?;
            rows.push(TemplateRow {
                item: item.id.clone(),
                field: f.name.clone(),
                row: r + 1,
            });
            r += 1;
        }
    }
    if !units.is_empty() {
        let list = Formula::new(format!("='{UNITS_SHEET}'!$A$2:$A${}", units.len() + 1));
        let unit_check = DataValidation::new()
            .allow_list_formula(list)
            .set_error_title("单位名称")?
            .set_error_message("请从下拉列表中选择本单位（也可填写单位全称）")?
            .set_error_style(DataValidationErrorStyle::Warning);
        sheet.add_data_validation(1, COL_UNIT, r - 1, COL_UNIT, &unit_check)?;
    }
    sheet.autofilter(0, 0, r - 1, COL_NOTE)?;

    let mut names = Worksheet::new();
    names.set_name(UNITS_SHEET)?;
    for (c, h) in ["单位", "全称", "编号"].iter().enumerate() {
        names.write_string_with_format(0, c as u16, *h, &fm.header)?;
    }
    for (i, u) in units.iter().enumerate() {
        let row = i as u32 + 1;
        write_text(&mut names, row, 0, &u.short, None)?;
        write_text(&mut names, row, 1, &u.name, None)?;
        write_text(&mut names, row, 2, &u.id, None)?;
    }
    names.set_column_width(0, 18)?;
    names.set_column_width(1, 32)?;
    names.set_hidden(true);

    let mut book = Workbook::new();
    // A fixed creation time (the period's start) keeps the file a function of its inputs.
    let props = DocProperties::new()
        .set_title(format!(
            "{}{} 填报表",
            project.roster.meta.county, catalog.meta.title
        ))
        .set_creation_datetime(&ymd(project.period.start)?);
    book.set_properties(&props);
    book.push_worksheet(instructions(
        project,
        kind,
        &catalog.meta.title,
        fill,
        rows.len(),
        &fm,
    )?);
    sheet.set_active(true);
    book.push_worksheet(sheet);
    book.push_worksheet(names);
    Ok((book, rows))
}

fn instructions(
    project: &Project,
    kind: Kind,
    title: &str,
    fill: &TemplateFill,
    rows: usize,
    fm: &Formats,
) -> Result<Worksheet, XlsxError> {
    let p = &project.period;
    let county = &project.roster.meta.county;
    let contact = fill
        .contact
        .clone()
        .unwrap_or_else(|| "报送评估工作组（报送方式见填报通知）".to_string());
    let lines: Vec<String> = vec![
        format!("{county}{title} · 单位数据填报表（{}）", kind.label()),
        String::new(),
        format!("考核期：{} 至 {}（考核年度 {}）", p.start, p.end, p.id),
        format!("本表共 {rows} 个填报项，每个考核内容的输入字段各占“{FILL_SHEET}”工作表中的一行。"),
        String::new(),
        "填写方法".into(),
        format!("1. 在“{FILL_SHEET}”中，凡本单位填报的行，在“单位”列选择或填写本单位名称（简称、全称均可），在“填报值”列填写数值。"),
        "2. 每个单位填写自己的一份；未填写“填报值”的行不导入，该项视为未报送（不按 0 分处理，由评估组核实）。".into(),
        "3. 请勿修改“指标编号”“字段”两列，系统据此识别填报项；其余说明列仅供参考。".into(),
        "4. 同一字段只能填一个值；清单类字段可分多行填写，系统合并去重。".into(),
        String::new(),
        "填报值的类型".into(),
        "· 整数：不小于 0 的整数，如 4。".into(),
        "· 金额（元）：不小于 0，可带千分位，如 1,200,000。".into(),
        "· 比率：填百分数（如 95%）或 0–1 之间的小数（如 0.95），不得超过 100%。".into(),
        "· 是/否：从下拉列表选择“是”或“否”。".into(),
        format!("· 日期：如 2023-03-28 或 2023年3月28日，须在考核期（{} 至 {}）内。", p.start, p.end),
        "· 清单：每项一行（单元格内换行 Alt+Enter），或以中文分号“；”、顿号“、”或英文分号“;”分隔；没有的填“无”。".into(),
        "· 有“可选”值的清单，只能填写所列名称之一，或填其序号（如 T2.1 填“1；2”即第 1、2 项文件）；多项也可以逗号“，”“,”分隔，重复的只计一次。".into(),
        "· 分子不得大于分母（如败诉案件数不大于行政诉讼案件数）；违反的文件整份不予导入。".into(),
        String::new(),
        "佐证材料".into(),
        "在“佐证材料”列注明每项数据所依据的材料（文件名称、文号、判决书案号、签到表等），材料以“单位-指标编号-材料名称”命名。".into(),
        format!("佐证材料报送：{contact}"),
        String::new(),
        "也可用 CSV 报送：表头为 unit,indicator,field,value,note，每行一个字段，编码 UTF-8 或 GB18030。".into(),
    ];
    let mut ws = Worksheet::new();
    ws.set_name(INSTRUCTIONS_SHEET)?;
    ws.set_column_width(0, 110)?;
    let section = Format::new().set_bold();
    let plain = Format::new().set_text_wrap();
    for (i, line) in lines.iter().enumerate() {
        let f = match i {
            0 => &fm.title,
            _ if matches!(line.as_str(), "填写方法" | "填报值的类型" | "佐证材料") => {
                &section
            }
            _ => &plain,
        };
        write_text(&mut ws, i as u32, 0, line, Some(f))?;
    }
    Ok(ws)
}

/// Writes the template for `kind` to `path`; returns the fill sheet's rows.
pub fn write_template(
    project: &Project,
    kind: Kind,
    fill: &TemplateFill,
    path: &Path,
) -> Result<Vec<TemplateRow>, TemplateError> {
    let (mut book, rows) = template_workbook(project, kind, fill)?;
    book.save(path)?;
    Ok(rows)
}
