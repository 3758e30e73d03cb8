//! Writing a document in a profile's XML form: the JSON form placed into elements and
//! attributes by the field table's `xpath` entries.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::writer::Writer;
use serde_json::Value as Json;

use crate::formats::{Field, Profile};

/// An element being built.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    text: Option<String>,
    children: Vec<Node>,
}

impl Node {
    /// The child named `name`, created if absent (for shared containers like `Filer`).
    fn child(&mut self, name: &str) -> &mut Node {
        if let Some(index) = self.children.iter().position(|c| c.name == name) {
            return &mut self.children[index];
        }
        self.children.push(Node { name: name.to_owned(), ..Default::default() });
        self.children.last_mut().expect("just pushed")
    }

    /// A new child named `name`, even if one exists (for repeated elements).
    fn new_child(&mut self, name: &str) -> &mut Node {
        self.children.push(Node { name: name.to_owned(), ..Default::default() });
        self.children.last_mut().expect("just pushed")
    }
}

pub fn write(profile: &Profile, document: &Json) -> Result<String, String> {
    let form = profile.xml.as_ref().ok_or_else(|| format!("profile `{}` has no XML form", profile.id))?;
    let mut root = Node { name: form.root.clone(), ..Default::default() };
    if let Some(namespace) = &form.namespace {
        root.attributes.push(("xmlns".to_owned(), namespace.clone()));
    }
    place(&mut root, &profile.fields, document)?;
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(|e| e.to_string())?;
    emit(&mut writer, &root).map_err(|e| e.to_string())?;
    let mut text = String::from_utf8(writer.into_inner()).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text)
}

fn place(node: &mut Node, fields: &[Field], object: &Json) -> Result<(), String> {
    for field in fields {
        let (Some(value), Some(xpath)) = (object.pointer(&field.pointer), &field.xpath) else { continue };
        let steps: Vec<&str> = xpath.split('/').collect();
        let (last, parents) =
            steps.split_last().ok_or_else(|| format!("field `{}` has an empty xpath", field.full_pointer))?;
        let items: Vec<&Json> = match (field.array, value) {
            (true, Json::Array(items)) => items.iter().collect(),
            _ => vec![value],
        };
        for item in items {
            let mut container = &mut *node;
            for step in parents {
                container = container.child(step);
            }
            if let Some(attribute) = last.strip_prefix('@') {
                container.attributes.push((attribute.to_owned(), text(item)));
            } else if *last == "text()" {
                container.text = Some(text(item));
            } else {
                let element = if field.array { container.new_child(last) } else { container.child(last) };
                if field.fields.is_empty() {
                    element.text = Some(text(item));
                } else {
                    place(element, &field.fields, item)?;
                }
            }
        }
    }
    Ok(())
}

fn text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn emit(writer: &mut Writer<Vec<u8>>, node: &Node) -> std::io::Result<()> {
    let mut start = BytesStart::new(node.name.as_str());
    for (key, value) in &node.attributes {
        start.push_attribute((key.as_str(), value.as_str()));
    }
    if node.children.is_empty() && node.text.is_none() {
        writer.write_event(Event::Empty(start))?;
        return Ok(());
    }
    writer.write_event(Event::Start(start))?;
    if let Some(text) = &node.text {
        writer.write_event(Event::Text(BytesText::new(text)))?;
    }
    for child in &node.children {
        emit(writer, child)?;
    }
    writer.write_event(Event::End(BytesEnd::new(node.name.as_str())))?;
    Ok(())
}
