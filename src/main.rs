//! The `govtrust` command line: parses arguments, calls the library, prints, maps errors to exit
//! codes. Nothing here knows how a stage works.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use govtrust::config::Project;

#[derive(Parser)]
#[command(
    name = "govtrust",
    version,
    about = "政务诚信监测评估：网络监测、评分与报告"
)]
struct Cli {
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
    /// Validate all configuration: settings, roster, catalogs; exit 1 listing every problem.
    CheckConfig,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::CheckConfig => {
            let project = Project::load(&cli.config)?;
            println!(
                "configuration OK: {} units ({} townships, {} departments), {} catalogs, period {} ({} – {})",
                project.roster.units.len(),
                project.roster.of_kind(govtrust::config::Kind::Township).count(),
                project.roster.of_kind(govtrust::config::Kind::Department).count(),
                project.catalogs.len(),
                project.period.id,
                project.period.start,
                project.period.end
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
