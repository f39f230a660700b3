//! FHIR XML to FHIR's JSON form, so both formats share one Patient mapping.
//!
//! The conversion follows the FHIR R4 XML/JSON correspondence for what the mapping reads:
//! the root element names the `resourceType`; `<x value="v"/>` becomes `"x": "v"` (kept as a
//! string); an element with children becomes an object; an extension's `url` attribute
//! becomes `"url"`; an element holding one resource (`Bundle.entry.resource`, `contained`)
//! becomes that resource's object; repeating elements, and elements FHIR defines as lists
//! (`identifier`, `name`, `given`, `address`, `line`, `extension`, `coding`...), become
//! arrays. Narrative XHTML (`text/div`) is skipped. Primitive values stay strings (the
//! mapping reads only string-valued elements). A document whose elements nest deeper than
//! [`MAX_DEPTH`] is refused.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use serde_json::{Map, Value};

/// The FHIR XML namespace every resource element must be in.
pub const FHIR_NAMESPACE: &str = "http://hl7.org/fhir";

/// Elements that are lists in FHIR R4 even when they occur once.
const LISTS: &[&str] = &[
    "address",
    "coding",
    "communication",
    "contact",
    "contained",
    "entry",
    "extension",
    "generalPractitioner",
    "given",
    "identifier",
    "line",
    "link",
    "modifierExtension",
    "name",
    "prefix",
    "suffix",
    "telecom",
];

/// The deepest element nesting converted (outside a skipped narrative), the JSON reader's
/// limit too (serde_json's 128). FHIR resources nest a dozen levels; a deeper document is
/// refused rather than converted, since the conversion recurses once per level.
pub const MAX_DEPTH: usize = 128;

/// One XML element as read.
#[derive(Debug, Default)]
struct Element {
    name: String,
    value: Option<String>,
    url: Option<String>,
    id: Option<String>,
    namespace: Option<String>,
    children: Vec<Element>,
}

/// Converts a FHIR XML document (one resource) to FHIR's JSON form. The error says what is
/// wrong with the document.
pub fn to_json(document: &str) -> Result<Value, String> {
    let root = parse(document)?;
    if root.namespace.as_deref() != Some(FHIR_NAMESPACE) {
        return Err(format!(
            "the root element <{}> is not in the FHIR namespace {FHIR_NAMESPACE}",
            root.name
        ));
    }
    Ok(resource(&root))
}

fn parse(document: &str) -> Result<Element, String> {
    let mut reader = quick_xml::Reader::from_str(document);
    reader.config_mut().trim_text(true);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Depth inside a skipped XHTML narrative.
    let mut skipping = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(start) => {
                if skipping > 0 || is_xhtml(&start) {
                    skipping += 1;
                    continue;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(format!(
                        "elements nest deeper than {MAX_DEPTH} levels at byte {}",
                        reader.buffer_position()
                    ));
                }
                stack.push(element(&start)?);
            }
            Event::Empty(start) => {
                if skipping > 0 || is_xhtml(&start) {
                    continue;
                }
                let done = element(&start)?;
                attach(&mut stack, &mut root, done)?;
            }
            Event::End(_) => {
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                let done = stack
                    .pop()
                    .ok_or_else(|| "an end tag without a start tag".to_owned())?;
                attach(&mut stack, &mut root, done)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err("the document ends inside an element".to_owned());
    }
    root.ok_or_else(|| "the document has no root element".to_owned())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, done: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None if root.is_none() => *root = Some(done),
        None => return Err("the document has more than one root element".to_owned()),
    }
    Ok(())
}

fn is_xhtml(start: &BytesStart<'_>) -> bool {
    start.local_name().as_ref() == "div"
}

fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = start.local_name().as_ref().to_owned();
    let mut element = Element {
        name,
        ..Default::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("bad attribute: {e}"))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value: {e}"))?
            .into_owned();
        match attribute.key.as_ref() {
            "value" => element.value = Some(value),
            "url" => element.url = Some(value),
            "id" => element.id = Some(value),
            "xmlns" => element.namespace = Some(value),
            _ => {}
        }
    }
    Ok(element)
}

/// A resource element (`<Patient>`) as a JSON object with its `resourceType`.
fn resource(element: &Element) -> Value {
    let mut object = Map::new();
    object.insert(
        "resourceType".to_owned(),
        Value::String(element.name.clone()),
    );
    fill(&mut object, element);
    Value::Object(object)
}

/// Adds `element`'s attributes and children to `object`.
fn fill(object: &mut Map<String, Value>, element: &Element) {
    if let Some(url) = &element.url {
        object.insert("url".to_owned(), Value::String(url.clone()));
    }
    if let Some(id) = &element.id {
        object.insert("id".to_owned(), Value::String(id.clone()));
    }
    for child in &element.children {
        if let Some(value) = &child.value {
            insert(object, &child.name, Value::String(value.clone()));
            if !child.children.is_empty() || child.id.is_some() {
                let mut extra = Map::new();
                fill(&mut extra, child);
                insert(object, &format!("_{}", child.name), Value::Object(extra));
            }
        } else if let [only] = child.children.as_slice()
            && only.name.starts_with(|c: char| c.is_ascii_uppercase())
        {
            insert(object, &child.name, resource(only));
        } else {
            let mut nested = Map::new();
            fill(&mut nested, child);
            insert(object, &child.name, Value::Object(nested));
        }
    }
}

fn insert(object: &mut Map<String, Value>, key: &str, value: Value) {
    let list = LISTS.contains(&key.trim_start_matches('_'));
    match object.get_mut(key) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, value]);
        }
        None if list => {
            object.insert(key.to_owned(), Value::Array(vec![value]));
        }
        None => {
            object.insert(key.to_owned(), value);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn converts_primitives_lists_extensions_and_resources() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<Bundle xmlns="http://hl7.org/fhir">
  <type value="searchset"/>
  <link><relation value="next"/><url value="http://x/Patient?page=2&amp;_count=1"/></link>
  <entry>
    <resource>
      <Patient>
        <id value="p1"/>
        <text><status value="generated"/><div xmlns="http://www.w3.org/1999/xhtml"><p>Narrative <b>only</b></p></div></text>
        <identifier>
          <extension url="https://example.invalid/ext"><valueString value="v"/></extension>
          <system value="s"/><value value="1"/>
        </identifier>
        <name><given value="A"/><given value="B"/></name>
        <birthDate value="2020-01-02"><extension url="t"><valueDateTime value="2020-01-02T03:04:05Z"/></extension></birthDate>
      </Patient>
    </resource>
  </entry>
</Bundle>"#;
        let json = to_json(xml).unwrap();
        assert_eq!(json["resourceType"], "Bundle");
        assert_eq!(json["link"][0]["url"], "http://x/Patient?page=2&_count=1");
        let patient = &json["entry"][0]["resource"];
        assert_eq!(patient["resourceType"], "Patient");
        assert_eq!(patient["id"], "p1");
        assert_eq!(
            patient["identifier"][0]["extension"][0]["url"],
            "https://example.invalid/ext"
        );
        assert_eq!(patient["identifier"][0]["value"], "1");
        assert_eq!(patient["name"][0]["given"], json!(["A", "B"]));
        assert_eq!(patient["birthDate"], "2020-01-02");
        assert_eq!(patient["_birthDate"]["extension"][0]["url"], "t");
        assert_eq!(patient["text"], json!({"status": "generated"}));
    }

    #[test]
    fn rejects_broken_and_foreign_documents() {
        for xml in [
            "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"p\"></Patient>",
            "<Patient xmlns=\"http://hl7.org/fhir\"><id value=\"p\"/>",
            "<Patient><id value=\"p\"/></Patient>",
            "",
            "not xml at all",
            "<Patient xmlns=\"http://hl7.org/fhir\"/><Patient xmlns=\"http://hl7.org/fhir\"/>",
        ] {
            assert!(to_json(xml).is_err(), "{xml}");
        }
    }
}
