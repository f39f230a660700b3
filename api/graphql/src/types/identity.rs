//! The identity review queue: persons an import could not link by NHS number or UPN but who
//! may be someone already known (`identityCandidates`), and the decisions on them
//! (`confirmIdentityCandidate`, `rejectIdentityCandidate`, `undoPersonMerge`). Only callers
//! granted the `resolve_identity` operation see or decide them; candidates name children, so
//! the access policy classifies `IdentityCandidate`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use familygraph_domain::workflow::{Operation, UserError as DomainUserError, UserErrorCode};
use familygraph_intake::{IntakeError, identity};
use familygraph_store::entity::{identity_candidate, person, person_merge};
use familygraph_store::scope::Scoped;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::context::{RequestContext, request};
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::mutation::UserError;
use crate::pagination::{Page, PageRequest, load_page, wants_total};
use crate::types::person::Person;

/// Global id type name of a candidate.
pub const RECORD_TYPE: &str = "IdentityCandidate";
/// Global id type name of a merge.
pub const MERGE_TYPE: &str = "PersonMerge";

const DESCRIBED: &str = "review identity matches (resolve_identity)";

/// Where a candidate match is in review.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum IdentityCandidateStatus {
    /// Waiting for a reviewer.
    Pending,
    /// Confirmed: the two persons were merged.
    Confirmed,
    /// Rejected: they are different people.
    Rejected,
    /// Confirmed, then the merge was undone.
    Undone,
}

impl IdentityCandidateStatus {
    fn code(self) -> &'static str {
        match self {
            Self::Pending => identity::PENDING,
            Self::Confirmed => identity::CONFIRMED,
            Self::Rejected => identity::REJECTED,
            Self::Undone => identity::UNDONE,
        }
    }

    fn parse(code: &str) -> Option<Self> {
        [Self::Pending, Self::Confirmed, Self::Rejected, Self::Undone]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A possible match between a person an import created and a person already known, with the
/// evidence for it. Never merged until a reviewer confirms it.
#[derive(Clone)]
pub struct IdentityCandidate(pub(crate) identity_candidate::Model);

/// A person by id, if it exists and is within the caller's reach.
async fn person_in_scope(rc: &RequestContext, id: Uuid) -> ApiResult<Option<Person>> {
    Ok(person::Entity::find_by_id(id)
        .filter(person::Entity::scope_condition(&rc.scope))
        .one(&rc.db)
        .await?
        .map(|m| Person::read(rc, m)))
}

#[Object]
impl IdentityCandidate {
    /// Global id.
    async fn id(&self) -> ID {
        global_id::encode(RECORD_TYPE, self.0.id)
    }
    /// Where the candidate is in review.
    async fn status(&self) -> ApiResult<IdentityCandidateStatus> {
        super::stored(
            "identity_candidate.status",
            &self.0.status,
            IdentityCandidateStatus::parse,
        )
    }
    /// How strong the match is, 0–100 (identifier matches score highest).
    async fn score(&self) -> i32 {
        self.0.score
    }
    /// The fields with the same value in both persons (`nhsNumber`, `upn`, `givenName`,
    /// `familyName`, `dateOfBirth`, `postcode`...).
    async fn matched_fields(&self) -> Vec<String> {
        identity::Evidence::parse(&self.0.evidence).matched
    }
    /// The fields whose values differ between the two (a reason for care before merging).
    async fn conflicting_fields(&self) -> Vec<String> {
        identity::Evidence::parse(&self.0.evidence).conflicting
    }
    /// The person the import created (merged away, so `null`, once confirmed).
    async fn person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_in_scope(request(ctx)?, self.0.person_id).await
    }
    /// The person already known whom it may be (kept on confirmation).
    async fn candidate_person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        person_in_scope(request(ctx)?, self.0.candidate_person_id).await
    }
    /// The source system of the imported record.
    async fn source_system(&self) -> Option<&str> {
        self.0.source_system.as_deref()
    }
    /// The imported record's id in its source system.
    async fn source_id(&self) -> Option<&str> {
        self.0.source_id.as_deref()
    }
    /// When the candidate was queued.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who decided it.
    async fn decided_by(&self) -> Option<&str> {
        self.0.decided_by.as_deref()
    }
    /// When it was decided.
    async fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.0.decided_at
    }
    /// Why it was rejected.
    async fn decision_reason(&self) -> Option<&str> {
        self.0.decision_reason.as_deref()
    }
    /// The merge its confirmation made (pass to `undoPersonMerge`), if confirmed.
    async fn merge_id(&self, ctx: &Context<'_>) -> ApiResult<Option<ID>> {
        let rc = request(ctx)?;
        Ok(person_merge::Entity::find()
            .filter(person_merge::Column::CandidateId.eq(self.0.id))
            .order_by_desc(person_merge::Column::Id)
            .one(&rc.db)
            .await?
            .map(|m| global_id::encode(MERGE_TYPE, m.id)))
    }
}

/// The root query of the identity review queue.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// Candidate matches, oldest first, optionally of one status. Only callers granted
    /// `resolve_identity` (`FORBIDDEN` otherwise).
    async fn identity_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(desc = "Only candidates with this status.")] status: Option<
            IdentityCandidateStatus,
        >,
    ) -> ApiResult<Page<IdentityCandidate>> {
        let rc = request(ctx)?;
        rc.require(Operation::ResolveIdentity, DESCRIBED)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let mut select =
            identity_candidate::Entity::find().filter(familygraph_store::scope::persons(
                &rc.scope,
                identity_candidate::Column::CandidatePersonId,
            ));
        if let Some(status) = status {
            select = select.filter(identity_candidate::Column::Status.eq(status.code()));
        }
        load_page(
            &rc.db,
            select,
            identity_candidate::Column::Id,
            page,
            wants_total(ctx),
            IdentityCandidate,
        )
        .await
    }
}

/// Input of `confirmIdentityCandidate`.
#[derive(InputObject)]
pub struct ConfirmIdentityCandidateInput {
    /// The candidate (`IdentityCandidate.id`).
    pub candidate_id: ID,
}

/// Result of `confirmIdentityCandidate`.
#[derive(SimpleObject)]
pub struct ConfirmIdentityCandidatePayload {
    /// The candidate, now `CONFIRMED`.
    pub candidate: Option<IdentityCandidate>,
    /// The person kept, now holding the merged person's records.
    pub survivor: Option<Person>,
    /// The merge (pass to `undoPersonMerge` to reverse it).
    pub merge_id: Option<ID>,
    /// Why nothing was merged (`UNKNOWN_RECORD`, `ALREADY_DECIDED`).
    pub user_errors: Vec<UserError>,
}

/// Input of `rejectIdentityCandidate`.
#[derive(InputObject)]
pub struct RejectIdentityCandidateInput {
    /// The candidate (`IdentityCandidate.id`).
    pub candidate_id: ID,
    /// Why the two are different people.
    pub reason: String,
}

/// Result of `rejectIdentityCandidate`.
#[derive(SimpleObject)]
pub struct RejectIdentityCandidatePayload {
    /// The candidate, now `REJECTED`.
    pub candidate: Option<IdentityCandidate>,
    /// Why nothing was recorded (`REQUIRED`, `UNKNOWN_RECORD`, `ALREADY_DECIDED`).
    pub user_errors: Vec<UserError>,
}

/// Input of `undoPersonMerge`.
#[derive(InputObject)]
pub struct UndoPersonMergeInput {
    /// The merge (`IdentityCandidate.mergeId`).
    pub merge_id: ID,
}

/// Result of `undoPersonMerge`.
#[derive(SimpleObject)]
pub struct UndoPersonMergePayload {
    /// The candidate whose confirmation was undone, now `UNDONE`.
    pub candidate: Option<IdentityCandidate>,
    /// The merged person, restored with every record it had.
    pub restored: Option<Person>,
    /// Why nothing was undone (`UNKNOWN_RECORD`, `ALREADY_DECIDED`).
    pub user_errors: Vec<UserError>,
}

/// A decision's failure: a user error on `field`, or an API error.
fn decision_error(field: &str, error: IntakeError) -> ApiResult<UserError> {
    let user =
        |code, message: String| Ok(UserError::from(DomainUserError::new(field, code, message)));
    match error {
        IntakeError::CandidateNotFound(_) | IntakeError::MergeNotFound(_) => {
            user(UserErrorCode::UnknownRecord, "no such record".to_owned())
        }
        IntakeError::PersonGone(_) => user(
            UserErrorCode::UnknownRecord,
            "one of the two persons no longer exists (merged through another candidate)".to_owned(),
        ),
        IntakeError::CandidateDecided(_) => user(
            UserErrorCode::AlreadyDecided,
            "the candidate has already been decided".to_owned(),
        ),
        IntakeError::MergeUndone(_) => user(
            UserErrorCode::AlreadyDecided,
            "the merge has already been undone".to_owned(),
        ),
        other => Err(ApiError::internal(&other)),
    }
}

async fn candidate(rc: &RequestContext, id: Uuid) -> ApiResult<Option<IdentityCandidate>> {
    Ok(identity_candidate::Entity::find_by_id(id)
        .one(&rc.db)
        .await?
        .map(IdentityCandidate))
}

/// Whether the candidate exists and its existing person is within the caller's reach.
async fn visible(rc: &RequestContext, id: Uuid) -> ApiResult<bool> {
    Ok(identity_candidate::Entity::find_by_id(id)
        .filter(familygraph_store::scope::persons(
            &rc.scope,
            identity_candidate::Column::CandidatePersonId,
        ))
        .one(&rc.db)
        .await?
        .is_some())
}

/// The mutations of the identity review queue.
#[derive(Default)]
pub struct IdentityMutation;

#[Object]
impl IdentityMutation {
    /// Confirms that a candidate's two persons are one: the imported person is merged into the
    /// one already known (every record moves to it) and the merge is recorded so that
    /// `undoPersonMerge` can reverse it exactly. Audited. Only callers granted
    /// `resolve_identity`.
    async fn confirm_identity_candidate(
        &self,
        ctx: &Context<'_>,
        input: ConfirmIdentityCandidateInput,
    ) -> ApiResult<ConfirmIdentityCandidatePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ResolveIdentity, DESCRIBED)?;
        let id = global_id::decode_as("candidateId", RECORD_TYPE, &input.candidate_id)?;
        let failed = |error| -> ApiResult<ConfirmIdentityCandidatePayload> {
            Ok(ConfirmIdentityCandidatePayload {
                candidate: None,
                survivor: None,
                merge_id: None,
                user_errors: vec![decision_error("candidateId", error)?],
            })
        };
        if !visible(rc, id).await? {
            return failed(IntakeError::CandidateNotFound(id));
        }
        let merge = match identity::confirm(&rc.db, id, &rc.principal).await {
            Ok(merge) => merge,
            Err(error) => return failed(error),
        };
        let candidate = candidate(rc, id).await?;
        let survivor = match &candidate {
            Some(c) => person_in_scope(rc, c.0.candidate_person_id).await?,
            None => None,
        };
        Ok(ConfirmIdentityCandidatePayload {
            candidate,
            survivor,
            merge_id: Some(global_id::encode(MERGE_TYPE, merge)),
            user_errors: Vec::new(),
        })
    }

    /// Records that a candidate's two persons are different people. Audited. Only callers
    /// granted `resolve_identity`.
    async fn reject_identity_candidate(
        &self,
        ctx: &Context<'_>,
        input: RejectIdentityCandidateInput,
    ) -> ApiResult<RejectIdentityCandidatePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ResolveIdentity, DESCRIBED)?;
        let id = global_id::decode_as("candidateId", RECORD_TYPE, &input.candidate_id)?;
        let failed = |error: UserError| RejectIdentityCandidatePayload {
            candidate: None,
            user_errors: vec![error],
        };
        if input.reason.trim().is_empty() {
            return Ok(failed(UserError::from(DomainUserError::new(
                "reason",
                UserErrorCode::Required,
                "say why the two are different people",
            ))));
        }
        if !visible(rc, id).await? {
            return Ok(failed(decision_error(
                "candidateId",
                IntakeError::CandidateNotFound(id),
            )?));
        }
        if let Err(error) = identity::reject(&rc.db, id, &rc.principal, input.reason.trim()).await {
            return Ok(failed(decision_error("candidateId", error)?));
        }
        Ok(RejectIdentityCandidatePayload {
            candidate: candidate(rc, id).await?,
            user_errors: Vec::new(),
        })
    }

    /// Undoes a confirmed merge: the merged person comes back with every record that moved,
    /// and the candidate becomes `UNDONE`. Audited. Only callers granted `resolve_identity`.
    async fn undo_person_merge(
        &self,
        ctx: &Context<'_>,
        input: UndoPersonMergeInput,
    ) -> ApiResult<UndoPersonMergePayload> {
        let rc = request(ctx)?;
        rc.require(Operation::ResolveIdentity, DESCRIBED)?;
        let id = global_id::decode_as("mergeId", MERGE_TYPE, &input.merge_id)?;
        let failed = |error| -> ApiResult<UndoPersonMergePayload> {
            Ok(UndoPersonMergePayload {
                candidate: None,
                restored: None,
                user_errors: vec![decision_error("mergeId", error)?],
            })
        };
        let merge = person_merge::Entity::find_by_id(id)
            .filter(familygraph_store::scope::persons(
                &rc.scope,
                person_merge::Column::SurvivorId,
            ))
            .one(&rc.db)
            .await?;
        let Some(merge) = merge else {
            return failed(IntakeError::MergeNotFound(id));
        };
        if let Err(error) = identity::undo_merge(&rc.db, id, &rc.principal).await {
            return failed(error);
        }
        let candidate = match merge.candidate_id {
            Some(c) => candidate(rc, c).await?,
            None => None,
        };
        Ok(UndoPersonMergePayload {
            candidate,
            restored: person_in_scope(rc, merge.merged_id).await?,
            user_errors: Vec::new(),
        })
    }
}
