//! Website inspection rule sets (`crawl-config/inspection/*.toml`): the observable items of the
//! national 政府网站与政务新媒体检查指标 — the 单项否决 items with their thresholds, the 预警 and
//! the 扣分 items — as data, one file per versioned rule set (an id and effective dates), and
//! the words that classify a column by its name. `govtrust inspect` (`src/inspect/`) applies the
//! set in force on the check date; every finding names the set and the clause.
//!
//! A closed, typed set of clauses: the numbers and words are the file's, what each clause means
//! is the inspection's. Validation collects every problem with its file and key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::column_kind::ColumnKind;
use super::{parse_toml, read_text, ConfigError, Problem, Problems};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionRules {
    pub rule_set: RuleSetMeta,
    #[serde(default)]
    pub column_kind: Vec<KindWords>,
    pub veto: Vetoes,
    pub warning: Warnings,
    pub deduction: Deductions,
    /// The file it was read from (set at load).
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetMeta {
    pub id: String,
    pub title: String,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub effective_to: Option<NaiveDate>,
    /// A site without a veto item whose 100 − deductions falls below this is 不合格.
    pub pass_score: f64,
}

/// A column whose name contains one of `words` (and none of `except`) is of `kind`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindWords {
    pub kind: ColumnKind,
    pub words: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vetoes {
    pub unreachable: Unreachable,
    pub home_not_updated: HomeNotUpdated,
    pub columns_not_updated: ColumnsNotUpdated,
    pub interaction: Interaction,
    pub backdating: Backdating,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unreachable {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub window_days: i64,
    pub failure_share: f64,
    pub min_days: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HomeNotUpdated {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub max_age_days: i64,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KindLimit {
    pub kind: ColumnKind,
    pub max_age_days: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnsNotUpdated {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub limits: Vec<KindLimit>,
    pub stale_count: usize,
    pub long_stale_days: i64,
    pub long_stale_count: usize,
    pub blank_count: usize,
}

impl ColumnsNotUpdated {
    /// The update limit of a kind of column, if the text gives one.
    pub fn limit(&self, kind: ColumnKind) -> Option<i64> {
        self.limits
            .iter()
            .find(|l| l.kind == kind)
            .map(|l| l.max_age_days)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub lookback_days: i64,
    pub reply_within_days: i64,
    pub asked_field: String,
    pub answered_field: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Backdating {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub min_lag_days: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Warnings {
    pub burst: Burst,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub min_items: usize,
    pub days_before_quarter_end: i64,
    pub lookback_days: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deductions {
    pub dead_links: DeadLinks,
    pub metadata: Metadata,
    pub attachments: Attachments,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShareBand {
    pub at_least: f64,
    pub points: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLinks {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub home_link_points: f64,
    /// Descending by `at_least`: the first band the share of dead links reaches applies.
    pub share_bands: Vec<ShareBand>,
    pub cap: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredField {
    pub label: String,
    /// A document field name (`index_no`, `publisher`, `doc_no`, or a declared field).
    pub field: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub kinds: Vec<ColumnKind>,
    pub required: Vec<RequiredField>,
    pub points_per_document: f64,
    pub cap: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attachments {
    /// Shown with every finding (单项否决·首页不更新).
    pub clause: String,
    /// The indicator text (or the local choice) it applies.
    pub basis: String,
    pub points_per_attachment: f64,
    pub cap: f64,
}

impl InspectionRules {
    /// Whether the set is in force on `date`.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.rule_set.effective_from <= date && self.rule_set.effective_to.is_none_or(|t| date <= t)
    }

    /// The kind of a column named `name`: the first entry whose words it contains.
    pub fn kind_of(&self, name: &str) -> ColumnKind {
        self.column_kind
            .iter()
            .find(|k| {
                k.words.iter().any(|w| name.contains(w.as_str()))
                    && !k.except.iter().any(|w| name.contains(w.as_str()))
            })
            .map_or(ColumnKind::Other, |k| k.kind)
    }

    fn validate(&self, p: &mut Problems) {
        let m = &self.rule_set;
        if m.id.trim().is_empty() || m.id.contains(char::is_whitespace) {
            p.push(
                "rule_set.id",
                "the id must be a non-empty word without spaces",
            );
        }
        if m.title.trim().is_empty() {
            p.push("rule_set.title", "empty title");
        }
        if let Some(to) = m.effective_to {
            if to < m.effective_from {
                p.push(
                    "rule_set.effective_to",
                    format!("{to} is before effective_from {}", m.effective_from),
                );
            }
        }
        if !(0.0..=100.0).contains(&m.pass_score) {
            p.push("rule_set.pass_score", "must lie within 0–100");
        }
        let mut kinds = BTreeSet::new();
        for (i, k) in self.column_kind.iter().enumerate() {
            if !kinds.insert(k.kind) {
                p.push(format!("column_kind[{i}].kind"), "kind given twice");
            }
            if k.words.is_empty() || k.words.iter().any(|w| w.trim().is_empty()) {
                p.push(format!("column_kind[{i}].words"), "needs non-empty words");
            }
        }
        let v = &self.veto;
        let clauses = [
            ("veto.unreachable", &v.unreachable.clause),
            ("veto.home_not_updated", &v.home_not_updated.clause),
            ("veto.columns_not_updated", &v.columns_not_updated.clause),
            ("veto.interaction", &v.interaction.clause),
            ("veto.backdating", &v.backdating.clause),
            ("warning.burst", &self.warning.burst.clause),
            ("deduction.dead_links", &self.deduction.dead_links.clause),
            ("deduction.metadata", &self.deduction.metadata.clause),
            ("deduction.attachments", &self.deduction.attachments.clause),
        ];
        for (key, c) in clauses {
            if c.trim().is_empty() {
                p.push(format!("{key}.clause"), "empty clause name");
            }
        }
        let days = |p: &mut Problems, key: &str, n: i64| {
            if n < 1 {
                p.push(key, "must be at least 1 day");
            }
        };
        let u = &v.unreachable;
        days(p, "veto.unreachable.window_days", u.window_days);
        if !(u.failure_share > 0.0 && u.failure_share <= 1.0) {
            p.push("veto.unreachable.failure_share", "must lie within (0, 1]");
        }
        if u.min_days < 1 || u.min_days as i64 > u.window_days {
            p.push(
                "veto.unreachable.min_days",
                "must be at least 1 and at most window_days",
            );
        }
        days(
            p,
            "veto.home_not_updated.max_age_days",
            v.home_not_updated.max_age_days,
        );
        let c = &v.columns_not_updated;
        let mut limited = BTreeSet::new();
        for (i, l) in c.limits.iter().enumerate() {
            days(
                p,
                &format!("veto.columns_not_updated.limits[{i}].max_age_days"),
                l.max_age_days,
            );
            if !limited.insert(l.kind) {
                p.push(
                    format!("veto.columns_not_updated.limits[{i}].kind"),
                    "kind given twice",
                );
            }
        }
        days(
            p,
            "veto.columns_not_updated.long_stale_days",
            c.long_stale_days,
        );
        for (key, n) in [
            ("stale_count", c.stale_count),
            ("long_stale_count", c.long_stale_count),
            ("blank_count", c.blank_count),
        ] {
            if n < 1 {
                p.push(
                    format!("veto.columns_not_updated.{key}"),
                    "must be at least 1",
                );
            }
        }
        let i = &v.interaction;
        days(p, "veto.interaction.lookback_days", i.lookback_days);
        days(p, "veto.interaction.reply_within_days", i.reply_within_days);
        for (key, f) in [
            ("asked_field", &i.asked_field),
            ("answered_field", &i.answered_field),
        ] {
            if f.trim().is_empty() {
                p.push(format!("veto.interaction.{key}"), "empty field name");
            }
        }
        days(p, "veto.backdating.min_lag_days", v.backdating.min_lag_days);
        let b = &self.warning.burst;
        if b.min_items < 2 {
            p.push("warning.burst.min_items", "a burst is at least 2 documents");
        }
        days(
            p,
            "warning.burst.days_before_quarter_end",
            b.days_before_quarter_end,
        );
        days(p, "warning.burst.lookback_days", b.lookback_days);
        let d = &self.deduction.dead_links;
        let mut last = f64::INFINITY;
        for (i, band) in d.share_bands.iter().enumerate() {
            if !(band.at_least > 0.0 && band.at_least <= 1.0) {
                p.push(
                    format!("deduction.dead_links.share_bands[{i}].at_least"),
                    "must lie within (0, 1]",
                );
            }
            if band.at_least >= last {
                p.push(
                    format!("deduction.dead_links.share_bands[{i}]"),
                    "bands must be in descending order of at_least",
                );
            }
            last = band.at_least;
        }
        let m = &self.deduction.metadata;
        if m.required.is_empty() {
            p.push("deduction.metadata.required", "names no field");
        }
        for (key, x) in [
            ("deduction.dead_links.home_link_points", d.home_link_points),
            ("deduction.dead_links.cap", d.cap),
            (
                "deduction.metadata.points_per_document",
                m.points_per_document,
            ),
            ("deduction.metadata.cap", m.cap),
            (
                "deduction.attachments.points_per_attachment",
                self.deduction.attachments.points_per_attachment,
            ),
            ("deduction.attachments.cap", self.deduction.attachments.cap),
        ] {
            if !(0.0..=100.0).contains(&x) {
                p.push(key, "points must lie within 0–100");
            }
        }
        for (i, band) in d.share_bands.iter().enumerate() {
            if !(0.0..=100.0).contains(&band.points) {
                p.push(
                    format!("deduction.dead_links.share_bands[{i}].points"),
                    "points must lie within 0–100",
                );
            }
        }
    }

    /// Reads every `*.toml` of `dir`: rule sets with unique ids.
    pub fn load_dir(dir: &Path) -> Result<Vec<InspectionRules>, ConfigError> {
        let files = super::toml_files(dir)?;
        let mut all: Vec<Problem> = Vec::new();
        let mut sets: Vec<InspectionRules> = Vec::new();
        for path in files {
            let text = read_text(&path)?;
            let mut set: InspectionRules = match parse_toml(&path, &text) {
                Ok(s) => s,
                Err(ConfigError::Invalid(p)) => {
                    all.extend(p);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut p = Problems::new(&path);
            set.validate(&mut p);
            if let Some(other) = sets.iter().find(|s| s.rule_set.id == set.rule_set.id) {
                p.push(
                    "rule_set.id",
                    format!(
                        "id {} is also the id of {}",
                        set.rule_set.id,
                        other.file.display()
                    ),
                );
            }
            all.extend(p.into_vec());
            set.file = path;
            sets.push(set);
        }
        if all.is_empty() {
            Ok(sets)
        } else {
            Err(ConfigError::Invalid(all))
        }
    }
}

/// The rule set to apply on `date`: the one named, or else the one in force with the latest
/// `effective_from`.
pub fn select<'a>(
    sets: &'a [InspectionRules],
    named: Option<&str>,
    date: NaiveDate,
) -> Result<&'a InspectionRules, String> {
    if let Some(id) = named {
        return sets
            .iter()
            .find(|s| s.rule_set.id == id)
            .ok_or_else(|| format!("没有 id 为 {id} 的检查规则集（已载入：{}）", ids(sets)));
    }
    sets.iter()
        .filter(|s| s.in_force(date))
        .max_by_key(|s| s.rule_set.effective_from)
        .ok_or_else(|| format!("没有在 {date} 生效的检查规则集（已载入：{}）", ids(sets)))
}

fn ids(sets: &[InspectionRules]) -> String {
    if sets.is_empty() {
        return "无".into();
    }
    sets.iter()
        .map(|s| s.rule_set.id.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Vec<InspectionRules> {
        InspectionRules::load_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/inspection"),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_shipped_set_loads_and_classifies_the_county_columns() {
        let sets = shipped();
        let s = select(&sets, None, NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()).unwrap();
        assert_eq!(s.rule_set.id, "gwb-2019-19");
        assert_eq!(s.veto.home_not_updated.max_age_days, 14);
        for (name, kind) in [
            ("工作动态", ColumnKind::News),
            ("通知公告", ColumnKind::Notice),
            ("政策文件", ColumnKind::Policy),
            ("政策解读", ColumnKind::Other),
            ("县长信箱", ColumnKind::Interaction),
            ("权责清单", ColumnKind::Other),
            ("政府信息公开年报", ColumnKind::Other),
        ] {
            assert_eq!(s.kind_of(name), kind, "{name}");
        }
        assert_eq!(
            s.veto.columns_not_updated.limit(ColumnKind::Policy),
            Some(183)
        );
        assert_eq!(s.veto.columns_not_updated.limit(ColumnKind::Other), None);
        assert!(select(&sets, None, NaiveDate::from_ymd_opt(2018, 1, 1).unwrap()).is_err());
        assert!(select(&sets, Some("nope"), NaiveDate::MAX)
            .unwrap_err()
            .contains("gwb-2019-19"));
    }

    #[test]
    fn every_problem_is_named_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("crawl-config/inspection/gwb-2019.toml"),
        )
        .unwrap()
        .replace("failure_share = 0.05", "failure_share = 1.5")
        .replace("max_age_days = 14           #", "max_age_days = 0 #")
        .replace(
            "{ at_least = 0.01, points = 1.0 }",
            "{ at_least = 0.5, points = 1.0 }",
        );
        std::fs::write(dir.path().join("a.toml"), &text).unwrap();
        std::fs::write(dir.path().join("b.toml"), &text).unwrap();
        let e = InspectionRules::load_dir(dir.path())
            .unwrap_err()
            .to_string();
        for needle in [
            "a.toml: veto.unreachable.failure_share",
            "a.toml: veto.home_not_updated.max_age_days",
            "a.toml: deduction.dead_links.share_bands[1]: bands must be in descending order",
            "b.toml: rule_set.id: id gwb-2019-19 is also the id of",
        ] {
            assert!(e.contains(needle), "{needle} not in {e}");
        }
        std::fs::write(
            dir.path().join("b.toml"),
            text.replace("[warning.burst]", "[warning.bursts]"),
        )
        .unwrap();
        let e = InspectionRules::load_dir(dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("b.toml: line"), "{e}");
    }
}
