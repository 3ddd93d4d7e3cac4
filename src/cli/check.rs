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
    if let Some(c) = &project.crawl {
        let lists: usize = c.sources.iter().map(|s| s.lists.len()).sum();
        let details: usize = c.sources.iter().map(|s| s.details.len()).sum();
        println!(
            "crawl OK: {} sources ({}), {lists} lists, {details} detail shapes, {} mapped hosts, platform presets: {}",
            c.sources.len(),
            c.sources
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            c.settings.resolve.len(),
            if c.presets.names().is_empty() {
                "none".to_string()
            } else {
                c.presets.names().join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
