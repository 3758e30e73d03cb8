//! The `govgate` command line: argument parsing and dispatch to the library. Each verb is
//! a thin adapter; the work happens in the library modules.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError, HttpOverrides, LogFormat, LogOverrides, Overrides};
use crate::content::{self, Content};
use crate::http::{self, AppState};
use crate::startup::{Gateway, StartupError, StoreMode};
use crate::store::StoreError;
use crate::telemetry;

mod assess;
mod exchange;
mod lift;
mod mappings;
mod ontology;
mod push;
mod query;
mod translate;

pub use mappings::MappingsCommand;
pub use ontology::OntologyCommand;

/// Exit codes, documented in `govgate --help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// The command failed at run time (I/O, store, network).
    Failure = 1,
    /// The command line was wrong (clap's own code).
    Usage = 2,
    /// The configuration is invalid.
    Config = 3,
    /// The store cannot be opened: unwritable or in use by another govgate.
    StoreUnavailable = 4,
    /// The input (a document, a query, a content file) is invalid.
    InvalidInput = 5,
    /// A translation succeeded but required fields remain missing.
    GapsRemain = 6,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  failure at run time (I/O, store, network)
  2  usage error on the command line
  3  invalid configuration (unknown key, bad value, missing file)
  4  store unavailable (data directory unwritable or used by another govgate)
  5  invalid input (document, query or content file)
  6  translated, but required fields remain missing (see the gap report)

Configuration layers, lowest first: built-in defaults, the TOML file (--config or
GOVGATE_CONFIG), GOVGATE_* environment variables (GOVGATE_HTTP__BIND sets http.bind),
then these flags. `govgate config show` prints the result.";

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (ontology release ", crate::ontology_release!(), ")");

/// govgate: a cross-border AI-governance interoperability gateway.
///
/// It maps each jurisdiction's AI-governance instruments onto one shared RDF ontology and
/// uses it to translate reports and data-transfer declarations between jurisdictions.
#[derive(Debug, Parser)]
#[command(name = "govgate", version = VERSION, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "GOVGATE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory of the embedded store (default ./govgate-data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Read ontology/, mappings/ and schemas/ from DIR instead of the bundled release.
    #[arg(long, global = true, value_name = "DIR")]
    pub content_dir: Option<PathBuf>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<CliLogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CliLogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway: open the embedded store, load the release, serve HTTP.
    ///
    /// Stops gracefully on SIGINT or SIGTERM: in-flight requests get
    /// http.shutdown_timeout_secs to finish.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Check, count and search the shared ontology.
    #[command(subcommand)]
    Ontology(OntologyCommand),
    /// Validate, format, export, chain and measure the crosswalks (SSSOM mapping sets).
    #[command(subcommand)]
    Mappings(MappingsCommand),
    /// Run an RML-Core mapping (JSONPath or XPath) over JSON or XML data and write RDF.
    ///
    /// Large JSON inputs stream record by record when every triples map iterates the same
    /// array; memory then stays flat.
    Lift(lift::LiftArgs),
    /// Translate a document (or a directory of them) into another jurisdiction's format,
    /// with a gap report; exit 6 when required fields remain missing.
    Translate(translate::TranslateArgs),
    /// Validate a document against its profile: every violation with its JSON pointer or XPath.
    Validate(translate::ValidateArgs),
    /// List the document profiles govgate can read and write.
    Profiles,
    /// Decide the transfer mechanism each regime requires for a declaration or a
    /// transfer-facts document, with every rule, citation and missing fact.
    AssessTransfer(assess::AssessArgs),
    /// Decide which instruments, tiers and obligations apply to an AI system in each
    /// jurisdiction, from an ai-system-profile (or any document that describes the system).
    Classify(assess::AssessArgs),
    /// Regulatory sandboxes: grade supervision of a plan.
    #[command(subcommand)]
    Sandbox(assess::SandboxCommand),
    /// Run a SPARQL query against the embedded store (the public graphs unless
    /// --all-graphs) and print the answer.
    Query(query::QueryArgs),
    /// Load the release (ontology and mapping sets) into a remote RDF store over the SPARQL
    /// 1.1 Protocol, one loader at a time; unchanged graphs are left alone.
    Push(push::PushArgs),
    /// Send a document to another agency's gateway: sealed, queued in the running gateway's
    /// outbox and delivered over mutual TLS with a signed receipt.
    Send(exchange::SendArgs),
    /// List the messages sent (state, attempts, last error).
    Outbox(exchange::ListArgs),
    /// List the messages received.
    Inbox(exchange::ListArgs),
    /// Verify and export the tamper-evident evidence log.
    #[command(subcommand)]
    Evidence(exchange::EvidenceCommand),
    /// A local PKI and trust directory for trying two gateways on one machine.
    #[command(subcommand)]
    Pki(exchange::PkiCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (all layers merged) as TOML.
    Show,
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl ToString) -> Self {
        Self { exit, message: message.to_string() }
    }
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Failure::new(Exit::Config, error)
    }
}

impl From<StartupError> for Failure {
    fn from(error: StartupError) -> Self {
        let exit = match &error {
            StartupError::Store(StoreError::Locked(_) | StoreError::Unwritable { .. } | StoreError::Open { .. }) => {
                Exit::StoreUnavailable
            }
            StartupError::Store(StoreError::Parse { .. })
            | StartupError::NoOntology
            | StartupError::Content(_)
            | StartupError::Translate(_)
            | StartupError::Rules(_)
            | StartupError::Ontology(_) => Exit::InvalidInput,
            StartupError::Exchange(_) => Exit::Config,
            _ => Exit::Failure,
        };
        Failure::new(exit, error)
    }
}

impl Cli {
    fn overrides(&self) -> Overrides {
        let bind = match &self.command {
            Command::Serve { bind } => bind.clone(),
            _ => None,
        };
        Overrides {
            data_dir: self.data_dir.clone(),
            content_dir: self.content_dir.clone(),
            http: HttpOverrides { bind },
            log: LogOverrides {
                format: self.log_format.map(|f| match f {
                    CliLogFormat::Text => LogFormat::Text,
                    CliLogFormat::Json => LogFormat::Json,
                }),
            },
        }
    }

    /// Runs the command.
    pub fn run(self) -> Result<(), Failure> {
        let config = Config::load(self.config.as_deref(), &self.overrides())?;
        match self.command {
            Command::Config(ConfigCommand::Show) => {
                let mut stdout = std::io::stdout().lock();
                write!(stdout, "{}", config.to_toml()).map_err(|e| Failure::new(Exit::Failure, e))
            }
            Command::Serve { .. } => serve(config),
            Command::Ontology(command) => ontology::run(&config, command),
            Command::Mappings(command) => mappings::run(&config, command),
            Command::Lift(args) => lift::run(args),
            Command::Translate(args) => translate::translate(&config, args),
            Command::Validate(args) => translate::validate(&config, args),
            Command::Profiles => translate::profiles(&config),
            Command::AssessTransfer(args) => assess::run(&config, crate::rules::Kind::Transfer, args),
            Command::Classify(args) => assess::run(&config, crate::rules::Kind::Applicability, args),
            Command::Sandbox(command) => assess::sandbox(&config, command),
            Command::Query(args) => query::run(config, args),
            Command::Push(args) => push::run(&config, args),
            Command::Send(args) => exchange::send(&config, args),
            Command::Outbox(args) => exchange::list(&config, args, "outbox"),
            Command::Inbox(args) => exchange::list(&config, args, "inbox"),
            Command::Evidence(command) => exchange::evidence(&config, command),
            Command::Pki(command) => exchange::pki(command),
        }
    }
}

fn serve(config: Config) -> Result<(), Failure> {
    telemetry::init(&config.log);
    if config.sparql.quick_budget_ms > 0 {
        // Before the release is loaded: see `Watchdog::shared`.
        crate::sparql::quick::Watchdog::shared();
    }
    let gateway = Gateway::start(config, StoreMode::Durable)?;
    tracing::info!(
        release = content::ONTOLOGY_RELEASE,
        data_dir = %gateway.config.data_dir.display(),
        load_ms = gateway.load_time.as_secs_f64() * 1e3,
        graphs = ?gateway.load_report,
        "store open, release loaded"
    );
    release_startup_memory();
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let state = AppState::new(gateway);
        let cannot_listen = |e| Failure::new(Exit::Failure, format!("cannot listen: {e}"));
        let (server, address) = http::bind(state.clone()).map_err(cannot_listen)?;
        let admin = http::bind_admin(state.clone())
            .map_err(|e| Failure::new(Exit::Failure, format!("cannot listen for admin: {e}")))?;
        // One line, so a supervisor reading the first line has both addresses; a closed
        // stdout must not stop the server.
        let admin_note =
            admin.as_ref().map_or(String::new(), |(_, a)| format!("; admin (updates, Graph Store) on http://{a}"));
        let _ = writeln!(
            std::io::stdout(),
            "govgate listening on http://{address} (ready at http://{address}/readyz){admin_note}"
        );
        tracing::info!(%address, admin = ?admin.as_ref().map(|(_, a)| a), "listening");
        let admin = admin.map(|(admin, _)| actix_web::rt::spawn(admin));
        // The agency exchange: its mutual-TLS listener and the outbox worker.
        let exchange = http::exchange::bind(state.clone())
            .map_err(|e| Failure::new(Exit::Config, format!("cannot start the exchange listener: {e}")))?;
        let exchange = exchange.map(|(listener, address, verifier)| {
            let _ = writeln!(std::io::stdout(), "exchange (mutual TLS) on https://{address}");
            tracing::info!(%address, "exchange listening");
            tokio::spawn(http::exchange::run_outbox(state.clone()));
            if let Some(exchange) = state.exchange.clone() {
                tokio::spawn(http::exchange::run_reloader(exchange, Some(verifier)));
            }
            actix_web::rt::spawn(listener)
        });
        let result = server.await.map_err(|e| Failure::new(Exit::Failure, e));
        // Every listener stops on the same signal; wait for the others to drain too.
        if let Some(admin) = admin {
            let _ = admin.await;
        }
        if let Some(exchange) = exchange {
            let _ = exchange.await;
        }
        result
    })
}

/// Start-up parses the whole release (and, on a first start, bulk-loads it); glibc keeps
/// the freed pages for reuse. Give them back, so an idle gateway holds only what it uses.
fn release_startup_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The release content the configuration names: a directory, or the bundle.
fn load_content(config: &Config) -> Result<Content, Failure> {
    match &config.content_dir {
        Some(dir) => Content::from_dir(dir).map_err(|e| Failure::new(Exit::InvalidInput, e)),
        None => Ok(Content::bundled()),
    }
}
