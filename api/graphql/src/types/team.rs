//! Teams (front door, Family Help locality teams, MACPT, specialist) and practitioners.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use familygraph_domain::{PractitionerRole, TeamKind};
use familygraph_store::entity::{
    agency, area, involvement, locality, practitioner, team, team_membership,
};

use super::agency::Agency;
use super::casework::Involvement;
use super::place::{Area, Locality};
use super::stored;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;
use crate::loaders::CaseloadReach;
use crate::pagination::{Page, PageRequest, page_of, wants_total};

/// A team of practitioners.
#[derive(Clone)]
pub struct Team(pub(crate) team::Model);

/// A practitioner's membership of a team.
#[derive(Clone)]
pub struct TeamMembership(pub(crate) team_membership::Model);

/// A practitioner from any agency: family worker, social worker, lead child protection
/// practitioner, police officer, health visitor, school designated safeguarding lead...
#[derive(Clone)]
pub struct Practitioner(pub(crate) practitioner::Model);

#[Object]
impl Team {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Team", self.0.id)
    }
    /// Short code (e.g. `S1`, `IFD`, `MACPT`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of team.
    async fn kind(&self) -> ApiResult<TeamKind> {
        stored("team kind", &self.0.kind, TeamKind::from_code)
    }
    /// The locality the team serves, if it is a locality team.
    async fn locality(&self, ctx: &Context<'_>) -> ApiResult<Option<Locality>> {
        let Some(id) = self.0.locality_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<locality::Entity>()
            .load_one(id)
            .await?
            .map(Locality))
    }
    /// The areas (collaboratives, patches) this team covers.
    async fn areas(&self, ctx: &Context<'_>) -> ApiResult<Vec<Area>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<area::Entity>(area::Column::TeamId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Area).collect())
    }
    /// Members, current and past.
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = true, desc = "Only current members.")] current: bool,
    ) -> ApiResult<Vec<TeamMembership>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<team_membership::Entity>(team_membership::Column::TeamId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|row| !current || row.ended_on.is_none())
            .map(TeamMembership)
            .collect())
    }
    /// Open allocations held in this team (the team's caseload), as far as the caller may see.
    /// Batched: a page of teams costs one statement for all their caseload pages.
    async fn caseload(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Involvement>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let reach = CaseloadReach::of(&rc.scope, &self.0.code);
        let total_count = if wants_total(ctx) {
            rc.loaders
                .caseload_count(reach)
                .load_one(self.0.id)
                .await?
                .unwrap_or_default()
                .allocations
        } else {
            0
        };
        let rows = rc
            .loaders
            .caseload_page(reach, page)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(page_of(rows, page, total_count, |row| row.id, Involvement))
    }
    /// How many children the team holds open allocations for, as far as the caller may see.
    async fn caseload_size(&self, ctx: &Context<'_>) -> ApiResult<u64> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .caseload_count(CaseloadReach::of(&rc.scope, &self.0.code))
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .children)
    }
}

#[Object]
impl TeamMembership {
    /// Whether the member manages the team.
    async fn is_manager(&self) -> bool {
        self.0.is_manager
    }
    /// Member since.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Member until.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// The practitioner.
    async fn practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<practitioner::Entity>()
            .load_one(self.0.practitioner_id)
            .await?
            .map(Practitioner))
    }
    /// The team.
    async fn team(&self, ctx: &Context<'_>) -> ApiResult<Option<Team>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<team::Entity>()
            .load_one(self.0.team_id)
            .await?
            .map(Team))
    }
}

#[Object]
impl Practitioner {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Practitioner", self.0.id)
    }
    /// Given name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// Family name.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Role.
    async fn role(&self) -> ApiResult<PractitionerRole> {
        stored(
            "practitioner role",
            &self.0.role,
            PractitionerRole::from_code,
        )
    }
    /// Professional registration number (Social Work England, e.g. `SW123456`).
    async fn registration_number(&self) -> Option<&str> {
        self.0.registration_number.as_deref()
    }
    /// Work email, to reach them.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The agency that employs them.
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<agency::Entity>()
            .load_one(self.0.agency_id)
            .await?
            .map(Agency))
    }
    /// Team memberships.
    async fn teams(&self, ctx: &Context<'_>) -> ApiResult<Vec<TeamMembership>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<team_membership::Entity>(team_membership::Column::PractitionerId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(TeamMembership).collect())
    }
    /// Their open allocations (caseload), as far as the caller may see.
    async fn caseload(&self, ctx: &Context<'_>) -> ApiResult<Vec<Involvement>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<involvement::Entity>(involvement::Column::PractitionerId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|row| row.ended_on.is_none())
            .map(Involvement)
            .collect())
    }
}
