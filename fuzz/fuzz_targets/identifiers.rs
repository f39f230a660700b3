//! The identifier validators on arbitrary text.
//!
//! Beyond "no panic": a value a validator accepts is canonical — parsing its `as_str()` or its
//! `Display` gives it back, and serde (JSON) round-trips it — and has its documented shape.
#![no_main]

use std::fmt::{Debug, Display};

use familygraph_adapter_liquidlogic::cin_census::CensusUpn;
use familygraph_domain::{
    CaseSystemId, DomainError, IdentifierKind, LsoaCode, NhsNumber, OdsCode, Postcode, SchoolUrn,
    Upn, UpnUnknown, normalise,
};
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

/// Parses `raw`; when accepted, checks the round trips and returns the value.
fn canonical<T>(raw: &str, parse: fn(&str, &str) -> Result<T, DomainError>) -> Option<T>
where
    T: AsRef<str> + Display + Debug + PartialEq + Serialize + DeserializeOwned,
{
    let value = parse("f", raw).ok()?;
    assert_eq!(parse("f", value.as_ref()).as_ref().ok(), Some(&value));
    assert_eq!(parse("f", &value.to_string()).as_ref().ok(), Some(&value));
    let json = serde_json::to_string(&value).expect("serialise");
    assert_eq!(serde_json::from_str::<T>(&json).ok().as_ref(), Some(&value));
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };

    if let Some(nhs) = canonical(raw, NhsNumber::parse) {
        assert!(nhs.as_str().len() == 10 && nhs.as_str().bytes().all(|b| b.is_ascii_digit()));
    }
    if let Some(upn) = canonical(raw, Upn::parse) {
        let s = upn.as_str();
        assert_eq!(s.len(), 13);
        // The check letter is recomputed from the body.
        assert_eq!(Upn::with_check_letter(&s[1..]).ok().as_ref(), Some(&upn));
        assert_eq!(upn.is_temporary(), s.as_bytes()[12].is_ascii_alphabetic());
    }
    if let Ok(upn) = Upn::with_check_letter(raw) {
        assert_eq!(Upn::parse("f", upn.as_str()).ok().as_ref(), Some(&upn));
    }
    if let Some(postcode) = canonical(raw, Postcode::parse) {
        let s = postcode.as_str();
        assert_eq!(s.matches(' ').count(), 1);
        assert!(s.starts_with(postcode.outward()) && !postcode.outward().is_empty());
        assert_eq!(s.len() - postcode.outward().len(), 4);
    }
    if let Some(lsoa) = canonical(raw, LsoaCode::parse) {
        assert_eq!(lsoa.as_str().len(), 9);
    }
    if let Some(urn) = canonical(raw, SchoolUrn::parse) {
        assert!((100_000..=999_999).contains(&urn.value()));
        assert_eq!(urn.value().to_string(), urn.as_str());
    }
    if let Some(ods) = canonical(raw, OdsCode::parse) {
        assert!((3..=10).contains(&ods.as_str().len()));
    }
    if let Some(id) = canonical(raw, CaseSystemId::parse) {
        assert!((1..=64).contains(&id.as_str().len()));
    }
    if let Ok(code) = UpnUnknown::parse("f", raw) {
        assert_eq!(UpnUnknown::parse("f", code.code()).ok(), Some(code));
    }
    for kind in [
        IdentifierKind::CaseSystemId,
        IdentifierKind::NhsNumber,
        IdentifierKind::Upn,
        IdentifierKind::FormerUpn,
        IdentifierKind::UpnUnknown,
    ] {
        if let Ok(value) = normalise(kind, "f", raw) {
            assert_eq!(
                normalise(kind, "f", &value).ok().as_ref(),
                Some(&value),
                "{kind}"
            );
        }
    }
    if let Some(upn) = CensusUpn::parse(raw) {
        assert_eq!(CensusUpn::parse(upn.as_str()).as_ref(), Some(&upn));
    }
});
