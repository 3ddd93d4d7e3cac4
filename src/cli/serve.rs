//! `govtrust serve`: the JSON API and the analyst pages over the store, until Ctrl-C.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use govtrust::config::Project;
use govtrust::serve::{self, ServeOptions};

use super::open_store;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; anything but loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Access token required on every request (header `Authorization: Bearer …` or /login?token=…).
    #[arg(long, env = "GOVTRUST_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Write token: without it the server is read-only (confirm/reject return 403).
    #[arg(long, env = "GOVTRUST_WRITE_TOKEN", hide_env_values = true)]
    pub write_token: Option<String>,
    /// A host name clients use besides loopback and the listening address (repeatable; also
    /// `[serve] allowed_hosts`); a request under any other name gets 421.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
}

pub fn serve(config: &Path, store: &Path, a: ServeArgs) -> anyhow::Result<ExitCode> {
    let project = Project::load(config)?;
    let store = open_store(store)?;
    store.index_pending()?;
    if store.index_missing()? {
        let n = store.reindex_documents()?;
        eprintln!("已重建文档索引：{n} 篇");
    }
    let writable = a.write_token.as_deref().is_some_and(|w| !w.is_empty());
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let server = serve::start(
            project,
            store,
            ServeOptions {
                listen: a.listen,
                token: a.token,
                write_token: a.write_token,
                allowed_hosts: a.allow_hosts,
            },
        )
        .await?;
        println!(
            "govtrust serve: http://{}/ （{}）；Ctrl-C 停止",
            server.addr(),
            if writable { "可写" } else { "只读" }
        );
        tokio::signal::ctrl_c().await?;
        server.shutdown().await?;
        Ok(ExitCode::SUCCESS)
    })
}
