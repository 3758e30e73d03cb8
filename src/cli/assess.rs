//! `govgate assess-transfer`, `govgate classify`, `govgate sandbox`: questions answered
//! by the rule tables, as thin adapters over `assess`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{Exit, Failure, load_content};
use crate::assess::{self, AssessError};
use crate::config::Config;
use crate::rules::Kind;
use crate::translate::{TranslateError, Translator};

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The document (any supported profile), or `-` for standard input.
    pub input: PathBuf,
    /// The date of the question (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Grade how intensely a sandbox plan is supervised, and check it against the scheme's conditions.
    Check(AssessArgs),
}

pub(super) fn run(config: &Config, kind: Kind, args: AssessArgs) -> Result<(), Failure> {
    let content = load_content(config)?;
    let translator = Translator::new(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
    let engine = crate::startup::rules_engine(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
    let as_of = match &args.as_of {
        Some(date) => assess::parse_date(date).map_err(|e| Failure::new(Exit::Usage, e))?,
        None => assess::today(),
    };
    let bytes = if args.input.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|e| Failure::new(Exit::Failure, e))?;
        bytes
    } else {
        std::fs::read(&args.input)
            .map_err(|e| Failure::new(Exit::InvalidInput, format!("cannot read `{}`: {e}", args.input.display())))?
    };
    let assessment = assess::assess(&translator, &engine, kind, &bytes, as_of).map_err(|e| {
        let detail = match &e {
            AssessError::Translate(TranslateError::Invalid(violations)) => {
                violations.iter().map(|v| format!("\n  {}: {}", v.location, v.message)).collect::<String>()
            }
            _ => String::new(),
        };
        Failure::new(Exit::InvalidInput, format!("`{}`: {e}{detail}", args.input.display()))
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&assessment).map_err(|e| Failure::new(Exit::Failure, e))?);
    } else {
        print!("{}", assess::describe(&assessment));
    }
    Ok(())
}

pub(super) fn sandbox(config: &Config, command: SandboxCommand) -> Result<(), Failure> {
    match command {
        SandboxCommand::Check(args) => run(config, Kind::Sandbox, args),
    }
}
