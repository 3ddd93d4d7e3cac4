//! 附录三 of the HTML report: the website inspection of the run — the units predicted 不合格
//! with each veto clause, its proof linked (the live page and the archived snapshot), then the
//! deductions, warnings and unchecked clauses grouped by sentence (one line per problem naming
//! its units, never the same sentence per unit) and the dead links per host. Each unit's own
//! section carries its predicted result ([`unit_line`]). Predictions only: no score changes.

use std::fmt::Write;

use crate::health::HealthReport;
use crate::inspect::render::{grouped, units_line};
use crate::inspect::{InspectionReport, Proof, UnitInspection, Verdict};

use super::escape::html as esc;
use super::{snapshot_link, unit::link_or_text, ReportInput};

fn proof(p: &Proof) -> String {
    let mut s = format!("{}：{}", esc(&p.label), link_or_text(&p.url));
    if let Some(link) = p.snapshot.as_deref().and_then(snapshot_link) {
        let _ = write!(s, " <a href=\"{}\">存档快照</a>", esc(&link));
    }
    s
}

/// The section; nothing when the run has no health report.
pub(crate) fn section(out: &mut String, input: &ReportInput) {
    let Some(h) = input.health else { return };
    match (&h.inspection, &h.inspection_missing) {
        (Some(i), _) => inspection(out, input, i),
        (None, why) => {
            let _ = writeln!(
                out,
                "<h3>附录三 网站检查预测</h3><p class=\"muted\">未作网站检查：{}。</p>",
                esc(why.as_deref().unwrap_or("未配置检查规则集"))
            );
        }
    }
    dead_links(out, h);
}

fn inspection(out: &mut String, input: &ReportInput, i: &InspectionReport) {
    let roster = &input.project.roster;
    let _ = write!(
        out,
        "<h3 id=\"inspection\">附录三 网站检查预测（{}，检查日 {}；仅作预警，不计入得分）</h3>\
         <p>依据 {}（规则集 <code>{}</code>），对各单位网站逐项检查，预测上级网站检查的结果。</p>",
        esc(&i.rule_title),
        i.check_date,
        esc(&i.rule_title),
        esc(&i.rule_set)
    );
    let failing: Vec<(&String, &UnitInspection)> = i.failing().collect();
    if failing.is_empty() {
        out.push_str("<p>预测不合格：无。</p>\n");
    } else {
        let _ = write!(
            out,
            "<h4>预测不合格（{} 个单位）</h4><table class=\"inspection\"><thead><tr><th>单位</th>\
             <th>否决项</th><th>问题</th><th>证据</th></tr></thead><tbody>",
            failing.len()
        );
        for (id, u) in &failing {
            for f in &u.vetoes {
                let proofs: Vec<String> = f.evidence.iter().map(proof).collect();
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td><ul class=\"ev\"><li>{}</li></ul></td></tr>",
                    esc(&input.unit_short(id)),
                    esc(&f.clause),
                    esc(&f.sentence()),
                    proofs.join("</li><li>")
                );
            }
            if u.vetoes.is_empty() {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>扣分后低于合格线</td><td>扣 {:.1} 分，低于 {} 分</td><td></td></tr>",
                    esc(&input.unit_short(id)),
                    u.points,
                    i.pass_score
                );
            }
        }
        out.push_str("</tbody></table>\n");
    }
    let passing = i
        .units
        .values()
        .filter(|u| u.result == Verdict::Pass)
        .count();
    let unknown = i
        .units
        .values()
        .filter(|u| u.result == Verdict::Unknown)
        .count();
    let _ = write!(out, "<p>其余 {passing} 个单位未发现单项否决问题，预测合格");
    if unknown > 0 {
        let _ = write!(out, "；{unknown} 个单位未能检查");
    }
    out.push_str("。</p>\n");
    let total = i.units.len();
    for (title, deductions) in [
        ("扣分项（按问题归并）", true),
        ("预警（无否决后果，按问题归并）", false),
    ] {
        let groups = grouped(i, deductions);
        if groups.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<h4>{title}</h4><table><thead><tr><th>条款</th><th>问题</th><th>涉及单位</th><th>证据（首个单位）</th></tr></thead><tbody>"
        );
        for ((clause, sentence), members) in &groups {
            let first = members
                .first()
                .map(|(_, f)| {
                    f.evidence
                        .iter()
                        .take(3)
                        .map(proof)
                        .collect::<Vec<_>>()
                        .join("</li><li>")
                })
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><ul class=\"ev\"><li>{first}</li></ul></td></tr>",
                esc(clause),
                esc(sentence),
                esc(&units_line(roster, members, total))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let mut unchecked: Vec<((&str, &str), usize)> = Vec::new();
    for u in i.units.values() {
        for c in &u.unchecked {
            let key = (c.clause.as_str(), c.reason.as_str());
            match unchecked.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => unchecked.push((key, 1)),
            }
        }
    }
    if !unchecked.is_empty() {
        out.push_str("<h4>未能检查（按原因归并）</h4><ul>");
        for ((clause, reason), n) in unchecked {
            let _ = write!(
                out,
                "<li>{}：{}（{n} 个单位）</li>",
                esc(clause),
                esc(reason)
            );
        }
        out.push_str("</ul>\n");
    }
}

fn dead_links(out: &mut String, h: &HealthReport) {
    if h.dead_links.is_empty() {
        return;
    }
    out.push_str("<h4>失效链接（按站点）</h4><table><thead><tr><th>站点</th><th>失效链接（4xx/5xx）</th></tr></thead><tbody>");
    for (host, links) in &h.dead_links {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{} 个</td></tr>",
            esc(host),
            links.len()
        );
    }
    out.push_str("</tbody></table>\n");
}

/// A unit's predicted result, for its own section: 合格 / 不合格 with the veto clauses, points.
pub(crate) fn unit_line(input: &ReportInput, unit: &str) -> Option<String> {
    let i = input.health?.inspection.as_ref()?;
    let u = i.units.get(unit)?;
    let mut s = format!(
        "<p class=\"inspection\"><b>网站检查预测</b> <span class=\"tag {}\">{}</span>",
        match u.result {
            Verdict::Pass => "ok",
            Verdict::Fail => "bad",
            Verdict::Unknown => "miss",
        },
        u.result.label()
    );
    if !u.vetoes.is_empty() {
        let clauses: Vec<&str> = u.vetoes.iter().map(|f| f.clause.as_str()).collect();
        let _ = write!(s, " 否决项：{}", esc(&clauses.join("、")));
    }
    if u.points > 0.0 {
        let _ = write!(s, "；扣分 {:.1}", u.points);
    }
    let warnings = u.warnings.len();
    if warnings > 0 {
        let _ = write!(s, "；预警 {warnings} 项");
    }
    s.push_str("（详见 <a href=\"#inspection\">附录三</a>）</p>");
    Some(s)
}
