//! `govgate mappings`: validate, format, export, chain and measure the crosswalks.

use std::fs;
use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNode;

use super::{Exit, Failure, load_content};
use crate::config::Config;
use crate::content::Content;
use crate::mappings::{self, MappingSet, TermIndex, chain, coverage, export, sssom, validate};
use crate::ontology::Ontology;

#[derive(Debug, Subcommand)]
pub enum MappingsCommand {
    /// Validate every crosswalk against govgate's SSSOM profile and the ontology; exit 5
    /// on any issue (each with file, line and column).
    Validate,
    /// Rewrite crosswalk files into canonical form (key and column order, sorted rows).
    Fmt {
        /// The content directory to rewrite (default: the current directory).
        #[arg(long, value_name = "DIR", default_value = ".")]
        root: PathBuf,
    },
    /// Export mapping sets.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Only this set (its name, e.g. `eu-ai-act--cn-labeling`); default all.
        #[arg(long, value_name = "NAME")]
        set: Option<String>,
        /// Write one file per set into DIR instead of printing.
        #[arg(long, short, value_name = "DIR")]
        output: Option<PathBuf>,
    },
    /// Print the rows chaining through the hub infers (never curated, marked as chained).
    Chain,
    /// For each module, how many duty-bearing provisions are mapped to the hub, to other
    /// modules, or explicitly unmatched; list the gaps.
    Coverage {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    SssomTsv,
    SssomJson,
    Turtle,
    Jsonld,
    Oscal,
}

pub(super) fn run(config: &Config, command: MappingsCommand) -> Result<(), Failure> {
    let content = load_content(config)?;
    match command {
        MappingsCommand::Validate => {
            let terms = term_index(&content)?;
            let issues = mappings::validate_all(&content, &terms).map_err(invalid)?;
            for issue in &issues {
                println!("{issue}");
            }
            let files = content.files(mappings::CROSSWALKS_DIR, ".sssom.tsv").count();
            if issues.is_empty() {
                println!("{files} mapping sets, no issues");
                Ok(())
            } else {
                Err(Failure::new(
                    Exit::InvalidInput,
                    format!("{} issues in {} files", issues.len(), validate::by_file(&issues).len()),
                ))
            }
        }
        MappingsCommand::Fmt { root } => {
            let content = Content::from_dir(&root).map_err(invalid)?;
            for (file, text) in mappings::read_all(&content).map_err(invalid)? {
                let canonical = sssom::write(&file);
                if canonical != text {
                    fs::write(root.join(&file.path), canonical).map_err(|e| Failure::new(Exit::Failure, e))?;
                    println!("rewrote {}", file.path);
                }
            }
            Ok(())
        }
        MappingsCommand::Export { format, set, output } => export_sets(&content, format, set.as_deref(), output),
        MappingsCommand::Chain => {
            let sets = mappings::load_all(&content).map_err(invalid)?;
            println!(
                "subject_id\tpredicate_id\tobject_id\tstrm_relationship\tconfidence\tvia\tfrom_records\tmapping_justification"
            );
            for row in chain::through_hub(&sets) {
                println!(
                    "{}\t{}\t{}\t{}\t{:.3}\t{}\t{}|{}\tsemapv:MappingChaining",
                    row.subject,
                    row.predicate(),
                    row.object,
                    row.relation.as_str(),
                    row.confidence,
                    row.via,
                    row.records[0],
                    row.records[1]
                );
            }
            Ok(())
        }
        MappingsCommand::Coverage { json } => {
            let terms = term_index(&content)?;
            let sets = mappings::load_all(&content).map_err(invalid)?;
            let report = coverage::coverage(&sets, &terms);
            if json {
                println!("{}", serde_json::to_string_pretty(&report).map_err(|e| Failure::new(Exit::Failure, e))?);
            } else {
                print!("{}", coverage::table(&report));
                for module in report.iter().filter(|m| !m.gaps.is_empty()) {
                    println!("\ngaps in {}:", module.module);
                    for gap in &module.gaps {
                        println!("  {gap}");
                    }
                }
            }
            Ok(())
        }
    }
}

fn invalid(error: impl ToString) -> Failure {
    Failure::new(Exit::InvalidInput, error)
}

fn term_index(content: &Content) -> Result<TermIndex, Failure> {
    let ontology = Ontology::from_content(content).map_err(invalid)?;
    TermIndex::build(&ontology).map_err(|e| Failure::new(Exit::Failure, e))
}

fn export_sets(
    content: &Content,
    format: ExportFormat,
    only: Option<&str>,
    output: Option<PathBuf>,
) -> Result<(), Failure> {
    let sets: Vec<MappingSet> = mappings::load_all(content)
        .map_err(invalid)?
        .into_iter()
        .filter(|s| only.is_none_or(|name| s.name == name))
        .collect();
    if sets.is_empty() {
        return Err(invalid(format!("no mapping set named `{}`", only.unwrap_or("*"))));
    }
    let render = |set: &MappingSet| -> Result<(String, &'static str), Failure> {
        Ok(match format {
            ExportFormat::SssomTsv => (sssom::write(&set.file), "sssom.tsv"),
            ExportFormat::SssomJson => (pretty(&export::sssom_json(set))?, "sssom.json"),
            ExportFormat::Turtle => (rdf(set, RdfFormat::Turtle)?, "ttl"),
            ExportFormat::Jsonld => {
                (rdf(set, RdfFormat::JsonLd { profile: oxigraph::io::JsonLdProfileSet::empty() })?, "jsonld")
            }
            ExportFormat::Oscal => {
                let now = time::OffsetDateTime::now_utc()
                    .replace_nanosecond(0)
                    .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
                    .format(&time::format_description::well_known::Rfc3339)
                    .map_err(|e| Failure::new(Exit::Failure, e))?;
                let collection =
                    export::oscal_mapping_collection(&[set], &set.file.header.mapping_set_title, set.version(), &now);
                (pretty(&collection)?, "oscal.json")
            }
        })
    };
    for set in &sets {
        if matches!(format, ExportFormat::Oscal) && !set.mappings.iter().any(mappings::Mapping::is_positive) {
            eprintln!("skipping `{}`: it holds only explicit non-matches, and an OSCAL mapping needs a map", set.name);
            continue;
        }
        let (text, extension) = render(set)?;
        match &output {
            Some(dir) => {
                fs::create_dir_all(dir).map_err(|e| Failure::new(Exit::Failure, e))?;
                let path = dir.join(format!("{}.{extension}", set.name));
                fs::write(&path, text).map_err(|e| Failure::new(Exit::Failure, e))?;
                println!("wrote {}", path.display());
            }
            None => print!("{text}"),
        }
    }
    Ok(())
}

fn pretty(value: &serde_json::Value) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map(|s| s + "\n").map_err(|e| Failure::new(Exit::Failure, e))
}

fn rdf(set: &MappingSet, format: RdfFormat) -> Result<String, Failure> {
    let graph = NamedNode::new_unchecked(&set.file.header.mapping_set_id);
    let mut serializer = RdfSerializer::from_format(format)
        .with_prefix("sssom", "https://w3id.org/sssom/")
        .and_then(|s| s.with_prefix("ggm", "https://w3id.org/govgate/mapping#"))
        .and_then(|s| s.with_prefix("skos", "http://www.w3.org/2004/02/skos/core#"))
        .and_then(|s| s.with_prefix("owl", "http://www.w3.org/2002/07/owl#"))
        .map_err(|e| Failure::new(Exit::Failure, e))?
        .for_writer(Vec::new());
    for quad in mappings::rdf::quads(set, &graph) {
        serializer.serialize_triple(quad.as_ref()).map_err(|e| Failure::new(Exit::Failure, e))?;
    }
    let bytes = serializer.finish().map_err(|e| Failure::new(Exit::Failure, e))?;
    String::from_utf8(bytes).map_err(|e| Failure::new(Exit::Failure, e))
}
