//! Services directory records: services (Family Hubs included) and taxonomy terms.
//!
//! These are public directory data, about no child: each record is applied in its own small
//! transaction. Idempotency is by `source_record` (record key and content hash) and, beneath
//! it, by the natural keys of the tables (`service (source_system, source_id)`,
//! `taxonomy_term (source_system, code)`), so a directory re-read after its `source_record`
//! rows were lost still updates rather than duplicates.
//!
//! Decisions:
//! - A service's locations and taxonomy links are replaced as a whole when the service
//!   changes: the directory's full record is the truth.
//! - A location's LSOA code is kept as given; it links to the council's `lsoa` row of that
//!   code when there is one (that is how a service reaches an area and a locality).
//! - A service filed under a term the directory has not (yet) sent as a taxonomy term record
//!   gets a term row from what the service says of it (id, name, taxonomy); the term's own
//!   record later completes it.
//! - A Family Hub service is linked to the council's `family_hub` of the same name (ignoring
//!   case and surrounding spaces) when there is one; the directory never creates, renames or
//!   moves the council's Family Hubs, which are the council's reference data (with their
//!   area and opening date).
//! - A location's coordinates are kept only as a possible pair (both given, finite, latitude
//!   within ±90 and longitude within ±180 WGS84 degrees, as the database's checks require).
//!   Otherwise neither is kept, the rest of the service is applied, and a note says which
//!   location lost them and why, never the value. The Open Referral adapter leaves such
//!   coordinates out itself; this covers a record from any other adapter. The note is kept in
//!   the run beside the adapter's own notes (`adapter_note`), and logged as a warning with the
//!   run and the record's location (the reason names no value either). A service applied
//!   unchanged writes nothing and so notes nothing: its note is in the run that wrote it.
//! - Rejected: a service without a name, or with a minimum age above its maximum age.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use familygraph_adapter_sdk::{
    FieldNote, Located, Location, RecordKey, ServiceLocation, ServiceRecord, ServiceStatus,
    TaxonomyTermRecord,
};
use familygraph_store::entity::{
    family_hub, lsoa, service, service_location, service_taxonomy_term, taxonomy_term,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter,
};
use uuid::Uuid;

use super::source_record::{Ledger, content_hash, key};
use super::{Applied, RecordRejected};

/// The `source_record` entity type of a service.
const SERVICE: &str = "service";
/// The `source_record` entity type of a taxonomy term.
const TAXONOMY_TERM: &str = "taxonomy_term";

fn db_err(err: DbErr) -> RecordRejected {
    RecordRejected::database(&err)
}

/// The stored code of a service status.
pub fn status_code(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Active => "active",
        ServiceStatus::Inactive => "inactive",
        ServiceStatus::Defunct => "defunct",
        ServiceStatus::TemporarilyClosed => "temporarily_closed",
    }
}

/// Whether `key` was applied before with this content: `Some(id)` of its row if so.
async fn unchanged(
    txn: &DatabaseTransaction,
    ledger: &Ledger,
    key: &RecordKey,
    hash: &str,
    entity_type: &str,
) -> Result<Option<Uuid>, RecordRejected> {
    Ok(ledger
        .lookup(txn, key)
        .await
        .map_err(db_err)?
        .filter(|seen| seen.entity_type == entity_type && seen.content_hash == hash)
        .map(|seen| seen.entity_id))
}

fn trimmed(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Applies a directory's taxonomy term.
pub(crate) async fn apply_taxonomy_term(
    txn: &DatabaseTransaction,
    run_id: Uuid,
    located: &Located<TaxonomyTermRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let key = key(TAXONOMY_TERM, &rec.source);
    let hash = content_hash(rec);
    let ledger = Ledger::default();
    if let Some(id) = unchanged(txn, &ledger, &key, &hash, TAXONOMY_TERM).await? {
        return Ok(Applied::Unchanged(id));
    }
    let name = rec.name.trim();
    if name.is_empty() {
        return Err(RecordRejected("the taxonomy term has no name".to_owned()));
    }
    let system = rec.source.system.as_str();
    let parent_code = trimmed(rec.parent_id.as_deref()).filter(|p| *p != rec.source.id);
    let parent_id = match &parent_code {
        Some(code) => taxonomy_term::Entity::find()
            .filter(taxonomy_term::Column::SourceSystem.eq(system))
            .filter(taxonomy_term::Column::Code.eq(code.as_str()))
            .one(txn)
            .await
            .map_err(db_err)?
            .map(|parent| parent.id),
        None => None,
    };
    let existing = taxonomy_term::Entity::find()
        .filter(taxonomy_term::Column::SourceSystem.eq(system))
        .filter(taxonomy_term::Column::Code.eq(rec.source.id.as_str()))
        .one(txn)
        .await
        .map_err(db_err)?;
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: taxonomy_term::ActiveModel = row.into();
            active.vocabulary = Set(trimmed(rec.taxonomy.as_deref()));
            active.name = Set(name.to_owned());
            active.description = Set(trimmed(rec.description.as_deref()));
            active.parent_code = Set(parent_code.clone());
            active.parent_id = Set(parent_id);
            active.marks_family_hub = Set(rec.marks_family_hub);
            active.update(txn).await.map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            taxonomy_term::ActiveModel {
                id: Set(id),
                source_system: Set(system.to_owned()),
                code: Set(rec.source.id.clone()),
                vocabulary: Set(trimmed(rec.taxonomy.as_deref())),
                name: Set(name.to_owned()),
                description: Set(trimmed(rec.description.as_deref())),
                parent_code: Set(parent_code.clone()),
                parent_id: Set(parent_id),
                marks_family_hub: Set(rec.marks_family_hub),
            }
            .insert(txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    // Children that arrived before their parent now find it.
    taxonomy_term::Entity::update_many()
        .col_expr(taxonomy_term::Column::ParentId, Expr::value(id))
        .filter(taxonomy_term::Column::SourceSystem.eq(system))
        .filter(taxonomy_term::Column::ParentCode.eq(rec.source.id.as_str()))
        .filter(taxonomy_term::Column::ParentId.is_null())
        .exec(txn)
        .await
        .map_err(db_err)?;
    ledger
        .remember(txn, &key, TAXONOMY_TERM, id, None, &hash, run_id)
        .await
        .map_err(db_err)?;
    Ok(if updated {
        Applied::Updated(id)
    } else {
        Applied::Created(id)
    })
}

/// Applies a directory's service with its locations and taxonomy terms; with it, a note for
/// each value the intake left out of it (the record's own notes are the caller's to pass on).
pub(crate) async fn apply_service(
    txn: &DatabaseTransaction,
    run_id: Uuid,
    located: &Located<ServiceRecord>,
) -> Result<(Applied, Vec<FieldNote>), RecordRejected> {
    let rec = &located.record;
    let key = key(SERVICE, &rec.source);
    let hash = content_hash(rec);
    let ledger = Ledger::default();
    if let Some(id) = unchanged(txn, &ledger, &key, &hash, SERVICE).await? {
        return Ok((Applied::Unchanged(id), Vec::new()));
    }
    let name = rec.name.trim();
    if name.is_empty() {
        return Err(RecordRejected("name: the service has no name".to_owned()));
    }
    let ages = rec.eligibility;
    if let (Some(min), Some(max)) = (ages.minimum_age, ages.maximum_age)
        && min > max
    {
        return Err(RecordRejected(format!(
            "eligibility: minimum age {min} is above maximum age {max}"
        )));
    }
    let system = rec.source.system.as_str();
    let family_hub_id = if rec.family_hub {
        family_hub::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(family_hub::Column::Name)))
                    .eq(name.to_lowercase()),
            )
            .one(txn)
            .await
            .map_err(db_err)?
            .map(|hub| hub.id)
    } else {
        None
    };
    let existing = service::Entity::find()
        .filter(service::Column::SourceSystem.eq(system))
        .filter(service::Column::SourceId.eq(rec.source.id.as_str()))
        .one(txn)
        .await
        .map_err(db_err)?;
    let updated = existing.is_some();
    let now = Utc::now();
    let organisation = rec.organisation.as_ref();
    let fill = |active: &mut service::ActiveModel| {
        active.name = Set(name.to_owned());
        active.description = Set(trimmed(rec.description.as_deref()));
        active.status = Set(status_code(rec.status).to_owned());
        active.organisation_source_id = Set(organisation.and_then(|o| trimmed(Some(&o.source_id))));
        active.organisation_name = Set(organisation.and_then(|o| trimmed(Some(&o.name))));
        active.url = Set(trimmed(rec.url.as_deref()));
        active.email = Set(trimmed(rec.email.as_deref()));
        active.minimum_age = Set(ages.minimum_age.map(i32::from));
        active.maximum_age = Set(ages.maximum_age.map(i32::from));
        active.is_family_hub = Set(rec.family_hub);
        active.family_hub_id = Set(family_hub_id);
        active.last_modified = Set(rec.last_modified);
        active.updated_at = Set(now);
        active.last_run_id = Set(Some(run_id));
    };
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: service::ActiveModel = row.into();
            fill(&mut active);
            active.update(txn).await.map_err(db_err)?;
            // Locations and terms are replaced as a whole.
            service_location::Entity::delete_many()
                .filter(service_location::Column::ServiceId.eq(id))
                .exec(txn)
                .await
                .map_err(db_err)?;
            service_taxonomy_term::Entity::delete_many()
                .filter(service_taxonomy_term::Column::ServiceId.eq(id))
                .exec(txn)
                .await
                .map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            let mut active = service::ActiveModel {
                id: Set(id),
                source_system: Set(system.to_owned()),
                source_id: Set(rec.source.id.clone()),
                ..Default::default()
            };
            fill(&mut active);
            active.insert(txn).await.map_err(db_err)?;
            id
        }
    };
    let notes = apply_locations(txn, id, &located.location, rec).await?;
    apply_term_links(txn, id, rec).await?;
    ledger
        .remember(txn, &key, SERVICE, id, None, &hash, run_id)
        .await
        .map_err(db_err)?;
    for note in &notes {
        tracing::warn!(
            run_id = %run_id,
            location = %note.location,
            reason = %note.reason,
            "a value was left out of a service record"
        );
    }
    let applied = if updated {
        Applied::Updated(id)
    } else {
        Applied::Created(id)
    };
    Ok((applied, notes))
}

/// Why a location's coordinates were left out (naming no value).
const COORDINATES_LEFT_OUT: &str = "coordinates left out: latitude must be within ±90 and \
     longitude within ±180, both given";

/// Whether `latitude` and `longitude` (WGS84 degrees) are a place on the globe: both finite,
/// latitude within ±90 and longitude within ±180. `NaN` and the infinities are not.
fn on_the_globe(latitude: f64, longitude: f64) -> bool {
    latitude.is_finite()
        && longitude.is_finite()
        && (-90.0..=90.0).contains(&latitude)
        && (-180.0..=180.0).contains(&longitude)
}

/// What is stored of a location's coordinates.
enum Coordinates {
    /// The pair, given and on the globe; or `None`, neither given.
    Kept(Option<(f64, f64)>),
    /// One of the pair only, or a pair off the globe: neither is stored.
    LeftOut,
}

/// What is stored of `place`'s coordinates.
fn coordinates(place: &ServiceLocation) -> Coordinates {
    match (place.latitude, place.longitude) {
        (Some(latitude), Some(longitude)) if on_the_globe(latitude, longitude) => {
            Coordinates::Kept(Some((latitude, longitude)))
        }
        (None, None) => Coordinates::Kept(None),
        _ => Coordinates::LeftOut,
    }
}

/// Inserts the service's locations, linking each to the council's LSOA of its code; returns
/// a note (at the record's `location`) for each location whose coordinates were left out.
async fn apply_locations(
    txn: &DatabaseTransaction,
    service_id: Uuid,
    location: &Location,
    rec: &ServiceRecord,
) -> Result<Vec<FieldNote>, RecordRejected> {
    let mut notes = Vec::new();
    if rec.locations.is_empty() {
        return Ok(notes);
    }
    let codes: BTreeSet<String> = rec
        .locations
        .iter()
        .filter_map(|l| l.lsoa.as_ref().map(|c| c.as_str().to_owned()))
        .collect();
    let known: HashMap<String, Uuid> = if codes.is_empty() {
        HashMap::new()
    } else {
        lsoa::Entity::find()
            .filter(lsoa::Column::Code.is_in(codes))
            .all(txn)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|row| (row.code, row.id))
            .collect()
    };
    let mut rows = Vec::with_capacity(rec.locations.len());
    for (position, place) in rec.locations.iter().enumerate() {
        let pair = match coordinates(place) {
            Coordinates::Kept(pair) => pair,
            Coordinates::LeftOut => {
                notes.push(FieldNote {
                    location: location.clone(),
                    reason: format!("locations[{position}]: {COORDINATES_LEFT_OUT}"),
                });
                None
            }
        };
        let lsoa_code = place.lsoa.as_ref().map(|c| c.as_str().to_owned());
        rows.push(service_location::ActiveModel {
            id: Set(Uuid::now_v7()),
            service_id: Set(service_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            source_id: Set(place.source_id.clone()),
            name: Set(trimmed(place.name.as_deref())),
            postcode: Set(place.postcode.as_ref().map(|p| p.as_str().to_owned())),
            lsoa_id: Set(lsoa_code.as_ref().and_then(|c| known.get(c).copied())),
            lsoa_code: Set(lsoa_code),
            uprn: Set(trimmed(place.uprn.as_deref())),
            latitude: Set(pair.map(|(latitude, _)| latitude)),
            longitude: Set(pair.map(|(_, longitude)| longitude)),
        });
    }
    service_location::Entity::insert_many(rows)
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(notes)
}

/// Links the service to its taxonomy terms, creating a term row for a term not yet known.
async fn apply_term_links(
    txn: &DatabaseTransaction,
    service_id: Uuid,
    rec: &ServiceRecord,
) -> Result<(), RecordRejected> {
    let system = rec.source.system.as_str();
    let mut wanted: Vec<&familygraph_adapter_sdk::TaxonomyTermRef> = Vec::new();
    let mut seen = BTreeSet::new();
    for term in &rec.taxonomy_terms {
        if !term.source_id.trim().is_empty() && seen.insert(term.source_id.as_str()) {
            wanted.push(term);
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let mut ids: HashMap<String, Uuid> = taxonomy_term::Entity::find()
        .filter(taxonomy_term::Column::SourceSystem.eq(system))
        .filter(taxonomy_term::Column::Code.is_in(wanted.iter().map(|t| t.source_id.clone())))
        .all(txn)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|row| (row.code, row.id))
        .collect();
    let unknown: Vec<_> = wanted
        .iter()
        .filter(|t| !ids.contains_key(&t.source_id))
        .collect();
    let missing: Vec<taxonomy_term::ActiveModel> = unknown
        .into_iter()
        .map(|t| {
            let id = Uuid::now_v7();
            ids.insert(t.source_id.clone(), id);
            let name = trimmed(Some(&t.name)).unwrap_or_else(|| t.source_id.clone());
            taxonomy_term::ActiveModel {
                id: Set(id),
                source_system: Set(system.to_owned()),
                code: Set(t.source_id.clone()),
                vocabulary: Set(trimmed(t.taxonomy.as_deref())),
                name: Set(name),
                description: Set(None),
                parent_code: Set(None),
                parent_id: Set(None),
                marks_family_hub: Set(false),
            }
        })
        .collect();
    if !missing.is_empty() {
        taxonomy_term::Entity::insert_many(missing)
            .exec(txn)
            .await
            .map_err(db_err)?;
    }
    let links = wanted.iter().enumerate().filter_map(|(position, term)| {
        ids.get(&term.source_id)
            .map(|term_id| service_taxonomy_term::ActiveModel {
                id: Set(Uuid::now_v7()),
                service_id: Set(service_id),
                taxonomy_term_id: Set(*term_id),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            })
    });
    service_taxonomy_term::Entity::insert_many(links)
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}
