//! Content negotiation for SPARQL answers: the client's `Accept` header against the
//! formats a query form can produce.

use oxigraph::io::RdfFormat;
use oxigraph::sparql::results::QueryResultsFormat;

/// A format an answer can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerFormat {
    /// SELECT and ASK results.
    Results(QueryResultsFormat),
    /// CONSTRUCT and DESCRIBE graphs.
    Graph(RdfFormat),
}

impl AnswerFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            AnswerFormat::Results(f) => f.media_type(),
            AnswerFormat::Graph(f) => f.media_type(),
        }
    }
}

/// Result formats, the first being the default.
pub const RESULT_FORMATS: &[AnswerFormat] = &[
    AnswerFormat::Results(QueryResultsFormat::Json),
    AnswerFormat::Results(QueryResultsFormat::Xml),
    AnswerFormat::Results(QueryResultsFormat::Csv),
    AnswerFormat::Results(QueryResultsFormat::Tsv),
];

/// Graph formats, the first being the default. N-Quads and TriG are offered because a
/// client may ask for them; a CONSTRUCT result has only a default graph.
pub const GRAPH_FORMATS: &[AnswerFormat] = &[
    AnswerFormat::Graph(RdfFormat::Turtle),
    AnswerFormat::Graph(RdfFormat::NTriples),
    AnswerFormat::Graph(RdfFormat::RdfXml),
    AnswerFormat::Graph(RdfFormat::JsonLd { profile: oxigraph::io::JsonLdProfileSet::empty() }),
    AnswerFormat::Graph(RdfFormat::NQuads),
    AnswerFormat::Graph(RdfFormat::TriG),
];

/// The best of `offered` for an `Accept` header (RFC 9110 §12.5.1): highest q wins, then
/// the most specific range, then the server's order. A missing or empty header takes the
/// first offer; `None` means nothing acceptable (406).
pub fn negotiate(accept: Option<&str>, offered: &[AnswerFormat]) -> Option<AnswerFormat> {
    let media: Vec<&str> = offered.iter().map(|f| f.media_type()).collect();
    negotiate_media(accept, &media).map(|index| offered[index])
}

/// The index of the best of `offered` media types for an `Accept` header, by the rules of
/// [`negotiate`].
pub fn negotiate_media(accept: Option<&str>, offered: &[&str]) -> Option<usize> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else { return (!offered.is_empty()).then_some(0) };
    let ranges: Vec<(String, f32)> = accept.split(',').filter_map(parse_range).collect();
    let mut best: Option<(f32, u8, usize)> = None;
    for (index, media) in offered.iter().enumerate() {
        // Compare the essence only: `text/csv; charset=utf-8` is `text/csv`.
        let media = media.split(';').next().unwrap_or_default().trim();
        // The most specific matching range decides this format's quality.
        let matched = ranges
            .iter()
            .filter_map(|(range, q)| specificity(range, media).map(|s| (s, *q)))
            .max_by(|a, b| a.0.cmp(&b.0));
        if let Some((specific, q)) = matched {
            if q <= 0.0 {
                continue;
            }
            let better = match best {
                None => true,
                Some((best_q, best_specific, _)) => q > best_q || (q == best_q && specific > best_specific),
            };
            if better {
                best = Some((q, specific, index));
            }
        }
    }
    best.map(|(_, _, index)| index)
}

fn parse_range(item: &str) -> Option<(String, f32)> {
    let mut parts = item.split(';');
    let range = parts.next()?.trim().to_ascii_lowercase();
    if range.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for parameter in parts {
        if let Some(value) = parameter.trim().strip_prefix("q=") {
            q = value.trim().parse().unwrap_or(0.0);
        }
    }
    Some((range, q))
}

/// 3 for an exact match, 2 for `type/*`, 1 for `*/*`, `None` if the range does not match.
fn specificity(range: &str, media: &str) -> Option<u8> {
    if range == media {
        return Some(3);
    }
    if range == "*/*" {
        return Some(1);
    }
    let (range_type, range_subtype) = range.split_once('/')?;
    let (media_type, _) = media.split_once('/')?;
    (range_subtype == "*" && range_type == media_type).then_some(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_then_specificity_then_server_order() {
        let json = RESULT_FORMATS[0];
        let xml = RESULT_FORMATS[1];
        let csv = RESULT_FORMATS[2];
        assert_eq!(negotiate(None, RESULT_FORMATS), Some(json));
        assert_eq!(negotiate(Some("*/*"), RESULT_FORMATS), Some(json));
        assert_eq!(negotiate(Some("application/sparql-results+xml"), RESULT_FORMATS), Some(xml));
        assert_eq!(negotiate(Some("text/csv;q=0.9, application/sparql-results+xml;q=0.8"), RESULT_FORMATS), Some(csv));
        assert_eq!(negotiate(Some("text/*, application/json;q=0.1"), RESULT_FORMATS), Some(csv));
        assert_eq!(negotiate(Some("image/png"), RESULT_FORMATS), None);
        assert_eq!(negotiate(Some("*/*;q=0"), RESULT_FORMATS), None);
        assert_eq!(negotiate(Some("application/n-triples, */*;q=0.1"), GRAPH_FORMATS), Some(GRAPH_FORMATS[1]));
    }
}
