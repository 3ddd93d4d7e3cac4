//! The `govtrust` command line: parses arguments, calls the library, prints, maps errors to exit
//! codes. Nothing here knows how a stage works.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use govtrust::config::Project;
use govtrust::simweb::{FaultProfile, SimOptions};

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
    /// Serve the simulated county web (simweb) on loopback until Ctrl-C (see docs/simweb.md).
    Simweb(SimwebArgs),
}

#[derive(clap::Args)]
struct SimwebArgs {
    /// Loopback address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8700")]
    listen: SocketAddr,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Filler articles spread over the portals' news columns.
    #[arg(long, default_value_t = 2000)]
    scale: u64,
    /// Night number (1 = the base web).
    #[arg(long, default_value_t = 1)]
    night: u32,
    /// Fault profile: none, mild or harsh.
    #[arg(long, default_value = "none")]
    faults: FaultProfile,
    /// Write the ground truth (JSON) here.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Append the request log (JSON lines) here.
    #[arg(long)]
    log: Option<PathBuf>,
    /// The roster of units.
    #[arg(long, default_value = govtrust::simweb::DEFAULT_ROSTER)]
    roster: PathBuf,
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
        Command::Simweb(args) => simweb(args),
    }
}

/// Serves simweb until Ctrl-C, writing the truth first when asked.
fn simweb(args: SimwebArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let opts = SimOptions {
            listen: args.listen,
            seed: args.seed,
            scale: args.scale,
            night: args.night,
            faults: args.faults,
            roster: None,
            roster_path: args.roster,
            log_file: args.log,
            ..SimOptions::default()
        };
        let handle = govtrust::simweb::start(opts).await?;
        if let Some(path) = &args.truth {
            let truth = handle.truth();
            let json = serde_json::to_vec_pretty(&truth)?;
            std::fs::write(path, json).map_err(|e| anyhow::anyhow!("cannot write truth {}: {e}", path.display()))?;
            println!("truth: {} ({} URLs)", path.display(), truth.urls.len());
        }
        let port = handle.addr().port();
        println!(
            "simweb listening on {} (seed {}, scale {}, night {}, faults {})",
            handle.addr(),
            args.seed,
            args.scale,
            args.night,
            args.faults.as_str()
        );
        for host in govtrust::simweb::Site::ALL.map(|s| s.host()) {
            println!("  http://{host}:{port}/   (curl --resolve {host}:{port}:127.0.0.1 http://{host}:{port}/)");
        }
        println!("Ctrl-C stops.");
        tokio::signal::ctrl_c().await?;
        handle.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
