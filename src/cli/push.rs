//! `govgate push`: load the release into a remote RDF store over the SPARQL 1.1 Protocol.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::{Exit, Failure, load_content};
use crate::config::{Config, Secret};
use crate::startup::release_sources;
use crate::store::load::LoadAction;
use crate::store::push::{self, PushError};
use crate::store::remote::{RemoteConfig, RemoteStore};

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The store's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query.
    #[arg(long, value_name = "URL")]
    pub query_url: String,
    /// The store's SPARQL update endpoint, e.g. http://127.0.0.1:7878/update.
    #[arg(long, value_name = "URL")]
    pub update_url: String,
    /// Environment variable holding a bearer token for the store.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// This loader's name in the store's lease (default: host name and process id).
    #[arg(long, value_name = "NAME")]
    pub holder: Option<String>,
    /// Seconds to wait for another loader to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub wait: u64,
}

pub fn run(config: &Config, args: PushArgs) -> Result<(), Failure> {
    let content = load_content(config)?;
    let sources = release_sources(&content)?;
    let token = match &args.token_env {
        Some(var) => Some(Secret::new(
            std::env::var(var)
                .map_err(|_| Failure::new(Exit::Config, format!("--token-env names `{var}`, which is not set")))?,
        )),
        None => None,
    };
    let remote = RemoteStore::new(RemoteConfig {
        query_url: args.query_url,
        update_url: args.update_url,
        token,
        ..RemoteConfig::new("")
    })
    .map_err(|e| Failure::new(Exit::Failure, e))?;
    let holder = args.holder.unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}:{}", host.trim(), std::process::id())
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::new(Exit::Failure, e))?;
    let actions = runtime.block_on(push::push(&remote, &sources, &holder, Duration::from_secs(args.wait))).map_err(
        |e| match e {
            PushError::Content(_) => Failure::new(Exit::InvalidInput, e),
            other => Failure::new(Exit::Failure, other),
        },
    )?;
    let mut stdout = std::io::stdout().lock();
    for (kind, action) in actions {
        let done = match action {
            LoadAction::Unchanged => "unchanged".to_owned(),
            LoadAction::Loaded { quads } => format!("loaded {quads} quads"),
        };
        writeln!(stdout, "{}\t{done}", kind.iri().as_str()).map_err(|e| Failure::new(Exit::Failure, e))?;
    }
    Ok(())
}
