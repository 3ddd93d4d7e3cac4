//! `govtrust digest`: shows the change digest of a run (default: the latest digested run).

use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;

use govtrust::digest;

use super::open_store;

#[derive(clap::Args)]
pub struct DigestArgs {
    /// The run id (default: the latest run with a digest).
    #[arg(long)]
    pub run: Option<u64>,
    /// text (中文) or json.
    #[arg(long, default_value = "text")]
    pub format: String,
}

pub fn digest(store: &Path, args: DigestArgs) -> anyhow::Result<ExitCode> {
    if !matches!(args.format.as_str(), "text" | "json") {
        bail!("--format {:?}: expected text or json", args.format);
    }
    let store = open_store(store)?;
    let Some(d) = store.digest(args.run)? else {
        match args.run {
            Some(r) => {
                eprintln!("抓取 #{r} 没有变化摘要（摘要在 govtrust run / schedule 完成评分后生成）")
            }
            None => eprintln!("尚无变化摘要（摘要在 govtrust run / schedule 完成评分后生成）"),
        }
        return Ok(ExitCode::from(1));
    };
    match args.format.as_str() {
        "json" => println!("{}", serde_json::to_string_pretty(&d)?),
        _ => print!("{}", digest::render_text(&d)),
    }
    Ok(ExitCode::SUCCESS)
}
