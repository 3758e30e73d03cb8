//! `govgate query`: a SPARQL query against the embedded store, answered on stdout.

use std::io::{Read, Write};
use std::time::Duration;

use clap::Args;
use oxigraph::io::RdfFormat;
use oxigraph::sparql::CancellationToken;
use oxigraph::sparql::results::QueryResultsFormat;

use super::{Exit, Failure};
use crate::config::Config;
use crate::sparql::{self, Access, AnswerFormat, Evaluation, QueryForm, QueryRequest, SparqlError};
use crate::startup::{Gateway, StoreMode};

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SPARQL query, or `-` to read it from standard input.
    pub query: String,
    /// Answer format: json, xml, csv, tsv (SELECT, ASK); ttl, nt, jsonld, rdf (CONSTRUCT,
    /// DESCRIBE). Default: tsv for results, ttl for graphs.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// See every graph (stored documents too), not only the public ones.
    #[arg(long)]
    pub all_graphs: bool,
    /// Query the release alone in memory, without opening the data directory (works while
    /// a gateway is running on it).
    #[arg(long)]
    pub in_memory: bool,
}

pub(super) fn run(mut config: Config, args: QueryArgs) -> Result<(), Failure> {
    // A query reads the main store only: the exchange (its keys, directory and ledger) is
    // not opened, so it need not be reachable from here.
    config.exchange.enabled = false;
    let text = if args.query == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| Failure::new(Exit::Failure, e))?;
        text
    } else {
        args.query.clone()
    };
    let invalid = |e: SparqlError| Failure::new(Exit::InvalidInput, e);
    let (parsed, form) = sparql::parse(&text, None).map_err(invalid)?;
    let format = answer_format(args.format.as_deref(), form)?;
    let mode = if args.in_memory { StoreMode::InMemory } else { StoreMode::Durable };
    let gateway = Gateway::start(config, mode)?;
    let evaluation = Evaluation {
        access: if args.all_graphs { Access::Admin } else { Access::Public },
        format,
        max_results: usize::MAX,
        cancel: CancellationToken::new(),
        timeout: Duration::MAX,
        public_prefixes: gateway.config.sparql.public_graph_prefixes.clone(),
    };
    let request = QueryRequest { query: text, ..Default::default() };
    let answer = sparql::execute(&gateway.store, parsed, &request, &evaluation).map_err(|e| match e {
        SparqlError::Store(_) | SparqlError::Evaluation(_) => Failure::new(Exit::Failure, e),
        other => Failure::new(Exit::InvalidInput, other),
    })?;
    std::io::stdout().write_all(&answer.body).map_err(|e| Failure::new(Exit::Failure, e))
}

fn answer_format(name: Option<&str>, form: QueryForm) -> Result<AnswerFormat, Failure> {
    let format = match (name, form) {
        (None, QueryForm::Results) => AnswerFormat::Results(QueryResultsFormat::Tsv),
        (None, QueryForm::Graph) => AnswerFormat::Graph(RdfFormat::Turtle),
        (Some(name), QueryForm::Results) => {
            QueryResultsFormat::from_extension(name).map(AnswerFormat::Results).ok_or_else(|| {
                Failure::new(
                    Exit::InvalidInput,
                    format!("`--format {name}`: SELECT and ASK answer as json, xml, csv or tsv"),
                )
            })?
        }
        (Some(name), QueryForm::Graph) => {
            RdfFormat::from_extension(name).map(AnswerFormat::Graph).ok_or_else(|| {
                Failure::new(
                    Exit::InvalidInput,
                    format!("`--format {name}`: CONSTRUCT and DESCRIBE answer as ttl, nt, jsonld or rdf"),
                )
            })?
        }
    };
    Ok(format)
}
