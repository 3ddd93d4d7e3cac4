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
    /// Unit ids named as failing, each once per notice, with the first clause naming it.
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

/// Splits a notice body into clauses: lines, then sentences; each table row is one clause.
fn clauses(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n', '。', '；', ';', '！'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
}

impl NoticeMarkers {
    fn is_failing(&self, clause: &str) -> bool {
        self.failing.iter().any(|m| clause.contains(m.as_str()))
    }
}

/// Units of `kind` named as failing in `text`.
pub fn named_units(text: &str, roster: &Roster, kind: Kind, markers: &NoticeMarkers) -> NamedUnits {
    let aliases = roster.alias_keys();
    let mut out = NamedUnits::default();
    for clause in clauses(text) {
        let clause = normalize_text(clause);
        if !markers.is_failing(&clause) {
            continue;
        }
        // A clause that is only statistics ("合格47个，不合格2个") names nobody.
        let mut rest = clause.clone();
        let mut found_here = false;
        // Longest aliases first, so 县市场监管局 is not read as 市场监管局 plus noise.
        for (alias, unit) in &aliases {
            if alias.chars().count() < 2 || !rest.contains(alias.as_str()) {
                continue;
            }
            if unit.kind == kind && !is_inside_longer_name(&rest, alias) {
                out.failing
                    .entry(unit.id.clone())
                    .or_insert_with(|| clause.clone());
                found_here = true;
            }
            rest = rest.replace(alias.as_str(), "□");
        }
        // Whatever still looks like a unit name in a naming clause did not resolve.
        if markers.statistics.iter().any(|s| rest.contains(s.as_str()))
            && !found_here
            && !has_list_shape(&rest)
        {
            continue;
        }
        for m in name_pattern().find_iter(&rest) {
            let name = trim_name(m.as_str());
            if name.chars().count() >= 3 && roster.resolve(&name).is_err() && !is_generic(&name) {
                out.unresolved.insert(name);
            }
        }
    }
    out
}

/// A name followed by more name characters (县民政局 inside 县民政局婚姻登记中心) is someone else.
fn is_inside_longer_name(text: &str, alias: &str) -> bool {
    let Some(pos) = text.find(alias) else {
        return false;
    };
    let after = &text[pos + alias.len()..];
    let next: String = after.chars().take(4).collect();
    ["中心", "分局", "所", "站", "院", "队"]
        .iter()
        .any(|s| next.starts_with(s))
}

fn has_list_shape(clause: &str) -> bool {
    clause.contains('、') || clause.contains('|') || clause.contains("和")
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
    fn townships_by_kind() {
        let r = roster();
        let text = "淮源镇政府、城郊乡人民政府网站存在问题，限期整改。县发改委网站不合格。";
        let n = named_units(text, &r, Kind::Township, &markers());
        assert_eq!(n.failing.len(), 2);
        assert!(n.failing.contains_key("t-huaiyuan") && n.failing.contains_key("t-chengjiao"));
    }
}
