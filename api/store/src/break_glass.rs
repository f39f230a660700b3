//! Break-glass access: a practitioner asks for time-limited access to a child's record outside
//! their scope, with a reason. The grant is written at once (no one has to approve it first: it
//! is for emergencies), flagged in the audit trail, and listed for managers and auditors to
//! review afterwards.
//!
//! - [`request`] grants access for 1–240 minutes (default 60) to a child found by identifier;
//!   [`review`] records a reviewer's verdict; [`for_review`] lists the grants a reviewer may
//!   see.
//! - [`granted_children`] is the SQL the row scope unions in (as relation `break_glass`) so that
//!   a grant opens the child's record, through the ordinary queries, until it expires.
//! - [`audit_reads`] writes a request's read audit rows, marking the records reached through
//!   a current grant with purpose [`PURPOSE_BREAK_GLASS`].
//!
//! Grants are compared with a bound "now", never the database's clock: SQLite keeps timestamps
//! as text, and a bound value is encoded the same way as the stored ones.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use familygraph_domain::workflow::rules::{
    BreakGlassLimits, BreakGlassReviewOutcome, break_glass_minutes, check_break_glass_request,
    check_break_glass_review, check_outside_scope,
};
use familygraph_domain::{IdentifierKind, Principal, RecordScope, Role};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Select, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, AuditAction, AuditContext, AuditedRecord};
use crate::entity::{
    break_glass_grant, family_member, person, person_identifier, practitioner, team,
    team_membership,
};
use crate::error::{StoreError, StoreResult};
use crate::workflow::{
    Actor, Change, Outcome, created, expect_one_row, finish, replay, unknown, visible_person,
};

/// The audit `purpose` of access under a break-glass grant (the request, the review, and every
/// read of a record the grant opened).
pub const PURPOSE_BREAK_GLASS: &str = "break_glass";

/// The audit and outbox record type of a grant.
pub const RECORD_TYPE: &str = "BreakGlassGrant";

/// The roles that review every grant.
pub const REVIEWERS_OF_ALL: &[Role] = &[Role::Administrator, Role::Auditor];

/// `SELECT person_id FROM break_glass_grant WHERE subject = :subject AND expires_at > :now`:
/// the children whose records the caller's current grants open.
pub fn granted_children(subject: &str, now: DateTime<Utc>) -> SelectStatement {
    Query::select()
        .column((
            break_glass_grant::Entity,
            break_glass_grant::Column::PersonId,
        ))
        .from(break_glass_grant::Entity)
        .and_where(
            Expr::col((
                break_glass_grant::Entity,
                break_glass_grant::Column::Subject,
            ))
            .eq(subject),
        )
        .and_where(
            Expr::col((
                break_glass_grant::Entity,
                break_glass_grant::Column::ExpiresAt,
            ))
            .gt(now),
        )
        .to_owned()
}

/// A child to ask break-glass access for, by a typed identifier (already normalised, see
/// `familygraph_domain::identifiers::normalise`).
#[derive(Debug, Clone)]
pub struct BreakGlassRequest {
    /// Retrying with the same key returns the first grant.
    pub idempotency_key: Option<String>,
    /// Which identifier names the child.
    pub kind: IdentifierKind,
    /// Its normalised value.
    pub value: String,
    /// Why access is needed (at least 20 characters).
    pub reason: String,
    /// How long, in minutes (1 to `limits.max_minutes`; default `limits.default_minutes`).
    pub minutes: Option<i32>,
    /// How long grants may last (the access policy's `[break_glass]` section).
    pub limits: BreakGlassLimits,
}

/// Grants the caller time-limited access to a child outside their scope (for the minutes asked,
/// within `input.limits`): the grant, an outbox
/// event (`BreakGlassAccessGranted`) and audit rows for the grant and for the child (both with
/// purpose `break_glass`) in one transaction — or the broken rules and nothing.
///
/// The child is looked up by identifier across every record (the one unscoped lookup in the
/// store: it returns nothing to the caller but the grant). A child already open to the caller
/// (in their scope, or under a current grant) is refused with `INVALID_VALUE` on `child`; an
/// identifier of no child is `UNKNOWN_RECORD` on `child`.
pub async fn request(
    db: &DatabaseConnection,
    actor: &Actor,
    input: BreakGlassRequest,
) -> StoreResult<Outcome<break_glass_grant::Model>> {
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) =
        replay::<break_glass_grant::Entity>(&txn, actor, input.idempotency_key.as_deref()).await?
    {
        return Ok(Ok(existing));
    }
    let mut errors = check_break_glass_request(&input.reason, input.minutes, input.limits);
    let child = person::Entity::find()
        .inner_join(person_identifier::Entity)
        .filter(person_identifier::Column::Kind.eq(input.kind.code()))
        .filter(person_identifier::Column::Value.eq(input.value.as_str()))
        .filter(person::Column::IsChild.eq(true))
        .one(&txn)
        .await?;
    let Some(child) = child else {
        errors.extend(unknown("child", "child with that identifier"));
        return Ok(Err(errors));
    };
    let in_scope = visible_person(&txn, actor, child.id).await?.is_some()
        || break_glass_grant::Entity::find()
            .filter(break_glass_grant::Column::Subject.eq(actor.principal.subject.as_str()))
            .filter(break_glass_grant::Column::PersonId.eq(child.id))
            .filter(break_glass_grant::Column::ExpiresAt.gt(actor.now))
            .count(&txn)
            .await?
            > 0;
    errors.extend(check_outside_scope(in_scope));
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let minutes = break_glass_minutes(input.minutes, input.limits);
    let expires_at = actor.now + Duration::minutes(i64::from(minutes));
    let id = Uuid::now_v7();
    break_glass_grant::Entity::insert(break_glass_grant::ActiveModel {
        id: Set(id),
        person_id: Set(child.id),
        subject: Set(actor.principal.subject.clone()),
        client_id: Set(actor.principal.client_id.clone()),
        roles: Set(roles(&actor.principal)),
        reason: Set(input.reason.trim().to_owned()),
        granted_at: Set(actor.now),
        expires_at: Set(expires_at),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
        review_outcome: Set(None),
        review_note: Set(None),
        version: Set(1),
    })
    .exec(&txn)
    .await?;
    Change {
        event_type: "BreakGlassAccessGranted",
        record_type: RECORD_TYPE,
        record_id: id,
        payload: json!({ "breakGlassGrantId": id, "childId": child.id,
                         "subject": actor.principal.subject, "minutes": minutes,
                         "expiresAt": expires_at }),
        actor,
    }
    .record_for(&txn, Some(PURPOSE_BREAK_GLASS))
    .await?;
    // The grant opens the child's record: "who touched this child?" shows it.
    audit::append_with(
        &txn,
        &actor.principal,
        actor.operation.as_deref(),
        AuditAction::Write,
        &[AuditedRecord {
            record_type: "Person",
            record_id: child.id,
        }],
        &AuditContext::with_purpose(PURPOSE_BREAK_GLASS, actor.correlation_id.clone()),
    )
    .await?;
    created::<break_glass_grant::Entity>(
        txn,
        actor,
        input.idempotency_key.as_deref(),
        RECORD_TYPE,
        id,
    )
    .await
}

/// Records a reviewer's verdict on a grant the reviewer may see ([`reviewable`]): the review,
/// an outbox event (`BreakGlassGrantReviewed`) and an audit row with purpose `break_glass`.
///
/// A grant the caller may not review is `UNKNOWN_RECORD` on `grantId`; a stale
/// `expected_version` is [`StoreError::Conflict`]; a grant already reviewed is
/// `ALREADY_DECIDED`; one's own grant is `INVALID_VALUE`; `INAPPROPRIATE` without a note is
/// `REQUIRED` on `note`.
pub async fn review(
    db: &DatabaseConnection,
    actor: &Actor,
    grant_id: Uuid,
    expected_version: i32,
    outcome: BreakGlassReviewOutcome,
    note: Option<String>,
) -> StoreResult<Outcome<break_glass_grant::Model>> {
    let txn = crate::db::begin_write(db).await?;
    let Some(current) = break_glass_grant::Entity::find_by_id(grant_id)
        .filter(reviewable(&actor.principal))
        .one(&txn)
        .await?
    else {
        return Ok(Err(unknown("grantId", "break-glass grant")));
    };
    if current.version != expected_version {
        return Err(StoreError::Conflict {
            record_type: RECORD_TYPE,
            id: grant_id,
            expected: expected_version,
        });
    }
    let errors = check_break_glass_review(
        outcome,
        note.as_deref(),
        current.reviewed_at.is_some(),
        current.subject == actor.principal.subject,
    );
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let updated = break_glass_grant::Entity::update_many()
        .col_expr(
            break_glass_grant::Column::ReviewedAt,
            Expr::value(Some(actor.now)),
        )
        .col_expr(
            break_glass_grant::Column::ReviewedBy,
            Expr::value(Some(actor.principal.subject.clone())),
        )
        .col_expr(
            break_glass_grant::Column::ReviewOutcome,
            Expr::value(Some(outcome.code().to_owned())),
        )
        .col_expr(break_glass_grant::Column::ReviewNote, Expr::value(note))
        .col_expr(
            break_glass_grant::Column::Version,
            Expr::value(expected_version + 1),
        )
        .filter(break_glass_grant::Column::Id.eq(grant_id))
        .filter(break_glass_grant::Column::Version.eq(expected_version))
        .exec(&txn)
        .await?;
    expect_one_row(
        updated.rows_affected,
        RECORD_TYPE,
        grant_id,
        expected_version,
    )?;
    Change {
        event_type: "BreakGlassGrantReviewed",
        record_type: RECORD_TYPE,
        record_id: grant_id,
        payload: json!({ "breakGlassGrantId": grant_id, "childId": current.person_id,
                         "outcome": outcome.code() }),
        actor,
    }
    .record_for(&txn, Some(PURPOSE_BREAK_GLASS))
    .await?;
    let saved = break_glass_grant::Entity::find_by_id(grant_id)
        .one(&txn)
        .await?;
    finish(txn, saved).await
}

/// The grants `principal` may review, as a condition on `break_glass_grant`:
/// - `administrator`, `auditor`: every grant;
/// - `team_manager`: grants asked for by practitioners who are (or were) members of a team the
///   caller currently manages (by the caller's own membership, or the token's team);
/// - `locality_manager`: grants asked for by members of any team in the localities of the teams
///   the caller manages;
/// - anyone else: none.
///
/// Nobody reviews their own grants.
pub fn reviewable(principal: &Principal) -> Condition {
    if principal.has_any_role(REVIEWERS_OF_ALL) {
        return Condition::all();
    }
    let mut covered = Condition::any();
    let mut reviews = false;
    if principal.has_role(Role::TeamManager) {
        covered = covered.add(managed_teams(principal));
        reviews = true;
    }
    if principal.has_role(Role::LocalityManager) {
        let localities = Query::select()
            .column((team::Entity, team::Column::LocalityId))
            .from(team::Entity)
            .cond_where(managed_teams(principal))
            .and_where(Expr::col((team::Entity, team::Column::LocalityId)).is_not_null())
            .to_owned();
        covered = covered.add(team::Column::LocalityId.in_subquery(localities));
        reviews = true;
    }
    if !reviews {
        return Condition::all().add(Expr::val(1).eq(0));
    }
    let teams = Query::select()
        .column((team::Entity, team::Column::Id))
        .from(team::Entity)
        .cond_where(covered)
        .to_owned();
    let requesters = Query::select()
        .column((practitioner::Entity, practitioner::Column::Subject))
        .from(practitioner::Entity)
        .inner_join(
            team_membership::Entity,
            Expr::col((
                team_membership::Entity,
                team_membership::Column::PractitionerId,
            ))
            .equals((practitioner::Entity, practitioner::Column::Id)),
        )
        .and_where(
            Expr::col((team_membership::Entity, team_membership::Column::TeamId))
                .in_subquery(teams),
        )
        .and_where(Expr::col((practitioner::Entity, practitioner::Column::Subject)).is_not_null())
        .to_owned();
    Condition::all()
        .add(break_glass_grant::Column::Subject.in_subquery(requesters))
        .add(break_glass_grant::Column::Subject.ne(principal.subject.as_str()))
}

/// A condition on `team`: the teams the caller currently manages (a current membership with
/// `is_manager`), and the team their token names.
fn managed_teams(principal: &Principal) -> Condition {
    let managed = Query::select()
        .column((team_membership::Entity, team_membership::Column::TeamId))
        .from(team_membership::Entity)
        .inner_join(
            practitioner::Entity,
            Expr::col((practitioner::Entity, practitioner::Column::Id)).equals((
                team_membership::Entity,
                team_membership::Column::PractitionerId,
            )),
        )
        .and_where(
            Expr::col((practitioner::Entity, practitioner::Column::Subject))
                .eq(principal.subject.as_str()),
        )
        .and_where(
            Expr::col((team_membership::Entity, team_membership::Column::IsManager)).eq(true),
        )
        .and_where(Expr::col((team_membership::Entity, team_membership::Column::EndedOn)).is_null())
        .to_owned();
    let mut condition =
        Condition::any().add(Expr::col((team::Entity, team::Column::Id)).in_subquery(managed));
    if let Some(code) = &principal.team {
        condition = condition.add(Expr::col((team::Entity, team::Column::Code)).eq(code.as_str()));
    }
    condition
}

/// The grants `principal` may review ([`reviewable`]), optionally only those not yet reviewed.
/// Unordered: the caller pages it (newest first is `ORDER BY id DESC`, ids being UUIDv7).
pub fn for_review(
    principal: &Principal,
    unreviewed_only: bool,
) -> Select<break_glass_grant::Entity> {
    let mut select = break_glass_grant::Entity::find().filter(reviewable(principal));
    if unreviewed_only {
        select = select.filter(break_glass_grant::Column::ReviewedAt.is_null());
    }
    select
}

/// Writes the audit rows for what a request read (one chained row per record, with the
/// request's correlation id). Records reached through one of the caller's current grants —
/// the granted child, and the families and family members of that child — get purpose
/// [`PURPOSE_BREAK_GLASS`]; every other read has no purpose (ordinary access within scope).
///
/// With an `appender` the rows join its next batch (group commit), which also reads the grants
/// of every request in it that needs them with one statement ([`AuditAppender::append_reads`]),
/// and this returns once that batch has committed; without one the grants are read here and
/// the rows appended in a transaction of their own.
///
/// The marking errs towards flagging: a record reachable both in scope and through a grant is
/// flagged too. Callers whose scope is everything need no grant and are not checked; for the
/// others, one query finds their current grants, and a second (only when they hold one) the
/// families those children belong to.
///
/// [`AuditAppender::append_reads`]: audit::AuditAppender::append_reads
pub async fn audit_reads<C>(
    db: &C,
    appender: Option<&audit::AuditAppender>,
    principal: &Principal,
    scope: &RecordScope,
    operation: Option<&str>,
    reads: &[AuditedRecord],
    correlation_id: Option<String>,
) -> StoreResult<()>
where
    C: ConnectionTrait + TransactionTrait,
{
    if reads.is_empty() {
        return Ok(());
    }
    let mut context = AuditContext {
        correlation_id,
        ..AuditContext::default()
    };
    let touches_children = reads
        .iter()
        .any(|r| matches!(r.record_type, "Person" | "Family"));
    let check_grants = touches_children && !scope.is_everything();
    match appender {
        Some(appender) => {
            let entry = audit::AuditEntry::new(
                principal,
                operation,
                AuditAction::Read,
                reads.to_vec(),
                context,
            );
            if check_grants {
                appender.append_reads(entry).await
            } else {
                appender.append(entry).await
            }
        }
        None => {
            if check_grants {
                let reached = reached_through_grants(db, &principal.subject, Utc::now()).await?;
                mark_break_glass(&mut context, reads, &reached);
            }
            audit::append_with(db, principal, operation, AuditAction::Read, reads, &context).await
        }
    }
}

/// Gives purpose [`PURPOSE_BREAK_GLASS`] to each of `reads` that `reached` (what the reader's
/// current grants reach) holds.
pub fn mark_break_glass(
    context: &mut AuditContext,
    reads: &[AuditedRecord],
    reached: &HashSet<AuditedRecord>,
) {
    for read in reads {
        if reached.contains(read) {
            context
                .record_purposes
                .insert(read.clone(), PURPOSE_BREAK_GLASS.to_owned());
        }
    }
}

/// The `Person` and `Family` records that `subject`'s current grants reach: each granted child,
/// the families they belong to and those families' members.
pub async fn reached_through_grants<C: ConnectionTrait>(
    db: &C,
    subject: &str,
    now: DateTime<Utc>,
) -> StoreResult<HashSet<AuditedRecord>> {
    Ok(reached_through_grants_of(db, &[subject], now)
        .await?
        .remove(subject)
        .unwrap_or_default())
}

/// [`reached_through_grants`] for several subjects at once, in at most two statements: the
/// grants current at `now`, and (only when there is one) the families of the granted children
/// with their members. Subjects holding no grant are left out of the map.
pub async fn reached_through_grants_of<C: ConnectionTrait>(
    db: &C,
    subjects: &[&str],
    now: DateTime<Utc>,
) -> StoreResult<HashMap<String, HashSet<AuditedRecord>>> {
    if subjects.is_empty() {
        return Ok(HashMap::new());
    }
    let granted: Vec<(String, Uuid)> = break_glass_grant::Entity::find()
        .select_only()
        .column(break_glass_grant::Column::Subject)
        .column(break_glass_grant::Column::PersonId)
        .filter(break_glass_grant::Column::Subject.is_in(subjects.iter().copied()))
        .filter(break_glass_grant::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(db)
        .await?;
    let mut reached: HashMap<String, HashSet<AuditedRecord>> = HashMap::new();
    if granted.is_empty() {
        return Ok(reached);
    }
    // Each granted child's families and their members: (granted child, family, member).
    let (member, kin) = (Alias::new("member"), Alias::new("kin"));
    let families = Query::select()
        .column((member.clone(), family_member::Column::PersonId))
        .column((kin.clone(), family_member::Column::FamilyId))
        .column((kin.clone(), family_member::Column::PersonId))
        .from_as(family_member::Entity, member.clone())
        .join_as(
            JoinType::InnerJoin,
            family_member::Entity,
            kin.clone(),
            Expr::col((kin.clone(), family_member::Column::FamilyId))
                .equals((member.clone(), family_member::Column::FamilyId)),
        )
        .and_where(
            Expr::col((member, family_member::Column::PersonId))
                .is_in(granted.iter().map(|(_, child)| *child)),
        )
        .to_owned();
    let mut kin_of: HashMap<Uuid, Vec<(Uuid, Uuid)>> = HashMap::new();
    for row in db
        .query_all_raw(db.get_database_backend().build(&families))
        .await?
    {
        let child: Uuid = row.try_get_by_index(0)?;
        kin_of
            .entry(child)
            .or_default()
            .push((row.try_get_by_index(1)?, row.try_get_by_index(2)?));
    }
    for (subject, child) in granted {
        let records = reached.entry(subject).or_default();
        records.insert(AuditedRecord {
            record_type: "Person",
            record_id: child,
        });
        for &(family_id, person_id) in kin_of.get(&child).into_iter().flatten() {
            records.insert(AuditedRecord {
                record_type: "Family",
                record_id: family_id,
            });
            records.insert(AuditedRecord {
                record_type: "Person",
                record_id: person_id,
            });
        }
    }
    Ok(reached)
}

/// The caller's roles as the audit trail writes them (space-separated).
fn roles(principal: &Principal) -> String {
    principal
        .roles
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
