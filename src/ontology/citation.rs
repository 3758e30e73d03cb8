//! From a human citation to a provision IRI: "PIPL Art. 38(1)(3)", "EU AI Act Art. 50(2)",
//! "《个人信息保护法》第三十八条第一款第（三）项", "NIST AI RMF GOVERN 1.1",
//! "ISO/IEC 42001 A.6.2.7", "AI Act Annex III point 5(b)".
//!
//! The instrument is found by its short code or one of its `gg:citationAlias`es (longest
//! match wins); the rest is parsed into the ELI-style path segments of `ontology/README.md`.

use std::collections::HashSet;

use super::{Ontology, OntologyError, text};

/// Instruments by alias, and the set of provision IRIs, read once from the ontology.
pub struct CitationIndex {
    /// (lower-cased alias, instrument IRI), longest alias first.
    aliases: Vec<(String, String)>,
    provisions: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CitationError {
    #[error("no instrument is known by the start of `{0}`")]
    UnknownInstrument(String),
    #[error("cannot read the provision part `{locator}` of `{citation}`")]
    Unparsable { citation: String, locator: String },
    #[error("`{citation}` names `{iri}`, which the ontology does not define{}", nearest.as_ref().map(|n| format!("; nearest defined: `{n}`")).unwrap_or_default())]
    NotDefined { citation: String, iri: String, nearest: Option<String> },
}

impl CitationIndex {
    pub fn build(ontology: &Ontology) -> Result<Self, OntologyError> {
        let rows = ontology.select(
            "SELECT ?instrument ?alias WHERE { ?instrument a gg:Instrument . \
             { ?instrument gg:shortCode ?alias } UNION { ?instrument gg:citationAlias ?alias } \
             UNION { ?instrument eli:title_short ?alias } }",
        )?;
        let mut aliases: Vec<(String, String)> =
            rows.iter().map(|row| (normalise(&text(&row[1])), text(&row[0]))).filter(|(a, _)| !a.is_empty()).collect();
        aliases.sort_by(|a, b| b.0.chars().count().cmp(&a.0.chars().count()).then_with(|| a.cmp(b)));
        aliases.dedup();
        let provisions =
            ontology.select("SELECT ?p WHERE { ?p a gg:Provision }")?.iter().map(|r| text(&r[0])).collect();
        Ok(Self { aliases, provisions })
    }

    /// The provision a citation names.
    pub fn resolve(&self, citation: &str) -> Result<String, CitationError> {
        let normalised = normalise(citation);
        let (alias, instrument) = self
            .aliases
            .iter()
            .find(|(alias, _)| {
                normalised.starts_with(alias.as_str())
                    && normalised[alias.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric() || !c.is_ascii())
            })
            .ok_or_else(|| CitationError::UnknownInstrument(citation.to_owned()))?;
        let locator = normalised[alias.len()..].trim_matches(|c: char| c.is_whitespace() || c == ',' || c == '》');
        if locator.is_empty() {
            return Ok(instrument.clone());
        }
        let segments = parse_locator(locator)
            .ok_or_else(|| CitationError::Unparsable { citation: citation.to_owned(), locator: locator.to_owned() })?;
        let iri = format!("{instrument}/{}", segments.join("/"));
        if self.provisions.contains(&iri) {
            return Ok(iri);
        }
        let nearest = (1..segments.len())
            .rev()
            .map(|n| format!("{instrument}/{}", segments[..n].join("/")))
            .find(|candidate| self.provisions.contains(candidate));
        Err(CitationError::NotDefined { citation: citation.to_owned(), iri, nearest })
    }
}

/// Lower case, single spaces, full-width brackets and 《》 folded away.
fn normalise(raw: &str) -> String {
    let folded: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '《' => ' ',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path segments a locator names, or `None` if it is not a form we know.
pub fn parse_locator(locator: &str) -> Option<Vec<String>> {
    let locator = locator.trim();
    if locator.starts_with('第') {
        return parse_chinese(locator);
    }
    let spaced = space_abbreviations(locator);
    let mut tokens = Tokens::new(&spaced);
    let mut segments = Vec::new();
    while let Some(word) = tokens.word() {
        match word.as_str() {
            "art" | "art." | "arts" | "arts." | "article" | "articles" => {
                segments.push(format!("art_{}", tokens.value()?));
                push_parenthesised(&mut tokens, &mut segments, &["par_", "pnt_", "pnt_"]);
            }
            "para" | "para." | "paragraph" | "par" | "par." => segments.push(format!("par_{}", tokens.value()?)),
            "point" | "pt" | "pt." | "item" => {
                segments.push(format!("pnt_{}", tokens.value()?));
                push_parenthesised(&mut tokens, &mut segments, &["pnt_", "pnt_"]);
            }
            "annex" => {
                segments.push(format!("anx_{}", tokens.value()?.to_uppercase()));
                push_parenthesised(&mut tokens, &mut segments, &["pnt_", "pnt_"]);
            }
            "section" | "sec" | "sec." | "s" | "s." | "§" | "reg" | "reg." | "regulation" => {
                let value = tokens.value()?;
                let value = if segments.last().is_some_and(|s: &String| s.starts_with("anx_")) {
                    value.to_uppercase()
                } else {
                    value
                };
                segments.push(format!("sec_{value}"));
                push_parenthesised(&mut tokens, &mut segments, &["pnt_", "pnt_"]);
            }
            "clause" | "cl" | "cl." => segments.push(format!("cl_{}", tokens.value()?)),
            "control" => segments.push(format!("ctl_{}", tokens.value()?.to_uppercase())),
            function @ ("govern" | "map" | "measure" | "manage") => {
                let name = function.to_uppercase();
                match tokens.value() {
                    None => segments.push(format!("fn_{name}")),
                    Some(number) if number.contains('.') => segments.push(format!("subcat_{name}-{number}")),
                    Some(number) => segments.push(format!("cat_{name}-{number}")),
                }
            }
            other => {
                // Bare standard identifiers: "A.6.2.7" is an Annex A control, "6.1.2" a clause.
                if let Some(control) = other.strip_prefix("a.") {
                    segments.push(format!("ctl_A.{control}"));
                } else if other.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                    segments.push(format!("cl_{other}"));
                } else {
                    return None;
                }
            }
        }
    }
    (!segments.is_empty()).then_some(segments)
}

/// "s.26" -> "s. 26", "art.5" -> "art. 5": an abbreviation glued to its number.
fn space_abbreviations(locator: &str) -> String {
    const ABBREVIATIONS: &[&str] = &["s.", "art.", "arts.", "reg.", "sec.", "para.", "par.", "cl.", "pt."];
    locator
        .split(' ')
        .map(|word| {
            ABBREVIATIONS
                .iter()
                .find(|a| {
                    word.len() > a.len()
                        && word.starts_with(*a)
                        && word[a.len()..].starts_with(|c: char| c.is_ascii_digit())
                })
                .map_or_else(|| word.to_owned(), |a| format!("{a} {}", &word[a.len()..]))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn push_parenthesised(tokens: &mut Tokens<'_>, segments: &mut Vec<String>, prefixes: &[&str]) {
    for prefix in prefixes {
        match tokens.parenthesised() {
            Some(value) => segments.push(format!("{prefix}{value}")),
            None => return,
        }
    }
}

/// A tiny scanner over a citation's locator.
struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        Self { rest: text }
    }

    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }

    /// The next word (letters, digits, dots, hyphens, §).
    fn word(&mut self) -> Option<String> {
        self.skip_space();
        let end = self
            .rest
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '.' | '-' | '§' | '_')))
            .map_or(self.rest.len(), |(i, _)| i);
        let end = if end == 0 && self.rest.starts_with('§') { '§'.len_utf8() } else { end };
        if end == 0 {
            return None;
        }
        let word = self.rest[..end].to_owned();
        self.rest = &self.rest[end..];
        Some(word)
    }

    /// The next value: a number, a letter, a Roman numeral or a dotted identifier.
    fn value(&mut self) -> Option<String> {
        self.skip_space();
        let end = self
            .rest
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-')))
            .map_or(self.rest.len(), |(i, _)| i);
        if end == 0 {
            return None;
        }
        let value = self.rest[..end].trim_end_matches('.').to_owned();
        self.rest = &self.rest[end..];
        Some(value)
    }

    /// The content of an immediately following "(x)".
    fn parenthesised(&mut self) -> Option<String> {
        let rest = self.rest.trim_start();
        let inner = rest.strip_prefix('(')?;
        let close = inner.find(')')?;
        let value = inner[..close].trim();
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        self.rest = &inner[close + 1..];
        Some(value.to_owned())
    }
}

/// "第三十八条第一款第(三)项" -> art_38/par_1/pnt_3.
fn parse_chinese(locator: &str) -> Option<Vec<String>> {
    let mut segments = Vec::new();
    let mut rest = locator;
    while let Some(after) = rest.strip_prefix('第') {
        let end = after.find(['条', '款', '项'])?;
        let number = chinese_number(after[..end].trim_matches(|c| c == '(' || c == ')'))?;
        let unit = after[end..].chars().next()?;
        segments.push(match unit {
            '条' => format!("art_{number}"),
            '款' => format!("par_{number}"),
            _ => format!("pnt_{number}"),
        });
        rest = after[end + unit.len_utf8()..].trim_start();
    }
    (rest.is_empty() && !segments.is_empty()).then_some(segments)
}

/// Chinese numerals up to 999, or ASCII digits.
fn chinese_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse() {
        return Some(n);
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32);
    let mut total = 0;
    let mut current = 0;
    for c in text.chars() {
        match c {
            '百' => {
                total += current.max(1) * 100;
                current = 0;
            }
            '十' => {
                total += current.max(1) * 10;
                current = 0;
            }
            c => current = digit(c)?,
        }
    }
    let value = total + current;
    (value > 0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(locator: &str) -> Option<String> {
        parse_locator(&normalise(locator)).map(|s| s.join("/"))
    }

    #[test]
    fn article_paragraph_point_in_every_style() {
        assert_eq!(path("Art. 38(1)(3)").as_deref(), Some("art_38/par_1/pnt_3"));
        assert_eq!(path("Article 50(2)").as_deref(), Some("art_50/par_2"));
        assert_eq!(path("Art. 5(1)(a)").as_deref(), Some("art_5/par_1/pnt_a"));
        assert_eq!(path("art 7").as_deref(), Some("art_7"));
        assert_eq!(path("第三十八条第一款第（三）项").as_deref(), Some("art_38/par_1/pnt_3"));
        assert_eq!(path("第十七条").as_deref(), Some("art_17"));
        assert_eq!(path("第一百零二条").as_deref(), Some("art_102"));
    }

    #[test]
    fn annexes_sections_and_standards() {
        assert_eq!(path("Annex III point 5(b)").as_deref(), Some("anx_III/pnt_5/pnt_b"));
        assert_eq!(path("Annex III(5)(b)").as_deref(), Some("anx_III/pnt_5/pnt_b"));
        assert_eq!(path("Annex VIII Section A").as_deref(), Some("anx_VIII/sec_A"));
        assert_eq!(path("GOVERN 1.1").as_deref(), Some("subcat_GOVERN-1.1"));
        assert_eq!(path("MAP 2").as_deref(), Some("cat_MAP-2"));
        assert_eq!(path("A.6.2.7").as_deref(), Some("ctl_A.6.2.7"));
        assert_eq!(path("Clause 6.1.2").as_deref(), Some("cl_6.1.2"));
        assert_eq!(path("s.26").as_deref(), Some("sec_26"));
        assert_eq!(path("§ 202.401").as_deref(), Some("sec_202.401"));
    }

    #[test]
    fn nonsense_is_refused() {
        assert_eq!(path("chapter five"), None);
        assert_eq!(path("Art."), None);
        assert_eq!(path("第三十八"), None);
    }
}
