//! Mutations: the Families First workflow. Each takes one input object and returns a payload
//! with the changed record and typed `userErrors` (business rules broken: nothing written).
//! Creating mutations take an optional `idempotencyKey`; updating ones the record's `version`
//! (a stale one is a `CONFLICT` error).

pub mod break_glass;
pub mod child_protection;
pub mod family_help;
pub mod family_network;
pub mod front_door;
pub mod information_share;
pub mod partner;

use async_graphql::{ID, MergedObject, SimpleObject};
use familygraph_domain::workflow::{UserError as DomainUserError, UserErrorCode};
use familygraph_store::workflow::Outcome;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::global_id;

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    front_door::FrontDoorMutation,
    family_help::FamilyHelpMutation,
    family_network::FamilyNetworkMutation,
    partner::PartnerMutation,
    child_protection::ChildProtectionMutation,
    information_share::InformationShareMutation,
    break_glass::BreakGlassMutation,
    crate::types::adapter_run::AdapterRunMutation,
    crate::types::identity::IdentityMutation,
    crate::types::webhook::WebhookMutation,
    crate::types::dead_letter::DeadLetterMutation,
);

/// A business rule the request broke. Nothing was written.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// Path to the input field at fault, e.g. `["input", "startedOn"]`.
    pub field: Vec<String>,
    /// Stable code.
    pub code: UserErrorCode,
    /// What is wrong, for people.
    pub message: String,
}

impl From<DomainUserError> for UserError {
    fn from(error: DomainUserError) -> Self {
        Self {
            field: error.field,
            code: error.code,
            message: error.message,
        }
    }
}

/// Splits a command's outcome into the record and the user errors.
pub(crate) fn split<T, N>(
    outcome: Outcome<T>,
    node: impl FnOnce(T) -> N,
) -> (Option<N>, Vec<UserError>) {
    match outcome {
        Ok(record) => (Some(node(record)), Vec::new()),
        Err(errors) => (None, errors.into_iter().map(UserError::from).collect()),
    }
}

/// Decodes a global id of `type_name` given in input `field`.
pub(crate) fn id_of(field: &str, type_name: &str, id: &ID) -> ApiResult<Uuid> {
    global_id::decode_as(field, type_name, id)
}

/// Decodes an optional global id.
pub(crate) fn opt_id_of(field: &str, type_name: &str, id: Option<&ID>) -> ApiResult<Option<Uuid>> {
    id.map(|id| id_of(field, type_name, id)).transpose()
}
