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
    /// Grade how intensely a sandbox plan is supervised, and check it against the scheme's
    /// conditions; with reports, check each monitoring or exit report against the plan.
    Check(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The sandbox plan (sandbox-plan profile), or `-` for standard input.
    pub plan: PathBuf,
    /// Monitoring or exit reports under the plan (sandbox-report profile): every limit is
    /// found within, breached or unknown, and an exit report's criteria are re-checked.
    pub reports: Vec<PathBuf>,
    /// The date of the question (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Print the answer as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run(config: &Config, kind: Kind, args: AssessArgs) -> Result<(), Failure> {
    let (translator, engine, as_of) = prepare(config, args.as_of.as_deref())?;
    let bytes = read_input(&args.input)?;
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
    let SandboxCommand::Check(args) = command;
    let (translator, engine, as_of) = prepare(config, args.as_of.as_deref())?;
    let plan = read_input(&args.plan)?;
    let reports = args.reports.iter().map(|path| read_input(path)).collect::<Result<Vec<_>, _>>()?;
    let checked = assess::sandbox_check(&translator, &engine, &plan, &reports, as_of).map_err(|e| {
        // Name the file at fault: the plan, or the report the error points into.
        let (file, detail) = match &e {
            AssessError::Translate(TranslateError::Invalid(violations)) => {
                let index = violations.first().and_then(|v| report_index(&v.location));
                let detail = violations
                    .iter()
                    .map(|v| format!("\n  {}: {}", strip_report(&v.location), v.message))
                    .collect::<String>();
                (index.map_or(&args.plan, |i| &args.reports[i]), detail)
            }
            AssessError::Report { index, .. } => (&args.reports[*index], String::new()),
            _ => (&args.plan, String::new()),
        };
        Failure::new(Exit::InvalidInput, format!("`{}`: {e}{detail}", file.display()))
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checked).map_err(|e| Failure::new(Exit::Failure, e))?);
    } else {
        print!("{}", assess::describe(&checked.plan));
        for report in &checked.reports {
            print!("{}", assess::describe_monitoring(report));
        }
    }
    Ok(())
}

/// What every question needs: the translator, the rule engine and the date it is asked on.
fn prepare(config: &Config, as_of: Option<&str>) -> Result<(Translator, crate::rules::Engine, time::Date), Failure> {
    let content = load_content(config)?;
    let translator = Translator::new(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
    let engine = crate::startup::rules_engine(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
    let as_of = match as_of {
        Some(date) => assess::parse_date(date).map_err(|e| Failure::new(Exit::Usage, e))?,
        None => assess::today(),
    };
    Ok((translator, engine, as_of))
}

fn read_input(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|e| Failure::new(Exit::Failure, e))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| Failure::new(Exit::InvalidInput, format!("cannot read `{}`: {e}", path.display())))
}

/// `/reports/2/limits/0` -> 2.
fn report_index(location: &str) -> Option<usize> {
    location.strip_prefix("/reports/")?.split('/').next()?.parse().ok()
}

/// `/reports/2/limits/0` -> `/limits/0`, as the report file itself has it.
fn strip_report(location: &str) -> &str {
    match location.strip_prefix("/reports/") {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    }
}
