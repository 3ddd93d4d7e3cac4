//! The roster (`crawl-config/units/*.toml`): every evaluated unit with its kind, full name and
//! the aliases that notices and submissions use, plus the bodies attributed to it (subordinate
//! bodies, 事业单位, and for townships the 村委会 / 居委会 of its jurisdiction).
//!
//! [`Roster::resolve`] is the one place a name in the wild becomes a unit: exact match after
//! normalisation (width, spaces, the county prefix, 人民政府 / 政府 suffixes), never guesswork.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{parse_toml, read_text, ConfigError, Problems};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 乡镇（街道）
    Township,
    /// 县直单位
    Department,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Township => "乡镇（街道）",
            Kind::Department => "县直单位",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Township => "township",
            Kind::Department => "department",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "township" | "乡镇" | "乡镇（街道）" => Some(Kind::Township),
            "department" | "县直单位" | "部门" => Some(Kind::Department),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RosterMeta {
    /// 桐柏县
    pub county: String,
    /// 南阳市
    pub city: String,
    /// 河南省
    pub province: String,
    /// Prefixes stripped before matching (桐柏县, 桐柏).
    #[serde(default)]
    pub strip_prefixes: Vec<String>,
    /// Suffixes stripped before matching (人民政府, 政府).
    #[serde(default)]
    pub strip_suffixes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Stable ASCII id (`t-huaiyuan`, `d-fgw`), used in URLs, keys and submissions.
    pub id: String,
    /// Full name (桐柏县淮源镇人民政府, 桐柏县发展和改革委员会).
    pub name: String,
    /// The short name used in tables and reports (淮源镇, 县发改委).
    pub short: String,
    pub kind: Kind,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Subordinate bodies and 事业单位 whose court cases count against the unit (T13, D10, D12).
    #[serde(default)]
    pub subordinates: Vec<String>,
    /// For townships: 村委会 / 居委会 of the jurisdiction (T13).
    #[serde(default)]
    pub villages: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    pub meta: RosterMeta,
    #[serde(rename = "unit")]
    pub units: Vec<Unit>,
    #[serde(skip)]
    index: BTreeMap<String, Vec<usize>>,
}

/// Why a name did not resolve to exactly one unit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("unknown unit {name:?}; nearest: {}", .nearest.join("、"))]
    Unknown { name: String, nearest: Vec<String> },
    #[error("ambiguous unit {name:?}: could be {}", .candidates.join("、"))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

/// Full-width ASCII to half-width, whitespace and quotes removed.
pub fn normalize_text(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                '\u{3000}' => ' ',
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            if c.is_whitespace() || matches!(c, '“' | '”' | '"' | '\'' | '‘' | '’') {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

impl Roster {
    pub fn load(path: &Path) -> Result<Roster, ConfigError> {
        let text = read_text(path)?;
        let mut roster: Roster = parse_toml(path, &text)?;
        let mut problems = Problems::new(path);
        roster.build(&mut problems);
        if problems.is_empty() {
            Ok(roster)
        } else {
            Err(ConfigError::Invalid(problems.into_vec()))
        }
    }

    /// Builds the alias index, pushing duplicate ids and names that two units share.
    pub fn build(&mut self, p: &mut Problems) {
        let mut ids = BTreeSet::new();
        let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, u) in self.units.iter().enumerate() {
            let at = format!("unit[{}]", u.id);
            if u.id.is_empty()
                || !u
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                p.push(
                    at.clone() + ".id",
                    "ids are non-empty ASCII letters, digits, '-' or '_'",
                );
            }
            if !ids.insert(u.id.clone()) {
                p.push(at.clone() + ".id", "duplicate unit id");
            }
            for name in self.names_of(u) {
                let key = self.normalize(&name);
                if key.is_empty() {
                    p.push(
                        at.clone() + ".aliases",
                        format!("{name:?} is empty after normalisation"),
                    );
                    continue;
                }
                let slot = index.entry(key).or_default();
                if !slot.contains(&i) {
                    slot.push(i);
                }
            }
        }
        for (key, units) in &index {
            if units.len() > 1 {
                let who: Vec<_> = units.iter().map(|&i| self.units[i].id.as_str()).collect();
                p.push(
                    "unit",
                    format!("name {key:?} is shared by {}", who.join(", ")),
                );
            }
        }
        self.index = index;
    }

    fn names_of(&self, u: &Unit) -> Vec<String> {
        let mut v = vec![u.id.clone(), u.name.clone(), u.short.clone()];
        v.extend(u.aliases.iter().cloned());
        v
    }

    /// The matching key of a name: normalised text without the county prefix and government suffix.
    pub fn normalize(&self, name: &str) -> String {
        let mut s = normalize_text(name);
        for pre in &self.meta.strip_prefixes {
            if let Some(rest) = s.strip_prefix(pre.as_str()) {
                if !rest.is_empty() {
                    s = rest.to_string();
                    break;
                }
            }
        }
        for suf in &self.meta.strip_suffixes {
            if let Some(rest) = s.strip_suffix(suf.as_str()) {
                if !rest.is_empty() {
                    s = rest.to_string();
                    break;
                }
            }
        }
        s
    }

    pub fn get(&self, id: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.id == id)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.kind == kind)
    }

    /// Resolves a name, id or alias to exactly one unit.
    pub fn resolve(&self, name: &str) -> Result<&Unit, ResolveError> {
        let key = self.normalize(name);
        match self.index.get(&key).map(Vec::as_slice) {
            Some([one]) => Ok(&self.units[*one]),
            Some(many) if many.len() > 1 => Err(ResolveError::Ambiguous {
                name: name.to_string(),
                candidates: many.iter().map(|&i| self.units[i].name.clone()).collect(),
            }),
            _ => Err(ResolveError::Unknown {
                name: name.to_string(),
                nearest: self.nearest(&key, 3),
            }),
        }
    }

    /// The `n` unit names closest to `key` by character edit distance.
    fn nearest(&self, key: &str, n: usize) -> Vec<String> {
        let mut scored: Vec<(usize, &str)> = self
            .units
            .iter()
            .map(|u| {
                let d = self
                    .names_of(u)
                    .iter()
                    .map(|a| edit_distance(key, &self.normalize(a)))
                    .min()
                    .unwrap_or(usize::MAX);
                (d, u.name.as_str())
            })
            .collect();
        scored.sort();
        scored
            .into_iter()
            .take(n)
            .map(|(_, s)| s.to_string())
            .collect()
    }

    /// Every (alias key, unit) pair, longest alias first: for finding unit names inside prose.
    pub fn alias_keys(&self) -> Vec<(String, &Unit)> {
        let mut v: Vec<(String, &Unit)> = self
            .index
            .iter()
            .filter(|(_, units)| units.len() == 1)
            .map(|(k, units)| (k.clone(), &self.units[units[0]]))
            .filter(|(k, u)| k != &u.id)
            .collect();
        v.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then(a.0.cmp(&b.0))
        });
        v
    }
}

/// Levenshtein distance over chars (names are short).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Roster {
        let text = r#"
[meta]
county = "桐柏县"
city = "南阳市"
province = "河南省"
strip_prefixes = ["桐柏县", "桐柏"]
strip_suffixes = ["人民政府", "政府"]

[[unit]]
id = "t-chengjiao"
name = "桐柏县城郊乡人民政府"
short = "城郊乡"
kind = "township"

[[unit]]
id = "d-fgw"
name = "桐柏县发展和改革委员会"
short = "县发改委"
kind = "department"
aliases = ["县发展和改革委员会", "发改委"]

[[unit]]
id = "d-scjg"
name = "桐柏县市场监督管理局"
short = "县市场监管局"
kind = "department"
aliases = ["县市场监督管理局", "市场监管局"]
"#;
        let mut r: Roster = toml::from_str(text).unwrap();
        let mut p = Problems::new(Path::new("x.toml"));
        r.build(&mut p);
        assert!(p.is_empty(), "{:?}", p.found);
        r
    }

    #[test]
    fn resolves_short_full_and_decorated_names() {
        let r = roster();
        for name in [
            "城郊乡",
            "城郊乡政府",
            "桐柏县城郊乡人民政府",
            "城郊乡人民政府",
            " 城郊乡 ",
            "t-chengjiao",
        ] {
            assert_eq!(r.resolve(name).unwrap().id, "t-chengjiao", "{name}");
        }
        for name in [
            "县发改委",
            "桐柏县发展和改革委员会",
            "发改委",
            "县发展和改革委员会",
        ] {
            assert_eq!(r.resolve(name).unwrap().id, "d-fgw", "{name}");
        }
        assert_eq!(r.resolve("县市场监管局").unwrap().id, "d-scjg");
    }

    #[test]
    fn full_width_and_spaces_are_normalised() {
        let r = roster();
        assert_eq!(r.resolve("县 发改委").unwrap().id, "d-fgw");
        assert_eq!(normalize_text("ＡＢ　c"), "ABc");
    }

    #[test]
    fn unknown_name_lists_nearest() {
        let r = roster();
        let err = r.resolve("县发改局").unwrap_err();
        match &err {
            ResolveError::Unknown { nearest, .. } => {
                assert_eq!(nearest[0], "桐柏县发展和改革委员会")
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("县发改局"));
    }

    #[test]
    fn shared_alias_is_a_problem_and_ambiguous() {
        let mut r = roster();
        r.units[2].aliases.push("发改委".into());
        let mut p = Problems::new(Path::new("x.toml"));
        r.build(&mut p);
        assert!(p.found.iter().any(|x| x.message.contains("shared by")));
        assert!(matches!(
            r.resolve("发改委"),
            Err(ResolveError::Ambiguous { .. })
        ));
    }

    #[test]
    fn edit_distance_counts_chars() {
        assert_eq!(edit_distance("发改委", "发改局"), 1);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
