//! The nightly schedule behind `govtrust schedule` and `govtrust serve --schedule`: a
//! long-running loop that runs the pipeline (crawl → classify → score → digest → alerts, then
//! the report when a report directory is set) in the service's job slot ([`crate::service`])
//! at the ticks of a [`Plan`] — a cron expression of the `[schedule]` settings read in a fixed
//! UTC offset (see `src/config/schedule.rs`), or a fixed interval for tests and trials.
//!
//! Rules of the loop:
//! - never two runs at once: a tick starts a run only in a free job slot, and waits for it;
//!   a tick that finds a job started by a request going is skipped;
//! - a run that overruns one or more ticks makes them be **skipped** (logged with their count);
//!   the next run is at the first tick after the overrunning run finished;
//! - a failed run (an error, or even a panic in it) is logged and counted, and the next tick
//!   comes as usual;
//! - [`Shutdown`] (SIGTERM or Ctrl-C in the binary) stops taking work: a sleeping loop returns
//!   at once, a running crawl stops taking URLs through `crawl::Options.stop`, the run finishes
//!   what it has, and the store is flushed before returning.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use tokio::sync::Notify;

use crate::config::schedule::ScheduleSettings;
use crate::config::Project;
use crate::crawl;
use crate::service::{Busy, Runner, Trigger};
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("schedule.cron: {0}")]
    Cron(String),
    #[error("schedule.timezone: {0}")]
    Timezone(String),
    #[error("--every must be at least one second")]
    Interval,
}

/// When runs happen.
#[derive(Debug, Clone)]
pub enum Plan {
    /// A cron expression (seconds first) read in a fixed UTC offset.
    Cron {
        expression: String,
        schedule: Box<cron::Schedule>,
        offset: FixedOffset,
    },
    /// Every fixed interval after the previous tick (for trials and tests).
    Every(Duration),
}

impl Plan {
    /// The plan of the settings' `[schedule]` section, or nightly at 02:00 Asia/Shanghai.
    pub fn of(project: &Project) -> Result<Plan, ScheduleError> {
        let default = ScheduleSettings::default();
        let s = project.settings.schedule.as_ref().unwrap_or(&default);
        Ok(Plan::Cron {
            expression: s.cron.clone(),
            schedule: Box::new(s.schedule().map_err(ScheduleError::Cron)?),
            offset: s.offset().map_err(ScheduleError::Timezone)?,
        })
    }

    pub fn every(interval: Duration) -> Result<Plan, ScheduleError> {
        if interval < Duration::from_secs(1) {
            return Err(ScheduleError::Interval);
        }
        Ok(Plan::Every(interval))
    }

    /// The first tick strictly after `t`.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Plan::Cron {
                schedule, offset, ..
            } => schedule
                .after(&t.with_timezone(offset))
                .next()
                .map(|d| d.with_timezone(&Utc)),
            Plan::Every(d) => chrono::Duration::from_std(*d).ok().map(|d| t + d),
        }
    }

    /// How many ticks fall in `(from, to]`: the ticks a run that started at the `from` tick and
    /// ended at `to` overran (counted up to `limit`).
    pub fn ticks_between(&self, from: DateTime<Utc>, to: DateTime<Utc>, limit: u32) -> u32 {
        let mut n = 0;
        let mut t = from;
        while n < limit {
            match self.next_after(t) {
                Some(next) if next <= to => {
                    n += 1;
                    t = next;
                }
                _ => break,
            }
        }
        n
    }

    /// How the plan reads, for the log.
    pub fn describe(&self) -> String {
        match self {
            Plan::Cron {
                expression, offset, ..
            } => format!("cron \"{expression}\" (UTC{offset})"),
            Plan::Every(d) => format!("every {}s", d.as_secs()),
        }
    }

    /// `t` in the plan's offset, for the log.
    pub fn local(&self, t: DateTime<Utc>) -> String {
        match self {
            Plan::Cron { offset, .. } => t
                .with_timezone(offset)
                .format("%Y-%m-%d %H:%M:%S %:z")
                .to_string(),
            Plan::Every(_) => t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        }
    }
}

/// The stop signal: once triggered, the loop takes no more work and the crawl stops.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    flag: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    pub fn trigger(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_triggered(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// The flag a crawl watches (`crawl::Options.stop`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }

    pub(crate) async fn sleep_until(&self, t: DateTime<Utc>) {
        let wait = (t - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        let notified = self.notify.notified();
        if self.is_triggered() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = notified => {}
        }
    }
}

/// What the loop does besides the plan.
#[derive(Debug, Clone, Default)]
pub struct ScheduleOptions {
    /// Crawl options of every run; `stop` is replaced by the shutdown flag.
    pub crawl: crawl::Options,
    /// Write the report (HTML, XLSX, Markdown) here after each successful run.
    pub report_dir: Option<PathBuf>,
    /// Return after this many runs (failed ones included); `None` runs until shut down.
    pub max_runs: Option<u32>,
}

/// What the loop did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleSummary {
    pub runs: u32,
    pub failed: u32,
    /// Ticks skipped because a run was still going.
    pub skipped_ticks: u32,
    /// The crawl run ids of the successful runs, in order.
    pub run_ids: Vec<u64>,
}

/// Runs the pipeline at every tick of `plan` until `shutdown` (or `max_runs`), then flushes the
/// store: the loop of `govtrust schedule`, through a job slot of its own.
pub async fn serve(
    project: &Project,
    store: &Store,
    plan: &Plan,
    opts: ScheduleOptions,
    shutdown: Shutdown,
) -> ScheduleSummary {
    let max_runs = opts.max_runs;
    let runner = Runner::new(
        project.clone(),
        store.clone(),
        opts,
        shutdown,
        tokio::runtime::Handle::current(),
    );
    let summary = tick_loop(&runner, plan, max_runs).await;
    if let Err(e) = store.flush() {
        tracing::error!(error = %e, "flushing the store on shutdown");
    }
    summary
}

/// Starts a run in `runner`'s slot at every tick of `plan` until its shutdown (or `max_runs`).
/// A tick that finds the slot taken (a run started by a request, a report) is skipped, as one
/// that a long run overran is.
pub async fn tick_loop(
    runner: &Arc<Runner>,
    plan: &Plan,
    max_runs: Option<u32>,
) -> ScheduleSummary {
    let shutdown = runner.shutdown().clone();
    let mut summary = ScheduleSummary::default();
    tracing::info!(plan = %plan.describe(), "schedule started");
    let mut from = Utc::now();
    loop {
        let Some(tick) = plan.next_after(from) else {
            tracing::warn!("the schedule has no further ticks; stopping");
            break;
        };
        tracing::info!(next = %plan.local(tick), "waiting for the next run");
        runner.set_schedule(Some(plan.describe()), Some(tick));
        shutdown.sleep_until(tick).await;
        runner.set_schedule(Some(plan.describe()), None);
        if shutdown.is_triggered() {
            break;
        }
        let started = Utc::now();
        match runner.start_run(Trigger::Schedule) {
            Ok(ticket) => {
                tracing::info!(tick = %plan.local(tick), job = ticket.job, "run starting");
                match ticket.wait().await {
                    Ok(id) => summary.run_ids.push(id),
                    Err(e) => {
                        summary.failed += 1;
                        tracing::error!(error = %e, "run failed; the schedule goes on");
                    }
                }
                summary.runs += 1;
            }
            Err(Busy::ShuttingDown) => break,
            Err(busy) => {
                summary.skipped_ticks += 1;
                tracing::warn!(tick = %plan.local(tick), reason = %busy, "tick skipped");
            }
        }
        let ended = Utc::now();
        let skipped = plan.ticks_between(tick, ended, 10_000);
        if skipped > 0 {
            summary.skipped_ticks += skipped;
            tracing::warn!(
                skipped,
                took_s = (ended - started).num_seconds(),
                "the run overran the next tick(s); they are skipped"
            );
        }
        if shutdown.is_triggered() || max_runs.is_some_and(|m| summary.runs >= m) {
            break;
        }
        from = ended;
    }
    runner.set_schedule(None, None);
    tracing::info!(
        runs = summary.runs,
        failed = summary.failed,
        skipped = summary.skipped_ticks,
        "schedule stopped"
    );
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn nightly() -> Plan {
        let s = ScheduleSettings::default();
        Plan::Cron {
            expression: s.cron.clone(),
            schedule: Box::new(s.schedule().unwrap_or_else(|e| panic!("{e}"))),
            offset: s.offset().unwrap_or_else(|e| panic!("{e}")),
        }
    }

    #[test]
    fn default_plan_is_two_oclock_in_shanghai() {
        let p = nightly();
        // 2024-03-01 17:59 UTC is 01:59 in Shanghai: the next run is 02:00 there, 18:00 UTC.
        let t = Utc.with_ymd_and_hms(2024, 3, 1, 17, 59, 0).unwrap();
        assert_eq!(
            p.next_after(t),
            Some(Utc.with_ymd_and_hms(2024, 3, 1, 18, 0, 0).unwrap())
        );
        // Just after a tick, the next is a day later.
        let t = Utc.with_ymd_and_hms(2024, 3, 1, 18, 0, 0).unwrap();
        assert_eq!(
            p.next_after(t),
            Some(Utc.with_ymd_and_hms(2024, 3, 2, 18, 0, 0).unwrap())
        );
    }

    #[test]
    fn overrun_ticks_are_counted_for_skipping() {
        let p = nightly();
        let tick = Utc.with_ymd_and_hms(2024, 3, 1, 18, 0, 0).unwrap();
        // A run that ends before the next night skips nothing.
        assert_eq!(
            p.ticks_between(tick, tick + chrono::Duration::hours(5), 100),
            0
        );
        // One that runs 50 hours overran two nights.
        assert_eq!(
            p.ticks_between(tick, tick + chrono::Duration::hours(50), 100),
            2
        );
        let every = Plan::every(Duration::from_secs(10)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            every.ticks_between(tick, tick + chrono::Duration::seconds(35), 100),
            3
        );
        assert!(Plan::every(Duration::from_millis(10)).is_err());
    }

    #[tokio::test]
    async fn shutdown_wakes_a_sleeping_loop() {
        let s = Shutdown::new();
        let far = Utc::now() + chrono::Duration::hours(1);
        let s2 = s.clone();
        let t = tokio::spawn(async move { s2.sleep_until(far).await });
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.trigger();
        let done = tokio::time::timeout(Duration::from_secs(5), t).await;
        assert!(done.is_ok(), "sleep did not end on shutdown");
        assert!(s.flag().load(Ordering::SeqCst));
    }
}
