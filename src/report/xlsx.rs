//! The report workbook: 总表 (units × items with totals and ranks), one sheet per 一级指标, the
//! evidence sheet and the 12 months' 通报 counts. Headers are frozen and scores carry a
//! red–amber–green colour scale from 0 to each item's max.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{
    ConditionalFormat3ColorScale, ConditionalFormatType, DocProperties, ExcelDateTime, Format,
    FormatAlign, Workbook, Worksheet, XlsxError,
};

use crate::cells::write_text;
use crate::config::{Item, Kind};
use crate::evidence::model::Evidence;
use crate::score::UnitSheet;

use super::{period_months, snapshot_link, ReportError, ReportInput};

const SUMMARY: &str = "总表";
const EVIDENCE: &str = "证据";
const NOTICES: &str = "通报统计";
/// Excel's limit on the text of one cell.
const CELL_MAX: usize = 32_767;

/// Writes the workbook to `path`.
pub fn xlsx(input: &ReportInput, path: &Path) -> Result<(), ReportError> {
    let err = |source| ReportError::Workbook {
        path: path.to_path_buf(),
        source,
    };
    let mut wb = build(input).map_err(err)?;
    wb.save(path).map_err(err)
}

/// Header and number formats shared by the sheets.
struct Styles {
    head: Format,
    num: Format,
    miss: Format,
}

fn build(input: &ReportInput) -> Result<Workbook, XlsxError> {
    let styles = Styles {
        head: Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color("#EEF2F6"),
        num: Format::new().set_num_format("0.00"),
        miss: Format::new()
            .set_font_color("#6B7280")
            .set_align(FormatAlign::Center),
    };
    let units: Vec<&UnitSheet> = input.board.units.iter().collect();
    let mut wb = Workbook::new();
    // The generation time, not the clock, so the same input gives the same bytes.
    let created = ExcelDateTime::from_timestamp(input.generated_at.timestamp())?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{}政务诚信监测评估（{}）",
                input.project.roster.meta.county, input.project.period.id
            ))
            .set_creation_datetime(&created),
    );
    let mut names = vec![
        SUMMARY.to_string(),
        EVIDENCE.to_string(),
        NOTICES.to_string(),
    ];

    let all_items = items_of(input, |_| true);
    let mut summary = Worksheet::new();
    summary.set_name(SUMMARY)?;
    score_sheet(&mut summary, input, &units, &all_items, None, &styles)?;
    wb.push_worksheet(summary);

    for category in category_names(input) {
        let name = sheet_name(&category, &names);
        names.push(name.clone());
        let items = items_of(input, |i| i.category == category);
        let members: Vec<&UnitSheet> = units
            .iter()
            .copied()
            .filter(|u| u.categories.iter().any(|c| c.name == category))
            .collect();
        let mut ws = Worksheet::new();
        ws.set_name(&name)?;
        score_sheet(&mut ws, input, &members, &items, Some(&category), &styles)?;
        wb.push_worksheet(ws);
    }

    let mut ws = Worksheet::new();
    ws.set_name(EVIDENCE)?;
    evidence_sheet(&mut ws, input, &styles)?;
    wb.push_worksheet(ws);

    let mut ws = Worksheet::new();
    ws.set_name(NOTICES)?;
    notice_sheet(&mut ws, input, &units, &styles)?;
    wb.push_worksheet(ws);
    Ok(wb)
}

/// The catalog items passing `keep`, townships' first, each id once.
fn items_of<'a>(input: &ReportInput<'a>, keep: impl Fn(&Item) -> bool) -> Vec<(Kind, &'a Item)> {
    let mut out: Vec<(Kind, &Item)> = Vec::new();
    for kind in [Kind::Township, Kind::Department] {
        if let Some(c) = input.project.catalog(kind) {
            for i in c.items.iter().filter(|i| keep(i)) {
                if !out.iter().any(|(_, o)| o.id == i.id) {
                    out.push((kind, i));
                }
            }
        }
    }
    out
}

/// Category names in catalog order, townships' first, each once.
fn category_names(input: &ReportInput) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for kind in [Kind::Township, Kind::Department] {
        if let Some(c) = input.project.catalog(kind) {
            for cat in &c.categories {
                if !out.contains(&cat.name) {
                    out.push(cat.name.clone());
                }
            }
        }
    }
    out
}

/// A valid, unused sheet name: no `[]:*?/\`, no leading or trailing apostrophe, ≤ 31 characters.
pub(crate) fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    let base: String = if cleaned.is_empty() {
        "指标".to_string()
    } else {
        cleaned.chars().take(31).collect()
    };
    let used = |n: &str| taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    if !used(&base) {
        return base;
    }
    (2..)
        .map(|i| {
            let suffix = format!("({i})");
            let head: String = base.chars().take(31 - suffix.chars().count()).collect();
            format!("{head}{suffix}")
        })
        .find(|n| !used(n))
        .unwrap_or(base)
}

fn text(s: &str) -> String {
    if s.len() <= CELL_MAX {
        return s.to_string();
    }
    // Cut at a character boundary below the limit (the limit counts UTF-16 units; bytes ≥ them).
    let mut end = CELL_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Units × items: kind, rank, unit, total (or the category subtotal), max of the scored items,
/// missing count, then one column per item. A missing item reads 缺项; an item of the other kind
/// is blank.
fn score_sheet(
    ws: &mut Worksheet,
    input: &ReportInput,
    units: &[&UnitSheet],
    items: &[(Kind, &Item)],
    category: Option<&str>,
    st: &Styles,
) -> Result<(), XlsxError> {
    let fixed = [
        "类型",
        "排名",
        "单位",
        if category.is_some() {
            "小计"
        } else {
            "总分"
        },
        "已评分项满分",
        "缺项数",
    ];
    for (c, h) in fixed.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.head)?;
    }
    let first_item = fixed.len() as u16;
    for (j, (_, item)) in items.iter().enumerate() {
        let col = first_item + j as u16;
        let head = format!(
            "{}（{}分）\n{}",
            item.id,
            crate::fact::trim_float(item.max),
            item.content
        );
        write_text(ws, 0, col, &text(&head), Some(&st.head))?;
        ws.set_column_width(col, 14)?;
    }
    ws.set_row_height(0, 72)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(4, 12)?;
    for (r, u) in units.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, u.kind.label())?;
        ws.write_number(row, 1, u.rank as f64)?;
        write_text(ws, row, 2, &text(&u.short), None)?;
        let (total, max_scored) = match category {
            None => (u.total, u.max_scored),
            Some(name) => u
                .categories
                .iter()
                .find(|c| c.name == name)
                .map(|c| (c.score, c.max_scored))
                .unwrap_or((0.0, 0.0)),
        };
        ws.write_number_with_format(row, 3, total, &st.num)?;
        ws.write_number_with_format(row, 4, max_scored, &st.num)?;
        let missing = u
            .items
            .iter()
            .filter(|i| i.score.is_none() && category.is_none_or(|c| i.category == c))
            .count();
        ws.write_number(row, 5, missing as f64)?;
        for (j, (_, item)) in items.iter().enumerate() {
            let col = first_item + j as u16;
            match u.item(&item.id) {
                Some(s) => match s.score {
                    Some(v) => ws.write_number_with_format(row, col, v, &st.num)?,
                    None => ws.write_string_with_format(row, col, "缺项", &st.miss)?,
                },
                None => continue,
            };
        }
    }
    ws.set_freeze_panes(1, 3)?;
    if units.is_empty() {
        return Ok(());
    }
    let last = units.len() as u32;
    let scale_max = category
        .and_then(|name| {
            input
                .project
                .catalogs
                .values()
                .flat_map(|c| &c.categories)
                .find(|c| c.name == name)
                .map(|c| c.max)
        })
        .unwrap_or(100.0);
    ws.add_conditional_format(1, 3, last, 3, &scale(scale_max))?;
    for (j, (_, item)) in items.iter().enumerate() {
        let col = first_item + j as u16;
        ws.add_conditional_format(1, col, last, col, &scale(item.max))?;
    }
    ws.autofilter(
        0,
        0,
        last,
        first_item + items.len().saturating_sub(1) as u16,
    )?;
    Ok(())
}

/// Red at 0, amber at half, green at `max`.
fn scale(max: f64) -> ConditionalFormat3ColorScale {
    ConditionalFormat3ColorScale::new()
        .set_minimum(ConditionalFormatType::Number, 0)
        .set_midpoint(ConditionalFormatType::Number, max / 2.0)
        .set_maximum(ConditionalFormatType::Number, max)
        .set_minimum_color("#F8696B")
        .set_midpoint_color("#FFEB84")
        .set_maximum_color("#63BE7B")
}

fn evidence_sheet(ws: &mut Worksheet, input: &ReportInput, st: &Styles) -> Result<(), XlsxError> {
    let heads = [
        "单位",
        "指标",
        "规则",
        "状态",
        "摘要",
        "文档标题",
        "网址",
        "发布日期",
        "存档快照",
        "来源",
        "证据编号",
    ];
    let widths = [14, 8, 22, 8, 48, 40, 40, 12, 30, 14, 22];
    for (c, (h, w)) in heads.iter().zip(widths).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &st.head)?;
        ws.set_column_width(c as u16, w)?;
    }
    let order: BTreeMap<&str, usize> = input
        .board
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut rows: Vec<&Evidence> = input.evidence.iter().collect();
    rows.sort_by(|a, b| {
        let key = |e: &Evidence| {
            (
                order.get(e.unit.as_str()).copied().unwrap_or(usize::MAX),
                e.unit.clone(),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.item.cmp(&b.item))
            .then_with(|| a.document.published_on.cmp(&b.document.published_on))
            .then_with(|| a.id.cmp(&b.id))
    });
    for (r, e) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        let cells = [
            input.unit_short(&e.unit),
            e.item.clone(),
            e.rule.clone(),
            e.status.label().to_string(),
            e.summary.clone(),
            e.document.title.clone(),
            e.document.url.clone(),
            e.document
                .published_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            snapshot_link(&e.snapshot).unwrap_or_default(),
            e.document.source.clone(),
            e.id.clone(),
        ];
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                write_text(ws, row, c as u16, &text(v), None)?;
            }
        }
    }
    ws.set_freeze_panes(1, 2)?;
    ws.autofilter(0, 0, rows.len() as u32, heads.len() as u16 - 1)?;
    Ok(())
}

fn notice_sheet(
    ws: &mut Worksheet,
    input: &ReportInput,
    units: &[&UnitSheet],
    st: &Styles,
) -> Result<(), XlsxError> {
    let months = period_months(&input.project.period);
    ws.write_string_with_format(0, 0, "类型", &st.head)?;
    ws.write_string_with_format(0, 1, "单位", &st.head)?;
    for (j, m) in months.iter().enumerate() {
        ws.write_string_with_format(0, j as u16 + 2, m, &st.head)?;
    }
    let total_col = months.len() as u16 + 2;
    ws.write_string_with_format(0, total_col, "合计", &st.head)?;
    ws.set_column_width(1, 16)?;
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for n in &input.notices {
        *counts
            .entry((n.unit.as_str(), n.month.as_str()))
            .or_default() += n.count;
    }
    for (r, u) in units.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, u.kind.label())?;
        write_text(ws, row, 1, &text(&u.short), None)?;
        let mut total = 0;
        for (j, m) in months.iter().enumerate() {
            let n = counts
                .get(&(u.id.as_str(), m.as_str()))
                .copied()
                .unwrap_or(0);
            total += n;
            ws.write_number(row, j as u16 + 2, n as f64)?;
        }
        ws.write_number(row, total_col, total as f64)?;
    }
    ws.set_freeze_panes(1, 2)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["总表".to_string()];
        assert_eq!(sheet_name("依法行政", &taken), "依法行政");
        assert_eq!(sheet_name("总表", &taken), "总表(2)");
        assert_eq!(sheet_name("a/b:c[d]", &taken), "a_b_c_d_");
        let long = "一".repeat(40);
        let n = sheet_name(&long, &[long.chars().take(31).collect()]);
        assert_eq!(n.chars().count(), 31);
        assert!(n.ends_with("(2)"));
        assert_eq!(sheet_name("''", &taken), "指标");
    }
}
