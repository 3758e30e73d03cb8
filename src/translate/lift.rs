//! Lifting a document into the ontology with its profile's RML mapping, keeping, for every
//! triple, the source locations (JSON pointers or XPaths) it was made from.

use std::collections::HashMap;

use oxigraph::model::{Graph, QuadRef, Triple};

use super::TranslateError;
use super::document::Parsed;
use crate::formats::Profile;
use crate::rml::{RmlError, Sink, Source};

/// The node every lift mapping uses for the document itself.
pub const SELF: &str = "urn:govgate:self";

/// A lifted document: its graph and where each triple came from.
#[derive(Debug, Default)]
pub struct Lifted {
    pub graph: Graph,
    pub origins: HashMap<Triple, Vec<String>>,
}

impl Sink for Lifted {
    fn quad(&mut self, quad: QuadRef<'_>, origin: &[String]) -> Result<(), RmlError> {
        let triple = Triple::from(quad.into_owned());
        let locations = self.origins.entry(triple.clone()).or_default();
        for location in origin.iter().filter(|l| !l.is_empty()) {
            if !locations.contains(location) {
                locations.push(location.clone());
            }
        }
        self.graph.insert(&triple);
        Ok(())
    }
}

/// Runs the profile's lift for the document's form.
pub fn lift(profile: &Profile, document: &Parsed) -> Result<Lifted, TranslateError> {
    let mut lifted = Lifted::default();
    let failed = |e: RmlError| TranslateError::Lift { profile: profile.id.0.clone(), message: e.to_string() };
    match &document.xml {
        Some(xml) => {
            let form = profile
                .xml
                .as_ref()
                .ok_or_else(|| TranslateError::WrongForm(format!("profile `{}` has no XML form", profile.id)))?;
            form.lift.run(&|_| Ok(Source::Xml(xml)), &mut lifted).map_err(failed)?;
        }
        None => {
            let form = profile
                .json
                .as_ref()
                .ok_or_else(|| TranslateError::WrongForm(format!("profile `{}` has no JSON form", profile.id)))?;
            let engine = form.lift.as_ref().ok_or_else(|| rules_only(profile))?;
            engine.run(&|_| Ok(Source::Json(&document.json)), &mut lifted).map_err(failed)?;
        }
    }
    Ok(lifted)
}

/// The refusal for a profile that only the rules read (it has no lift).
pub fn rules_only(profile: &Profile) -> TranslateError {
    TranslateError::WrongForm(format!(
        "profile `{}` is read by the rules only (govgate sandbox check); it cannot be translated",
        profile.id
    ))
}
