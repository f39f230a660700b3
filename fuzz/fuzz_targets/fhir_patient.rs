//! The FHIR adapter's readers on arbitrary bytes: FHIR XML to FHIR JSON, then the UK Core
//! Patient mapping (a Patient, or each entry of a Bundle), as the adapter reads a file.
//!
//! Beyond "no panic": the mapping is deterministic, and what it keeps is valid — the NHS
//! number and every postcode in an accepted record re-validate to themselves, and the
//! person's postcode is one of the addresses' postcodes.
#![no_main]

use familygraph_adapter_fhir::{patient, xml};
use familygraph_adapter_sdk::{CanonicalRecord, Location};
use familygraph_domain::{NhsNumber, Postcode};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check(location: &Location, resource: &Value) {
    let first = patient::translate("fuzz", location, resource);
    let second = patient::translate("fuzz", location, resource);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "not deterministic"
    );
    let Ok(located) = first else { return };
    let CanonicalRecord::Person(person) = located.record else {
        panic!("a Patient did not become a person");
    };
    if let Some(nhs) = &person.nhs_number {
        assert_eq!(
            NhsNumber::parse("f", nhs.number.as_str()).ok().as_ref(),
            Some(&nhs.number)
        );
    }
    for postcode in person.addresses.iter().filter_map(|a| a.postcode.as_ref()) {
        assert_eq!(
            Postcode::parse("f", postcode.as_str()).ok().as_ref(),
            Some(postcode)
        );
    }
    if let Some(postcode) = &person.postcode {
        assert!(
            person
                .addresses
                .iter()
                .any(|a| a.postcode.as_ref() == Some(postcode))
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // As the adapter reads a file: UTF-8, a byte order mark and leading space ignored, the
    // format told by the first character.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let document = if text.starts_with('<') {
        match xml::to_json(text) {
            Ok(value) => {
                // The conversion is deterministic too.
                assert_eq!(xml::to_json(text).ok().as_ref(), Some(&value));
                value
            }
            Err(_) => return,
        }
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => value,
            Err(_) => return,
        }
    };
    let location = Location::document("fuzz.json");
    check(&location, &document);
    if let Some(entries) = document.get("entry").and_then(Value::as_array) {
        for (i, entry) in entries.iter().enumerate() {
            if let Some(resource) = entry.get("resource") {
                check(&location.at(&format!("/entry/{i}/resource")), resource);
            }
        }
    }
});
