//! `govgate send`, `outbox`, `inbox`, `evidence` and `pki`: the agency exchange from the
//! command line. Sending and listing go through the running gateway's admin listener (the
//! gateway owns the store); `evidence verify-bundle` and `pki init` work offline.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{Exit, Failure};
use crate::config::Config;
use crate::exchange::evidence::{Bundle, verify_bundle};
use crate::exchange::pki::{self, AgencySpec};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The receiving agency's id in the trust directory.
    #[arg(long)]
    pub to: String,
    /// The document to send (JSON or XML in one of govgate's profiles).
    pub file: PathBuf,
    /// Message type the directory must permit.
    #[arg(long = "type", default_value = "declaration")]
    pub message_type: String,
    /// The document's profile (detected when omitted).
    #[arg(long)]
    pub profile: Option<String>,
    /// Wait until the receipt arrives (or the message fails).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (the message stays in the outbox).
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
    #[command(flatten)]
    pub admin: AdminArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub admin: AdminArgs,
}

#[derive(Debug, Args, Clone)]
pub struct AdminArgs {
    /// The gateway's admin listener (default: http://<admin.bind> from the configuration).
    #[arg(long, value_name = "URL")]
    pub admin_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Check the whole evidence chain of the running gateway; exit 5 at the first broken
    /// entry, named by its position.
    Verify(AdminArgs),
    /// Write the evidence bundle of one message (envelope, signatures, receipt, keys, chain).
    Export {
        message_id: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        admin: AdminArgs,
    },
    /// Check an evidence bundle on its own, without access to any gateway.
    VerifyBundle {
        file: PathBuf,
        /// The directory authority's public key (base64url): the signing keys are then taken
        /// from the bundle's signed trust directory, not from its key list.
        #[arg(long, value_name = "KEY")]
        authority_key: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a local CA, agency certificates and keys, a CRL, a signed trust directory and
    /// one configuration file per agency, for trying two gateways on one machine.
    Init {
        /// Where to write everything.
        #[arg(long)]
        dir: PathBuf,
        /// An agency as id:JURISDICTION:port (public HTTP on port, admin on port+1, exchange
        /// on port+2). Repeat for each agency.
        #[arg(long = "agency", required = true, num_args = 1..)]
        agencies: Vec<AgencySpec>,
    },
}

fn admin_base(config: &Config, args: &AdminArgs) -> String {
    args.admin_url.clone().unwrap_or_else(|| format!("http://{}", config.admin.bind)).trim_end_matches('/').to_owned()
}

fn client(config: &Config) -> Result<reqwest::Client, Failure> {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(token) = &config.admin.token {
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|e| Failure::new(Exit::Config, format!("admin.token: {e}")))?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| Failure::new(Exit::Failure, e))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| Failure::new(Exit::Failure, e))
}

/// Sends a request to the admin listener and reads a JSON answer; a problem document
/// becomes a failure with its detail.
async fn call(request: reqwest::RequestBuilder, url: &str) -> Result<serde_json::Value, Failure> {
    let response = request.send().await.map_err(|e| {
        Failure::new(
            Exit::Failure,
            format!("cannot reach the gateway's admin listener at {url}: {e} (is `govgate serve` running?)"),
        )
    })?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        let mut detail = body["detail"].as_str().unwrap_or("no detail").to_owned();
        for violation in body["violations"].as_array().into_iter().flatten() {
            let at = violation["location"].as_str().unwrap_or("/");
            detail.push_str(&format!("; {at}: {}", violation["message"].as_str().unwrap_or("")));
        }
        let code = body["code"].as_str().map(|c| format!(" [{c}]")).unwrap_or_default();
        let exit = if status.is_client_error() { Exit::InvalidInput } else { Exit::Failure };
        return Err(Failure::new(exit, format!("{status}{code}: {detail}")));
    }
    Ok(body)
}

pub(super) fn send(config: &Config, args: SendArgs) -> Result<(), Failure> {
    let document = std::fs::read(&args.file)
        .map_err(|e| Failure::new(Exit::InvalidInput, format!("{}: {e}", args.file.display())))?;
    let base = admin_base(config, &args.admin);
    let client = client(config)?;
    runtime()?.block_on(async {
        let mut query = vec![("to", args.to.clone()), ("type", args.message_type.clone())];
        if let Some(profile) = &args.profile {
            query.push(("profile", profile.clone()));
        }
        let url = format!("{base}/exchange/outbox");
        let record = call(client.post(&url).query(&query).body(document), &url).await?;
        let id = record["id"].as_str().unwrap_or_default().to_owned();
        println!("queued {id} for {} ({} in {})", args.to, args.message_type, record["profile"].as_str().unwrap_or(""));
        if !args.wait {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(args.timeout);
        loop {
            if std::time::Instant::now() > deadline {
                return Err(Failure::new(
                    Exit::Failure,
                    format!("{id} not delivered after {} s; it stays in the outbox (govgate outbox)", args.timeout),
                ));
            }
            let outbox = call(client.get(&url), &url).await?;
            let current = outbox.as_array().and_then(|all| all.iter().find(|r| r["id"] == id.as_str())).cloned();
            match current.as_ref().and_then(|r| r["state"].as_str()) {
                Some("delivered") => {
                    println!("delivered {id}");
                    return Ok(());
                }
                Some("failed") => {
                    let error = current.as_ref().and_then(|r| r["last_error"].as_str()).unwrap_or("").to_owned();
                    return Err(Failure::new(Exit::Failure, format!("{id} failed: {error}")));
                }
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
}

pub(super) fn list(config: &Config, args: ListArgs, which: &str) -> Result<(), Failure> {
    let base = admin_base(config, &args.admin);
    let client = client(config)?;
    let url = format!("{base}/exchange/{which}");
    let records = runtime()?.block_on(call(client.get(&url), &url))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&records).unwrap_or_default());
        return Ok(());
    }
    println!("{:<38} {:<16} {:<12} {:<10} {:>8}  profile / last error", "id", "peer", "type", "state", "attempts");
    for r in records.as_array().into_iter().flatten() {
        let s = |k: &str| r[k].as_str().unwrap_or("").to_owned();
        let detail = if r["last_error"].is_string() { s("last_error") } else { s("profile") };
        println!(
            "{:<38} {:<16} {:<12} {:<10} {:>8}  {}",
            s("id"),
            s("peer"),
            s("message_type"),
            s("state"),
            r["attempts"].as_u64().unwrap_or(0),
            detail
        );
    }
    Ok(())
}

pub(super) fn evidence(config: &Config, command: EvidenceCommand) -> Result<(), Failure> {
    match command {
        EvidenceCommand::Verify(admin) => {
            let url = format!("{}/exchange/evidence/verify", admin_base(config, &admin));
            let result = runtime()?.block_on(call(client(config)?.get(&url), &url))?;
            if result["ok"] == true {
                println!("evidence chain intact: {} entries", result["entries"]);
                Ok(())
            } else {
                Err(Failure::new(
                    Exit::InvalidInput,
                    format!(
                        "evidence chain broken at entry {}: {}",
                        result["seq"],
                        result["reason"].as_str().unwrap_or("")
                    ),
                ))
            }
        }
        EvidenceCommand::Export { message_id, output, admin } => {
            let url = format!("{}/exchange/evidence/export/{message_id}", admin_base(config, &admin));
            let bundle = runtime()?.block_on(call(client(config)?.get(&url), &url))?;
            let text = serde_json::to_string_pretty(&bundle).unwrap_or_default();
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| Failure::new(Exit::Failure, format!("{}: {e}", path.display()))),
                None => {
                    println!("{text}");
                    Ok(())
                }
            }
        }
        EvidenceCommand::VerifyBundle { file, authority_key } => {
            let authority = authority_key
                .map(|k| crate::exchange::jws::public_key(&k))
                .transpose()
                .map_err(|e| Failure::new(Exit::InvalidInput, format!("--authority-key: {e}")))?;
            let bytes = std::fs::read(&file)
                .map_err(|e| Failure::new(Exit::InvalidInput, format!("{}: {e}", file.display())))?;
            let bundle: Bundle = serde_json::from_slice(&bytes).map_err(|e| {
                Failure::new(Exit::InvalidInput, format!("{}: not an evidence bundle: {e}", file.display()))
            })?;
            let checked = verify_bundle(&bundle, authority.as_ref())
                .map_err(|e| Failure::new(Exit::InvalidInput, format!("bundle does not verify: {e}")))?;
            for line in checked {
                println!("ok  {line}");
            }
            Ok(())
        }
    }
}

pub(super) fn pki(command: PkiCommand) -> Result<(), Failure> {
    match command {
        PkiCommand::Init { dir, agencies } => {
            let made = pki::init(&dir, &agencies).map_err(|e| Failure::new(Exit::Failure, e))?;
            println!("trust directory: {}", made.directory.display());
            for (id, config) in made.configs {
                println!("{id}: govgate --config {} serve", config.display());
            }
            Ok(())
        }
    }
}
