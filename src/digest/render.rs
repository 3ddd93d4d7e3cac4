//! The digest as 简体中文 text for `govtrust digest` (JSON is the record itself).

use crate::fact::Value;

use super::{Digest, EvidenceEntry};

fn score_text(s: Option<f64>) -> String {
    match s {
        Some(v) => format!("{v:.2}"),
        None => "未评分".to_string(),
    }
}

fn evidence_line(e: &EvidenceEntry) -> String {
    let summary = if e.summary.is_empty() {
        &e.title
    } else {
        &e.summary
    };
    format!(
        "  - {} {}：{}（{}，{}）\n",
        e.unit_name,
        e.item,
        summary,
        e.status.label(),
        e.url
    )
}

/// The digest as 简体中文 text.
pub fn render_text(d: &Digest) -> String {
    let mut s = String::new();
    match d.previous_run {
        Some(p) => s.push_str(&format!(
            "变化摘要：抓取 #{}（与上次 #{p} 相比），评估期 {}，生成于 {}\n",
            d.run,
            d.period,
            d.created_at.format("%Y-%m-%d %H:%M:%S UTC")
        )),
        None => s.push_str(&format!(
            "变化摘要：抓取 #{}（首次记录，无上次结果可比较得分），评估期 {}，生成于 {}\n",
            d.run,
            d.period,
            d.created_at.format("%Y-%m-%d %H:%M:%S UTC")
        )),
    }
    s.push_str(&format!(
        "证据：新增 {} 条，变化 {} 条，消失 {} 条；得分变动 {} 项，总分或排名变动 {} 个单位\n",
        d.new_evidence.len(),
        d.changed_evidence.len(),
        d.gone_evidence.len(),
        d.score_moves.len(),
        d.total_moves.len()
    ));
    if d.is_empty() {
        s.push_str("与上次相比没有变化。\n");
        return s;
    }
    if !d.new_evidence.is_empty() {
        s.push_str("\n【新增证据】\n");
        d.new_evidence
            .iter()
            .for_each(|e| s.push_str(&evidence_line(e)));
    }
    if !d.changed_evidence.is_empty() {
        s.push_str("\n【变化的证据】\n");
        for c in &d.changed_evidence {
            s.push_str(&evidence_line(&c.after));
            s.push_str(&format!(
                "    变化：{}；原为：{}\n",
                c.what.join("、"),
                if c.before.summary.is_empty() {
                    &c.before.title
                } else {
                    &c.before.summary
                }
            ));
        }
    }
    if !d.gone_evidence.is_empty() {
        s.push_str("\n【消失的证据】\n");
        d.gone_evidence
            .iter()
            .for_each(|e| s.push_str(&evidence_line(e)));
    }
    if !d.inspection_moves.is_empty() {
        s.push_str("\n【网站检查预测变化】\n");
        for m in &d.inspection_moves {
            for v in &m.new_vetoes {
                s.push_str(&format!(
                    "  - {} 新出现单项否决：{}：{}（{}）\n",
                    m.unit_name, v.clause, v.sentence, v.url
                ));
            }
            if !m.cleared.is_empty() {
                s.push_str(&format!(
                    "  - {} 不再出现：{}（预测{}）\n",
                    m.unit_name,
                    m.cleared.join("、"),
                    m.after.label()
                ));
            }
        }
    }
    if !d.total_moves.is_empty() {
        s.push_str("\n【总分与排名变动】\n");
        for t in &d.total_moves {
            s.push_str(&format!(
                "  - {}：总分 {:.2} → {:.2}，排名 {} → {}\n",
                t.unit_name, t.old_total, t.new_total, t.old_rank, t.new_rank
            ));
        }
    }
    if !d.web_fact_moves.is_empty() {
        s.push_str("\n【网络监测事实变化】\n");
        for f in &d.web_fact_moves {
            let show = |v: &Option<Value>| {
                v.as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "无".into())
            };
            s.push_str(&format!(
                "  - {} {}（{}）{}：{} → {}\n",
                f.unit_name,
                f.item,
                f.content,
                f.label,
                show(&f.old),
                show(&f.new)
            ));
        }
    }
    if !d.score_moves.is_empty() {
        s.push_str("\n【得分变动及原因】\n");
        for m in &d.score_moves {
            s.push_str(&format!(
                "  - {} {}（{}）：{} → {}\n",
                m.unit_name,
                m.item,
                m.content,
                score_text(m.old),
                score_text(m.new)
            ));
            if !m.old_basis.is_empty() {
                s.push_str(&format!("    原依据：{}\n", m.old_basis));
            }
            s.push_str(&format!("    新依据：{}\n", m.new_basis));
            for f in &m.facts {
                let old = f.old_display.as_deref().unwrap_or("无");
                let new = f.new_display.as_deref().unwrap_or("无");
                let from = f
                    .new_source
                    .as_deref()
                    .map(|x| format!("（{x}）"))
                    .unwrap_or_default();
                s.push_str(&format!("    事实变化：{}：{old} → {new}{from}\n", f.label));
            }
        }
    }
    s
}
