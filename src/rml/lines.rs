//! N-Triples and N-Quads written straight to bytes: the bulk lift's output path. Going
//! through `Display` costs a formatter call per character of every literal; this writes
//! unescaped runs in one copy. The escaping is oxrdf's canonical one, so the output is
//! byte-identical to oxigraph's serializer (tested below).

use std::io::{self, Write};

use oxigraph::model::vocab::xsd;
use oxigraph::model::{GraphNameRef, NamedOrBlankNodeRef, QuadRef, TermRef};

/// Writes one quad as an N-Triples line (`with_graph` false) or an N-Quads line.
/// N-Triples has no graphs: a quad in a named graph is refused, as oxigraph refuses it.
pub fn write_quad(out: &mut impl Write, quad: QuadRef<'_>, with_graph: bool) -> io::Result<()> {
    if !with_graph && !quad.graph_name.is_default_graph() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "only quads in the default graph can be written as N-Triples (use N-Quads)",
        ));
    }
    subject(out, quad.subject)?;
    out.write_all(b" <")?;
    out.write_all(quad.predicate.as_str().as_bytes())?;
    out.write_all(b"> ")?;
    term(out, quad.object)?;
    if with_graph {
        match quad.graph_name {
            GraphNameRef::NamedNode(n) => {
                out.write_all(b" <")?;
                out.write_all(n.as_str().as_bytes())?;
                out.write_all(b">")?;
            }
            GraphNameRef::BlankNode(b) => {
                out.write_all(b" _:")?;
                out.write_all(b.as_str().as_bytes())?;
            }
            GraphNameRef::DefaultGraph => {}
        }
    }
    out.write_all(b" .\n")
}

fn subject(out: &mut impl Write, node: NamedOrBlankNodeRef<'_>) -> io::Result<()> {
    match node {
        // A parsed IRI never holds a character N-Triples would escape.
        NamedOrBlankNodeRef::NamedNode(n) => {
            out.write_all(b"<")?;
            out.write_all(n.as_str().as_bytes())?;
            out.write_all(b">")
        }
        NamedOrBlankNodeRef::BlankNode(b) => {
            out.write_all(b"_:")?;
            out.write_all(b.as_str().as_bytes())
        }
    }
}

fn term(out: &mut impl Write, term: TermRef<'_>) -> io::Result<()> {
    match term {
        TermRef::NamedNode(n) => subject(out, n.into()),
        TermRef::BlankNode(b) => subject(out, b.into()),
        TermRef::Literal(literal) => {
            out.write_all(b"\"")?;
            quoted(out, literal.value())?;
            out.write_all(b"\"")?;
            if let Some(language) = literal.language() {
                out.write_all(b"@")?;
                out.write_all(language.as_bytes())?;
            } else if literal.datatype() != xsd::STRING {
                out.write_all(b"^^<")?;
                out.write_all(literal.datatype().as_str().as_bytes())?;
                out.write_all(b">")?;
            }
            Ok(())
        }
        #[allow(unreachable_patterns)]
        other => write!(out, "{other}"),
    }
}

/// The body of a quoted string, escaped as oxrdf's `print_quoted_str` does.
fn quoted(out: &mut impl Write, value: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in value.char_indices() {
        let escape: Option<&[u8]> = match c {
            '\u{8}' => Some(b"\\b"),
            '\t' => Some(b"\\t"),
            '\n' => Some(b"\\n"),
            '\u{C}' => Some(b"\\f"),
            '\r' => Some(b"\\r"),
            '"' => Some(b"\\\""),
            '\\' => Some(b"\\\\"),
            '\0'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}' => None,
            _ => continue,
        };
        out.write_all(&value.as_bytes()[start..i])?;
        match escape {
            Some(bytes) => out.write_all(bytes)?,
            None => write!(out, "\\u{:04X}", u32::from(c))?,
        }
        start = i + c.len_utf8();
    }
    out.write_all(&value.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    use oxigraph::model::{BlankNode, GraphName, Literal, NamedNode, Quad};

    use super::*;

    fn serialized(quads: &[Quad], format: RdfFormat) -> Vec<u8> {
        let mut serializer = RdfSerializer::from_format(format).for_writer(Vec::new());
        for quad in quads {
            serializer.serialize_quad(quad).unwrap();
        }
        serializer.finish().unwrap()
    }

    #[test]
    fn lines_match_oxigraphs_serializer_byte_for_byte() {
        let s = NamedNode::new("https://example.org/a?x=1#é").unwrap();
        let p = NamedNode::new("https://example.org/p").unwrap();
        let g = NamedNode::new("https://example.org/g").unwrap();
        let objects = [
            Literal::new_simple_literal("plain"),
            Literal::new_simple_literal(
                "tab\tnew\nline \"quote\" back\\slash \u{8}\u{C}\r \u{1} \u{7F} \u{FFFE} 中文 😀",
            ),
            Literal::new_language_tagged_literal("bonjour", "fr").unwrap(),
            Literal::new_typed_literal("42", xsd::INTEGER),
            Literal::new_simple_literal(""),
        ];
        let mut quads: Vec<Quad> =
            objects.iter().map(|o| Quad::new(s.clone(), p.clone(), o.clone(), GraphName::DefaultGraph)).collect();
        quads.push(Quad::new(BlankNode::new("b0").unwrap(), p.clone(), s.clone(), GraphName::DefaultGraph));
        quads.push(Quad::new(s.clone(), p.clone(), BlankNode::new("b1").unwrap(), g.clone()));
        quads.push(Quad::new(s.clone(), p.clone(), s.clone(), BlankNode::new("g2").unwrap()));
        for (format, with_graph) in [(RdfFormat::NTriples, false), (RdfFormat::NQuads, true)] {
            let quads: Vec<Quad> = if with_graph {
                quads.clone()
            } else {
                quads.iter().map(|q| Quad { graph_name: GraphName::DefaultGraph, ..q.clone() }).collect()
            };
            let mut ours = Vec::new();
            for quad in &quads {
                write_quad(&mut ours, quad.as_ref(), with_graph).unwrap();
            }
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(serialized(&quads, format)).unwrap());
        }
    }

    #[test]
    fn n_triples_refuses_a_named_graph() {
        let n = NamedNode::new("https://example.org/n").unwrap();
        let quad = Quad::new(n.clone(), n.clone(), n.clone(), n.clone());
        let error = write_quad(&mut Vec::new(), quad.as_ref(), false).unwrap_err();
        assert!(error.to_string().contains("N-Quads"), "{error}");
    }
}
