//! The case system's delivery target: contacts recorded in familygraph and the support
//! partners recorded, as the case system needs them (its own ids when familygraph has them).
//!
//! The payload ([`CaseSystemEvents`]) is documented in `docs/adapters.md` ("Outbound to the
//! case system"). Every record in it carries `familygraphId` and `caseSystemId` (`null` when
//! familygraph does not know the case system's id): for the child, the id comes from the
//! `source_record` mapping of the configured source system (the case system's records imported
//! under that name), else the child's `CASE_SYSTEM_ID` identifier.

use std::sync::Arc;

use familygraph_adapter_liquidlogic::outbound::{
    DropFileAdapter, DropFileConfig, StagingTableAdapter, StagingTableConfig,
};
use familygraph_adapter_sdk::{DeliveryAdapter, OutboundEvent, RecordKey, SourceRef, async_trait};
use familygraph_store::entity::{
    agency, contact, family, outbox_event, partner_record, person, person_identifier, source_record,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::settings::{CaseSystemOutput, DeliverySettings};
use super::{BuildError, DeliveryTarget, EventBuilder, EventFilter, familygraph_key};

/// The case system's target from the settings, if one is configured.
pub fn target(settings: &DeliverySettings) -> Result<Option<DeliveryTarget>, String> {
    let name = settings.target_name.clone();
    let adapter: Arc<dyn DeliveryAdapter> = match &settings.case_system {
        CaseSystemOutput::Off => return Ok(None),
        CaseSystemOutput::DropFiles { directory } => Arc::new(
            DropFileAdapter::new(DropFileConfig {
                name: name.clone(),
                directory: directory.clone(),
            })
            .map_err(|e| e.to_string())?,
        ),
        CaseSystemOutput::StagingTable { url, table, create } => Arc::new(
            StagingTableAdapter::new(StagingTableConfig {
                name: name.clone(),
                url: url.clone(),
                table: table.clone(),
                create_table: *create,
            })
            .map_err(|e| e.to_string())?,
        ),
    };
    Ok(Some(
        DeliveryTarget::new(name, EventFilter::only(settings.events.clone()), adapter)
            .with_builder(Arc::new(CaseSystemEvents {
                source_system: settings.source_system.clone(),
            })),
    ))
}

/// Builds the case system's events from familygraph's records.
#[derive(Debug, Clone, Default)]
pub struct CaseSystemEvents {
    /// The source system name of the case system's imported records.
    pub source_system: Option<String>,
}

#[async_trait]
impl EventBuilder for CaseSystemEvents {
    async fn build(
        &self,
        db: &DatabaseConnection,
        event: &outbox_event::Model,
    ) -> Result<OutboundEvent, BuildError> {
        let recorded: Value = serde_json::from_str(&event.payload)
            .map_err(|_| BuildError::Unbuildable("outbox payload is not JSON".to_owned()))?;
        let mut payload = match event.aggregate_type.as_str() {
            "Contact" => self.contact(db, event.aggregate_id, &recorded).await?,
            "PartnerRecord" => self.partner_record(db, event.aggregate_id).await?,
            _ => recorded,
        };
        if let Some(object) = payload.as_object_mut() {
            object.insert("eventId".to_owned(), event.id.to_string().into());
        }
        let subject = self
            .case_system_key(db, &event.aggregate_type, event.aggregate_id)
            .await?
            .unwrap_or_else(|| familygraph_key(&event.aggregate_type, event.aggregate_id));
        Ok(OutboundEvent {
            event_type: event.event_type.clone(),
            subject: Some(subject),
            occurred_at: event.occurred_at,
            payload,
        })
    }
}

impl CaseSystemEvents {
    async fn contact(
        &self,
        db: &DatabaseConnection,
        id: Uuid,
        recorded: &Value,
    ) -> Result<Value, BuildError> {
        let contact = contact::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| BuildError::Unbuildable(format!("contact {id} no longer exists")))?;
        let mut child = self.person(db, contact.person_id).await?;
        if let (Some(object), Some(new)) = (child.as_object_mut(), recorded.get("newChild")) {
            object.insert("newToFamilygraph".to_owned(), new.clone());
        }
        Ok(json!({
            "contact": {
                "familygraphId": contact.id,
                "caseSystemId": self.case_system_id(db, "contact", contact.id).await?,
                "receivedAt": contact.received_at,
                "source": contact.source,
                "presentingConcern": contact.presenting_concern,
                "recordedBy": contact.recorded_by,
            },
            "child": child,
            "family": self.family(db, contact.family_id).await?,
        }))
    }

    async fn partner_record(&self, db: &DatabaseConnection, id: Uuid) -> Result<Value, BuildError> {
        let record = partner_record::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| {
                BuildError::Unbuildable(format!("partner record {id} no longer exists"))
            })?;
        let agency = agency::Entity::find_by_id(record.agency_id).one(db).await?;
        let child = match record.person_id {
            Some(person) => self.person(db, person).await?,
            None => Value::Null,
        };
        Ok(json!({
            "partnerRecord": {
                "familygraphId": record.id,
                "caseSystemId": self.case_system_id(db, "partner_record", record.id).await?,
                "kind": record.kind,
                "description": record.description,
                "occurredOn": record.occurred_on,
                "lawfulBasis": record.lawful_basis,
                "recordedBy": record.recorded_by,
                "contactFamilygraphId": record.contact_id,
                "recordedAt": record.created_at,
            },
            "agency": agency.map(|a| json!({
                "familygraphId": a.id,
                "name": a.name,
                "kind": a.kind,
                "urn": a.urn,
                "odsCode": a.ods_code,
            })),
            "child": child,
            "family": self.family(db, record.family_id).await?,
        }))
    }

    /// The child as the case system needs to match them.
    async fn person(&self, db: &DatabaseConnection, id: Uuid) -> Result<Value, BuildError> {
        let person = person::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| BuildError::Unbuildable(format!("person {id} no longer exists")))?;
        let identifiers = person_identifier::Entity::find()
            .filter(person_identifier::Column::PersonId.eq(id))
            .order_by_asc(person_identifier::Column::Kind)
            .all(db)
            .await?;
        let first = |kind: &str| {
            identifiers
                .iter()
                .find(|i| i.kind == kind)
                .map(|i| i.value.clone())
        };
        let case_system_id = match self.case_system_id(db, "person", id).await? {
            Some(id) => Some(id),
            None => first("CASE_SYSTEM_ID"),
        };
        Ok(json!({
            "familygraphId": person.id,
            "caseSystemId": case_system_id,
            "nhsNumber": first("NHS_NUMBER"),
            "upn": first("UPN"),
            "givenName": person.given_name,
            "familyName": person.family_name,
            "dateOfBirth": person.date_of_birth,
            "expectedDateOfBirth": person.expected_date_of_birth,
            "sex": person.sex,
        }))
    }

    async fn family(&self, db: &DatabaseConnection, id: Option<Uuid>) -> Result<Value, BuildError> {
        let Some(id) = id else { return Ok(Value::Null) };
        let Some(family) = family::Entity::find_by_id(id).one(db).await? else {
            return Ok(Value::Null);
        };
        Ok(json!({
            "familygraphId": family.id,
            "caseSystemId": self.case_system_id(db, "family", family.id).await?,
            "name": family.name,
        }))
    }

    /// The case system's id of familygraph row `id` of table `entity_type`, from the
    /// `source_record` mapping of the configured source system.
    async fn case_system_id(
        &self,
        db: &DatabaseConnection,
        entity_type: &str,
        id: Uuid,
    ) -> Result<Option<String>, BuildError> {
        let Some(system) = &self.source_system else {
            return Ok(None);
        };
        Ok(source_record::Entity::find()
            .filter(source_record::Column::SourceSystem.eq(system.clone()))
            .filter(source_record::Column::EntityType.eq(entity_type))
            .filter(source_record::Column::EntityId.eq(id))
            .order_by_asc(source_record::Column::SourceId)
            .one(db)
            .await?
            .map(|row| row.source_id))
    }

    /// The event's subject in the case system's terms, when it came from there.
    async fn case_system_key(
        &self,
        db: &DatabaseConnection,
        aggregate_type: &str,
        id: Uuid,
    ) -> Result<Option<RecordKey>, BuildError> {
        let entity_type = match aggregate_type {
            "Contact" => "contact",
            "PartnerRecord" => "partner_record",
            _ => return Ok(None),
        };
        let (Some(system), Some(source_id)) = (
            self.source_system.clone(),
            self.case_system_id(db, entity_type, id).await?,
        ) else {
            return Ok(None);
        };
        Ok(Some(RecordKey {
            kind: entity_type.to_owned(),
            source: SourceRef::new(system, source_id),
        }))
    }
}
