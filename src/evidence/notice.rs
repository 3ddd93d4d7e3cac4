//! Inspection notices (检查通报, T5 / D3) and other notices that name units (T12): which units a
//! notice names as failing, in prose ("市退役军人事务局和市民政局网站不合格") or in table rows
//! ("县发改委 | 不合格"), resolved through the roster's aliases.
//!
//! A name is taken only inside a clause or row that carries a failing marker and no passing
//! marker of its own; names that look like a unit but resolve to none are returned too, so the run
//! summary can list them instead of dropping them silently.

use std::collections::{BTreeMap, BTreeSet};

use regex::Regex;

use crate::config::roster::normalize_text;
use crate::config::{Kind, Roster};

/// How one notice names units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedUnits {
    /// Unit ids named as failing, each once per notice, with the line (paragraph or table row)
    /// that first names it.
    pub failing: BTreeMap<String, String>,
    /// Names in failing clauses that look like a unit but resolve to none in the roster.
    pub unresolved: BTreeSet<String>,
}

/// The markers of a notice rule (from `crawl-config/rules/`).
#[derive(Debug, Clone)]
pub struct NoticeMarkers {
    /// A clause naming units as failing contains one of these (不合格, 存在问题, 未通过).
    pub failing: Vec<String>,
    /// Clauses that only give counts (不合格2个, 合格率) and name nobody.
    pub statistics: Vec<String>,
}

/// Finds unit-shaped names: Chinese organisation names ending in a unit suffix.
fn name_pattern() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[\p{Han}]{1,16}?(?:委员会|人民政府|办公室|管理局|分局|局|委|办|镇政府|乡政府|镇|乡|街道办事处|街道|中心)")
            .unwrap_or_else(|e| panic!("static pattern: {e}"))
    })
}

/// Splits a line into clauses (sentences); a table row is one clause.
fn clauses(line: &str) -> impl Iterator<Item = &str> {
    line.split(['。', '；', ';', '！'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

fn is_row(line: &str) -> bool {
    line.contains('|')
}

impl NoticeMarkers {
    fn is_failing(&self, clause: &str) -> bool {
        self.failing.iter().any(|m| clause.contains(m.as_str()))
    }
}

/// Units of `kind` named as failing in `text` (lines; table rows as `cell | cell`). A row is
/// failing when its own text says so or when it belongs to a table introduced by a failing line
/// ("二、存在问题的政府网站").
pub fn named_units(text: &str, roster: &Roster, kind: Kind, markers: &NoticeMarkers) -> NamedUnits {
    let aliases = roster.alias_keys();
    let mut out = NamedUnits::default();
    let mut failing_section = false;
    for raw_line in text.lines() {
        let line = normalize_text(raw_line);
        if line.is_empty() {
            continue;
        }
        if is_row(&line) {
            if failing_section || markers.is_failing(&line) {
                scan(&line, &line, roster, kind, markers, &aliases, &mut out);
            }
            continue;
        }
        failing_section = markers.is_failing(&line);
        for clause in clauses(&line) {
            if markers.is_failing(clause) {
                scan(clause, &line, roster, kind, markers, &aliases, &mut out);
            }
        }
    }
    out
}

/// Finds the units named in one failing clause; `line` is kept as the finding's context.
fn scan(
    clause: &str,
    line: &str,
    roster: &Roster,
    kind: Kind,
    markers: &NoticeMarkers,
    aliases: &[(String, &crate::config::Unit)],
    out: &mut NamedUnits,
) {
    let mut rest = clause.to_string();
    let mut found_here = false;
    // Longest aliases first, so 县市场监管局 is not read as 市场监管局 plus noise.
    for (alias, unit) in aliases {
        if alias.chars().count() < 2 {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = rest[from..].find(alias.as_str()).map(|p| p + from) {
            let mut end = pos + alias.len();
            if belongs_elsewhere(&rest[..pos], roster) || is_inside_longer_name(&rest[end..]) {
                from = end;
                continue;
            }
            // The suffix the roster strips (淮源镇|政府) belongs to the name just matched.
            for tail in &roster.meta.strip_suffixes {
                if rest[end..].starts_with(tail.as_str()) {
                    end += tail.len();
                    break;
                }
            }
            if unit.kind == kind {
                out.failing
                    .entry(unit.id.clone())
                    .or_insert_with(|| line.to_string());
                found_here = true;
            }
            rest.replace_range(pos..end, "□");
            from = pos + "□".len();
        }
    }
    // A clause that only gives counts ("合格47个，不合格2个") names nobody.
    if !found_here
        && markers.statistics.iter().any(|s| rest.contains(s.as_str()))
        && !has_list_shape(&rest)
    {
        return;
    }
    for m in name_pattern().find_iter(&rest) {
        let mut name = trim_name(m.as_str());
        let after = &rest[m.end()..];
        for tail in ["人民政府", "政府"] {
            if after.starts_with(tail) {
                name.push_str(tail);
                break;
            }
        }
        if name.chars().count() >= 3 && roster.resolve(&name).is_err() && !is_generic(&name) {
            out.unresolved.insert(name);
        }
    }
}

/// A name right after another place (唐河县城郊乡, 市民政局) is that place's unit, not ours —
/// unless the place is our own county (桐柏县城郊乡).
fn belongs_elsewhere(before: &str, roster: &Roster) -> bool {
    let Some(last) = before.chars().last() else {
        return false;
    };
    if !matches!(last, '县' | '市' | '区' | '省' | '州' | '旗') {
        return false;
    }
    !roster
        .meta
        .strip_prefixes
        .iter()
        .any(|p| before.ends_with(p.as_str()))
}

/// A name followed by a body suffix (县民政局 in 县民政局婚姻登记所) is someone else.
fn is_inside_longer_name(after: &str) -> bool {
    ["中心", "分局", "所", "站", "院", "队"]
        .iter()
        .any(|s| after.starts_with(s))
}

fn has_list_shape(clause: &str) -> bool {
    clause.contains('、') || clause.contains('|') || clause.contains('和')
}

/// Drops leading connective words the regex took in (和, 及, 分别为, 其中).
fn trim_name(name: &str) -> String {
    let mut n = name.to_string();
    for lead in [
        "分别为",
        "分别是",
        "其中",
        "以及",
        "和",
        "及",
        "与",
        "对",
        "为",
        "是",
        "的",
    ] {
        if let Some(r) = n.strip_prefix(lead) {
            n = r.to_string();
        }
    }
    n
}

/// Words that match the name shape but are not units (检查中心 of a statistic, 政府网站).
fn is_generic(name: &str) -> bool {
    [
        "政府网站",
        "政务新媒体",
        "全市",
        "全县",
        "各乡镇",
        "各单位",
        "办公室",
        "政务公开办",
    ]
    .iter()
    .any(|g| name == *g || name.ends_with("政务公开办公室"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Project;
    use std::path::Path;

    fn markers() -> NoticeMarkers {
        NoticeMarkers {
            failing: vec!["不合格".into(), "存在问题".into(), "未通过".into()],
            statistics: vec!["合格率".into(), "个，".into()],
        }
    }

    fn roster() -> Roster {
        Project::load(Path::new("crawl-config/simweb.toml"))
            .map(|p| p.roster)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn prose_names_resolve_by_alias() {
        let r = roster();
        let text = "全县正在运行的政府网站共36个，其中合格34个，不合格2个。县退役军人局和县民政局网站不合格。";
        let n = named_units(text, &r, Kind::Department, &markers());
        assert_eq!(
            n.failing.keys().cloned().collect::<Vec<_>>(),
            vec!["d-mzj".to_string(), "d-tyjr".to_string()]
        );
        assert!(n.unresolved.is_empty(), "{:?}", n.unresolved);
    }

    #[test]
    fn table_rows_and_unknown_names() {
        let r = roster();
        let text = "序号 | 单位 | 检查结果\n1 | 桐柏县发展和改革委员会 | 不合格\n2 | 县财政局 | 合格\n3 | 县气象局 | 不合格";
        let n = named_units(text, &r, Kind::Department, &markers());
        assert_eq!(
            n.failing.keys().cloned().collect::<Vec<_>>(),
            vec!["d-fgw".to_string()]
        );
        assert!(n.unresolved.contains("县气象局"), "{:?}", n.unresolved);
    }

    #[test]
    fn other_counties_and_city_bodies_are_not_ours() {
        let r = roster();
        let text = "经检查，桐柏县城郊乡人民政府、淮源镇政府和唐河县城郊乡人民政府网站不合格，共3个。\n市退役军人事务局和市民政局网站不合格。";
        let n = named_units(text, &r, Kind::Township, &markers());
        assert_eq!(
            n.failing.keys().cloned().collect::<Vec<_>>(),
            vec!["t-chengjiao".to_string(), "t-huaiyuan".to_string()]
        );
        assert!(
            n.unresolved.contains("唐河县城郊乡人民政府"),
            "{:?}",
            n.unresolved
        );
        let d = named_units(text, &r, Kind::Department, &markers());
        assert!(d.failing.is_empty(), "{:?}", d.failing);
        assert!(d.unresolved.contains("市民政局"), "{:?}", d.unresolved);
    }

    #[test]
    fn table_under_a_failing_heading() {
        let r = roster();
        let text = "二、存在问题的政府网站和政务新媒体\n序号 | 单位名称 | 网站名称 | 主要问题\n1 | 桐柏县发展和改革委员会 | 桐柏县发展和改革委员会门户网站 | 栏目长期未更新\n2 | 县档案馆 | 县档案馆门户网站 | 互动回应不及时\n请各单位对照问题认真整改。\n县财政局 | 合格";
        let n = named_units(text, &r, Kind::Department, &markers());
        assert_eq!(
            n.failing.keys().cloned().collect::<Vec<_>>(),
            vec!["d-fgw".to_string()]
        );
    }

    #[test]
    fn townships_by_kind() {
        let r = roster();
        let text = "淮源镇政府、城郊乡人民政府网站存在问题，限期整改。县发改委网站不合格。";
        let n = named_units(text, &r, Kind::Township, &markers());
        assert_eq!(n.failing.len(), 2);
        assert!(n.failing.contains_key("t-huaiyuan") && n.failing.contains_key("t-chengjiao"));
    }
}
