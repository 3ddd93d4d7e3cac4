//! The expected website inspection of every unit on a night, as a perfect inspector reading
//! the portal every day from night 1 would find it under the national 检查指标's numbers
//! (written out here, independently of `crawl-config/inspection/`: changing the rule file must
//! change the crawl's predictions, not the truth). Derived from the planted model, not from
//! the pattern list, so a pattern that misfires shows up as a difference.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::model::*;

/// 检查指标: 首页 2 weeks; 动态要闻 2 weeks, 通知公告 and 政策文件 6 months; ≥ 5 such columns
/// not updated, ≥ 10 not updated for a year, ≥ 5 blank; a window of a week with ≥ 5 % failed.
const HOME_DAYS: i64 = 14;
const NEWS_DAYS: i64 = 14;
const POLICY_DAYS: i64 = 183;
const STALE_COUNT: usize = 5;
const LONG_DAYS: i64 = 365;
const LONG_COUNT: usize = 10;
const BLANK_COUNT: usize = 5;
const WINDOW_DAYS: i64 = 7;
/// A document is backdated when the column was read without it at least this long after the
/// date it claims.
const BACKDATE_LAG: i64 = 14;
/// A burst: this many documents of a unit dated one day within the last days of a quarter.
const BURST_MIN: usize = 8;
const BURST_BEFORE_QUARTER_END: i64 = 10;
const BURST_LOOKBACK: i64 = 365;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionTruth {
    pub unit: String,
    /// `合格` or `不合格`.
    pub result: String,
    /// Veto clauses hit: `unreachable`, `home_not_updated`, `columns_not_updated`, `backdated`.
    pub vetoes: Vec<String>,
    /// Columns past their kind's limit (below the veto's count, or counted in it).
    pub stale_columns: Vec<String>,
    pub blank_columns: Vec<String>,
    /// Documents put up after night 1 with a date at least two weeks before they appeared.
    pub backdated: Vec<String>,
    /// Documents of same-day bursts just before a quarter's end.
    pub burst: Vec<String>,
    /// Deductions: `dead_links`, `metadata`, `attachments`.
    pub deductions: Vec<String>,
}

fn limit(name: &str) -> Option<i64> {
    match name {
        "工作动态" => Some(NEWS_DAYS),
        "通知公告" | "政策文件" => Some(POLICY_DAYS),
        _ => None,
    }
}

fn quarter_end(d: NaiveDate) -> NaiveDate {
    let last = ((d.month() - 1) / 3 + 1) * 3;
    let first_after = if last == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(d.year(), last + 1, 1)
    };
    first_after.and_then(|f| f.pred_opt()).unwrap_or(d)
}

/// Every unit's expected inspection on the model's night.
pub fn build(m: &Model) -> Vec<InspectionTruth> {
    let check = m.night_date(m.night);
    let night1 = ymd(NIGHT_ONE);
    let mut out = Vec::new();
    for (u, unit) in m.roster.units.iter().enumerate() {
        let mut t = InspectionTruth {
            unit: unit.id.clone(),
            result: "合格".into(),
            vetoes: Vec::new(),
            stale_columns: Vec::new(),
            blank_columns: Vec::new(),
            backdated: Vec::new(),
            burst: Vec::new(),
            deductions: Vec::new(),
        };
        let window_down = (0..WINDOW_DAYS).any(|back| {
            let night = i64::from(m.night) - back;
            night >= 1 && m.patterns.is_down(u, night as u32)
        });
        if window_down {
            t.vetoes.push("unreachable".into());
        }
        if m.patterns.is_down(u, m.night) {
            // Nothing of the site can be read tonight: only reachability is judged.
            t.result = "不合格".into();
            out.push(t);
            continue;
        }
        // Dates of the unit's documents per column: planted, and news filler.
        let mut by_column: BTreeMap<&str, Vec<(NaiveDate, String)>> = BTreeMap::new();
        let columns: Vec<&Column> = m.columns.iter().filter(|c| c.unit == Some(u)).collect();
        for c in &columns {
            let e = by_column.entry(c.name.as_str()).or_default();
            for &i in &c.docs {
                let d = &m.docs[i];
                e.push((d.published.date(), d.url()));
            }
            for j in 0..m.filler_count(c.filler) {
                let (published, _, _) = m.filler_times(c.filler, j);
                if (check - published.date()).num_days() > BURST_LOOKBACK.max(LONG_DAYS) {
                    break;
                }
                e.push((published.date(), m.filler_doc(c.filler, j).url()));
            }
        }
        let age = |d: NaiveDate| (check - d).num_days();
        let newest = |docs: &[(NaiveDate, String)]| {
            docs.iter().map(|(d, _)| *d).filter(|d| *d <= check).max()
        };
        let all: Vec<(NaiveDate, String)> = by_column.values().flatten().cloned().collect();
        if newest(&all).is_none_or(|d| age(d) > HOME_DAYS) {
            t.vetoes.push("home_not_updated".into());
        }
        let (mut stale, mut long) = (0, 0);
        for c in &columns {
            let docs = &by_column[c.name.as_str()];
            if docs.is_empty() {
                t.blank_columns.push(c.name.clone());
                if limit(&c.name).is_some() {
                    stale += 1;
                    long += 1;
                }
                continue;
            }
            if let Some(days) = limit(&c.name) {
                let n = newest(docs);
                if n.is_none_or(|d| age(d) > days) {
                    t.stale_columns.push(c.name.clone());
                    stale += 1;
                }
                if n.is_none_or(|d| age(d) > LONG_DAYS) {
                    long += 1;
                }
            }
        }
        if stale >= STALE_COUNT || long >= LONG_COUNT || t.blank_columns.len() >= BLANK_COUNT {
            t.vetoes.push("columns_not_updated".into());
        }
        for d in m
            .docs
            .iter()
            .filter(|d| d.unit == Some(u) && d.site == m.unit_site(u))
        {
            let claimed = d.published.date();
            if d.url_date > night1
                && d.url_date <= check
                && (d.url_date - Duration::days(1) - claimed).num_days() >= BACKDATE_LAG
            {
                t.backdated.push(d.url());
            }
        }
        if !t.backdated.is_empty() {
            t.vetoes.push("backdated".into());
        }
        let mut days: BTreeMap<NaiveDate, Vec<&str>> = BTreeMap::new();
        for (d, url) in &all {
            if *d <= check
                && age(*d) <= BURST_LOOKBACK
                && (quarter_end(*d) - *d).num_days() < BURST_BEFORE_QUARTER_END
            {
                days.entry(*d).or_default().push(url);
            }
        }
        for urls in days.values().filter(|v| v.len() >= BURST_MIN) {
            t.burst.extend(urls.iter().map(|u| u.to_string()));
        }
        // Every unit home links its archived 往年信息 page, long deleted.
        t.deductions.push("dead_links".into());
        if m.patterns.no_metadata == Some(u)
            && by_column.get("政策文件").is_some_and(|v| !v.is_empty())
        {
            t.deductions.push("metadata".into());
        }
        if m.patterns.broken_attachment == Some(u) {
            t.deductions.push("attachments".into());
        }
        for v in [
            &mut t.stale_columns,
            &mut t.blank_columns,
            &mut t.backdated,
            &mut t.burst,
        ] {
            v.sort();
            v.dedup();
        }
        if !t.vetoes.is_empty() {
            t.result = "不合格".into();
        }
        out.push(t);
    }
    out
}
