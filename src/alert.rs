//! Alerts: the events of a run's [`Digest`] an evaluator must act on, sent to the webhooks of the
//! `[alerts]` settings (`src/config/alerts.rs`) as generic JSON or as WeCom / DingTalk robot
//! markdown messages, in 简体中文.
//!
//! Events: a unit newly listed as 被执行人 / 失信被执行人 (new T13, D12 or D10 case evidence; for
//! T13 the one-month window to perform starts on the listing date), a new inspection notice naming
//! a unit (new T5 or D3 evidence), and a published list that vanished (T1, T4 or D7 evidence gone,
//! or a web-monitoring `published` fact that was true and no longer is), and a unit whose site
//! newly hits a veto item of the website inspection (`src/inspect/`: predicted 不合格 before
//! the city's inspection says so).
//!
//! Delivery never fails or blocks a run: [`dispatch`] sends from a spawned task — each attempt
//! with a timeout, failures retried with doubling backoff a bounded number of times — and waits
//! for it at most `wait_ms`; what is not finished by then goes on in the background while the
//! process lives. Every delivery, successful or not, is logged and recorded in the store under
//! the run id (`store.deliveries(run)`) — with the webhook's URL [`redact`]ed: a robot's
//! `key=` / `access_token=` is its password, and neither logs nor the store keep it.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::config::alerts::{AlertSettings, EventKind, Webhook, WebhookFormat};
use crate::config::Project;
use crate::digest::Digest;
use crate::evidence::model::Finding;
use crate::fact::Value;
use crate::store::Store;

/// Items whose new case evidence means a court listing.
pub const COURT_ITEMS: [&str; 3] = ["T13", "D12", "D10"];
/// Items whose new evidence means an inspection notice naming a unit.
pub const NOTICE_ITEMS: [&str; 2] = ["T5", "D3"];
/// Items whose evidence is a published list or system.
pub const LIST_ITEMS: [&str; 3] = ["T1", "T4", "D7"];

/// One event to announce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub kind: EventKind,
    pub unit: String,
    pub unit_name: String,
    pub item: String,
    /// One or two Chinese sentences.
    pub summary: String,
    pub url: String,
    pub run: u64,
}

/// The outcome of one message to one webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub run: u64,
    pub webhook: String,
    pub event: Option<EventKind>,
    pub unit: String,
    pub item: String,
    /// The event's document URL.
    #[serde(default)]
    pub url: String,
    pub ok: bool,
    pub attempts: u32,
    /// HTTP status of the last attempt, if one answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub at: DateTime<Utc>,
}

/// What a run's dispatch did within its wait.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertOutcome {
    pub events: Vec<AlertEvent>,
    /// Deliveries finished within the wait.
    pub deliveries: Vec<Delivery>,
    /// Messages still being delivered (or retried) when the run stopped waiting.
    pub pending: usize,
}

fn is_true(v: &Option<Value>) -> bool {
    matches!(v, Some(Value::Bool(true)))
}

/// The events in a digest, in digest order, without repeats of the same (kind, unit, item).
pub fn events(d: &Digest) -> Vec<AlertEvent> {
    let mut out = Vec::new();
    for e in &d.new_evidence {
        match &e.finding {
            Finding::Case {
                party,
                relation,
                dishonest,
                listed_on,
                ..
            } if COURT_ITEMS.contains(&e.item.as_str()) => {
                let what = if *dishonest {
                    "失信被执行人"
                } else {
                    "被执行人"
                };
                let mut summary = format!(
                    "{}新被列为{what}（当事人：{party}，{relation}），列入日期 {listed_on}。",
                    e.unit_name
                );
                if e.item == "T13" {
                    let end = listed_on
                        .checked_add_months(Months::new(1))
                        .unwrap_or(*listed_on);
                    summary.push_str(&format!(
                        "T13 的一个月履行期自列入之日 {listed_on} 起算，至 {end} 止，请跟踪是否按期履行。"
                    ));
                } else {
                    summary.push_str(&format!("涉及指标 {}，请核实并跟踪履行情况。", e.item));
                }
                out.push(AlertEvent {
                    kind: EventKind::NewCourtListing,
                    unit: e.unit.clone(),
                    unit_name: e.unit_name.clone(),
                    item: e.item.clone(),
                    summary,
                    url: e.url.clone(),
                    run: d.run,
                });
            }
            _ if NOTICE_ITEMS.contains(&e.item.as_str()) => {
                let clause = match &e.finding {
                    Finding::Named { clause, .. } if !clause.is_empty() => format!("：{clause}"),
                    _ => String::new(),
                };
                out.push(AlertEvent {
                    kind: EventKind::NewInspectionNotice,
                    unit: e.unit.clone(),
                    unit_name: e.unit_name.clone(),
                    item: e.item.clone(),
                    summary: format!(
                        "{}在新发现的督查通报《{}》中被点名（指标 {}）{clause}",
                        e.unit_name, e.title, e.item
                    ),
                    url: e.url.clone(),
                    run: d.run,
                });
            }
            _ => {}
        }
    }
    let mut vanished = BTreeSet::new();
    for e in &d.gone_evidence {
        if LIST_ITEMS.contains(&e.item.as_str())
            && vanished.insert((e.unit.clone(), e.item.clone()))
        {
            out.push(AlertEvent {
                kind: EventKind::ListVanished,
                unit: e.unit.clone(),
                unit_name: e.unit_name.clone(),
                item: e.item.clone(),
                summary: format!(
                    "{}已公示的《{}》本次监测不再可见（指标 {}），请核实是否撤下或迁移。",
                    e.unit_name, e.title, e.item
                ),
                url: e.url.clone(),
                run: d.run,
            });
        }
    }
    for f in &d.web_fact_moves {
        if f.field == "published"
            && is_true(&f.old)
            && !is_true(&f.new)
            && vanished.insert((f.unit.clone(), f.item.clone()))
        {
            let now = f
                .new
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "无".into());
            out.push(AlertEvent {
                kind: EventKind::ListVanished,
                unit: f.unit.clone(),
                unit_name: f.unit_name.clone(),
                item: f.item.clone(),
                summary: format!(
                    "{}的网络监测事实“{}”由“是”变为“{now}”（{} {}），请核实清单是否撤下或迁移。",
                    f.unit_name, f.label, f.item, f.content
                ),
                url: String::new(),
                run: d.run,
            });
        }
    }
    for m in &d.inspection_moves {
        for v in &m.new_vetoes {
            out.push(AlertEvent {
                kind: EventKind::InspectionVeto,
                unit: m.unit.clone(),
                unit_name: m.unit_name.clone(),
                item: v.clause.clone(),
                summary: format!(
                    "{}网站按《政府网站与政务新媒体检查指标》预测不合格：{}（{}，规则集 {}）。请在上级检查前整改。",
                    m.unit_name, v.clause, v.sentence, m.rule_set
                ),
                url: v.url.clone(),
                run: d.run,
            });
        }
    }
    out
}

fn markdown(e: &AlertEvent) -> String {
    let mut s = format!(
        "### 政务诚信监测提醒：{}\n> 单位：{}\n> 指标：{}\n\n{}\n",
        e.kind.label(),
        e.unit_name,
        e.item,
        e.summary
    );
    if !e.url.is_empty() {
        s.push_str(&format!("\n[查看原文]({})\n", e.url));
    }
    s.push_str(&format!(
        "\n抓取批次 #{}（govtrust digest --run {}）",
        e.run, e.run
    ));
    s
}

/// The request body of `e` for a webhook of `format`.
pub fn body(format: WebhookFormat, e: &AlertEvent) -> serde_json::Value {
    match format {
        WebhookFormat::Json => serde_json::json!({
            "event": e.kind.as_str(),
            "unit": e.unit,
            "unit_name": e.unit_name,
            "item": e.item,
            "summary": e.summary,
            "url": e.url,
            "run": e.run,
        }),
        WebhookFormat::Wecom => serde_json::json!({
            "msgtype": "markdown",
            "markdown": { "content": markdown(e) },
        }),
        WebhookFormat::Dingtalk => serde_json::json!({
            "msgtype": "markdown",
            "markdown": {
                "title": format!("政务诚信监测提醒：{}", e.kind.label()),
                "text": markdown(e),
            },
        }),
    }
}

/// The message saying how many events were left out for one webhook.
fn overflow_body(format: WebhookFormat, run: u64, left: usize) -> serde_json::Value {
    let text = format!("本次抓取（#{run}）另有 {left} 条提醒未逐条发送，请用 govtrust digest --run {run} 查看全部变化。");
    match format {
        WebhookFormat::Json => serde_json::json!({
            "event": "overflow", "unit": "", "unit_name": "", "item": "", "summary": text, "url": "", "run": run,
        }),
        WebhookFormat::Wecom => {
            serde_json::json!({"msgtype": "markdown", "markdown": {"content": text}})
        }
        WebhookFormat::Dingtalk => serde_json::json!({
            "msgtype": "markdown", "markdown": {"title": "政务诚信监测提醒", "text": text},
        }),
    }
}

/// Query parameters whose value is a credential (compared case-insensitively; `sign` and
/// `timestamp` are DingTalk's signed-robot pair, the signature being derived from the secret).
const SECRET_PARAMS: [&str; 12] = [
    "key",
    "access_token",
    "token",
    "secret",
    "sign",
    "signature",
    "password",
    "passwd",
    "auth",
    "apikey",
    "api_key",
    "sendkey",
];

/// A webhook URL as logs, the store and error messages show it: credential query values and
/// any userinfo password replaced by `***` and eight hex digits of the value's blake3
/// (`…/send?key=***3f9a2c1d`), so two robots of the same service stay apart (the recorded
/// deliveries tell which was reached) without the key. A URL that does not parse keeps only
/// what comes before its query.
pub fn redact(url: &str) -> String {
    let Ok(mut u) = url::Url::parse(url) else {
        return match url.split_once('?') {
            Some((head, _)) => format!("{head}?***"),
            None => url.to_string(),
        };
    };
    if let Some(p) = u.password().map(masked) {
        let _ = u.set_password(Some(&p));
    }
    if u.query().is_some() {
        let pairs: Vec<(String, bool, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let secret = SECRET_PARAMS.iter().any(|s| k.eq_ignore_ascii_case(s));
                let v = if secret { masked(&v) } else { v.into_owned() };
                (k.into_owned(), secret, v)
            })
            .collect();
        // Written by hand so `***` stays readable rather than percent-encoded.
        let q: Vec<String> = pairs
            .iter()
            .map(|(k, secret, v)| {
                if *secret {
                    format!("{k}={v}")
                } else {
                    url::form_urlencoded::Serializer::new(String::new())
                        .append_pair(k, v)
                        .finish()
                }
            })
            .collect();
        u.set_query(Some(&q.join("&")));
    }
    u.to_string()
}

/// `***` and the first eight hex digits of the secret's blake3.
fn masked(secret: &str) -> String {
    format!("***{}", &blake3::hash(secret.as_bytes()).to_hex()[..8])
}

/// One attempt's verdict: done, failed for good, or worth retrying.
enum Attempt {
    Ok(u16),
    Fatal(Option<u16>, String),
    Retry(Option<u16>, String),
}

async fn attempt(client: &reqwest::Client, w: &Webhook, body: &[u8]) -> Attempt {
    let resp = client
        .post(&w.url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body.to_vec())
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        // Without the URL: reqwest's message names it, secret and all.
        Err(e) => return Attempt::Retry(None, e.without_url().to_string()),
    };
    let status = resp.status();
    let code = status.as_u16();
    if status.is_server_error() || code == 429 {
        return Attempt::Retry(Some(code), format!("HTTP {code}"));
    }
    if !status.is_success() {
        return Attempt::Fatal(Some(code), format!("HTTP {code}"));
    }
    if w.format == WebhookFormat::Json {
        return Attempt::Ok(code);
    }
    // The robots answer 200 with {"errcode": 0} on success and another errcode on failure.
    match resp.bytes().await {
        Ok(b) => match serde_json::from_slice::<serde_json::Value>(&b) {
            Ok(v) if v["errcode"].as_i64().unwrap_or(0) != 0 => Attempt::Retry(
                Some(code),
                format!(
                    "errcode {}: {}",
                    v["errcode"],
                    v["errmsg"].as_str().unwrap_or("")
                ),
            ),
            _ => Attempt::Ok(code),
        },
        Err(e) => Attempt::Retry(Some(code), e.without_url().to_string()),
    }
}

/// Sends one message with retries; never longer than (retries + 1) × timeout plus the backoffs.
async fn send(
    client: &reqwest::Client,
    settings: &AlertSettings,
    w: &Webhook,
    body: &serde_json::Value,
) -> (bool, u32, Option<u16>, Option<String>) {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut backoff = Duration::from_millis(settings.backoff_ms);
    let mut last = (None, None);
    for n in 1..=settings.retries + 1 {
        match attempt(client, w, &bytes).await {
            Attempt::Ok(code) => return (true, n, Some(code), None),
            Attempt::Fatal(code, e) => return (false, n, code, Some(e)),
            Attempt::Retry(code, e) => {
                tracing::debug!(webhook = %redact(&w.url), attempt = n, error = %e, "alert delivery failed, will retry");
                last = (code, Some(e));
            }
        }
        if n <= settings.retries {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }
    (false, settings.retries + 1, last.0, last.1)
}

/// The messages for each webhook: its subscribed events up to `max_per_run`, then an overflow note.
fn messages(
    settings: &AlertSettings,
    events: &[AlertEvent],
) -> Vec<(Webhook, Option<AlertEvent>, serde_json::Value)> {
    let mut out = Vec::new();
    for w in &settings.webhook {
        let mine: Vec<&AlertEvent> = events
            .iter()
            .filter(|e| w.events.contains(&e.kind))
            .collect();
        for e in mine.iter().take(settings.max_per_run) {
            out.push((w.clone(), Some((*e).clone()), body(w.format, e)));
        }
        if mine.len() > settings.max_per_run {
            if let Some(first) = mine.first() {
                out.push((
                    w.clone(),
                    None,
                    overflow_body(w.format, first.run, mine.len() - settings.max_per_run),
                ));
            }
        }
    }
    out
}

/// The delivery client: `alerts.proxy` if set, never the proxy environment variables.
fn alert_client(settings: &AlertSettings) -> reqwest::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .timeout(Duration::from_millis(settings.timeout_ms))
        .connect_timeout(Duration::from_millis(settings.timeout_ms))
        .user_agent(concat!("govtrust-alerts/", env!("CARGO_PKG_VERSION")))
        .no_proxy();
    if let Some(p) = &settings.proxy {
        b = b.proxy(reqwest::Proxy::all(p)?);
    }
    b.build()
}

/// Sends the digest's events to the configured webhooks from a spawned task and waits for the
/// deliveries at most `alerts.wait_ms`. Never fails: problems are logged and recorded.
pub async fn dispatch(project: &Project, store: &Store, digest: &Digest) -> AlertOutcome {
    let events = events(digest);
    let Some(settings) = project.settings.alerts.clone() else {
        return AlertOutcome {
            events,
            ..Default::default()
        };
    };
    // A resumed run is digested again with the first attempt's changes merged in: what was
    // delivered then is not sent twice (what failed then is tried again).
    let delivered = store.deliveries(digest.run).unwrap_or_default();
    let mut msgs = messages(&settings, &events);
    msgs.retain(|(w, e, _)| {
        let Some(e) = e else { return true };
        let shown = redact(&w.url);
        !delivered.iter().any(|d| {
            // Records written before redaction hold the URL itself.
            d.ok && (d.webhook == shown || d.webhook == w.url)
                && d.event == Some(e.kind)
                && d.unit == e.unit
                && d.item == e.item
                && d.url == e.url
        })
    });
    if msgs.is_empty() {
        return AlertOutcome {
            events,
            ..Default::default()
        };
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = match alert_client(&settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the alert HTTP client; no alerts sent");
            return AlertOutcome {
                events,
                ..Default::default()
            };
        }
    };
    let total = msgs.len();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let run = digest.run;
    let store = store.clone();
    let wait = Duration::from_millis(settings.wait_ms);
    tokio::spawn(async move {
        // Webhooks are independent: each gets its own sequence of messages, all concurrently.
        let mut by_hook: Vec<Vec<(Webhook, Option<AlertEvent>, serde_json::Value)>> = Vec::new();
        for m in msgs {
            match by_hook
                .iter_mut()
                .find(|v| v.first().is_some_and(|f| f.0 == m.0))
            {
                Some(v) => v.push(m),
                None => by_hook.push(vec![m]),
            }
        }
        let mut tasks = Vec::new();
        for list in by_hook {
            let (client, settings, tx, store) =
                (client.clone(), settings.clone(), tx.clone(), store.clone());
            tasks.push(tokio::spawn(async move {
                for (w, e, body) in list {
                    let (ok, attempts, status, error) = send(&client, &settings, &w, &body).await;
                    let d = Delivery {
                        run,
                        webhook: redact(&w.url),
                        event: e.as_ref().map(|e| e.kind),
                        unit: e.as_ref().map(|e| e.unit.clone()).unwrap_or_default(),
                        item: e.as_ref().map(|e| e.item.clone()).unwrap_or_default(),
                        url: e.as_ref().map(|e| e.url.clone()).unwrap_or_default(),
                        ok,
                        attempts,
                        status,
                        error,
                        at: Utc::now(),
                    };
                    if ok {
                        tracing::info!(webhook = %d.webhook, unit = %d.unit, item = %d.item, attempts, "alert delivered");
                    } else {
                        tracing::warn!(webhook = %d.webhook, unit = %d.unit, item = %d.item, attempts, error = ?d.error, "alert delivery failed");
                    }
                    if let Err(e) = store.put_delivery(&d) {
                        tracing::warn!(error = %e, "cannot record an alert delivery");
                    }
                    let _ = tx.send(d);
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
    let mut deliveries = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while deliveries.len() < total {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(d)) => deliveries.push(d),
            Ok(None) => break,
            Err(_) => {
                tracing::warn!(
                    pending = total - deliveries.len(),
                    "alert deliveries still pending; the run goes on without them"
                );
                break;
            }
        }
    }
    AlertOutcome {
        events,
        pending: total - deliveries.len(),
        deliveries,
    }
}

pub mod stored;

#[cfg(test)]
mod tests;
