//! The 扣分 items about links: links on the site's home and column pages that do not open
//! (the home's each, the other pages' by share), and attachments of its documents that do not
//! open. A link counts when the crawl has a record of its target (in scope and fetched).

use super::columns::{proof_page, PROOFS};
use super::report::{Finding, FindingKind, Proof, UnitInspection};
use super::sitemap::UnitSite;
use super::Inputs;
use crate::store::pages::Role;

/// Dead links among the links of the site's pages.
pub fn dead_links(input: &Inputs, site: &UnitSite, u: &mut UnitInspection) {
    let d = &input.rules.deduction.dead_links;
    let mut home_dead: Vec<(String, String, String)> = Vec::new();
    let (mut other_total, mut other_dead) = (0usize, Vec::new());
    let mut pages: Vec<(&str, bool)> = Vec::new();
    if let Some(h) = &site.home {
        pages.push((h.as_str(), true));
    }
    for c in &site.columns {
        pages.extend(c.pages.iter().map(|p| (p.as_str(), false)));
    }
    for (page, is_home) in pages {
        let Some(list) = input.lists.iter().find(|l| l.url == page) else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        for (link, _) in &list.items {
            let Some(link) = link.as_deref() else {
                continue;
            };
            if !seen.insert(link) {
                continue;
            }
            let Some(target) = input.pages.get(link) else {
                continue;
            };
            if target.role == Role::Attachment {
                continue;
            }
            let dead = input.dead(link);
            if is_home {
                if let Some(status) = dead {
                    home_dead.push((page.to_string(), link.to_string(), status));
                }
            } else {
                other_total += 1;
                if let Some(status) = dead {
                    other_dead.push((page.to_string(), link.to_string(), status));
                }
            }
        }
    }
    let share = other_dead.len() as f64 / other_total.max(1) as f64;
    let band = d
        .share_bands
        .iter()
        .find(|b| !other_dead.is_empty() && share >= b.at_least)
        .map_or(0.0, |b| b.points);
    let points = (home_dead.len() as f64 * d.home_link_points + band).min(d.cap);
    if home_dead.is_empty() && other_dead.is_empty() {
        return;
    }
    let mut evidence = Vec::new();
    for (page, link, status) in home_dead.iter().chain(&other_dead).take(PROOFS) {
        if !evidence.iter().any(|p: &Proof| &p.url == page) {
            evidence.push(proof_page(input, page, "含失效链接的页面"));
        }
        evidence.push(Proof {
            label: format!("失效链接（{status}）"),
            url: link.clone(),
            snapshot: None,
            date: Some(input.run.date),
            run: input.pages.get(link).map(|p| p.run),
        });
    }
    let mut parts = Vec::new();
    if !home_dead.is_empty() {
        parts.push(format!("首页 {} 个", home_dead.len()));
    }
    if !other_dead.is_empty() {
        parts.push(format!(
            "其他页面 {} / {} 个（{:.1}%）",
            other_dead.len(),
            other_total,
            share * 100.0
        ));
    }
    u.deductions.push(Finding {
        kind: FindingKind::DeadLinks,
        clause: d.clause.clone(),
        group: if other_dead.is_empty() {
            format!(
                "首页有不能正常访问的链接（每个扣 {} 分）",
                d.home_link_points
            )
        } else {
            "页面有不能正常访问的链接".into()
        },
        detail: parts.join("，"),
        points: Some(points),
        evidence,
        documents: home_dead
            .iter()
            .chain(&other_dead)
            .map(|(_, l, _)| l.clone())
            .collect(),
        columns: Vec::new(),
    });
}

/// Attachments of the site's documents that do not open.
pub fn attachments(input: &Inputs, site: &UnitSite, u: &mut UnitInspection) {
    let a = &input.rules.deduction.attachments;
    let mut broken = Vec::new();
    for c in &site.columns {
        for &i in &c.docs {
            let d = &input.docs[i];
            for att in &d.attachments {
                if input.pages.contains_key(&att.url) {
                    if let Some(status) = input.dead(&att.url) {
                        broken.push((d, att, status));
                    }
                }
            }
        }
    }
    if broken.is_empty() {
        return;
    }
    let points = (broken.len() as f64 * a.points_per_attachment).min(a.cap);
    let mut evidence = Vec::new();
    for (d, att, status) in broken.iter().take(PROOFS) {
        evidence.push(Proof {
            label: "附件所在文章".into(),
            url: d.url.clone(),
            snapshot: Some(d.snapshot.clone()).filter(|s| !s.is_empty()),
            date: d.published,
            run: None,
        });
        evidence.push(Proof {
            label: format!("附件无法打开（{status}）"),
            url: att.url.clone(),
            snapshot: None,
            date: Some(input.run.date),
            run: input.pages.get(&att.url).map(|p| p.run),
        });
    }
    u.deductions.push(Finding {
        kind: FindingKind::Attachments,
        clause: a.clause.clone(),
        group: format!(
            "文章附件不能正常下载（每个扣 {} 分）",
            a.points_per_attachment
        ),
        detail: broken
            .iter()
            .take(PROOFS)
            .map(|(d, att, status)| {
                format!(
                    "《{}》的附件“{}”（{status}）",
                    d.title.as_deref().unwrap_or(&d.url),
                    att.name
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
        points: Some(points),
        evidence,
        documents: broken.iter().map(|(_, att, _)| att.url.clone()).collect(),
        columns: Vec::new(),
    });
}
