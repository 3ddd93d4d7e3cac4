//! `govtrust score`: score every unit from the stored facts and print them.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use govtrust::config::{Kind, Project};
use govtrust::score::render::{score_command, Format, ScoreQuery};

use super::open_store;

pub fn score(
    config: &Path,
    store: &Path,
    kind: Option<String>,
    unit: Option<String>,
    format: &str,
) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let kind = match kind {
        Some(k) => Some(
            Kind::parse(&k)
                .with_context(|| format!("--kind {k:?}: expected township or department"))?,
        ),
        None => None,
    };
    let format: Format = format.parse()?;
    let store = open_store(store)?;
    let facts = store.facts()?.period_facts(&project.period.id)?;
    let out = score_command(&project, &facts, &ScoreQuery { kind, unit, format })?;
    print!("{out}");
    super::store::warn_skipped(&store);
    Ok(ExitCode::SUCCESS)
}
