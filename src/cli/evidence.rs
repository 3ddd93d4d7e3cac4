//! `govtrust classify`, `govtrust evidence list|show|confirm|reject` and `govtrust discrepancies`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;

use govtrust::config::Project;
use govtrust::evidence::model::{Decision, Status};
use govtrust::evidence::run::{classify_store, refresh_from_store};
use govtrust::store::evidence::EvidenceFilter;
use govtrust::store::Store;

use super::open_store;

#[derive(clap::Subcommand)]
pub enum EvidenceAction {
    /// List evidence, filtered.
    List {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        item: Option<String>,
        /// candidate, confirmed or rejected.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        rule: Option<String>,
    },
    /// Show one piece of evidence in full.
    Show { id: String },
    /// Confirm a candidate: it counts from now on.
    Confirm {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
    /// Reject a finding: it never counts.
    Reject {
        id: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
}

pub fn classify(config: &Path, store: &Path) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let o = classify_store(&project, &store, Utc::now())?;
    println!(
        "已分类 {} 篇文档：证据 {} 条（待确认 {}）；新增 {}，变化 {}，消失 {}，未变 {}",
        o.documents,
        o.evidence,
        o.candidates,
        o.changes.new.len(),
        o.changes.changed.len(),
        o.changes.gone.len(),
        o.changes.unchanged
    );
    println!("网络监测事实 {} 条，覆盖 {} 个单位", o.facts, o.units);
    if !o.unresolved.is_empty() {
        println!(
            "通报中未能对应到名册单位的名称（{} 个）：",
            o.unresolved.len()
        );
        for u in &o.unresolved {
            println!("  - {}（规则 {}，{}）", u.name, u.rule, u.url);
        }
    }
    for (url, why) in &o.unreadable {
        println!("  无法解析：{url}：{why}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn evidence(config: &Path, store: &Path, action: EvidenceAction) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let resolve_unit = |name: Option<String>| -> anyhow::Result<Option<String>> {
        Ok(match name {
            Some(n) => Some(project.roster.resolve(&n)?.id.clone()),
            None => None,
        })
    };
    match action {
        EvidenceAction::List {
            unit,
            item,
            status,
            rule,
        } => {
            let status = match status {
                Some(s) => Some(Status::parse(&s).with_context(|| {
                    format!("--status {s:?}: candidate, confirmed or rejected")
                })?),
                None => None,
            };
            let list = store.evidence_list(&EvidenceFilter {
                period: Some(project.period.id.clone()),
                unit: resolve_unit(unit)?,
                item,
                status,
                rule,
            })?;
            for e in &list {
                let unit = project
                    .roster
                    .get(&e.unit)
                    .map(|u| u.short.as_str())
                    .unwrap_or(&e.unit);
                println!(
                    "{}  {:<6} {:<5} {}  {}",
                    e.id,
                    unit,
                    e.item,
                    e.status.label(),
                    e.summary
                );
            }
            println!("共 {} 条", list.len());
        }
        EvidenceAction::Show { id } => {
            let e = store
                .evidence(&id)?
                .with_context(|| format!("no evidence {id}"))?;
            println!("{}", serde_json::to_string_pretty(&e)?);
        }
        EvidenceAction::Confirm { id, reason, by } => {
            decide(&project, &store, &id, Status::Confirmed, reason, by)?
        }
        EvidenceAction::Reject { id, reason, by } => {
            decide(&project, &store, &id, Status::Rejected, reason, by)?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records an analyst's decision and refreshes the web facts it feeds.
fn decide(
    project: &Project,
    store: &Store,
    id: &str,
    status: Status,
    why: String,
    by: Option<String>,
) -> anyhow::Result<()> {
    let by = govtrust::submit::manual::author(by.as_deref())
        .context("who decides: pass --by or set $USER")?;
    let now = Utc::now();
    let e = store
        .decide_evidence(id, status, Decision { by, at: now, why })?
        .with_context(|| format!("no evidence {id}"))?;
    let (facts, _) = refresh_from_store(project, store, now)?;
    println!(
        "{} → {}（{}）；网络监测事实已更新（{} 条）",
        e.id,
        e.status.label(),
        e.summary,
        facts
    );
    Ok(())
}

/// `govtrust eval --truth FILE`: precision and recall of the store's web findings against simweb's truth.
pub fn eval(config: &Path, store: &Path, truth: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let text = std::fs::read_to_string(truth)
        .with_context(|| format!("reading truth {}", truth.display()))?;
    let truth: govtrust::simweb::Truth = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a simweb truth file", truth.display()))?;
    let store = open_store(store)?;
    let report = govtrust::eval::evaluate(&project, &store, &truth, Utc::now())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    Ok(ExitCode::SUCCESS)
}
