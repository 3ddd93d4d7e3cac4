//! `govtrust serve`: the JSON API ([`api`]) and the analyst pages ([`pages`]) over one store,
//! behind the token rules of [`auth`]. The server binds loopback unless a token is configured,
//! and is read-only unless a write token is configured. Scores are computed per request from
//! the stored facts, so a decision on evidence shows at once.

pub mod api;
pub mod auth;
pub mod jobs;
pub mod origin;
pub mod pages;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::config::Project;
use crate::schedule::{ScheduleOptions, Shutdown};
use crate::service::Runner;
use crate::store::Store;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("listening on {0} (not loopback) needs a token: --token or GOVTRUST_TOKEN")]
    NeedsToken(SocketAddr),
    #[error(
        "listening on {0} (every address) needs the host names clients use: --allow-host or [serve] allowed_hosts"
    )]
    NeedsAllowedHosts(SocketAddr),
    #[error("--allow-host {0:?}: a host name or IP address without scheme, port or path")]
    BadHost(String),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Io(#[from] std::io::Error),
}

/// How the server listens and whom it lets in.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Required on every request when set (always set off loopback).
    pub token: Option<String>,
    /// Required for every POST; without it the server is read-only.
    pub write_token: Option<String>,
    /// Host names answered besides loopback and the listening address ([`origin`]).
    pub allowed_hosts: Vec<String>,
    /// The job slot behind `POST /api/runs` and `POST /api/report` (and the schedule, when the
    /// service runs one); by default one on the server's runtime with default crawl options.
    pub runner: Option<Arc<Runner>>,
    /// Where `POST /api/backup` writes its copies (a new directory each); none: 409.
    pub backup_dir: Option<PathBuf>,
}

impl ServeOptions {
    /// Loopback at `listen`, no tokens, no further host names.
    pub fn local(listen: SocketAddr) -> ServeOptions {
        ServeOptions {
            listen,
            token: None,
            write_token: None,
            allowed_hosts: Vec::new(),
            runner: None,
            backup_dir: None,
        }
    }
}

/// What every handler shares.
pub struct AppState {
    pub project: Project,
    pub store: Store,
    pub token: Option<String>,
    pub write_token: Option<String>,
    pub hosts: origin::HostPolicy,
    pub runner: Arc<Runner>,
    pub backup_dir: Option<PathBuf>,
}

pub type Shared = Arc<AppState>;

/// The JSON API's routes (all GET). Tests check each answers and is in docs/openapi.yaml.
pub const API_ROUTES: &[&str] = &[
    "/api/units",
    "/api/units/{id}",
    "/api/units/{id}/items",
    "/api/scores",
    "/api/evidence",
    "/api/evidence/{id}",
    "/api/documents",
    "/api/documents/{id}",
    "/api/runs",
    "/api/discrepancies",
    "/api/snapshots/{hash}",
    "/api/service",
];

/// The service's write routes ([`jobs`]), as (method, path); in docs/openapi.yaml.
pub const JOB_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/runs"),
    ("POST", "/api/report"),
    ("POST", "/api/backup"),
];

/// The pages' routes, as (method, path); also documented in docs/openapi.yaml.
pub const PAGE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/units/{id}"),
    ("GET", "/search"),
    ("GET", "/snapshots/{hash}"),
    ("GET", "/snapshots/{hash}/raw"),
    ("POST", "/evidence/{id}/decision"),
    ("GET", "/assets/style.css"),
    ("GET", "/login"),
];

pub fn router(state: Shared) -> Router {
    Router::new()
        .route(API_ROUTES[0], get(api::units))
        .route(API_ROUTES[1], get(api::unit))
        .route(API_ROUTES[2], get(api::unit_items))
        .route(API_ROUTES[3], get(api::scores))
        .route(API_ROUTES[4], get(api::evidence_list))
        .route(API_ROUTES[5], get(api::evidence_one))
        .route(API_ROUTES[6], get(api::documents))
        .route(API_ROUTES[7], get(api::document))
        .route(API_ROUTES[8], get(api::runs).post(jobs::run_now))
        .route(API_ROUTES[9], get(api::discrepancies))
        .route(API_ROUTES[10], get(api::snapshot))
        .route(API_ROUTES[11], get(jobs::status))
        .route(JOB_ROUTES[1].1, post(jobs::report))
        .route(JOB_ROUTES[2].1, post(jobs::backup))
        .route(PAGE_ROUTES[0].1, get(pages::dashboard))
        .route(PAGE_ROUTES[1].1, get(pages::unit))
        .route(PAGE_ROUTES[2].1, get(pages::search))
        .route(PAGE_ROUTES[3].1, get(pages::snapshot))
        .route(PAGE_ROUTES[4].1, get(pages::snapshot_raw))
        .route(PAGE_ROUTES[5].1, post(pages::decide))
        .route(PAGE_ROUTES[6].1, get(pages::style))
        .route(PAGE_ROUTES[7].1, get(auth::login))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::guard,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "未找到\n").into_response()
}

/// Headers on every response; the snapshot routes set their own, stricter CSP first.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'self'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    res
}

/// A server running on a tokio runtime: its address and a way to stop it.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), ServeError>>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets requests in flight finish.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(ServeError::Io(std::io::Error::other(e))),
        }
    }
}

/// `configured`: the settings' `[serve] allowed_hosts`, already validated at load.
fn check_options(opts: &ServeOptions, configured: &[String]) -> Result<(), ServeError> {
    if !opts.listen.ip().is_loopback() && opts.token.as_deref().is_none_or(str::is_empty) {
        return Err(ServeError::NeedsToken(opts.listen));
    }
    if let Some(h) = opts
        .allowed_hosts
        .iter()
        .find(|h| !crate::config::serve::valid_host_name(h))
    {
        return Err(ServeError::BadHost(h.clone()));
    }
    if opts.listen.ip().is_unspecified() && opts.allowed_hosts.is_empty() && configured.is_empty() {
        return Err(ServeError::NeedsAllowedHosts(opts.listen));
    }
    Ok(())
}

/// Binds and serves in a background task of the current runtime (port 0 picks a free port).
pub async fn start(
    project: Project,
    store: Store,
    opts: ServeOptions,
) -> Result<RunningServer, ServeError> {
    check_options(&opts, &project.settings.serve.allowed_hosts)?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: opts.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let mut extra = project.settings.serve.allowed_hosts.clone();
    extra.extend(opts.allowed_hosts.iter().cloned());
    let runner = opts.runner.clone().unwrap_or_else(|| {
        Runner::new(
            project.clone(),
            store.clone(),
            ScheduleOptions::default(),
            Shutdown::new(),
            tokio::runtime::Handle::current(),
        )
    });
    let state = Arc::new(AppState {
        hosts: origin::HostPolicy::new(addr, &extra),
        runner,
        backup_dir: opts.backup_dir.clone(),
        project,
        store,
        token: opts.token.filter(|t| !t.is_empty()),
        write_token: opts.write_token.filter(|t| !t.is_empty()),
    });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .map_err(ServeError::Io)
    });
    Ok(RunningServer {
        addr,
        stop: Some(tx),
        task,
    })
}

/// Serves until `until` completes (Ctrl-C in the binary).
pub async fn serve(
    project: Project,
    store: Store,
    opts: ServeOptions,
    until: impl Future<Output = ()>,
) -> Result<SocketAddr, ServeError> {
    let server = start(project, store, opts).await?;
    let addr = server.addr();
    tracing::info!("serving on http://{addr}");
    until.await;
    server.shutdown().await?;
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_token() {
        let mut o = ServeOptions::local("0.0.0.0:8080".parse().unwrap_or_else(|e| panic!("{e}")));
        assert!(matches!(
            check_options(&o, &[]),
            Err(ServeError::NeedsToken(_))
        ));
        o.token = Some(String::new());
        assert!(check_options(&o, &[]).is_err());
        o.token = Some("t".into());
        assert!(matches!(
            check_options(&o, &[]),
            Err(ServeError::NeedsAllowedHosts(_))
        ));
        o.allowed_hosts = vec!["govtrust.example".into()];
        assert!(check_options(&o, &[]).is_ok());
        o.listen = "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}"));
        o.token = None;
        assert!(check_options(&o, &[]).is_ok());
        o.listen = "[::1]:0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(check_options(&o, &[]).is_ok());
    }
}
