//! The root query.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use familygraph_domain::{IdentifierKind, LevelOfNeed, PlanKind, identifiers};
use familygraph_store::ChildFilter;
use familygraph_store::entity::{
    family, family_hub, local_authority, locality, lsoa, person, person_identifier, plan,
    practitioner, team,
};
use familygraph_store::scope::Scoped;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::context::request;
use crate::error::{ApiError, ApiResult};
use crate::pagination::{Page, PageRequest, load_page, wants_total};
use crate::types::family::Family;
use crate::types::node::{self, Node};
use crate::types::person::Person;
use crate::types::place::{FamilyHub, LocalAuthority, Locality, Lsoa};
use crate::types::plan::Plan;
use crate::types::team::{Practitioner, Team};

/// The most ids `nodes(ids:)` takes at once.
pub const MAX_NODES: usize = 100;

/// Every query: the core reads, the measures and the audit trail.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    CoreQuery,
    crate::measures::MeasuresQuery,
    crate::types::audit::AuditQuery,
    crate::types::break_glass::BreakGlassQuery,
    crate::types::service::ServicesQuery,
    crate::types::adapter_run::AdapterRunQuery,
    crate::types::identity::IdentityQuery,
    crate::types::webhook::WebhookQuery,
    crate::types::dead_letter::DeadLetterQuery,
);

/// Entry points for reading records.
#[derive(Default)]
pub struct CoreQuery;

/// Filters for `children`; every filter given must hold.
#[derive(InputObject, Default)]
pub struct ChildrenFilter {
    /// Locality code (e.g. `SOUTH`): children whose current address is in that locality.
    pub locality: Option<String>,
    /// Team code (e.g. `S1`): children with an open allocation in that team.
    pub team: Option<String>,
    /// Level of need.
    pub level_of_need: Option<LevelOfNeed>,
    /// Children with an open plan of this kind.
    pub open_plan: Option<PlanKind>,
    /// Part of a name, or an exact NHS number, UPN or case-system id.
    pub search: Option<String>,
}

/// Filters for `plans`.
#[derive(InputObject, Default)]
pub struct PlansFilter {
    /// Only plans of this kind.
    pub kind: Option<PlanKind>,
    /// true: open plans; false: ended plans; omitted: all.
    pub open: Option<bool>,
}

/// A typed identifier to look a child up by.
#[derive(InputObject)]
pub struct IdentifierInput {
    /// Which identifier.
    pub kind: IdentifierKind,
    /// Its value (validated: an NHS number must pass its check digit, a UPN its check letter).
    pub value: String,
}

/// Who the caller is, as the server sees them.
#[derive(SimpleObject)]
pub struct Viewer {
    /// Token subject.
    pub subject: String,
    /// OAuth client.
    pub client_id: Option<String>,
    /// Roles (snake_case names).
    pub roles: Vec<String>,
    /// Team code.
    pub team: Option<String>,
    /// School URN, for school users and integrations.
    pub school_urn: Option<String>,
}

#[Object]
impl CoreQuery {
    /// Fetches any record by its global id. A record the caller may not see answers `NOT_FOUND`,
    /// exactly as an unknown id does.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id.")] id: ID,
    ) -> ApiResult<Option<Node>> {
        // Nullable, as Relay's Global Object Identification specifies: a missing record nulls
        // this field, not the whole response.
        node::resolve(request(ctx)?, "id", &id).await.map(Some)
    }

    /// Fetches up to 100 records by global id, in order; unknown or unreachable ids give `null`
    /// with a `NOT_FOUND` error at that position.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100).")] ids: Vec<ID>,
    ) -> ApiResult<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::bad_input(
                "ids",
                format!("at most {MAX_NODES} ids at once"),
            ));
        }
        let rc = request(ctx)?;
        let lookups = ids.iter().map(|id| node::resolve(rc, "ids", id));
        let results = futures_util::future::join_all(lookups).await;
        results
            .into_iter()
            .map(|result| match result {
                Ok(node) => Ok(Some(node)),
                Err(ApiError::NotFound { .. }) => Ok(None),
                Err(other) => Err(other),
            })
            .collect()
    }

    /// The authenticated caller.
    async fn viewer(&self, ctx: &Context<'_>) -> ApiResult<Viewer> {
        let principal = &request(ctx)?.principal;
        Ok(Viewer {
            subject: principal.subject.clone(),
            client_id: principal.client_id.clone(),
            roles: principal
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            team: principal.team.clone(),
            school_urn: principal.school_urn.as_ref().map(|u| u.as_str().to_owned()),
        })
    }

    /// Children the caller may see, filtered.
    async fn children(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<ChildrenFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Person>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = ChildFilter {
            locality: filter.locality,
            team: filter.team,
            level_of_need: filter.level_of_need,
            open_plan: filter.open_plan,
            search: filter.search,
        };
        let select = person::Entity::find()
            .filter(filter.condition())
            .filter(familygraph_store::scope::listed_persons(&rc.scope));
        load_page(
            &rc.db,
            select,
            person::Column::Id,
            page,
            wants_total(ctx),
            |m| {
                rc.loaders.loaded_under_scope::<person::Entity>(&m);
                Person::read(rc, m)
            },
        )
        .await
    }

    /// A child by typed identifier (NHS number, UPN, former UPN, case-system id); `null` when
    /// there is none the caller may see. `UPN_UNKNOWN` is refused (`BAD_USER_INPUT`): its
    /// values are the reasons a child has no UPN, which many children share.
    async fn child_by_identifier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The identifier.")] identifier: IdentifierInput,
    ) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        if identifier.kind == IdentifierKind::UpnUnknown {
            return Err(ApiError::bad_input(
                "identifier.kind",
                "UPN_UNKNOWN holds why a child has no UPN (UN1-UN7), which many children share: \
                 it identifies no one",
            ));
        }
        let value = identifiers::normalise(identifier.kind, "identifier.value", &identifier.value)?;
        let found = person::Entity::find()
            .inner_join(person_identifier::Entity)
            .filter(person_identifier::identifies_a_person())
            .filter(person_identifier::Column::Kind.eq(identifier.kind.code()))
            .filter(person_identifier::Column::Value.eq(value))
            .filter(person::Entity::scope_condition(&rc.scope))
            .one(rc.loaders.unique_lookups())
            .await?;
        Ok(found.map(|m| Person::read(rc, m)))
    }

    /// Families the caller may see.
    async fn families(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Family>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let select = family::Entity::find().filter(family::Entity::scope_condition(&rc.scope));
        load_page(
            &rc.db,
            select,
            family::Column::Id,
            page,
            wants_total(ctx),
            |m| Family::read(rc, m),
        )
        .await
    }

    /// Plans the caller may see.
    async fn plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Filters.")] filter: Option<PlansFilter>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Plan>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let mut select = plan::Entity::find().filter(plan::Entity::scope_condition(&rc.scope));
        if let Some(kind) = filter.kind {
            select = select.filter(plan::Column::Kind.eq(kind.code()));
        }
        match filter.open {
            Some(true) => select = select.filter(plan::Column::EndedOn.is_null()),
            Some(false) => select = select.filter(plan::Column::EndedOn.is_not_null()),
            None => {}
        }
        load_page(
            &rc.db,
            select,
            plan::Column::Id,
            page,
            wants_total(ctx),
            Plan,
        )
        .await
    }

    /// Teams.
    async fn teams(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Team>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        load_page(
            &rc.db,
            team::Entity::find(),
            team::Column::Id,
            page,
            wants_total(ctx),
            Team,
        )
        .await
    }

    /// A team by its code (e.g. `S1`).
    async fn team(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Team code.")] code: String,
    ) -> ApiResult<Option<Team>> {
        let rc = request(ctx)?;
        Ok(team::Entity::find()
            .filter(team::Column::Code.eq(code))
            .one(&rc.db)
            .await?
            .map(Team))
    }

    /// Practitioners.
    async fn practitioners(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Page<Practitioner>> {
        let rc = request(ctx)?;
        let page = PageRequest::new(first, after.as_deref())?;
        load_page(
            &rc.db,
            practitioner::Entity::find(),
            practitioner::Column::Id,
            page,
            wants_total(ctx),
            Practitioner,
        )
        .await
    }

    /// Local authorities: the top of the places tree (→ localities → areas → LSOAs).
    async fn local_authorities(&self, ctx: &Context<'_>) -> ApiResult<Vec<LocalAuthority>> {
        let rc = request(ctx)?;
        let rows = local_authority::Entity::find()
            .order_by_asc(local_authority::Column::Name)
            .all(&rc.db)
            .await?;
        Ok(rows.into_iter().map(LocalAuthority).collect())
    }

    /// Localities, by name.
    async fn localities(&self, ctx: &Context<'_>) -> ApiResult<Vec<Locality>> {
        let rc = request(ctx)?;
        let rows = locality::Entity::find()
            .order_by_asc(locality::Column::Name)
            .all(&rc.db)
            .await?;
        Ok(rows.into_iter().map(Locality).collect())
    }

    /// An LSOA by its ONS code (e.g. `E01018445`).
    async fn lsoa(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "LSOA code.")] code: String,
    ) -> ApiResult<Option<Lsoa>> {
        let rc = request(ctx)?;
        let code = familygraph_domain::LsoaCode::parse("code", &code)?;
        Ok(lsoa::Entity::find()
            .filter(lsoa::Column::Code.eq(code.as_str()))
            .one(&rc.db)
            .await?
            .map(Lsoa))
    }

    /// Family Hubs, by name.
    async fn family_hubs(&self, ctx: &Context<'_>) -> ApiResult<Vec<FamilyHub>> {
        let rc = request(ctx)?;
        let rows = family_hub::Entity::find()
            .order_by_asc(family_hub::Column::Name)
            .all(&rc.db)
            .await?;
        Ok(rows.into_iter().map(FamilyHub).collect())
    }
}
