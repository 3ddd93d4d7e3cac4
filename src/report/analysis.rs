//! What the report says about the numbers: cohort averages per kind, each unit's 亮点 (items at
//! full score where its cohort is weak) and 短板 (largest losses), the weakest items county-wide,
//! and the Chinese sentences that state them. Plain text here; the renderers escape it.

use std::collections::BTreeMap;

use crate::config::Kind;
use crate::score::{Status, UnitSheet};

use super::show;

/// An item at full score is a 亮点 when the cohort's average score is below this share of its max.
pub const HIGHLIGHT_COHORT_RATIO: f64 = 0.7;

/// How many 短板 a unit's summary names.
pub(crate) const SHORTFALLS: usize = 3;

/// Scores within this of the max count as full (sums of exact fractions are not exact floats).
const FULL: f64 = 1e-9;

/// Averages of one kind's units.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cohort {
    pub total_avg: f64,
    /// By item id.
    pub items: BTreeMap<String, ItemAverage>,
    /// By category name: the average subtotal over all units of the kind.
    pub categories: BTreeMap<String, f64>,
}

#[derive(Debug, Clone)]
pub(crate) struct ItemAverage {
    pub content: String,
    pub max: f64,
    /// Average over the units where the item is scored; `None` when no unit has it scored.
    pub avg: Option<f64>,
    pub scored: usize,
}

impl ItemAverage {
    /// Average score ÷ max.
    pub fn ratio(&self) -> Option<f64> {
        self.avg.filter(|_| self.max > 0.0).map(|a| a / self.max)
    }
}

/// The averages of the given units (all of one kind), summed in their given order.
pub(crate) fn cohort(units: &[&UnitSheet]) -> Cohort {
    let mut c = Cohort::default();
    if units.is_empty() {
        return c;
    }
    c.total_avg = units.iter().map(|u| u.total).fold(0.0, |a, b| a + b) / units.len() as f64;
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for u in units {
        for cat in &u.categories {
            let e = sums.entry(cat.name.as_str()).or_default();
            e.0 += cat.score;
            e.1 += 1;
        }
    }
    c.categories = sums
        .into_iter()
        .map(|(name, (sum, n))| (name.to_string(), sum / n as f64))
        .collect();
    for u in units {
        for item in &u.items {
            let e = c
                .items
                .entry(item.id.clone())
                .or_insert_with(|| ItemAverage {
                    content: item.content.clone(),
                    max: item.max,
                    avg: None,
                    scored: 0,
                });
            if let Some(s) = item.score {
                e.avg = Some(e.avg.unwrap_or(0.0) + s);
                e.scored += 1;
            }
        }
    }
    for e in c.items.values_mut() {
        if e.scored > 0 {
            e.avg = e.avg.map(|sum| sum / e.scored as f64);
        }
    }
    c
}

/// An item at full score where the cohort is weak.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    pub item: String,
    pub content: String,
    pub max: f64,
    pub cohort_avg: f64,
}

/// An item where the unit lost points.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortfall {
    pub item: String,
    pub content: String,
    pub score: f64,
    pub max: f64,
    /// max − score.
    pub loss: f64,
    pub cohort_avg: Option<f64>,
}

/// The unit's 亮点, in catalog order.
pub(crate) fn highlights(u: &UnitSheet, cohort: &Cohort) -> Vec<Highlight> {
    u.items
        .iter()
        .filter_map(|i| {
            let score = i.score?;
            let avg = cohort.items.get(&i.id)?.avg?;
            let full = i.max > 0.0 && score >= i.max - FULL;
            (full && avg < HIGHLIGHT_COHORT_RATIO * i.max).then(|| Highlight {
                item: i.id.clone(),
                content: i.content.clone(),
                max: i.max,
                cohort_avg: avg,
            })
        })
        .collect()
}

/// The unit's largest losses among scored items (at most [`SHORTFALLS`]), largest first; equal
/// losses keep catalog order.
pub(crate) fn shortfalls(u: &UnitSheet, cohort: &Cohort) -> Vec<Shortfall> {
    let mut all: Vec<Shortfall> = u
        .items
        .iter()
        .filter(|i| i.status == Status::Scored)
        .filter_map(|i| {
            let score = i.score?;
            let loss = i.max - score;
            (loss > FULL).then(|| Shortfall {
                item: i.id.clone(),
                content: i.content.clone(),
                score,
                max: i.max,
                loss,
                cohort_avg: cohort.items.get(&i.id).and_then(|a| a.avg),
            })
        })
        .collect();
    // Stable sort: ties stay in catalog order.
    all.sort_by(|a, b| b.loss.total_cmp(&a.loss));
    all.truncate(SHORTFALLS);
    all
}

/// 乡镇 / 县直单位, as the cohort is called in a sentence.
pub(crate) fn cohort_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Township => "乡镇",
        Kind::Department => "县直单位",
    }
}

pub(crate) fn highlight_sentence(short: &str, kind: Kind, h: &Highlight) -> String {
    format!(
        "{short}在‘{}’上得满分{}分，高于{}平均{}分，是其亮点。",
        h.content,
        show(h.max),
        cohort_name(kind),
        show(h.cohort_avg)
    )
}

pub(crate) fn shortfall_sentence(short: &str, kind: Kind, s: &Shortfall) -> String {
    let compare = match s.cohort_avg {
        Some(avg) if avg > s.score + FULL => {
            format!("，低于{}平均{}分", cohort_name(kind), show(avg))
        }
        Some(avg) => format!("，{}平均{}分", cohort_name(kind), show(avg)),
        None => String::new(),
    };
    format!(
        "{short}在‘{}’上得{}分（满分{}分），失{}分{compare}，是其短板。",
        s.content,
        show(s.score),
        show(s.max),
        show(s.loss)
    )
}

/// The unit's 亮点 and 短板 as sentences, with a sentence saying so when there are none.
pub(crate) fn verdicts(u: &UnitSheet, cohort: &Cohort) -> (Vec<String>, Vec<String>) {
    let mut good: Vec<String> = highlights(u, cohort)
        .iter()
        .map(|h| highlight_sentence(&u.short, u.kind, h))
        .collect();
    if good.is_empty() {
        good.push(format!(
            "{}没有得满分且{}平均得分低于满分{}%的指标，暂无突出亮点。",
            u.short,
            cohort_name(u.kind),
            show(HIGHLIGHT_COHORT_RATIO * 100.0)
        ));
    }
    let mut weak: Vec<String> = shortfalls(u, cohort)
        .iter()
        .map(|s| shortfall_sentence(&u.short, u.kind, s))
        .collect();
    if weak.is_empty() {
        weak.push(format!("{}已评分的指标均得满分，未发现失分项。", u.short));
    }
    if u.missing > 0 {
        weak.push(format!(
            "另有{}项指标缺少数据未评分，需补充填报或核查。",
            u.missing
        ));
    }
    (good, weak)
}

/// An item's county-wide average score ÷ max among one kind's units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WeakItem {
    pub id: String,
    pub content: String,
    pub ratio: f64,
    pub scored: usize,
}

/// The `n` items with the lowest average score ÷ max, lowest first (ties by item id).
pub(crate) fn weakest_items(cohort: &Cohort, n: usize) -> Vec<WeakItem> {
    let mut all: Vec<WeakItem> = cohort
        .items
        .iter()
        .filter_map(|(id, a)| {
            Some(WeakItem {
                id: id.clone(),
                content: a.content.clone(),
                ratio: a.ratio()?,
                scored: a.scored,
            })
        })
        .collect();
    all.sort_by(|a, b| a.ratio.total_cmp(&b.ratio).then_with(|| a.id.cmp(&b.id)));
    all.truncate(n);
    all
}

/// How the unit's category subtotals compare with the cohort average: the category furthest
/// above it and the one furthest below (differences under 0.01 points are not mentioned).
pub(crate) fn category_sentence(u: &UnitSheet, cohort: &Cohort) -> Option<String> {
    let diffs: Vec<(&str, f64)> = u
        .categories
        .iter()
        .filter_map(|c| Some((c.name.as_str(), c.score - cohort.categories.get(&c.name)?)))
        .collect();
    // First of equal differences wins, so catalog order breaks ties.
    let pick = |better: fn(f64, f64) -> bool| {
        diffs
            .iter()
            .fold(None, |best: Option<(&str, f64)>, &(n, d)| match best {
                Some((_, b)) if !better(d, b) => best,
                _ => Some((n, d)),
            })
    };
    let up = pick(|d, b| d > b).filter(|(_, d)| *d >= 0.01);
    let down = pick(|d, b| d < b).filter(|(_, d)| *d <= -0.01);
    let cohort = cohort_name(u.kind);
    let parts: Vec<String> = [
        up.map(|(n, d)| format!("‘{n}’高出{}平均{}分", cohort, show(d))),
        down.map(|(n, d)| format!("‘{n}’低于{}平均{}分", cohort, show(-d))),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| format!("一级指标中，{}{}。", u.short, parts.join("，")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::{CategoryScore, ItemScore};

    fn item(id: &str, max: f64, score: Option<f64>) -> ItemScore {
        ItemScore {
            id: id.into(),
            category: "政务公开".into(),
            content: format!("内容{id}"),
            max,
            score,
            status: if score.is_some() {
                Status::Scored
            } else {
                Status::Missing
            },
            basis: String::new(),
            missing_fields: Vec::new(),
            facts: Vec::new(),
        }
    }

    fn unit(id: &str, scores: &[(f64, Option<f64>)]) -> UnitSheet {
        let items: Vec<ItemScore> = scores
            .iter()
            .enumerate()
            .map(|(i, (max, s))| item(&format!("T{i}"), *max, *s))
            .collect();
        let total = items.iter().filter_map(|i| i.score).sum();
        UnitSheet {
            id: id.into(),
            name: format!("{id}全称"),
            short: id.into(),
            kind: Kind::Township,
            total,
            max_scored: 0.0,
            rank: 1,
            missing: items.iter().filter(|i| i.score.is_none()).count(),
            categories: vec![CategoryScore {
                name: "政务公开".into(),
                score: total,
                max: 22.0,
                max_scored: 0.0,
            }],
            items,
            discrepancies: Vec::new(),
        }
    }

    #[test]
    fn highlights_need_full_score_and_a_weak_cohort() {
        // T0: cohort average 3.5 of 6 (58%) → 亮点 for 甲. T1: average 7 of 10 = exactly 70% → not.
        let a = unit("甲", &[(6.0, Some(6.0)), (10.0, Some(10.0)), (4.0, None)]);
        let b = unit(
            "乙",
            &[(6.0, Some(1.0)), (10.0, Some(4.0)), (4.0, Some(1.0))],
        );
        let c = cohort(&[&a, &b]);
        let h = highlights(&a, &c);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].item, "T0");
        assert_eq!(
            highlight_sentence("甲", Kind::Township, &h[0]),
            "甲在‘内容T0’上得满分6分，高于乡镇平均3.5分，是其亮点。"
        );
        // The missing T2 is averaged over the one unit that has it.
        assert_eq!(c.items["T2"].avg, Some(1.0));
        assert_eq!(c.items["T2"].scored, 1);
    }

    #[test]
    fn shortfalls_are_the_three_largest_losses_ties_in_catalog_order() {
        let a = unit(
            "甲",
            &[
                (6.0, Some(4.0)),
                (6.0, Some(2.0)),
                (6.0, Some(2.0)),
                (6.0, Some(6.0)),
                (6.0, Some(3.0)),
                (6.0, None),
            ],
        );
        let c = cohort(&[&a]);
        let s: Vec<String> = shortfalls(&a, &c).into_iter().map(|s| s.item).collect();
        assert_eq!(s, ["T1", "T2", "T4"]);
        let (good, weak) = verdicts(&a, &c);
        assert!(good[0].contains("暂无突出亮点"), "{good:?}");
        assert_eq!(weak.len(), 4, "three losses and the missing note");
        assert_eq!(weak[3], "另有1项指标缺少数据未评分，需补充填报或核查。");
    }

    #[test]
    fn weakest_items_lowest_ratio_first() {
        let a = unit("甲", &[(6.0, Some(3.0)), (10.0, Some(1.0)), (4.0, None)]);
        let w = weakest_items(&cohort(&[&a]), 10);
        let ids: Vec<&str> = w.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["T1", "T0"], "unscored items are left out");
        assert!((w[0].ratio - 0.1).abs() < 1e-12);
    }
}
