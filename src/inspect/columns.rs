//! The clauses about columns: 首页不更新, 栏目不更新 (columns past their kind's limit, 长期未更新
//! and 空白栏目, each counted against its veto number; below it every such column is a warning),
//! undated documents (counted as not updated, as the 普查 note says, and listed), 互动回应差 where
//! a 互动交流 column exists, and the 政策文件 metadata deduction. A column whose page could not be
//! read in the run is 未能检查 and counts for none of them.

use chrono::NaiveDate;

use super::report::{
    ColumnSeen, ColumnStatus, Finding, FindingKind, Proof, Unchecked, UnitInspection,
};
use super::sitemap::{ColumnSite, UnitSite};
use super::{Inputs, Sample};
use crate::config::column_kind::ColumnKind;
use crate::extract::Document;
use crate::fact::parse_date;

/// Proofs shown per finding at most (the finding's documents list them all).
pub const PROOFS: usize = 6;

/// A column with what the run could read of it.
pub struct Seen<'a> {
    pub site: &'a ColumnSite,
    pub read: bool,
    /// Its documents still on the site.
    pub docs: Vec<&'a Document>,
    pub newest: Option<&'a Document>,
}

impl Seen<'_> {
    pub fn newest_date(&self) -> Option<NaiveDate> {
        self.newest.and_then(|d| d.published)
    }
}

fn proof_doc(d: &Document, label: &str, run: Option<u64>) -> Proof {
    Proof {
        label: label.to_string(),
        url: d.url.clone(),
        snapshot: Some(d.snapshot.clone()).filter(|s| !s.is_empty()),
        date: d.published,
        run,
    }
}

pub fn proof_page(input: &Inputs, url: &str, label: &str) -> Proof {
    Proof {
        label: label.to_string(),
        url: url.to_string(),
        snapshot: input.pages.get(url).and_then(|p| p.hash.clone()),
        date: Some(input.run.date),
        run: Some(input.run.id),
    }
}

fn title(d: &Document) -> &str {
    d.title.as_deref().unwrap_or(d.url.as_str())
}

/// Each column as the run saw it, recorded on the unit; the column's page failing (or not
/// reached) in the run makes it unread.
pub fn observe<'a>(input: &'a Inputs, site: &'a UnitSite, u: &mut UnitInspection) -> Vec<Seen<'a>> {
    let mut out = Vec::new();
    for c in &site.columns {
        let read = match c.first_page() {
            Some(p) => input.sample(input.run.id, p) == Some(&Sample::Read),
            None => true,
        };
        let docs: Vec<&Document> = c
            .docs
            .iter()
            .map(|&i| &input.docs[i])
            .filter(|d| {
                input
                    .pages
                    .get(&d.page_url)
                    .is_none_or(|p| p.gone_run.is_none())
            })
            .collect();
        let newest = docs
            .iter()
            .copied()
            .filter(|d| d.published.is_some_and(|p| p <= input.check_date))
            .max_by_key(|d| (d.published, std::cmp::Reverse(d.url.as_str())));
        u.columns.push(ColumnSeen {
            name: c.name.clone(),
            kind: c.kind,
            url: c.first_page().unwrap_or_default().to_string(),
            snapshot: c
                .first_page()
                .and_then(|p| input.pages.get(p))
                .and_then(|p| p.hash.clone()),
            status: if read {
                ColumnStatus::Read
            } else {
                ColumnStatus::Failed
            },
            documents: docs.len(),
            newest: newest.and_then(|d| d.published),
        });
        out.push(Seen {
            site: c,
            read,
            docs,
            newest,
        });
    }
    out
}

/// 首页不更新, 栏目不更新 (stale, 长期未更新, 空白) and undated documents.
pub fn update_clauses(input: &Inputs, site: &UnitSite, seen: &[Seen], u: &mut UnitInspection) {
    let rules = input.rules;
    let check = input.check_date;
    let age = |d: NaiveDate| (check - d).num_days();
    let unread: Vec<&str> = seen
        .iter()
        .filter(|s| !s.read)
        .map(|s| s.site.name.as_str())
        .collect();
    if !unread.is_empty() {
        u.unchecked.push(Unchecked {
            clause: rules.veto.columns_not_updated.clause.clone(),
            reason: format!(
                "栏目页本次未能读取：{}（未能检查，不计为未更新）",
                unread.join("、")
            ),
        });
    }
    // 首页不更新: the home is a navigation entry, so no dated document in any column.
    let h = &rules.veto.home_not_updated;
    let home_read = site
        .home
        .as_deref()
        .is_none_or(|p| input.sample(input.run.id, p) == Some(&Sample::Read));
    let newest = seen
        .iter()
        .filter(|s| s.read)
        .filter_map(|s| s.newest)
        .max_by_key(|d| (d.published, std::cmp::Reverse(d.url.as_str())));
    let home_stale = newest
        .and_then(|d| d.published)
        .is_none_or(|d| age(d) > h.max_age_days);
    if !home_read || seen.iter().all(|s| !s.read) {
        u.unchecked.push(Unchecked {
            clause: h.clause.clone(),
            reason: "首页或全部栏目本次未能读取".into(),
        });
    } else if home_stale && !unread.is_empty() {
        // An unread column may hold the update: not checked rather than not updated.
        u.unchecked.push(Unchecked {
            clause: h.clause.clone(),
            reason: "部分栏目本次未能读取，已读取的栏目均无近期更新".into(),
        });
    } else if home_stale {
        let mut evidence = Vec::new();
        if let Some(home) = &site.home {
            evidence.push(proof_page(input, home, "单位网站首页"));
        }
        let detail = match newest {
            Some(d) => {
                evidence.push(proof_doc(d, "全站最新文章", None));
                format!(
                    "全站最新文章《{}》发布于 {}，距检查日 {} 天",
                    title(d),
                    d.published.map(|p| p.to_string()).unwrap_or_default(),
                    d.published.map(age).unwrap_or_default()
                )
            }
            None => "全站没有注明发布日期的文章".into(),
        };
        u.vetoes.push(Finding {
            kind: FindingKind::HomeNotUpdated,
            clause: h.clause.clone(),
            group: format!("{} 天内首页（各栏目）无信息更新", h.max_age_days),
            detail,
            points: None,
            evidence,
            documents: Vec::new(),
            columns: Vec::new(),
        });
    }

    // 栏目不更新.
    let c = &rules.veto.columns_not_updated;
    let mut stale = Vec::new();
    let mut long = 0;
    let mut blank = Vec::new();
    for s in seen.iter().filter(|s| s.read) {
        if s.site.is_blank() || s.docs.is_empty() {
            blank.push(s);
            if c.limit(s.site.kind).is_some() {
                long += 1;
            }
            continue;
        }
        let Some(limit) = c.limit(s.site.kind) else {
            continue;
        };
        let newest = s.newest_date();
        if newest.is_none_or(|d| age(d) > limit) {
            stale.push((s, limit));
        }
        if newest.is_none_or(|d| age(d) > c.long_stale_days) {
            long += 1;
        }
    }
    let stale_count = stale.len()
        + blank
            .iter()
            .filter(|s| c.limit(s.site.kind).is_some())
            .count();
    let veto =
        stale_count >= c.stale_count || long >= c.long_stale_count || blank.len() >= c.blank_count;
    let column_page = |s: &Seen| {
        s.site
            .first_page()
            .map(|p| proof_page(input, p, &format!("“{}”栏目页", s.site.name)))
    };
    let stale_finding = |s: &Seen, limit: i64| {
        let mut evidence: Vec<Proof> = column_page(s).into_iter().collect();
        let detail = match s.newest {
            Some(d) => {
                evidence.push(proof_doc(d, "栏目最新文章", None));
                format!(
                    "最新文章发布于 {}，已 {} 天",
                    d.published.map(|p| p.to_string()).unwrap_or_default(),
                    d.published.map(age).unwrap_or_default()
                )
            }
            None => "栏目内文章均未注明发布日期".into(),
        };
        (
            format!(
                "“{}”栏目（{}类）超过 {limit} 天未更新",
                s.site.name, s.site.kind
            ),
            detail,
            evidence,
        )
    };
    if veto {
        let mut evidence = Vec::new();
        let mut parts = Vec::new();
        for (s, limit) in &stale {
            let (g, d, e) = stale_finding(s, *limit);
            parts.push(format!("{g}，{d}"));
            evidence.extend(e);
        }
        for s in &blank {
            parts.push(format!("“{}”栏目为空白栏目", s.site.name));
            evidence.extend(column_page(s));
        }
        u.vetoes.push(Finding {
            kind: FindingKind::ColumnsNotUpdated,
            clause: c.clause.clone(),
            group: format!(
                "未更新栏目 {stale_count} 个（否决线 {}），长期未更新 {long} 个（{}），空白栏目 {} 个（{}）",
                c.stale_count,
                c.long_stale_count,
                blank.len(),
                c.blank_count
            ),
            detail: parts.join("；"),
            points: None,
            evidence,
            documents: Vec::new(),
            columns: stale
                .iter()
                .map(|(s, _)| s)
                .chain(&blank)
                .map(|s| s.site.name.clone())
                .collect(),
        });
    } else {
        for (s, limit) in &stale {
            let (group, detail, evidence) = stale_finding(s, *limit);
            u.warnings.push(Finding {
                kind: FindingKind::StaleColumn,
                clause: format!("{}（未达否决数量）", c.clause),
                group,
                detail,
                points: None,
                evidence,
                documents: Vec::new(),
                columns: vec![s.site.name.clone()],
            });
        }
        for s in &blank {
            u.warnings.push(Finding {
                kind: FindingKind::BlankColumn,
                clause: format!("{}（未达否决数量）", c.clause),
                group: format!("“{}”栏目为空白栏目（有栏目无内容）", s.site.name),
                detail: String::new(),
                points: None,
                evidence: column_page(s).into_iter().collect(),
                documents: Vec::new(),
                columns: vec![s.site.name.clone()],
            });
        }
    }
    // Undated documents: not updated by the rule, and listed.
    let undated: Vec<&Document> = seen
        .iter()
        .filter(|s| s.read)
        .flat_map(|s| s.docs.iter().copied())
        .filter(|d| d.published.is_none())
        .collect();
    if !undated.is_empty() {
        u.warnings.push(Finding {
            kind: FindingKind::Undated,
            clause: h.clause.clone(),
            group: "有文章未注明发布日期（按检查指标视为未更新）".into(),
            detail: format!("{} 篇，如《{}》", undated.len(), title(undated[0])),
            points: None,
            evidence: undated
                .iter()
                .take(PROOFS)
                .map(|d| proof_doc(d, "未注明发布日期的文章", None))
                .collect(),
            documents: undated.iter().map(|d| d.url.clone()).collect(),
            columns: Vec::new(),
        });
    }
}

/// 互动回应差: in a 互动交流 column, a message of the last year unanswered (or answered) after
/// more than the limit.
pub fn interaction(input: &Inputs, _site: &UnitSite, seen: &[Seen], u: &mut UnitInspection) {
    let r = &input.rules.veto.interaction;
    let columns: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.site.kind == ColumnKind::Interaction)
        .collect();
    if columns.is_empty() {
        return;
    }
    let check = input.check_date;
    let mut late = Vec::new();
    let mut readable = false;
    for s in &columns {
        if !s.read {
            u.unchecked.push(Unchecked {
                clause: r.clause.clone(),
                reason: format!("“{}”栏目页本次未能读取", s.site.name),
            });
            continue;
        }
        for d in &s.docs {
            let Some(asked) = d.fields.get(&r.asked_field).and_then(|t| parse_date(t)) else {
                continue;
            };
            readable = true;
            if asked > check || (check - asked).num_days() > r.lookback_days {
                continue;
            }
            let answered = d.fields.get(&r.answered_field).and_then(|t| parse_date(t));
            let waited = (answered.unwrap_or(check) - asked).num_days();
            if waited > r.reply_within_days {
                late.push((*d, asked, answered, waited));
            }
        }
    }
    if !readable {
        u.unchecked.push(Unchecked {
            clause: r.clause.clone(),
            reason: format!("互动交流栏目的文章读不出“{}”", r.asked_field),
        });
        return;
    }
    if late.is_empty() {
        return;
    }
    let detail = late
        .iter()
        .take(PROOFS)
        .map(|(d, asked, answered, waited)| match answered {
            Some(a) => format!("《{}》{asked} 留言，{a} 才答复（{waited} 天）", title(d)),
            None => format!(
                "《{}》{asked} 留言，至检查日未答复（{waited} 天）",
                title(d)
            ),
        })
        .collect::<Vec<_>>()
        .join("；");
    u.vetoes.push(Finding {
        kind: FindingKind::Interaction,
        clause: r.clause.clone(),
        group: format!("有留言超过 {} 天未回应", r.reply_within_days),
        detail,
        points: None,
        evidence: late
            .iter()
            .take(PROOFS)
            .map(|(d, ..)| proof_doc(d, "未及时答复的留言", None))
            .collect(),
        documents: late.iter().map(|(d, ..)| d.url.clone()).collect(),
        columns: Vec::new(),
    });
}

/// 政策文件 documents missing a required field (索引号, 发布机构, 成文日期 …).
pub fn metadata(input: &Inputs, _site: &UnitSite, seen: &[Seen], u: &mut UnitInspection) {
    let m = &input.rules.deduction.metadata;
    let mut missing: Vec<(&Document, Vec<&str>)> = Vec::new();
    for s in seen
        .iter()
        .filter(|s| s.read && m.kinds.contains(&s.site.kind))
    {
        for d in &s.docs {
            let lacks: Vec<&str> = m
                .required
                .iter()
                .filter(|f| d.field(&f.field).is_none_or(|v| v.trim().is_empty()))
                .map(|f| f.label.as_str())
                .collect();
            if !lacks.is_empty() {
                missing.push((*d, lacks));
            }
        }
    }
    if missing.is_empty() {
        return;
    }
    let points = (missing.len() as f64 * m.points_per_document).min(m.cap);
    let detail = missing
        .iter()
        .take(PROOFS)
        .map(|(d, lacks)| format!("《{}》缺{}", title(d), lacks.join("、")))
        .collect::<Vec<_>>()
        .join("；");
    u.deductions.push(Finding {
        kind: FindingKind::Metadata,
        clause: m.clause.clone(),
        group: format!(
            "政策文件缺少{}等要素",
            m.required
                .iter()
                .map(|f| f.label.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ),
        detail: format!("{} 篇：{detail}", missing.len()),
        points: Some(points),
        evidence: missing
            .iter()
            .take(PROOFS)
            .map(|(d, _)| proof_doc(d, "要素不全的政策文件", None))
            .collect(),
        documents: missing.iter().map(|(d, _)| d.url.clone()).collect(),
        columns: Vec::new(),
    });
}
