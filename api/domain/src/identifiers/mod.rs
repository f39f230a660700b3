//! Validated identifiers: NHS number, UPN, LSOA code, school URN, ODS code, postcode and the
//! case system's person id, plus [`IdentifierKind`] for the `person_identifier` table.
//!
//! Every identifier is a newtype over its canonical string with
//! `parse(field, raw) -> Result<Self, DomainError>` (the error names `field`), `as_str()`,
//! `Display`, and serde as a string (deserialising validates).

mod nhs_number;
mod others;
mod postcode;
mod upn;

pub use nhs_number::NhsNumber;
pub use others::{CaseSystemId, LsoaCode, OdsCode, SchoolUrn};
pub use postcode::Postcode;
pub use upn::Upn;

use crate::code_enum::code_enum;
use crate::codes::UpnUnknown;
use crate::error::DomainError;

/// Declares a validated string newtype: the struct, `as_str`, `into_string`, `Display`,
/// `AsRef<str>` and serde. The type must have `parse(field, raw)`; `$serde_field` names the
/// value in deserialisation errors.
macro_rules! string_identifier {
    ($(#[$meta:meta])* $name:ident, $serde_field:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The canonical string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The canonical string, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::parse($serde_field, &raw).map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use string_identifier;

code_enum! {
    /// The kind of a stored person identifier (`person_identifier.kind`).
    pub enum IdentifierKind {
        CaseSystemId = "CASE_SYSTEM_ID" => "Case system person id",
        NhsNumber = "NHS_NUMBER" => "NHS number",
        Upn = "UPN" => "Unique pupil number",
        FormerUpn = "FORMER_UPN" => "Former unique pupil number",
        UpnUnknown = "UPN_UNKNOWN" => "Reason the UPN is unknown (UN1–UN7)",
    }
}

/// Validates `raw` as an identifier of `kind` and returns the canonical string to store
/// (`person_identifier.value`). `UPN_UNKNOWN` values are the codes `UN1`–`UN7`. The error
/// names `field`.
pub fn normalise(kind: IdentifierKind, field: &str, raw: &str) -> Result<String, DomainError> {
    Ok(match kind {
        IdentifierKind::CaseSystemId => CaseSystemId::parse(field, raw)?.into_string(),
        IdentifierKind::NhsNumber => NhsNumber::parse(field, raw)?.into_string(),
        IdentifierKind::Upn | IdentifierKind::FormerUpn => Upn::parse(field, raw)?.into_string(),
        IdentifierKind::UpnUnknown => UpnUnknown::parse(field, raw)?.code().to_owned(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn identifier_kind_codes() {
        check_code_list::<IdentifierKind>(5);
        assert_eq!(IdentifierKind::FormerUpn.code(), "FORMER_UPN");
    }

    #[test]
    fn normalise_returns_the_canonical_value() {
        assert_eq!(
            normalise(IdentifierKind::NhsNumber, "value", "943 476 5919").unwrap(),
            "9434765919"
        );
        let upn = Upn::with_check_letter("201999900001").unwrap();
        let lower = upn.as_str().to_ascii_lowercase();
        assert_eq!(
            normalise(IdentifierKind::Upn, "value", &lower).unwrap(),
            upn.as_str()
        );
        assert_eq!(
            normalise(IdentifierKind::FormerUpn, "value", &lower).unwrap(),
            upn.as_str()
        );
        assert_eq!(
            normalise(IdentifierKind::UpnUnknown, "value", " un3 ").unwrap(),
            "UN3"
        );
        assert_eq!(
            normalise(IdentifierKind::CaseSystemId, "value", " P-000123 ").unwrap(),
            "P-000123"
        );
    }

    #[test]
    fn normalise_rejects_invalid_values_naming_the_field() {
        for (kind, raw) in [
            (IdentifierKind::NhsNumber, "9434765918"),
            (IdentifierKind::Upn, "A123"),
            (IdentifierKind::FormerUpn, "UN1"),
            (IdentifierKind::UpnUnknown, "UN8"),
            (IdentifierKind::CaseSystemId, "has space"),
        ] {
            let err = normalise(kind, "identifiers[0].value", raw).unwrap_err();
            assert_eq!(err.field(), "identifiers[0].value", "{kind} {raw}");
        }
    }
}
