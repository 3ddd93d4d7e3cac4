//! `govtrust check-config`: validate the whole configuration and say what it holds.

use std::path::Path;
use std::process::ExitCode;

use govtrust::config::{Kind, Project};

pub fn check_config(config: &Path) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    println!(
        "configuration OK: {} units ({} townships, {} departments), {} catalogs, period {} ({} – {})",
        project.roster.units.len(),
        project.roster.of_kind(Kind::Township).count(),
        project.roster.of_kind(Kind::Department).count(),
        project.catalogs.len(),
        project.period.id,
        project.period.start,
        project.period.end
    );
    Ok(ExitCode::SUCCESS)
}
