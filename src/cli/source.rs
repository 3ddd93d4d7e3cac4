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
use govtrust::sourcetool::suggest::{suggest, SuggestOptions};
use govtrust::sourcetool::test::{test, TestOptions};
use govtrust::sourcetool::web::{host_map, Web};
use govtrust::sourcetool::{render, SourceToolError};

#[derive(clap::Subcommand)]
pub enum SourceAction {
    /// Show what each list and detail of a source file yields: items, pages, requests, fields and the probe behind each.
    Test(TestArgs),
    /// Write a source definition for a site from its home page (and list endpoints it does not link): platform, columns, pagination, detail probes, unit.
    Suggest(SuggestArgs),
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    /// The home page, then any list endpoint the home page does not link.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// The source's name (default: from the host).
    #[arg(long)]
    pub name: Option<String>,
    /// The roster unit the whole site belongs to (a township's or a bureau's own site).
    #[arg(long)]
    pub unit: Option<String>,
    /// Port for every host-map entry configured with port 0 (a simweb on any port).
    #[arg(long)]
    pub resolve_port: Option<u16>,
    /// Extra host-map entries, `HOST=IP:PORT` (like curl --resolve).
    #[arg(long = "resolve", value_parser = super::crawl::parse_resolve)]
    pub resolve: Vec<(String, SocketAddr)>,
    /// Index pages sampled at most.
    #[arg(long, default_value_t = 80)]
    pub max_pages: usize,
    /// Write the definition here instead of to stdout.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
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
        SourceAction::Suggest(args) => suggest_cmd(config, args),
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

fn suggest_cmd(config: &Path, args: SuggestArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let crawl = project
        .crawl
        .clone()
        .ok_or_else(|| SourceToolError::NoCrawl(config.display().to_string()))?;
    if let Some(u) = &args.unit {
        if project.roster.get(u).is_none() {
            anyhow::bail!("--unit {u:?} 不是名册中的单位 id");
        }
    }
    let urls = parse_urls(&args.urls)?;
    let map = host_map(&crawl, args.resolve_port, &args.resolve);
    let web = Web::live(Arc::new(crawl), &map)?;
    let opts = SuggestOptions {
        urls,
        name: args.name,
        unit: args.unit,
        max_pages: args.max_pages,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    let s = rt.block_on(suggest(&project, &web, &opts))?;
    for l in &s.log {
        eprintln!("{l}");
    }
    eprintln!("共发出 {} 个请求", web.requests());
    match &args.out {
        Some(path) => {
            std::fs::write(path, &s.toml).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "已写入 {}（来源 {}）；下一步：govtrust source test {}",
                path.display(),
                s.name,
                path.display()
            );
        }
        None => print!("{}", s.toml),
    }
    Ok(ExitCode::SUCCESS)
}
