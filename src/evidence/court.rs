//! Court-disclosure parties (T13, D10, D12): which unit a 被执行人 / 失信被执行人 / defendant
//! belongs to — the unit itself, one of its subordinate bodies or 事业单位 from the roster, or,
//! for a township, a 村委会 / 居委会 / body of its jurisdiction by roster list or by name pattern
//! (the township's name followed by a body suffix).

use crate::config::roster::normalize_text;
use crate::config::{Kind, Roster};

/// How a party relates to the unit it is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The unit itself (its government or department).
    Itself,
    /// A subordinate body or 事业单位 listed in the roster.
    Subordinate,
    /// A 村委会 / 居委会 listed in the roster.
    Village,
    /// A body named after the township (淮源镇财政所) matched by pattern.
    Jurisdiction,
}

impl Relation {
    pub fn label(self) -> &'static str {
        match self {
            Relation::Itself => "本单位",
            Relation::Subordinate => "下属单位",
            Relation::Village => "村（居）委会",
            Relation::Jurisdiction => "辖区单位",
        }
    }
}

/// Name patterns from the court rule (`crawl-config/rules/court.toml`).
#[derive(Debug, Clone, Default)]
pub struct PartyPatterns {
    /// Suffixes of bodies that belong to a township when named after it (村民委员会, 卫生院, 财政所).
    pub township_body_suffixes: Vec<String>,
    /// A party whose name contains one of these is never a public body (有限公司, 合作社).
    pub exclude: Vec<String>,
}

/// The matching form of a body's name: normalised, county prefix removed, a leading 县 removed,
/// committee names shortened (村民委员会 → 村委会).
fn body_key(roster: &Roster, name: &str) -> String {
    let mut s = normalize_text(name);
    for pre in &roster.meta.strip_prefixes {
        if let Some(rest) = s.strip_prefix(pre.as_str()) {
            s = rest.to_string();
            break;
        }
    }
    if let Some(rest) = s.strip_prefix('县') {
        s = rest.to_string();
    }
    s.replace("村民委员会", "村委会")
        .replace("居民委员会", "居委会")
}

/// Attributes a party to a unit, or `None` when it is no unit's body.
pub fn attribute<'r>(
    roster: &'r Roster,
    party: &str,
    patterns: &PartyPatterns,
) -> Option<(&'r str, Relation)> {
    let norm = normalize_text(party);
    if patterns.exclude.iter().any(|x| norm.contains(x.as_str())) {
        return None;
    }
    if let Ok(unit) = roster.resolve(party) {
        return Some((unit.id.as_str(), Relation::Itself));
    }
    let key = body_key(roster, party);
    for unit in &roster.units {
        if unit.subordinates.iter().any(|s| body_key(roster, s) == key) {
            return Some((unit.id.as_str(), Relation::Subordinate));
        }
    }
    for unit in roster.of_kind(Kind::Township) {
        let short = normalize_text(&unit.short);
        let local = key.strip_prefix(short.as_str());
        for v in &unit.villages {
            let vk = body_key(roster, v);
            if key == vk || local == Some(vk.as_str()) {
                return Some((unit.id.as_str(), Relation::Village));
            }
        }
        if let Some(rest) = local {
            if !rest.is_empty()
                && patterns
                    .township_body_suffixes
                    .iter()
                    .any(|s| rest.ends_with(body_key(roster, s).as_str()))
            {
                return Some((unit.id.as_str(), Relation::Jurisdiction));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Project;
    use std::path::Path;

    fn roster() -> Roster {
        Project::load(Path::new("crawl-config/simweb.toml"))
            .map(|p| p.roster)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn patterns() -> PartyPatterns {
        PartyPatterns {
            township_body_suffixes: vec![
                "村民委员会".into(),
                "居民委员会".into(),
                "卫生院".into(),
                "财政所".into(),
            ],
            exclude: vec!["有限公司".into(), "合作社".into()],
        }
    }

    #[test]
    fn parties_attributed() {
        let r = roster();
        let p = patterns();
        assert_eq!(
            attribute(&r, "桐柏县淮源镇人民政府", &p),
            Some(("t-huaiyuan", Relation::Itself))
        );
        assert_eq!(
            attribute(&r, "桐柏县人民医院", &p),
            Some(("d-wjw", Relation::Subordinate))
        );
        assert_eq!(
            attribute(&r, "桐柏县淮源镇固庙村村民委员会", &p),
            Some(("t-huaiyuan", Relation::Village))
        );
        assert_eq!(
            attribute(&r, "固庙村村委会", &p),
            Some(("t-huaiyuan", Relation::Village))
        );
        assert_eq!(
            attribute(&r, "桐柏县淮源镇新庄村村民委员会", &p),
            Some(("t-huaiyuan", Relation::Jurisdiction))
        );
        assert_eq!(attribute(&r, "桐柏县淮源镇宏达建材有限公司", &p), None);
        assert_eq!(attribute(&r, "张三", &p), None);
    }
}
