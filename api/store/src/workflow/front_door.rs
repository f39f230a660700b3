//! The Integrated Front Door: recording contacts (matching the child by typed identifier) and
//! triaging them, routed to the locality team that covers the child's address.

use chrono::{DateTime, NaiveDate, Utc};
use familygraph_domain::workflow::rules::{check_case_date, check_required};
use familygraph_domain::workflow::{UserError, UserErrorCode};
use familygraph_domain::{
    FamilyRole, IdentifierKind, LsoaCode, ReferralSource, SendStatus, Sex, TeamKind,
    TriageDecision, normalise,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Actor, Change, Outcome, acting_practitioner, expect_one_row, remember, replayed, visible_person,
};
use crate::entity::{
    address, area, contact, family, family_member, lsoa, person, person_identifier, team,
};
use crate::error::StoreResult;
use crate::scope::Scoped;

/// A child named in a contact: someone already known, or someone new.
#[derive(Debug, Clone)]
pub enum ChildRef {
    /// A person already on record.
    Existing(Uuid),
    /// Someone not (yet) known to the caller: matched by typed identifier when one is given,
    /// created otherwise.
    New(NewChild),
}

/// A child to match or create.
#[derive(Debug, Clone)]
pub struct NewChild {
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Expected date of birth (unborn).
    pub expected_date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Sex,
    /// Typed identifiers (validated here).
    pub identifiers: Vec<(IdentifierKind, String)>,
    /// Current address.
    pub address: Option<NewAddress>,
}

/// An address.
#[derive(Debug, Clone)]
pub struct NewAddress {
    /// First line.
    pub line1: String,
    /// Town.
    pub town: String,
    /// Postcode.
    pub postcode: String,
    /// LSOA code (validated).
    pub lsoa_code: Option<String>,
}

/// The family a contact is about.
#[derive(Debug, Clone)]
pub enum FamilyRef {
    /// A family on record.
    Existing(Uuid),
    /// A new family with this name.
    New(String),
}

/// A contact to record.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Retrying with the same key returns the first contact instead of recording another.
    pub idempotency_key: Option<String>,
    /// When it was received (default: now).
    pub received_at: Option<DateTime<Utc>>,
    /// Who made contact (CIN referral source).
    pub source: ReferralSource,
    /// Who recorded it (name and agency, in their words).
    pub recorded_by: String,
    /// The concerns presented.
    pub presenting_concern: String,
    /// The child.
    pub child: ChildRef,
    /// The family, if known.
    pub family: Option<FamilyRef>,
}

/// A triage decision.
#[derive(Debug, Clone)]
pub struct Triage {
    /// The contact.
    pub contact_id: Uuid,
    /// The version the decider saw.
    pub expected_version: i32,
    /// The decision.
    pub decision: TriageDecision,
    /// Why.
    pub reason: String,
}

/// A child (and family) a caller has already been allowed to name, for a contact recorded on a
/// partner's behalf: the contact's own child and family references are then not resolved again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KnownSubject {
    /// The child.
    pub child_id: Uuid,
    /// The family, if any.
    pub family_id: Option<Uuid>,
}

/// Records a contact at the front door.
pub async fn record_contact(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewContact,
) -> StoreResult<Outcome<contact::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let outcome = record_contact_in(&txn, actor, &input, None).await?;
    if outcome.is_ok() {
        txn.commit().await?;
    }
    Ok(outcome)
}

/// Records a contact inside the caller's transaction (which the caller commits; on user errors
/// it must roll back). With `known`, the child and family were resolved by the caller.
pub(crate) async fn record_contact_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    input: &NewContact,
    known: Option<KnownSubject>,
) -> StoreResult<Outcome<contact::Model>> {
    if let Some(id) = replayed(txn, actor, input.idempotency_key.as_deref()).await?
        && let Some(existing) = contact::Entity::find_by_id(id).one(txn).await?
    {
        return Ok(Ok(existing));
    }
    let received_at = input.received_at.unwrap_or(actor.now);
    let mut errors = check_required("presentingConcern", &input.presenting_concern);
    errors.extend(check_required("recordedBy", &input.recorded_by));
    if received_at > actor.now {
        errors.push(UserError::new(
            "receivedAt",
            UserErrorCode::DateInFuture,
            "a contact cannot be received in the future",
        ));
    }
    let child = match known {
        Some(known) => Some((known.child_id, false)),
        None => match resolve_child(txn, actor, &input.child, received_at.date_naive()).await? {
            Ok(child) => Some(child),
            Err(mut child_errors) => {
                errors.append(&mut child_errors);
                None
            }
        },
    };
    let family_id = match (&input.family, &child) {
        _ if known.is_some() => known.and_then(|k| k.family_id),
        (Some(FamilyRef::Existing(id)), _) => {
            let visible = family::Entity::find_by_id(*id)
                .filter(family::Entity::scope_condition(&actor.scope))
                .one(txn)
                .await?;
            if visible.is_none() {
                errors.push(UserError::new(
                    "family",
                    UserErrorCode::UnknownRecord,
                    "no such family",
                ));
            }
            Some(*id)
        }
        (Some(FamilyRef::New(name)), _) => {
            errors.extend(check_required("family.name", name));
            None
        }
        (None, _) => None,
    };
    let Some((child_id, child_is_new)) = child.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let family_id = match (&input.family, family_id) {
        (Some(FamilyRef::New(name)), _) if known.is_none() => {
            Some(create_family(txn, actor, name).await?)
        }
        (_, id) => id,
    };
    if let Some(family_id) = family_id {
        let member = family_member::Entity::find()
            .filter(family_member::Column::FamilyId.eq(family_id))
            .filter(family_member::Column::PersonId.eq(child_id))
            .one(txn)
            .await?;
        if member.is_none() {
            family_member::Entity::insert(family_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                family_id: Set(family_id),
                person_id: Set(child_id),
                role: Set(FamilyRole::Child.code().to_owned()),
                household: Set(String::new()),
                started_on: Set(received_at.date_naive()),
                ended_on: Set(None),
            })
            .exec(txn)
            .await?;
        }
    }
    let id = Uuid::now_v7();
    let row = contact::ActiveModel {
        id: Set(id),
        person_id: Set(child_id),
        family_id: Set(family_id),
        received_at: Set(received_at),
        source: Set(input.source.code().to_owned()),
        presenting_concern: Set(input.presenting_concern.trim().to_owned()),
        recorded_by: Set(Some(input.recorded_by.trim().to_owned())),
        triage_decision: Set(None),
        triage_reason: Set(None),
        decided_at: Set(None),
        decided_by_id: Set(None),
        routed_team_id: Set(None),
        version: Set(1),
    };
    contact::Entity::insert(row).exec(txn).await?;
    Change {
        event_type: "ContactRecorded",
        record_type: "Contact",
        record_id: id,
        payload: json!({ "contactId": id, "childId": child_id, "newChild": child_is_new,
                         "familyId": family_id, "source": input.source.code() }),
        actor,
    }
    .record(txn)
    .await?;
    remember(txn, actor, input.idempotency_key.as_deref(), "Contact", id).await?;
    let saved = contact::Entity::find_by_id(id).one(txn).await?;
    saved
        .map(Ok)
        .ok_or_else(|| crate::StoreError::Corrupt("contact vanished".to_owned()))
}

/// Triages a contact; a Family Help decision routes it to the locality team covering the
/// child's address, a strategy discussion to the MACPT.
pub async fn triage_contact(
    db: &DatabaseConnection,
    actor: &Actor,
    input: Triage,
) -> StoreResult<Outcome<contact::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let scope = actor.scope.clone();
    let Some(current) = contact::Entity::find_by_id(input.contact_id)
        .filter(contact::Entity::scope_condition(&scope))
        .one(&txn)
        .await?
    else {
        return Ok(Err(vec![UserError::new(
            "contactId",
            UserErrorCode::UnknownRecord,
            "no such contact",
        )]));
    };
    let mut errors = check_required("reason", &input.reason);
    let routed_team_id = match input.decision {
        TriageDecision::FamilyHelp => {
            let team = covering_team(&txn, current.person_id).await?;
            if team.is_none() {
                errors.push(UserError::new(
                    "decision",
                    UserErrorCode::NoRoute,
                    "no Family Help locality team covers the child's current address",
                ));
            }
            team
        }
        TriageDecision::StrategyDiscussion => team::Entity::find()
            .filter(team::Column::Kind.eq(TeamKind::Macpt.code()))
            .order_by_asc(team::Column::Id)
            .one(&txn)
            .await?
            .map(|t| t.id),
        _ => None,
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let decider = acting_practitioner(&txn, actor).await?.map(|p| p.id);
    let result = contact::Entity::update_many()
        .col_expr(
            contact::Column::TriageDecision,
            Expr::value(input.decision.code()),
        )
        .col_expr(
            contact::Column::TriageReason,
            Expr::value(input.reason.trim()),
        )
        .col_expr(contact::Column::DecidedAt, Expr::value(actor.now))
        .col_expr(contact::Column::DecidedById, Expr::value(decider))
        .col_expr(contact::Column::RoutedTeamId, Expr::value(routed_team_id))
        .col_expr(
            contact::Column::Version,
            Expr::value(input.expected_version + 1),
        )
        .filter(contact::Column::Id.eq(input.contact_id))
        .filter(contact::Column::Version.eq(input.expected_version))
        .exec(&txn)
        .await?;
    expect_one_row(
        result.rows_affected,
        "Contact",
        input.contact_id,
        input.expected_version,
    )?;
    let minutes = (actor.now - current.received_at).num_minutes();
    Change {
        event_type: if current.triage_decision.is_some() {
            "ContactRetriaged"
        } else {
            "ContactTriaged"
        },
        record_type: "Contact",
        record_id: input.contact_id,
        payload: json!({ "contactId": input.contact_id, "decision": input.decision.code(),
                         "routedTeamId": routed_team_id, "minutesToDecision": minutes }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = contact::Entity::find_by_id(input.contact_id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    saved
        .map(Ok)
        .ok_or_else(|| crate::StoreError::Corrupt("contact vanished".to_owned()))
}

/// The Family Help locality team covering a person's current address (LSOA → area → team).
pub async fn covering_team<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
) -> StoreResult<Option<Uuid>> {
    let current = address::Entity::find()
        .filter(address::Column::PersonId.eq(person_id))
        .filter(address::Column::EndedOn.is_null())
        .order_by_desc(address::Column::StartedOn)
        .one(db)
        .await?;
    let Some(code) = current.and_then(|a| a.lsoa_code) else {
        return Ok(None);
    };
    let Some(lsoa) = lsoa::Entity::find()
        .filter(lsoa::Column::Code.eq(code))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(area_id) = lsoa.area_id else {
        return Ok(None);
    };
    Ok(area::Entity::find_by_id(area_id)
        .one(db)
        .await?
        .and_then(|a| a.team_id))
}

async fn create_family<C: ConnectionTrait>(db: &C, actor: &Actor, name: &str) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    family::Entity::insert(family::ActiveModel {
        id: Set(id),
        name: Set(name.trim().to_owned()),
        created_at: Set(actor.now),
        version: Set(1),
    })
    .exec(db)
    .await?;
    Ok(id)
}

/// Finds or creates the child; returns its id and whether it was created.
async fn resolve_child<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    child: &ChildRef,
    on: NaiveDate,
) -> StoreResult<Outcome<(Uuid, bool)>> {
    let new = match child {
        ChildRef::Existing(id) => {
            return Ok(match visible_person(db, actor, *id).await? {
                Some(person) => Ok((person.id, false)),
                None => Err(vec![UserError::new(
                    "child.id",
                    UserErrorCode::UnknownRecord,
                    "no such child",
                )]),
            });
        }
        ChildRef::New(new) => new,
    };
    let mut errors = check_required("child.givenName", &new.given_name);
    errors.extend(check_required("child.familyName", &new.family_name));
    if let Some(born) = new.date_of_birth {
        errors.extend(check_case_date("child.dateOfBirth", born, None, on));
    }
    let mut identifiers = Vec::new();
    for (kind, raw) in &new.identifiers {
        match normalise(*kind, "child.identifiers.value", raw) {
            Ok(value) => identifiers.push((*kind, value)),
            Err(error) => errors.push(error.into()),
        }
    }
    let lsoa_code = match new.address.as_ref().and_then(|a| a.lsoa_code.as_deref()) {
        Some(raw) => match LsoaCode::parse("child.address.lsoaCode", raw) {
            Ok(code) => {
                let known = lsoa::Entity::find()
                    .filter(lsoa::Column::Code.eq(code.as_str()))
                    .one(db)
                    .await?;
                if known.is_none() {
                    errors.push(UserError::new(
                        "child.address.lsoaCode",
                        UserErrorCode::UnknownRecord,
                        format!("{code} is not an LSOA familygraph knows"),
                    ));
                }
                Some(code.as_str().to_owned())
            }
            Err(error) => {
                errors.push(error.into());
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    // Match on a typed identifier: the same NHS number or UPN is the same child.
    for (kind, value) in identifiers
        .iter()
        .filter(|(k, _)| *k != IdentifierKind::UpnUnknown)
    {
        if let Some(found) = person_identifier::Entity::find()
            .filter(person_identifier::Column::Kind.eq(kind.code()))
            .filter(person_identifier::Column::Value.eq(value.clone()))
            .one(db)
            .await?
        {
            return Ok(Ok((found.person_id, false)));
        }
    }
    let id = Uuid::now_v7();
    person::Entity::insert(person::ActiveModel {
        id: Set(id),
        given_name: Set(new.given_name.trim().to_owned()),
        family_name: Set(new.family_name.trim().to_owned()),
        date_of_birth: Set(new.date_of_birth),
        expected_date_of_birth: Set(new.expected_date_of_birth),
        sex: Set(new.sex.code().to_owned()),
        ethnicity: Set(None),
        send_status: Set(SendStatus::None.code().to_owned()),
        level_of_need: Set(None),
        is_child: Set(true),
        created_at: Set(actor.now),
        version: Set(1),
    })
    .exec(db)
    .await?;
    for (kind, value) in identifiers {
        person_identifier::Entity::insert(person_identifier::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(id),
            kind: Set(kind.code().to_owned()),
            value: Set(value),
        })
        .exec(db)
        .await?;
    }
    if let Some(new_address) = &new.address {
        address::Entity::insert(address::ActiveModel {
            id: Set(Uuid::now_v7()),
            person_id: Set(id),
            line1: Set(new_address.line1.trim().to_owned()),
            town: Set(new_address.town.trim().to_owned()),
            postcode: Set(new_address.postcode.trim().to_uppercase()),
            lsoa_code: Set(lsoa_code),
            started_on: Set(on),
            ended_on: Set(None),
        })
        .exec(db)
        .await?;
    }
    Ok(Ok((id, true)))
}
