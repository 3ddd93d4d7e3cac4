//! Who may do what: with a token configured, every request must carry it (`Authorization:
//! Bearer …`, or the cookie `/login?token=…` sets); POSTs need the write token, and without
//! one configured the server is read-only (403). Cookies are HttpOnly and SameSite=Strict, so
//! another site cannot make an analyst's browser post a decision.

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Shared;

pub const READ_COOKIE: &str = "govtrust_token";
pub const WRITE_COOKIE: &str = "govtrust_write";

/// Equal without an early exit, so timing does not reveal a prefix.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn bearer(h: &HeaderMap) -> Option<&str> {
    h.get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request carries `want` as bearer token or in `cookie_name`.
fn carries(h: &HeaderMap, want: &str, cookie_name: &str) -> bool {
    bearer(h).is_some_and(|t| same(t, want))
        || cookie(h, cookie_name).is_some_and(|t| same(t, want))
}

fn deny(status: StatusCode, msg: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

pub async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let is_login = req.uri().path() == "/login";
    if let Some(t) = &st.token {
        // /login checks its own query parameter.
        if !is_login
            && !carries(h, t, READ_COOKIE)
            && !st
                .write_token
                .as_deref()
                .is_some_and(|w| bearer(h).is_some_and(|b| same(b, w)))
        {
            return deny(
                StatusCode::UNAUTHORIZED,
                "需要访问令牌（Authorization: Bearer … 或 /login?token=…）\n",
            );
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        match &st.write_token {
            None => return deny(StatusCode::FORBIDDEN, "只读模式：未配置写入令牌\n"),
            Some(w) if !carries(h, w, WRITE_COOKIE) => {
                return deny(StatusCode::FORBIDDEN, "需要写入令牌\n")
            }
            Some(_) => {}
        }
    }
    next.run(req).await
}

#[derive(Deserialize)]
pub struct LoginParams {
    token: Option<String>,
    write_token: Option<String>,
}

fn set_cookie(name: &str, value: &str) -> String {
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict")
}

fn cookie_safe(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_graphic() && b != b';' && b != b',' && b != b'"')
}

/// `/login?token=T[&write_token=W]`: checks the tokens and keeps them in cookies.
pub async fn login(State(st): State<Shared>, Query(p): Query<LoginParams>) -> Response {
    let mut cookies = Vec::new();
    if let Some(t) = &st.token {
        match &p.token {
            Some(given) if same(given, t) && cookie_safe(given) => {
                cookies.push(set_cookie(READ_COOKIE, given))
            }
            _ => return deny(StatusCode::UNAUTHORIZED, "访问令牌不正确\n"),
        }
    }
    if let Some(given) = &p.write_token {
        match &st.write_token {
            Some(w) if same(given, w) && cookie_safe(given) => {
                cookies.push(set_cookie(WRITE_COOKIE, given))
            }
            _ => return deny(StatusCode::FORBIDDEN, "写入令牌不正确\n"),
        }
    }
    let mut res = Redirect::to("/").into_response();
    for c in cookies {
        if let Ok(v) = c.parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Whether this request may write (decides whether pages show the decision forms).
pub fn can_write(st: &Shared, h: &HeaderMap) -> bool {
    st.write_token
        .as_deref()
        .is_some_and(|w| carries(h, w, WRITE_COOKIE))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearer_tokens_are_read() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; govtrust_token=sekrit"
                .parse()
                .unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(carries(&h, "sekrit", READ_COOKIE));
        assert!(!carries(&h, "sekrit2", READ_COOKIE));
        assert!(!carries(&h, "sekrit", WRITE_COOKIE));
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            "Bearer w1".parse().unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(carries(&h, "w1", WRITE_COOKIE));
        assert!(!same("w1", "w2") && same("", ""));
    }
}
