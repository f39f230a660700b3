//! Places: local authority → locality → area (collaborative or patch) → LSOA, and Family Hubs.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::AreaKind;
use familygraph_store::entity::{area, family_hub, local_authority, locality, lsoa, team};

use super::stored;
use super::team::Team;
use crate::context::request;
use crate::error::ApiResult;
use crate::global_id;

/// A local authority (council).
#[derive(Clone)]
pub struct LocalAuthority(pub(crate) local_authority::Model);

/// A locality: the council's largest service footprint (e.g. North, South).
#[derive(Clone)]
pub struct Locality(pub(crate) locality::Model);

/// An area within a locality: a collaborative or a patch.
#[derive(Clone)]
pub struct Area(pub(crate) area::Model);

/// A Lower-layer Super Output Area (about 1,500 residents) with its IMD 2019 deciles.
#[derive(Clone)]
pub struct Lsoa(pub(crate) lsoa::Model);

/// A Family Hub.
#[derive(Clone)]
pub struct FamilyHub(pub(crate) family_hub::Model);

/// Index of Multiple Deprivation 2019 deciles (1 = most deprived 10% of LSOAs in England).
#[derive(SimpleObject)]
pub struct Deprivation {
    /// Overall IMD decile.
    pub overall: Option<i32>,
    /// Income domain (weight 22.5%).
    pub income: Option<i32>,
    /// Employment domain (22.5%).
    pub employment: Option<i32>,
    /// Education, skills and training domain (13.5%).
    pub education: Option<i32>,
    /// Health deprivation and disability domain (13.5%).
    pub health: Option<i32>,
    /// Crime domain (9.3%).
    pub crime: Option<i32>,
    /// Barriers to housing and services domain (9.3%).
    pub housing: Option<i32>,
    /// Living environment domain (9.3%).
    pub living_environment: Option<i32>,
}

#[Object]
impl LocalAuthority {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("LocalAuthority", self.0.id)
    }
    /// ONS code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Localities.
    async fn localities(&self, ctx: &Context<'_>) -> ApiResult<Vec<Locality>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<locality::Entity>(locality::Column::LocalAuthorityId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Locality).collect())
    }
}

#[Object]
impl Locality {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Locality", self.0.id)
    }
    /// Code (e.g. `SOUTH`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The local authority.
    async fn local_authority(&self, ctx: &Context<'_>) -> ApiResult<Option<LocalAuthority>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<local_authority::Entity>()
            .load_one(self.0.local_authority_id)
            .await?
            .map(LocalAuthority))
    }
    /// Areas (collaboratives or patches).
    async fn areas(&self, ctx: &Context<'_>) -> ApiResult<Vec<Area>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<area::Entity>(area::Column::LocalityId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Area).collect())
    }
    /// Teams based in the locality.
    async fn teams(&self, ctx: &Context<'_>) -> ApiResult<Vec<Team>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<team::Entity>(team::Column::LocalityId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Team).collect())
    }
}

#[Object]
impl Area {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Area", self.0.id)
    }
    /// Collaborative or patch.
    async fn kind(&self) -> ApiResult<AreaKind> {
        stored("area kind", &self.0.kind, AreaKind::from_code)
    }
    /// Code.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name (e.g. "Crewe North").
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The locality.
    async fn locality(&self, ctx: &Context<'_>) -> ApiResult<Option<Locality>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<locality::Entity>()
            .load_one(self.0.locality_id)
            .await?
            .map(Locality))
    }
    /// The Family Help locality team covering the area.
    async fn team(&self, ctx: &Context<'_>) -> ApiResult<Option<Team>> {
        let Some(id) = self.0.team_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<team::Entity>()
            .load_one(id)
            .await?
            .map(Team))
    }
    /// LSOAs in the area.
    async fn lsoas(&self, ctx: &Context<'_>) -> ApiResult<Vec<Lsoa>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<lsoa::Entity>(lsoa::Column::AreaId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(Lsoa).collect())
    }
    /// Family Hubs in the area.
    async fn family_hubs(&self, ctx: &Context<'_>) -> ApiResult<Vec<FamilyHub>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<family_hub::Entity>(family_hub::Column::AreaId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(FamilyHub).collect())
    }
}

#[Object]
impl Lsoa {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Lsoa", self.0.id)
    }
    /// ONS code (e.g. `E01018445`).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// IMD 2019 deciles.
    async fn deprivation(&self) -> Deprivation {
        Deprivation {
            overall: self.0.imd_overall,
            income: self.0.imd_income,
            employment: self.0.imd_employment,
            education: self.0.imd_education,
            health: self.0.imd_health,
            crime: self.0.imd_crime,
            housing: self.0.imd_housing,
            living_environment: self.0.imd_living_environment,
        }
    }
    /// The area it belongs to.
    async fn area(&self, ctx: &Context<'_>) -> ApiResult<Option<Area>> {
        let Some(id) = self.0.area_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<area::Entity>()
            .load_one(id)
            .await?
            .map(Area))
    }
}

#[Object]
impl FamilyHub {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("FamilyHub", self.0.id)
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When it opened.
    async fn opened_on(&self) -> Option<NaiveDate> {
        self.0.opened_on
    }
    /// The area it serves.
    async fn area(&self, ctx: &Context<'_>) -> ApiResult<Option<Area>> {
        Ok(request(ctx)?
            .loaders
            .by_id::<area::Entity>()
            .load_one(self.0.area_id)
            .await?
            .map(Area))
    }
    /// Its entries in the services directory (services the directory marks as a Family Hub
    /// under this hub's name), with their locations, ages and taxonomy terms.
    async fn directory_entries(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<super::service::Service>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<familygraph_store::entity::service::Entity>(
                familygraph_store::entity::service::Column::FamilyHubId,
            )
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(super::service::Service).collect())
    }
}
