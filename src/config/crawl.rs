//! The `[crawl]` section of the settings file: which sources to crawl, the User-Agent, per-host
//! politeness, timeouts, retries, size limits, URL rules and the host → address map (like
//! `curl --resolve`) through which simulated host names reach 127.0.0.1.
//!
//! Durations are strings with units (`"500ms"`, `"10s"`, `"2m"`, `"20h"`, `"30d"`); sizes carry
//! `_bytes` in their names. [`CrawlSettings::validate`] pushes every problem; [`Crawl`] is the
//! validated form with durations parsed and sources compiled.
//!
//! A host-map address may have port 0: "the port is supplied at run time" (tests start simweb
//! on an ephemeral port and pass it as `crawl::Options::port`); a crawl refuses to start while
//! such a port is still 0.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::preset::Presets;
use super::source::{check_politeness, PolitenessSpec, Source};
use super::{ConfigError, Problem, Problems, Roster};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlSettings {
    /// Source files or directories of `*.toml`, relative to the settings file.
    pub sources: Vec<PathBuf>,
    /// The platform presets' directory, relative to the settings file (default `presets`,
    /// when it exists).
    #[serde(default)]
    pub presets: Option<PathBuf>,
    /// Sent with every request; must name a contact (URL or e-mail).
    pub user_agent: String,
    /// Politeness for every host unless overridden.
    #[serde(default = "default_politeness")]
    pub politeness: PolitenessSpec,
    /// Per-host overrides (win over source overrides).
    #[serde(default, rename = "host")]
    pub hosts: Vec<HostOverride>,
    /// Obey robots.txt (only a benchmark against simweb turns this off).
    #[serde(default = "yes")]
    pub robots: bool,
    #[serde(default = "d_connect")]
    pub connect_timeout: String,
    #[serde(default = "d_total")]
    pub total_timeout: String,
    #[serde(default)]
    pub retry: RetrySettings,
    #[serde(default = "d_body")]
    pub max_body_bytes: u64,
    #[serde(default = "d_redirects")]
    pub max_redirects: u32,
    /// Pagination-trap limit: pages followed per list.
    #[serde(default = "d_list_pages")]
    pub max_pages_per_list: u32,
    /// Requests in flight over all hosts.
    #[serde(default = "d_in_flight")]
    pub max_in_flight: u32,
    /// Elements nested deeper than this end a page's parse: the page is read up to that
    /// element (HTML parsing takes time in proportion to the depth for every element).
    #[serde(default = "d_nesting")]
    pub max_nesting: u32,
    /// Elements beyond this end a page's parse: the page is read up to that element (a parsed
    /// element takes some 150 bytes; 200,000 links took over 100 MB).
    #[serde(default = "d_elements")]
    pub max_elements: u32,
    /// Items of a list page, and links a detail page is searched for attachments, beyond this
    /// are not read.
    #[serde(default = "d_links")]
    pub max_links_per_page: u32,
    /// A page that failed this many runs in a row is quarantined: not requested again until
    /// `quarantine_for` has passed.
    #[serde(default = "d_quarantine_after")]
    pub quarantine_after: u32,
    #[serde(default = "d_quarantine_for")]
    pub quarantine_for: String,
    /// Query parameters removed during URL normalisation.
    #[serde(default = "d_strip")]
    pub strip_params: Vec<String>,
    #[serde(default)]
    pub recheck: RecheckSettings,
    /// Host → address map; these hosts may resolve to loopback/private addresses.
    #[serde(default)]
    pub resolve: Vec<ResolveEntry>,
    /// Addresses explicitly allowed although private, loopback or link-local.
    #[serde(default)]
    pub allow_addresses: Vec<IpAddr>,
    /// Seconds between log lines when stderr is not a terminal.
    #[serde(default = "d_log_every")]
    pub log_every: String,
    /// HTTP(S) proxy every request goes through (`http://host:port`). Proxy environment
    /// variables (`HTTP_PROXY`, `ALL_PROXY`, …) are ignored: only this setting sends the crawl
    /// through a proxy.
    #[serde(default)]
    pub proxy: Option<String>,
}

/// Problems of a `proxy` setting: an http or https URL with a host.
pub fn check_proxy(proxy: Option<&str>, key: &str, p: &mut Problems) {
    let Some(v) = proxy else { return };
    match url::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
        Ok(u) => p.push(
            key,
            format!(
                "scheme {} is not http or https (http://host:port)",
                u.scheme()
            ),
        ),
        Err(e) => p.push(key, format!("not a URL ({e}): http://host:port")),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HostOverride {
    pub host: String,
    #[serde(flatten)]
    pub politeness: PolitenessSpec,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetrySettings {
    #[serde(default = "d_retries")]
    pub max_retries: u32,
    #[serde(default = "d_backoff_base")]
    pub backoff_base: String,
    #[serde(default = "d_backoff_cap")]
    pub backoff_cap: String,
    #[serde(default = "yes")]
    pub jitter: bool,
    #[serde(default = "d_retry_after_cap")]
    pub retry_after_cap: String,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_retries: d_retries(),
            backoff_base: d_backoff_base(),
            backoff_cap: d_backoff_cap(),
            jitter: true,
            retry_after_cap: d_retry_after_cap(),
        }
    }
}

/// How often detail pages are re-fetched: list pages every run; a detail whose content has not
/// changed waits twice as long each time, between `detail_min` and `detail_max`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecheckSettings {
    #[serde(default = "d_min")]
    pub detail_min: String,
    #[serde(default = "d_max")]
    pub detail_max: String,
}

impl Default for RecheckSettings {
    fn default() -> Self {
        RecheckSettings {
            detail_min: d_min(),
            detail_max: d_max(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveEntry {
    pub host: String,
    /// `IP:PORT`; port 0 = supplied at run time.
    pub addr: SocketAddr,
}

fn yes() -> bool {
    true
}
fn default_politeness() -> PolitenessSpec {
    PolitenessSpec {
        rate_per_s: Some(1.0),
        delay_ms: None,
        concurrency: Some(2),
    }
}
fn d_connect() -> String {
    "10s".into()
}
fn d_total() -> String {
    "60s".into()
}
fn d_body() -> u64 {
    20 * 1024 * 1024
}
fn d_redirects() -> u32 {
    5
}
fn d_list_pages() -> u32 {
    500
}
fn d_in_flight() -> u32 {
    32
}
fn d_nesting() -> u32 {
    512
}
fn d_elements() -> u32 {
    100_000
}
fn d_links() -> u32 {
    5_000
}
fn d_quarantine_after() -> u32 {
    3
}
fn d_quarantine_for() -> String {
    "30d".into()
}
fn d_strip() -> Vec<String> {
    [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "spm",
        "from",
        "_t",
        "timestamp",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}
fn d_retries() -> u32 {
    3
}
fn d_backoff_base() -> String {
    "500ms".into()
}
fn d_backoff_cap() -> String {
    "60s".into()
}
fn d_retry_after_cap() -> String {
    "120s".into()
}
fn d_min() -> String {
    "20h".into()
}
fn d_max() -> String {
    "30d".into()
}
fn d_log_every() -> String {
    "5s".into()
}

/// Parses `"250ms"`, `"10s"`, `"2m"`, `"20h"`, `"30d"` (a number and one unit).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{text:?}: expected a number with a unit, e.g. \"10s\""))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        "" => {
            return Err(format!(
                "{text:?}: a duration needs a unit (ms, s, m, h, d)"
            ))
        }
        u => return Err(format!("{text:?}: unknown unit {u:?} (ms, s, m, h, d)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("{text:?}: not a valid duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Politeness for one host after defaults, source and host overrides are applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HostPoliteness {
    /// Minimum spacing of request starts.
    pub interval: Duration,
    pub concurrency: u32,
}

impl HostPoliteness {
    fn from_spec(base: HostPoliteness, spec: &PolitenessSpec) -> HostPoliteness {
        let interval = match (spec.rate_per_s, spec.delay_ms) {
            (Some(r), _) if r > 0.0 => Duration::from_secs_f64(1.0 / r),
            (_, Some(ms)) => Duration::from_millis(ms),
            _ => base.interval,
        };
        HostPoliteness {
            interval,
            concurrency: spec.concurrency.unwrap_or(base.concurrency).max(1),
        }
    }
}

/// Retry policy with parsed durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub jitter: bool,
    pub retry_after_cap: Duration,
}

/// The validated crawl settings with compiled sources.
#[derive(Debug, Clone)]
pub struct Crawl {
    pub settings: CrawlSettings,
    pub sources: Vec<Source>,
    /// The platform presets the sources were compiled with.
    pub presets: Presets,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub retry: RetryPolicy,
    pub detail_min: Duration,
    pub detail_max: Duration,
    pub log_every: Duration,
    pub quarantine_for: Duration,
    default: HostPoliteness,
}

impl Crawl {
    /// Validates the section and loads every source it names, collecting all problems.
    pub fn load(
        settings: &CrawlSettings,
        file: &Path,
        base: &Path,
        roster: &Roster,
    ) -> Result<Crawl, Vec<Problem>> {
        let mut p = Problems::new(file);
        let dur = |key: &str, v: &str, p: &mut Problems| match parse_duration(v) {
            Ok(d) => d,
            Err(e) => {
                p.push(format!("crawl.{key}"), e);
                Duration::ZERO
            }
        };
        let connect_timeout = dur("connect_timeout", &settings.connect_timeout, &mut p);
        let total_timeout = dur("total_timeout", &settings.total_timeout, &mut p);
        let retry = RetryPolicy {
            max_retries: settings.retry.max_retries,
            backoff_base: dur("retry.backoff_base", &settings.retry.backoff_base, &mut p),
            backoff_cap: dur("retry.backoff_cap", &settings.retry.backoff_cap, &mut p),
            jitter: settings.retry.jitter,
            retry_after_cap: dur(
                "retry.retry_after_cap",
                &settings.retry.retry_after_cap,
                &mut p,
            ),
        };
        let detail_min = dur("recheck.detail_min", &settings.recheck.detail_min, &mut p);
        let detail_max = dur("recheck.detail_max", &settings.recheck.detail_max, &mut p);
        let log_every = dur("log_every", &settings.log_every, &mut p);
        let quarantine_for = dur("quarantine_for", &settings.quarantine_for, &mut p);
        if settings.max_nesting < 32 {
            p.push(
                "crawl.max_nesting",
                "at least 32 (real pages nest 20–60 deep)",
            );
        }
        if settings.max_elements < 1_000 {
            p.push("crawl.max_elements", "at least 1000");
        }
        if settings.max_links_per_page == 0 {
            p.push("crawl.max_links_per_page", "at least 1");
        }
        if settings.quarantine_after == 0 {
            p.push("crawl.quarantine_after", "at least 1 run");
        }
        if connect_timeout.is_zero() || total_timeout.is_zero() {
            p.push("crawl.total_timeout", "timeouts are positive");
        }
        if detail_max < detail_min {
            p.push("crawl.recheck.detail_max", "is shorter than detail_min");
        }
        if retry.backoff_cap < retry.backoff_base {
            p.push("crawl.retry.backoff_cap", "is shorter than backoff_base");
        }
        let ua = &settings.user_agent;
        if !(ua.contains("http://") || ua.contains("https://") || ua.contains('@')) {
            p.push(
                "crawl.user_agent",
                "must name a contact: a URL or an e-mail address",
            );
        }
        if settings.max_body_bytes < 1024 {
            p.push("crawl.max_body_bytes", "at least 1024 bytes");
        }
        if settings.max_in_flight == 0 {
            p.push("crawl.max_in_flight", "at least 1");
        }
        check_politeness(&settings.politeness, "crawl.politeness", &mut p);
        for (i, h) in settings.hosts.iter().enumerate() {
            check_politeness(&h.politeness, &format!("crawl.host[{i}]"), &mut p);
        }
        check_proxy(settings.proxy.as_deref(), "crawl.proxy", &mut p);
        for (i, r) in settings.resolve.iter().enumerate() {
            if r.host.is_empty() || r.host.contains([':', '/']) {
                p.push(format!("crawl.resolve[{i}].host"), "a bare host name");
            }
        }
        let mut all = p.into_vec();
        let presets = match &settings.presets {
            Some(dir) => Presets::load_lenient(&base.join(dir), roster),
            None if base.join("presets").is_dir() => {
                Presets::load_lenient(&base.join("presets"), roster)
            }
            None => (Presets::default(), Vec::new()),
        };
        let (presets, preset_problems) = presets;
        all.extend(preset_problems);
        let mut sources: Vec<Source> = Vec::new();
        for (i, sp) in settings.sources.iter().enumerate() {
            let path = base.join(sp);
            let files = match source_files(&path) {
                Ok(f) => f,
                Err(e) => {
                    all.push(Problem {
                        file: file.to_path_buf(),
                        key: format!("crawl.sources[{i}]"),
                        message: e,
                    });
                    continue;
                }
            };
            for f in files {
                match Source::load_with(&f, roster, &presets) {
                    Ok(s) => {
                        if sources.iter().any(|o| o.name == s.name) {
                            all.push(Problem {
                                file: f.clone(),
                                key: "source.name".into(),
                                message: format!("a second source named {:?}", s.name),
                            });
                        }
                        sources.push(s);
                    }
                    Err(ConfigError::Invalid(ps)) => all.extend(ps),
                    Err(ConfigError::Read { path, source }) => all.push(Problem {
                        file: path,
                        key: String::new(),
                        message: format!("cannot read: {source}"),
                    }),
                }
            }
        }
        let default = HostPoliteness::from_spec(
            HostPoliteness {
                interval: Duration::from_secs(1),
                concurrency: 2,
            },
            &settings.politeness,
        );
        if all.is_empty() {
            Ok(Crawl {
                settings: settings.clone(),
                sources,
                presets,
                connect_timeout,
                total_timeout,
                retry,
                detail_min,
                detail_max,
                log_every,
                quarantine_for,
                default,
            })
        } else {
            Err(all)
        }
    }

    /// Politeness for a host: defaults, then the overrides of the sources that crawl it, then
    /// `[[crawl.host]]`.
    pub fn politeness_for(&self, host: &str) -> HostPoliteness {
        let mut hp = self.default;
        for s in self
            .sources
            .iter()
            .filter(|s| s.scope.hosts.iter().any(|h| h == host))
        {
            hp = HostPoliteness::from_spec(hp, &s.politeness);
        }
        for h in self
            .settings
            .hosts
            .iter()
            .filter(|h| h.host.eq_ignore_ascii_case(host))
        {
            hp = HostPoliteness::from_spec(hp, &h.politeness);
        }
        hp
    }

    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// A source path is a file or a directory of `*.toml` (sorted, for determinism).
fn source_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let rd =
            std::fs::read_dir(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        v.sort();
        if v.is_empty() {
            return Err(format!("{} holds no *.toml source", path.display()));
        }
        Ok(v)
    } else if path.is_file() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(format!("{} does not exist", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_settings_problem_is_reported() {
        let roster = Roster::load(Path::new("crawl-config/units/tongbai.toml")).unwrap();
        let settings: CrawlSettings = toml::from_str(
            r#"
sources = ["no-such-dir", "../sources/sim-court.toml"]
user_agent = "govtrust"
connect_timeout = "10"
total_timeout = "5 fortnights"
max_body_bytes = 10
politeness = { rate_per_s = 1.0, delay_ms = 100, concurrency = 0 }
[retry]
backoff_base = "10s"
backoff_cap = "1s"
[[resolve]]
host = "www.tongbai.sim:80"
addr = "127.0.0.1:0"
"#,
        )
        .unwrap();
        let problems = Crawl::load(
            &settings,
            Path::new("crawl-config/x.toml"),
            Path::new("crawl-config"),
            &roster,
        )
        .unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for k in [
            "crawl.connect_timeout",
            "crawl.total_timeout",
            "crawl.user_agent",
            "crawl.max_body_bytes",
            "crawl.retry.backoff_cap",
            "crawl.politeness",
            "crawl.politeness.concurrency",
            "crawl.resolve[0].host",
            "crawl.sources[0]",
        ] {
            assert!(keys.contains(&k), "missing {k} in {keys:?}");
        }
        assert_eq!(problems.len(), keys.len());
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("30d").unwrap(),
            Duration::from_secs(30 * 86400)
        );
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("10 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
