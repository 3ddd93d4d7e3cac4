//! The optional `[alerts]` section of the settings file: webhooks that receive the events an
//! evaluator must act on (see `src/alert.rs`), with delivery limits. Unknown keys, non-http(s)
//! URLs, unknown formats and unknown event kinds are configuration errors naming the key.
//!
//! ```toml
//! [alerts]
//! timeout_ms = 5000   # one delivery attempt
//! retries = 3         # further attempts after a failure (at most 10)
//! backoff_ms = 500    # doubled after each failed attempt
//! wait_ms = 10000     # how long a pipeline run waits for deliveries before going on
//!
//! [[alerts.webhook]]
//! url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
//! format = "wecom"    # json | wecom | dingtalk
//! events = ["new_court_listing", "new_inspection_notice", "list_vanished", "inspection_veto"]
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Problem, Problems};

/// The events a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A unit newly listed as 被执行人 / 失信被执行人 (new T13, D12 or D10 case evidence).
    NewCourtListing,
    /// A new inspection notice naming a unit (new T5 or D3 evidence).
    NewInspectionNotice,
    /// A published list or system that is no longer visible (T1, T4, D7).
    ListVanished,
    /// A unit's site newly hits a veto item of the website inspection (predicted 不合格).
    InspectionVeto,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::NewCourtListing => "new_court_listing",
            EventKind::NewInspectionNotice => "new_inspection_notice",
            EventKind::ListVanished => "list_vanished",
            EventKind::InspectionVeto => "inspection_veto",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::NewCourtListing => "新增被执行人/失信被执行人",
            EventKind::NewInspectionNotice => "新增督查通报点名",
            EventKind::ListVanished => "已公示清单消失",
            EventKind::InspectionVeto => "网站检查预测不合格",
        }
    }
}

/// The body a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"event","unit","unit_name","item","summary","url","run"}`.
    Json,
    /// 企业微信群机器人 markdown message.
    Wecom,
    /// 钉钉群机器人 markdown message.
    Dingtalk,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub url: String,
    pub format: WebhookFormat,
    pub events: Vec<EventKind>,
}

fn default_timeout_ms() -> u64 {
    5_000
}
fn default_retries() -> u32 {
    3
}
fn default_backoff_ms() -> u64 {
    500
}
fn default_wait_ms() -> u64 {
    10_000
}
fn default_max_per_run() -> usize {
    50
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    #[serde(default)]
    pub webhook: Vec<Webhook>,
    /// Timeout of one delivery attempt.
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts after the first failed one.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Wait before the first retry; doubled after each further failure.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    /// The longest a pipeline run waits for its deliveries; the rest go on in the background.
    #[serde(default = "default_wait_ms")]
    pub wait_ms: u64,
    /// Messages per webhook and run at most; beyond it one message says how many were left out.
    #[serde(default = "default_max_per_run")]
    pub max_per_run: usize,
    /// HTTP(S) proxy for the deliveries (`http://host:port`); proxy environment variables are
    /// ignored.
    #[serde(default)]
    pub proxy: Option<String>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            webhook: Vec::new(),
            timeout_ms: default_timeout_ms(),
            retries: default_retries(),
            backoff_ms: default_backoff_ms(),
            wait_ms: default_wait_ms(),
            max_per_run: default_max_per_run(),
            proxy: None,
        }
    }
}

impl AlertSettings {
    /// Every problem of the section, keyed `alerts.…`.
    pub fn validate(&self, file: &Path) -> Vec<Problem> {
        let mut p = Problems::new(file);
        for (i, w) in self.webhook.iter().enumerate() {
            let key = format!("alerts.webhook[{i}]");
            // Named without its credentials: check-config output ends up in tickets and logs.
            let shown = crate::alert::redact(&w.url);
            match url::Url::parse(&w.url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
                Ok(u) => p.push(
                    format!("{key}.url"),
                    format!("{shown:?}: scheme {} is not http or https", u.scheme()),
                ),
                Err(e) => p.push(format!("{key}.url"), format!("{shown:?}: {e}")),
            }
            if w.events.is_empty() {
                p.push(format!("{key}.events"), "no events: list at least one of new_court_listing, new_inspection_notice, list_vanished");
            }
        }
        super::crawl::check_proxy(self.proxy.as_deref(), "alerts.proxy", &mut p);
        if self.timeout_ms == 0 {
            p.push("alerts.timeout_ms", "must be above 0");
        }
        if self.retries > 10 {
            p.push(
                "alerts.retries",
                format!("{} retries: at most 10", self.retries),
            );
        }
        if self.backoff_ms > 60_000 {
            p.push("alerts.backoff_ms", "at most 60000 (one minute)");
        }
        if self.wait_ms > 300_000 {
            p.push(
                "alerts.wait_ms",
                "at most 300000 (five minutes): alerts must not hold up a run",
            );
        }
        p.into_vec()
    }
}
