//! The Markdown summary for pasting into documents: overview, the ranking table of each kind and
//! one paragraph of 亮点 and 短板 per unit. Every name and sentence is Markdown-escaped.

use std::fmt::Write;

use crate::config::Kind;
use crate::score::UnitSheet;

use super::analysis::{category_sentence, cohort, verdicts};
use super::escape::markdown as esc;
use super::{beijing, show, ReportInput};

/// Renders the summary.
pub fn markdown(input: &ReportInput) -> String {
    let mut out = String::new();
    let p = &input.project.period;
    let county = &input.project.roster.meta.county;
    let _ = writeln!(
        out,
        "# {}政务诚信监测评估报告（{}）\n",
        esc(county),
        esc(&p.id)
    );
    out.push_str("## 概述\n\n");
    let scope: Vec<String> = input
        .kinds()
        .into_iter()
        .map(|k| format!("{} {} 个", k.label(), input.units_of(k).len()))
        .collect();
    let _ = writeln!(
        out,
        "- 评估对象：{}\n- 评估期：{} 至 {}\n- 评估方法：数据填报 + 大数据监测\n- 数据截止：{}\n- 报告生成：{}",
        esc(&scope.join("、")),
        p.start,
        p.end,
        beijing(input.cutoff),
        beijing(input.generated_at)
    );
    if let Some(run) = input.run_id {
        let _ = writeln!(out, "- 监测运行：第 {run} 次");
    }
    if !input.sources.is_empty() {
        let list: Vec<String> = input
            .sources
            .iter()
            .map(|s| {
                format!(
                    "{}（{}，页面 {}，文档 {}）",
                    esc(&s.description),
                    esc(&s.name),
                    s.pages,
                    s.documents
                )
            })
            .collect();
        let _ = writeln!(out, "- 监测来源：{}", list.join("；"));
    }
    out.push('\n');
    for kind in input.kinds() {
        table(&mut out, input, kind);
    }
    out.push_str("## 各单位亮点与短板\n\n");
    for kind in input.kinds() {
        let units = input.units_of(kind);
        let c = cohort(&units);
        for u in &units {
            let (good, weak) = verdicts(u, &c);
            let compare = category_sentence(u, &c).unwrap_or_default();
            let _ = writeln!(
                out,
                "**{}**（总分 {}，{}第 {} 名）：{}{}{}\n",
                esc(&u.short),
                show(u.total),
                esc(kind.label()),
                u.rank,
                esc(&good.concat()),
                esc(&weak.concat()),
                esc(&compare)
            );
        }
    }
    out
}

fn table(out: &mut String, input: &ReportInput, kind: Kind) {
    let Some(catalog) = input.project.catalog(kind) else {
        return;
    };
    let units: Vec<&UnitSheet> = input.units_of(kind);
    let _ = writeln!(out, "## {}排名\n", esc(kind.label()));
    out.push_str("| 排名 | 单位 | 总分 | 已评分项满分 |");
    for c in &catalog.categories {
        let _ = write!(out, " {}（{}） |", esc(&c.name), show(c.max));
    }
    out.push_str(" 缺项 |\n|---:|---|---:|---:|");
    for _ in &catalog.categories {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    for u in units {
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            u.rank,
            esc(&u.short),
            show(u.total),
            show(u.max_scored)
        );
        for c in &catalog.categories {
            let s = u
                .categories
                .iter()
                .find(|x| x.name == c.name)
                .map(|x| show(x.score))
                .unwrap_or_default();
            let _ = write!(out, " {s} |");
        }
        let _ = writeln!(out, " {} |", u.missing);
    }
    out.push('\n');
}
