//! Row scope of schools' pupil records — attendance summaries and suspensions — which intake
//! brings in from each school's MIS.
//!
//! Like partner records, they are filtered row by row: about a child the caller reaches, and
//! - from any school, when the caller sees [`FieldClass::EducationRecords`] (the child's
//!   Family Help team, social worker, lead child protection practitioner, MACPT, assurance);
//! - otherwise only from the caller's own school (its URN on the token), when the policy lets
//!   the caller see the partner view's `attendance` / `suspensions` fields — a school sees what
//!   it reported itself about the pupils on its roll, never another school's rows.
//!
//! Anyone else matches no row. Nothing is fetched and then dropped.

use familygraph_domain::{AgencyKind, FieldClass, RecordScope};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition};

use crate::entity::{agency, attendance_summary, school_suspension};
use crate::scope::{Scoped, nothing, persons, unless_hidden};

/// The rows of a school record type (`record` as the policy names it) the caller sees:
/// `person_id` is the pupil's column, `agency_id` the school's; `own_field` is the partner
/// view's field (`PartnerView.attendance`) through which a school sees its own rows.
fn school_rows<C: ColumnTrait>(
    scope: &RecordScope,
    record: &str,
    own_field: &str,
    person_id: C,
    agency_id: C,
) -> Condition {
    let source = if scope.sees(FieldClass::EducationRecords) {
        Condition::all()
    } else if !scope.hides(own_field) && !scope.own_agency().is_empty() {
        Condition::all().add(
            agency_id.in_subquery(
                Query::select()
                    .column(agency::Column::Id)
                    .from(agency::Entity)
                    .and_where(agency::Column::Kind.eq(AgencyKind::School.code()))
                    .and_where(agency::Column::Urn.is_in(scope.own_agency().to_vec()))
                    .to_owned(),
            ),
        )
    } else {
        return nothing();
    };
    unless_hidden(
        scope,
        record,
        Condition::all().add(persons(scope, person_id)).add(source),
    )
}

impl Scoped for attendance_summary::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        school_rows(
            scope,
            "SchoolAttendance",
            "PartnerView.attendance",
            attendance_summary::Column::PersonId,
            attendance_summary::Column::AgencyId,
        )
    }
}

impl Scoped for school_suspension::Entity {
    fn scope_condition(scope: &RecordScope) -> Condition {
        school_rows(
            scope,
            "SchoolSuspension",
            "PartnerView.suspensions",
            school_suspension::Column::PersonId,
            school_suspension::Column::AgencyId,
        )
    }
}
