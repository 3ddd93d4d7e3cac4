//! Many counties on one simweb (`--counties N`), for the province benchmark
//! (`benches/province.rs`): county 0 is today's county, byte for byte; county k ≥ 1 is a
//! variant of it generated from a seed of its own (other article ids, dates, titles, records,
//! patterns), served under hosts of its own — every host `X.sim` of the county becomes
//! `X.c017.sim` for county 17, in the pages' links as in the `Host` header — and with a robots.txt
//! `Crawl-delay` drawn per host as real portals set it (most none, some 1–2 s, a few 5–10 s).
//!
//! [`wan_delay`] is the optional per-response latency of a wide-area network and a real
//! server (`--wan-latency`): a deterministic function of (seed, host, request), 30–800 ms for
//! nearly every response with a long tail of seconds, and one host in sixteen three times slower.

use std::time::Duration;

use super::model::Site;
use super::rng::hash64;

/// The most counties one simweb serves (hosts carry the county as three digits).
pub const MAX_COUNTIES: u32 = 999;

/// The seed county `county`'s web is generated from (county 0: the seed itself).
pub fn county_seed(seed: u64, county: u32) -> u64 {
    if county == 0 {
        seed
    } else {
        hash64(seed, &format!("county-{county}"))
    }
}

/// County `county`'s host for a site: `www.tongbai.sim` for county 0, `www.tongbai.c017.sim`
/// for county 17.
pub fn county_host(site: Site, county: u32) -> String {
    let h = site.host();
    if county == 0 {
        return h.to_string();
    }
    let stem = h.strip_suffix(".sim").unwrap_or(h);
    format!("{stem}.c{county:03}.sim")
}

/// The county and site a `Host` names (a port and a trailing dot are ignored); `None` for a
/// host of no county.
pub fn parse_host(host: &str) -> Option<(u32, Site)> {
    let h = host
        .split(':')
        .next()
        .unwrap_or(host)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if let Some(site) = Site::from_host(&h) {
        return Some((0, site));
    }
    let stem = h.strip_suffix(".sim")?;
    let (base, tag) = stem.rsplit_once('.')?;
    let digits = tag.strip_prefix('c')?;
    if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let county: u32 = digits.parse().ok()?;
    if county == 0 {
        return None;
    }
    Some((county, Site::from_host(&format!("{base}.sim"))?))
}

/// Rewrites county 0's host names into county k's, in page bytes and URLs.
pub struct Rehost {
    county: u32,
    hosts: regex::bytes::Regex,
}

impl Rehost {
    /// `None` for county 0, whose pages are served as generated.
    pub fn new(county: u32) -> Option<Rehost> {
        if county == 0 {
            return None;
        }
        let alternation = Site::ALL
            .iter()
            .map(|s| regex::escape(s.host()))
            .collect::<Vec<_>>()
            .join("|");
        // Seven literal host names: a pattern that always compiles.
        let hosts = regex::bytes::Regex::new(&alternation).ok()?;
        Some(Rehost { county, hosts })
    }

    /// The bytes with every host name of county 0 replaced by county k's. Host names are ASCII,
    /// and so are GBK's bytes below 0x80 wherever a character starts, so GBK pages are rewritten
    /// as safely as UTF-8 ones; a match inside a longer name (`xwww.tongbai.sim`) is left alone.
    pub fn bytes(&self, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(body.len() + 64);
        let mut last = 0;
        for m in self.hosts.find_iter(body) {
            let inside = m.start() > 0 && {
                let b = body[m.start() - 1];
                b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
            };
            if inside {
                continue;
            }
            out.extend_from_slice(&body[last..m.start()]);
            let site = std::str::from_utf8(m.as_bytes())
                .ok()
                .and_then(Site::from_host);
            match site {
                Some(s) => out.extend_from_slice(county_host(s, self.county).as_bytes()),
                None => out.extend_from_slice(m.as_bytes()),
            }
            last = m.end();
        }
        out.extend_from_slice(&body[last..]);
        out
    }

    /// [`Rehost::bytes`] of a text.
    pub fn text(&self, s: &str) -> String {
        // Only ASCII host names are replaced by ASCII ones: the text stays UTF-8.
        String::from_utf8(self.bytes(s.as_bytes())).unwrap_or_else(|_| s.to_string())
    }

    /// An absolute URL of county 0 (`http://HOST/…`) as county k's.
    pub fn url(&self, url: String) -> String {
        let Some(rest) = url.strip_prefix("http://") else {
            return url;
        };
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        match Site::from_host(host) {
            Some(s) => format!("http://{}{path}", county_host(s, self.county)),
            None => url,
        }
    }
}

/// The robots.txt `Crawl-delay` of a county k ≥ 1's host, as real portals set it: none on half
/// of the hosts, 1 s on a quarter, 2 s on one in eight, 5 s on one in sixteen, 10 s on the rest
/// (one in sixteen). County 0 keeps its small test delays (`SimWeb::serve`).
pub fn crawl_delay(seed: u64, county: u32, site: Site) -> Option<&'static str> {
    match hash64(seed, &format!("crawl-delay {}", county_host(site, county))) % 16 {
        0..=7 => None,
        8..=11 => Some("1"),
        12..=13 => Some("2"),
        14 => Some("5"),
        _ => Some("10"),
    }
}

/// Whether a host is one of the slow ones (one in sixteen), whose every response takes three
/// times as long.
pub fn slow_host(seed: u64, host: &str) -> bool {
    hash64(seed, &format!("wan-host {host}")) % 16 == 0
}

/// The delay before a response under `--wan-latency`, for the request `ident` (path with query,
/// and `#` and the form of a POST) to `host`: the host's round trip (30–120 ms, fixed per host)
/// plus the server's think time (exponential, mean 60 ms, capped at 680 ms), so 30–800 ms; one
/// response in a hundred waits 0.8–4 s more (a cold cache, a busy database); a slow host takes
/// three times as long throughout. The same request always waits the same.
pub fn wan_delay(seed: u64, host: &str, ident: &str) -> Duration {
    let h = hash64(seed, &format!("wan-host {host}"));
    let round_trip = 30.0 + ((h >> 8) % 91) as f64;
    let r = hash64(seed ^ h, ident);
    // 53 bits of the hash as a uniform number in [0, 1).
    let u = (r >> 11) as f64 / (1u64 << 53) as f64;
    let think = (-60.0 * (1.0 - u).ln()).min(680.0);
    let mut ms = round_trip + think;
    let tail = hash64(r, "wan-tail");
    if tail % 100 == 0 {
        ms += 800.0 + ((tail >> 8) % 3201) as f64;
    }
    if h % 16 == 0 {
        ms *= 3.0;
    }
    Duration::from_micros((ms * 1000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_hosts_parse_back_and_county_zero_is_today() {
        for site in Site::ALL {
            assert_eq!(county_host(site, 0), site.host());
            assert_eq!(parse_host(site.host()), Some((0, site)));
            for k in [1, 17, 149, 999] {
                let h = county_host(site, k);
                assert!(h.ends_with(&format!(".c{k:03}.sim")), "{h}");
                assert_eq!(parse_host(&h), Some((k, site)), "{h}");
                assert_eq!(
                    parse_host(&format!("{}:8700", h.to_uppercase())),
                    Some((k, site))
                );
            }
        }
        for bad in [
            "www.tongbai.c000.sim",
            "www.tongbai.c17.sim",
            "www.tongbai.c0017.sim",
            "www.other.c017.sim",
            "www.tongbai.cx17.sim",
            "c017.sim",
            "example.org",
        ] {
            assert_eq!(parse_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn rehost_replaces_whole_host_names_only() {
        let r = Rehost::new(5).unwrap();
        let page = "<a href=\"http://www.tongbai.sim/\">县</a><a href=\"http://huaiyuan.tongbai.sim/col/\">镇</a> xwww.tongbai.sim http://x.invalid/ dsj.nanyang.sim";
        assert_eq!(
            r.text(page),
            "<a href=\"http://www.tongbai.c005.sim/\">县</a><a href=\"http://huaiyuan.tongbai.c005.sim/col/\">镇</a> xwww.tongbai.sim http://x.invalid/ dsj.nanyang.c005.sim"
        );
        assert_eq!(
            r.url("http://zxgk.court.sim/zhixing/list.html?page=2".into()),
            "http://zxgk.court.c005.sim/zhixing/list.html?page=2"
        );
        assert!(Rehost::new(0).is_none());
        // GBK bytes around a host name survive untouched.
        let (gbk, _, _) = encoding_rs::GBK.encode("部门 http://www.tongbai.sim/ 信息");
        let out = r.bytes(&gbk);
        let (back, _, bad) = encoding_rs::GBK.decode(&out);
        assert!(!bad);
        assert_eq!(back, "部门 http://www.tongbai.c005.sim/ 信息");
    }

    #[test]
    fn wan_latency_is_deterministic_and_mostly_30_to_800_ms() {
        let mut under = 0;
        let mut total = 0.0;
        let n = 20_000;
        for i in 0..n {
            let host = county_host(Site::ALL[i % 7], (i % 150) as u32 + 1);
            let path = format!("/2023/03-28/{i}.html");
            let d = wan_delay(1, &host, &path);
            assert_eq!(d, wan_delay(1, &host, &path));
            assert!(d >= Duration::from_millis(30), "{d:?}");
            assert!(d <= Duration::from_millis(3 * 4800), "{d:?}");
            if !slow_host(1, &host) && d <= Duration::from_millis(800) {
                under += 1;
            }
            total += d.as_secs_f64();
        }
        // Fast hosts are 15 in 16; 99 % of their answers come within 800 ms.
        assert!(under as f64 > 0.9 * n as f64, "{under}");
        let mean = total / n as f64;
        assert!((0.1..0.4).contains(&mean), "mean {mean}");
    }

    #[test]
    fn crawl_delays_are_spread_like_real_portals() {
        let mut counts = std::collections::BTreeMap::new();
        for k in 1..=150 {
            for site in Site::ALL {
                *counts.entry(crawl_delay(1, k, site)).or_insert(0) += 1;
            }
        }
        // 1,050 hosts: about half without a Crawl-delay, some of every other value.
        assert!((400..650).contains(&counts[&None]), "{counts:?}");
        for d in ["1", "2", "5", "10"] {
            assert!(
                counts.get(&Some(d)).copied().unwrap_or(0) > 20,
                "{counts:?}"
            );
        }
    }
}
