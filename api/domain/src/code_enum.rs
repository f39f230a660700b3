//! The shape shared by every code list: a Rust enum whose values are stored as short codes.
//!
//! [`code_enum!`](crate::code_enum!) declares such an enum from `Variant = "CODE" => "Label",`
//! lines. Each variant's doc comment is generated as `CODE — Label.`, so the code shows in
//! rustdoc and in the GraphQL schema's descriptions. The macro is exported, so adapters declare
//! the code lists of their own formats (the CIN census's `GenderCurrent`) the same way.
//!
//! The domain's own lists use a crate-private wrapper that adds `async_graphql::Enum` with the
//! `graphql` feature; GraphQL names come from the Rust variant names (`Schools` → `SCHOOLS`),
//! which is why variants are named descriptively rather than after their codes. The exported
//! macro leaves the derive out: a `cfg(feature = ...)` in a macro is evaluated in the crate
//! that calls it, whose features are not the domain's.

use crate::error::DomainError;

/// What every enum declared by `code_enum!` offers, for code generic over the code list (a
/// store that maps `text` columns to enums, a test that checks every list).
///
/// The enums also have the same functions as inherent methods, so callers need not import
/// this trait for ordinary use.
pub trait CodeEnum: Sized + Copy + Eq + std::fmt::Debug + 'static {
    /// The enum's Rust name, e.g. `ReferralSource`.
    const NAME: &'static str;

    /// Every value, in code-list order.
    fn all() -> &'static [Self];

    /// The stored code, e.g. `2A`.
    fn code(self) -> &'static str;

    /// A short human label, e.g. `Schools`.
    fn label(self) -> &'static str;

    /// The value with exactly this code.
    fn from_code(code: &str) -> Option<Self>;

    /// The value with this code (surrounding spaces and letter case ignored), or an error
    /// naming `field` and listing the allowed codes. The error does not repeat `code`: it
    /// ends up in import rejections and logs, and a misplaced value (a column shifted in a
    /// partner's file) can be personal data.
    fn parse(field: &str, code: &str) -> Result<Self, DomainError> {
        let normalised = code.trim().to_ascii_uppercase();
        Self::from_code(&normalised).ok_or_else(|| {
            let allowed: Vec<&str> = Self::all().iter().map(|v| v.code()).collect();
            DomainError::invalid(
                field,
                format!(
                    "is not one of the allowed {} codes ({})",
                    Self::NAME,
                    allowed.join(", ")
                ),
            )
        })
    }
}

/// Declares a code-list enum: `code()`, `label()`, `from_code()`, `parse()`, `ALL`, the
/// [`CodeEnum`](crate::CodeEnum) trait, `Display` and `FromStr` as the code, and serde as the
/// code. The calling crate needs `serde` as a dependency.
///
/// ```
/// familygraph_domain::code_enum! {
///     /// Where the codes come from.
///     pub enum Example {
///         First = "1" => "First thing",
///     }
/// }
/// assert_eq!(Example::from_code("1"), Some(Example::First));
/// assert_eq!(Example::First.label(), "First thing");
/// ```
///
/// Two variants with the same code fail to compile (an unreachable pattern in `from_code`
/// under `-D warnings`) and are also caught by the tests.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $variant:ident = $code:literal => $label:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!($code, " — ", $label, ".")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in code-list order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)+
                }
            }

            /// A short human label for the value.
            pub const fn label(self) -> &'static str {
                match self {
                    $(Self::$variant => $label,)+
                }
            }

            /// The value with exactly this code, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The value with this code (surrounding spaces and letter case ignored). The
            /// error names `field` and says the code is not one of the allowed codes.
            pub fn parse(field: &str, code: &str) -> Result<Self, $crate::DomainError> {
                <Self as $crate::CodeEnum>::parse(field, code)
            }
        }

        impl $crate::CodeEnum for $name {
            const NAME: &'static str = stringify!($name);

            fn all() -> &'static [Self] {
                Self::ALL
            }

            fn code(self) -> &'static str {
                $name::code(self)
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }

            fn from_code(code: &str) -> Option<Self> {
                $name::from_code(code)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::DomainError;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                Self::parse(stringify!($name), code)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::parse(stringify!($name), &code).map_err(::serde::de::Error::custom)
            }
        }
    };
}

/// The domain's code lists: [`code_enum!`](crate::code_enum!), deriving `async_graphql::Enum`
/// as well with the `graphql` feature.
macro_rules! domain_code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $variant:ident = $code:literal => $label:literal, )+
        }
    ) => {
        $crate::code_enum! {
            $(#[$meta])*
            #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
            pub enum $name {
                $( $variant = $code => $label, )+
            }
        }
    };
}

pub(crate) use domain_code_enum as code_enum;

/// Checks shared by the tests of every code list.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use super::CodeEnum;
    use std::collections::HashSet;

    /// Every value round-trips through its code, codes and labels are unique and non-empty,
    /// `parse` accepts lower case and rejects an unknown code naming the field, and serde
    /// uses the code.
    pub(crate) fn check_code_list<T>(expected_len: usize)
    where
        T: CodeEnum + std::fmt::Display + serde::Serialize + serde::de::DeserializeOwned,
    {
        let all = T::all();
        assert_eq!(
            all.len(),
            expected_len,
            "{} has the wrong number of codes",
            T::NAME
        );
        let mut codes = HashSet::new();
        let mut labels = HashSet::new();
        for &value in all {
            let code = value.code();
            assert!(!code.is_empty());
            assert!(!value.label().is_empty());
            assert!(codes.insert(code), "{}: duplicate code {code}", T::NAME);
            assert!(labels.insert(value.label()), "{}: duplicate label", T::NAME);
            assert_eq!(T::from_code(code), Some(value));
            assert_eq!(value.to_string(), code);
            assert_eq!(T::parse("field", code).unwrap(), value);
            assert_eq!(
                T::parse("field", &format!(" {} ", code.to_ascii_lowercase())).unwrap(),
                value
            );
            let json = serde_json::to_string(&value).unwrap();
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
        }
        assert_eq!(T::from_code("NOT-A-CODE"), None);
        assert_eq!(T::from_code(""), None);
        let err = T::parse("someField", "NOT-A-CODE").unwrap_err();
        assert_eq!(err.field(), "someField");
        assert!(
            err.to_string().contains("is not one of the allowed"),
            "{err}"
        );
        assert!(err.to_string().contains(all[0].code()), "{err}");
        assert!(!err.to_string().contains("NOT-A-CODE"), "{err}");
        assert!(serde_json::from_str::<T>("\"NOT-A-CODE\"").is_err());
    }
}
