//! Alerts end to end: a pipeline run over a small simweb sends its events to webhook receivers
//! on loopback — one that answers, one that fails twice before answering, one that never
//! answers — and the run completes within its bounded wait.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use govtrust::config::alerts::{AlertSettings, EventKind, Webhook, WebhookFormat};

use super::*;

#[derive(Default)]
struct Receiver {
    ok: Mutex<Vec<serde_json::Value>>,
    flaky: Mutex<Vec<serde_json::Value>>,
    flaky_calls: AtomicU32,
    hang_calls: AtomicU32,
}

async fn ok(State(r): State<Arc<Receiver>>, body: String) -> &'static str {
    if let Ok(v) = serde_json::from_str(&body) {
        r.ok.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    }
    "ok"
}

async fn flaky(
    State(r): State<Arc<Receiver>>,
    body: String,
) -> (axum::http::StatusCode, &'static str) {
    if r.flaky_calls.fetch_add(1, Ordering::SeqCst) < 2 {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy");
    }
    if let Ok(v) = serde_json::from_str(&body) {
        r.flaky.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    }
    (axum::http::StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#)
}

async fn hang(State(r): State<Arc<Receiver>>) -> &'static str {
    r.hang_calls.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    "never"
}

async fn start_receiver() -> (std::net::SocketAddr, Arc<Receiver>) {
    let state = Arc::new(Receiver::default());
    let app = Router::new()
        .route("/ok", post(ok))
        .route("/flaky", post(flaky))
        .route("/hang", post(hang))
        .with_state(state.clone());
    let addr = loopback::serve(app).await;
    (addr, state)
}

#[test]
fn alerts_are_delivered_retried_and_never_hold_up_the_run() {
    let mut project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let (addr, recv) = rt.block_on(start_receiver());
    let all = vec![
        EventKind::NewCourtListing,
        EventKind::NewInspectionNotice,
        EventKind::ListVanished,
        EventKind::InspectionVeto,
    ];
    let alerts = AlertSettings {
        webhook: vec![
            Webhook {
                url: format!("http://{addr}/ok"),
                format: WebhookFormat::Json,
                events: all.clone(),
            },
            Webhook {
                url: format!("http://{addr}/flaky"),
                format: WebhookFormat::Dingtalk,
                events: vec![EventKind::NewCourtListing],
            },
            Webhook {
                url: format!("http://{addr}/hang"),
                format: WebhookFormat::Wecom,
                events: all,
            },
        ],
        timeout_ms: 300,
        retries: 2,
        backoff_ms: 50,
        wait_ms: 2_500,
        max_per_run: 100,
        proxy: None,
    };
    assert!(alerts.validate(Path::new("x.toml")).is_empty());
    project.settings.alerts = Some(alerts);

    let sim = rt
        .block_on(simweb::start(sim_options(&project, 1)))
        .unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let o = rt
        .block_on(pipeline::run(
            &project,
            &store,
            crawl_opts(sim.addr().port()),
            Utc::now(),
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let took = t.elapsed();
    rt.block_on(sim.shutdown());

    let events = &o.alerts.events;
    let courts = events
        .iter()
        .filter(|e| e.kind == EventKind::NewCourtListing)
        .count();
    let notices = events
        .iter()
        .filter(|e| e.kind == EventKind::NewInspectionNotice)
        .count();
    assert!(courts > 0 && notices > 0, "{events:#?}");
    assert!(events
        .iter()
        .any(|e| e.item == "T13" && e.summary.contains("一个月履行期")));

    // The hanging receiver keeps its messages pending; the run went on after its wait.
    assert!(o.alerts.pending > 0, "{:?}", o.alerts.pending);
    assert!(recv.hang_calls.load(Ordering::SeqCst) >= 1);
    assert!(took < Duration::from_secs(60), "{took:?}");

    // Every event reached the answering receiver with the generic JSON body.
    let got = recv.ok.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(got.len(), events.len());
    for (b, e) in got.iter().zip(events) {
        assert_eq!(b["event"].as_str(), Some(e.kind.as_str()));
        assert_eq!(b["unit"].as_str(), Some(e.unit.as_str()));
        assert_eq!(b["run"].as_u64(), Some(o.run.id));
    }
    // The flaky one failed twice, then took the first message on the third attempt.
    let recorded = store.deliveries(o.run.id).unwrap_or_else(|e| panic!("{e}"));
    let flaky: Vec<_> = recorded
        .iter()
        .filter(|d| d.webhook.ends_with("/flaky"))
        .collect();
    assert_eq!(flaky.len(), courts, "{flaky:#?}");
    assert_eq!((flaky[0].ok, flaky[0].attempts), (true, 3));
    assert!(flaky.iter().all(|d| d.ok));
    let bodies = recv.flaky.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(bodies.len(), courts);
    assert_eq!(bodies[0]["msgtype"], "markdown");
    assert!(bodies[0]["markdown"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("被执行人"));
    assert!(recorded
        .iter()
        .filter(|d| d.webhook.ends_with("/ok"))
        .all(|d| d.ok && d.attempts == 1));

    // Dispatching the same digest again (a resumed run) sends nothing already delivered.
    if let Some(a) = project.settings.alerts.as_mut() {
        a.webhook.retain(|w| !w.url.ends_with("/hang"));
    }
    let again = rt.block_on(govtrust::alert::dispatch(&project, &store, &o.digest));
    assert_eq!(again.events.len(), events.len());
    assert!(
        again.deliveries.is_empty() && again.pending == 0,
        "{again:?}"
    );
    assert_eq!(
        recv.ok.lock().unwrap_or_else(|e| e.into_inner()).len(),
        events.len()
    );
}

/// A settings file in `dir` with absolute paths to the shipped roster, catalogs and rules, and
/// `extra` appended.
pub fn settings_with(dir: &Path, extra: &str) -> std::path::PathBuf {
    let root = std::env::current_dir()
        .unwrap_or_else(|e| panic!("{e}"))
        .join("crawl-config");
    let p = |f: &str| root.join(f).display().to_string();
    let text = format!(
        "[evaluation]\nperiod = \"2023\"\nstart = \"2023-01-01\"\nend = \"2023-12-30\"\nroster = {:?}\ncatalogs = [{:?}, {:?}]\nrules = {:?}\n\n{extra}\n",
        p("units/tongbai.toml"),
        p("indicators/township.toml"),
        p("indicators/department.toml"),
        p("rules"),
    );
    let path = dir.join("settings.toml");
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn alert_and_schedule_settings_are_validated_when_loading() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = settings_with(
        dir.path(),
        "[alerts]\n[[alerts.webhook]]\nurl = \"https://example.org/hook\"\nformat = \"dingtalk\"\nevents = [\"list_vanished\"]\n",
    );
    let p = govtrust::config::Project::load(&good).unwrap_or_else(|e| panic!("{e}"));
    let a = p.settings.alerts.unwrap_or_else(|| panic!("no alerts"));
    assert_eq!(a.webhook[0].format, WebhookFormat::Dingtalk);
    assert_eq!(a.retries, 3);

    let bad = settings_with(
        dir.path(),
        "[alerts]\nretries = 50\n[[alerts.webhook]]\nurl = \"ftp://example.org/hook\"\nformat = \"json\"\nevents = []\n",
    );
    let e = govtrust::config::Project::load(&bad)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    for key in [
        "alerts.webhook[0].url",
        "alerts.webhook[0].events",
        "alerts.retries",
    ] {
        assert!(e.contains(key), "{key} missing in {e}");
    }
    let unknown = settings_with(
        dir.path(),
        "[alerts]\n[[alerts.webhook]]\nurl = \"http://example.org/\"\nformat = \"json\"\nevents = [\"new_moon\"]\n",
    );
    let e = govtrust::config::Project::load(&unknown)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("new_moon"), "{e}");
    let typo = settings_with(dir.path(), "[alerts]\nwebhooks = []\n");
    assert!(govtrust::config::Project::load(&typo).is_err());
    let schedule = settings_with(
        dir.path(),
        "[schedule]\ncron = \"0 2 * * *\"\ntimezone = \"Mars/Olympus\"\n",
    );
    let e = govtrust::config::Project::load(&schedule)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("schedule.cron") && e.contains("schedule.timezone"),
        "{e}"
    );
    let schedule = settings_with(dir.path(), "[schedule]\ncron = \"0 30 1 * * Mon-Fri\"\n");
    let p = govtrust::config::Project::load(&schedule).unwrap_or_else(|e| panic!("{e}"));
    let plan = govtrust::schedule::Plan::of(&p).unwrap_or_else(|e| panic!("{e}"));
    // Friday 2024-03-01 01:30 Shanghai has passed at 18:00 UTC; the next is Monday 01:30 (+08:00).
    let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2024, 3, 1, 18, 0, 0).unwrap();
    let next = chrono::TimeZone::with_ymd_and_hms(&Utc, 2024, 3, 3, 17, 30, 0).unwrap();
    assert_eq!(plan.next_after(t), Some(next));
}

/// Log lines of this test binary, for checking what reached them.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A robot's `key=` is its password: a delivery that succeeds and one that fails (connection
/// refused) are logged and stored with the URL redacted, errors included.
#[test]
fn webhook_secrets_reach_neither_logs_nor_store() {
    let logging = tracing_subscriber::fmt()
        .with_writer(|| LogWriter)
        .with_max_level(tracing::Level::DEBUG)
        .try_init()
        .is_ok();
    let mut project = project();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let store = Store::open(&dir.path().join("store")).unwrap_or_else(|e| panic!("{e}"));
    let rt = runtime();
    let (addr, recv) = rt.block_on(start_receiver());
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"));
    project.settings.alerts = Some(AlertSettings {
        webhook: vec![
            Webhook {
                url: format!("http://{addr}/ok?key=SEKRIT-ONE"),
                format: WebhookFormat::Json,
                events: vec![EventKind::NewInspectionNotice],
            },
            Webhook {
                url: format!("http://{closed}/send?access_token=SEKRIT-TWO"),
                format: WebhookFormat::Dingtalk,
                events: vec![EventKind::NewInspectionNotice],
            },
        ],
        timeout_ms: 500,
        retries: 1,
        backoff_ms: 10,
        wait_ms: 5_000,
        max_per_run: 10,
        proxy: None,
    });
    let digest = govtrust::digest::Digest {
        run: 3,
        previous_run: Some(2),
        period: project.period.id.clone(),
        created_at: Utc::now(),
        new_evidence: vec![govtrust::digest::EvidenceEntry {
            id: "n1".into(),
            unit: "t-huaiyuan".into(),
            unit_name: "淮源镇".into(),
            item: "T5".into(),
            rule: "T5.notice".into(),
            finding: govtrust::evidence::model::Finding::Named {
                clause: "未按期整改".into(),
                handled: false,
            },
            status: govtrust::evidence::model::Status::Confirmed,
            title: "督查通报".into(),
            url: "http://www.nanyang.sim/n1.html".into(),
            summary: String::new(),
        }],
        changed_evidence: vec![],
        gone_evidence: vec![],
        score_moves: vec![],
        total_moves: vec![],
        web_fact_moves: vec![],
        inspection_moves: vec![],
    };
    let o = rt.block_on(govtrust::alert::dispatch(&project, &store, &digest));
    assert_eq!(o.deliveries.len(), 2, "{o:?}");
    assert_eq!(recv.ok.lock().unwrap_or_else(|e| e.into_inner()).len(), 1);
    let stored = store.deliveries(3).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(stored.len(), 2);
    assert!(stored.iter().any(|d| d.ok) && stored.iter().any(|d| !d.ok));
    let text = serde_json::to_string(&stored).unwrap_or_default();
    assert!(!text.contains("SEKRIT"), "{text}");
    assert!(
        text.contains("key=***") && text.contains("access_token=***"),
        "{text}"
    );
    // A second dispatch of the same run (a resumed run) does not resend what was delivered.
    let again = rt.block_on(govtrust::alert::dispatch(&project, &store, &digest));
    assert_eq!(again.deliveries.len(), 1, "only the failed one is retried");
    if logging {
        let log =
            String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
        assert!(log.contains("alert delivery failed"), "{log}");
        assert!(!log.contains("SEKRIT"), "{log}");
    }
    let problems = govtrust::config::alerts::AlertSettings {
        webhook: vec![Webhook {
            url: "ftp://hooks.example/x?key=SEKRIT-THREE".into(),
            format: WebhookFormat::Json,
            events: vec![EventKind::ListVanished],
        }],
        ..AlertSettings::default()
    }
    .validate(Path::new("s.toml"));
    assert_eq!(problems.len(), 1);
    assert!(!problems[0].message.contains("SEKRIT"), "{}", problems[0]);
}
