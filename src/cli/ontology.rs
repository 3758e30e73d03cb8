//! `govgate ontology`: check, count and search the shared ontology.

use std::path::PathBuf;

use clap::Subcommand;

use super::{Exit, Failure, load_content};
use crate::config::Config;
use crate::ontology::citation::CitationIndex;
use crate::ontology::{Ontology, OntologyError, check, stats};

#[derive(Debug, Subcommand)]
pub enum OntologyCommand {
    /// Check the ontology against its conventions (ontology/README.md); exit 5 on findings.
    Check {
        /// Also check that every reused DPV IRI exists in these DPV Turtle files.
        #[arg(long, value_name = "DIR")]
        dpv: Option<PathBuf>,
    },
    /// Count instruments, provisions, duties, concepts and labels per module.
    Stats {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Find the provision a citation names, e.g. "PIPL Art. 38(1)(3)" or "NIST-AI-RMF GOVERN 1.1".
    Cite { citation: String },
}

pub(super) fn run(config: &Config, command: OntologyCommand) -> Result<(), Failure> {
    let content = load_content(config)?;
    let ontology = Ontology::from_content(&content).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
    let failed = |e: OntologyError| Failure::new(Exit::Failure, e);
    match command {
        OntologyCommand::Check { dpv } => {
            let dpv_terms = dpv.map(|dir| read_subjects(&dir)).transpose()?;
            let findings = check::check(&ontology, dpv_terms.as_ref()).map_err(failed)?;
            for finding in &findings {
                println!("{finding}");
            }
            if findings.is_empty() {
                println!("{} files, no findings", ontology.files().len());
                Ok(())
            } else {
                Err(Failure::new(Exit::InvalidInput, format!("{} findings", findings.len())))
            }
        }
        OntologyCommand::Stats { json } => {
            let modules = stats::stats(&ontology).map_err(failed)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&modules).map_err(|e| Failure::new(Exit::Failure, e))?);
            } else {
                print!("{}", stats::table(&modules));
            }
            Ok(())
        }
        OntologyCommand::Cite { citation } => {
            let index = CitationIndex::build(&ontology).map_err(failed)?;
            let iri = index.resolve(&citation).map_err(|e| Failure::new(Exit::InvalidInput, e))?;
            println!("{iri}");
            Ok(())
        }
    }
}

/// The IRIs that appear as subjects in the Turtle files of `dir` (the DPV release).
pub(super) fn read_subjects(dir: &std::path::Path) -> Result<std::collections::HashSet<String>, Failure> {
    let unreadable =
        |e: std::io::Error| Failure::new(Exit::InvalidInput, format!("cannot read `{}`: {e}", dir.display()));
    let mut terms = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.extension().is_none_or(|e| e != "ttl") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(unreadable)?;
        for quad in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle).for_slice(&bytes) {
            let quad = quad.map_err(|e| Failure::new(Exit::InvalidInput, format!("`{}`: {e}", path.display())))?;
            if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = quad.subject {
                terms.insert(n.into_string());
            }
        }
    }
    Ok(terms)
}
