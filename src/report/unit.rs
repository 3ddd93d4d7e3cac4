//! One unit's section of the HTML report: total and rank, category subtotals against the cohort
//! average, 亮点 and 短板 sentences, every item with its score, basis, facts and evidence (with
//! links to the live page and the archived snapshot), missing items and discrepancies.

use std::fmt::Write;

use crate::evidence::model::{Evidence, Status};
use crate::fact::Verification;
use crate::score::{ItemScore, UnitSheet};

use super::analysis::{category_sentence, cohort_name, verdicts, Cohort};
use super::escape::html as esc;
use super::{live_link, show, snapshot_link, ReportInput};

/// Evidence shown per item; the workbook's evidence sheet has all of it.
const EVIDENCE_PER_ITEM: usize = 8;

pub(crate) fn section(
    out: &mut String,
    input: &ReportInput,
    u: &UnitSheet,
    cohort_units: &[&UnitSheet],
    c: &Cohort,
) {
    let _ = writeln!(
        out,
        "<section class=\"unit\" id=\"u-{}\" data-unit=\"{}\"><h3>{}</h3><div class=\"figures\">\
         <div>总分<br><b>{}</b> / {}</div><div>{}排名<br><b>{}</b> / {}</div>\
         <div>已评分项满分<br><b>{}</b></div><div>同类平均<br><b>{}</b></div><div>缺项<br><b>{}</b></div></div>",
        esc(&u.id),
        esc(&u.id),
        esc(&u.name),
        show(u.total),
        show(input.project.catalog(u.kind).map(|c| c.meta.total).unwrap_or(100.0)),
        esc(cohort_name(u.kind)),
        u.rank,
        cohort_units.len(),
        show(u.max_scored),
        show(c.total_avg),
        u.missing
    );
    let (good, weak) = verdicts(u, c);
    out.push_str("<div class=\"verdict\">");
    for s in &good {
        let _ = write!(out, "<p class=\"good\"><b>亮点</b> {}</p>", esc(s));
    }
    for s in &weak {
        let _ = write!(out, "<p class=\"weak\"><b>短板</b> {}</p>", esc(s));
    }
    if let Some(s) = category_sentence(u, c) {
        let _ = write!(out, "<p class=\"compare\"><b>对比</b> {}</p>", esc(&s));
    }
    out.push_str("</div>\n");
    if let Some(line) = super::health::unit_line(input, &u.id) {
        out.push_str(&line);
        out.push('\n');
    }
    categories(out, u, c);
    items(out, input, u);
    missing(out, input, u);
    discrepancies(out, u);
    out.push_str("</section>\n");
}

fn categories(out: &mut String, u: &UnitSheet, c: &Cohort) {
    out.push_str(
        "<h4>一级指标得分</h4><table class=\"categories\"><thead><tr><th>一级指标</th><th class=\"num\">得分</th>\
         <th class=\"num\">满分</th><th class=\"num\">已评分项满分</th><th class=\"num\">同类平均</th>\
         <th class=\"num\">与平均相比</th></tr></thead><tbody>",
    );
    for cat in &u.categories {
        let avg = c.categories.get(&cat.name).copied().unwrap_or(0.0);
        let diff = cat.score - avg;
        let sign = if diff > 0.005 { "+" } else { "" };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{sign}{}</td></tr>",
            esc(&cat.name),
            show(cat.score),
            show(cat.max),
            show(cat.max_scored),
            show(avg),
            show(diff)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn items(out: &mut String, input: &ReportInput, u: &UnitSheet) {
    out.push_str(
        "<h4>逐项得分与证据</h4><table class=\"items\"><thead><tr><th>指标</th><th>考核内容</th>\
         <th class=\"num\">得分</th><th class=\"num\">满分</th><th>计分依据</th><th>数据与证据</th></tr></thead><tbody>",
    );
    for item in &u.items {
        let score = match item.score {
            Some(s) => show(s),
            None => "<span class=\"tag miss\">缺项</span>".to_string(),
        };
        let _ = write!(
            out,
            "<tr id=\"u-{}-{}\"><td>{}</td><td>{}</td><td class=\"num\">{score}</td><td class=\"num\">{}</td><td>{}</td><td>",
            esc(&u.id),
            esc(&item.id),
            esc(&item.id),
            esc(&item.content),
            show(item.max),
            esc(&item.basis)
        );
        facts(out, item);
        evidence(out, &input.evidence_for(&u.id, &item.id));
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table>\n");
}

fn facts(out: &mut String, item: &ItemScore) {
    for f in &item.facts {
        let tag = match f.verification {
            Verification::Unverified => "<span class=\"tag warn\">未核实</span>",
            Verification::Contradicted => "<span class=\"tag bad\">与网络监测不符</span>",
            Verification::Consistent => "",
        };
        let _ = write!(
            out,
            "<div>{}：{}<span class=\"muted\">（{}）</span>{tag}</div>",
            esc(&f.label),
            esc(&f.display),
            esc(&f.description)
        );
        for o in &f.overridden {
            let _ = write!(
                out,
                "<div class=\"muted\">未采用的{}值：{}（{}）</div>",
                esc(o.origin.label()),
                esc(&o.display),
                esc(&o.description)
            );
        }
    }
}

fn evidence(out: &mut String, found: &[&Evidence]) {
    if found.is_empty() {
        return;
    }
    out.push_str("<ul class=\"ev\">");
    for e in found.iter().take(EVIDENCE_PER_ITEM) {
        out.push_str("<li>");
        if e.status == Status::Candidate {
            out.push_str("<span class=\"tag warn\">待确认</span> ");
        }
        let _ = write!(out, "{} 《{}》", esc(&e.summary), esc(&e.document.title));
        if let Some(d) = e.document.published_on {
            let _ = write!(out, " <span class=\"muted\">{d}</span>");
        }
        if let Some(url) = live_link(&e.document.url) {
            let _ = write!(
                out,
                " <a href=\"{}\" rel=\"noopener noreferrer nofollow\">原网页</a>",
                esc(url)
            );
        }
        if let Some(snap) = snapshot_link(&e.snapshot) {
            let _ = write!(out, " <a href=\"{}\">存档快照</a>", esc(&snap));
        }
        out.push_str("</li>");
    }
    if found.len() > EVIDENCE_PER_ITEM {
        let _ = write!(
            out,
            "<li class=\"muted\">另有 {} 条证据，见工作簿“证据”表。</li>",
            found.len() - EVIDENCE_PER_ITEM
        );
    }
    out.push_str("</ul>");
}

fn missing(out: &mut String, input: &ReportInput, u: &UnitSheet) {
    let gaps: Vec<&ItemScore> = u.items.iter().filter(|i| i.score.is_none()).collect();
    if gaps.is_empty() {
        return;
    }
    out.push_str(
        "<h4>缺项</h4><table class=\"missing\"><thead><tr><th>指标</th><th>考核内容</th><th>缺少的数据</th></tr></thead><tbody>",
    );
    for i in gaps {
        let catalog_item = input.catalog_item(u.kind, &i.id);
        let fields: Vec<String> = i
            .missing_fields
            .iter()
            .map(|name| match catalog_item.and_then(|c| c.field(name)) {
                Some(spec) => format!("{}（{name}）", spec.label),
                None => name.clone(),
            })
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.id),
            esc(&i.content),
            esc(&fields.join("、"))
        );
    }
    out.push_str("</tbody></table>\n");
}

fn discrepancies(out: &mut String, u: &UnitSheet) {
    if u.discrepancies.is_empty() {
        return;
    }
    out.push_str(
        "<h4>填报与网络监测差异</h4><table class=\"discrepancies\"><thead><tr><th>指标</th><th>数据项</th>\
         <th>填报值</th><th>网络监测值</th><th>填报来源</th><th>监测来源</th></tr></thead><tbody>",
    );
    for d in &u.discrepancies {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.item),
            esc(&d.label),
            esc(&d.submitted),
            esc(&d.web),
            esc(&d.submitted_from),
            esc(&d.web_from)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// A link to a live page when the URL is http(s), otherwise the URL as text.
pub(crate) fn link_or_text(url: &str) -> String {
    match live_link(url) {
        Some(u) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(u),
            esc(u)
        ),
        None => esc(url),
    }
}
