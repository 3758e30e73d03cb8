//! `govgate lift`: run an RML mapping over a data file, as any RML engine would.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use oxigraph::io::RdfFormat;

use super::{Exit, Failure};
use crate::rml::{Engine, Mapping, RmlError, Source, WriterSink};
use crate::xml::Document;

/// Input files up to this size are read whole before streaming their records.
const IN_MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct LiftArgs {
    /// The RML mapping (Turtle).
    pub mapping: PathBuf,
    /// The data every logical source reads (default: the `rml:path` of each source,
    /// relative to the mapping's directory).
    #[arg(long, short, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Where to write the RDF (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "n-triples")]
    pub format: OutputFormat,
    /// Base IRI for relative IRIs the mapping generates.
    #[arg(long, default_value = "http://example.com/")]
    pub base: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    NTriples,
    NQuads,
    Turtle,
}

pub(super) fn run(args: LiftArgs) -> Result<(), Failure> {
    let invalid = |e: &dyn std::fmt::Display| Failure::new(Exit::InvalidInput, e);
    let text = std::fs::read_to_string(&args.mapping)
        .map_err(|e| invalid(&format!("cannot read `{}`: {e}", args.mapping.display())))?;
    // Relative IRIs in the mapping (`<#Map>`) resolve against the mapping file itself.
    let location = std::fs::canonicalize(&args.mapping).unwrap_or_else(|_| args.mapping.clone());
    let base = format!("file://{}", location.display());
    let mapping =
        Mapping::parse(&text, Some(&base)).map_err(|e| invalid(&format!("`{}`: {e}", args.mapping.display())))?;
    let engine = Engine::new(mapping, &args.base).map_err(|e| invalid(&e))?.without_locations();
    let format = match args.format {
        OutputFormat::NTriples => RdfFormat::NTriples,
        OutputFormat::NQuads => RdfFormat::NQuads,
        OutputFormat::Turtle => RdfFormat::Turtle,
    };
    let writer: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            File::create(path)
                .map_err(|e| Failure::new(Exit::Failure, format!("cannot write `{}`: {e}", path.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut sink = WriterSink::new(format, BufWriter::with_capacity(1 << 20, writer));
    let directory = args.mapping.parent().map(PathBuf::from).unwrap_or_default();
    let resolve = |path: Option<&str>| -> PathBuf {
        match (&args.input, path) {
            (Some(input), _) => input.clone(),
            (None, Some(path)) => directory.join(path),
            (None, None) => directory.clone(),
        }
    };
    let input_is_json = |path: &PathBuf| path.extension().is_some_and(|e| e == "json");
    // One JSON file read by every triples map, iterated the same way: stream it.
    let paths: Vec<PathBuf> =
        engine.mapping().triples_maps.iter().map(|tm| resolve(tm.source.source.as_deref())).collect();
    let single = paths.first().filter(|first| paths.iter().all(|p| p == *first)).cloned();
    if let Some(input) = single.filter(|p| input_is_json(p)).filter(|_| engine.streaming_path().is_some()) {
        let file = File::open(&input).map_err(|e| invalid(&format!("cannot read `{}`: {e}", input.display())))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(u64::MAX);
        let lifted = if size <= IN_MEMORY_LIMIT {
            // Small enough to read at once, which parses faster; memory then holds the file
            // but never the records' graph.
            let bytes =
                std::fs::read(&input).map_err(|e| invalid(&format!("cannot read `{}`: {e}", input.display())))?;
            engine.run_stream_slice(&bytes, &mut sink)
        } else {
            engine.run_stream(BufReader::with_capacity(1 << 20, file), &mut sink)
        };
        lifted.map_err(|e| invalid(&format!("`{}`: {e}", input.display())))?;
    } else {
        let mut documents: Vec<(PathBuf, Parsed)> = Vec::new();
        for path in paths {
            if documents.iter().any(|(p, _)| *p == path) {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| invalid(&format!("cannot read `{}`: {e}", path.display())))?;
            let parsed = if input_is_json(&path) {
                Parsed::Json(serde_json::from_str(&text).map_err(|e| invalid(&format!("`{}`: {e}", path.display())))?)
            } else {
                Parsed::Xml(Document::parse(&text).map_err(|e| invalid(&format!("`{}`: {e}", path.display())))?)
            };
            documents.push((path, parsed));
        }
        let source = |path: Option<&str>| -> Result<Source<'_>, RmlError> {
            let wanted = resolve(path);
            match documents.iter().find(|(p, _)| *p == wanted) {
                Some((_, Parsed::Json(value))) => Ok(Source::Json(value)),
                Some((_, Parsed::Xml(document))) => Ok(Source::Xml(document)),
                None => Err(RmlError::Data(format!("source `{}` not found", wanted.display()))),
            }
        };
        engine.run(&source, &mut sink).map_err(|e| invalid(&e))?;
    }
    let quads = sink.quads;
    sink.finish().and_then(|mut w| w.flush()).map_err(|e| Failure::new(Exit::Failure, e))?;
    eprintln!("{quads} quads");
    Ok(())
}

enum Parsed {
    Json(serde_json::Value),
    Xml(Document),
}
