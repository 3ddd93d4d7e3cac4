//! Indicator catalogs (`crawl-config/indicators/*.toml`): the items of one 100-point table, their
//! input fields and their scoring rules.
//!
//! Rule kinds are a closed, typed set ([`Rule`]); parameters (points, caps, bands, deadlines,
//! zero-denominator scores) are data, so an evaluator changes a default without a rebuild.
//! [`Catalog::validate`] checks the arithmetic of the table and that every rule reads fields of
//! the right type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{parse_toml, read_text, ConfigError, Kind, Problems};

/// Tolerance for comparing configured point values (sums of decimals such as 0.4 × 10).
const EPS: f64 = 1e-9;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub meta: Meta,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Which units this table scores.
    pub kind: Kind,
    /// The table's Chinese title, e.g. 政务诚信乡镇（街道）监测指标.
    pub title: String,
    /// Sum of all maxima (100).
    pub total: f64,
}

/// A 一级指标 with its share of the 100 points.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    pub max: f64,
}

/// Where an item's facts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum SourceKind {
    #[serde(rename = "web")]
    Web,
    #[serde(rename = "sub")]
    Sub,
    #[serde(rename = "web+sub")]
    WebSub,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Web => "网络监测",
            SourceKind::Sub => "单位填报",
            SourceKind::WebSub => "网络监测+单位填报",
        }
    }
}

/// One scored item (序号 / 考核内容 row of the seed table).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable id from indicators.md (`T6.1`, `D5`).
    pub id: String,
    /// 一级指标.
    pub category: String,
    /// 二级指标.
    pub indicator: String,
    /// 考核内容.
    pub content: String,
    /// 评分说明 as the seed words it, shown in templates and reports.
    #[serde(default)]
    pub description: String,
    pub max: f64,
    pub source: SourceKind,
    #[serde(rename = "field")]
    pub fields: Vec<FieldSpec>,
    pub rule: Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// A count, ≥ 0.
    Int,
    /// Money in yuan, ≥ 0.
    Amount,
    /// A rate in [0, 1]; `95%` is accepted on import.
    Rate,
    Bool,
    Date,
    /// Distinct items (documents, domains, activities).
    List,
}

impl FieldType {
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Amount | FieldType::Rate)
    }

    pub fn label(self) -> &'static str {
        match self {
            FieldType::Int => "整数",
            FieldType::Amount => "金额（元）",
            FieldType::Rate => "比率（0–1 或百分数）",
            FieldType::Bool => "是/否",
            FieldType::Date => "日期（YYYY-MM-DD）",
            FieldType::List => "清单（每行一项或以；、分隔）",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Amount => "amount",
            FieldType::Rate => "rate",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::List => "list",
        }
    }
}

/// One input field of an item.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Chinese label for templates and reports.
    pub label: String,
    /// For lists: the only values allowed (a named set such as the five 行政管理 categories).
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    /// For numbers: the value may not exceed this other field of the same item (lost ≤ cases).
    #[serde(default)]
    pub at_most: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// Each list counts on its own (T2.1: a repost and a local counterpart both score).
    Sum,
    /// Distinct items across all lists (D6: compliant or explained, once per category).
    Union,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub numerator: String,
    pub denominator: String,
    pub weight: f64,
}

/// A score that applies when a field is zero, checked in order before the terms.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ZeroRule {
    pub field: String,
    pub score: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "≠",
            Op::Gt => ">",
            Op::Ge => "≥",
            Op::Lt => "<",
            Op::Le => "≤",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum CondValue {
    Bool(bool),
    Number(f64),
}

/// `field op value` or `field op other`; all conditions of a tier must hold.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub op: Op,
    #[serde(default)]
    pub value: Option<CondValue>,
    #[serde(default)]
    pub other: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub when: Vec<Condition>,
    pub score: f64,
    /// Words for the basis, e.g. 新增失信被执行人.
    pub label: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lower bound (inclusive) of the ratio.
    pub min: f64,
    pub score: f64,
}

/// The closed set of scoring rules. Each names the fields it reads; validation checks them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Full marks when a bool field equals `award_when`, else 0 (T1, T4, D11, D12).
    Flag { field: String, award_when: bool },
    /// `points` per distinct list item, capped (T2.1, T6.2, T8.x, T14, D6, D13, D14).
    PerItem {
        fields: Vec<String>,
        points: f64,
        cap: f64,
        combine: Combine,
    },
    /// `rate × max`, or `(1 − rate) × max` when `invert`; a zero denominator scores
    /// `when_zero` (T3.1, T3.2, T9, T10, T11, D8).
    Rate {
        numerator: String,
        denominator: String,
        invert: bool,
        when_zero: f64,
    },
    /// A submitted rate times the maximum (T7.2, T8.4).
    ScaledRate { field: String },
    /// Σ weight × numerator ÷ denominator, after zero rules (T6.1, D4).
    WeightedRates {
        terms: Vec<Term>,
        when_zero: Vec<ZeroRule>,
    },
    /// `max − per × field`, not below `floor` (T5, T8.6, D3, D9, D10).
    Deduction { field: String, per: f64, floor: f64 },
    /// The first tier whose conditions all hold, else `otherwise` (T12, T13, D7).
    Tiers {
        tiers: Vec<Tier>,
        otherwise: f64,
        otherwise_label: String,
    },
    /// Per value: a ratio (value ÷ denominator, or the value itself when it is a rate) mapped
    /// through descending bands; summed (T6.3, T7.1). A zero denominator scores `when_zero` per value.
    Bands {
        values: Vec<String>,
        #[serde(default)]
        denominator: Option<String>,
        bands: Vec<Band>,
        #[serde(default)]
        when_zero: f64,
    },
    /// `flag_points` when `flag` is true, plus `on_time_points` when `date` is on or before the
    /// deadline (`MM-DD` of the evaluation year) (T2.2).
    Deadline {
        flag: String,
        date: String,
        flag_points: f64,
        on_time_points: f64,
        deadline: String,
    },
    /// Rate = Σ numerators ÷ denominator; zero rate → max; otherwise ranked within the cohort
    /// of the same kind: distinct positive rates r1 < … < rk, a unit at ri scores
    /// max × (k − i) ÷ k (D1, D2, D5).
    CohortRank {
        numerators: Vec<String>,
        denominator: String,
    },
}

impl Rule {
    pub fn kind_name(&self) -> &'static str {
        match self {
            Rule::Flag { .. } => "flag",
            Rule::PerItem { .. } => "per_item",
            Rule::Rate { .. } => "rate",
            Rule::ScaledRate { .. } => "scaled_rate",
            Rule::WeightedRates { .. } => "weighted_rates",
            Rule::Deduction { .. } => "deduction",
            Rule::Tiers { .. } => "tiers",
            Rule::Bands { .. } => "bands",
            Rule::Deadline { .. } => "deadline",
            Rule::CohortRank { .. } => "cohort_rank",
        }
    }
}

impl Item {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }
}

impl Catalog {
    /// Loads and validates one catalog file.
    pub fn load(path: &Path) -> Result<Catalog, ConfigError> {
        let text = read_text(path)?;
        let catalog: Catalog = parse_toml(path, &text)?;
        let mut problems = Problems::new(path);
        catalog.validate(&mut problems);
        if problems.is_empty() {
            Ok(catalog)
        } else {
            Err(ConfigError::Invalid(problems.into_vec()))
        }
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Checks the table's arithmetic and every rule's fields; pushes every problem found.
    pub fn validate(&self, p: &mut Problems) {
        let mut cat_names = BTreeSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            if !cat_names.insert(c.name.as_str()) {
                p.push(
                    format!("category[{i}].name"),
                    format!("duplicate category {:?}", c.name),
                );
            }
            if c.max <= 0.0 {
                p.push(format!("category[{i}].max"), "must be positive");
            }
        }
        let cat_sum: f64 = self.categories.iter().map(|c| c.max).sum();
        if (cat_sum - self.meta.total).abs() > EPS {
            p.push(
                "category",
                format!(
                    "category maxima sum to {cat_sum}, but meta.total is {}",
                    self.meta.total
                ),
            );
        }

        let mut ids = BTreeSet::new();
        let mut per_cat: BTreeMap<&str, f64> = BTreeMap::new();
        for item in &self.items {
            let at = format!("item[{}]", item.id);
            if item.id.trim().is_empty() {
                p.push(at.clone() + ".id", "empty id");
            }
            if !ids.insert(item.id.as_str()) {
                p.push(
                    at.clone() + ".id",
                    format!("duplicate item id {:?}", item.id),
                );
            }
            if !cat_names.contains(item.category.as_str()) {
                p.push(
                    at.clone() + ".category",
                    format!(
                        "unknown category {:?} (declared: {})",
                        item.category,
                        join(&cat_names)
                    ),
                );
            }
            if item.max <= 0.0 {
                p.push(at.clone() + ".max", "must be positive");
            }
            *per_cat.entry(item.category.as_str()).or_default() += item.max;
            validate_fields(item, &at, p);
            validate_rule(item, &at, p);
        }
        for c in &self.categories {
            let sum = per_cat.get(c.name.as_str()).copied().unwrap_or(0.0);
            if (sum - c.max).abs() > EPS {
                p.push(
                    format!("category[{}]", c.name),
                    format!(
                        "item maxima sum to {sum}, but the category's max is {}",
                        c.max
                    ),
                );
            }
        }
        let item_sum: f64 = self.items.iter().map(|i| i.max).sum();
        if (item_sum - self.meta.total).abs() > EPS {
            p.push(
                "item",
                format!(
                    "item maxima sum to {item_sum}, but meta.total is {}",
                    self.meta.total
                ),
            );
        }
    }
}

fn join<'a>(names: impl IntoIterator<Item = &'a &'a str>) -> String {
    names.into_iter().copied().collect::<Vec<_>>().join(", ")
}

fn validate_fields(item: &Item, at: &str, p: &mut Problems) {
    let mut names = BTreeSet::new();
    if item.fields.is_empty() {
        p.push(
            at.to_string() + ".field",
            "an item needs at least one input field",
        );
    }
    for f in &item.fields {
        let key = format!("{at}.field[{}]", f.name);
        if !names.insert(f.name.as_str()) {
            p.push(key.clone(), "duplicate field name");
        }
        if f.label.trim().is_empty() {
            p.push(key.clone() + ".label", "empty label");
        }
        if let Some(allowed) = &f.allowed {
            if f.ty != FieldType::List {
                p.push(
                    key.clone() + ".allowed",
                    "only list fields take an allowed set",
                );
            } else if allowed.is_empty() {
                p.push(key.clone() + ".allowed", "allowed set is empty");
            }
        }
        if let Some(other) = &f.at_most {
            match item.field(other) {
                None => p.push(
                    key.clone() + ".at_most",
                    format!("no field {other:?} in this item"),
                ),
                Some(o) if !(o.ty.is_numeric() && f.ty.is_numeric()) => p.push(
                    key.clone() + ".at_most",
                    "at_most relates two numeric fields",
                ),
                _ => {}
            }
        }
    }
}

/// Checks that `name` is a field of `item` whose type is one of `types`.
fn need(item: &Item, at: &str, key: &str, name: &str, types: &[FieldType], p: &mut Problems) {
    match item.field(name) {
        None => p.push(
            format!("{at}.rule.{key}"),
            format!("rule reads field {name:?}, which the item does not declare"),
        ),
        Some(f) if !types.contains(&f.ty) => p.push(
            format!("{at}.rule.{key}"),
            format!(
                "field {name:?} is {}, the rule needs {}",
                f.ty.name(),
                types
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        ),
        _ => {}
    }
}

fn score_in_range(item: &Item, at: &str, key: &str, score: f64, p: &mut Problems) {
    if !(0.0..=item.max + EPS).contains(&score) {
        p.push(
            format!("{at}.rule.{key}"),
            format!("score {score} outside 0..={}", item.max),
        );
    }
}

const COUNTS: &[FieldType] = &[FieldType::Int, FieldType::Amount];
const NUMBERS: &[FieldType] = &[FieldType::Int, FieldType::Amount, FieldType::Rate];

fn validate_rule(item: &Item, at: &str, p: &mut Problems) {
    match &item.rule {
        Rule::Flag { field, .. } => need(item, at, "field", field, &[FieldType::Bool], p),
        Rule::PerItem {
            fields,
            points,
            cap,
            ..
        } => {
            if fields.is_empty() {
                p.push(format!("{at}.rule.fields"), "no fields");
            }
            for (i, f) in fields.iter().enumerate() {
                need(item, at, &format!("fields[{i}]"), f, &[FieldType::List], p);
            }
            if *points <= 0.0 {
                p.push(format!("{at}.rule.points"), "must be positive");
            }
            if (cap - item.max).abs() > EPS {
                p.push(
                    format!("{at}.rule.cap"),
                    format!("cap {cap} differs from the item's max {}", item.max),
                );
            }
        }
        Rule::Rate {
            numerator,
            denominator,
            when_zero,
            ..
        } => {
            need(item, at, "numerator", numerator, COUNTS, p);
            need(item, at, "denominator", denominator, COUNTS, p);
            score_in_range(item, at, "when_zero", *when_zero, p);
        }
        Rule::ScaledRate { field } => need(item, at, "field", field, &[FieldType::Rate], p),
        Rule::WeightedRates { terms, when_zero } => {
            if terms.is_empty() {
                p.push(format!("{at}.rule.terms"), "no terms");
            }
            for (i, t) in terms.iter().enumerate() {
                need(
                    item,
                    at,
                    &format!("terms[{i}].numerator"),
                    &t.numerator,
                    COUNTS,
                    p,
                );
                need(
                    item,
                    at,
                    &format!("terms[{i}].denominator"),
                    &t.denominator,
                    COUNTS,
                    p,
                );
                if t.weight <= 0.0 {
                    p.push(format!("{at}.rule.terms[{i}].weight"), "must be positive");
                }
            }
            let w: f64 = terms.iter().map(|t| t.weight).sum();
            if (w - item.max).abs() > EPS {
                p.push(
                    format!("{at}.rule.terms"),
                    format!("weights sum to {w}, the item's max is {}", item.max),
                );
            }
            for (i, z) in when_zero.iter().enumerate() {
                need(
                    item,
                    at,
                    &format!("when_zero[{i}].field"),
                    &z.field,
                    COUNTS,
                    p,
                );
                score_in_range(item, at, &format!("when_zero[{i}].score"), z.score, p);
            }
            // A denominator that can be zero without a zero rule would divide by zero.
            for (i, t) in terms.iter().enumerate() {
                if !when_zero.iter().any(|z| z.field == t.denominator) {
                    p.push(
                        format!("{at}.rule.terms[{i}].denominator"),
                        format!("no when_zero rule for denominator {:?}", t.denominator),
                    );
                }
            }
        }
        Rule::Deduction { field, per, floor } => {
            need(item, at, "field", field, &[FieldType::Int], p);
            if *per <= 0.0 {
                p.push(format!("{at}.rule.per"), "must be positive");
            }
            score_in_range(item, at, "floor", *floor, p);
        }
        Rule::Tiers {
            tiers, otherwise, ..
        } => {
            if tiers.is_empty() {
                p.push(format!("{at}.rule.tiers"), "no tiers");
            }
            for (i, t) in tiers.iter().enumerate() {
                score_in_range(item, at, &format!("tiers[{i}].score"), t.score, p);
                if t.when.is_empty() {
                    p.push(
                        format!("{at}.rule.tiers[{i}].when"),
                        "a tier needs at least one condition",
                    );
                }
                for (j, c) in t.when.iter().enumerate() {
                    validate_condition(item, at, &format!("tiers[{i}].when[{j}]"), c, p);
                }
            }
            score_in_range(item, at, "otherwise", *otherwise, p);
        }
        Rule::Bands {
            values,
            denominator,
            bands,
            when_zero,
        } => {
            if values.is_empty() {
                p.push(format!("{at}.rule.values"), "no values");
            }
            let types: &[FieldType] = if denominator.is_some() {
                COUNTS
            } else {
                &[FieldType::Rate]
            };
            for (i, v) in values.iter().enumerate() {
                need(item, at, &format!("values[{i}]"), v, types, p);
            }
            if let Some(d) = denominator {
                need(item, at, "denominator", d, COUNTS, p);
            }
            if bands.is_empty() {
                p.push(format!("{at}.rule.bands"), "no bands");
            }
            for (i, w) in bands.windows(2).enumerate() {
                if w[1].min >= w[0].min {
                    p.push(
                        format!("{at}.rule.bands[{}].min", i + 1),
                        format!(
                            "bands must be in descending order of min ({} after {})",
                            w[1].min, w[0].min
                        ),
                    );
                }
                if w[1].score > w[0].score {
                    p.push(
                        format!("{at}.rule.bands[{}].score", i + 1),
                        "a lower band scores more than a higher one",
                    );
                }
            }
            let top = bands
                .iter()
                .map(|b| b.score)
                .fold(0.0, f64::max)
                .max(*when_zero);
            let possible = top * values.len() as f64;
            if (possible - item.max).abs() > EPS {
                p.push(
                    format!("{at}.rule.bands"),
                    format!(
                        "{} values × top score {top} = {possible}, the item's max is {}",
                        values.len(),
                        item.max
                    ),
                );
            }
        }
        Rule::Deadline {
            flag,
            date,
            flag_points,
            on_time_points,
            deadline,
        } => {
            need(item, at, "flag", flag, &[FieldType::Bool], p);
            need(item, at, "date", date, &[FieldType::Date], p);
            if (flag_points + on_time_points - item.max).abs() > EPS {
                p.push(
                    format!("{at}.rule"),
                    "flag_points + on_time_points must equal the item's max",
                );
            }
            if parse_month_day(deadline).is_none() {
                p.push(
                    format!("{at}.rule.deadline"),
                    format!("{deadline:?} is not a MM-DD date"),
                );
            }
        }
        Rule::CohortRank {
            numerators,
            denominator,
        } => {
            if numerators.is_empty() {
                p.push(format!("{at}.rule.numerators"), "no numerators");
            }
            for (i, n) in numerators.iter().enumerate() {
                need(item, at, &format!("numerators[{i}]"), n, COUNTS, p);
            }
            need(item, at, "denominator", denominator, COUNTS, p);
        }
    }
}

fn validate_condition(item: &Item, at: &str, key: &str, c: &Condition, p: &mut Problems) {
    let Some(f) = item.field(&c.field) else {
        p.push(
            format!("{at}.rule.{key}.field"),
            format!(
                "rule reads field {:?}, which the item does not declare",
                c.field
            ),
        );
        return;
    };
    match (&c.value, &c.other) {
        (Some(_), Some(_)) | (None, None) => p.push(
            format!("{at}.rule.{key}"),
            "give exactly one of value or other",
        ),
        (Some(CondValue::Bool(_)), None) => {
            if f.ty != FieldType::Bool {
                p.push(
                    format!("{at}.rule.{key}.value"),
                    format!("a bool compared with {} field {:?}", f.ty.name(), f.name),
                );
            }
            if !matches!(c.op, Op::Eq | Op::Ne) {
                p.push(
                    format!("{at}.rule.{key}.op"),
                    "bools compare with eq or ne only",
                );
            }
        }
        (Some(CondValue::Number(_)), None) => {
            if !f.ty.is_numeric() {
                p.push(
                    format!("{at}.rule.{key}.value"),
                    format!("a number compared with {} field {:?}", f.ty.name(), f.name),
                );
            }
        }
        (None, Some(other)) => {
            need(item, at, &format!("{key}.other"), other, NUMBERS, p);
            if !f.ty.is_numeric() {
                p.push(
                    format!("{at}.rule.{key}.field"),
                    "field comparisons need numeric fields",
                );
            }
        }
    }
}

/// Parses `MM-DD` into (month, day).
pub fn parse_month_day(s: &str) -> Option<(u32, u32)> {
    let (m, d) = s.split_once('-')?;
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    chrono::NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
}
