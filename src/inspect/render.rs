//! The inspection in words (简体中文): the units predicted 不合格 with each veto clause and its
//! proof, then deductions, warnings and unchecked clauses grouped by sentence — one line per
//! problem naming the units it concerns, never the same sentence once per unit — and, for one
//! unit, everything with every proof.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::report::{Finding, InspectionReport, Proof, UnitInspection, Verdict};
use crate::config::Roster;

fn short<'a>(roster: &'a Roster, id: &'a str) -> &'a str {
    roster.get(id).map(|u| u.short.as_str()).unwrap_or(id)
}

/// A proof as one line: label, URL, date, snapshot.
pub fn proof_line(p: &Proof) -> String {
    let mut s = format!("{} {}", p.label, p.url);
    if let Some(h) = &p.snapshot {
        let _ = write!(s, "（快照 {}）", &h[..h.len().min(12)]);
    }
    s
}

/// A (clause, sentence) and the units' findings that share it.
pub type Group<'a> = ((String, String), Vec<(&'a String, &'a Finding)>);

/// The findings of many units grouped by (clause, sentence), in order of first appearance.
pub fn group<'a>(units: impl Iterator<Item = (&'a String, &'a Finding)>) -> Vec<Group<'a>> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut map: BTreeMap<(String, String), Vec<(&String, &Finding)>> = BTreeMap::new();
    for (u, f) in units {
        let key = (f.clause.clone(), f.group.clone());
        if !map.contains_key(&key) {
            order.push(key.clone());
        }
        map.entry(key).or_default().push((u, f));
    }
    order
        .into_iter()
        .map(|k| {
            let v = map.remove(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

/// Every unit's deductions (or warnings) grouped by sentence.
pub fn grouped(report: &InspectionReport, deductions: bool) -> Vec<Group<'_>> {
    group(report.units.iter().flat_map(|(id, u)| {
        let list = if deductions {
            &u.deductions
        } else {
            &u.warnings
        };
        list.iter().map(move |f| (id, f))
    }))
}

/// The units of a group, with what is particular to each; one shared detail is said once.
pub fn units_line(roster: &Roster, members: &[(&String, &Finding)], total: usize) -> String {
    let details: Vec<&str> = members.iter().map(|(_, f)| f.detail.as_str()).collect();
    let same = details.windows(2).all(|w| w[0] == w[1]);
    let names: Vec<String> = members
        .iter()
        .map(|(u, f)| {
            if same || f.detail.is_empty() {
                short(roster, u).to_string()
            } else {
                format!("{}（{}）", short(roster, u), f.detail)
            }
        })
        .collect();
    if let [(u, f)] = members {
        return if f.detail.is_empty() {
            short(roster, u).to_string()
        } else {
            format!("{}（{}）", short(roster, u), f.detail)
        };
    }
    let who = if members.len() == total && total > 1 {
        format!("全部 {total} 个单位")
    } else {
        format!("{} 个单位：{}", members.len(), names.join("、"))
    };
    match details.first() {
        Some(d) if same && !d.is_empty() => format!("{who}（各单位均为：{d}）"),
        _ => who,
    }
}

/// The report for people.
pub fn text(report: &InspectionReport, roster: &Roster) -> String {
    let mut s = format!(
        "网站检查预测（规则集 {}《{}》；检查日 {}；第 {} 次运行，观测日 {}）\n",
        report.rule_set, report.rule_title, report.check_date, report.run, report.observed_on
    );
    let failing: Vec<(&String, &UnitInspection)> = report.failing().collect();
    if failing.is_empty() {
        s.push_str("预测不合格：无\n");
    } else {
        let _ = writeln!(s, "预测不合格 {} 个单位：", failing.len());
    }
    for (id, u) in &failing {
        for f in &u.vetoes {
            let _ = writeln!(s, "  {}：{}：{}", short(roster, id), f.clause, f.sentence());
            for p in &f.evidence {
                let _ = writeln!(s, "      证据：{}", proof_line(p));
            }
        }
        if u.vetoes.is_empty() {
            let _ = writeln!(
                s,
                "  {}：扣分 {:.1} 分，得分低于合格线 {} 分",
                short(roster, id),
                u.points,
                report.pass_score
            );
        }
    }
    let passing = report
        .units
        .values()
        .filter(|u| u.result == Verdict::Pass)
        .count();
    let unknown: Vec<&str> = report
        .units
        .iter()
        .filter(|(_, u)| u.result == Verdict::Unknown)
        .map(|(id, _)| short(roster, id))
        .collect();
    let _ = write!(s, "其余 {passing} 个单位未发现单项否决问题，预测合格");
    if !unknown.is_empty() {
        let _ = write!(s, "；未能检查 {} 个：{}", unknown.len(), unknown.join("、"));
    }
    s.push_str("。\n");
    let total = report.units.len();
    for (title, deductions) in [
        ("扣分项（按问题归并）", true),
        ("预警（无否决后果，按问题归并）", false),
    ] {
        let groups = grouped(report, deductions);
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(s, "{title}：");
        for ((clause, sentence), members) in &groups {
            let points: f64 = members.iter().filter_map(|(_, f)| f.points).sum();
            let pts = if points > 0.0 {
                format!("，合计扣 {points:.1} 分")
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "  {clause}：{sentence} — {}{pts}",
                units_line(roster, members, total)
            );
        }
    }
    let mut unchecked: Vec<((String, String), Vec<&String>)> = Vec::new();
    for (id, u) in &report.units {
        for c in &u.unchecked {
            let key = (c.clause.clone(), c.reason.clone());
            match unchecked.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(id),
                None => unchecked.push((key, vec![id])),
            }
        }
    }
    if !unchecked.is_empty() {
        s.push_str("未能检查（按原因归并）：\n");
        for ((clause, reason), ids) in &unchecked {
            let who = if ids.len() == total && total > 1 {
                format!("全部 {total} 个单位")
            } else {
                ids.iter()
                    .map(|id| short(roster, id))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let _ = writeln!(s, "  {clause}：{reason} — {who}");
        }
    }
    s
}

/// One unit: result, every finding with every proof, unchecked clauses, its columns.
pub fn unit_text(report: &InspectionReport, roster: &Roster, id: &str) -> Option<String> {
    let u = report.units.get(id)?;
    let name = roster.get(id).map(|x| x.name.as_str()).unwrap_or(id);
    let mut s = format!(
        "{name}：预测{}（规则集 {}；检查日 {}；扣分 {:.1}）\n",
        u.result.label(),
        report.rule_set,
        report.check_date,
        u.points
    );
    if let Some(h) = &u.home {
        let _ = writeln!(s, "  网站首页：{h}");
    }
    for (title, list) in [
        ("单项否决", &u.vetoes),
        ("扣分", &u.deductions),
        ("预警", &u.warnings),
    ] {
        for f in list {
            let pts = f
                .points
                .map(|p| format!("（扣 {p:.1} 分）"))
                .unwrap_or_default();
            let _ = writeln!(s, "  [{title}] {}：{}{pts}", f.clause, f.sentence());
            for p in &f.evidence {
                let _ = writeln!(s, "      证据：{}", proof_line(p));
            }
        }
    }
    for c in &u.unchecked {
        let _ = writeln!(s, "  [未能检查] {}：{}", c.clause, c.reason);
    }
    s.push_str("  栏目：\n");
    for c in &u.columns {
        let _ = writeln!(
            s,
            "    {}（{}）{} 篇，最新 {}，{} {}",
            c.name,
            c.kind,
            c.documents,
            c.newest
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            match c.status {
                super::ColumnStatus::Read => "已读取",
                super::ColumnStatus::Failed => "未能读取",
            },
            c.url
        );
    }
    Some(s)
}
