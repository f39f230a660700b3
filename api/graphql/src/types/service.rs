//! The services directory: services and Family Hubs read from a directory such as Open
//! Referral UK, where they are delivered, and the directory's taxonomy.
//!
//! This is public directory data, not children's data: the access policy does not classify
//! these types, so any authenticated caller reads every service (see `policy_check`).

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use familygraph_store::entity::{
    area, family_hub, lsoa, service, service_location, service_taxonomy_term, taxonomy_term,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::place::{FamilyHub, Lsoa};
use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::global_id;
use crate::pagination::{Page, PageRequest, load_page, wants_total};

/// A service from the services directory: who runs it, where, for whom, and whether it is a
/// Family Hub.
#[derive(Clone)]
pub struct Service(pub(crate) service::Model);

/// A place a service is delivered.
#[derive(Clone)]
pub struct ServiceLocation(pub(crate) service_location::Model);

/// A term of the services directory's taxonomy.
#[derive(Clone)]
pub struct TaxonomyTerm(pub(crate) taxonomy_term::Model);

/// Whether a service is running (Open Referral `status`).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ServiceStatus {
    /// Running.
    Active,
    /// Not running at present.
    Inactive,
    /// Closed for good.
    Defunct,
    /// Closed for now.
    TemporarilyClosed,
}

impl ServiceStatus {
    fn from_code(code: &str) -> Option<Self> {
        match code {
            "active" => Some(Self::Active),
            "inactive" => Some(Self::Inactive),
            "defunct" => Some(Self::Defunct),
            "temporarily_closed" => Some(Self::TemporarilyClosed),
            _ => None,
        }
    }
}

/// Who a service is for by age, in whole years; either end may be open.
#[derive(SimpleObject)]
pub struct AgeRange {
    /// Youngest eligible age in years; `null` when there is no lower limit.
    pub minimum_age: Option<i32>,
    /// Oldest eligible age in years; `null` when there is no upper limit.
    pub maximum_age: Option<i32>,
}

/// The organisation that provides a service.
#[derive(SimpleObject)]
pub struct ServiceOrganisation {
    /// The organisation's id in the directory.
    pub source_id: Option<String>,
    /// Its name.
    pub name: Option<String>,
}

/// Filters for `services`; every filter given must hold.
#[derive(InputObject, Default)]
pub struct ServicesFilter {
    /// Services with a location in this locality (a `Locality` id), through the location's
    /// LSOA.
    pub locality_id: Option<ID>,
    /// Services with a location in this LSOA (ONS code, e.g. `E01018445`).
    pub lsoa_code: Option<String>,
    /// Services filed under this taxonomy term: the term's code (its id in the directory) or
    /// its name (ignoring case).
    pub taxonomy_term: Option<String>,
    /// Services open to a person of this age in years.
    pub age: Option<i32>,
    /// Only Family Hubs.
    pub family_hubs_only: Option<bool>,
}

/// The conditions of `filter` on `service`.
fn conditions(filter: &ServicesFilter) -> ApiResult<Condition> {
    let mut condition = Condition::all();
    if let Some(id) = &filter.locality_id {
        let locality = global_id::decode_as("filter.localityId", "Locality", id)?;
        condition = condition.add(
            service::Column::Id.in_subquery(
                Query::select()
                    .column((
                        service_location::Entity,
                        service_location::Column::ServiceId,
                    ))
                    .from(service_location::Entity)
                    .inner_join(
                        lsoa::Entity,
                        Expr::col((lsoa::Entity, lsoa::Column::Id))
                            .equals((service_location::Entity, service_location::Column::LsoaId)),
                    )
                    .inner_join(
                        area::Entity,
                        Expr::col((area::Entity, area::Column::Id))
                            .equals((lsoa::Entity, lsoa::Column::AreaId)),
                    )
                    .and_where(Expr::col((area::Entity, area::Column::LocalityId)).eq(locality))
                    .to_owned(),
            ),
        );
    }
    if let Some(code) = &filter.lsoa_code {
        let code = familygraph_domain::LsoaCode::parse("filter.lsoaCode", code)?;
        condition = condition.add(
            service::Column::Id.in_subquery(
                Query::select()
                    .column(service_location::Column::ServiceId)
                    .from(service_location::Entity)
                    .and_where(service_location::Column::LsoaCode.eq(code.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(term) = &filter.taxonomy_term {
        let term = term.trim();
        if term.is_empty() {
            return Err(ApiError::bad_input(
                "filter.taxonomyTerm",
                "must not be empty",
            ));
        }
        condition = condition.add(
            service::Column::Id.in_subquery(
                Query::select()
                    .column((
                        service_taxonomy_term::Entity,
                        service_taxonomy_term::Column::ServiceId,
                    ))
                    .from(service_taxonomy_term::Entity)
                    .inner_join(
                        taxonomy_term::Entity,
                        Expr::col((taxonomy_term::Entity, taxonomy_term::Column::Id)).equals((
                            service_taxonomy_term::Entity,
                            service_taxonomy_term::Column::TaxonomyTermId,
                        )),
                    )
                    .cond_where(
                        Condition::any()
                            .add(
                                Expr::col((taxonomy_term::Entity, taxonomy_term::Column::Code))
                                    .eq(term),
                            )
                            .add(
                                Expr::expr(Func::lower(Expr::col((
                                    taxonomy_term::Entity,
                                    taxonomy_term::Column::Name,
                                ))))
                                .eq(term.to_lowercase()),
                            ),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some(age) = filter.age {
        if !(0..=150).contains(&age) {
            return Err(ApiError::bad_input(
                "filter.age",
                "must be a whole number of years from 0 to 150",
            ));
        }
        condition = condition
            .add(
                Condition::any()
                    .add(service::Column::MinimumAge.is_null())
                    .add(service::Column::MinimumAge.lte(age)),
            )
            .add(
                Condition::any()
                    .add(service::Column::MaximumAge.is_null())
                    .add(service::Column::MaximumAge.gte(age)),
            );
    }
    if filter.family_hubs_only == Some(true) {
        condition = condition.add(service::Column::IsFamilyHub.eq(true));
    }
    Ok(condition)
}

/// The services directory's entry points.
#[derive(Default)]
pub struct ServicesQuery;

#[Object]
impl ServicesQuery {
    /// Services from the services directory (Open Referral UK), Family Hubs included, in the
    /// order they were first imported. Public directory data: every authenticated caller
    /// may read it.
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<ServicesFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Service>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let select = service::Entity::find().filter(conditions(&filter)?);
        load_page(
            &rc.db,
            select,
            service::Column::Id,
            page,
            wants_total(ctx),
            Service,
        )
        .await
    }
}

#[Object]
impl Service {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Service", self.0.id)
    }
    /// The directory it comes from (the adapter's configured source name).
    async fn source_system(&self) -> &str {
        &self.0.source_system
    }
    /// The service's id in that directory.
    async fn source_id(&self) -> &str {
        &self.0.source_id
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Whether it is running.
    async fn status(&self) -> ApiResult<ServiceStatus> {
        super::stored("service status", &self.0.status, ServiceStatus::from_code)
    }
    /// The organisation that provides it.
    async fn organisation(&self) -> Option<ServiceOrganisation> {
        if self.0.organisation_source_id.is_none() && self.0.organisation_name.is_none() {
            return None;
        }
        Some(ServiceOrganisation {
            source_id: self.0.organisation_source_id.clone(),
            name: self.0.organisation_name.clone(),
        })
    }
    /// Web page.
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    /// Contact email.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Who it is for by age.
    async fn age_range(&self) -> AgeRange {
        AgeRange {
            minimum_age: self.0.minimum_age,
            maximum_age: self.0.maximum_age,
        }
    }
    /// Whether the directory marks it as a Family Hub.
    async fn is_family_hub(&self) -> bool {
        self.0.is_family_hub
    }
    /// The council's Family Hub this is the directory entry of (matched by name), when there
    /// is one.
    async fn family_hub(&self, ctx: &Context<'_>) -> ApiResult<Option<FamilyHub>> {
        let Some(id) = self.0.family_hub_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<family_hub::Entity>()
            .load_one(id)
            .await?
            .map(FamilyHub))
    }
    /// Where it is delivered, in the directory's order.
    async fn locations(&self, ctx: &Context<'_>) -> ApiResult<Vec<ServiceLocation>> {
        let mut rows = request(ctx)?
            .loaders
            .has_many::<service_location::Entity>(service_location::Column::ServiceId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|row| row.position);
        Ok(rows.into_iter().map(ServiceLocation).collect())
    }
    /// The taxonomy terms it is filed under, in the directory's order.
    async fn taxonomy_terms(&self, ctx: &Context<'_>) -> ApiResult<Vec<TaxonomyTerm>> {
        let loaders = &request(ctx)?.loaders;
        let mut links = loaders
            .has_many::<service_taxonomy_term::Entity>(service_taxonomy_term::Column::ServiceId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        links.sort_by_key(|link| link.position);
        let terms = loaders
            .by_id::<taxonomy_term::Entity>()
            .load_many(links.iter().map(|link| link.taxonomy_term_id))
            .await?;
        Ok(links
            .iter()
            .filter_map(|link| terms.get(&link.taxonomy_term_id).cloned())
            .map(TaxonomyTerm)
            .collect())
    }
    /// When the directory last changed it.
    async fn last_modified(&self) -> Option<DateTime<Utc>> {
        self.0.last_modified
    }
    /// When familygraph last imported a change to it.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

#[Object]
impl ServiceLocation {
    /// The location's id in the directory (empty when it gives none).
    async fn source_id(&self) -> &str {
        &self.0.source_id
    }
    /// Name.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Postcode.
    async fn postcode(&self) -> Option<&str> {
        self.0.postcode.as_deref()
    }
    /// ONS code of the LSOA it lies in, as the directory gives it.
    async fn lsoa_code(&self) -> Option<&str> {
        self.0.lsoa_code.as_deref()
    }
    /// The council's LSOA (and through it, the area and locality), when the council has it.
    async fn lsoa(&self, ctx: &Context<'_>) -> ApiResult<Option<Lsoa>> {
        let Some(id) = self.0.lsoa_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<lsoa::Entity>()
            .load_one(id)
            .await?
            .map(Lsoa))
    }
    /// Unique Property Reference Number.
    async fn uprn(&self) -> Option<&str> {
        self.0.uprn.as_deref()
    }
    /// WGS84 latitude.
    async fn latitude(&self) -> Option<f64> {
        self.0.latitude
    }
    /// WGS84 longitude.
    async fn longitude(&self) -> Option<f64> {
        self.0.longitude
    }
}

#[Object]
impl TaxonomyTerm {
    /// Global id.
    async fn id(&self) -> ID {
        global_id::encode("TaxonomyTerm", self.0.id)
    }
    /// The term's id in the directory.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The taxonomy (vocabulary) it belongs to, when the directory says.
    async fn vocabulary(&self) -> Option<&str> {
        self.0.vocabulary.as_deref()
    }
    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The broader term it is nested under, when known.
    async fn parent(&self, ctx: &Context<'_>) -> ApiResult<Option<TaxonomyTerm>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_id::<taxonomy_term::Entity>()
            .load_one(id)
            .await?
            .map(TaxonomyTerm))
    }
    /// Whether the directory's configuration names this term as marking Family Hubs.
    async fn marks_family_hub(&self) -> bool {
        self.0.marks_family_hub
    }
}
