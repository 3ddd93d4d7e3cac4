//! `govtrust demo` (the whole pipeline on the bundled simulated county) and `govtrust run`
//! (crawl → classify → score for a configuration).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::Utc;

use govtrust::config::Project;
use govtrust::demo::{self, DemoOptions};
use govtrust::score::render;
use govtrust::simweb::FaultProfile;

use super::open_store;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Output directory (its `store/` is recreated).
    #[arg(long, default_value = "out")]
    pub out: PathBuf,
    /// Sample submissions to import.
    #[arg(long, default_value = "samples/submissions")]
    pub samples: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Filler articles on the simulated portals.
    #[arg(long, default_value_t = 2000)]
    pub scale: u64,
    /// Fault profile of the simulated web: none, mild or harsh.
    #[arg(long, default_value = "none")]
    pub faults: FaultProfile,
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn demo(config: &Path, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let opts = DemoOptions {
        config: config.to_path_buf(),
        samples: args.samples,
        out: args.out.clone(),
        seed: args.seed,
        scale: args.scale,
        faults: args.faults,
    };
    println!("启动模拟县域网站（simweb，仅 127.0.0.1），导入样例填报，抓取、分类、评分……");
    let o = runtime()?.block_on(demo::run(opts))?;
    println!(
        "导入样例填报：{} 个文件，{} 个单位，{} 条数据",
        o.import.files.len(),
        o.import.units().len(),
        o.import.facts
    );
    for n in &o.earlier {
        super::crawl::print_run(&n.run);
    }
    super::crawl::print_run(&o.pipeline.run);
    let c = &o.pipeline.classify;
    println!(
        "分类 {} 篇文档：证据 {} 条（待分析师确认 {} 条），网络监测事实 {} 条",
        c.documents, c.evidence, c.candidates, c.facts
    );
    if !c.unresolved.is_empty() {
        println!(
            "通报中未能对应名册的名称 {} 个：{}",
            c.unresolved.len(),
            c.unresolved
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        );
    }
    if let Some(i) = &o.pipeline.health.inspection {
        let failing: Vec<&str> = i
            .failing()
            .map(|(id, _)| {
                o.pipeline
                    .board
                    .unit(id)
                    .map_or(id.as_str(), |u| u.short.as_str())
            })
            .collect();
        println!(
            "网站检查预测（检查日 {}）：不合格 {} 个单位{}（明细见 health.txt）",
            i.check_date,
            failing.len(),
            if failing.is_empty() {
                String::new()
            } else {
                format!("：{}", failing.join("、"))
            }
        );
    }
    println!();
    print!("{}", render::table(&o.pipeline.board));
    let (p, r) = o.eval.worst();
    println!("\n与模拟网站真值对比：最低精确率 {p:.3}，最低召回率 {r:.3}（明细见 accuracy.txt）");
    println!("结果已写入 {}：", args.out.display());
    for f in &o.files {
        println!("  {}", f.display());
    }
    println!("用时 {:.1} 秒", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn run(config: &Path, store: &Path, args: super::crawl::CrawlArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    let opts = super::crawl::options(args);
    let o = runtime()?.block_on(govtrust::pipeline::run(&project, &store, opts, Utc::now()))?;
    super::crawl::print_run(&o.run);
    println!(
        "分类：证据 {} 条（待确认 {}），网络监测事实 {} 条",
        o.classify.evidence, o.classify.candidates, o.classify.facts
    );
    print!("{}", render::table(&o.board));
    let d = &o.digest;
    let alerts = if project.settings.alerts.is_some() {
        format!(
            "提醒 {} 条，送达 {} 条消息，失败或未完成 {} 条",
            o.alerts.events.len(),
            o.alerts.deliveries.iter().filter(|x| x.ok).count(),
            o.alerts.pending + o.alerts.deliveries.iter().filter(|x| !x.ok).count()
        )
    } else {
        format!(
            "提醒 {} 条（未配置 [alerts]，未发送）",
            o.alerts.events.len()
        )
    };
    println!(
        "变化摘要（govtrust digest --run {}）：证据新增 {}、变化 {}、消失 {}，得分变动 {} 项；{alerts}",
        d.run,
        d.new_evidence.len(),
        d.changed_evidence.len(),
        d.gone_evidence.len(),
        d.score_moves.len(),
    );
    Ok(ExitCode::SUCCESS)
}
