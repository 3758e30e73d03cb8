//! Streaming lift of large JSON documents: when every triples map iterates the same array
//! (`$.declarations[*]`) and none joins, records are read and mapped one at a time, so
//! memory stays flat however many records the file holds.

use std::io::Read;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::json::JsonRef;
use super::{Engine, Item, ObjectMap, RmlError, Sink};

impl Engine {
    /// The member path of the array every triples map iterates, if the mapping can stream.
    pub fn streaming_path(&self) -> Option<Vec<String>> {
        let mut path: Option<Vec<String>> = None;
        for tm in &self.mapping.triples_maps {
            let joins =
                tm.predicate_objects.iter().flat_map(|p| &p.objects).any(|o| matches!(o, ObjectMap::Parent { .. }));
            if joins || tm.source.formulation != super::Formulation::JsonPath {
                return None;
            }
            let iterator = tm.source.iterator.as_deref()?;
            let JsonRef::Members { names, expand: true } = JsonRef::compile(iterator).ok()? else { return None };
            match &path {
                Some(existing) if *existing != names => return None,
                _ => path = Some(names),
            }
        }
        path
    }

    /// Lifts a JSON stream record by record; returns the number of records mapped. Fails
    /// when the mapping cannot stream ([`Engine::streaming_path`]).
    pub fn run_stream(&self, reader: impl Read, sink: &mut dyn Sink) -> Result<u64, RmlError> {
        self.stream(serde_json::Deserializer::from_reader(reader), sink)
    }

    /// [`Engine::run_stream`] over bytes already in memory (serde_json reads a slice
    /// faster than a reader).
    pub fn run_stream_slice(&self, bytes: &[u8], sink: &mut dyn Sink) -> Result<u64, RmlError> {
        self.stream(serde_json::Deserializer::from_slice(bytes), sink)
    }

    fn stream<'de, R: serde_json::de::Read<'de>>(
        &self,
        mut deserializer: serde_json::Deserializer<R>,
        sink: &mut dyn Sink,
    ) -> Result<u64, RmlError> {
        let path = self.streaming_path().ok_or_else(|| {
            RmlError::Mapping(
                "this mapping cannot stream: every triples map must iterate the same `$.a.b[*]` array, with no joins"
                    .to_owned(),
            )
        })?;
        let mut state =
            Stream { engine: self, sink, path: &path, depth: 0, pointer: String::new(), records: 0, error: None };
        let result = (&mut state).deserialize(&mut deserializer);
        if let Some(error) = state.error.take() {
            return Err(error);
        }
        result.map_err(|e| RmlError::Data(format!("input is not valid JSON: {e}")))?;
        deserializer.end().map_err(|e| RmlError::Data(format!("input is not valid JSON: {e}")))?;
        Ok(state.records)
    }
}

/// Walks the document down `path`, then maps each element of the array found there.
struct Stream<'a, 's> {
    engine: &'a Engine,
    sink: &'s mut dyn Sink,
    path: &'a [String],
    depth: usize,
    pointer: String,
    records: u64,
    /// A mapping error, kept apart from JSON syntax errors.
    error: Option<RmlError>,
}

impl<'de> DeserializeSeed<'de> for &mut Stream<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.depth == self.path.len() {
            deserializer.deserialize_seq(self)
        } else {
            deserializer.deserialize_map(self)
        }
    }
}

impl<'de> Visitor<'de> for &mut Stream<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.depth == self.path.len() { f.write_str("the array of records") } else { f.write_str("an object") }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let wanted = self.path[self.depth].clone();
        while let Some(key) = map.next_key::<String>()? {
            if key == wanted {
                self.depth += 1;
                self.pointer.push('/');
                self.pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                map.next_value_seed(&mut *self)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        while let Some(record) = seq.next_element::<Json>()? {
            if self.error.is_none() {
                let pointer =
                    if self.engine.track_locations { format!("{}/{index}", self.pointer) } else { String::new() };
                let item = Item::Json { node: &record, pointer };
                let no_sources = |_: Option<&str>| -> Result<super::Source<'_>, RmlError> {
                    Err(RmlError::Mapping("a streaming mapping cannot refer to another source".to_owned()))
                };
                for (tm_index, tm) in self.engine.mapping.triples_maps.iter().enumerate() {
                    let joins = std::cell::RefCell::new(std::collections::HashMap::new());
                    if let Err(error) = self.engine.map_item(tm_index, tm, &item, &no_sources, self.sink, &joins) {
                        self.error = Some(error);
                        break;
                    }
                }
                self.records += 1;
            }
            index += 1;
        }
        Ok(())
    }
}
