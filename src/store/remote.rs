//! A client for a remote RDF store reached only through the W3C SPARQL 1.1 Protocol (query
//! and update), as GraphDB, Amazon Neptune, Virtuoso, Stardog and `oxigraph serve` all
//! speak it. Reads are retried on transient failures (they are idempotent); updates are
//! sent once, and a failed update is reported, never repeated behind the caller's back.

use std::time::Duration;

use oxigraph::sparql::QuerySolution;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};

use crate::config::Secret;

/// Where the remote store answers and how to talk to it.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// The SPARQL query endpoint.
    pub query_url: String,
    /// The SPARQL update endpoint (often the same URL).
    pub update_url: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub token: Option<Secret>,
    /// Time one request may take.
    pub timeout: Duration,
    /// Further attempts of a read after a transient failure (connection, 429, 5xx).
    pub read_retries: u32,
}

impl RemoteConfig {
    /// One endpoint for queries and updates, with the usual limits.
    pub fn new(endpoint: impl Into<String>) -> Self {
        let endpoint = endpoint.into();
        Self {
            query_url: endpoint.clone(),
            update_url: endpoint,
            token: None,
            timeout: Duration::from_secs(60),
            read_retries: 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    #[error("{url} answered {status}: {body}")]
    Status { url: String, status: StatusCode, body: String },
    #[error("{url} sent an answer that is not SPARQL results: {message}")]
    Answer { url: String, message: String },
}

impl RemoteError {
    fn is_transient(&self) -> bool {
        match self {
            RemoteError::Transport { .. } => true,
            RemoteError::Status { status, .. } => status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS,
            _ => false,
        }
    }
}

/// A pooled connection to one remote store; cheap to clone.
#[derive(Clone)]
pub struct RemoteStore {
    client: reqwest::Client,
    config: RemoteConfig,
}

impl RemoteStore {
    pub fn new(config: RemoteConfig) -> Result<Self, RemoteError> {
        // reqwest is built without a default TLS provider; an error only means one is installed.
        drop(rustls::crypto::ring::default_provider().install_default());
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| RemoteError::Client(e.to_string()))?;
        Ok(Self { client, config })
    }

    pub fn config(&self) -> &RemoteConfig {
        &self.config
    }

    /// Runs a SELECT query and returns its solutions.
    pub async fn select(&self, query: &str) -> Result<Vec<QuerySolution>, RemoteError> {
        let body = self.query(query).await?;
        match self.parse(&body)? {
            SliceQueryResultsParserOutput::Solutions(solutions) => {
                solutions.map(|s| s.map_err(|e| self.answer_error(e.to_string()))).collect::<Result<Vec<_>, _>>()
            }
            SliceQueryResultsParserOutput::Boolean(_) => Err(self.answer_error("a boolean, not solutions".to_owned())),
        }
    }

    /// Runs an ASK query.
    pub async fn ask(&self, query: &str) -> Result<bool, RemoteError> {
        let body = self.query(query).await?;
        match self.parse(&body)? {
            SliceQueryResultsParserOutput::Boolean(value) => Ok(value),
            SliceQueryResultsParserOutput::Solutions(_) => {
                Err(self.answer_error("solutions, not a boolean".to_owned()))
            }
        }
    }

    /// Sends one SPARQL 1.1 Update request: the store applies it as one transaction.
    pub async fn update(&self, update: &str) -> Result<(), RemoteError> {
        let url = &self.config.update_url;
        let request = self
            .authorised(self.client.post(url))
            .header(CONTENT_TYPE, "application/sparql-update")
            .body(update.to_owned());
        let response = request.send().await.map_err(|e| transport(url, &e))?;
        check(url, response).await.map(drop)
    }

    async fn query(&self, query: &str) -> Result<Vec<u8>, RemoteError> {
        let url = &self.config.query_url;
        let mut attempt = 0;
        loop {
            let request = self
                .authorised(self.client.post(url))
                .header(CONTENT_TYPE, "application/sparql-query")
                .header(ACCEPT, "application/sparql-results+json")
                .body(query.to_owned());
            let result = match request.send().await {
                Ok(response) => check(url, response).await,
                Err(e) => Err(transport(url, &e)),
            };
            match result {
                Err(error) if error.is_transient() && attempt < self.config.read_retries => {
                    attempt += 1;
                    tracing::debug!(%error, attempt, "retrying a read from the remote store");
                    tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
                }
                other => return other,
            }
        }
    }

    fn parse<'a>(&self, body: &'a [u8]) -> Result<SliceQueryResultsParserOutput<'a>, RemoteError> {
        QueryResultsParser::from_format(QueryResultsFormat::Json)
            .for_slice(body)
            .map_err(|e| self.answer_error(e.to_string()))
    }

    fn answer_error(&self, message: String) -> RemoteError {
        RemoteError::Answer { url: self.config.query_url.clone(), message }
    }

    fn authorised(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.config.token {
            Some(token) => request.header(AUTHORIZATION, format!("Bearer {}", token.expose())),
            None => request,
        }
    }
}

fn transport(url: &str, error: &reqwest::Error) -> RemoteError {
    // reqwest's own message is terse ("error sending request"); its source says why.
    RemoteError::Transport { url: url.to_owned(), message: crate::telemetry::cause_chain(error) }
}

async fn check(url: &str, response: reqwest::Response) -> Result<Vec<u8>, RemoteError> {
    let status = response.status();
    let body = response.bytes().await.map_err(|e| transport(url, &e))?;
    if status.is_success() {
        Ok(body.to_vec())
    } else {
        let text: String = String::from_utf8_lossy(&body).chars().take(500).collect();
        Err(RemoteError::Status { url: url.to_owned(), status, body: text })
    }
}
