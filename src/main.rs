//! The `govtrust` command line: parses arguments, calls the library, prints, maps errors to exit
//! codes. Nothing here knows how a stage works; each command's glue lives in `src/cli/`.

mod cli;

/// jemalloc instead of glibc's malloc: the crawl allocates and frees a parse tree, strings and
/// records per page on every worker thread, and glibc's free lists cost it about a tenth of its
/// CPU (`_int_malloc`, `unlink_chunk` in profiles); peak memory is no higher.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::crawl::CrawlArgs;
use cli::simweb::SimwebArgs;

#[derive(Parser)]
#[command(
    name = "govtrust",
    version,
    about = "政务诚信监测评估：网络监测、评分与报告"
)]
pub struct Cli {
    /// The sled store directory.
    #[arg(long, global = true, env = "GOVTRUST_STORE", default_value = "./data")]
    store: PathBuf,
    /// The settings file (period, roster, catalogs, crawl settings).
    #[arg(
        long,
        global = true,
        env = "GOVTRUST_CONFIG",
        default_value = "crawl-config/simweb.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate all configuration: settings, roster, catalogs, sources, rules; exit 1 listing every problem.
    CheckConfig,
    /// The main job: the whole pipeline on the bundled simulated county, results in ./out.
    Demo(cli::pipeline::DemoArgs),
    /// Crawl → classify → score for the configuration.
    Run(CrawlArgs),
    /// Crawl the configured sources (or resume the unfinished run) into the store.
    Crawl(CrawlArgs),
    /// List crawl runs with their summaries.
    Runs,
    /// Serve the simulated county web (simweb) on loopback until Ctrl-C (see docs/simweb.md).
    Simweb(SimwebArgs),
    /// Write the fillable submission workbook (填报表) for one kind of unit.
    Template {
        /// township (乡镇) or department (县直单位).
        #[arg(long)]
        kind: String,
        #[arg(long)]
        out: PathBuf,
        /// Pre-fill the 单位 column with this unit (its own copy).
        #[arg(long)]
        unit: Option<String>,
        /// Where 佐证材料 go (shown in the instructions).
        #[arg(long)]
        contact: Option<String>,
    },
    /// Import submissions (.xlsx from the template, or CSV unit,indicator,field,value,note) all or nothing.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List a unit's facts with provenance, precedence and discrepancies.
    Facts {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        item: Option<String>,
    },
    /// Record or remove an analyst's decision on one field (audited).
    Fact {
        #[command(subcommand)]
        action: FactAction,
    },
    /// Re-run the evidence rules over the stored documents (no re-crawl) and refresh web facts.
    Classify,
    /// Query and review evidence.
    Evidence {
        #[command(subcommand)]
        action: cli::evidence::EvidenceAction,
    },
    /// Show what changed in a run against the previous one: evidence and scores (中文 or JSON).
    Digest(cli::digest::DigestArgs),
    /// Run the pipeline on the `[schedule]` cron (default 02:00 Asia/Shanghai) until SIGTERM.
    Schedule(cli::schedule::ScheduleArgs),
    /// Export snapshots as WARC/1.1, or evidence and scores as jsonl, csv or xlsx.
    Export {
        #[command(subcommand)]
        action: cli::export::ExportAction,
    },
    /// Compare the store's web findings with simweb's ground truth: precision, recall, score differences.
    Eval {
        #[arg(long)]
        truth: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write the evaluation report (HTML, XLSX, Markdown, archived snapshots) from the store.
    Report {
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// The crawl run it reports on (default: the latest).
        #[arg(long)]
        run: Option<u64>,
    },
    /// Website health of a run: the inspection of every unit's site (grouped) and dead links.
    Health {
        #[arg(long)]
        run: Option<u64>,
    },
    /// Predicted website inspection per unit under the national 检查指标: 合格 / 不合格, veto items, deductions, evidence.
    Inspect(cli::report::InspectArgs),
    /// List submitted values that the web contradicts.
    Discrepancies {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Score every unit from the stored facts and print the score sheets.
    Score {
        /// township or department.
        #[arg(long)]
        kind: Option<String>,
        /// One unit (id, name or alias): prints its full sheet.
        #[arg(long)]
        unit: Option<String>,
        /// table, json or csv.
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// Search documents and their evidence (unit, item, kind, source, status, dates, keyword).
    Query(cli::query::QueryArgs),
    /// Serve the JSON API and the analyst pages (loopback by default).
    Serve(cli::serve::ServeArgs),
    /// Source tooling: test a source definition on live or saved pages; suggest one for a site.
    Source {
        #[command(subcommand)]
        action: cli::source::SourceAction,
    },
    /// Store care: verify every tree, compact the value log, back the store up.
    Store {
        #[command(subcommand)]
        action: cli::store::StoreAction,
    },
}

#[derive(Subcommand)]
pub enum FactAction {
    /// Set a field's value; it overrides web and submitted values.
    Set {
        unit: String,
        item: String,
        field: String,
        value: String,
        #[arg(long)]
        reason: String,
        /// Who decides (default: the OS user).
        #[arg(long)]
        by: Option<String>,
    },
    /// Remove the manual value of a field.
    Unset {
        unit: String,
        item: String,
        field: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        by: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message before it
/// already ends with (many of our errors name their source in their own text as well).
fn error_chain(e: &anyhow::Error) -> String {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.ends_with(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let (config, store) = (cli.config.as_path(), cli.store.as_path());
    let long_running = matches!(
        cli.command,
        Command::Crawl(_)
            | Command::Run(_)
            | Command::Demo(_)
            | Command::Schedule(_)
            | Command::Serve(_)
            | Command::Simweb(_)
    );
    cli::init_logging(if long_running { "info" } else { "warn" });
    match cli.command {
        Command::CheckConfig => cli::check::check_config(config),
        Command::Demo(args) => cli::pipeline::demo(config, args),
        Command::Run(args) => cli::pipeline::run(config, store, args),
        Command::Crawl(args) => cli::crawl::crawl(config, store, args),
        Command::Runs => cli::crawl::runs(store),
        Command::Simweb(args) => cli::simweb::simweb(args),
        Command::Template {
            kind,
            out,
            unit,
            contact,
        } => cli::submit::template(config, kind, out, unit, contact),
        Command::Import { files } => cli::submit::import(config, store, files),
        Command::Facts { unit, item } => cli::submit::facts(config, store, unit, item),
        Command::Fact { action } => cli::submit::fact(config, store, action),
        Command::Classify => cli::evidence::classify(config, store),
        Command::Evidence { action } => cli::evidence::evidence(config, store, action),
        Command::Digest(args) => cli::digest::digest(store, args),
        Command::Schedule(args) => cli::schedule::schedule(config, store, args),
        Command::Export { action } => cli::export::export(config, store, action),
        Command::Eval { truth, json } => cli::evidence::eval(config, store, &truth, json),
        Command::Report { out, run } => cli::report::report(config, store, out, run),
        Command::Health { run } => cli::report::health(config, store, run),
        Command::Inspect(args) => cli::report::inspect(config, store, args),
        Command::Discrepancies { unit, json } => {
            cli::report::discrepancies(config, store, unit, json)
        }
        Command::Score { kind, unit, format } => {
            cli::score::score(config, store, kind, unit, &format)
        }
        Command::Query(args) => cli::query::query(config, store, args),
        Command::Serve(args) => cli::serve::serve(config, store, args),
        Command::Store { action } => cli::store::store(store, action),
        Command::Source { action } => cli::source::source(config, action),
    }
}
