//! One ORUK service or taxonomy term to a canonical record.
//!
//! Decisions:
//! - A service without an `id` or `name`, with a `status` outside ORUK's four
//!   (`active`, `inactive`, `defunct`, `temporarily closed`), an age that is not a whole
//!   number from 0 to 150, a `minimum_age` above its `maximum_age`, or a `last_modified`
//!   that is not an RFC 3339 date-time is rejected.
//! - Locations come from `service_at_locations[].location`. An address `postal_code` that is
//!   not a UK postcode, an LSOA that is not one, or coordinates off the globe are left out with
//!   a note; the service is kept. The LSOA is read from a location's `external_identifier`
//!   when its `external_identifier_type` starts with `lsoa` (ORUK has no LSOA field).
//! - Taxonomy terms come from `attributes[].taxonomy_term`. The service is a Family Hub when
//!   one of them matches the configured Family Hub terms.

use crate::config::OpenReferralConfig;
use chrono::{DateTime, Utc};
use familygraph_adapter_sdk::{
    AgeRange, CanonicalRecord, FieldNote, Located, Location, OrganisationRef, Rejection,
    ServiceLocation, ServiceRecord, ServiceStatus, SourceRef, TaxonomyTermRecord, TaxonomyTermRef,
};
use familygraph_domain::{LsoaCode, Postcode};
use serde_json::Value;

fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn items<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Translates a fully nested ORUK service found at `location`.
pub fn service(
    config: &OpenReferralConfig,
    location: &Location,
    service: &Value,
) -> Result<Located<CanonicalRecord>, Rejection> {
    let reject = |pointer: &str, reason: String| Rejection::new(location.at(pointer), reason);
    let id = text(service, "id").ok_or_else(|| reject("/id", "the service has no id".into()))?;
    let name =
        text(service, "name").ok_or_else(|| reject("/name", "the service has no name".into()))?;
    let status = match service.get("status").and_then(Value::as_str) {
        None => ServiceStatus::Active,
        Some("active") => ServiceStatus::Active,
        Some("inactive") => ServiceStatus::Inactive,
        Some("defunct") => ServiceStatus::Defunct,
        Some("temporarily closed") => ServiceStatus::TemporarilyClosed,
        Some(other) => {
            return Err(reject(
                "/status",
                format!(
                    "{other:?} is not an ORUK service status (active, inactive, defunct, \
                     temporarily closed)"
                ),
            ));
        }
    };
    let age = |key: &str| -> Result<Option<u16>, Rejection> {
        match service.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n <= 150)
                .map(Some)
                .ok_or_else(|| {
                    reject(
                        &format!("/{key}"),
                        format!("{key} is not a whole number of years from 0 to 150"),
                    )
                }),
        }
    };
    let eligibility = AgeRange {
        minimum_age: age("minimum_age")?,
        maximum_age: age("maximum_age")?,
    };
    if let (Some(min), Some(max)) = (eligibility.minimum_age, eligibility.maximum_age)
        && min > max
    {
        return Err(reject(
            "/minimum_age",
            format!("minimum_age {min} is above maximum_age {max}"),
        ));
    }
    let last_modified = match service.get("last_modified").and_then(Value::as_str) {
        None => None,
        Some(raw) => Some(
            DateTime::parse_from_rfc3339(raw)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    reject(
                        "/last_modified",
                        format!("{raw:?} is not a possible RFC 3339 date-time"),
                    )
                })?,
        ),
    };
    let organisation = service.get("organization").and_then(|org| {
        Some(OrganisationRef {
            source_id: text(org, "id")?,
            name: text(org, "name").unwrap_or_default(),
        })
    });

    let mut notes = Vec::new();
    let mut locations = Vec::new();
    for (i, at_location) in items(service, "service_at_locations").iter().enumerate() {
        let Some(place) = at_location.get("location") else {
            continue;
        };
        let pointer = format!("/service_at_locations/{i}/location");
        locations.push(service_location(location, &pointer, place, &mut notes));
    }

    let mut taxonomy_terms = Vec::new();
    let mut family_hub = false;
    for attribute in items(service, "attributes") {
        let Some(term) = attribute.get("taxonomy_term") else {
            continue;
        };
        let Some(source_id) = text(term, "id") else {
            continue;
        };
        let name = text(term, "name")
            .or_else(|| text(term, "term"))
            .unwrap_or_default();
        let term_label = text(term, "term").unwrap_or_default();
        family_hub |= config.marks_family_hub(&[&source_id, &name, &term_label]);
        taxonomy_terms.push(TaxonomyTermRef {
            source_id,
            name,
            taxonomy: text(term, "taxonomy"),
        });
    }

    Ok(Located {
        location: location.clone(),
        record: CanonicalRecord::Service(ServiceRecord {
            source: SourceRef::new(&config.name, id),
            name,
            description: text(service, "description"),
            status,
            organisation,
            url: text(service, "url"),
            email: text(service, "email"),
            eligibility,
            locations,
            taxonomy_terms,
            family_hub,
            last_modified,
        }),
        notes,
    })
}

fn service_location(
    location: &Location,
    pointer: &str,
    place: &Value,
    notes: &mut Vec<FieldNote>,
) -> ServiceLocation {
    let mut note = |at: String, reason: String| {
        notes.push(FieldNote {
            location: location.at(at),
            reason,
        });
    };
    let mut postcode = None;
    for (j, address) in items(place, "addresses").iter().enumerate() {
        if let Some(raw) = address.get("postal_code").and_then(Value::as_str) {
            match Postcode::parse("postal_code", raw) {
                Ok(p) if postcode.is_none() => postcode = Some(p),
                Ok(_) => {}
                Err(e) => note(
                    format!("{pointer}/addresses/{j}/postal_code"),
                    format!("left out: {}", e.message()),
                ),
            }
        }
    }
    let identifier_type = text(place, "external_identifier_type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let identifier = text(place, "external_identifier");
    let mut lsoa = None;
    let mut uprn = None;
    if identifier_type.starts_with("lsoa") {
        match identifier
            .as_deref()
            .map(|raw| LsoaCode::parse("external_identifier", raw))
        {
            Some(Ok(code)) => lsoa = Some(code),
            Some(Err(e)) => note(
                format!("{pointer}/external_identifier"),
                format!("left out: {}", e.message()),
            ),
            None => {}
        }
    } else if identifier_type == "uprn" {
        uprn = identifier;
    }
    let latitude = place.get("latitude").and_then(Value::as_f64);
    let longitude = place.get("longitude").and_then(Value::as_f64);
    let (latitude, longitude) = match (latitude, longitude) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            (Some(lat), Some(lon))
        }
        (None, None) => (None, None),
        _ => {
            note(
                format!("{pointer}/latitude"),
                "coordinates left out: latitude must be within ±90 and longitude within ±180, \
                 both given"
                    .to_owned(),
            );
            (None, None)
        }
    };
    ServiceLocation {
        source_id: text(place, "id").unwrap_or_default(),
        name: text(place, "name"),
        postcode,
        lsoa,
        uprn,
        latitude,
        longitude,
    }
}

/// Translates an ORUK taxonomy term found at `location`.
pub fn taxonomy_term(
    config: &OpenReferralConfig,
    location: &Location,
    term: &Value,
) -> Result<Located<CanonicalRecord>, Rejection> {
    let id = text(term, "id")
        .ok_or_else(|| Rejection::new(location.at("/id"), "the taxonomy term has no id"))?;
    let name = text(term, "name")
        .or_else(|| text(term, "term"))
        .ok_or_else(|| Rejection::new(location.at("/name"), "the taxonomy term has no name"))?;
    let term_label = text(term, "term").unwrap_or_default();
    let marks_family_hub = config.marks_family_hub(&[&id, &name, &term_label]);
    Ok(Located::new(
        location.clone(),
        CanonicalRecord::TaxonomyTerm(TaxonomyTermRecord {
            source: SourceRef::new(&config.name, id),
            name,
            description: text(term, "description"),
            parent_id: text(term, "parent_id"),
            taxonomy: text(term, "taxonomy"),
            marks_family_hub,
        }),
    ))
}
