//! The service's job endpoints and the overview's job section: `GET /api/service` (the running
//! job's stage and crawl counts, the next scheduled run, the last jobs), `POST /api/runs` (a
//! pipeline run now), `POST /api/report` (the report of the latest run) and `POST /api/backup`
//! (a consistent copy of the store through the server's own handle). The POSTs pass the write
//! token and origin rules like every write ([`super::auth`], [`super::origin`]).

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Offset as _, Utc};

use super::Shared;
use crate::report::escape::html as esc;
use crate::service::{Busy, JobKind, ServiceStatus, Trigger};
use crate::store::runs::{RunRecord, RunStatus};

fn error(status: StatusCode, msg: String) -> Response {
    (status, Json(serde_json::json!({ "error": msg }))).into_response()
}

fn busy(b: Busy) -> Response {
    let status = match b {
        Busy::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
        Busy::Running { .. } | Busy::NoReportDir => StatusCode::CONFLICT,
    };
    error(status, b.to_string())
}

fn accepted(job: u64, kind: JobKind) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "job": job, "kind": kind, "status": "/api/service" })),
    )
        .into_response()
}

pub async fn status(State(st): State<Shared>) -> Json<ServiceStatus> {
    Json(st.runner.status())
}

pub async fn run_now(State(st): State<Shared>) -> Response {
    match st.runner.start_run(Trigger::Request) {
        Ok(t) => {
            tracing::info!(job = t.job, "run started by a request");
            accepted(t.job, JobKind::Run)
        }
        Err(b) => busy(b),
    }
}

pub async fn report(State(st): State<Shared>) -> Response {
    match st.runner.start_report(Trigger::Request) {
        Ok(t) => accepted(t.job, JobKind::Report),
        Err(b) => busy(b),
    }
}

/// A backup directory's name: the time in UTC, so copies sort by age.
fn backup_name(now: DateTime<Utc>) -> String {
    format!("govtrust-{}", now.format("%Y%m%dT%H%M%S%.3fZ"))
}

pub async fn backup(State(st): State<Shared>) -> Response {
    let Some(root) = st.backup_dir.clone() else {
        return error(
            StatusCode::CONFLICT,
            "未配置备份目录（serve --backup-dir 或 [serve] backup_dir）".into(),
        );
    };
    let dir = root.join(backup_name(Utc::now()));
    let store = st.runner.store().clone();
    // Copying the trees is blocking I/O of seconds to minutes: off the async workers. A crawl
    // going on pauses at its next multi-tree write for as long as the trees are copied.
    let r = tokio::task::spawn_blocking(move || store.backup(&dir)).await;
    match r {
        Ok(Ok(s)) => (
            StatusCode::CREATED,
            Json(serde_json::json!({
                "dir": s.dir.display().to_string(),
                "trees": s.trees,
                "entries": s.entries,
                "value_log_bytes": s.value_log_bytes,
            })),
        )
            .into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, format!("备份：{e}")),
    }
}

fn time(t: DateTime<Utc>) -> String {
    let beijing = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix());
    t.with_timezone(&beijing)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The overview's section on the service: the running job with its progress, the next
/// scheduled run, the last jobs of this process and the last crawl runs of the store.
pub fn overview_section(out: &mut String, status: &ServiceStatus, runs: &[RunRecord]) {
    out.push_str("<h2>监测任务</h2>");
    match &status.current {
        Some(c) => {
            let _ = write!(
                out,
                "<p><strong>正在进行：</strong>{}（{}，任务 #{}），开始于 {}（北京时间）；当前阶段：<strong>{}</strong>",
                c.kind.label(),
                c.trigger.label(),
                c.job,
                time(c.started_at),
                c.stage_label
            );
            if c.kind == JobKind::Run {
                let _ = write!(
                    out,
                    "；抓取 #{}：已抓取 {} 个网址，待抓取 {} 个，出错 {} 个，{} 字节",
                    c.run, c.pages_done, c.queued, c.errors, c.bytes
                );
            }
            out.push_str("。</p>");
        }
        None if !status.accepting => out.push_str("<p>服务正在停止。</p>"),
        None => out.push_str("<p>当前没有进行中的任务。</p>"),
    }
    match (&status.schedule, status.next_run) {
        (Some(plan), Some(next)) => {
            let _ = write!(
                out,
                "<p class=\"muted\">定时计划：{}；下次运行 {}（北京时间）。</p>",
                esc(plan),
                time(next)
            );
        }
        (Some(plan), None) => {
            let _ = write!(out, "<p class=\"muted\">定时计划：{}。</p>", esc(plan));
        }
        _ => out.push_str("<p class=\"muted\">本服务未开启定时运行（serve --schedule）。</p>"),
    }
    if !status.history.is_empty() {
        out.push_str(
            "<table><tr><th>任务</th><th>类型</th><th>触发</th><th>开始</th><th>结束</th>\
             <th>抓取</th><th>结果</th></tr>",
        );
        for h in &status.history {
            let _ = write!(
                out,
                "<tr><td class=\"n\">#{}</td><td>{}</td><td>{}</td><td class=\"nw\">{}</td>\
                 <td class=\"nw\">{}</td><td class=\"n\">{}</td><td class=\"{}\">{}</td></tr>",
                h.job,
                h.kind.label(),
                h.trigger.label(),
                time(h.started_at),
                time(h.finished_at),
                h.run.map(|r| format!("#{r}")).unwrap_or_default(),
                if h.ok { "ok" } else { "bad" },
                esc(&h.message)
            );
        }
        out.push_str("</table>");
    }
    if !runs.is_empty() {
        out.push_str(
            "<h3>最近的抓取</h3><table><tr><th>抓取</th><th>状态</th><th>开始</th><th>结束</th>\
             <th>网址</th><th>文档</th><th>用时</th></tr>",
        );
        for r in runs.iter().rev().take(5) {
            let (urls, docs, secs) = r
                .summary
                .as_ref()
                .map(|s| (s.urls, s.documents, s.duration_s))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td class=\"n\">#{}</td><td>{}</td><td class=\"nw\">{}</td><td class=\"nw\">{}</td>\
                 <td class=\"n\">{urls}</td><td class=\"n\">{docs}</td><td class=\"n\">{secs:.1} 秒</td></tr>",
                r.id,
                match r.status {
                    RunStatus::Complete => "已完成",
                    RunStatus::Interrupted => "已中断",
                    RunStatus::Running => "进行中",
                },
                time(r.started_at),
                r.finished_at.map(time).unwrap_or_default(),
            );
        }
        out.push_str("</table>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_sort_by_time() {
        let a = backup_name(DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default());
        let b = backup_name(DateTime::from_timestamp(1_700_000_001, 5_000_000).unwrap_or_default());
        assert_eq!(a, "govtrust-20231114T221320.000Z");
        assert!(a < b);
    }
}
