//! `govtrust source test` and `govtrust source suggest`: the source tooling
//! (`govtrust::sourcetool`) behind the command line — options, configuration, the runtime the
//! fetches run on, printing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use url::Url;

use govtrust::config::{Project, Source};
use govtrust::sourcetool::test::{test, TestOptions};
use govtrust::sourcetool::web::{host_map, Web};
use govtrust::sourcetool::{render, SourceToolError};

#[derive(clap::Subcommand)]
pub enum SourceAction {
    /// Show what each list and detail of a source file yields: items, pages, requests, fields and the probe behind each.
    Test(TestArgs),
}

#[derive(clap::Args)]
pub struct TestArgs {
    /// The source definition (sources/*.toml).
    pub file: PathBuf,
    /// Test this page (repeatable); default: walk the definition from its entries.
    #[arg(long = "url")]
    pub urls: Vec<String>,
    /// A saved page for the --url at the same position (repeatable): nothing is fetched.
    #[arg(long = "page")]
    pub pages: Vec<PathBuf>,
    /// Port for every host-map entry configured with port 0 (a simweb on any port).
    #[arg(long)]
    pub resolve_port: Option<u16>,
    /// Extra host-map entries, `HOST=IP:PORT` (like curl --resolve).
    #[arg(long = "resolve", value_parser = super::crawl::parse_resolve)]
    pub resolve: Vec<(String, SocketAddr)>,
    /// Items listed per list page.
    #[arg(long, default_value_t = 10)]
    pub items: usize,
    /// The most pages a walk fetches.
    #[arg(long, default_value_t = 40)]
    pub max_pages: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn source(config: &Path, action: SourceAction) -> anyhow::Result<ExitCode> {
    match action {
        SourceAction::Test(args) => test_cmd(config, args),
    }
}

fn parse_urls(urls: &[String]) -> Result<Vec<Url>, SourceToolError> {
    urls.iter()
        .map(|u| Url::parse(u).map_err(|e| SourceToolError::BadUrl(u.clone(), e.to_string())))
        .collect()
}

fn test_cmd(config: &Path, args: TestArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let mut crawl = project
        .crawl
        .clone()
        .ok_or_else(|| SourceToolError::NoCrawl(config.display().to_string()))?;
    let source = Source::load_with(&args.file, &project.roster, &crawl.presets)?;
    let urls = parse_urls(&args.urls)?;
    // The source's own politeness applies to its hosts, as when the settings list it.
    crawl.sources.retain(|s| s.name != source.name);
    crawl.sources.push(source.clone());
    let web = if args.pages.is_empty() {
        let map = host_map(&crawl, args.resolve_port, &args.resolve);
        Web::live(Arc::new(crawl), &map)?
    } else {
        if args.pages.len() != urls.len() {
            return Err(SourceToolError::PagesWithoutUrls(args.pages.len(), urls.len()).into());
        }
        for p in &args.pages {
            if !p.is_file() {
                return Err(SourceToolError::SavedPage(
                    p.display().to_string(),
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                )
                .into());
            }
        }
        Web::saved(
            urls.iter()
                .cloned()
                .zip(args.pages.iter().cloned())
                .collect(),
            &crawl,
        )
    };
    let opts = TestOptions {
        urls,
        max_pages: args.max_pages,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let report = rt.block_on(test(&project, &source, &web, &opts));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render::text(&report, args.items));
    }
    Ok(if report.problems == 0 && !report.pages.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
