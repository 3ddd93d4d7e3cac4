//! `govtrust query`: documents and their evidence by unit, item, kind, source, status, date
//! range and keyword, printed as a table, JSON or CSV.

use std::path::Path;
use std::process::ExitCode;

use govtrust::config::Project;
use govtrust::query::{self, QueryParams};

use super::open_store;

/// Options of `govtrust query`.
#[derive(clap::Args)]
pub struct QueryArgs {
    /// Unit id, name or alias.
    #[arg(long)]
    pub unit: Option<String>,
    /// Indicator item (T5, D3, …): documents with evidence for it.
    #[arg(long)]
    pub item: Option<String>,
    /// article | record (documents), township | department (units).
    #[arg(long)]
    pub kind: Option<String>,
    /// Source id.
    #[arg(long)]
    pub source: Option<String>,
    /// Evidence status: candidate | confirmed | rejected.
    #[arg(long)]
    pub status: Option<String>,
    /// Published on or after (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Published on or before (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// Keyword(s) in title or body; every space-separated phrase must occur.
    #[arg(long)]
    pub text: Option<String>,
    /// table | json | csv.
    #[arg(long, default_value = "table")]
    pub format: String,
    /// At most this many documents, newest first.
    #[arg(long, default_value_t = query::DEFAULT_LIMIT)]
    pub limit: usize,
    /// Rebuild the document indexes from the stored documents first.
    #[arg(long)]
    pub reindex: bool,
}

pub fn query(config: &Path, store: &Path, a: QueryArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    if !matches!(a.format.as_str(), "table" | "json" | "csv") {
        anyhow::bail!("--format {:?}: use table, json or csv", a.format);
    }
    let params = QueryParams {
        unit: a.unit,
        item: a.item,
        kind: a.kind,
        source: a.source,
        status: a.status,
        from: a.from,
        to: a.to,
        text: a.text,
        limit: Some(a.limit),
    };
    let q = params.resolve(&project)?;
    let store = open_store(store)?;
    // Opening the search index builds it when it is missing, damaged or of an older schema.
    let search = govtrust::search::Search::of(&store)?;
    if a.reindex {
        let n = search.rebuild(&store)?;
        eprintln!("已重建文档索引：{n} 篇");
    }
    let result = query::run(&store, &q)?;
    let rows = query::flatten(&result, &q, |id| {
        project.roster.get(id).map(|u| u.short.clone())
    });
    let out = match a.format.as_str() {
        "json" => query::json(&rows, result.truncated)?,
        "csv" => query::csv(&rows)?,
        _ => query::table(&rows, result.truncated),
    };
    print!("{out}");
    super::store::warn_skipped(&store);
    Ok(ExitCode::SUCCESS)
}
