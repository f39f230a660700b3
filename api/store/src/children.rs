//! Finding children: the filters behind the `children` query, as SQL conditions.

use familygraph_domain::{IdentifierKind, LevelOfNeed, NhsNumber, PlanKind, Upn};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::entity::{
    address, area, involvement, locality, lsoa, person, person_identifier, plan, team,
};

/// Filters a caller may combine when listing children. Every set filter must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildFilter {
    /// Children whose current address lies in this locality (locality code).
    pub locality: Option<String>,
    /// Children with an open involvement held in this team (team code).
    pub team: Option<String>,
    /// Children at this level of need.
    pub level_of_need: Option<LevelOfNeed>,
    /// Children with an open plan of this kind.
    pub open_plan: Option<PlanKind>,
    /// A name fragment, or an identifier (NHS number, UPN, case-system id) to match exactly.
    pub search: Option<String>,
}

impl ChildFilter {
    /// The SQL condition on `person` for this filter (children only).
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all().add(person::Column::IsChild.eq(true));
        if let Some(code) = &self.locality {
            let in_locality = Query::select()
                .column((address::Entity, address::Column::PersonId))
                .from(address::Entity)
                .inner_join(
                    lsoa::Entity,
                    Expr::col((lsoa::Entity, lsoa::Column::Code))
                        .equals((address::Entity, address::Column::LsoaCode)),
                )
                .inner_join(
                    area::Entity,
                    Expr::col((area::Entity, area::Column::Id))
                        .equals((lsoa::Entity, lsoa::Column::AreaId)),
                )
                .inner_join(
                    locality::Entity,
                    Expr::col((locality::Entity, locality::Column::Id))
                        .equals((area::Entity, area::Column::LocalityId)),
                )
                .and_where(Expr::col((locality::Entity, locality::Column::Code)).eq(code.clone()))
                .and_where(Expr::col((address::Entity, address::Column::EndedOn)).is_null())
                .to_owned();
            condition = condition.add(person::Column::Id.in_subquery(in_locality));
        }
        if let Some(code) = &self.team {
            let in_team = Query::select()
                .column((involvement::Entity, involvement::Column::PersonId))
                .from(involvement::Entity)
                .inner_join(
                    team::Entity,
                    Expr::col((team::Entity, team::Column::Id))
                        .equals((involvement::Entity, involvement::Column::TeamId)),
                )
                .and_where(Expr::col((team::Entity, team::Column::Code)).eq(code.clone()))
                .and_where(Expr::col((involvement::Entity, involvement::Column::EndedOn)).is_null())
                .to_owned();
            condition = condition.add(person::Column::Id.in_subquery(in_team));
        }
        if let Some(level) = self.level_of_need {
            // Levels are stored as their number (1–4), which is also their code.
            let number: i32 = level.code().parse().unwrap_or_default();
            condition = condition.add(person::Column::LevelOfNeed.eq(number));
        }
        if let Some(kind) = self.open_plan {
            let with_plan = Query::select()
                .column(plan::Column::PersonId)
                .from(plan::Entity)
                .and_where(plan::Column::Kind.eq(kind.code()))
                .and_where(plan::Column::EndedOn.is_null())
                .to_owned();
            condition = condition.add(person::Column::Id.in_subquery(with_plan));
        }
        if let Some(term) = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            condition = condition.add(search_condition(term));
        }
        condition
    }
}

/// An identifier match when the term is a valid identifier; otherwise a case-insensitive match
/// on either name, or on a case-system id.
///
/// The name match is `lower(person.<name>) LIKE '%<term>%'`: on PostgreSQL those expressions are
/// exactly the ones the trigram indexes of migration `m20261206_000006_person_name_trigram`
/// cover, so the planner answers the three alternatives with one `BitmapOr` (a trigram index
/// scan per name, and the primary key for the case-system id) instead of reading every person.
/// The case-system id is therefore compared as `person.id = (SELECT person_id …)`, a scalar
/// sub-select the database runs once (a case-system id belongs to one person at most:
/// `uq_person_identifier_kind_value`); `person.id IN (SELECT …)` inside the `OR` would be a
/// per-row filter that no index can serve, and would force a scan of `person`.
fn search_condition(term: &str) -> Condition {
    let identifier = |kind: IdentifierKind, value: String| {
        Query::select()
            .column(person_identifier::Column::PersonId)
            .from(person_identifier::Entity)
            .and_where(person_identifier::Column::Kind.eq(kind.code()))
            .and_where(person_identifier::Column::Value.eq(value))
            .to_owned()
    };
    if let Ok(nhs) = NhsNumber::parse("search", term) {
        return Condition::all().add(person::Column::Id.in_subquery(identifier(
            IdentifierKind::NhsNumber,
            nhs.as_str().to_owned(),
        )));
    }
    if let Ok(upn) = Upn::parse("search", term) {
        return Condition::any()
            .add(
                person::Column::Id
                    .in_subquery(identifier(IdentifierKind::Upn, upn.as_str().to_owned())),
            )
            .add(person::Column::Id.in_subquery(identifier(
                IdentifierKind::FormerUpn,
                upn.as_str().to_owned(),
            )));
    }
    let pattern = format!("%{}%", escape_like(&term.to_lowercase()));
    let name_like = |column: person::Column| {
        Expr::expr(Func::lower(Expr::col((person::Entity, column))))
            .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
    };
    Condition::any()
        .add(name_like(person::Column::GivenName))
        .add(name_like(person::Column::FamilyName))
        .add(
            Expr::col((person::Entity, person::Column::Id))
                .eq(identifier(IdentifierKind::CaseSystemId, term.to_owned())),
        )
}

fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
