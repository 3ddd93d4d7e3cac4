//! Query latency on a large store: builds a store of synthetic documents (default 1,000,000;
//! `GOVTRUST_BENCH_DOCS` overrides) through the store API in a temp dir — 50 units, three years
//! of dates, Chinese titles and bodies from a deterministic generator (`GOVTRUST_BENCH_BODY`
//! sentences per body, default 1: about 40 characters; 5 gives about 200) plus 5,000 pieces of
//! evidence — then indexes them through the production path (the `doc_unindexed` queue drained
//! by `Search::index_pending`, with a larger writer heap), then runs 250 queries (unit + date
//! range, item, keyword, keyword + unit, keyword with highlighting) twice, as the store was
//! opened and again, and prints median and p95 latency, overall and per kind, with the index's
//! size and build time. `GOVTRUST_BENCH_STORE=DIR` keeps the built store in DIR and, when DIR
//! already holds one, skips building (queries only).
//!
//! [`measure`] does all of it and returns the second pass's figures, so another bench can print
//! them beside its own: `#[path = "query.rs"] mod query;`.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use govtrust::config::Project;
use govtrust::evidence::classify::Coverage;
use govtrust::evidence::model::{DocRef, Evidence, Finding, Status};
use govtrust::evidence::run::doc_input;
use govtrust::extract::{Document, DocumentKind};
use govtrust::query::{self, Query};
use govtrust::search::Search;
use govtrust::store::Store;

/// splitmix64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
}

const TOPICS: &[&str] = &[
    "诚信教育",
    "政务公开",
    "行政处罚",
    "行政许可",
    "双公示",
    "信用承诺",
    "营商环境",
    "政府采购",
    "招商引资",
    "依申请公开",
    "信用修复",
    "乡村振兴",
    "安全生产",
    "防汛抗旱",
    "人居环境整治",
    "政务服务",
    "权责清单",
    "失信被执行人",
    "合同履约",
    "社会信用体系建设",
];

const TITLES: &[&str] = &[
    "关于开展{t}工作的通知",
    "{u}召开{t}专题会议",
    "{u}{t}工作动态",
    "关于{t}情况的通报",
    "{u}扎实推进{t}",
    "{u}关于{t}的实施方案",
    "{t}政策解读",
    "{u}{t}工作总结",
];

const SENTENCES: &[&str] = &[
    "为深入贯彻落实上级关于{t}的决策部署，{u}结合实际制定本方案。",
    "{u}主要负责同志主持会议，对{t}工作进行再部署、再落实。",
    "会议强调，要把{t}作为优化营商环境的重要抓手，压实责任。",
    "各村（社区）要高度重视，按时报送{t}工作进展情况。",
    "下一步，{u}将持续加强{t}，推动政务诚信建设走深走实。",
    "本次检查共发现问题十二个，已责令相关单位限期整改到位。",
    "全年累计公开政府信息三百余条，办理依申请公开事项八件。",
    "{u}组织干部职工开展{t}集中学习，营造守信践诺的良好氛围。",
];

fn fill(s: &str, unit: &str, topic: &str) -> String {
    s.replace("{u}", unit).replace("{t}", topic)
}

fn document(rng: &mut Rng, n: u64, units: &[(String, String)], sentences: usize) -> Document {
    let (unit_id, unit_name) = rng.pick(units);
    let topic = rng.pick(TOPICS);
    let title = fill(rng.pick::<&str>(TITLES), unit_name, topic);
    let mut body = String::new();
    for _ in 0..sentences {
        body.push_str(&fill(
            rng.pick::<&str>(SENTENCES),
            unit_name,
            rng.pick::<&str>(TOPICS),
        ));
    }
    let start = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default();
    let published = start + chrono::Days::new(rng.next() % (3 * 365));
    let source = ["portal", "city", "credit"][(n % 3) as usize];
    let id = Document::id_for(source, &format!("doc-{n}"));
    Document {
        url: format!("http://www.tongbai.sim/{unit_id}/{n}.html"),
        page_url: format!("http://www.tongbai.sim/{unit_id}/{n}.html"),
        id,
        source: source.to_string(),
        list: Some("通知公告".into()),
        kind: if n % 10 == 0 {
            DocumentKind::Record
        } else {
            DocumentKind::Article
        },
        snapshot: format!("{:064x}", n),
        title: Some(title),
        published: Some(published),
        publisher: Some(unit_name.clone()),
        index_no: None,
        doc_no: None,
        body,
        attachments: vec![],
        unit: Some(unit_id.clone()),
        unit_basis: None,
        fields: Default::default(),
        run: 1,
        extracted_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// What [`measure`] found: the build, the index, and the second pass's latencies.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct QueryFigures {
    pub docs: usize,
    /// Writing the documents and evidence to the store (`None`: a kept store was reused).
    pub store_build: Option<Duration>,
    /// Draining the queue into the search index (`None`: nothing was queued).
    pub index_build: Option<Duration>,
    pub index_bytes: u64,
    pub median: Duration,
    pub p95: Duration,
    /// (kind, median, p95), kinds in name order.
    pub by_kind: Vec<(&'static str, Duration, Duration)>,
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Builds (or reuses, `GOVTRUST_BENCH_STORE`) a store of `docs` documents, indexes it, runs the
/// query mix twice and prints both passes; returns the figures of the second.
pub fn measure(docs: usize) -> BenchResult<QueryFigures> {
    let sentences: usize = std::env::var("GOVTRUST_BENCH_BODY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let project = Project::load(Path::new("crawl-config/simweb.toml"))?;
    let units: Vec<(String, String)> = project
        .roster
        .units
        .iter()
        .map(|u| (u.id.clone(), u.short.clone()))
        .collect();
    let temp = tempfile::tempdir()?;
    let kept_dir = std::env::var_os("GOVTRUST_BENCH_STORE").map(std::path::PathBuf::from);
    let reuse = kept_dir.as_ref().is_some_and(|d| d.join("conf").exists());
    let dir = kept_dir.as_deref().unwrap_or(temp.path());
    let items = ["T1", "T5", "T14", "D3", "D7", "D13"];
    let store_build = if reuse {
        None
    } else {
        Some(build(
            dir,
            &project,
            &units,
            docs as u64,
            sentences,
            &items,
        )?)
    };
    let store = Store::open(dir)?;
    if reuse {
        println!("store: reusing {}", store.path().display());
        // A kept store may predate the evidence indexes: their one-time build is an upgrade,
        // not query latency.
        store.ensure_evidence_indexes()?;
    }
    // The production indexing path, with a bulk load's writer heap. Opening the index builds
    // it when the kept store has none (or an older one).
    let t = Instant::now();
    let search = Search::of_with_heap(&store, 1 << 30)?;
    let opened = t.elapsed();
    let t = Instant::now();
    let indexed = search.index_pending(&store)?;
    let drained = t.elapsed();
    let index_build = (indexed > 0 || opened > Duration::from_secs(1)).then_some(opened + drained);
    let index_bytes = search.disk_bytes();
    println!(
        "search index: {} documents, {:.1} MB on disk, {}",
        search.len(),
        index_bytes as f64 / 1e6,
        match index_build {
            Some(d) => format!("built in {d:.1?} ({indexed} from the queue)"),
            None => "already built".to_string(),
        }
    );
    let queries = queries(&units, &items);
    println!("first pass (cache as the store was opened):");
    run_queries(&store, &queries)?;
    println!("second pass (the same queries again):");
    let (median, p95, by_kind) = run_queries(&store, &queries)?;
    Ok(QueryFigures {
        docs,
        store_build,
        index_build,
        index_bytes,
        median,
        p95,
        by_kind,
    })
}

#[allow(dead_code)]
fn main() -> BenchResult<()> {
    let total: usize = std::env::var("GOVTRUST_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let f = measure(total)?;
    println!(
        "query p95 at {} documents: {:.2?} (target < 20 ms)",
        f.docs, f.p95
    );
    Ok(())
}

/// Resident memory of this process (kB), for the build's progress lines.
fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn build(
    dir: &Path,
    project: &Project,
    units: &[(String, String)],
    total: u64,
    sentences: usize,
    items: &[&str],
) -> BenchResult<Duration> {
    let mut rng = Rng(42);
    let build = Instant::now();
    let mut store = Store::open(dir)?;
    // The index exists (empty) before the documents, so they reach it as the crawl's do:
    // queued by each write, drained by `index_pending` (in `measure`).
    Search::of(&store)?;
    let mut batch = Vec::with_capacity(500);
    let mut kept: Vec<Document> = Vec::new();
    let mut chars = 0usize;
    for n in 0..total {
        let d = document(&mut rng, n, units, sentences);
        chars += d.body.chars().count();
        if n % 200 == 0 && kept.len() < 5000 {
            kept.push(d.clone());
        }
        batch.push(d);
        if batch.len() == 500 {
            store.put_documents(&batch)?;
            batch.clear();
        }
        if n > 0 && n % 100_000 == 0 {
            eprintln!(
                "  {n} documents in {:.0?}, RSS {} MB",
                build.elapsed(),
                rss_kb() / 1024
            );
            // sled keeps memory it took for a bulk load until the database is closed (a
            // million-document load once reached 24 GB): closing and reopening bounds it.
            store.flush()?;
            drop(store);
            store = Store::open(dir)?;
        }
    }
    store.put_documents(&batch)?;
    let evidence: Vec<Evidence> = kept
        .iter()
        .enumerate()
        .map(|(i, d)| Evidence {
            id: format!("ev-{i}"),
            period: project.period.id.clone(),
            unit: d.unit.clone().unwrap_or_default(),
            item: items[i % items.len()].to_string(),
            rule: "bench".into(),
            finding: Finding::Activity {
                title: d.title.clone().unwrap_or_default(),
            },
            document: DocRef::from(&doc_input(d)),
            snapshot: d.snapshot.clone(),
            fetched_at: None,
            status: if i % 3 == 0 {
                Status::Candidate
            } else {
                Status::Confirmed
            },
            decision: None,
            summary: "基准测试证据".into(),
        })
        .collect();
    store.replace_evidence(&project.period.id, &evidence, &Coverage::default(), &[])?;
    store.flush()?;
    println!(
        "store: {total} documents (bodies ~{} characters), {} evidence, built in {:.1?}",
        chars / total.max(1) as usize,
        evidence.len(),
        build.elapsed()
    );
    Ok(build.elapsed())
}

fn queries(units: &[(String, String)], items: &[&str]) -> Vec<(&'static str, Query)> {
    let mut qs: Vec<(&str, Query)> = Vec::new();
    let mut rng = Rng(7);
    let day =
        |n: u64| NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default() + chrono::Days::new(n);
    for i in 0..250 {
        let unit = rng.pick(units).0.clone();
        let start = rng.next() % (3 * 365 - 90);
        let q = match i % 5 {
            0 => (
                "unit+dates",
                Query {
                    unit: Some(unit),
                    from: Some(day(start)),
                    to: Some(day(start + 90)),
                    ..Query::default()
                },
            ),
            1 => (
                "item",
                Query {
                    item: Some(rng.pick(items).to_string()),
                    ..Query::default()
                },
            ),
            2 => (
                "keyword",
                Query {
                    text: Some(rng.pick(TOPICS).to_string()),
                    highlight: false,
                    ..Query::default()
                },
            ),
            3 => (
                "keyword+unit",
                Query {
                    unit: Some(unit),
                    text: Some(rng.pick(TOPICS).to_string()),
                    highlight: false,
                    ..Query::default()
                },
            ),
            _ => (
                "keyword+hl",
                Query {
                    text: Some(rng.pick(TOPICS).to_string()),
                    ..Query::default()
                },
            ),
        };
        qs.push(q);
    }
    qs
}

type Latencies = (Duration, Duration, Vec<(&'static str, Duration, Duration)>);

fn run_queries(store: &Store, qs: &[(&'static str, Query)]) -> BenchResult<Latencies> {
    let mut all = Vec::new();
    let mut by_kind: std::collections::BTreeMap<&'static str, Vec<Duration>> = Default::default();
    let (mut rows, mut marked) = (0usize, 0usize);
    for (kind, q) in qs {
        let t = Instant::now();
        let r = query::run(store, q)?;
        let dt = t.elapsed();
        rows += r.rows.len();
        marked += r.rows.iter().filter(|r| r.highlight.is_some()).count();
        all.push(dt);
        by_kind.entry(kind).or_default().push(dt);
    }
    all.sort();
    println!(
        "query: {} queries, {} rows ({} highlighted; limit {}), median {:.2?}, p95 {:.2?}, max {:.2?}",
        all.len(),
        rows,
        marked,
        query::DEFAULT_LIMIT,
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        all[all.len() - 1]
    );
    let mut kinds = Vec::new();
    for (kind, mut ts) in by_kind {
        ts.sort();
        let (m, p) = (percentile(&ts, 0.5), percentile(&ts, 0.95));
        println!("  {kind:<13} median {m:.2?}, p95 {p:.2?}");
        kinds.push((kind, m, p));
    }
    Ok((percentile(&all, 0.5), percentile(&all, 0.95), kinds))
}
