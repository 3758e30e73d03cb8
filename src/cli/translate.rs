//! `govgate translate`, `govgate validate`, `govgate profiles`: documents between
//! jurisdictions' formats, as thin adapters over the translation library.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{Exit, Failure, load_content};
use crate::config::Config;
use crate::translate::{OutputForm, TranslateError, Translator};

#[derive(Debug, Args)]
pub struct TranslateArgs {
    /// The source profile (default: detected from the document).
    #[arg(long, value_name = "PROFILE")]
    pub from: Option<String>,
    /// The target profile.
    #[arg(long, value_name = "PROFILE")]
    pub to: String,
    /// A document, a directory of documents, or `-` for standard input.
    pub input: PathBuf,
    /// Write translations (and `.gaps.json` reports) into DIR; default: print to standard output.
    #[arg(long, short, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// The form of the translated document.
    #[arg(long, value_enum, default_value = "json")]
    pub form: CliForm,
    /// Also write the gap report as HTML (with --output).
    #[arg(long)]
    pub html: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CliForm {
    Json,
    Xml,
    Turtle,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The profile (default: the one the document names).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// A document, or `-` for standard input.
    pub input: PathBuf,
}

fn translator(config: &Config) -> Result<Translator, Failure> {
    let content = load_content(config)?;
    Translator::new(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))
}

fn read_input(path: &Path) -> Result<Vec<u8>, Failure> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| Failure::new(Exit::Failure, e))?;
        return Ok(bytes);
    }
    fs::read(path).map_err(|e| Failure::new(Exit::InvalidInput, format!("cannot read `{}`: {e}", path.display())))
}

/// A translation failure as a one-line message, every violation listed when the input is invalid.
fn describe(source: &Path, error: &TranslateError) -> String {
    match error {
        TranslateError::Invalid(violations) => {
            let list: Vec<String> = violations.iter().map(|v| format!("  {}: {}", v.location, v.message)).collect();
            format!("`{}` is invalid:\n{}", source.display(), list.join("\n"))
        }
        other => format!("`{}`: {other}", source.display()),
    }
}

pub(super) fn translate(config: &Config, args: TranslateArgs) -> Result<(), Failure> {
    let translator = translator(config)?;
    let form = match args.form {
        CliForm::Json => OutputForm::Json,
        CliForm::Xml => OutputForm::Xml,
        CliForm::Turtle => OutputForm::Turtle,
    };
    let inputs: Vec<PathBuf> = if args.input.is_dir() {
        let mut files: Vec<PathBuf> = fs::read_dir(&args.input)
            .map_err(|e| Failure::new(Exit::InvalidInput, format!("cannot read `{}`: {e}", args.input.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "xml"))
            .collect();
        files.sort();
        files
    } else {
        vec![args.input.clone()]
    };
    if inputs.len() > 1 && args.output.is_none() {
        return Err(Failure::new(Exit::Failure, "translating a directory needs --output DIR"));
    }
    let progress = inputs.len() > 1;
    let (mut failed, mut with_gaps) = (0usize, 0usize);
    for (index, input) in inputs.iter().enumerate() {
        if progress {
            eprint!("\r[{}/{}] {}", index + 1, inputs.len(), input.display());
        }
        let bytes = read_input(input)?;
        let translation = match translator.translate(&bytes, args.from.as_deref(), &args.to, form) {
            Ok(t) => t,
            Err(error) => {
                if inputs.len() == 1 {
                    return Err(Failure::new(Exit::InvalidInput, describe(input, &error)));
                }
                eprintln!("\n{}", describe(input, &error));
                failed += 1;
                continue;
            }
        };
        if translation.report.has_gaps() {
            with_gaps += 1;
        }
        match &args.output {
            None => {
                print!("{}", String::from_utf8_lossy(&translation.output));
                eprint!("{}", translation.report.table());
            }
            Some(dir) => {
                fs::create_dir_all(dir).map_err(|e| Failure::new(Exit::Failure, e))?;
                let stem = input.file_stem().map_or_else(|| "stdin".to_owned(), |s| s.to_string_lossy().into_owned());
                let extension = match form {
                    OutputForm::Json => "json",
                    OutputForm::Xml => "xml",
                    OutputForm::Turtle => "ttl",
                };
                let write = |name: String, bytes: &[u8]| {
                    fs::write(dir.join(name), bytes).map_err(|e| Failure::new(Exit::Failure, e))
                };
                write(format!("{stem}.{}.{extension}", args.to), &translation.output)?;
                let report =
                    serde_json::to_vec_pretty(&translation.report).map_err(|e| Failure::new(Exit::Failure, e))?;
                write(format!("{stem}.{}.gaps.json", args.to), &report)?;
                if args.html {
                    write(format!("{stem}.{}.gaps.html", args.to), translation.report.html().as_bytes())?;
                }
                if !progress {
                    eprint!("{}", translation.report.table());
                }
            }
        }
    }
    if progress {
        eprintln!("\n{} translated, {} failed, {} with gaps", inputs.len() - failed, failed, with_gaps);
    }
    if failed > 0 {
        return Err(Failure::new(
            Exit::InvalidInput,
            format!("{failed} of {} documents could not be translated", inputs.len()),
        ));
    }
    if with_gaps > 0 {
        return Err(Failure {
            exit: Exit::GapsRemain,
            message: format!("{with_gaps} translation(s) have required fields missing or shape violations"),
        });
    }
    Ok(())
}

pub(super) fn validate(config: &Config, args: ValidateArgs) -> Result<(), Failure> {
    let translator = translator(config)?;
    let bytes = read_input(&args.input)?;
    let profile = translator
        .validate(&bytes, args.profile.as_deref())
        .map_err(|e| Failure::new(Exit::InvalidInput, describe(&args.input, &e)))?;
    println!("`{}` is a valid {}", args.input.display(), profile.id);
    Ok(())
}

pub(super) fn profiles(config: &Config) -> Result<(), Failure> {
    let translator = translator(config)?;
    for profile in translator.profiles.iter() {
        let forms: Vec<&str> = [profile.json.as_ref().map(|_| "json"), profile.xml.as_ref().map(|_| "xml")]
            .into_iter()
            .flatten()
            .collect();
        let note = if profile.translatable() { "" } else { " [rules only: validated and checked, not translated]" };
        println!("{:<34} {:<3} {:<9} {}{note}", profile.id, profile.jurisdiction, forms.join("+"), profile.title);
    }
    Ok(())
}
