//! Fault profiles (`none`, `mild`, `harsh`): which path suffers which fault is a pure function of
//! `(seed, profile, host, path)`; transient faults clear after a fixed number of attempts of the
//! same path, counted in a small bounded map, as a real overloaded server recovers. Also the
//! permanent fault pages under `/zt/` (redirect chain and loop, pagination trap, oversized body,
//! gzip bomb) of the county portal.

use std::collections::HashMap;
use std::io::Write;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::model::{ymd, SITE_BASE};
use super::page::{head, Charset, Reply, Special};
use super::rng::hash64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultProfile {
    #[default]
    None,
    Mild,
    Harsh,
}

impl FromStr for FaultProfile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(FaultProfile::None),
            "mild" => Ok(FaultProfile::Mild),
            "harsh" => Ok(FaultProfile::Harsh),
            other => Err(format!(
                "unknown fault profile {other:?} (none, mild, harsh)"
            )),
        }
    }
}

impl FaultProfile {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultProfile::None => "none",
            FaultProfile::Mild => "mild",
            FaultProfile::Harsh => "harsh",
        }
    }
}

/// How `Retry-After` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Seconds(u64),
    /// An HTTP-date this many seconds ahead.
    DateIn(u64),
}

/// A transient failure of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Status(u16),
    TooMany(RetryAfter),
    /// Headers sent, then the connection dropped before any body byte.
    Reset,
    /// Half the body sent under the full Content-Length, then the connection dropped.
    Truncated,
}

impl Failure {
    pub fn name(self) -> &'static str {
        match self {
            Failure::Status(500) => "status_500",
            Failure::Status(502) => "status_502",
            Failure::Status(_) => "status_503",
            Failure::TooMany(_) => "too_many_requests",
            Failure::Reset => "connection_reset",
            Failure::Truncated => "truncated_body",
        }
    }
}

/// The faults planned for one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// Delay of every answer.
    pub slow_ms: u64,
    /// A failure on the first `attempts` requests of the path.
    pub failure: Option<(Failure, u32)>,
}

/// The fault plan of `host` + `path` (path with query, as requested).
pub fn plan(seed: u64, profile: FaultProfile, host: &str, path: &str) -> Plan {
    if profile == FaultProfile::None || path == "/robots.txt" || path.starts_with("/zt/") {
        return Plan::default();
    }
    let h = hash64(seed, &format!("fault/{}/{host}{path}", profile.as_str()));
    let x = (h % 10_000) as f64 / 10_000.0;
    let s = ((h >> 16) % 10_000) as f64 / 10_000.0;
    let pick = (h >> 32) % 3;
    let harsh = profile == FaultProfile::Harsh;
    let (c_status, c_429, c_reset, c_trunc, slow_p) = if harsh {
        (0.10, 0.15, 0.18, 0.21, 0.10)
    } else {
        (0.03, 0.05, 0.06, 0.07, 0.03)
    };
    let twice = if harsh { 1 + ((h >> 40) % 2) as u32 } else { 1 };
    let failure = if x < c_status {
        Some((Failure::Status([500, 502, 503][pick as usize]), twice))
    } else if x < c_429 {
        let ra = if harsh && pick == 0 {
            RetryAfter::DateIn(2)
        } else {
            RetryAfter::Seconds(if harsh { 1 + (h >> 44) % 2 } else { 1 })
        };
        Some((Failure::TooMany(ra), 1))
    } else if x < c_reset {
        Some((Failure::Reset, twice))
    } else if x < c_trunc {
        Some((Failure::Truncated, 1))
    } else {
        None
    };
    let slow_ms = if s < slow_p {
        let (lo, hi) = if harsh { (200, 1200) } else { (100, 300) };
        lo + (h >> 48) % (hi - lo + 1)
    } else {
        0
    };
    Plan { slow_ms, failure }
}

/// Attempts per path, bounded: when full it forgets everything, which only makes faults recur.
pub struct Attempts {
    map: Mutex<HashMap<u64, u32>>,
    cap: usize,
}

impl Attempts {
    pub fn new(cap: usize) -> Attempts {
        Attempts {
            map: Mutex::new(HashMap::new()),
            cap,
        }
    }

    /// Counts one more attempt of `key`, returning the attempt number (1 = first).
    pub fn bump(&self, key: &str) -> u32 {
        let k = hash64(0, key);
        let mut map = match self.map.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= self.cap && !map.contains_key(&k) {
            map.clear();
        }
        let n = map.entry(k).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }
}

/// The links to fault pages the home page shows for a profile.
pub fn fault_links(profile: FaultProfile) -> Vec<(&'static str, &'static str)> {
    match profile {
        FaultProfile::None => Vec::new(),
        FaultProfile::Mild => vec![
            ("/zt/redirect/1.html", "专题：优化营商环境"),
            ("/zt/rili/2023-01.html", "政务日历"),
        ],
        FaultProfile::Harsh => vec![
            ("/zt/redirect/1.html", "专题：优化营商环境"),
            ("/zt/rili/2023-01.html", "政务日历"),
            ("/zt/loop/a.html", "专题：政务公开"),
            ("/zt/big.html", "全文数据下载"),
            ("/zt/bomb.html", "历史资料"),
        ],
    }
}

pub const OVERSIZED_BYTES: u64 = 64 * 1024 * 1024;
pub const BOMB_MEMBERS: usize = 1024;

/// The county portal's `/zt/` pages.
pub fn zt(profile: FaultProfile, path: &str) -> Reply {
    let harsh = profile == FaultProfile::Harsh;
    if profile == FaultProfile::None {
        return Reply::not_found();
    }
    if let Some(n) = path
        .strip_prefix("/zt/redirect/")
        .and_then(|f| f.strip_suffix(".html"))
        .and_then(|n| n.parse::<u32>().ok())
    {
        let len = if harsh { 6 } else { 3 };
        let status = if n % 2 == 1 { 302 } else { 301 };
        return if n >= 1 && n < len {
            Reply::redirect(
                status,
                &format!("/zt/redirect/{}.html", n + 1),
                "redirect_chain",
            )
        } else if n == len {
            Reply::redirect(status, "/", "redirect_chain")
        } else {
            Reply::not_found()
        };
    }
    match path {
        "/zt/loop/a.html" if harsh => {
            return Reply::redirect(302, "/zt/loop/b.html", "redirect_loop")
        }
        "/zt/loop/b.html" if harsh => {
            return Reply::redirect(302, "/zt/loop/a.html", "redirect_loop")
        }
        "/zt/big.html" if harsh => {
            let mut r = Reply::bytes(Vec::new(), "text/html; charset=utf-8", ymd(SITE_BASE));
            r.special = Special::Oversized(OVERSIZED_BYTES);
            r.fault = Some("oversized_body");
            return r;
        }
        "/zt/bomb.html" if harsh => {
            let mut r = Reply::bytes(Vec::new(), "text/html; charset=utf-8", ymd(SITE_BASE));
            r.special = Special::GzipBomb;
            r.fault = Some("gzip_bomb");
            return r;
        }
        _ => {}
    }
    if let Some(month) = path
        .strip_prefix("/zt/rili/")
        .and_then(|f| f.strip_suffix(".html"))
    {
        return calendar_trap(month);
    }
    Reply::not_found()
}

/// An endless calendar: every month links the next one.
fn calendar_trap(month: &str) -> Reply {
    let Some((y, m)) = month.split_once('-') else {
        return Reply::not_found();
    };
    let (Ok(y), Ok(m)) = (y.parse::<u32>(), m.parse::<u32>()) else {
        return Reply::not_found();
    };
    if !(1..=12).contains(&m) || !(1900..=9999).contains(&y) || month.len() != 7 {
        return Reply::not_found();
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    let mut s = head(Charset::Utf8, &format!("政务日历 {y}年{m}月"), "");
    s.push_str(&format!(
        "<body>\n<h2>{y}年{m}月</h2>\n<p>本月暂无日程。</p>\n<a href=\"/zt/rili/{py:04}-{pm:02}.html\">上个月</a> <a href=\"/zt/rili/{ny:04}-{nm:02}.html\">下个月</a>\n</body>\n</html>\n"
    ));
    let mut r = Reply::html(s, Charset::Utf8, ymd(SITE_BASE));
    r.fault = Some("pagination_trap");
    r
}

/// One 1 MiB chunk of oversized HTML.
pub fn oversized_chunk() -> Bytes {
    static CHUNK: OnceLock<Bytes> = OnceLock::new();
    CHUNK
        .get_or_init(|| {
            let line = "<p>历史数据全文。历史数据全文。历史数据全文。历史数据全文。</p>\n";
            let mut s = String::with_capacity(1 << 20);
            while s.len() + line.len() <= 1 << 20 {
                s.push_str(line);
            }
            while s.len() < 1 << 20 {
                s.push(' ');
            }
            Bytes::from(s)
        })
        .clone()
}

/// One gzip member inflating to 1 MiB of spaces; the bomb is `BOMB_MEMBERS` of them in a row.
pub fn bomb_member() -> Bytes {
    static MEMBER: OnceLock<Bytes> = OnceLock::new();
    MEMBER
        .get_or_init(|| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let spaces = vec![b' '; 1 << 20];
            // Writing to a Vec cannot fail; an empty member would only make the bomb harmless.
            let _ = enc.write_all(&spaces);
            Bytes::from(enc.finish().unwrap_or_default())
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_plans_nothing_and_robots_is_exempt() {
        for p in ["/", "/a.html", "/b.html"] {
            assert_eq!(
                plan(1, FaultProfile::None, "www.tongbai.sim", p),
                Plan::default()
            );
        }
        assert_eq!(
            plan(1, FaultProfile::Harsh, "www.tongbai.sim", "/robots.txt"),
            Plan::default()
        );
    }

    #[test]
    fn harsh_fails_more_paths_than_mild() {
        let count = |p| {
            (0..2000)
                .filter(|i| plan(5, p, "h", &format!("/{i}.html")).failure.is_some())
                .count()
        };
        let (mild, harsh) = (count(FaultProfile::Mild), count(FaultProfile::Harsh));
        assert!(mild > 60 && mild < 220, "{mild}");
        assert!(harsh > 300 && harsh < 600, "{harsh}");
    }

    #[test]
    fn attempts_are_counted_and_bounded() {
        let a = Attempts::new(2);
        assert_eq!(a.bump("x"), 1);
        assert_eq!(a.bump("x"), 2);
        a.bump("y");
        assert_eq!(a.bump("z"), 1);
    }

    #[test]
    fn trap_links_forever_and_chain_ends_home() {
        let r = zt(FaultProfile::Mild, "/zt/rili/2023-12.html");
        assert!(String::from_utf8_lossy(&r.body).contains("/zt/rili/2024-01.html"));
        let r = zt(FaultProfile::Mild, "/zt/redirect/3.html");
        assert_eq!(r.location.as_deref(), Some("/"));
        assert_eq!(zt(FaultProfile::Mild, "/zt/loop/a.html").status, 404);
        assert_eq!(
            zt(FaultProfile::Harsh, "/zt/loop/a.html")
                .location
                .as_deref(),
            Some("/zt/loop/b.html")
        );
    }

    #[test]
    fn bomb_member_is_small_and_inflates() {
        use std::io::Read;
        let m = bomb_member();
        assert!(m.len() < 8 * 1024, "{}", m.len());
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&m[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out.len(), 1 << 20);
    }
}
