//! `govtrust simweb`: serve the simulated county web on loopback until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use govtrust::simweb::{FaultProfile, SimOptions};

#[derive(clap::Args)]
pub struct SimwebArgs {
    /// Loopback address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8700")]
    pub listen: SocketAddr,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Filler articles spread over the portals' news columns.
    #[arg(long, default_value_t = 2000)]
    pub scale: u64,
    /// Night number (1 = the base web).
    #[arg(long, default_value_t = 1)]
    pub night: u32,
    /// Fault profile: none, mild or harsh.
    #[arg(long, default_value = "none")]
    pub faults: FaultProfile,
    /// Write the ground truth (JSON) here.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Append the request log (JSON lines) here.
    #[arg(long)]
    pub log: Option<PathBuf>,
    /// The roster of units.
    #[arg(long, default_value = govtrust::simweb::DEFAULT_ROSTER)]
    pub roster: PathBuf,
    /// Milliseconds added before every response, as a network round trip would (loopback has
    /// none).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Counties served: 1 is today's county alone; each further county k is a variant from its
    /// own seed under hosts of its own (www.tongbai.c017.sim), with real portals' Crawl-delays.
    #[arg(long, default_value_t = 1)]
    pub counties: u32,
    /// Delay every response as a wide-area network and a real server would (30–800 ms, a long
    /// tail, slow hosts; deterministic per request), on top of --latency-ms.
    #[arg(long)]
    pub wan_latency: bool,
}

/// Serves simweb until Ctrl-C, writing the truth first when asked.
pub fn simweb(args: SimwebArgs) -> anyhow::Result<ExitCode> {
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
            latency: std::time::Duration::from_millis(args.latency_ms),
            counties: args.counties,
            wan_latency: args.wan_latency,
            ..SimOptions::default()
        };
        let handle = govtrust::simweb::start(opts).await?;
        if let Some(path) = &args.truth {
            let truth = handle.truth();
            let json = serde_json::to_vec_pretty(&truth)?;
            // Written beside and renamed into place: whoever waits for the file (a benchmark,
            // a script) never reads half of it.
            let tmp = path.with_extension("json.partial");
            std::fs::write(&tmp, json)
                .and_then(|()| std::fs::rename(&tmp, path))
                .map_err(|e| anyhow::anyhow!("cannot write truth {}: {e}", path.display()))?;
            println!("truth: {} ({} URLs)", path.display(), truth.urls.len());
        }
        let port = handle.addr().port();
        println!(
            "simweb listening on {} (seed {}, scale {}, night {}, faults {}, latency {} ms)",
            handle.addr(),
            args.seed,
            args.scale,
            args.night,
            args.faults.as_str(),
            args.latency_ms
        );
        for host in govtrust::simweb::Site::ALL.map(|s| s.host()) {
            println!("  http://{host}:{port}/   (curl --resolve {host}:{port}:127.0.0.1 http://{host}:{port}/)");
        }
        if args.counties > 1 {
            let hosts = |k: u32| {
                govtrust::simweb::Site::ALL
                    .map(|s| govtrust::simweb::province::county_host(s, k))
                    .join(" ")
            };
            println!(
                "  and counties 1 to {} under their own hosts ({} for county 1; the truth is county 0's){}",
                args.counties - 1,
                hosts(1),
                if args.wan_latency { ", every response delayed as on a wide-area network" } else { "" }
            );
        } else if args.wan_latency {
            println!("  every response delayed as on a wide-area network");
        }
        println!("Ctrl-C stops.");
        tokio::signal::ctrl_c().await?;
        handle.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}
