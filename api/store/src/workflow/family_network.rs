//! Family networks: members, Family Group Decision Making (FGDM) meetings and family network
//! support packages. (A family network plan is [`super::family_help::start_plan`] with kind
//! `FAMILY_NETWORK`; its actions' network-member owners must belong to the family's network.)
//!
//! Every change to a network's members bumps `family_network.version`: updating a member sends
//! the network's version as last read, and a stale one is a conflict.

use chrono::NaiveDate;
use familygraph_domain::workflow::rules::{
    check_fgdm_meeting, check_fgdm_response, check_network_member, check_not_future,
    check_required, check_support_amount,
};
use familygraph_domain::{
    FgdmResponse, FgdmStage, NetworkMemberKind, RecordScope, SupportPackageKind, Willingness,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Actor, Change, Outcome, created, expect_one_row, finish, remember, replay, replayed, unknown,
    visible_person,
};
use crate::entity::{family, family_network, fgdm_meeting, network_member, support_package};
use crate::error::{StoreError, StoreResult};
use crate::scope::{Scoped, families, unless_hidden};

/// Condition on a column holding a family network id: the network's family is in scope.
fn in_visible_network<C: ColumnTrait>(scope: &RecordScope, network_id: C) -> Condition {
    if scope.is_everything() {
        return Condition::all();
    }
    let visible = Query::select()
        .column(family_network::Column::Id)
        .from(family_network::Entity)
        .cond_where(families(scope, family_network::Column::FamilyId))
        .to_owned();
    Condition::all().add(network_id.in_subquery(visible))
}

impl Scoped for fgdm_meeting::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "FgdmMeeting",
            in_visible_network(scope, fgdm_meeting::Column::FamilyNetworkId),
        )
    }
}

impl Scoped for support_package::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        unless_hidden(
            scope,
            "SupportPackage",
            in_visible_network(scope, support_package::Column::FamilyNetworkId),
        )
    }
}

/// Which network a new member joins.
#[derive(Debug, Clone, Copy)]
pub enum NetworkRef {
    /// An existing network.
    Network(Uuid),
    /// The network of this family, created if it has none.
    Family(Uuid),
}

/// Adding someone to a family network.
#[derive(Debug, Clone)]
pub struct NewNetworkMember {
    /// Retrying with the same key returns the first member.
    pub idempotency_key: Option<String>,
    /// The network (or the family whose network it is).
    pub network: NetworkRef,
    /// The network's version as last read; when given, a stale one is a conflict.
    pub expected_version: Option<i32>,
    /// The name the family uses for them.
    pub display_name: String,
    /// Relative, friend, connected person or parent.
    pub kind: NetworkMemberKind,
    /// Their relationship to the child, in the family's words (required).
    pub relationship_to_child: String,
    /// Whether they are willing to support the child.
    pub willingness: Willingness,
    /// A phone number.
    pub phone: Option<String>,
    /// Their person record, when they have one.
    pub person_id: Option<Uuid>,
}

/// Changing a network member. `None` leaves a value as it is; an empty phone clears it.
#[derive(Debug, Clone)]
pub struct MemberUpdate {
    /// The member.
    pub member_id: Uuid,
    /// The network's version as last read.
    pub expected_version: i32,
    /// New willingness.
    pub willingness: Option<Willingness>,
    /// New phone number (empty: none).
    pub phone: Option<String>,
    /// New relationship to the child.
    pub relationship_to_child: Option<String>,
}

/// A member and the network it belongs to (with its new version).
#[derive(Debug, Clone)]
pub struct MemberChange {
    /// The member as saved.
    pub member: network_member::Model,
    /// The network as saved.
    pub network: family_network::Model,
}

/// Offering an FGDM meeting to the network.
#[derive(Debug, Clone)]
pub struct FgdmOffer {
    /// Retrying with the same key returns the first offer.
    pub idempotency_key: Option<String>,
    /// The network.
    pub family_network_id: Uuid,
    /// Who it was offered to.
    pub offered_to: String,
    /// When.
    pub offered_on: NaiveDate,
    /// At which stage of the child's journey.
    pub stage: FgdmStage,
}

/// The family's answer to an FGDM offer.
#[derive(Debug, Clone)]
pub struct FgdmAnswer {
    /// The offer.
    pub meeting_id: Uuid,
    /// Its version as last read.
    pub expected_version: i32,
    /// Accepted or declined.
    pub response: FgdmResponse,
    /// When.
    pub responded_on: NaiveDate,
}

/// An FGDM meeting that took place.
#[derive(Debug, Clone)]
pub struct FgdmHeld {
    /// The (accepted) offer.
    pub meeting_id: Uuid,
    /// Its version as last read.
    pub expected_version: i32,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Who facilitated it.
    pub facilitator: String,
    /// Whether the child attended.
    pub child_attended: bool,
}

/// A family network support package.
#[derive(Debug, Clone)]
pub struct NewSupportPackage {
    /// Retrying with the same key returns the first package.
    pub idempotency_key: Option<String>,
    /// The network.
    pub family_network_id: Uuid,
    /// Practical or financial.
    pub kind: SupportPackageKind,
    /// What it is.
    pub description: String,
    /// Amount in pence (financial support only).
    pub amount_pence: Option<i64>,
    /// First day.
    pub started_on: NaiveDate,
}

/// The network with this id, if the caller may see it.
async fn visible_network<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> StoreResult<Option<family_network::Model>> {
    Ok(family_network::Entity::find_by_id(id)
        .filter(family_network::Entity::scope_condition(&actor.scope))
        .one(db)
        .await?)
}

/// Bumps a network's version: checked against `expected` when given, atomically otherwise.
async fn bump_network<C: ConnectionTrait>(
    db: &C,
    network: &family_network::Model,
    expected: Option<i32>,
) -> StoreResult<()> {
    let mut update =
        family_network::Entity::update_many().filter(family_network::Column::Id.eq(network.id));
    update = match expected {
        Some(expected) => update
            .col_expr(family_network::Column::Version, Expr::value(expected + 1))
            .filter(family_network::Column::Version.eq(expected)),
        None => update.col_expr(
            family_network::Column::Version,
            Expr::col(family_network::Column::Version).add(1),
        ),
    };
    let result = update.exec(db).await?;
    expect_one_row(
        result.rows_affected,
        "FamilyNetwork",
        network.id,
        expected.unwrap_or(network.version),
    )
}

async fn member_change(
    txn: DatabaseTransaction,
    member_id: Uuid,
) -> StoreResult<Outcome<MemberChange>> {
    let member = network_member::Entity::find_by_id(member_id)
        .one(&txn)
        .await?;
    let network = match &member {
        Some(member) => {
            family_network::Entity::find_by_id(member.family_network_id)
                .one(&txn)
                .await?
        }
        None => None,
    };
    let saved = member
        .zip(network)
        .map(|(member, network)| MemberChange { member, network });
    finish(txn, saved).await
}

/// Adds a member to a family network, creating the family's network when it has none.
pub async fn add_network_member(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewNetworkMember,
) -> StoreResult<Outcome<MemberChange>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(id) = replayed(&txn, actor, input.idempotency_key.as_deref()).await?
        && network_member::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .is_some()
    {
        return member_change(txn, id).await;
    }
    let scope = actor.scope.clone();
    let mut errors = check_network_member(&input.display_name, &input.relationship_to_child);
    let (network, family_id) = match input.network {
        NetworkRef::Network(id) => match visible_network(&txn, actor, id).await? {
            Some(network) => (Some(network), None),
            None => {
                errors.extend(unknown("familyNetworkId", "family network"));
                (None, None)
            }
        },
        NetworkRef::Family(id) => {
            let visible = family::Entity::find_by_id(id)
                .filter(family::Entity::scope_condition(&scope))
                .one(&txn)
                .await?;
            if visible.is_none() {
                errors.extend(unknown("familyId", "family"));
            }
            let network = family_network::Entity::find()
                .filter(family_network::Column::FamilyId.eq(id))
                .one(&txn)
                .await?;
            (network, visible.map(|f| f.id))
        }
    };
    if let Some(person_id) = input.person_id
        && visible_person(&txn, actor, person_id).await?.is_none()
    {
        errors.extend(unknown("personId", "person"));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let network = match (network, family_id) {
        (Some(network), _) => {
            bump_network(&txn, &network, input.expected_version).await?;
            network
        }
        (None, Some(family_id)) => {
            let network = family_network::Model {
                id: Uuid::now_v7(),
                family_id,
                created_at: actor.now,
                version: 1,
            };
            family_network::Entity::insert(family_network::ActiveModel {
                id: Set(network.id),
                family_id: Set(network.family_id),
                created_at: Set(network.created_at),
                version: Set(network.version),
            })
            .exec(&txn)
            .await?;
            Change {
                event_type: "FamilyNetworkCreated",
                record_type: "FamilyNetwork",
                record_id: network.id,
                payload: json!({ "familyNetworkId": network.id, "familyId": family_id }),
                actor,
            }
            .record(&txn)
            .await?;
            network
        }
        (None, None) => return Err(StoreError::Corrupt("network without family".to_owned())),
    };
    let id = Uuid::now_v7();
    network_member::Entity::insert(network_member::ActiveModel {
        id: Set(id),
        family_network_id: Set(network.id),
        person_id: Set(input.person_id),
        display_name: Set(input.display_name.trim().to_owned()),
        kind: Set(input.kind.code().to_owned()),
        relationship_to_child: Set(input.relationship_to_child.trim().to_owned()),
        willingness: Set(input.willingness.code().to_owned()),
        phone: Set(non_empty(input.phone.as_deref())),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "NetworkMemberAdded",
        record_type: "NetworkMember",
        record_id: id,
        payload: json!({ "memberId": id, "familyNetworkId": network.id, "kind": input.kind.code(),
                         "willingness": input.willingness.code() }),
        actor,
    }
    .record(&txn)
    .await?;
    remember(
        &txn,
        actor,
        input.idempotency_key.as_deref(),
        "NetworkMember",
        id,
    )
    .await?;
    member_change(txn, id).await
}

fn non_empty(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Updates a member's willingness, phone or relationship to the child, bumping the network's
/// version (optimistically: a stale version is a conflict).
pub async fn update_network_member(
    db: &DatabaseConnection,
    actor: &Actor,
    input: MemberUpdate,
) -> StoreResult<Outcome<MemberChange>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(member) = network_member::Entity::find_by_id(input.member_id)
        .filter(network_member::Entity::scope_condition(&actor.scope))
        .one(&txn)
        .await?
    else {
        return Ok(Err(unknown("memberId", "network member")));
    };
    let relationship = input
        .relationship_to_child
        .as_deref()
        .unwrap_or(&member.relationship_to_child);
    let errors = check_required("relationshipToChild", relationship);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let Some(network) = family_network::Entity::find_by_id(member.family_network_id)
        .one(&txn)
        .await?
    else {
        return Err(StoreError::Corrupt("member without network".to_owned()));
    };
    bump_network(&txn, &network, Some(input.expected_version)).await?;
    let mut update =
        network_member::Entity::update_many().filter(network_member::Column::Id.eq(member.id));
    if let Some(willingness) = input.willingness {
        update = update.col_expr(
            network_member::Column::Willingness,
            Expr::value(willingness.code()),
        );
    }
    if let Some(phone) = &input.phone {
        update = update.col_expr(
            network_member::Column::Phone,
            Expr::value(non_empty(Some(phone))),
        );
    }
    update = update.col_expr(
        network_member::Column::RelationshipToChild,
        Expr::value(relationship.trim().to_owned()),
    );
    update.exec(&txn).await?;
    Change {
        event_type: "NetworkMemberUpdated",
        record_type: "NetworkMember",
        record_id: member.id,
        payload: json!({ "memberId": member.id, "familyNetworkId": network.id,
                         "willingness": input.willingness.map(|w| w.code()),
                         "phoneChanged": input.phone.is_some(),
                         "relationshipChanged": input.relationship_to_child.is_some() }),
        actor,
    }
    .record(&txn)
    .await?;
    member_change(txn, member.id).await
}

/// Offers an FGDM meeting to the network.
pub async fn offer_fgdm(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FgdmOffer,
) -> StoreResult<Outcome<fgdm_meeting::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<fgdm_meeting::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let mut errors = check_required("offeredTo", &input.offered_to);
    errors.extend(check_not_future(
        "offeredOn",
        input.offered_on,
        actor.today(),
    ));
    if visible_network(&txn, actor, input.family_network_id)
        .await?
        .is_none()
    {
        errors.extend(unknown("familyNetworkId", "family network"));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = Uuid::now_v7();
    fgdm_meeting::Entity::insert(fgdm_meeting::ActiveModel {
        id: Set(id),
        family_network_id: Set(input.family_network_id),
        offered_on: Set(input.offered_on),
        offered_to: Set(input.offered_to.trim().to_owned()),
        stage: Set(input.stage.code().to_owned()),
        response: Set(None),
        responded_on: Set(None),
        held_on: Set(None),
        facilitator: Set(None),
        child_attended: Set(None),
        version: Set(1),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "FgdmOffered",
        record_type: "FgdmMeeting",
        record_id: id,
        payload: json!({ "fgdmMeetingId": id, "familyNetworkId": input.family_network_id,
                         "offeredOn": input.offered_on, "stage": input.stage.code() }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<fgdm_meeting::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "FgdmMeeting",
        id,
    )
    .await
}

async fn visible_meeting<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> StoreResult<Option<fgdm_meeting::Model>> {
    Ok(fgdm_meeting::Entity::find_by_id(id)
        .filter(fgdm_meeting::Entity::scope_condition(&actor.scope))
        .one(db)
        .await?)
}

fn stored_response(meeting: &fgdm_meeting::Model) -> StoreResult<Option<FgdmResponse>> {
    meeting
        .response
        .as_deref()
        .map(|code| {
            FgdmResponse::from_code(code)
                .ok_or_else(|| StoreError::Corrupt(format!("stored FGDM response {code:?}")))
        })
        .transpose()
}

/// Records the family's acceptance or decline of an FGDM offer (once; not before the offer).
pub async fn respond_to_fgdm_offer(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FgdmAnswer,
) -> StoreResult<Outcome<fgdm_meeting::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(meeting) = visible_meeting(&txn, actor, input.meeting_id).await? else {
        return Ok(Err(unknown("fgdmMeetingId", "FGDM meeting")));
    };
    let errors = check_fgdm_response(
        stored_response(&meeting)?,
        meeting.offered_on,
        input.responded_on,
        actor.today(),
    );
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let result = fgdm_meeting::Entity::update_many()
        .col_expr(
            fgdm_meeting::Column::Response,
            Expr::value(input.response.code()),
        )
        .col_expr(
            fgdm_meeting::Column::RespondedOn,
            Expr::value(input.responded_on),
        )
        .col_expr(
            fgdm_meeting::Column::Version,
            Expr::value(input.expected_version + 1),
        )
        .filter(fgdm_meeting::Column::Id.eq(meeting.id))
        .filter(fgdm_meeting::Column::Version.eq(input.expected_version))
        .exec(&txn)
        .await?;
    expect_one_row(
        result.rows_affected,
        "FgdmMeeting",
        meeting.id,
        input.expected_version,
    )?;
    Change {
        event_type: match input.response {
            FgdmResponse::Accepted => "FgdmOfferAccepted",
            FgdmResponse::Declined => "FgdmOfferDeclined",
        },
        record_type: "FgdmMeeting",
        record_id: meeting.id,
        payload: json!({ "fgdmMeetingId": meeting.id, "response": input.response.code(),
                         "respondedOn": input.responded_on }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = fgdm_meeting::Entity::find_by_id(meeting.id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// Records an FGDM meeting that was held: only for an accepted offer, once.
pub async fn record_fgdm_meeting(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FgdmHeld,
) -> StoreResult<Outcome<fgdm_meeting::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(meeting) = visible_meeting(&txn, actor, input.meeting_id).await? else {
        return Ok(Err(unknown("fgdmMeetingId", "FGDM meeting")));
    };
    let errors = check_fgdm_meeting(
        stored_response(&meeting)?,
        meeting.responded_on,
        meeting.held_on.is_some(),
        input.held_on,
        &input.facilitator,
        actor.today(),
    );
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let result = fgdm_meeting::Entity::update_many()
        .col_expr(fgdm_meeting::Column::HeldOn, Expr::value(input.held_on))
        .col_expr(
            fgdm_meeting::Column::Facilitator,
            Expr::value(input.facilitator.trim().to_owned()),
        )
        .col_expr(
            fgdm_meeting::Column::ChildAttended,
            Expr::value(input.child_attended),
        )
        .col_expr(
            fgdm_meeting::Column::Version,
            Expr::value(input.expected_version + 1),
        )
        .filter(fgdm_meeting::Column::Id.eq(meeting.id))
        .filter(fgdm_meeting::Column::Version.eq(input.expected_version))
        .exec(&txn)
        .await?;
    expect_one_row(
        result.rows_affected,
        "FgdmMeeting",
        meeting.id,
        input.expected_version,
    )?;
    Change {
        event_type: "FgdmMeetingHeld",
        record_type: "FgdmMeeting",
        record_id: meeting.id,
        payload: json!({ "fgdmMeetingId": meeting.id, "heldOn": input.held_on,
                         "childAttended": input.child_attended, "stage": meeting.stage }),
        actor,
    }
    .record(&txn)
    .await?;
    let saved = fgdm_meeting::Entity::find_by_id(meeting.id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// Records a family network support package (practical, or financial with an amount).
pub async fn record_support_package(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewSupportPackage,
) -> StoreResult<Outcome<support_package::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<support_package::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let mut errors = check_required("description", &input.description);
    errors.extend(check_support_amount(input.kind, input.amount_pence));
    errors.extend(check_not_future(
        "startedOn",
        input.started_on,
        actor.today(),
    ));
    if visible_network(&txn, actor, input.family_network_id)
        .await?
        .is_none()
    {
        errors.extend(unknown("familyNetworkId", "family network"));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let amount_pence = input
        .amount_pence
        .map(i32::try_from)
        .transpose()
        .map_err(|_| StoreError::Corrupt("amount checked by the rule".to_owned()))?;
    let id = Uuid::now_v7();
    support_package::Entity::insert(support_package::ActiveModel {
        id: Set(id),
        family_network_id: Set(input.family_network_id),
        kind: Set(input.kind.code().to_owned()),
        description: Set(input.description.trim().to_owned()),
        amount_pence: Set(amount_pence),
        started_on: Set(input.started_on),
        ended_on: Set(None),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "SupportPackageRecorded",
        record_type: "SupportPackage",
        record_id: id,
        payload: json!({ "supportPackageId": id, "familyNetworkId": input.family_network_id,
                         "kind": input.kind.code(), "amountPence": amount_pence }),
        actor,
    }
    .record(&txn)
    .await?;
    created::<support_package::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        "SupportPackage",
        id,
    )
    .await
}
