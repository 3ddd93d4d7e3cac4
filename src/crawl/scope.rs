//! What the crawler may request and connect to.
//!
//! Two filters, both applied before any byte is sent and again on every redirect hop:
//! [`in_scope`] — a URL belongs to its source (host, path prefix, deny/allow patterns);
//! [`AddressPolicy`] — an address may be connected to: public addresses always, private,
//! loopback, link-local and other special ranges only when the host is in the configured host
//! map or the address is explicitly allowed. The policy also backs the DNS resolver handed to
//! reqwest, so a public name that resolves to 10.0.0.1 is refused at connect time.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::config::source::{path_and_query, Scope};

/// Why a URL is not requested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("host {0:?} is not in the source's scope")]
    Host(String),
    #[error("path {0:?} is outside the source's path prefixes")]
    Path(String),
    #[error("{0:?} matches a deny pattern")]
    Denied(String),
    #[error("{0:?} matches no allow pattern, list or detail declaration")]
    NotAllowed(String),
    #[error("address {0} is private, loopback or link-local and not allowed by the host map")]
    Address(IpAddr),
    #[error("scheme {0:?} is not http(s)")]
    Scheme(String),
}

/// Checks host and path prefix and deny patterns: may this source request this URL at all?
pub fn check_request(scope: &Scope, url: &Url) -> Result<(), ScopeError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ScopeError::Scheme(url.scheme().to_string()));
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    if !scope.hosts.contains(&host) {
        return Err(ScopeError::Host(host));
    }
    let path = url.path();
    if !scope
        .path_prefixes
        .iter()
        .any(|p| path.starts_with(p.as_str()))
    {
        return Err(ScopeError::Path(path.to_string()));
    }
    let pq = path_and_query(url);
    if scope.deny.iter().any(|r| r.is_match(&pq)) {
        return Err(ScopeError::Denied(pq));
    }
    Ok(())
}

/// A discovered link is followed when requestable and matching an allow pattern (declared lists
/// and details are checked by the caller, which knows them).
pub fn check_follow(scope: &Scope, url: &Url) -> Result<(), ScopeError> {
    check_request(scope, url)?;
    let pq = path_and_query(url);
    if scope.allow.iter().any(|r| r.is_match(&pq)) {
        Ok(())
    } else {
        Err(ScopeError::NotAllowed(pq))
    }
}

/// Which addresses may be connected to.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    mapped_hosts: BTreeSet<String>,
    allowed: BTreeSet<IpAddr>,
}

impl AddressPolicy {
    pub fn new<I: IntoIterator<Item = String>>(
        mapped_hosts: I,
        allowed: &[IpAddr],
    ) -> AddressPolicy {
        AddressPolicy {
            mapped_hosts: mapped_hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            allowed: allowed.iter().copied().collect(),
        }
    }

    /// Is `host` routed by the host map (and therefore allowed wherever it points)?
    pub fn is_mapped(&self, host: &str) -> bool {
        self.mapped_hosts.contains(&host.to_ascii_lowercase())
    }

    /// May we connect to `ip` for `host`?
    pub fn check_addr(&self, host: &str, ip: IpAddr) -> Result<(), ScopeError> {
        if self.is_mapped(host) || self.allowed.contains(&ip) || is_public(ip) {
            Ok(())
        } else {
            Err(ScopeError::Address(ip))
        }
    }

    /// URLs whose host is an IP literal never reach the resolver: check them here.
    pub fn check_url(&self, url: &Url) -> Result<(), ScopeError> {
        let ip = match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        self.check_addr(url.host_str().unwrap_or(""), ip)
    }
}

/// Public unicast: not loopback, private, link-local, CGNAT, unspecified, multicast, documentation
/// or otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xC0) == 64) // 100.64/10 CGNAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xFE) == 18) // 198.18/15 benchmarking
        || o[0] >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xFE00) == 0xFC00 // unique local fc00::/7
        || (s[0] & 0xFFC0) == 0xFE80 // link-local fe80::/10
        || (s[0] == 0x2001 && s[1] == 0x0DB8)) // documentation
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex::Regex;

    fn scope() -> Scope {
        Scope {
            hosts: vec!["www.tongbai.gov.cn".into()],
            path_prefixes: vec!["/zwgk/".into(), "/20".into()],
            allow: vec![Regex::new(r"^/\d{4}/\d{2}-\d{2}/\d+\.html$").unwrap()],
            deny: vec![Regex::new(r"/search").unwrap()],
        }
    }

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn scope_checks_host_prefix_and_patterns() {
        let s = scope();
        assert!(check_request(
            &s,
            &u("https://www.tongbai.gov.cn/zwgk/zcjd/zcwj/index.html")
        )
        .is_ok());
        assert!(matches!(
            check_request(&s, &u("https://www.nanyang.gov.cn/zwgk/")),
            Err(ScopeError::Host(_))
        ));
        assert!(matches!(
            check_request(&s, &u("https://www.tongbai.gov.cn/about/")),
            Err(ScopeError::Path(_))
        ));
        assert!(matches!(
            check_request(&s, &u("https://www.tongbai.gov.cn/zwgk/search?q=1")),
            Err(ScopeError::Denied(_))
        ));
        assert!(matches!(
            check_request(&s, &u("ftp://www.tongbai.gov.cn/zwgk/")),
            Err(ScopeError::Scheme(_))
        ));
        assert!(check_follow(&s, &u("https://www.tongbai.gov.cn/2024/03-18/750009.html")).is_ok());
        assert!(matches!(
            check_follow(&s, &u("https://www.tongbai.gov.cn/zwgk/other.html")),
            Err(ScopeError::NotAllowed(_))
        ));
    }

    #[test]
    fn private_loopback_and_link_local_are_refused() {
        let p = AddressPolicy::new(vec![], &[]);
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(
                p.check_addr("x.gov.cn", ip),
                Err(ScopeError::Address(ip)),
                "{ip}"
            );
        }
        for ip in ["1.2.3.4", "202.108.22.5", "2400:3200::1"] {
            assert!(
                p.check_addr("x.gov.cn", ip.parse().unwrap()).is_ok(),
                "{ip}"
            );
        }
    }

    #[test]
    fn host_map_and_explicit_allow_open_loopback() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let p = AddressPolicy::new(vec!["WWW.Tongbai.SIM".to_string()], &[]);
        assert!(p.check_addr("www.tongbai.sim", lo).is_ok());
        assert!(p.check_addr("evil.example", lo).is_err());
        let p = AddressPolicy::new(vec![], &[lo]);
        assert!(p.check_addr("anything", lo).is_ok());
        assert!(p
            .check_addr("anything", "10.0.0.1".parse().unwrap())
            .is_err());
        let p = AddressPolicy::new(vec![], &[]);
        assert!(p.check_url(&u("http://127.0.0.1:8080/")).is_err());
        assert!(p.check_url(&u("http://[::1]/")).is_err());
        assert!(p.check_url(&u("http://www.tongbai.gov.cn/")).is_ok());
    }
}
