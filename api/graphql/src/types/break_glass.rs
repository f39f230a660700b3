//! Break-glass grants: time-limited access to a child's record outside the practitioner's
//! scope, asked for with a reason, flagged in the audit trail and reviewed afterwards by a
//! manager or an auditor.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use familygraph_domain::workflow::Operation;
use familygraph_domain::workflow::rules::BreakGlassReviewOutcome;
use familygraph_store::break_glass;
use familygraph_store::entity::{break_glass_grant, person, practitioner};
use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use super::person::Person;
use super::stored_opt;
use super::team::Practitioner;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;
use crate::pagination::{Page, PageRequest, page_of, wants_total};

/// Time-limited access to one child's record, granted at once to a practitioner who gave a
/// reason, and reviewed afterwards. While it is active the child's record opens to the
/// practitioner through the ordinary queries, and every such read is audited with purpose
/// `break_glass`.
#[derive(Clone)]
pub struct BreakGlassGrant(pub(crate) break_glass_grant::Model);

#[Object]
impl BreakGlassGrant {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode(break_glass::RECORD_TYPE, self.0.id)
    }
    /// The child, if the caller may see them (a reviewer outside the child's scope gets
    /// `null`). Reading it is audited like any read of a person.
    async fn child(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(self.0.person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
    /// The identity-provider subject of the practitioner who asked.
    async fn requested_by(&self) -> &str {
        &self.0.subject
    }
    /// The practitioner who asked, when a practitioner record has that subject.
    async fn practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        Ok(request(ctx)?
            .loaders
            .by_text::<practitioner::Entity>(practitioner::Column::Subject)
            .load_one(self.0.subject.clone())
            .await?
            .map(Practitioner))
    }
    /// The requester's roles at the time (e.g. `social_worker`).
    async fn roles(&self) -> Vec<&str> {
        self.0.roles.split_whitespace().collect()
    }
    /// Why access was needed.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// When access was granted.
    async fn granted_at(&self) -> DateTime<Utc> {
        self.0.granted_at
    }
    /// When access ends (or ended).
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Whether access is still open (the grant has not expired).
    async fn active(&self) -> bool {
        self.0.expires_at > Utc::now()
    }
    /// When the grant was reviewed; `null` until then.
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// The reviewer's identity-provider subject.
    async fn reviewed_by(&self) -> Option<&str> {
        self.0.reviewed_by.as_deref()
    }
    /// The reviewer's verdict.
    async fn review_outcome(&self) -> ApiResult<Option<BreakGlassReviewOutcome>> {
        stored_opt(
            "break-glass review outcome",
            self.0.review_outcome.as_deref(),
            BreakGlassReviewOutcome::from_code,
        )
    }
    /// The reviewer's note.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
    /// The grant's version, for `reviewBreakGlassGrant`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The root query of break-glass grants.
#[derive(Default)]
pub struct BreakGlassQuery;

#[Object]
impl BreakGlassQuery {
    /// Break-glass grants for review, newest first: team managers see those asked for by
    /// members of the teams they manage, locality managers those of their localities' teams,
    /// auditors and administrators all (nobody sees their own). Anyone else gets `FORBIDDEN`.
    async fn break_glass_grants(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
        #[graphql(
            desc = "Only grants not yet reviewed (default true; `null` counts as true).",
            default_with = "Some(true)"
        )]
        unreviewed_only: Option<bool>,
    ) -> ApiResult<Page<BreakGlassGrant>> {
        let rc = request(ctx)?;
        rc.require(
            Operation::ReviewBreakGlass,
            "list break-glass grants (managers, auditors and administrators only)",
        )?;
        let page = PageRequest::new(first, after.as_deref())?;
        let select = break_glass::for_review(&rc.principal, unreviewed_only.unwrap_or(true));
        let total_count = if wants_total(ctx) {
            select.clone().count(&rc.db).await?
        } else {
            0
        };
        // Newest first: ids are UUIDv7, so descending id order is descending time.
        let mut keyed = select.order_by_desc(break_glass_grant::Column::Id);
        if let Some(after) = page.after {
            keyed = keyed.filter(break_glass_grant::Column::Id.lt(after));
        }
        let rows = keyed.limit(page.first + 1).all(&rc.db).await?;
        Ok(page_of(
            rows,
            page,
            total_count,
            |row| row.id,
            BreakGlassGrant,
        ))
    }
}
