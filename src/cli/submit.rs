//! Commands over submissions and facts: `template`, `import`, `facts`, `fact set|unset`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;

use govtrust::config::{Kind, Project};
use govtrust::submit::{self, manual, review, ImportError, TemplateFill};

use super::{open_store, FactAction};

pub fn template(
    config: &Path,
    kind: String,
    out: PathBuf,
    unit: Option<String>,
    contact: Option<String>,
) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let kind = Kind::parse(&kind)
        .with_context(|| format!("--kind {kind:?}: expected township or department"))?;
    let unit = match unit {
        Some(name) => {
            let u = project.roster.resolve(&name)?;
            anyhow::ensure!(
                u.kind == kind,
                "{} 是{}，不能用{}模板",
                u.name,
                u.kind.label(),
                kind.label()
            );
            Some(u.short.clone())
        }
        None => None,
    };
    let fill = TemplateFill {
        unit,
        contact,
        ..Default::default()
    };
    let rows = submit::write_template(&project, kind, &fill, &out)?;
    println!(
        "已生成 {}：{}填报表，{} 个填报项",
        out.display(),
        kind.label(),
        rows.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn import(config: &Path, store: &Path, files: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    match submit::import_files(&project, &store, &files, Utc::now()) {
        Ok(summary) => {
            for f in &summary.files {
                println!(
                    "{}: {} 个单位，{} 条数据（{} 行）",
                    f.file,
                    f.units.len(),
                    f.facts,
                    f.rows
                );
            }
            println!(
                "导入完成（批次 {}）：{} 个文件，{} 个单位，{} 条数据；替换此前填报 {} 条（已存入历史）",
                summary.import_id,
                summary.files.len(),
                summary.units().len(),
                summary.facts,
                summary.superseded
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Invalid(problems)) => {
            eprintln!("{} 处错误，未导入任何数据：", problems.len());
            for p in &problems {
                eprintln!("  - {p}");
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn facts(
    config: &Path,
    store: &Path,
    unit: String,
    item: Option<String>,
) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let r = review::review_unit(&project, &store, &unit, item.as_deref())?;
    print_review(&r);
    Ok(ExitCode::SUCCESS)
}

pub fn fact(config: &Path, store: &Path, action: FactAction) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let now = Utc::now();
    let rec = match action {
        FactAction::Set {
            unit,
            item,
            field,
            value,
            reason,
            by,
        } => {
            let by = manual::author(by.as_deref()).ok_or(manual::ManualError::NoAuthor)?;
            manual::set_manual(
                &project, &store, &unit, &item, &field, &value, &by, &reason, now,
            )?
        }
        FactAction::Unset {
            unit,
            item,
            field,
            reason,
            by,
        } => {
            let by = manual::author(by.as_deref()).ok_or(manual::ManualError::NoAuthor)?;
            manual::unset_manual(&project, &store, &unit, &item, &field, &by, &reason, now)?
        }
    };
    let what = match &rec.action {
        govtrust::store::facts::AuditAction::Set { value } => format!("设为 {value}"),
        govtrust::store::facts::AuditAction::Unset => "撤销人工值".to_string(),
    };
    let unit = project
        .roster
        .get(&rec.unit)
        .map(|u| u.short.as_str())
        .unwrap_or(&rec.unit);
    println!(
        "已记录（审计号 {}）：{unit} {}.{} {what}；操作人 {}，时间 {}，理由：{}",
        rec.id,
        rec.item,
        rec.field,
        rec.by,
        rec.at.format("%Y-%m-%d %H:%M:%S"),
        rec.reason
    );
    Ok(ExitCode::SUCCESS)
}

fn print_review(r: &review::UnitReview) {
    println!("{}（{}，{}）", r.unit.name, r.unit.id, r.unit.kind.label());
    let mut last_item = "";
    for f in &r.fields {
        if f.item != last_item {
            println!("{} {}", f.item, f.content);
            last_item = &f.item;
        }
        match &f.resolved {
            None => println!("  {}（{}）= —  缺失", f.field, f.label),
            Some(res) => {
                let mark = f.mark().map(|m| format!("  ⚠ {m}")).unwrap_or_default();
                println!(
                    "  {}（{}）= {}  {}{mark}",
                    f.field,
                    f.label,
                    res.used.value,
                    review::provenance_text(&res.used.provenance)
                );
                for o in &res.overridden {
                    println!(
                        "      被覆盖：{}  {}",
                        o.value,
                        review::provenance_text(&o.provenance)
                    );
                }
            }
        }
        for h in &f.history {
            println!(
                "      历史：{}  {}，{} 被替换",
                h.fact.value,
                review::provenance_text(&h.fact.provenance),
                h.superseded_at.format("%Y-%m-%d %H:%M")
            );
        }
    }
}
