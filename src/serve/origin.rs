//! Which host names the server answers under, and which origins may write. A DNS-rebinding
//! page reaches a loopback server under its own name (`Host: evil.example`), so every request
//! whose `Host` is not an allowed name gets 421: the loopback names, the address the server
//! listens on, and `[serve] allowed_hosts` / `--allow-host`. A write (any method but GET and
//! HEAD) that a browser sends from another origin — an `Origin` that is not this server's own
//! authority, `Origin: null` (a sandboxed frame such as the snapshot viewer's), or
//! `Sec-Fetch-Site: cross-site` — gets 403, whatever cookies it carries.

use std::net::SocketAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;

/// Always accepted: the names a browser on the same machine uses.
const LOOPBACK_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The host names the server answers under (lower case, IPv6 without brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPolicy {
    names: Vec<String>,
}

fn normal(name: &str) -> String {
    name.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The host part of an authority (`host`, `host:port`, `[v6]:port`), normalised.
fn host_of(authority: &str) -> String {
    let a = authority.trim();
    if let Some(rest) = a.strip_prefix('[') {
        return normal(rest.split(']').next().unwrap_or(""));
    }
    match a.rsplit_once(':') {
        Some((h, port)) if !h.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            normal(h)
        }
        _ => normal(a),
    }
}

/// An authority with its scheme's default port left out, for comparing origins.
fn authority_of(authority: &str, default_port: &str) -> String {
    let a = authority.trim().to_ascii_lowercase();
    match a.strip_suffix(&format!(":{default_port}")) {
        Some(h) => h.to_string(),
        None => a,
    }
}

impl HostPolicy {
    /// The loopback names, the listening address (unless it is 0.0.0.0 or ::) and `extra`.
    pub fn new(listen: SocketAddr, extra: &[String]) -> HostPolicy {
        let mut names: Vec<String> = LOOPBACK_NAMES.iter().map(|n| n.to_string()).collect();
        if !listen.ip().is_unspecified() {
            names.push(normal(&listen.ip().to_string()));
        }
        for e in extra {
            let n = normal(e);
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        }
        HostPolicy { names }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether a `Host` header value (with or without port) names this server.
    pub fn allows_host(&self, host: &str) -> bool {
        let h = host_of(host);
        self.names.contains(&h)
    }
}

/// The request's `Host` (HTTP/1.1) or, for HTTP/2, the URI's authority.
fn request_host(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

/// Whether a browser sent this write from another origin than `host`.
fn cross_origin(h: &HeaderMap, host: &str) -> bool {
    if let Some(origin) = h.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return true;
        };
        let Some((scheme, authority)) = origin.trim().split_once("://") else {
            // `null` and anything else that is not scheme://authority.
            return true;
        };
        let default_port = match scheme.to_ascii_lowercase().as_str() {
            "http" => "80",
            "https" => "443",
            _ => return true,
        };
        // A proxy in front may terminate TLS: the scheme may differ, the authority may not.
        let o = authority_of(authority, default_port);
        return o != authority_of(host, "80") && o != authority_of(host, "443");
    }
    h.get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|s| !matches!(s, "same-origin" | "none"))
}

fn refuse(status: StatusCode, msg: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

/// The outermost guard: unknown host names and cross-origin writes never reach a handler.
pub async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let Some(host) = request_host(&req) else {
        return refuse(StatusCode::BAD_REQUEST, "缺少 Host 请求头\n".into());
    };
    if !st.hosts.allows_host(&host) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            format!(
                "本服务不以主机名 {host:?} 提供访问（允许：{}）；如需其他名称，请用 --allow-host 或设置 [serve] allowed_hosts\n",
                st.hosts.names().join("、")
            ),
        );
    }
    if req.method() != Method::GET
        && req.method() != Method::HEAD
        && cross_origin(req.headers(), &host)
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "拒绝跨站写入请求：请从本服务自己的页面提交\n".into(),
        );
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> HostPolicy {
        HostPolicy::new(
            "127.0.0.1:8080".parse().unwrap_or_else(|e| panic!("{e}")),
            &["GovTrust.Example.".to_string()],
        )
    }

    #[test]
    fn hosts_are_matched_without_port_and_case() {
        let p = policy();
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "govtrust.example",
            "GOVTRUST.EXAMPLE:443",
        ] {
            assert!(p.allows_host(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "127.0.0.2",
            "",
        ] {
            assert!(!p.allows_host(bad), "{bad}");
        }
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(!HostPolicy::new(any, &[]).allows_host("0.0.0.0"));
        let lan: SocketAddr = "10.1.2.3:8080".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(HostPolicy::new(lan, &[]).allows_host("10.1.2.3:8080"));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap_or_else(|e| panic!("{e}")));
        }
        h
    }

    #[test]
    fn writes_from_other_origins_are_spotted() {
        let host = "127.0.0.1:8080";
        assert!(!cross_origin(&headers(&[]), host), "curl sends no Origin");
        assert!(!cross_origin(
            &headers(&[("origin", "http://127.0.0.1:8080")]),
            host
        ));
        for bad in [
            "http://evil.example",
            "http://127.0.0.1:9999",
            "http://localhost:8080",
            "null",
            "file://",
        ] {
            assert!(
                cross_origin(&headers(&[("origin", bad)]), host),
                "{bad} passed"
            );
        }
        assert!(!cross_origin(
            &headers(&[("origin", "https://gov.example")]),
            "gov.example"
        ));
        assert!(cross_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            host
        ));
        assert!(!cross_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            host
        ));
    }
}
