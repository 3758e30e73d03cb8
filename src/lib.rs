//! # govgate
//!
//! A cross-border AI-governance interoperability gateway. govgate maps each
//! jurisdiction's AI-governance instruments (China's generative-AI, algorithm,
//! deep-synthesis and labelling rules and its cross-border data rules; the EU AI Act and
//! GDPR Chapter V; NIST AI RMF; ISO/IEC 42001; the UK, Singapore, Japan, Korea...) onto one
//! shared RDF ontology, and uses it to translate compliance reports and data-transfer
//! declarations between jurisdictions' formats, to decide what applies, to publish the
//! ontology and its crosswalks, and to let agencies exchange documents.
//!
//! It does **not** give legal advice: every answer cites the provisions and the
//! confidence of the legal content it rests on, and says what it could not decide.
//!
//! ## Data flow
//!
//! ```text
//! document -> profile detection -> validation -> lift (RML) -> align (SSSOM crosswalks)
//!          -> rules (re-evaluate the target's triggers) -> check (SHACL) -> lower -> validation
//!          => target document + gap report + provenance
//! ```
//!
//! Every arrow is a plain function with no HTTP in it; the HTTP server, the CLI and the
//! agency exchange are thin adapters over them.
//!
//! ## Module map
//!
//! | module | concept |
//! |---|---|
//! | [`assess`] | questions answered by the rule tables, from any document |
//! | [`config`] | layered configuration: defaults < TOML < environment < flags |
//! | [`content`] | the release content (ontology, mappings, schemas), bundled or from a directory |
//! | [`exchange`] | the agency exchange: trust directory, signed envelopes and receipts, ledger, evidence |
//! | [`store`] | the RDF store, the named-graph policy, versioned start-up loading |
//! | [`mappings`] | the crosswalks: SSSOM reader, strict validator, chaining, exports, coverage |
//! | [`ontology`] | the shared ontology: convention checks, statistics, citation lookup |
//! | [`rml`] | the RML-Core engine (JSONPath, XPath) that lifts documents, with provenance |
//! | [`xml`] | safe XML parsing (no DTDs) and the XPath subset |
//! | [`rules`] | declarative rule tables: transfer mechanisms, applicability, sandbox supervision |
//! | [`sandbox`] | sandbox monitoring: a monitoring or exit report checked against its plan |
//! | [`shacl`] | SHACL Core validation of documents against the jurisdictions' shapes |
//! | [`translate`] | the translation pipeline: detect, validate, lift, align, check, lower, report |
//! | [`sparql`] | SPARQL evaluation with the public-graph rule and query limits |
//! | [`publish`] | what a dereferenced govgate IRI shows: terms, provisions, crosswalk rows |
//! | [`startup`] | bringing a gateway up: content, store, loading |
//! | [`formats`] | document profiles: schemas, RML lifts and field tables |
//! | [`http`] | the public HTTP API (actix-web): health, readiness, metrics, OpenAPI, problems |
//! | [`cli`] | the `govgate` command line |
//! | [`telemetry`] | structured logs |
//!
//! Core modules never import actix, rustls or clap; only [`http`] and [`cli`] do.

pub mod assess;
pub mod cli;
pub mod config;
pub mod content;
pub mod exchange;
pub mod formats;
pub mod http;
pub mod mappings;
pub mod ontology;
pub mod publish;
pub mod rml;
pub mod rules;
pub mod sandbox;
pub mod shacl;
pub mod sparql;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod translate;
pub mod xml;
