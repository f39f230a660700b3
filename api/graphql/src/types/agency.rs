//! Partner agencies (schools, GP practices, police, voluntary groups) and people's links to them.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use familygraph_domain::{AgencyKind, AgencyLinkKind, YearGroup};
use familygraph_store::entity::{agency, agency_link};

use super::{stored, stored_opt};
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A partner agency.
#[derive(Clone)]
pub struct Agency(pub(crate) agency::Model);

/// A person's link to an agency (on a school's roll, registered with a GP practice...).
#[derive(Clone)]
pub struct AgencyLink(pub(crate) agency_link::Model);

#[Object]
impl Agency {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Agency", self.0.id)
    }
    /// What kind of agency.
    async fn kind(&self) -> ApiResult<AgencyKind> {
        stored("agency kind", &self.0.kind, AgencyKind::from_code)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Schools: the DfE Unique Reference Number.
    async fn urn(&self) -> Option<&str> {
        self.0.urn.as_deref()
    }
    /// Health organisations: the ODS code.
    async fn ods_code(&self) -> Option<&str> {
        self.0.ods_code.as_deref()
    }
}

#[Object]
impl AgencyLink {
    /// How the person is linked.
    async fn kind(&self) -> ApiResult<AgencyLinkKind> {
        stored("agency link kind", &self.0.kind, AgencyLinkKind::from_code)
    }
    /// Since.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Until.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// A school enrolment (`ON_ROLL`): the pupil's National Curriculum year group as the
    /// school census codes it: `E1`, `E2` (early years), `N1`, `N2` (nursery), `R`
    /// (reception), `1` to `14`, or `X` (not following the National Curriculum). Null when
    /// the school has not said, and for other kinds of link.
    async fn year_group(&self) -> ApiResult<Option<&str>> {
        Ok(stored_opt(
            "agency link year group",
            self.0.year_group.as_deref(),
            YearGroup::from_code,
        )?
        .map(YearGroup::code))
    }
    /// The agency.
    async fn agency(&self, ctx: &Context<'_>) -> ApiResult<Option<Agency>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<agency::Entity>()
            .load_one(self.0.agency_id)
            .await?
            .map(Agency))
    }
}
