//! Front-door mutations: record a contact, triage it.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::workflow::Operation;
use familygraph_domain::{IdentifierKind, ReferralSource, Sex, TriageDecision};
use familygraph_store::workflow::front_door::{
    self, ChildRef, FamilyRef, NewAddress, NewChild, NewContact, Triage,
};

use super::{UserError, id_of, split};
use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::types::casework::Contact;

/// Front-door mutations.
#[derive(Default)]
pub struct FrontDoorMutation;

/// A typed identifier of a child in a contact.
#[derive(InputObject)]
pub struct ChildIdentifierInput {
    /// Which identifier.
    pub kind: IdentifierKind,
    /// Its value (validated: NHS number check digit, UPN check letter...).
    pub value: String,
}

/// An address.
#[derive(InputObject)]
pub struct AddressInput {
    /// First line.
    pub line1: String,
    /// Town.
    pub town: String,
    /// Postcode.
    pub postcode: String,
    /// LSOA code (e.g. `E01018445`), which routes Family Help to the covering locality team.
    pub lsoa_code: Option<String>,
}

/// The child a contact is about: `id` for someone on record, or their details (matched by a
/// typed identifier when one is given; created otherwise).
#[derive(InputObject)]
pub struct ContactChildInput {
    /// A person on record.
    pub id: Option<ID>,
    /// Given name (new child).
    pub given_name: Option<String>,
    /// Family name (new child).
    pub family_name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Expected date of birth (unborn child).
    pub expected_date_of_birth: Option<NaiveDate>,
    /// Sex (default U).
    pub sex: Option<Sex>,
    /// Typed identifiers.
    #[graphql(default)]
    pub identifiers: Vec<ChildIdentifierInput>,
    /// Current address.
    pub address: Option<AddressInput>,
}

/// The family a contact is about: `id` for a family on record, or a `name` for a new one.
#[derive(InputObject)]
pub struct ContactFamilyInput {
    /// A family on record.
    pub id: Option<ID>,
    /// The name of a new family.
    pub name: Option<String>,
}

/// Recording a contact.
#[derive(InputObject)]
pub struct RecordContactInput {
    /// A key of the client's choosing; retrying with it returns the first contact.
    pub idempotency_key: Option<String>,
    /// When the contact was received (default: now).
    pub received_at: Option<DateTime<Utc>>,
    /// Who made contact (CIN referral source code).
    pub source: ReferralSource,
    /// Who recorded it (name and agency).
    pub recorded_by: String,
    /// The concerns presented.
    pub presenting_concern: String,
    /// The child.
    pub child: ContactChildInput,
    /// The family.
    pub family: Option<ContactFamilyInput>,
}

/// Triaging a contact.
#[derive(InputObject)]
pub struct TriageContactInput {
    /// The contact.
    pub contact_id: ID,
    /// The contact's version as last read.
    pub version: i32,
    /// The decision.
    pub decision: TriageDecision,
    /// Why.
    pub reason: String,
}

/// The result of a contact mutation.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The contact, when the mutation succeeded.
    pub contact: Option<Contact>,
    /// Business rules broken (nothing was written).
    pub user_errors: Vec<UserError>,
}

fn child_ref(input: ContactChildInput) -> ApiResult<ChildRef> {
    if let Some(id) = &input.id {
        return Ok(ChildRef::Existing(id_of("input.child.id", "Person", id)?));
    }
    Ok(ChildRef::New(NewChild {
        given_name: input.given_name.unwrap_or_default(),
        family_name: input.family_name.unwrap_or_default(),
        date_of_birth: input.date_of_birth,
        expected_date_of_birth: input.expected_date_of_birth,
        sex: input.sex.unwrap_or(Sex::Unknown),
        identifiers: input
            .identifiers
            .into_iter()
            .map(|i| (i.kind, i.value))
            .collect(),
        address: input.address.map(|a| NewAddress {
            line1: a.line1,
            town: a.town,
            postcode: a.postcode,
            lsoa_code: a.lsoa_code,
        }),
    }))
}

fn family_ref(input: Option<ContactFamilyInput>) -> ApiResult<Option<FamilyRef>> {
    match input {
        None => Ok(None),
        Some(ContactFamilyInput { id: Some(id), .. }) => Ok(Some(FamilyRef::Existing(id_of(
            "input.family.id",
            "Family",
            &id,
        )?))),
        Some(ContactFamilyInput {
            name: Some(name), ..
        }) => Ok(Some(FamilyRef::New(name))),
        Some(_) => Err(ApiError::bad_input("input.family", "give an id or a name")),
    }
}

#[Object]
impl FrontDoorMutation {
    /// Records a contact at the Integrated Front Door. The child is matched by typed identifier
    /// when one is given, or created.
    async fn record_contact(
        &self,
        ctx: &Context<'_>,
        input: RecordContactInput,
    ) -> ApiResult<ContactPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::RecordContact, "record contacts")?;
        let command = NewContact {
            idempotency_key: input.idempotency_key,
            received_at: input.received_at,
            source: input.source,
            recorded_by: input.recorded_by,
            presenting_concern: input.presenting_concern,
            child: child_ref(input.child)?,
            family: family_ref(input.family)?,
        };
        let outcome = front_door::record_contact(&rc.db, &rc.actor(), command).await?;
        let (contact, user_errors) = split(outcome, Contact);
        Ok(ContactPayload {
            contact,
            user_errors,
        })
    }

    /// Triages a contact. A Family Help decision routes it to the locality team covering the
    /// child's address (LSOA → area → team); a strategy discussion to the MACPT.
    async fn triage_contact(
        &self,
        ctx: &Context<'_>,
        input: TriageContactInput,
    ) -> ApiResult<ContactPayload> {
        let rc = request(ctx)?;
        rc.require(Operation::TriageContact, "triage contacts")?;
        let command = Triage {
            contact_id: id_of("input.contactId", "Contact", &input.contact_id)?,
            expected_version: input.version,
            decision: input.decision,
            reason: input.reason,
        };
        let outcome = front_door::triage_contact(&rc.db, &rc.actor(), command).await?;
        let (contact, user_errors) = split(outcome, Contact);
        Ok(ContactPayload {
            contact,
            user_errors,
        })
    }
}
