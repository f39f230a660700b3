//! The Families First domain vocabulary shared by every familygraph crate.
//!
//! - [`error`]: [`DomainError`], the one validation error, naming the input field.
//! - [`identifiers`]: validated identifiers ([`NhsNumber`], [`Upn`], [`LsoaCode`],
//!   [`SchoolUrn`], [`OdsCode`], [`CaseSystemId`], [`Postcode`]) and [`IdentifierKind`] with
//!   [`identifiers::normalise`].
//! - [`codes`]: code lists as enums — the DfE statutory codes used verbatim (CIN census
//!   referral source, primary need, reason for closure, category of abuse, assessment
//!   factors, ethnicity, disability, UPN unknown, sex) and the project's own stored codes.
//!   All share [`CodeEnum`].
//! - [`principal`]: the caller ([`Principal`], [`Role`]).
//! - [`policy`]: the access policy as data ([`Policy`]): which records each role reaches, which
//!   classes of data it sees ([`RecordScope`]) and which operations it may perform.
//!
//! The crate has no I/O. With the `graphql` feature, every code enum (and [`Role`]) derives
//! `async_graphql::Enum`.

pub mod calendar;
mod code_enum;
pub mod codes;
pub mod error;
pub mod identifiers;
pub mod policy;
pub mod principal;
pub mod workflow;

pub use code_enum::CodeEnum;
pub use codes::*;
pub use error::DomainError;
pub use identifiers::{
    CaseSystemId, IdentifierKind, LsoaCode, NhsNumber, OdsCode, Postcode, SchoolUrn, Upn, normalise,
};
pub use policy::{FieldClass, Policy, PolicyError, Reaching, RecordScope, Relation};
pub use principal::{Principal, Role};

#[cfg(all(test, feature = "graphql"))]
#[allow(clippy::unwrap_used)]
mod graphql_tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    struct Query;

    #[Object]
    impl Query {
        async fn source(&self) -> ReferralSource {
            ReferralSource::Schools
        }

        async fn factors(&self) -> Vec<AssessmentFactor> {
            AssessmentFactor::ALL.to_vec()
        }

        async fn role(&self) -> Role {
            Role::SchoolDsl
        }
    }

    #[test]
    fn enums_have_legal_graphql_names_and_code_descriptions() {
        let sdl = Schema::new(Query, EmptyMutation, EmptySubscription).sdl();
        assert!(sdl.contains("enum ReferralSource"), "{sdl}");
        assert!(sdl.contains("SCHOOLS"), "{sdl}");
        assert!(sdl.contains("2A — Schools."), "{sdl}");
        assert!(sdl.contains("ALCOHOL_CHILD"), "{sdl}");
        assert!(sdl.contains("24A — Child criminal exploitation."), "{sdl}");
        assert!(sdl.contains("CIN census referral source codes"), "{sdl}");
        assert!(sdl.contains("SCHOOL_DSL"), "{sdl}");
    }
}
