//! Evidence rules (`crawl-config/rules/*.toml`): for every web-monitored item, which documents or
//! records are evidence and what fact they yield. One closed, typed set of rule kinds
//! ([`RuleKind`]); the words, columns, markers and patterns are data.
//!
//! Validation checks each rule against the catalogs: the item exists, its fields exist with the
//! types the rule kind writes, and patterns compile; every problem is reported at once.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::catalog::FieldType;
use super::{parse_toml, read_text, Catalog, ConfigError, Kind, Problem, Problems};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(rename = "rule")]
    pub rules: Vec<EvidenceRule>,
}

/// One evidence rule.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRule {
    /// Stable id (`T1.qzqd`), recorded on every evidence it yields.
    pub id: String,
    /// The catalog item it feeds.
    pub item: String,
    /// Which units it applies to.
    pub unit_kind: Kind,
    /// Sources whose documents it reads (names of `sources/*.toml`); empty = all.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Whether an analyst must confirm each finding before it counts (activities).
    #[serde(default)]
    pub review: bool,
    /// What the rule looks for and what it yields (`[rule.find]`, tagged by `kind`).
    pub find: RuleKind,
}

/// Title conditions: every phrase of `all`, one of `any` (if given), none of `none`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TitleMatch {
    #[serde(default)]
    pub all: Vec<String>,
    #[serde(default)]
    pub any: Vec<String>,
    #[serde(default)]
    pub none: Vec<String>,
}

/// One of the five city documents of T2.1 and the key phrases of its local counterpart.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CityDocument {
    /// Canonical name (the list value recorded in the fact).
    pub name: String,
    /// Words a repost may drop (暂行).
    #[serde(default)]
    pub optional: Vec<String>,
    /// A local counterpart's title contains one of these (公示和听证).
    pub local_any: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleKind {
    /// A list or system published in the unit's columns (T1, T4, D7): `field = true` with the
    /// matching documents as evidence; a crawled unit with none → `false`.
    PublishedList {
        field: String,
        /// Column names (the document's list or breadcrumb column); empty = any column.
        #[serde(default)]
        columns: Vec<String>,
        title: TitleMatch,
    },
    /// Reposts of the city documents and local counterparts (T2.1).
    CityDocuments {
        repost_field: String,
        local_field: String,
        /// A local counterpart's title also contains all of these (重大行政决策).
        local_all: Vec<String>,
        #[serde(default)]
        columns: Vec<String>,
        documents: Vec<CityDocument>,
    },
    /// The unit's annual decision catalogue (T2.2): formulated + its displayed publication date.
    DecisionCatalog {
        flag_field: String,
        date_field: String,
        #[serde(default)]
        columns: Vec<String>,
        title: TitleMatch,
    },
    /// Notices that name units as failing (T5, D3) or with cases (T12): counted per notice.
    Notice {
        field: String,
        /// A second field counting named units marked handled (T12 handled).
        #[serde(default)]
        handled_field: Option<String>,
        #[serde(default)]
        handled_markers: Vec<String>,
        /// List names (columns) where the notices are published.
        #[serde(default)]
        columns: Vec<String>,
        title: TitleMatch,
        /// A clause or row naming units carries one of these.
        failing: Vec<String>,
        /// Clauses with these and no list of names are statistics only.
        #[serde(default)]
        statistics: Vec<String>,
    },
    /// 双公示 and 行政管理 records per 决定机关 (T6.1, T6.2, D5, D6).
    Records {
        /// Record field names (as the source stores them) per meaning.
        fields: RecordFields,
        /// Working days allowed between decision and publication.
        timely_working_days: u32,
        /// What the rule yields.
        yields: RecordYield,
        /// The categories of the 五类 rule (T6.2, D6).
        #[serde(default)]
        categories: Vec<String>,
    },
    /// D4 from the unit's 政府信息公开工作年度报告.
    AnnualReport {
        requests_field: String,
        concluded_field: String,
        #[serde(default)]
        answered_field: Option<String>,
        /// Regex whose group 1 is the number answered on time (按期答复…(\d+)件).
        #[serde(default)]
        answered_pattern: Option<String>,
        #[serde(default)]
        columns: Vec<String>,
        title: TitleMatch,
    },
    /// Court-disclosure cases (T13, D12, D10).
    CourtCases {
        yields: CourtYield,
        /// A case is a 失信被执行人 listing when its list (column) is one of these…
        #[serde(default)]
        dishonest_lists: Vec<String>,
        /// …or its URL contains one of these (`/shixin/`); otherwise it is a 被执行人 case.
        #[serde(default)]
        dishonest_urls: Vec<String>,
        /// Field names in the case record.
        party_field: String,
        listed_field: String,
        #[serde(default)]
        dishonest_listed_field: Option<String>,
        resolved_field: String,
        #[serde(default)]
        cause_field: Option<String>,
        /// 案由 patterns of a contract dispute (D10).
        #[serde(default)]
        contract_causes: Vec<String>,
        township_body_suffixes: Vec<String>,
        exclude: Vec<String>,
    },
    /// News posts about integrity education / publicity (T14, D13, D14): candidates for review.
    Activity {
        field: String,
        #[serde(default)]
        columns: Vec<String>,
        title: TitleMatch,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecordFields {
    /// The record's category (行政许可, 行政处罚, 行政强制 …).
    pub category: String,
    pub organ: String,
    pub party: String,
    pub credit_code: String,
    pub doc_no: String,
    pub decided_on: String,
    pub published_on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordYield {
    /// T6.1: reported, compliant, timely counts.
    Counts,
    /// D5: late count.
    Late,
    /// T6.2 / D6: the categories with records, all compliant.
    CompliantCategories,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CourtYield {
    /// T13: dishonest_new, executed_unresolved, executed_resolved.
    TownshipTiers,
    /// D12: listed.
    Listed,
    /// D10: cases (contract disputes).
    ContractCases,
}

/// Every rule of every file in a directory.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<(std::path::PathBuf, EvidenceRule)>,
}

impl RuleSet {
    /// Loads `*.toml` under `dir` (sorted by name), validating against the catalogs.
    pub fn load(
        dir: &Path,
        catalogs: &std::collections::BTreeMap<Kind, Catalog>,
    ) -> Result<RuleSet, ConfigError> {
        let mut all: Vec<Problem> = Vec::new();
        let mut set = RuleSet::default();
        let files = super::toml_files(dir)?;
        let mut ids = BTreeSet::new();
        for path in files {
            let text = read_text(&path)?;
            let file: RuleFile = match parse_toml(&path, &text) {
                Ok(f) => f,
                Err(ConfigError::Invalid(p)) => {
                    all.extend(p);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut p = Problems::new(&path);
            for r in file.rules {
                if !ids.insert(r.id.clone()) {
                    p.push(format!("rule[{}].id", r.id), "duplicate rule id");
                }
                validate(&r, catalogs, &mut p);
                set.rules.push((path.clone(), r));
            }
            all.extend(p.into_vec());
        }
        if all.is_empty() {
            Ok(set)
        } else {
            Err(ConfigError::Invalid(all))
        }
    }
}

fn validate(
    r: &EvidenceRule,
    catalogs: &std::collections::BTreeMap<Kind, Catalog>,
    p: &mut Problems,
) {
    let at = format!("rule[{}]", r.id);
    let Some(catalog) = catalogs.get(&r.unit_kind) else {
        p.push(
            at + ".unit_kind",
            format!("no catalog scores {}", r.unit_kind),
        );
        return;
    };
    let Some(item) = catalog.item(&r.item) else {
        p.push(
            at + ".item",
            format!("no item {:?} in the {} catalog", r.item, r.unit_kind),
        );
        return;
    };
    let mut need = |key: &str, field: &str, ty: FieldType| match item.field(field) {
        None => p.push(
            format!("{at}.{key}"),
            format!("item {} has no field {field:?}", item.id),
        ),
        Some(f) if f.ty != ty => p.push(
            format!("{at}.{key}"),
            format!(
                "field {field:?} of {} is {}, this rule writes {}",
                item.id,
                f.ty.name(),
                ty.name()
            ),
        ),
        _ => {}
    };
    match &r.find {
        RuleKind::PublishedList { field, .. } => need("field", field, FieldType::Bool),
        RuleKind::CityDocuments {
            repost_field,
            local_field,
            ..
        } => {
            need("repost_field", repost_field, FieldType::List);
            need("local_field", local_field, FieldType::List);
        }
        RuleKind::DecisionCatalog {
            flag_field,
            date_field,
            ..
        } => {
            need("flag_field", flag_field, FieldType::Bool);
            need("date_field", date_field, FieldType::Date);
        }
        RuleKind::Notice {
            field,
            handled_field,
            ..
        } => {
            need("field", field, FieldType::Int);
            if let Some(h) = handled_field {
                need("handled_field", h, FieldType::Int);
            }
        }
        RuleKind::Records { yields, .. } => match yields {
            RecordYield::Counts => {
                for f in ["reported", "compliant", "timely"] {
                    need("yields", f, FieldType::Int);
                }
            }
            RecordYield::Late => need("yields", "late", FieldType::Int),
            RecordYield::CompliantCategories => need("yields", "compliant", FieldType::List),
        },
        RuleKind::AnnualReport {
            requests_field,
            concluded_field,
            answered_field,
            answered_pattern,
            ..
        } => {
            need("requests_field", requests_field, FieldType::Int);
            need("concluded_field", concluded_field, FieldType::Int);
            if let Some(a) = answered_field {
                need("answered_field", a, FieldType::Int);
            }
            if let Some(re) = answered_pattern {
                if let Err(e) = regex::Regex::new(re) {
                    p.push(format!("{at}.answered_pattern"), format!("bad regex: {e}"));
                }
            }
        }
        RuleKind::CourtCases { yields, .. } => match yields {
            CourtYield::TownshipTiers => {
                for f in ["dishonest_new", "executed_unresolved", "executed_resolved"] {
                    need("yields", f, FieldType::Int);
                }
            }
            CourtYield::Listed => need("yields", "listed", FieldType::Bool),
            CourtYield::ContractCases => need("yields", "cases", FieldType::Int),
        },
        RuleKind::Activity { field, .. } => need("field", field, FieldType::List),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Project;

    #[test]
    fn shipped_rules_load() {
        let project =
            Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
        let set = RuleSet::load(Path::new("crawl-config/rules"), &project.catalogs)
            .unwrap_or_else(|e| panic!("{e}"));
        let items: BTreeSet<&str> = set.rules.iter().map(|(_, r)| r.item.as_str()).collect();
        for id in [
            "T1", "T2.1", "T2.2", "T4", "T5", "T6.1", "T6.2", "T12", "T13", "T14", "D3", "D4",
            "D5", "D6", "D7", "D10", "D12", "D13", "D14",
        ] {
            assert!(items.contains(id), "no rule feeds {id}");
        }
    }

    #[test]
    fn wrong_field_type_and_unknown_item_reported_together() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("bad.toml"),
            r#"
[[rule]]
id = "a"
item = "T1"
unit_kind = "township"
[rule.find]
kind = "activity"
field = "published"
title = { any = ["x"] }

[[rule]]
id = "b"
item = "T99"
unit_kind = "township"
[rule.find]
kind = "published_list"
field = "published"
title = {}
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let project =
            Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
        let err = RuleSet::load(dir.path(), &project.catalogs)
            .err()
            .unwrap_or_else(|| panic!("bad rules loaded"));
        let text = err.to_string();
        assert!(text.contains("bad.toml: rule[a].field"), "{text}");
        assert!(text.contains("rule[b].item"), "{text}");
    }
}
