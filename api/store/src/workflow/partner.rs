//! Partner recording: what schools, early years settings, VCS groups and health visitors record
//! — a concern (which becomes a front-door contact in the same transaction) or support they gave
//! a child or family ("a mechanism for recording support in universal services"). Each record
//! keeps the agency it came from and the lawful basis it was shared under.
//!
//! Who may record about whom:
//! - a school acts for the school its token names (`school_urn`) and records only about
//!   children on that school's roll (the policy's `on_roll` relation);
//! - other partners name their agency; a caller who is a practitioner on record must belong to
//!   it. They record about children and families in their scope, or — since a VCS group or a
//!   health visitor usually has no allocation — about children their agency has a current link
//!   with (`agency_link`: known to, registered patient) — from its start date to its end date
//!   inclusive, by the UK date, as the row scope counts it.
//!
//! A partner reads back only what its scope allows; a school sees only its own records.

use chrono::NaiveDate;
use familygraph_domain::workflow::rules::{
    check_case_date, check_partner_agency, check_partner_record, partner_referral_source,
};
use familygraph_domain::workflow::{UserError, UserErrorCode};
use familygraph_domain::{
    AgencyKind, FieldClass, LawfulBasis, PartnerRecordKind, RecordScope, Role, calendar,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::front_door::{ChildRef, FamilyRef, KnownSubject, NewContact, record_contact_in};
use super::{Actor, Change, Outcome, acting_practitioner, created, replay, visible_person};
use crate::entity::{agency, agency_link, family, family_member, partner_record, person};
use crate::error::{StoreError, StoreResult};
use crate::scope::{Scoped, agency_link_current, families, nothing, persons, unless_hidden};

impl Scoped for partner_record::Entity {
    /// About a reachable child or family, and from a source whose class the caller sees: the
    /// partner-record class of the recording agency's kind, or the caller's own agency.
    fn scope_condition(scope: &RecordScope) -> Condition {
        let about = if scope.is_everything() {
            Condition::all()
        } else {
            Condition::any()
                .add(persons(scope, partner_record::Column::PersonId))
                .add(families(scope, partner_record::Column::FamilyId))
        };
        let kinds: Vec<&str> = AgencyKind::ALL
            .iter()
            .filter(|k| scope.sees(FieldClass::for_partner_source(**k)))
            .map(|k| k.code())
            .collect();
        let mut source = Condition::any();
        if !kinds.is_empty() {
            source = source.add(
                partner_record::Column::AgencyId.in_subquery(
                    Query::select()
                        .column(agency::Column::Id)
                        .from(agency::Entity)
                        .and_where(agency::Column::Kind.is_in(kinds))
                        .to_owned(),
                ),
            );
        }
        let own = scope.own_agency().to_vec();
        if scope.sees(FieldClass::PartnerRecordsOwn) && !own.is_empty() {
            source = source.add(
                partner_record::Column::AgencyId.in_subquery(
                    Query::select()
                        .column(agency::Column::Id)
                        .from(agency::Entity)
                        .cond_where(
                            Condition::any()
                                .add(agency::Column::Urn.is_in(own.clone()))
                                .add(agency::Column::OdsCode.is_in(own)),
                        )
                        .to_owned(),
                ),
            );
        }
        if source.is_empty() {
            return nothing();
        }
        unless_hidden(
            scope,
            "PartnerRecord",
            Condition::all().add(about).add(source),
        )
    }
}

/// A partner's concern or support record.
#[derive(Debug, Clone)]
pub struct NewPartnerRecord {
    /// Retrying with the same key returns the first record.
    pub idempotency_key: Option<String>,
    /// A concern (→ front-door contact) or support given.
    pub kind: PartnerRecordKind,
    /// The agency the partner acts for (schools: taken from the caller's URN).
    pub agency_id: Option<Uuid>,
    /// The child it is about (required for a concern).
    pub child_id: Option<Uuid>,
    /// The family it is about.
    pub family_id: Option<Uuid>,
    /// What happened.
    pub description: String,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// The lawful basis the partner shares it under.
    pub lawful_basis: LawfulBasis,
}

fn unknown_record(field: &str, what: &str) -> UserError {
    UserError::new(
        field,
        UserErrorCode::UnknownRecord,
        format!("no such {what}"),
    )
}

fn is_school(actor: &Actor) -> bool {
    actor
        .principal
        .has_any_role(&[Role::SchoolDsl, Role::SchoolMisIntegration])
        && actor.principal.school_urn.is_some()
}

/// The agency the caller records for, or why it may not.
async fn acting_agency<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    requested: Option<Uuid>,
) -> StoreResult<Result<agency::Model, UserError>> {
    if is_school(actor) {
        let urn = actor
            .principal
            .school_urn
            .as_ref()
            .map(|u| u.as_str().to_owned());
        let Some(school) = agency::Entity::find()
            .filter(agency::Column::Urn.eq(urn))
            .one(db)
            .await?
        else {
            return Ok(Err(unknown_record(
                "agencyId",
                "school with the caller's URN",
            )));
        };
        if requested.is_some_and(|id| id != school.id) {
            return Ok(Err(UserError::new(
                "agencyId",
                UserErrorCode::InvalidValue,
                "a school records for the school its credentials name",
            )));
        }
        return Ok(Ok(school));
    }
    let Some(id) = requested else {
        return Ok(Err(UserError::new(
            "agencyId",
            UserErrorCode::Required,
            "name the agency you record for",
        )));
    };
    let Some(found) = agency::Entity::find_by_id(id).one(db).await? else {
        return Ok(Err(unknown_record("agencyId", "agency")));
    };
    if !actor.principal.has_role(Role::Administrator)
        && let Some(practitioner) = acting_practitioner(db, actor).await?
        && practitioner.agency_id != found.id
    {
        return Ok(Err(UserError::new(
            "agencyId",
            UserErrorCode::InvalidValue,
            "you do not act for this agency",
        )));
    }
    Ok(Ok(found))
}

/// The child, if the caller may record about them (see the module documentation).
async fn reachable_child<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    agency: Option<&agency::Model>,
    child_id: Uuid,
) -> StoreResult<Option<person::Model>> {
    if let Some(child) = visible_person(db, actor, child_id).await? {
        return Ok(Some(child));
    }
    let Some(agency) = agency.filter(|_| !is_school(actor)) else {
        return Ok(None);
    };
    let linked = agency_link::Entity::find()
        .filter(agency_link::Column::PersonId.eq(child_id))
        .filter(agency_link::Column::AgencyId.eq(agency.id))
        .filter(agency_link_current(calendar::uk_date(actor.now)))
        .one(db)
        .await?;
    match linked {
        Some(_) => Ok(person::Entity::find_by_id(child_id).one(db).await?),
        None => Ok(None),
    }
}

/// Whether the caller may name the family: it is in scope, or the named child is in it.
async fn reachable_family<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    family_id: Uuid,
    child: Option<&person::Model>,
) -> StoreResult<bool> {
    if family::Entity::find_by_id(family_id)
        .filter(family::Entity::scope_condition(&actor.scope))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(true);
    }
    let Some(child) = child else {
        return Ok(false);
    };
    Ok(family_member::Entity::find()
        .filter(family_member::Column::FamilyId.eq(family_id))
        .filter(family_member::Column::PersonId.eq(child.id))
        .filter(family_member::Column::EndedOn.is_null())
        .one(db)
        .await?
        .is_some())
}

/// Records a partner's concern (also recorded as a front-door contact, with the referral
/// source of the partner's agency, in the same transaction) or the support it gave.
pub async fn record_partner_record(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewPartnerRecord,
) -> StoreResult<Outcome<partner_record::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<partner_record::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let health_visitor = actor.principal.has_role(Role::HealthVisitor);
    let mut errors = Vec::new();
    let agency = match acting_agency(&txn, actor, input.agency_id).await? {
        Ok(agency) => {
            let kind = AgencyKind::from_code(&agency.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("agency kind {:?}", agency.kind)))?;
            errors.extend(check_partner_agency(kind, health_visitor));
            Some((agency, kind))
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let child = match input.child_id {
        Some(id) => {
            let found = reachable_child(&txn, actor, agency.as_ref().map(|(a, _)| a), id).await?;
            if found.is_none() {
                errors.push(unknown_record("childId", "child on your records"));
            }
            found
        }
        None => None,
    };
    if let Some(family_id) = input.family_id
        && !reachable_family(&txn, actor, family_id, child.as_ref()).await?
    {
        errors.push(unknown_record("familyId", "family on your records"));
    }
    errors.extend(check_partner_record(
        input.kind,
        input.child_id.is_some(),
        input.family_id.is_some(),
        &input.description,
    ));
    errors.extend(check_case_date(
        "occurredOn",
        input.occurred_on,
        child.as_ref().and_then(|c| c.date_of_birth),
        actor.today(),
    ));
    let Some((agency, agency_kind)) = agency.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let contact_id = match (input.kind, &child) {
        (PartnerRecordKind::Concern, Some(child)) => {
            let source = partner_referral_source(agency_kind, health_visitor)
                .ok_or_else(|| StoreError::Corrupt("partner agency checked".to_owned()))?;
            let who = match acting_practitioner(&txn, actor).await? {
                Some(p) => format!("{} {}", p.given_name, p.family_name),
                None => actor.principal.subject.clone(),
            };
            let contact = NewContact {
                idempotency_key: None,
                received_at: None,
                source,
                recorded_by: format!("{who}, {}", agency.name),
                presenting_concern: input.description.clone(),
                child: ChildRef::Existing(child.id),
                family: input.family_id.map(FamilyRef::Existing),
            };
            let known = KnownSubject {
                child_id: child.id,
                family_id: input.family_id,
            };
            match record_contact_in(&txn, actor, &contact, Some(known)).await? {
                Ok(contact) => Some(contact.id),
                Err(errors) => return Ok(Err(errors)),
            }
        }
        _ => None,
    };
    let id = Uuid::now_v7();
    partner_record::Entity::insert(partner_record::ActiveModel {
        id: Set(id),
        agency_id: Set(agency.id),
        person_id: Set(child.as_ref().map(|c| c.id)),
        family_id: Set(input.family_id),
        kind: Set(input.kind.code().to_owned()),
        description: Set(input.description.trim().to_owned()),
        occurred_on: Set(input.occurred_on),
        lawful_basis: Set(input.lawful_basis.code().to_owned()),
        recorded_by: Set(actor.principal.subject.clone()),
        contact_id: Set(contact_id),
        created_at: Set(actor.now),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: match input.kind {
            PartnerRecordKind::Concern => "PartnerConcernRecorded",
            PartnerRecordKind::Support => "PartnerSupportRecorded",
        },
        record_type: "PartnerRecord",
        record_id: id,
        payload: json!({ "partnerRecordId": id, "agencyId": agency.id, "kind": input.kind.code(),
                         "childId": child.as_ref().map(|c| c.id), "familyId": input.family_id,
                         "lawfulBasis": input.lawful_basis.code(), "contactId": contact_id }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<partner_record::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "PartnerRecord",
        id,
    )
    .await
}
