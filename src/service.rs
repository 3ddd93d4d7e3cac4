//! The job slot of the long-running service (`govtrust serve`, `govtrust schedule`): one
//! pipeline run or report at a time over the process's one open store, started by the
//! schedule's ticks ([`crate::schedule::tick_loop`]) or by a request (`POST /api/runs`,
//! `POST /api/report`), with the running job's stage and crawl counts and the last jobs kept
//! for the overview page and `GET /api/service`.
//!
//! Jobs run on the runtime whose handle the service is given — in the binary a runtime of its
//! own, so the pipeline's CPU-bound stages (classification, inspection, scoring) never hold the
//! threads that answer requests. A job runs in a task of its own: a failure, even a panic, is a
//! failed job in the history, and the slot is free again. Once [`Shutdown`] is triggered no job
//! starts; a running crawl stops taking URLs and the job finishes what it has
//! ([`Runner::wait_idle`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Project;
use crate::crawl;
use crate::pipeline::{self, Stage};
use crate::report::archive::write_from_store;
use crate::schedule::{ScheduleOptions, Shutdown};
use crate::store::Store;

/// Finished jobs kept for the overview page.
const HISTORY: usize = 20;

/// Who started a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A tick of the schedule.
    Schedule,
    /// A request to the service (`POST /api/runs`, `POST /api/report`).
    Request,
}

impl Trigger {
    pub fn label(self) -> &'static str {
        match self {
            Trigger::Schedule => "定时",
            Trigger::Request => "手动",
        }
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// The pipeline (crawl → classify → inspect → score → digest → alerts), then the report
    /// when a report directory is set.
    Run,
    /// The report of the latest run, into the report directory.
    Report,
}

impl JobKind {
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Run => "监测运行",
            JobKind::Report => "生成报告",
        }
    }
}

/// Why a job was not started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    #[error("已有任务在进行：{kind}（{trigger}，任务 #{job}，开始于 {started}）", kind = .kind.label(), trigger = .trigger.label())]
    Running {
        job: u64,
        kind: JobKind,
        trigger: Trigger,
        started: String,
    },
    #[error("服务正在停止，不再开始新任务")]
    ShuttingDown,
    #[error("未配置报告目录（serve --report-dir 或 [schedule] report_dir）")]
    NoReportDir,
}

/// The stages in the order of [`Stage`], for the atomic stage cell.
const STAGES: [Stage; 7] = [
    Stage::Crawl,
    Stage::Classify,
    Stage::Inspect,
    Stage::Score,
    Stage::Digest,
    Stage::Alerts,
    Stage::Report,
];

fn stage_index(s: Stage) -> u8 {
    STAGES.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// The running job.
#[derive(Debug)]
struct Live {
    job: u64,
    kind: JobKind,
    trigger: Trigger,
    started_at: DateTime<Utc>,
    stage: AtomicU8,
    progress: Arc<crawl::Progress>,
}

/// The running job as the page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct LiveView {
    pub job: u64,
    pub kind: JobKind,
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub stage: Stage,
    pub stage_label: &'static str,
    /// The crawl run's id (0 until the crawl has begun or resumed it).
    pub run: u64,
    /// URLs the crawl handled in this job.
    pub pages_done: u64,
    /// URLs left in the frontier.
    pub queued: u64,
    pub errors: u64,
    pub bytes: u64,
}

/// A finished job.
#[derive(Debug, Clone, Serialize)]
pub struct Finished {
    pub job: u64,
    pub kind: JobKind,
    pub trigger: Trigger,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The crawl run it ran, or the run its report is of.
    pub run: Option<u64>,
    pub ok: bool,
    /// What it did, or why it failed.
    pub message: String,
}

/// The slot's state for `GET /api/service`.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceStatus {
    /// How the schedule reads, when the service runs one.
    pub schedule: Option<String>,
    /// The next tick, when the schedule is waiting for one.
    pub next_run: Option<DateTime<Utc>>,
    pub accepting: bool,
    pub current: Option<LiveView>,
    /// Newest first.
    pub history: Vec<Finished>,
}

#[derive(Default)]
struct State {
    current: Option<Arc<Live>>,
    history: VecDeque<Finished>,
    schedule: Option<String>,
    next_run: Option<DateTime<Utc>>,
}

/// A started job: await it for its outcome (the crawl run id, or the error).
pub struct Ticket {
    pub job: u64,
    handle: tokio::task::JoinHandle<Result<u64, String>>,
}

impl Ticket {
    pub async fn wait(self) -> Result<u64, String> {
        match self.handle.await {
            Ok(r) => r,
            Err(e) => Err(format!("the job was cancelled: {e}")),
        }
    }
}

/// The service's job slot.
pub struct Runner {
    project: Project,
    store: Store,
    opts: ScheduleOptions,
    shutdown: Shutdown,
    jobs: tokio::runtime::Handle,
    next_job: AtomicU64,
    state: Mutex<State>,
    idle: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("store", &self.store.path())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A slot running jobs on `jobs`, each run with `opts.crawl` (its `stop` replaced by the
    /// shutdown flag) and the report into `opts.report_dir`.
    pub fn new(
        project: Project,
        store: Store,
        opts: ScheduleOptions,
        shutdown: Shutdown,
        jobs: tokio::runtime::Handle,
    ) -> Arc<Runner> {
        Arc::new(Runner {
            project,
            store,
            opts,
            shutdown,
            jobs,
            next_job: AtomicU64::new(1),
            state: Mutex::new(State::default()),
            idle: tokio::sync::watch::channel(true).0,
        })
    }

    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain data, consistent after a panic in a holder.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the schedule says about itself, for the status.
    pub(crate) fn set_schedule(&self, describe: Option<String>, next: Option<DateTime<Utc>>) {
        let mut s = self.lock();
        s.schedule = describe;
        s.next_run = next;
    }

    /// Takes the slot for a job of `kind`, or says who has it.
    fn take(&self, kind: JobKind, trigger: Trigger) -> Result<Arc<Live>, Busy> {
        if self.shutdown.is_triggered() {
            return Err(Busy::ShuttingDown);
        }
        let mut s = self.lock();
        if let Some(c) = &s.current {
            return Err(Busy::Running {
                job: c.job,
                kind: c.kind,
                trigger: c.trigger,
                started: c.started_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            });
        }
        let live = Arc::new(Live {
            job: self.next_job.fetch_add(1, Ordering::Relaxed),
            kind,
            trigger,
            started_at: Utc::now(),
            stage: AtomicU8::new(stage_index(match kind {
                JobKind::Run => Stage::Crawl,
                JobKind::Report => Stage::Report,
            })),
            progress: Arc::default(),
        });
        s.current = Some(live.clone());
        self.idle.send_replace(false);
        Ok(live)
    }

    /// Frees the slot and keeps the job in the history.
    fn release(&self, live: &Live, run: Option<u64>, outcome: &Result<String, String>) {
        let mut s = self.lock();
        s.current = None;
        s.history.push_front(Finished {
            job: live.job,
            kind: live.kind,
            trigger: live.trigger,
            started_at: live.started_at,
            finished_at: Utc::now(),
            run,
            ok: outcome.is_ok(),
            message: match outcome {
                Ok(m) | Err(m) => m.clone(),
            },
        });
        s.history.truncate(HISTORY);
        drop(s);
        self.idle.send_replace(true);
    }

    /// Starts a pipeline run now, unless a job is going.
    pub fn start_run(self: &Arc<Self>, trigger: Trigger) -> Result<Ticket, Busy> {
        let live = self.take(JobKind::Run, trigger)?;
        let job = live.job;
        let me = self.clone();
        let handle = self.jobs.spawn(async move {
            let inner = {
                let (me, live) = (me.clone(), live.clone());
                tokio::spawn(async move { me.run_pipeline(&live).await })
            };
            let r = match inner.await {
                Ok(r) => r,
                Err(e) => Err(format!("the run panicked or was cancelled: {e}")),
            };
            let run = live.progress.run.load(Ordering::Relaxed);
            let outcome = r.as_ref().map(|(_, m)| m.clone()).map_err(Clone::clone);
            me.release(&live, (run > 0).then_some(run), &outcome);
            r.map(|(id, _)| id)
        });
        Ok(Ticket { job, handle })
    }

    /// Writes the report of the latest run into the report directory now, unless a job is
    /// going (a report taken during a crawl would mix two nights).
    pub fn start_report(self: &Arc<Self>, trigger: Trigger) -> Result<Ticket, Busy> {
        let dir = self.opts.report_dir.clone().ok_or(Busy::NoReportDir)?;
        let live = self.take(JobKind::Report, trigger)?;
        let job = live.job;
        let me = self.clone();
        let handle = self.jobs.spawn(async move {
            let (p, s) = (me.project.clone(), me.store.clone());
            let r = tokio::task::spawn_blocking(move || {
                let run = s.last_run().map_err(|e| e.to_string())?.map(|r| r.id);
                write_from_store(&p, &s, &dir, run, Utc::now())
                    .map(|w| (run, w.files))
                    .map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(format!("the report panicked: {e}")));
            let run = r.as_ref().ok().and_then(|(run, _)| *run);
            let outcome = r
                .as_ref()
                .map(|(_, f)| format!("报告已写入 {}", f.html.display()))
                .map_err(|e| format!("报告：{e}"));
            me.release(&live, run, &outcome);
            outcome.map(|_| run.unwrap_or(0))
        });
        Ok(Ticket { job, handle })
    }

    /// One pipeline run (and its report): the crawl run id and a one-line summary.
    async fn run_pipeline(&self, live: &Live) -> Result<(u64, String), String> {
        let mut crawl_opts = self.opts.crawl.clone();
        crawl_opts.stop = self.shutdown.flag();
        crawl_opts.live = Some(live.progress.clone());
        let set = |s: Stage| live.stage.store(stage_index(s), Ordering::Relaxed);
        let o = pipeline::run_observed(&self.project, &self.store, crawl_opts, Utc::now(), set)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            run = o.run.id,
            status = ?o.run.status,
            evidence = o.classify.evidence,
            new = o.digest.new_evidence.len(),
            changed = o.digest.changed_evidence.len(),
            gone = o.digest.gone_evidence.len(),
            score_moves = o.digest.score_moves.len(),
            alerts = o.alerts.events.len(),
            alerts_pending = o.alerts.pending,
            "pipeline run finished"
        );
        let mut msg = format!(
            "抓取 #{}（{}），证据 {} 条，新增 {}、变化 {}、消失 {}，告警 {} 条",
            o.run.id,
            match o.run.status {
                crate::store::runs::RunStatus::Complete => "已完成",
                crate::store::runs::RunStatus::Interrupted => "已中断，下次继续",
                crate::store::runs::RunStatus::Running => "进行中",
            },
            o.classify.evidence,
            o.digest.new_evidence.len(),
            o.digest.changed_evidence.len(),
            o.digest.gone_evidence.len(),
            o.alerts.events.len()
        );
        let id = o.run.id;
        if let Some(dir) = self.opts.report_dir.clone() {
            set(Stage::Report);
            let (p, s) = (self.project.clone(), self.store.clone());
            // Rendering the report is CPU work: keep it off the async workers.
            let files = tokio::task::spawn_blocking(move || {
                write_from_store(&p, &s, &dir, Some(id), Utc::now())
                    .map(|w| w.files)
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| format!("report: {e}"))?
            .map_err(|e| format!("report: {e}"))?;
            tracing::info!(html = %files.html.display(), xlsx = %files.xlsx.display(), "report written");
            msg.push_str(&format!("；报告已写入 {}", files.html.display()));
        }
        Ok((id, msg))
    }

    /// The running job, the last ones and the schedule.
    pub fn status(&self) -> ServiceStatus {
        let s = self.lock();
        ServiceStatus {
            schedule: s.schedule.clone(),
            next_run: s.next_run,
            accepting: !self.shutdown.is_triggered(),
            current: s.current.as_ref().map(|l| {
                let stage =
                    STAGES[(l.stage.load(Ordering::Relaxed) as usize).min(STAGES.len() - 1)];
                LiveView {
                    job: l.job,
                    kind: l.kind,
                    trigger: l.trigger,
                    started_at: l.started_at,
                    stage,
                    stage_label: stage.label(),
                    run: l.progress.run.load(Ordering::Relaxed),
                    pages_done: l.progress.done.load(Ordering::Relaxed),
                    queued: l.progress.queue.load(Ordering::Relaxed),
                    errors: l.progress.errors.load(Ordering::Relaxed),
                    bytes: l.progress.bytes.load(Ordering::Relaxed),
                }
            }),
            history: s.history.iter().cloned().collect(),
        }
    }

    /// Returns once no job is running.
    pub async fn wait_idle(&self) {
        let mut rx = self.idle.subscribe();
        let _ = rx.wait_for(|idle| *idle).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn runner(report_dir: Option<std::path::PathBuf>) -> (tempfile::TempDir, Arc<Runner>) {
        let project =
            Project::load(Path::new("crawl-config/simweb.toml")).unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
        // Default crawl options: no port for simweb's host map, so every run fails at once.
        let opts = ScheduleOptions {
            report_dir,
            ..ScheduleOptions::default()
        };
        let r = Runner::new(
            project,
            store,
            opts,
            Shutdown::new(),
            tokio::runtime::Handle::current(),
        );
        (dir, r)
    }

    // One thread: a started job does not run before the test yields, so the slot is
    // certainly taken when the second request comes.
    #[tokio::test(flavor = "current_thread")]
    async fn one_job_at_a_time_and_a_failed_one_frees_the_slot() {
        let (dir, r) = runner(Some(std::env::temp_dir().join("unused")));
        let first = r
            .start_run(Trigger::Request)
            .unwrap_or_else(|e| panic!("{e}"));
        let busy = r.start_run(Trigger::Schedule).err();
        assert!(
            matches!(
                busy,
                Some(Busy::Running {
                    kind: JobKind::Run,
                    trigger: Trigger::Request,
                    ..
                })
            ),
            "{busy:?}"
        );
        assert!(r.start_report(Trigger::Request).is_err());
        let live = r
            .status()
            .current
            .unwrap_or_else(|| panic!("no current job"));
        assert_eq!((live.job, live.stage), (first.job, Stage::Crawl));
        let outcome = first.wait().await;
        assert!(outcome.is_err(), "{outcome:?}");
        r.wait_idle().await;
        let s = r.status();
        assert!(s.current.is_none());
        assert_eq!(s.history.len(), 1);
        assert!(!s.history[0].ok);
        assert!(
            s.history[0].message.contains("port"),
            "{}",
            s.history[0].message
        );
        // Free again; after a shutdown nothing starts.
        let again = r
            .start_run(Trigger::Request)
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = again.wait().await;
        r.shutdown().trigger();
        assert_eq!(
            r.start_run(Trigger::Request).err(),
            Some(Busy::ShuttingDown)
        );
        drop(dir);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_report_needs_a_directory() {
        let (_dir, r) = runner(None);
        assert_eq!(
            r.start_report(Trigger::Request).err(),
            Some(Busy::NoReportDir)
        );
    }
}
