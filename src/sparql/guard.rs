//! A static check that refuses queries oxigraph could not stop in time.
//!
//! oxigraph checks its cancellation token when it reads the store. A join of parts that
//! share no variable is a cartesian product; with two parts the outer loop still reads the
//! store between batches and stops at the timeout, but with three or more the inner loops
//! run over materialised rows for minutes without reading anything, so neither the timeout
//! nor a client disconnect would free the thread. Those queries are refused before they
//! start: connect the parts by a shared variable (a FILTER does not connect them; it is
//! applied after the product is built).

use std::collections::BTreeSet;

use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};

use super::SparqlError;

/// Refuses a query that joins more than `max_parts` parts sharing no variable.
pub fn check(query: &spargebra::Query, max_parts: usize) -> Result<(), SparqlError> {
    let pattern = match query {
        spargebra::Query::Select { pattern, .. }
        | spargebra::Query::Construct { pattern, .. }
        | spargebra::Query::Describe { pattern, .. }
        | spargebra::Query::Ask { pattern, .. } => pattern,
    };
    check_pattern(pattern, max_parts)
}

fn check_pattern(pattern: &GraphPattern, max_parts: usize) -> Result<(), SparqlError> {
    if matches!(pattern, GraphPattern::Bgp { .. } | GraphPattern::Join { .. }) {
        let mut units = Vec::new();
        join_units(pattern, &mut units, max_parts)?;
        let parts = components(&units);
        if parts > max_parts {
            return Err(SparqlError::CartesianProduct { parts, max: max_parts });
        }
        return Ok(());
    }
    for child in children(pattern) {
        check_pattern(child, max_parts)?;
    }
    Ok(())
}

/// The operands of a join tree (triple patterns, paths, other patterns) with their
/// variables; operands that are not joins are checked on their own first.
fn join_units(pattern: &GraphPattern, units: &mut Vec<BTreeSet<String>>, max_parts: usize) -> Result<(), SparqlError> {
    match pattern {
        GraphPattern::Bgp { patterns } => units.extend(patterns.iter().map(triple_variables)),
        GraphPattern::Join { left, right } => {
            join_units(left, units, max_parts)?;
            join_units(right, units, max_parts)?;
        }
        other => {
            check_pattern(other, max_parts)?;
            let mut variables = BTreeSet::new();
            other.on_in_scope_variable(|v| {
                variables.insert(v.as_str().to_owned());
            });
            units.push(variables);
        }
    }
    Ok(())
}

fn triple_variables(triple: &TriplePattern) -> BTreeSet<String> {
    let mut variables = BTreeSet::new();
    for term in [&triple.subject, &triple.object] {
        match term {
            TermPattern::Variable(v) => {
                variables.insert(v.as_str().to_owned());
            }
            // A blank node in a pattern joins like a variable.
            TermPattern::BlankNode(b) => {
                variables.insert(format!("_:{}", b.as_str()));
            }
            _ => {}
        }
    }
    if let NamedNodePattern::Variable(v) = &triple.predicate {
        variables.insert(v.as_str().to_owned());
    }
    variables
}

/// How many groups the units form when units sharing a variable are joined; units with no
/// variable (at most one solution) do not multiply and are not counted.
fn components(units: &[BTreeSet<String>]) -> usize {
    let units: Vec<&BTreeSet<String>> = units.iter().filter(|u| !u.is_empty()).collect();
    let mut group: Vec<usize> = (0..units.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for i in 0..units.len() {
        for j in i + 1..units.len() {
            if !units[i].is_disjoint(units[j]) {
                let (a, b) = (root(&mut group, i), root(&mut group, j));
                group[a] = b;
            }
        }
    }
    (0..units.len()).filter(|&i| root(&mut group, i) == i).count()
}

fn children(pattern: &GraphPattern) -> Vec<&GraphPattern> {
    match pattern {
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => Vec::new(),
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Lateral { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => vec![left, right],
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Group { inner, .. }
        | GraphPattern::Service { inner, .. } => vec![inner],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(query: &str) -> Result<(), SparqlError> {
        check(&spargebra::SparqlParser::new().parse_query(query).unwrap(), 2)
    }

    #[test]
    fn three_unconnected_parts_are_refused_two_are_allowed() {
        assert!(parts("SELECT * { ?a ?b ?c . ?d ?e ?f }").is_ok());
        let refused = parts("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }").unwrap_err();
        assert!(matches!(refused, SparqlError::CartesianProduct { parts: 3, max: 2 }), "{refused}");
        assert!(parts("SELECT * { { ?a ?b ?c } { ?d ?e ?f } { ?g ?h ?i } }").is_err(), "groups join too");
        assert!(parts("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?a = ?d && ?d = ?g) }").is_err());
    }

    #[test]
    fn connected_patterns_and_constant_patterns_pass() {
        assert!(parts("SELECT * { ?a ?b ?c . ?c ?e ?f . ?f ?h ?i . ?i ?k ?l }").is_ok());
        assert!(parts("ASK { <urn:a> <urn:b> <urn:c> . <urn:d> <urn:e> <urn:f> . ?x ?y ?z }").is_ok());
        assert!(parts("SELECT * { ?s a ?t OPTIONAL { ?s ?p ?o } . ?t ?q ?r }").is_ok());
        assert!(parts("SELECT * { _:b ?p ?o . _:b ?q ?r . ?o ?x ?y }").is_ok(), "blank nodes connect");
    }

    #[test]
    fn a_product_inside_a_subquery_or_union_is_found() {
        assert!(parts("SELECT * { { SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } } }").is_err());
        assert!(parts("SELECT * { { ?a ?b ?c } UNION { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }").is_err());
    }
}
