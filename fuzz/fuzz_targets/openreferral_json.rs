//! The Open Referral UK mapping on arbitrary JSON: a service, or each item of a page
//! (`contents`), as a service and as a taxonomy term.
//!
//! Beyond "no panic": the mapping is deterministic, and what it keeps is valid — every
//! location's postcode and LSOA code re-validate to themselves, ages are in order.
#![no_main]

use familygraph_adapter_openreferral::OpenReferralConfig;
use familygraph_adapter_openreferral::translate;
use familygraph_adapter_sdk::{CanonicalRecord, Location};
use familygraph_domain::{LsoaCode, Postcode};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check(config: &OpenReferralConfig, location: &Location, item: &Value) {
    let first = translate::service(config, location, item);
    let second = translate::service(config, location, item);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "not deterministic"
    );
    if let Ok(located) = first {
        let CanonicalRecord::Service(service) = located.record else {
            panic!("a service did not become a service record");
        };
        for place in &service.locations {
            if let Some(postcode) = &place.postcode {
                assert_eq!(
                    Postcode::parse("f", postcode.as_str()).ok().as_ref(),
                    Some(postcode)
                );
            }
            if let Some(lsoa) = &place.lsoa {
                assert_eq!(
                    LsoaCode::parse("f", lsoa.as_str()).ok().as_ref(),
                    Some(lsoa)
                );
            }
        }
        if let (Some(min), Some(max)) = (
            service.eligibility.minimum_age,
            service.eligibility.maximum_age,
        ) {
            assert!(min <= max, "minimum age above maximum");
        }
    }
    let _ = translate::taxonomy_term(config, location, item);
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let mut config = OpenReferralConfig::new("fuzz", "http://127.0.0.1/");
    config.family_hub_terms = vec!["family-hub".to_owned(), "Family Hub".to_owned()];
    let location = Location::document("fuzz.json");
    check(&config, &location, &value);
    if let Some(items) = value.get("contents").and_then(Value::as_array) {
        for (i, item) in items.iter().enumerate() {
            check(&config, &location.at(&format!("/contents/{i}")), item);
        }
    }
});
