//! The clauses that need the crawl's history: 站点无法访问 (the share of failed samples of the
//! site's pages over the window, from the runs' events), 伪造发稿日期 (a document first seen in a
//! column the crawl had read after the date it claims, by at least the rule's lag: both dates
//! and the column page's snapshots before and after are the proof) and 突击更新 (many documents
//! dated the same day just before a quarter's end).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};

use super::columns::PROOFS;
use super::report::{Finding, FindingKind, Proof, Unchecked, UnitInspection};
use super::sitemap::UnitSite;
use super::{Inputs, Sample};
use crate::extract::Document;

/// How many runs before a document's first one backdating looks through for the last read of
/// its column.
pub const BACK: usize = 30;

/// 站点无法访问: over the window's runs, the failed share of the samples of the site's pages.
pub fn reachability(input: &Inputs, site: &UnitSite, u: &mut UnitInspection) {
    let r = &input.rules.veto.unreachable;
    let check = input.check_date;
    let pages: Vec<&str> = site.pages().collect();
    let mut days: BTreeSet<NaiveDate> = BTreeSet::new();
    let (mut total, mut failed) = (0usize, Vec::new());
    for run in input
        .runs
        .iter()
        .filter(|x| x.date <= check && (check - x.date).num_days() < r.window_days)
    {
        let mut sampled = false;
        for p in &pages {
            match input.sample(run.id, p) {
                Some(Sample::Failed(status)) => {
                    failed.push((run, *p, status.clone()));
                    total += 1;
                    sampled = true;
                }
                Some(_) => {
                    total += 1;
                    sampled = true;
                }
                None => {}
            }
        }
        if sampled {
            days.insert(run.date);
        }
    }
    if days.len() < r.min_days {
        u.unchecked.push(Unchecked {
            clause: r.clause.clone(),
            reason: format!(
                "近 {} 天内仅 {} 天有访问记录（至少 {} 天方可判定）",
                r.window_days,
                days.len(),
                r.min_days
            ),
        });
        return;
    }
    let share = failed.len() as f64 / total.max(1) as f64;
    if share < r.failure_share {
        return;
    }
    let failed_days: BTreeSet<NaiveDate> = failed.iter().map(|(run, ..)| run.date).collect();
    u.vetoes.push(Finding {
        kind: FindingKind::Unreachable,
        clause: r.clause.clone(),
        group: format!(
            "近 {} 天访问失败占比达到 {:.0}%",
            r.window_days,
            r.failure_share * 100.0
        ),
        detail: format!(
            "{} 天 {} 次访问中 {} 次失败（{:.0}%），失败日期 {}",
            days.len(),
            total,
            failed.len(),
            share * 100.0,
            failed_days
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("、")
        ),
        points: None,
        evidence: failed
            .iter()
            .take(PROOFS)
            .map(|(run, url, status)| Proof {
                label: format!("第 {} 次运行访问失败（{status}）", run.id),
                url: url.to_string(),
                snapshot: None,
                date: Some(run.date),
                run: Some(run.id),
            })
            .collect(),
        documents: Vec::new(),
        columns: Vec::new(),
    });
}

/// The first run a document's page was fetched in.
fn first_run(input: &Inputs, d: &Document) -> Option<u64> {
    input.pages.get(&d.page_url).map(|p| p.first_run)
}

fn title(d: &Document) -> &str {
    d.title.as_deref().unwrap_or(d.url.as_str())
}

/// 伪造发稿日期: documents that appeared in a column the crawl had read, at a date after the
/// one they claim by at least `min_lag_days`.
pub fn backdating(input: &Inputs, site: &UnitSite, u: &mut UnitInspection) {
    let b = &input.rules.veto.backdating;
    let mut flagged = Vec::new();
    for c in &site.columns {
        let Some(page) = c.first_page() else { continue };
        let Some(column_first) = input.pages.get(page).map(|p| p.first_run) else {
            continue;
        };
        for &i in &c.docs {
            let d = &input.docs[i];
            let (Some(claimed), Some(first)) = (d.published, first_run(input, d)) else {
                continue;
            };
            if first <= column_first || first > input.run.id {
                continue;
            }
            let Some(first_date) = input.date_of(first) else {
                continue;
            };
            if (first_date - claimed).num_days() < b.min_lag_days {
                continue;
            }
            // The last run before it that read the column: the document was not listed then.
            let before = input
                .runs
                .iter()
                .rev()
                .filter(|r| r.id < first)
                .take(BACK)
                .find(|r| input.sample(r.id, page) == Some(&Sample::Read));
            let Some(before) = before else { continue };
            if (before.date - claimed).num_days() < b.min_lag_days {
                continue;
            }
            flagged.push((
                d,
                claimed,
                first,
                first_date,
                *before,
                page,
                c.name.as_str(),
            ));
        }
    }
    if flagged.is_empty() {
        return;
    }
    flagged.sort_by(|a, b| (a.3, a.0.url.as_str()).cmp(&(b.3, b.0.url.as_str())));
    let mut evidence = Vec::new();
    let mut shown: BTreeSet<(u64, &str)> = BTreeSet::new();
    for (d, claimed, first, first_date, before, page, _) in flagged.iter().take(PROOFS) {
        evidence.push(Proof {
            label: format!("自称发布于 {claimed}，第 {first} 次运行（{first_date}）首次出现"),
            url: d.url.clone(),
            snapshot: Some(d.snapshot.clone()).filter(|s| !s.is_empty()),
            date: Some(*claimed),
            run: Some(*first),
        });
        if shown.insert((before.id, page)) {
            evidence.push(Proof {
                label: format!(
                    "第 {} 次运行（{}）读取的栏目页，尚无该文",
                    before.id, before.date
                ),
                url: page.to_string(),
                snapshot: input.snapshot_at(before.id, page),
                date: Some(before.date),
                run: Some(before.id),
            });
        }
        if shown.insert((*first, page)) {
            evidence.push(Proof {
                label: format!("第 {first} 次运行（{first_date}）读取的栏目页，首次列出该文"),
                url: page.to_string(),
                snapshot: input.snapshot_at(*first, page),
                date: Some(*first_date),
                run: Some(*first),
            });
        }
    }
    let detail = flagged
        .iter()
        .take(PROOFS)
        .map(|(d, claimed, _, first_date, before, _, column)| {
            format!(
                "“{column}”《{}》自称 {claimed} 发布，{} 读取该栏目时尚无，{first_date} 首次出现",
                title(d),
                before.date
            )
        })
        .collect::<Vec<_>>()
        .join("；");
    u.vetoes.push(Finding {
        kind: FindingKind::Backdated,
        clause: b.clause.clone(),
        group: format!("有文章发布日期早于实际上网日期 {} 天以上", b.min_lag_days),
        detail: format!("{} 篇：{detail}", flagged.len()),
        points: None,
        evidence,
        documents: flagged.iter().map(|f| f.0.url.clone()).collect(),
        columns: Vec::new(),
    });
}

/// The last day of the quarter `d` falls in.
pub fn quarter_end(d: NaiveDate) -> NaiveDate {
    let q_last_month = ((d.month() - 1) / 3 + 1) * 3;
    let (y, m) = if q_last_month == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), q_last_month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|f| f.pred_opt())
        .unwrap_or(d)
}

/// 突击更新: a day with at least `min_items` documents of the unit, within the last days of
/// its quarter.
pub fn bursts(input: &Inputs, site: &UnitSite, u: &mut UnitInspection) {
    let b = &input.rules.warning.burst;
    let check = input.check_date;
    let mut by_day: BTreeMap<NaiveDate, Vec<&Document>> = BTreeMap::new();
    for c in &site.columns {
        for &i in &c.docs {
            let d = &input.docs[i];
            let Some(p) = d.published else { continue };
            if p > check || (check - p).num_days() > b.lookback_days {
                continue;
            }
            if (quarter_end(p) - p).num_days() < b.days_before_quarter_end {
                by_day.entry(p).or_default().push(d);
            }
        }
    }
    for (day, mut docs) in by_day {
        if docs.len() < b.min_items {
            continue;
        }
        docs.sort_by(|a, b| a.url.cmp(&b.url));
        let firsts: BTreeSet<NaiveDate> = docs
            .iter()
            .filter_map(|d| first_run(input, d).and_then(|r| input.date_of(r)))
            .collect();
        let seen = firsts
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("、");
        u.warnings.push(Finding {
            kind: FindingKind::Burst,
            clause: b.clause.clone(),
            group: format!(
                "季度末前 {} 天内同一天集中发布 {} 篇以上",
                b.days_before_quarter_end, b.min_items
            ),
            detail: format!(
                "{day} 一天发布 {} 篇（该季度末 {}），首次发现于 {seen}",
                docs.len(),
                quarter_end(day)
            ),
            points: None,
            evidence: docs
                .iter()
                .take(PROOFS)
                .map(|d| Proof {
                    label: format!("自称发布于 {day}"),
                    url: d.url.clone(),
                    snapshot: Some(d.snapshot.clone()).filter(|s| !s.is_empty()),
                    date: Some(day),
                    run: first_run(input, d),
                })
                .collect(),
            documents: docs.iter().map(|d| d.url.clone()).collect(),
            columns: Vec::new(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_ends() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(quarter_end(d(2023, 12, 28)), d(2023, 12, 31));
        assert_eq!(quarter_end(d(2024, 2, 1)), d(2024, 3, 31));
        assert_eq!(quarter_end(d(2024, 4, 1)), d(2024, 6, 30));
        assert_eq!(quarter_end(d(2024, 9, 30)), d(2024, 9, 30));
    }
}
