//! One FHIR R4 UK Core `Patient`, in FHIR's JSON form, to a canonical person record.
//!
//! Decisions:
//! - `Patient.id` is the source id; a Patient without one is rejected (it could not be
//!   applied idempotently).
//! - The NHS number is the identifier with system [`NHS_NUMBER_SYSTEM`]; its verification
//!   status is the [`VERIFICATION_EXTENSION`] extension on that identifier. A number that
//!   fails validation (length, check digit) is left out of the record with a note, so the
//!   Patient is still imported and goes to review rather than linking by a bad number. Two
//!   different valid NHS numbers, or a verification code outside `01`–`08`, reject the Patient.
//! - `birthDate` keeps FHIR's precision (`YYYY`, `YYYY-MM` or a full date); an impossible date
//!   rejects the Patient.
//! - `gender`: `male` → `M`, `female` → `F`, `unknown` and `other` → `U` (the CIN census has no
//!   other code); anything else rejects the Patient.
//! - `name.use` and the other coded values must be FHIR codes; an unknown one rejects.
//! - Addresses keep lines, city, use and whether `period.end` is set; an invalid postcode is
//!   left out with a note. The person's postcode is that of the first current home address
//!   (no `use`, or `home`/`temp`; no `period.end`).

use familygraph_adapter_sdk::{
    AddressRecord, CanonicalRecord, FieldNote, Located, Location, NameUse, NhsNumberRecord,
    PartialDate, PersonName, PersonRecord, Rejection, SourceRef,
};
use familygraph_domain::{NhsNumber, NhsNumberVerificationStatus, Postcode, Sex};
use serde_json::Value;

/// The identifier system of the NHS number.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";

/// The UK Core extension giving an NHS number's verification status.
pub const VERIFICATION_EXTENSION: &str =
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus";

/// Translates one Patient found at `location` (a JSON pointer to the resource, e.g.
/// `/entry/3/resource`, or the whole document) into a person record of `system`.
pub fn translate(
    system: &str,
    location: &Location,
    patient: &Value,
) -> Result<Located<CanonicalRecord>, Rejection> {
    let reject = |pointer: &str, reason: String| Err(Rejection::new(location.at(pointer), reason));
    if patient.get("resourceType").and_then(Value::as_str) != Some("Patient") {
        return reject("/resourceType", "the resource is not a Patient".to_owned());
    }
    let id = match patient.get("id").and_then(Value::as_str).map(str::trim) {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => return reject("/id", "the Patient has no id".to_owned()),
    };
    let mut notes = Vec::new();
    let mut person = PersonRecord {
        source: SourceRef::new(system, id),
        ..Default::default()
    };

    person.nhs_number = nhs_number(location, patient, &mut notes)?;

    for (i, name) in array(patient, "name").iter().enumerate() {
        let name_use = match name.get("use").and_then(Value::as_str) {
            None => None,
            Some(code) => match name_use(code) {
                Some(u) => Some(u),
                None => {
                    return reject(
                        &format!("/name/{i}/use"),
                        "the name use is not a FHIR name use".to_owned(),
                    );
                }
            },
        };
        let family = name
            .get("family")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let given: Vec<String> = array(name, "given")
            .into_iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if family.is_some() || !given.is_empty() {
            person.names.push(PersonName {
                name_use,
                family,
                given,
            });
        }
    }

    if let Some(raw) = patient.get("birthDate") {
        let Some(raw) = raw.as_str() else {
            return reject("/birthDate", "birthDate is not a string".to_owned());
        };
        match PartialDate::parse("birthDate", raw) {
            Ok(date) => person.birth_date = Some(date),
            Err(e) => return reject("/birthDate", e.to_string()),
        }
    }

    if let Some(raw) = patient.get("gender") {
        person.sex = match raw.as_str() {
            Some("male") => Some(Sex::Male),
            Some("female") => Some(Sex::Female),
            Some("unknown" | "other") => Some(Sex::Unknown),
            _ => {
                return reject(
                    "/gender",
                    "gender is not one of male, female, other, unknown".to_owned(),
                );
            }
        };
    }

    for (i, address) in array(patient, "address").iter().enumerate() {
        let pointer = format!("/address/{i}");
        let postcode = match address.get("postalCode").and_then(Value::as_str) {
            None => None,
            Some(raw) => match Postcode::parse("postalCode", raw) {
                Ok(p) => Some(p),
                Err(e) => {
                    notes.push(FieldNote {
                        location: location.at(format!("{pointer}/postalCode")),
                        reason: format!("left out: {}", e.message()),
                    });
                    None
                }
            },
        };
        let address_use = address
            .get("use")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let ended = address.get("period").and_then(|p| p.get("end")).is_some();
        person.addresses.push(AddressRecord {
            lines: array(address, "line")
                .into_iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            city: address
                .get("city")
                .and_then(Value::as_str)
                .map(str::to_owned),
            postcode,
            address_use,
            ended,
        });
    }
    person.postcode = person
        .addresses
        .iter()
        .find(|a| {
            !a.ended
                && a.postcode.is_some()
                && matches!(a.address_use.as_deref(), None | Some("home" | "temp"))
        })
        .and_then(|a| a.postcode.clone());

    Ok(Located {
        location: location.clone(),
        record: CanonicalRecord::Person(person),
        notes,
    })
}

/// The NHS number identifier, validated, with its verification status.
fn nhs_number(
    location: &Location,
    patient: &Value,
    notes: &mut Vec<FieldNote>,
) -> Result<Option<NhsNumberRecord>, Rejection> {
    let mut found: Option<NhsNumberRecord> = None;
    for (i, identifier) in array(patient, "identifier").iter().enumerate() {
        if identifier.get("system").and_then(Value::as_str) != Some(NHS_NUMBER_SYSTEM) {
            continue;
        }
        let pointer = format!("/identifier/{i}");
        let verification = verification_status(identifier).map_err(|reason| {
            Rejection::new(location.at(format!("{pointer}/extension")), reason)
        })?;
        let raw = identifier
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or("");
        let number = match NhsNumber::parse("value", raw) {
            Ok(number) => number,
            Err(e) => {
                notes.push(FieldNote {
                    location: location.at(format!("{pointer}/value")),
                    reason: format!("NHS number left out: {}", e.message()),
                });
                continue;
            }
        };
        match &found {
            Some(existing) if existing.number != number => {
                return Err(Rejection::new(
                    location.at(format!("{pointer}/value")),
                    "the Patient has two different NHS numbers",
                ));
            }
            Some(_) => {}
            None => {
                found = Some(NhsNumberRecord {
                    number,
                    verification,
                });
            }
        }
    }
    Ok(found)
}

/// The verification status from the identifier's UK Core extension, if present.
fn verification_status(identifier: &Value) -> Result<Option<NhsNumberVerificationStatus>, String> {
    for extension in array(identifier, "extension") {
        if extension.get("url").and_then(Value::as_str) != Some(VERIFICATION_EXTENSION) {
            continue;
        }
        let codings = extension
            .get("valueCodeableConcept")
            .map(|c| array(c, "coding"))
            .unwrap_or_default();
        for coding in codings {
            if let Some(code) = coding.get("code").and_then(Value::as_str) {
                return NhsNumberVerificationStatus::parse("verificationStatus", code)
                    .map(Some)
                    .map_err(|e| e.to_string());
            }
        }
        return Err("the NHS number verification status extension has no code".to_owned());
    }
    Ok(None)
}

fn name_use(code: &str) -> Option<NameUse> {
    Some(match code {
        "official" => NameUse::Official,
        "usual" => NameUse::Usual,
        "nickname" => NameUse::Nickname,
        "old" => NameUse::Old,
        "maiden" => NameUse::Maiden,
        "temp" | "anonymous" => NameUse::Other,
        _ => return None,
    })
}

/// The array at `key`, or an empty one (also when `key` holds a single value).
fn array<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    match value.get(key) {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
        None => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn person(
        result: Result<Located<CanonicalRecord>, Rejection>,
    ) -> (PersonRecord, Vec<FieldNote>) {
        match result.unwrap() {
            Located {
                record: CanonicalRecord::Person(p),
                notes,
                ..
            } => (p, notes),
            other => panic!("{other:?}"),
        }
    }

    fn patient() -> Value {
        // A synthetic child; 9434765919 is in the never-issued 943 476 test range.
        json!({
            "resourceType": "Patient",
            "id": "child-1",
            "identifier": [{
                "extension": [{
                    "url": VERIFICATION_EXTENSION,
                    "valueCodeableConcept": {"coding": [{"code": "02"}]}
                }],
                "system": NHS_NUMBER_SYSTEM,
                "value": "943 476 5919"
            }],
            "name": [
                {"use": "usual", "given": ["Ellie"], "family": "Testchild"},
                {"use": "official", "given": ["Eleanor", "May"], "family": "Testchild"}
            ],
            "gender": "female",
            "birthDate": "2019-06",
            "address": [
                {"use": "home", "postalCode": "LS1 1AA", "period": {"end": "2023-01-01"}},
                {"use": "home", "line": ["1 Example Street"], "city": "Leeds", "postalCode": "ls2 9jt"}
            ]
        })
    }

    #[test]
    fn maps_a_patient() {
        let location = Location::document("p.json");
        let (p, notes) = person(translate("gp", &location, &patient()));
        assert!(notes.is_empty());
        assert_eq!(p.source, SourceRef::new("gp", "child-1"));
        let nhs = p.nhs_number.clone().unwrap();
        assert_eq!(nhs.number.as_str(), "9434765919");
        assert_eq!(
            nhs.verification,
            Some(NhsNumberVerificationStatus::PresentNotTraced)
        );
        assert!(!nhs.is_verified());
        assert_eq!(p.official_name().unwrap().given, ["Eleanor", "May"]);
        assert_eq!(p.names[0].name_use, Some(NameUse::Usual));
        assert_eq!(p.birth_date, Some(PartialDate::YearMonth(2019, 6)));
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(p.addresses.len(), 2);
        assert!(p.addresses[0].ended);
        assert_eq!(p.postcode.unwrap().as_str(), "LS2 9JT");
    }

    #[test]
    fn an_invalid_nhs_number_or_postcode_is_left_out_with_a_note() {
        let mut p = patient();
        p["identifier"][0]["value"] = json!("9434765918");
        p["address"][1]["postalCode"] = json!("ABC 1234");
        let (person, notes) = person(translate("gp", &Location::document("p.json"), &p));
        assert_eq!(person.nhs_number, None);
        assert_eq!(person.postcode, None);
        let at: Vec<String> = notes.iter().map(|n| n.location.to_string()).collect();
        assert_eq!(
            at,
            ["p.json#/identifier/0/value", "p.json#/address/1/postalCode"]
        );
        assert!(notes[0].reason.contains("check digit"), "{notes:?}");
        assert!(!notes[0].reason.contains("9434765918"));
    }

    #[test]
    fn rejections_name_the_field() {
        let location = Location::document("b.json").at("/entry/2/resource");
        let cases: Vec<(&str, Value, &str)> = vec![
            ("/birthDate", json!("2021-02-30"), "birthDate"),
            ("/gender", json!("mail"), "gender"),
            ("/id", json!(""), "id"),
        ];
        for (pointer, value, key) in cases {
            let mut p = patient();
            p[key] = value;
            let rejection = translate("gp", &location, &p).unwrap_err();
            assert_eq!(
                rejection.location.to_string(),
                format!("b.json#/entry/2/resource{pointer}")
            );
        }
        let mut p = patient();
        p["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] =
            json!("09");
        let rejection = translate("gp", &location, &p).unwrap_err();
        // The field is named; the value the source sent is not echoed.
        assert!(
            rejection.reason.contains("verificationStatus") && !rejection.reason.contains("09"),
            "{rejection:?}"
        );
        let mut p = patient();
        p["name"][0]["use"] = json!("stage");
        assert!(translate("gp", &location, &p).is_err());
        let mut p = patient();
        p["identifier"]
            .as_array_mut()
            .unwrap()
            .push(json!({"system": NHS_NUMBER_SYSTEM, "value": "9434765870"}));
        assert!(translate("gp", &location, &p).is_err());
        assert!(
            translate(
                "gp",
                &location,
                &json!({"resourceType": "Practitioner", "id": "x"})
            )
            .is_err()
        );
    }
}
