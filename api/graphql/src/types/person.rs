//! People: children and the adults in their lives.

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::NaiveDate;
use familygraph_domain::{
    Disability, Ethnicity, IdentifierKind, InvolvementRole, LevelOfNeed, RelationshipKind,
    SendStatus, Sex,
};
use familygraph_store::entity::{
    address, agency_link, assessment, contact, cp_conference, family_help_episode, family_member,
    involvement, person, person_disability, person_identifier, plan, practitioner, referral,
    relationship, section47_enquiry, strategy_discussion, visit,
};

use familygraph_store::entity::{information_share, partner_record, team};

use super::agency::AgencyLink;
use super::casework::{
    Assessment, ChildProtectionConference, Contact, FamilyHelpEpisode, Involvement, Referral,
    Section47Enquiry, Visit,
};
use super::child_protection::StrategyDiscussion;
use super::family::FamilyMember;
use super::information_share::InformationShare;
use super::partner::PartnerRecord;
use super::place::Lsoa;
use super::plan::Plan;
use super::team::Practitioner;
use super::{stored, stored_opt};
use crate::context::{RequestContext, request};
use crate::error::ApiResult;
use crate::global_id;

/// A child, or an adult in a child's life (parent, carer, relative). Reading a person is audited.
#[derive(Clone)]
pub struct Person(pub(crate) person::Model);

impl Person {
    /// Wraps a person the caller may see, and records the read in the audit trail.
    pub(crate) fn read(rc: &RequestContext, model: person::Model) -> Self {
        rc.record_read("Person", model.id);
        Self(model)
    }
}

/// One of a person's identifiers.
#[derive(SimpleObject)]
pub struct PersonIdentifier {
    /// Which identifier this is.
    pub kind: IdentifierKind,
    /// Its value, normalised (NHS number as 10 digits, UPN in capitals).
    pub value: String,
}

/// A person's address over a period, with the LSOA it lies in.
#[derive(Clone)]
pub struct Address(pub(crate) address::Model);

/// How one person is related to another.
#[derive(Clone)]
pub struct Relationship(pub(crate) relationship::Model);

#[Object]
impl Person {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id::encode("Person", self.0.id)
    }
    /// Given name.
    async fn given_name(&self) -> &str {
        &self.0.given_name
    }
    /// Family name.
    async fn family_name(&self) -> &str {
        &self.0.family_name
    }
    /// Date of birth, when born.
    async fn date_of_birth(&self) -> Option<NaiveDate> {
        self.0.date_of_birth
    }
    /// Expected date of birth, for an unborn child.
    async fn expected_date_of_birth(&self) -> Option<NaiveDate> {
        self.0.expected_date_of_birth
    }
    /// Age in whole years today, when the date of birth is known.
    async fn age_in_years(&self) -> Option<u32> {
        let born = self.0.date_of_birth?;
        chrono::Utc::now().date_naive().years_since(born)
    }
    /// Sex (CIN census 2024/25 codes M, F, U).
    async fn sex(&self) -> ApiResult<Sex> {
        stored("sex", &self.0.sex, Sex::from_code)
    }
    /// Ethnicity (DfE code), if recorded.
    async fn ethnicity(&self) -> ApiResult<Option<Ethnicity>> {
        stored_opt(
            "ethnicity",
            self.0.ethnicity.as_deref(),
            Ethnicity::from_code,
        )
    }
    /// Special educational needs status.
    async fn send_status(&self) -> ApiResult<Option<SendStatus>> {
        stored("send_status", &self.0.send_status, SendStatus::from_code).map(Some)
    }
    /// Current level of need on the continuum (1 universal … 4 acute), for children.
    async fn level_of_need(&self) -> ApiResult<Option<LevelOfNeed>> {
        let code = self.0.level_of_need.map(|level| level.to_string());
        stored_opt("level_of_need", code.as_deref(), LevelOfNeed::from_code)
    }
    /// Whether this person is a child (under 18, or unborn).
    async fn is_child(&self) -> bool {
        self.0.is_child
    }
    /// Typed identifiers: case-system id, NHS number, UPN, former UPNs, UPN-unknown reason.
    async fn identifiers(&self, ctx: &Context<'_>) -> ApiResult<Vec<PersonIdentifier>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<person_identifier::Entity>(person_identifier::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.into_iter()
            .map(|row| {
                Ok(PersonIdentifier {
                    kind: stored("identifier kind", &row.kind, IdentifierKind::from_code)?,
                    value: row.value,
                })
            })
            .collect()
    }
    /// Disabilities (DfE codes).
    async fn disabilities(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Disability>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<person_disability::Entity>(person_disability::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.iter()
            .map(|row| stored("disability", &row.code, Disability::from_code))
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }
    /// Address history, oldest first.
    async fn addresses(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Address>>> {
        let mut rows = request(ctx)?
            .loaders
            .has_many::<address::Entity>(address::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|row| row.started_on);
        Ok(Some(rows.into_iter().map(Address).collect()))
    }
    /// The current address (the one with no end date), if any.
    async fn current_address(&self, ctx: &Context<'_>) -> ApiResult<Option<Address>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<address::Entity>(address::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter(|row| row.ended_on.is_none())
            .max_by_key(|row| row.started_on)
            .map(Address))
    }
    /// The families (households, case groups) this person belongs to, with their role in each.
    async fn families(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<FamilyMember>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<family_member::Entity>(family_member::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(FamilyMember).collect()))
    }
    /// Relationships from this person to others (parents, siblings, carers...).
    async fn relationships(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Relationship>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<relationship::Entity>(relationship::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Relationship).collect()))
    }
    /// Practitioners allocated to this child; by default only current allocations.
    async fn involvements(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = true, desc = "Only allocations that have not ended.")] current: bool,
    ) -> ApiResult<Option<Vec<Involvement>>> {
        let rows = involvements_of(request(ctx)?, self.0.id).await?;
        Ok(Some(
            rows.into_iter()
                .filter(|row| !current || row.ended_on.is_none())
                .map(Involvement)
                .collect(),
        ))
    }
    /// The child's current Family Help lead practitioner: the one who stays with the family,
    /// including through child protection.
    async fn lead_practitioner(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        let rc = request(ctx)?;
        Ok(current_lead(rc, self.0.id).await?.map(Practitioner))
    }
    /// What a partner such as a school may know about the child: whether a Family Help lead
    /// practitioner is allocated and how to reach them, and whether a plan is open — nothing
    /// else. The school partner view.
    async fn partner_view(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerView>> {
        let rc = request(ctx)?;
        let lead = current_lead(rc, self.0.id).await?;
        let team = match &lead {
            None => None,
            Some(practitioner) => lead_team(rc, self.0.id, practitioner.id).await?,
        };
        let has_open_plan = rc
            .derived
            .has_many::<plan::Entity>(plan::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .iter()
            .any(|row| row.ended_on.is_none());
        Ok(Some(PartnerView {
            person_id: self.0.id,
            lead: lead.map(|practitioner| LeadPractitionerContact { practitioner, team }),
            has_open_plan,
        }))
    }
    /// How many times the Family Help lead practitioner has changed (hand-offs): ended lead
    /// allocations with a change reason, other than those ended by the episode closing — the
    /// same definition the `handOffs` measure counts.
    async fn lead_practitioner_changes(&self, ctx: &Context<'_>) -> ApiResult<Option<usize>> {
        let rows = involvements_of(request(ctx)?, self.0.id).await?;
        Ok(Some(
            rows.iter()
                .filter(|row| {
                    row.role == InvolvementRole::FamilyHelpLead.code()
                        && row.ended_on.is_some()
                        && row.change_reason.as_deref().is_some_and(|reason| {
                            reason != familygraph_store::measures::EPISODE_CLOSED
                        })
                })
                .count(),
        ))
    }
    /// Plans for this child; `open: true` for current plans only.
    async fn plans(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "true: open plans only; false: ended plans only; omitted: all.")]
        open: Option<bool>,
    ) -> ApiResult<Option<Vec<Plan>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<plan::Entity>(plan::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(
            rows.into_iter()
                .filter(|row| open.is_none_or(|open| open == row.ended_on.is_none()))
                .map(Plan)
                .collect(),
        ))
    }
    /// Front-door contacts about this child.
    async fn contacts(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Contact>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<contact::Entity>(contact::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Contact).collect()))
    }
    /// Referrals (starts of child-in-need episodes).
    async fn referrals(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Referral>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<referral::Entity>(referral::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Referral).collect()))
    }
    /// Family Help episodes (targeted early help or child in need).
    async fn family_help_episodes(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<FamilyHelpEpisode>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<family_help_episode::Entity>(family_help_episode::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(FamilyHelpEpisode).collect()))
    }
    /// Single assessments.
    async fn assessments(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Assessment>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<assessment::Entity>(assessment::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Assessment).collect()))
    }
    /// Child protection strategy discussions, oldest first.
    async fn strategy_discussions(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<StrategyDiscussion>>> {
        let mut rows = request(ctx)?
            .loaders
            .has_many::<strategy_discussion::Entity>(strategy_discussion::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        rows.sort_by_key(|row| (row.held_on, row.created_at));
        Ok(Some(rows.into_iter().map(StrategyDiscussion).collect()))
    }
    /// Section 47 enquiries.
    async fn section47_enquiries(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<Section47Enquiry>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<section47_enquiry::Entity>(section47_enquiry::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Section47Enquiry).collect()))
    }
    /// Initial child protection conferences.
    async fn child_protection_conferences(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<ChildProtectionConference>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<cp_conference::Entity>(cp_conference::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(
            rows.into_iter().map(ChildProtectionConference).collect(),
        ))
    }
    /// Visits to the child.
    async fn visits(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<Visit>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<visit::Entity>(visit::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(Visit).collect()))
    }
    /// What partner agencies recorded about the person (concerns and support), as far as the
    /// caller may see: a school sees only its own records.
    async fn partner_records(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<PartnerRecord>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<partner_record::Entity>(partner_record::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(PartnerRecord).collect()))
    }
    /// School attendance, per school and period (term, half term or year so far), oldest
    /// first: sessions possible and missed, percentages, the DfE persistent absence flag.
    /// Every school's records, for those the policy grants `education_records` (the child's
    /// Family Help team, social worker, MACPT); a school sees its own in `partnerView`.
    async fn attendance(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<super::education::SchoolAttendance>>> {
        super::education::attendance_of(request(ctx)?, self.0.id)
            .await
            .map(Some)
    }
    /// Suspensions and permanent exclusions from every school, oldest first, with the DfE
    /// reasons; class `education_records` like `attendance`.
    async fn suspensions(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<super::education::SchoolSuspension>>> {
        super::education::suspensions_of(request(ctx)?, self.0.id)
            .await
            .map(Some)
    }
    /// Decisions to share information about the person with other agencies, or to withhold it
    /// (with the lawful basis and reason), as far as the caller may see.
    async fn information_shares(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<InformationShare>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<information_share::Entity>(information_share::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(InformationShare).collect()))
    }
    /// Who looked at this person: the audit trail of reads and writes of their record, oldest
    /// first. Only for auditors and administrators (`FORBIDDEN` for anyone else); asking is itself
    /// audited as a read of the person.
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (default 20, at most 100).")] first: Option<i32>,
        #[graphql(desc = "Cursor to start after.")] after: Option<String>,
    ) -> ApiResult<Option<crate::pagination::Page<super::audit::AuditEvent>>> {
        super::audit::access_log(ctx, "Person", self.0.id, first, after)
            .await
            .map(Some)
    }
    /// Partner agencies linked to this person (the school roll, a GP practice...).
    async fn agency_links(&self, ctx: &Context<'_>) -> ApiResult<Option<Vec<AgencyLink>>> {
        let rows = request(ctx)?
            .loaders
            .has_many::<agency_link::Entity>(agency_link::Column::PersonId)
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Some(rows.into_iter().map(AgencyLink).collect()))
    }
}

async fn involvements_of(
    rc: &RequestContext,
    person_id: uuid::Uuid,
) -> ApiResult<Vec<involvement::Model>> {
    involvements_through(&rc.loaders, person_id).await
}

/// The child's current Family Help lead practitioner, read past field classes (the calling
/// field's class has been checked).
async fn current_lead(
    rc: &RequestContext,
    person_id: uuid::Uuid,
) -> ApiResult<Option<practitioner::Model>> {
    let lead = involvements_through(&rc.derived, person_id)
        .await?
        .into_iter()
        .find(|row| row.ended_on.is_none() && row.role == InvolvementRole::FamilyHelpLead.code());
    match lead {
        None => Ok(None),
        Some(row) => Ok(rc
            .loaders
            .by_id::<practitioner::Entity>()
            .load_one(row.practitioner_id)
            .await?),
    }
}

/// The team of the child's open lead involvement with `practitioner_id`.
async fn lead_team(
    rc: &RequestContext,
    person_id: uuid::Uuid,
    practitioner_id: uuid::Uuid,
) -> ApiResult<Option<team::Model>> {
    let team_id = involvements_through(&rc.derived, person_id)
        .await?
        .into_iter()
        .find(|row| {
            row.ended_on.is_none()
                && row.practitioner_id == practitioner_id
                && row.role == InvolvementRole::FamilyHelpLead.code()
        })
        .and_then(|row| row.team_id);
    match team_id {
        None => Ok(None),
        Some(id) => Ok(rc.loaders.by_id::<team::Entity>().load_one(id).await?),
    }
}

/// What a partner may know about a child (see `Person.partnerView`).
pub struct PartnerView {
    person_id: uuid::Uuid,
    lead: Option<LeadPractitionerContact>,
    has_open_plan: bool,
}

#[Object]
impl PartnerView {
    /// Whether a Family Help lead practitioner is allocated to the child now.
    async fn lead_practitioner_allocated(&self) -> bool {
        self.lead.is_some()
    }
    /// How to reach the lead practitioner, when one is allocated.
    async fn lead_practitioner(&self) -> Option<&LeadPractitionerContact> {
        self.lead.as_ref()
    }
    /// Whether the child has an open plan (of any kind; the kind is not shared).
    async fn has_open_plan(&self) -> bool {
        self.has_open_plan
    }
    /// The child's attendance as the caller's own school reported it (a school sees only its
    /// own records, for pupils on its roll; a caller granted `education_records` sees every
    /// school's, as in `Person.attendance`; anyone else an empty list).
    async fn attendance(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<super::education::SchoolAttendance>>> {
        super::education::attendance_of(request(ctx)?, self.person_id)
            .await
            .map(Some)
    }
    /// The child's suspensions and exclusions as the caller's own school reported them (the
    /// same rows rule as `attendance`).
    async fn suspensions(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Option<Vec<super::education::SchoolSuspension>>> {
        super::education::suspensions_of(request(ctx)?, self.person_id)
            .await
            .map(Some)
    }
}

/// A lead practitioner's name and work contact details, for partners.
pub struct LeadPractitionerContact {
    practitioner: practitioner::Model,
    team: Option<team::Model>,
}

#[Object]
impl LeadPractitionerContact {
    /// The practitioner's name.
    async fn name(&self) -> String {
        format!(
            "{} {}",
            self.practitioner.given_name, self.practitioner.family_name
        )
    }
    /// Work email address, if recorded.
    async fn email(&self) -> Option<&str> {
        self.practitioner.email.as_deref()
    }
    /// The practitioner's team, if the allocation names one.
    async fn team_name(&self) -> Option<&str> {
        self.team.as_ref().map(|t| t.name.as_str())
    }
}

/// The person's involvements through `loaders` (the request's, or its `derived` ones).
async fn involvements_through(
    loaders: &crate::loaders::Loaders,
    person_id: uuid::Uuid,
) -> ApiResult<Vec<involvement::Model>> {
    Ok(loaders
        .has_many::<involvement::Entity>(involvement::Column::PersonId)
        .load_one(person_id)
        .await?
        .unwrap_or_default())
}

#[Object]
impl Address {
    /// First line.
    async fn line1(&self) -> &str {
        &self.0.line1
    }
    /// Town.
    async fn town(&self) -> &str {
        &self.0.town
    }
    /// Postcode.
    async fn postcode(&self) -> &str {
        &self.0.postcode
    }
    /// Lived here from.
    async fn started_on(&self) -> NaiveDate {
        self.0.started_on
    }
    /// Lived here until (none: current).
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// The LSOA the address lies in, with its deprivation deciles.
    async fn lsoa(&self, ctx: &Context<'_>) -> ApiResult<Option<Lsoa>> {
        let Some(code) = &self.0.lsoa_code else {
            return Ok(None);
        };
        Ok(request(ctx)?
            .loaders
            .by_text::<familygraph_store::entity::lsoa::Entity>(
                familygraph_store::entity::lsoa::Column::Code,
            )
            .load_one(code.clone())
            .await?
            .map(Lsoa))
    }
}

#[Object]
impl Relationship {
    /// What the related person is to this person.
    async fn kind(&self) -> ApiResult<RelationshipKind> {
        stored(
            "relationship kind",
            &self.0.kind,
            RelationshipKind::from_code,
        )
    }
    /// Whether the related person holds parental responsibility for this person.
    async fn parental_responsibility(&self) -> bool {
        self.0.parental_responsibility
    }
    /// Since.
    async fn started_on(&self) -> Option<NaiveDate> {
        self.0.started_on
    }
    /// Until.
    async fn ended_on(&self) -> Option<NaiveDate> {
        self.0.ended_on
    }
    /// The related person (absent if outside the caller's scope).
    async fn related_person(&self, ctx: &Context<'_>) -> ApiResult<Option<Person>> {
        let rc = request(ctx)?;
        Ok(rc
            .loaders
            .by_id::<person::Entity>()
            .load_one(self.0.related_person_id)
            .await?
            .map(|model| Person::read(rc, model)))
    }
}
