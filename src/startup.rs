//! Bringing a gateway up: choose the content, open the store, load the release into it.
//! `serve` and the one-shot CLI verbs start the same way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxigraph::io::RdfFormat;

use crate::config::Config;
use crate::content::{Content, ContentError, ONTOLOGY_RELEASE};
use crate::mappings::{self, TermIndex};
use crate::ontology::{Ontology, OntologyError};
use crate::rules;
use crate::store::load::{self, GraphSource, LoadAction, SourceFormat};
use crate::store::{GraphKind, Store, StoreError};
use crate::translate::{TranslateError, Translator};

/// Where the store lives for this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    /// The durable RocksDB store in `data_dir`.
    Durable,
    /// A store in memory, gone when the process ends.
    InMemory,
}

/// A gateway's shared state once it is up.
#[derive(Clone)]
pub struct Gateway {
    pub config: Config,
    pub content: Content,
    pub store: Store,
    /// Profiles, crosswalks and shapes, read once.
    pub translator: Arc<Translator>,
    /// The rule tables, with the ontology terms their answers cite.
    pub rules: Arc<rules::Engine>,
    pub load_report: Vec<(GraphKind, LoadAction)>,
    pub load_time: Duration,
    /// The agency exchange, when `exchange.enabled`.
    pub exchange: Option<Arc<crate::exchange::Exchange>>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the content has no ontology (no `ontology/*.ttl` files)")]
    NoOntology,
    #[error(transparent)]
    Translate(#[from] TranslateError),
    #[error(transparent)]
    Rules(#[from] rules::RulesError),
    #[error(transparent)]
    Ontology(#[from] OntologyError),
    #[error(transparent)]
    Exchange(#[from] crate::exchange::ExchangeError),
}

impl Gateway {
    /// Opens the store and brings the release content into it.
    pub fn start(config: Config, mode: StoreMode) -> Result<Self, StartupError> {
        let phase = Instant::now();
        let content = match &config.content_dir {
            Some(dir) => Content::from_dir(dir)?,
            None => Content::bundled(),
        };
        let store = match mode {
            StoreMode::Durable => Store::open(&config.data_dir)?,
            StoreMode::InMemory => Store::in_memory()?,
        };
        tracing::debug!(ms = ms(phase), "content read, store open");
        let started = Instant::now();
        let sources = release_sources(&content)?;
        let load_report = load::sync(&store, &sources)?;
        let load_time = started.elapsed();
        let phase = Instant::now();
        let translator = Arc::new(Translator::new(&content)?);
        tracing::debug!(ms = ms(phase), "translator built");
        let phase = Instant::now();
        let rules = Arc::new(rules_engine(&content)?);
        tracing::debug!(ms = ms(phase), "rule engine built");
        // The exchange's ledger (inbox, outbox, evidence) is private: it lives in a store of
        // its own, so the main store holds only what the public may see and no admin SPARQL
        // or Graph Store request can reach it.
        let exchange = match config.exchange.enabled {
            true => {
                let ledger_store = match mode {
                    StoreMode::Durable => Store::open(&config.data_dir.join("exchange"))?,
                    StoreMode::InMemory => Store::in_memory()?,
                };
                Some(Arc::new(crate::exchange::Exchange::open(&config.exchange, ledger_store, translator.clone())?))
            }
            false => None,
        };
        Ok(Self { config, content, store, translator, rules, load_report, load_time, exchange })
    }

    /// The ontology release graph this gateway serves.
    pub fn ontology_graph(&self) -> GraphKind {
        GraphKind::Ontology { release: ONTOLOGY_RELEASE.to_owned() }
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

/// The graphs a release is made of: the ontology (every Turtle file below `ontology/`)
/// and one graph per crosswalk mapping-set version.
pub fn release_sources(content: &Content) -> Result<Vec<GraphSource<'_>>, StartupError> {
    let ontology: Vec<_> = content
        .files("ontology/", ".ttl")
        .map(|f| (f.path.as_str(), f.bytes.as_ref(), SourceFormat::Rdf(RdfFormat::Turtle)))
        .collect();
    if ontology.is_empty() {
        return Err(StartupError::NoOntology);
    }
    let mut sources =
        vec![GraphSource { kind: GraphKind::Ontology { release: ONTOLOGY_RELEASE.to_owned() }, files: ontology }];
    for file in content.files(mappings::CROSSWALKS_DIR, ".sssom.tsv") {
        let text = std::str::from_utf8(&file.bytes)
            .map_err(|e| StoreError::Parse { file: file.path.clone(), message: e.to_string() })?;
        let set = mappings::sssom::read(&file.path, text)
            .map_err(|e| StoreError::Parse { file: file.path.clone(), message: e.to_string() })?;
        sources.push(GraphSource {
            kind: GraphKind::MappingSet {
                set: mappings::set_name(&file.path),
                version: set.header.mapping_set_version,
            },
            files: vec![(file.path.as_str(), file.bytes.as_ref(), SourceFormat::Convert(mappings::rdf::convert))],
        });
    }
    Ok(sources)
}

/// The rule tables with the ontology's terms.
pub fn rules_engine(content: &Content) -> Result<rules::Engine, StartupError> {
    let terms = TermIndex::build(&Ontology::from_content(content)?)?;
    Ok(rules::Engine::new(content, terms)?)
}
