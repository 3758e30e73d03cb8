//! RML string templates: `"http://example.com/{$.ID}/{$.Name}"`, with `\{`, `\}` and `\\`
//! escapes, and the IRI-safe encoding of values that go into IRIs.

use std::fmt::Write as _;

/// A parsed template: literal text and references, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub parts: Vec<Part>,
    /// Every IRI this template can make is valid (see [`Template::always_valid_iri`]), so a
    /// generated IRI needs no checking.
    pub valid_iri: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Reference(String),
}

impl Template {
    /// Whether every IRI this template can make (its values IRI-safe encoded) is a valid
    /// absolute IRI, so a generated IRI needs no checking: the scheme is literal text, and
    /// the template is a valid IRI with `x` in place of each reference (an encoded value is
    /// valid wherever an unreserved character is, outside the scheme and the port).
    pub fn always_valid_iri(&self) -> bool {
        let Some(Part::Text(first)) = self.parts.first() else { return false };
        let Some((scheme, _)) = first.split_once(':') else { return false };
        if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
            return false;
        }
        let sample: String = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Text(text) => text.as_str(),
                Part::Reference(_) => "x",
            })
            .collect();
        // A reference in the port would accept `x` nowhere; in the host, pct-encoding is fine.
        oxigraph::model::NamedNode::new(&sample).is_ok() && !sample.contains(":x")
    }

    /// Parses a template; an unbalanced or empty `{}` is an error.
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = template.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(escaped @ ('{' | '}' | '\\')) => text.push(escaped),
                    Some(other) => return Err(format!("invalid escape `\\{other}` in template `{template}`")),
                    None => return Err(format!("template `{template}` ends with a backslash")),
                },
                '{' => {
                    let mut reference = String::new();
                    let mut closed = false;
                    while let Some(c) = chars.next() {
                        match c {
                            '}' => {
                                closed = true;
                                break;
                            }
                            '\\' => match chars.next() {
                                Some(escaped) => reference.push(escaped),
                                None => break,
                            },
                            '{' => return Err(format!("nested `{{` in template `{template}`")),
                            c => reference.push(c),
                        }
                    }
                    if !closed {
                        return Err(format!("unclosed `{{` in template `{template}`"));
                    }
                    if reference.is_empty() {
                        return Err(format!("empty reference `{{}}` in template `{template}`"));
                    }
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Reference(reference));
                }
                '}' => return Err(format!("unopened `}}` in template `{template}`")),
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        let mut parsed = Self { parts, valid_iri: false };
        parsed.valid_iri = parsed.always_valid_iri();
        Ok(parsed)
    }

    pub fn references(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Reference(r) => Some(r.as_str()),
            Part::Text(_) => None,
        })
    }
}

/// Percent-encodes every character that is not an IRI `iunreserved` character (RFC 3987),
/// as R2RML and RML require for values inserted into IRI templates.
pub fn iri_safe(value: &str, out: &mut String) {
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') || is_ucschar(c) {
            out.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

/// Percent-encodes every character but the ASCII unreserved ones (RFC 3986), for `rml:URI`.
pub fn uri_safe(value: &str, out: &mut String) {
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
            out.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

fn is_ucschar(c: char) -> bool {
    matches!(c as u32,
        0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF | 0x10000..=0x1FFFD | 0x20000..=0x2FFFD
        | 0x30000..=0x3FFFD | 0x40000..=0x4FFFD | 0x50000..=0x5FFFD | 0x60000..=0x6FFFD
        | 0x70000..=0x7FFFD | 0x80000..=0x8FFFD | 0x90000..=0x9FFFD | 0xA0000..=0xAFFFD
        | 0xB0000..=0xBFFFD | 0xC0000..=0xCFFFD | 0xD0000..=0xDFFFD | 0xE1000..=0xEFFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_that_always_make_valid_iris_are_told_apart() {
        let valid = |t: &str| Template::parse(t).unwrap().always_valid_iri();
        assert!(valid("https://example.org/declaration/{id}"));
        assert!(valid("http://ex.com/{a}/{b}?q={c}#{d}"));
        assert!(!valid("{base}/thing"), "a reference in the scheme");
        assert!(!valid("declaration/{id}"), "relative: resolved against the base");
        assert!(!valid("http://ex.com:{port}/"), "a reference in the port");
        assert!(!valid("http://ex.com/a b/{id}"), "invalid literal text");
    }

    #[test]
    fn parts_and_escapes() {
        let t = Template::parse(r"http://example.com/{$.ID}/\{x\}{Name}").unwrap();
        assert_eq!(
            t.parts,
            vec![
                Part::Text("http://example.com/".into()),
                Part::Reference("$.ID".into()),
                Part::Text("/{x}".into()),
                Part::Reference("Name".into())
            ]
        );
        assert!(Template::parse("{a").is_err());
        assert!(Template::parse("a}").is_err());
        assert!(Template::parse("{}").is_err());
        assert!(Template::parse("{{a}}").is_err());
    }

    #[test]
    fn iri_safe_encoding() {
        let mut out = String::new();
        iri_safe("Bob/Charles path/../x Emily Smith 张三", &mut out);
        assert_eq!(out, "Bob%2FCharles%20path%2F..%2Fx%20Emily%20Smith%20张三");
    }
}
