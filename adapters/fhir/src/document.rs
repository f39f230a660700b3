//! A FHIR document (a Patient or a Bundle of them, JSON or XML) to located records.

use crate::{patient, xml};
use familygraph_adapter_sdk::{CanonicalRecord, Located, Location, Rejection};
use serde_json::Value;

/// A document's Patients and rejected entries.
#[derive(Debug, Default)]
pub(crate) struct Translated {
    pub records: Vec<Located<CanonicalRecord>>,
    pub rejected: Vec<Rejection>,
}

/// Parses a FHIR document in either format, told apart by its first character.
pub(crate) fn parse(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the document is not UTF-8".to_owned())?;
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('<') {
        xml::to_json(text)
    } else {
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
    }
}

/// Translates every Patient in `document`. A Bundle's entries are translated one by one;
/// entries holding other resources (an `OperationOutcome`, an included `Organization`) are
/// outside this adapter and skipped.
pub(crate) fn translate(system: &str, location: &Location, document: &Value) -> Translated {
    let mut out = Translated::default();
    match document.get("resourceType").and_then(Value::as_str) {
        Some("Patient") => match patient::translate(system, location, document) {
            Ok(record) => out.records.push(record),
            Err(rejection) => out.rejected.push(rejection),
        },
        Some("Bundle") => {
            let entries = document
                .get("entry")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (i, entry) in entries.iter().enumerate() {
                let at = location.at(format!("/entry/{i}/resource"));
                match entry.get("resource") {
                    Some(resource)
                        if resource.get("resourceType").and_then(Value::as_str)
                            == Some("Patient") =>
                    {
                        match patient::translate(system, &at, resource) {
                            Ok(record) => out.records.push(record),
                            Err(rejection) => out.rejected.push(rejection),
                        }
                    }
                    Some(_) => {}
                    None => out.rejected.push(Rejection::new(
                        location.at(format!("/entry/{i}")),
                        "the Bundle entry has no resource",
                    )),
                }
            }
        }
        _ => out.rejected.push(Rejection::new(
            location.at("/resourceType"),
            "the document is neither a Patient nor a Bundle",
        )),
    }
    out
}
