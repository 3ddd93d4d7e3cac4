//! The HTML report: one self-contained file (inline CSS and SVG, no script, nothing loaded) with a
//! cover and overview, the ranking tables, the charts, a section per unit ([`super::unit`]) and an
//! appendix. Print rules give a clean PDF from a browser's print dialog.

use std::fmt::Write;

use crate::config::Kind;
use crate::evidence::model::Status;
use crate::score::UnitSheet;

use super::analysis::{cohort, cohort_name, weakest_items, Cohort};
use super::escape::html as esc;
use super::{beijing, charts, period_months, show, unit, ReportInput};

/// How many items the weakest-items chart shows per kind.
const WEAKEST: usize = 10;

const STYLE: &str = r#"
:root { --ink: #1f2328; --muted: #59636e; --line: #d0d7de; --head: #eef2f6; --accent: #1f4e79; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px 32px; color: var(--ink); font-size: 14px; line-height: 1.6;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
h1 { font-size: 28px; color: var(--accent); margin: 0 0 12px; }
h2 { font-size: 21px; color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 17px; margin: 22px 0 8px; }
h4 { font-size: 15px; margin: 16px 0 6px; }
.cover { min-height: 60vh; display: flex; flex-direction: column; justify-content: center; border-bottom: 1px solid var(--line); margin-bottom: 24px; }
.cover .sub { font-size: 18px; color: var(--muted); }
.cover dl { display: grid; grid-template-columns: 8em auto; gap: 4px 12px; margin-top: 24px; }
.cover dt { color: var(--muted); }
.cover dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; margin-left: 4px; white-space: nowrap; }
.tag.warn { background: #fff1c2; color: #7a5600; }
.tag.bad { background: #ffd8d3; color: #8a1c0f; }
.tag.ok { background: #d7f0dc; color: #14532d; }
.tag.miss { background: #e5e7eb; color: #374151; }
ul.ev { margin: 4px 0 0; padding-left: 18px; }
ul.ev li { margin: 2px 0; }
.verdict p { margin: 4px 0; }
.verdict .good b { color: #14532d; }
.verdict .weak b { color: #8a1c0f; }
.verdict .compare b { color: var(--accent); }
.chart { max-width: 100%; height: auto; display: block; margin: 8px 0 16px; }
.unit { border-top: 1px solid var(--line); }
.figures { display: flex; gap: 24px; flex-wrap: wrap; }
.figures div { background: var(--head); padding: 8px 14px; border-radius: 4px; }
.figures b { font-size: 20px; }
nav ol { columns: 2; }
a { color: var(--accent); }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .cover { min-height: auto; page-break-after: always; break-after: page; border: 0; }
  h2 { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  section.unit { break-before: page; border: 0; }
  h2 + section.unit { break-before: auto; }
  tr, svg, .verdict p { break-inside: avoid; }
  thead { display: table-header-group; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// Renders the whole report.
pub fn html(input: &ReportInput) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let county = &input.project.roster.meta.county;
    let title = format!(
        "{county}政务诚信监测评估报告（{}）",
        input.project.period.id
    );
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    cover(&mut out, input, &title);
    let kinds = input.kinds();
    let cohorts: Vec<(Kind, Vec<&UnitSheet>, Cohort)> = kinds
        .iter()
        .map(|k| {
            let units = input.units_of(*k);
            let c = cohort(&units);
            (*k, units, c)
        })
        .collect();
    contents(&mut out, &cohorts);
    overview(&mut out, input, &cohorts);
    out.push_str("<h2 id=\"ranking\">二、综合排名</h2>\n");
    for (kind, units, c) in &cohorts {
        ranking(&mut out, input, *kind, units, c);
    }
    out.push_str("<h2 id=\"charts\">三、图表分析</h2>\n");
    for (kind, units, c) in &cohorts {
        figures(&mut out, input, *kind, units, c);
    }
    out.push_str("<h2 id=\"units\">四、各单位评估情况</h2>\n");
    for (_, units, c) in &cohorts {
        for u in units {
            unit::section(&mut out, input, u, units, c);
        }
    }
    appendix(&mut out, input);
    super::health::section(&mut out, input);
    out.push_str("</body>\n</html>\n");
    out
}

fn cover(out: &mut String, input: &ReportInput, title: &str) {
    let p = &input.project.period;
    let _ = write!(
        out,
        "<header class=\"cover\"><h1>{}</h1><div class=\"sub\">政务诚信监测评估 · 数据填报与大数据监测</div><dl>\
         <dt>评估期</dt><dd>{} 至 {}</dd><dt>数据截止</dt><dd>{}</dd><dt>报告生成</dt><dd>{}</dd>",
        esc(title),
        p.start,
        p.end,
        beijing(input.cutoff),
        beijing(input.generated_at)
    );
    if let Some(run) = input.run_id {
        let _ = write!(out, "<dt>监测运行</dt><dd>第 {run} 次</dd>");
    }
    let _ = writeln!(
        out,
        "<dt>评估对象</dt><dd>{}</dd></dl></header>",
        esc(&scope_line(input))
    );
}

/// 乡镇（街道）16 个、县直单位 34 个.
fn scope_line(input: &ReportInput) -> String {
    input
        .kinds()
        .into_iter()
        .map(|k| format!("{} {} 个", k.label(), input.units_of(k).len()))
        .collect::<Vec<_>>()
        .join("、")
}

fn contents(out: &mut String, cohorts: &[(Kind, Vec<&UnitSheet>, Cohort)]) {
    out.push_str(
        "<nav><h3>目录</h3><ol><li><a href=\"#overview\">概述</a></li><li><a href=\"#ranking\">综合排名</a></li>\
         <li><a href=\"#charts\">图表分析</a></li><li><a href=\"#units\">各单位评估情况</a></li>\
         <li><a href=\"#appendix\">附录</a></li></ol><ol>",
    );
    for (_, units, _) in cohorts {
        for u in units {
            let _ = write!(
                out,
                "<li><a href=\"#u-{}\">{}</a></li>",
                esc(&u.id),
                esc(&u.short)
            );
        }
    }
    out.push_str("</ol></nav>\n");
}

fn overview(out: &mut String, input: &ReportInput, cohorts: &[(Kind, Vec<&UnitSheet>, Cohort)]) {
    let p = &input.project.period;
    let county = &input.project.roster.meta.county;
    let _ = write!(
        out,
        "<h2 id=\"overview\">一、概述</h2>\n<h3>（一）评估范围</h3><p>本次评估覆盖{}的{}，评估期为 {} 至 {}，\
         数据截止于 {}。</p>\n",
        esc(county),
        esc(&scope_line(input)),
        p.start,
        p.end,
        beijing(input.cutoff)
    );
    out.push_str(
        "<h3>（二）评估方法</h3><p>采用“数据填报 + 大数据监测”相结合的方式：被评估单位按指标填报数据并提供佐证材料；\
         监测系统定期抓取政府门户网站、信用网站及司法公开等来源，将发现的公开信息形成证据并自动核对填报数据。\
         同一数据项以人工核查优先、网络监测次之、单位填报再次；填报值与网络监测不一致的列为差异，\
         尚无网络数据核对的填报值标注为“未核实”。缺少所需数据的指标记为缺项，不计零分，\
         “已评分项满分”为已评分指标的满分之和。</p>\n",
    );
    out.push_str("<h3>（三）监测来源与覆盖</h3>");
    if input.sources.is_empty() {
        out.push_str("<p class=\"muted\">本报告未附监测来源统计。</p>\n");
    } else {
        out.push_str(
            "<table><thead><tr><th>来源</th><th>说明</th><th class=\"num\">页面数</th>\
             <th class=\"num\">文档数</th><th>最近抓取</th></tr></thead><tbody>",
        );
        for s in &input.sources {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&s.name),
                esc(&s.description),
                s.pages,
                s.documents,
                s.last_fetched.map(beijing).unwrap_or_else(|| "未抓取".into())
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let counted = |st: Status| input.evidence.iter().filter(|e| e.status == st).count();
    let discrepancies: usize = input
        .board
        .units
        .iter()
        .map(|u| u.discrepancies.len())
        .sum();
    let missing: usize = input.board.units.iter().map(|u| u.missing).sum();
    out.push_str("<h3>（四）总体情况</h3><div class=\"figures\">");
    for (kind, units, c) in cohorts {
        let _ = write!(
            out,
            "<div>{}平均分<br><b>{}</b></div>",
            esc(cohort_name(*kind)),
            show(c.total_avg)
        );
        if let (Some(first), Some(last)) = (units.first(), units.last()) {
            let _ = write!(
                out,
                "<div>{}最高 / 最低<br><b>{} / {}</b></div>",
                esc(cohort_name(*kind)),
                show(first.total),
                show(last.total)
            );
        }
    }
    let _ = writeln!(
        out,
        "<div>已确认证据<br><b>{}</b></div><div>待确认证据<br><b>{}</b></div>\
         <div>填报与监测差异<br><b>{discrepancies}</b></div><div>缺项合计<br><b>{missing}</b></div></div>",
        counted(Status::Confirmed),
        counted(Status::Candidate)
    );
}

/// The ranking table of one kind: rank, unit, total, max of scored items, subtotals, missing.
fn ranking(out: &mut String, input: &ReportInput, kind: Kind, units: &[&UnitSheet], c: &Cohort) {
    let Some(catalog) = input.project.catalog(kind) else {
        return;
    };
    let _ = write!(
        out,
        "<h3 id=\"rank-{}\">{}排名</h3><table class=\"ranking\" data-kind=\"{}\"><thead><tr>\
         <th class=\"num\">排名</th><th>单位</th><th class=\"num\">总分</th><th class=\"num\">已评分项满分</th>",
        kind.as_str(),
        esc(kind.label()),
        kind.as_str()
    );
    for cat in &catalog.categories {
        let _ = write!(
            out,
            "<th class=\"num\">{}<br><span class=\"muted\">（{}）</span></th>",
            esc(&cat.name),
            show(cat.max)
        );
    }
    out.push_str("<th class=\"num\">缺项</th></tr></thead><tbody>");
    for u in units {
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td><a href=\"#u-{}\">{}</a></td><td class=\"num\"><b>{}</b></td>\
             <td class=\"num\">{}</td>",
            u.rank,
            esc(&u.id),
            esc(&u.short),
            show(u.total),
            show(u.max_scored)
        );
        for cat in &catalog.categories {
            let score = u
                .categories
                .iter()
                .find(|x| x.name == cat.name)
                .map(|x| show(x.score))
                .unwrap_or_default();
            let _ = write!(out, "<td class=\"num\">{score}</td>");
        }
        let _ = write!(out, "<td class=\"num\">{}</td></tr>", u.missing);
    }
    let _ = write!(
        out,
        "<tr class=\"avg\"><td></td><td>平均</td><td class=\"num\">{}</td><td></td>",
        show(c.total_avg)
    );
    for cat in &catalog.categories {
        let avg = c.categories.get(&cat.name).copied().unwrap_or(0.0);
        let _ = write!(out, "<td class=\"num\">{}</td>", show(avg));
    }
    out.push_str("<td></td></tr></tbody></table>\n");
}

fn figures(out: &mut String, input: &ReportInput, kind: Kind, units: &[&UnitSheet], c: &Cohort) {
    let Some(catalog) = input.project.catalog(kind) else {
        return;
    };
    let name = kind.label();
    let _ = write!(out, "<h3>{}</h3>", esc(name));
    let totals: Vec<(String, f64)> = units.iter().map(|u| (u.short.clone(), u.total)).collect();
    out.push_str(&charts::bars(
        &format!("{name}总分（按排名）"),
        &totals,
        catalog.meta.total,
    ));
    let values: Vec<f64> = units.iter().map(|u| u.total).collect();
    out.push_str(&charts::histogram(&format!("{name}总分分布"), &values));
    let columns: Vec<String> = catalog.categories.iter().map(|c| c.name.clone()).collect();
    let rows: Vec<(String, Vec<Option<f64>>)> = units
        .iter()
        .map(|u| {
            let cells = catalog
                .categories
                .iter()
                .map(|cat| {
                    let s = u.categories.iter().find(|x| x.name == cat.name)?;
                    (s.max_scored > 0.0).then(|| s.score / s.max_scored)
                })
                .collect();
            (u.short.clone(), cells)
        })
        .collect();
    out.push_str(&charts::heatmap(
        &format!("{name}一级指标得分率热力图（得分 ÷ 已评分项满分）"),
        &columns,
        &rows,
    ));
    let weak = weakest_items(c, WEAKEST);
    if weak.is_empty() {
        return;
    }
    let bars: Vec<(String, f64)> = weak
        .iter()
        .map(|w| (format!("{} {}", w.id, w.content), w.ratio * 100.0))
        .collect();
    out.push_str(&charts::bars(
        &format!("{name}平均得分率最低的 {} 项指标（%）", weak.len()),
        &bars,
        100.0,
    ));
    out.push_str(
        "<table><thead><tr><th>指标</th><th>考核内容</th><th class=\"num\">平均得分率</th>\
         <th class=\"num\">已评分单位</th></tr></thead><tbody>",
    );
    for w in &weak {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}%</td><td class=\"num\">{}</td></tr>",
            esc(&w.id),
            esc(&w.content),
            show(w.ratio * 100.0),
            w.scored
        );
    }
    out.push_str("</tbody></table>\n");
}

fn appendix(out: &mut String, input: &ReportInput) {
    out.push_str("<h2 id=\"appendix\">附录</h2>\n<h3>附录一 未能对应到评估单位的通报名称</h3>");
    if input.unresolved.is_empty() {
        out.push_str("<p class=\"muted\">无。</p>\n");
    } else {
        let mut rows: Vec<_> = input.unresolved.iter().collect();
        rows.sort_by(|a, b| (&a.name, &a.rule, &a.url).cmp(&(&b.name, &b.rule, &b.url)));
        out.push_str(
            "<p>以下名称出现在通报的问题条款中，但未能对应到名单中的任何单位，需人工核查：</p>\
             <table class=\"unresolved\"><thead><tr><th>名称</th><th>规则</th><th>通报网址</th></tr></thead><tbody>",
        );
        for u in rows {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&u.name),
                esc(&u.rule),
                super::unit::link_or_text(&u.url)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("<h3>附录二 通报次数（按月）</h3>");
    let months = period_months(&input.project.period);
    let units: std::collections::BTreeSet<&str> =
        input.notices.iter().map(|n| n.unit.as_str()).collect();
    if units.is_empty() {
        out.push_str("<p class=\"muted\">评估期内无单位被通报。</p>\n");
        return;
    }
    out.push_str("<table><thead><tr><th>单位</th>");
    for m in &months {
        let _ = write!(
            out,
            "<th class=\"num\">{}</th>",
            esc(m.get(5..).unwrap_or(m))
        );
    }
    out.push_str("<th class=\"num\">合计</th></tr></thead><tbody>");
    for unit in units {
        let _ = write!(out, "<tr><td>{}</td>", esc(&input.unit_short(unit)));
        let mut total = 0;
        for m in &months {
            let n: u64 = input
                .notices
                .iter()
                .filter(|c| c.unit == unit && &c.month == m)
                .map(|c| c.count)
                .sum();
            total += n;
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                if n == 0 { String::new() } else { n.to_string() }
            );
        }
        let _ = write!(out, "<td class=\"num\">{total}</td></tr>");
    }
    out.push_str("</tbody></table>\n");
}
