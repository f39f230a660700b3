//! Case work from a children's social care case system: contacts, episodes, assessments (and
//! section 47 enquiries and initial conferences), plans, involvements and professionals.
//!
//! Each record becomes the rows a practitioner's mutation would have written, checked with the
//! same domain rules (`familygraph_domain::workflow::rules`: an end before its start, a date in
//! the future) and the same code lists, but without the outbox events and the rules that
//! govern *new* work (one open episode per child, a conference before a plan): an import
//! records what the case system already holds.
//!
//! | record | rows |
//! |---|---|
//! | `Contact` | `contact` (received at midnight UTC of its date; `source` `10` when unknown; the outcome verbatim in `triage_reason`, mapped to a triage decision when it says one) |
//! | `Episode`, early help | `family_help_episode` (`TARGETED_EARLY_HELP`) in the child's family (one is created when the child has none) |
//! | `Episode`, child in need | `family_help_episode` (`CHILD_IN_NEED`) and its `referral`, which has the **same id** and `referral_on` = the episode's start |
//! | `Assessment`, child and family | `assessment` + `assessment_factor`, in the named episode (or the child's episode covering its start) |
//! | `Assessment`, section 47 | `section47_enquiry` (outcome mapped to a `Section47Outcome`, lead practitioner = the worker) |
//! | `Assessment`, initial conference | `cp_conference`, linked to the child's latest enquiry started by then |
//! | `CasePlan` | `plan` (`CHILD_IN_NEED` or `CHILD_PROTECTION`, categories of abuse) and a `plan_review` per review date |
//! | `Involvement` | `involvement` (role mapped to an `InvolvementRole`) |
//! | `Professional` | `practitioner` of the local authority's agency (+ `team_membership` when the team is known by name) |

use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use familygraph_adapter_sdk::{
    AssessmentKind, AssessmentRecord, CasePlanKind, CasePlanRecord, ContactRecord, EpisodeKind,
    EpisodeRecord, InvolvementRecord, Located, ProfessionalRecord, SourceRef,
};
use familygraph_domain::calendar::uk_today;
use familygraph_domain::workflow::UserError;
use familygraph_domain::workflow::rules::{
    check_case_date, check_ends_after, check_follow_up_date,
};
use familygraph_domain::{
    AgencyKind, FamilyHelpLevel, FamilyRole, InvolvementRole, PlanKind, PractitionerRole,
    ReferralSource, Section47Outcome, TriageDecision,
};
use familygraph_store::entity::{
    agency, assessment, assessment_factor, contact, cp_conference, family, family_help_episode,
    family_member, involvement, person, plan, plan_review, practitioner, referral,
    section47_enquiry, team, team_membership,
};
use familygraph_store::workflow::front_door::covering_team;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait,
    ModelTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::source_record::{Ledger, Step, begin_record, begin_record_in, key};
use super::{Applied, ChildContext, RecordRejected};

/// How many days before birth work about a child may start: pre-birth referrals, assessments
/// and plans are made during pregnancy.
pub(crate) const PRE_BIRTH_DAYS: i64 = 280;

/// The text stored as a contact's presenting concern when the source does not record one.
pub(crate) const CONCERN_NOT_RECORDED: &str = "not recorded by the source system";

/// The outcome stored for a plan review the source gives only the date of (the CIN census
/// `CPPreviewDate`).
pub(crate) const REVIEW_NOT_RECORDED: &str =
    "review held; outcome not recorded by the source system";

/// A database failure inside a record function: counted against the record only when the
/// database still answers (the core checks).
pub(crate) fn db_err(err: DbErr) -> RecordRejected {
    RecordRejected::database(&err)
}

/// The first user error as a rejection: `field: message`.
fn rejected(errors: Vec<UserError>) -> Result<(), RecordRejected> {
    match errors.into_iter().next() {
        None => Ok(()),
        Some(error) => Err(RecordRejected(format!(
            "{}: {}",
            error.field.last().map_or("", String::as_str),
            error.message
        ))),
    }
}

/// The child's row (read once per child transaction).
pub(crate) async fn child(cx: &ChildContext<'_>) -> Result<person::Model, RecordRejected> {
    let cached = cx
        .child_row
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some(row) = cached.filter(|row| row.id == cx.person_id) {
        return Ok(row);
    }
    let row = person::Entity::find_by_id(cx.person_id)
        .one(cx.txn)
        .await
        .map_err(db_err)?
        .ok_or_else(|| RecordRejected(format!("child {} is not on record", cx.person_id)))?;
    *cx.child_row
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(row.clone());
    Ok(row)
}

/// The domain's date rules for a record of the child: `start` (and `end`, when given) not in
/// the future, not long before birth, and `end` not before `start`.
pub(crate) fn check_dates(
    child: &person::Model,
    start: (&str, NaiveDate),
    end: Option<(&str, NaiveDate)>,
) -> Result<(), RecordRejected> {
    let today = uk_today();
    let earliest = child
        .date_of_birth
        .map(|born| born - Duration::days(PRE_BIRTH_DAYS));
    let mut errors = check_case_date(start.0, start.1, None, today);
    if let Some(earliest) = earliest
        && start.1 < earliest
    {
        return Err(RecordRejected(format!(
            "{}: {} is more than {PRE_BIRTH_DAYS} days before the child's date of birth",
            start.0, start.1
        )));
    }
    if let Some((field, ended)) = end {
        errors.extend(check_ends_after(field, ended, start.1));
        errors.extend(check_case_date(field, ended, None, today));
    }
    rejected(errors)
}

/// A team by its name (as case systems give teams), if familygraph has exactly that team.
pub(crate) async fn team_named(
    txn: &DatabaseTransaction,
    name: Option<&str>,
) -> Result<Option<Uuid>, RecordRejected> {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    Ok(team::Entity::find()
        .filter(team::Column::Name.eq(name))
        .order_by_asc(team::Column::Code)
        .one(txn)
        .await
        .map_err(db_err)?
        .map(|t| t.id))
}

/// The practitioner a professional record of the source became, if it was applied.
async fn practitioner_of(
    cx: &ChildContext<'_>,
    professional: &SourceRef,
) -> Result<Option<Uuid>, RecordRejected> {
    let seen = cx
        .ledger
        .lookup(cx.txn, &key("professional", professional))
        .await
        .map_err(db_err)?;
    Ok(seen
        .filter(|s| s.entity_type == "practitioner")
        .map(|s| s.entity_id))
}

/// The Family Help episode an episode record of the same child became. `Ok(None)` when the
/// record names no episode; a named episode that was never applied is a rejection.
async fn episode_of(
    cx: &ChildContext<'_>,
    episode: Option<&SourceRef>,
) -> Result<Option<Uuid>, RecordRejected> {
    let Some(episode) = episode else {
        return Ok(None);
    };
    let seen = cx
        .ledger
        .lookup(cx.txn, &key("episode", episode))
        .await
        .map_err(db_err)?;
    match seen {
        Some(s) if s.entity_type == "family_help_episode" && s.person_id == Some(cx.person_id) => {
            Ok(Some(s.entity_id))
        }
        Some(_) => Err(RecordRejected(format!(
            "episode {}/{} is another child's",
            episode.system, episode.id
        ))),
        None => Err(RecordRejected(format!(
            "unknown episode {}/{}: no episode record introduced it",
            episode.system, episode.id
        ))),
    }
}

/// The child's latest episode started on or before `on`.
async fn episode_covering(
    cx: &ChildContext<'_>,
    on: NaiveDate,
) -> Result<Option<Uuid>, RecordRejected> {
    Ok(family_help_episode::Entity::find()
        .filter(family_help_episode::Column::PersonId.eq(cx.person_id))
        .filter(family_help_episode::Column::StartedOn.lte(on))
        .order_by_desc(family_help_episode::Column::StartedOn)
        .one(cx.txn)
        .await
        .map_err(db_err)?
        .map(|e| e.id))
}

// ---------------------------------------------------------------------------------------
// Contact

/// The triage decision a contact's outcome (as the source words it) amounts to, if any: a
/// triage code itself, or a referral on (Family Help, which includes child in need), a
/// strategy discussion or section 47, advice, universal services, or no further action.
///
/// A JSON object of outcome flags (Liquid Logic's `OUTCOME_*_FLAG` set, as
/// `{"NEW_REFERRAL_FLAG":"Y","NFA_FLAG":"N"}`) is read by the flags that are set; other
/// string members (`{"outcome":"referral"}`) by their value; `COMMENTS` is free text and
/// decides nothing.
pub(crate) fn triage_of(outcome: &str) -> Option<TriageDecision> {
    let text = outcome.trim();
    if let Ok(code) = TriageDecision::parse("outcome", text) {
        return Some(code);
    }
    let words = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(members)) => outcome_words(&members),
        _ => text.to_ascii_lowercase(),
    };
    // Matched at the start of a word ("signpost" in "signposted"), never inside one ("cin" is
    // not in "vaccine"); underscores and punctuation separate words.
    let words = format!(
        " {}",
        words
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let has = |list: &[&str]| {
        list.iter()
            .any(|phrase| words.contains(&format!(" {}", phrase.replace('_', " "))))
    };
    if has(&[
        "strategy",
        "s47",
        "section 47",
        "section_47",
        "cp conference",
        "cp_conference",
    ]) {
        Some(TriageDecision::StrategyDiscussion)
    } else if has(&["nfa", "no further action", "no_further_action"]) {
        Some(TriageDecision::NoFurtherAction)
    } else if has(&[
        "referral",
        "refer to",
        "family help",
        "early help",
        "child in need",
        "cin",
        "assessment",
    ]) {
        Some(TriageDecision::FamilyHelp)
    } else if has(&["advice", "signpost", "information"]) {
        Some(TriageDecision::AdviceAndSignposting)
    } else if has(&["universal", "community"]) {
        Some(TriageDecision::UniversalServices)
    } else {
        None
    }
}

/// The words of an outcome object: the names of its set flags and its other string values,
/// lower case.
fn outcome_words(members: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut words = Vec::new();
    for (name, value) in members {
        let name = name.to_ascii_lowercase();
        if name == "comments" {
            continue;
        }
        let text = match value {
            serde_json::Value::String(s) => s.trim().to_ascii_lowercase(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        if name.ends_with("_flag") || name.ends_with("flag") {
            if matches!(text.as_str(), "y" | "yes" | "true" | "1") {
                words.push(name.trim_end_matches("_flag").replace('_', " "));
            }
        } else {
            words.push(text);
        }
    }
    words.join(" ")
}

/// Words that say a contact is still waiting for its decision in the source system.
const STILL_OPEN: [&str; 6] = [
    "pending",
    "open",
    "awaiting",
    "in progress",
    "ongoing",
    "not yet decided",
];

/// The triage a contact's outcome records: `Ok(None)` when the source has not decided it (no
/// outcome, or one that says it is still open: the contact waits in the front door queue),
/// `Ok(Some(decision))` when it names one; any other outcome is refused, since familygraph
/// would otherwise keep a contact the case system has closed in its queue as untriaged for
/// ever.
pub(crate) fn contact_triage(
    outcome: Option<&str>,
) -> Result<Option<TriageDecision>, RecordRejected> {
    let Some(text) = outcome.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    if let Some(decision) = triage_of(text) {
        return Ok(Some(decision));
    }
    let lower = text.to_ascii_lowercase();
    let words = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(members)) => outcome_words(&members),
        _ => lower,
    };
    if words.trim().is_empty() || STILL_OPEN.iter().any(|w| words.contains(w)) {
        return Ok(None);
    }
    Err(RecordRejected(format!(
        "outcome: {text:?} names no triage decision familygraph knows (advice and signposting, \
         universal services, Family Help or a referral, strategy discussion or section 47, no \
         further action) and does not say the contact is still open"
    )))
}

/// Applies a contact.
pub(crate) async fn apply_contact(
    cx: &ChildContext<'_>,
    located: &Located<ContactRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "contact", &rec.source, rec, "contact").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let child = child(cx).await?;
    check_dates(&child, ("date", rec.date), None)?;
    let received_at = rec.date.and_time(NaiveTime::MIN).and_utc();
    let outcome = rec
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let decision = contact_triage(outcome)?;
    // Decided only when the outcome names a decision: an open contact waits in the queue.
    let decided_at = decision.map(|_| received_at);
    let source = rec.contact_source.unwrap_or(ReferralSource::Unknown);
    let existing = begun.changed_row::<contact::Entity>(cx.txn).await?;
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let version = row.version;
            let mut active: contact::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.received_at = Set(received_at);
            active.source = Set(source.code().to_owned());
            active.triage_decision = Set(decision.map(|d| d.code().to_owned()));
            active.triage_reason = Set(outcome.map(str::to_owned));
            active.decided_at = Set(decided_at);
            active.version = Set(version + 1);
            active.update(cx.txn).await.map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            contact::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                family_id: Set(None),
                received_at: Set(received_at),
                source: Set(source.code().to_owned()),
                presenting_concern: Set(CONCERN_NOT_RECORDED.to_owned()),
                recorded_by: Set(Some(rec.source.system.clone())),
                triage_decision: Set(decision.map(|d| d.code().to_owned())),
                triage_reason: Set(outcome.map(str::to_owned)),
                decided_at: Set(decided_at),
                decided_by_id: Set(None),
                routed_team_id: Set(None),
                version: Set(1),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    begun.done(cx, id, updated).await
}

// ---------------------------------------------------------------------------------------
// Episode

/// The child's family: the current membership's, else the latest; a new family (named after
/// the child's family name, the child its member from `on`) when the child has none.
async fn family_of(
    cx: &ChildContext<'_>,
    child: &person::Model,
    on: NaiveDate,
) -> Result<Uuid, RecordRejected> {
    let memberships = family_member::Entity::find()
        .filter(family_member::Column::PersonId.eq(cx.person_id))
        .order_by_desc(family_member::Column::StartedOn)
        .all(cx.txn)
        .await
        .map_err(db_err)?;
    if let Some(m) = memberships
        .iter()
        .find(|m| m.ended_on.is_none())
        .or(memberships.first())
    {
        return Ok(m.family_id);
    }
    let family_id = Uuid::now_v7();
    family::ActiveModel {
        id: Set(family_id),
        name: Set(format!("{} family", child.family_name.trim())),
        created_at: Set(Utc::now()),
        version: Set(1),
    }
    .insert(cx.txn)
    .await
    .map_err(db_err)?;
    family_member::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        person_id: Set(cx.person_id),
        role: Set(FamilyRole::Child.code().to_owned()),
        household: Set(String::new()),
        started_on: Set(on),
        ended_on: Set(None),
    }
    .insert(cx.txn)
    .await
    .map_err(db_err)?;
    Ok(family_id)
}

/// The contact that started a referral: the child's contact received on the referral date.
async fn contact_on(cx: &ChildContext<'_>, on: NaiveDate) -> Result<Option<Uuid>, RecordRejected> {
    let from = on.and_time(NaiveTime::MIN).and_utc();
    let until = from + Duration::days(1);
    Ok(contact::Entity::find()
        .filter(contact::Column::PersonId.eq(cx.person_id))
        .filter(contact::Column::ReceivedAt.gte(from))
        .filter(contact::Column::ReceivedAt.lt(until))
        .order_by_asc(contact::Column::ReceivedAt)
        .one(cx.txn)
        .await
        .map_err(db_err)?
        .map(|c| c.id))
}

/// Applies an episode: a Family Help episode, with its referral for a child in need episode.
pub(crate) async fn apply_episode(
    cx: &ChildContext<'_>,
    located: &Located<EpisodeRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "episode", &rec.source, rec, "family_help_episode").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let child = child(cx).await?;
    check_dates(
        &child,
        ("start_date", rec.start_date),
        rec.end_date.map(|d| ("end_date", d)),
    )?;
    if rec.closure_reason.is_some() && rec.end_date.is_none() {
        return Err(RecordRejected(
            "closure_reason: an open episode (no end_date) has no reason for closure".to_owned(),
        ));
    }
    let level = match rec.episode_kind {
        EpisodeKind::EarlyHelp => FamilyHelpLevel::TargetedEarlyHelp,
        EpisodeKind::ChildInNeed => FamilyHelpLevel::ChildInNeed,
    };
    let team_id = match team_named(cx.txn, rec.team.as_deref()).await? {
        Some(team) => Some(team),
        None => covering_team(cx.txn, cx.person_id)
            .await
            .map_err(|e| RecordRejected(format!("the covering team could not be found: {e}")))?,
    };
    let existing = begun
        .changed_row::<family_help_episode::Entity>(cx.txn)
        .await?;
    let updated = existing.is_some();
    let closure = rec.closure_reason.map(|c| c.code().to_owned());
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let version = row.version;
            let mut active: family_help_episode::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.team_id = Set(team_id);
            active.level = Set(level.code().to_owned());
            active.started_on = Set(rec.start_date);
            active.ended_on = Set(rec.end_date);
            active.closure_reason = Set(closure);
            active.version = Set(version + 1);
            active.update(cx.txn).await.map_err(db_err)?;
            id
        }
        None => {
            let family_id = family_of(cx, &child, rec.start_date).await?;
            let id = Uuid::now_v7();
            family_help_episode::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                family_id: Set(family_id),
                team_id: Set(team_id),
                level: Set(level.code().to_owned()),
                started_on: Set(rec.start_date),
                ended_on: Set(rec.end_date),
                closure_reason: Set(closure),
                version: Set(1),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    // The referral that starts a child in need episode shares the episode's id.
    let referral_row = referral::Entity::find_by_id(id)
        .one(cx.txn)
        .await
        .map_err(db_err)?;
    match (rec.episode_kind, referral_row) {
        (EpisodeKind::ChildInNeed, existing) => {
            let source = rec
                .referral_source
                .unwrap_or(ReferralSource::Unknown)
                .code()
                .to_owned();
            let need = rec
                .primary_need
                .map(|n| n.code())
                .unwrap_or(familygraph_domain::PrimaryNeed::NotStated.code())
                .to_owned();
            let contact_id = contact_on(cx, rec.start_date).await?;
            match existing {
                Some(row) => {
                    let mut active: referral::ActiveModel = row.into();
                    active.person_id = Set(cx.person_id);
                    active.contact_id = Set(contact_id);
                    active.referral_on = Set(rec.start_date);
                    active.source = Set(source);
                    active.primary_need = Set(need);
                    active.no_further_action = Set(rec.no_further_action);
                    active.update(cx.txn).await.map_err(db_err)?;
                }
                None => {
                    referral::ActiveModel {
                        id: Set(id),
                        person_id: Set(cx.person_id),
                        contact_id: Set(contact_id),
                        referral_on: Set(rec.start_date),
                        source: Set(source),
                        primary_need: Set(need),
                        no_further_action: Set(rec.no_further_action),
                    }
                    .insert(cx.txn)
                    .await
                    .map_err(db_err)?;
                }
            }
        }
        (EpisodeKind::EarlyHelp, Some(row)) => {
            row.delete(cx.txn).await.map_err(db_err)?;
        }
        (EpisodeKind::EarlyHelp, None) => {}
    }
    begun.done(cx, id, updated).await
}

// ---------------------------------------------------------------------------------------
// Assessment, section 47 enquiry, initial conference

/// A section 47 enquiry's outcome from its record: no further action when flagged, else what
/// the verbatim outcome says (a code, a conference, no further action, continued support).
pub(crate) fn section47_outcome(rec: &AssessmentRecord) -> Option<Section47Outcome> {
    if rec.no_further_action == Some(true) {
        return Some(Section47Outcome::NoFurtherAction);
    }
    if rec.child_protection_plan == Some(true) {
        return Some(Section47Outcome::Conference);
    }
    let text = rec.outcome.as_deref()?.trim();
    if let Ok(code) = Section47Outcome::parse("outcome", text) {
        return Some(code);
    }
    let t = text.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["icpc", "conference", "cp plan", "child protection"]) {
        Some(Section47Outcome::Conference)
    } else if has(&["nfa", "no further action"]) {
        Some(Section47Outcome::NoFurtherAction)
    } else if has(&[
        "family help",
        "early help",
        "child in need",
        "cin",
        "continue",
    ]) {
        Some(Section47Outcome::ContinueFamilyHelp)
    } else {
        None
    }
}

/// Applies an assessment, a section 47 enquiry or an initial child protection conference.
pub(crate) async fn apply_assessment(
    cx: &ChildContext<'_>,
    located: &Located<AssessmentRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let entity_type = match rec.assessment_kind {
        AssessmentKind::ChildAndFamily => "assessment",
        AssessmentKind::Section47Enquiry => "section47_enquiry",
        AssessmentKind::InitialChildProtectionConference => "cp_conference",
    };
    let begun = match begin_record(cx, "assessment", &rec.source, rec, entity_type).await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let child = child(cx).await?;
    check_dates(
        &child,
        ("start_date", rec.start_date),
        rec.end_date.map(|d| ("end_date", d)),
    )?;
    let existing_id = begun.changed();
    let (id, updated) = match rec.assessment_kind {
        AssessmentKind::ChildAndFamily => single_assessment(cx, rec, existing_id).await?,
        AssessmentKind::Section47Enquiry => section47(cx, rec, existing_id).await?,
        AssessmentKind::InitialChildProtectionConference => {
            conference(cx, rec, existing_id).await?
        }
    };
    begun.done(cx, id, updated).await
}

async fn single_assessment(
    cx: &ChildContext<'_>,
    rec: &AssessmentRecord,
    existing_id: Option<Uuid>,
) -> Result<(Uuid, bool), RecordRejected> {
    let episode = match episode_of(cx, rec.episode.as_ref()).await? {
        Some(id) => Some(id),
        None => episode_covering(cx, rec.start_date).await?,
    };
    let outcome = rec
        .outcome
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .or_else(|| (rec.no_further_action == Some(true)).then(|| "No further action".to_owned()));
    let existing = match existing_id {
        Some(id) => assessment::Entity::find_by_id(id)
            .one(cx.txn)
            .await
            .map_err(db_err)?,
        None => None,
    };
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: assessment::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.family_help_episode_id = Set(episode);
            active.started_on = Set(rec.start_date);
            active.authorised_on = Set(rec.end_date);
            active.outcome = Set(outcome);
            active.update(cx.txn).await.map_err(db_err)?;
            assessment_factor::Entity::delete_many()
                .filter(assessment_factor::Column::AssessmentId.eq(id))
                .exec(cx.txn)
                .await
                .map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            assessment::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                family_help_episode_id: Set(episode),
                started_on: Set(rec.start_date),
                authorised_on: Set(rec.end_date),
                // The canonical record does not say; familygraph's column is not nullable.
                child_seen: Set(false),
                outcome: Set(outcome),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    let mut codes: Vec<&'static str> = rec.factors.iter().map(|f| f.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    if !codes.is_empty() {
        assessment_factor::Entity::insert_many(codes.into_iter().map(|code| {
            assessment_factor::ActiveModel {
                id: Set(Uuid::now_v7()),
                assessment_id: Set(id),
                code: Set(code.to_owned()),
            }
        }))
        .exec(cx.txn)
        .await
        .map_err(db_err)?;
    }
    Ok((id, updated))
}

async fn section47(
    cx: &ChildContext<'_>,
    rec: &AssessmentRecord,
    existing_id: Option<Uuid>,
) -> Result<(Uuid, bool), RecordRejected> {
    episode_of(cx, rec.episode.as_ref()).await?;
    let lead = match &rec.worker {
        Some(worker) => practitioner_of(cx, worker).await?,
        None => None,
    };
    let outcome = section47_outcome(rec).map(|o| o.code().to_owned());
    let existing = match existing_id {
        Some(id) => section47_enquiry::Entity::find_by_id(id)
            .one(cx.txn)
            .await
            .map_err(db_err)?,
        None => None,
    };
    Ok(match existing {
        Some(row) => {
            let id = row.id;
            let mut active: section47_enquiry::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.started_on = Set(rec.start_date);
            active.concluded_on = Set(rec.end_date);
            active.outcome = Set(outcome);
            active.lead_practitioner_id = Set(lead);
            active.update(cx.txn).await.map_err(db_err)?;
            (id, true)
        }
        None => {
            let id = Uuid::now_v7();
            section47_enquiry::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                started_on: Set(rec.start_date),
                concluded_on: Set(rec.end_date),
                outcome: Set(outcome),
                lead_practitioner_id: Set(lead),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            (id, false)
        }
    })
}

async fn conference(
    cx: &ChildContext<'_>,
    rec: &AssessmentRecord,
    existing_id: Option<Uuid>,
) -> Result<(Uuid, bool), RecordRejected> {
    episode_of(cx, rec.episode.as_ref()).await?;
    let enquiry = section47_enquiry::Entity::find()
        .filter(section47_enquiry::Column::PersonId.eq(cx.person_id))
        .filter(section47_enquiry::Column::StartedOn.lte(rec.start_date))
        .order_by_desc(section47_enquiry::Column::StartedOn)
        .one(cx.txn)
        .await
        .map_err(db_err)?
        .map(|e| e.id);
    let plan_started = rec.child_protection_plan.unwrap_or(false);
    let existing = match existing_id {
        Some(id) => cp_conference::Entity::find_by_id(id)
            .one(cx.txn)
            .await
            .map_err(db_err)?,
        None => None,
    };
    Ok(match existing {
        Some(row) => {
            let id = row.id;
            let mut active: cp_conference::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.section47_enquiry_id = Set(enquiry);
            active.held_on = Set(rec.start_date);
            active.cp_plan_started = Set(plan_started);
            active.update(cx.txn).await.map_err(db_err)?;
            (id, true)
        }
        None => {
            let id = Uuid::now_v7();
            cp_conference::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                section47_enquiry_id: Set(enquiry),
                held_on: Set(rec.start_date),
                cp_plan_started: Set(plan_started),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            (id, false)
        }
    })
}

// ---------------------------------------------------------------------------------------
// Plan

/// Applies a child in need or child protection plan.
pub(crate) async fn apply_case_plan(
    cx: &ChildContext<'_>,
    located: &Located<CasePlanRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "case_plan", &rec.source, rec, "plan").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let child = child(cx).await?;
    check_dates(
        &child,
        ("start_date", rec.start_date),
        rec.end_date.map(|d| ("end_date", d)),
    )?;
    episode_of(cx, rec.episode.as_ref()).await?;
    let kind = match rec.plan_kind {
        CasePlanKind::ChildInNeed => PlanKind::ChildInNeed,
        CasePlanKind::ChildProtection => PlanKind::ChildProtection,
    };
    if kind == PlanKind::ChildInNeed
        && (rec.initial_category.is_some() || rec.latest_category.is_some())
    {
        return Err(RecordRejected(
            "initial_category: a child in need plan has no category of abuse".to_owned(),
        ));
    }
    let today = uk_today();
    for review in &rec.review_dates {
        let mut errors = check_follow_up_date("review_dates", *review, rec.start_date, today);
        if let Some(ended) = rec.end_date {
            errors.extend(check_ends_after("end_date", ended, *review));
        }
        rejected(errors)?;
    }
    let initial = rec.initial_category.map(|c| c.code().to_owned());
    let latest = rec
        .latest_category
        .or(rec.initial_category)
        .map(|c| c.code().to_owned());
    let existing = begun.changed_row::<plan::Entity>(cx.txn).await?;
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let version = row.version;
            let mut active: plan::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.kind = Set(kind.code().to_owned());
            active.started_on = Set(rec.start_date);
            active.ended_on = Set(rec.end_date);
            active.initial_category = Set(initial);
            active.latest_category = Set(latest);
            active.version = Set(version + 1);
            active.update(cx.txn).await.map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            plan::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                family_id: Set(None),
                kind: Set(kind.code().to_owned()),
                started_on: Set(rec.start_date),
                ended_on: Set(rec.end_date),
                initial_category: Set(initial),
                latest_category: Set(latest),
                version: Set(1),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    reviews(cx, id, rec).await?;
    begun.done(cx, id, updated).await
}

/// Keeps the plan's imported reviews (those with outcome [`REVIEW_NOT_RECORDED`]) to the
/// record's review dates: adds the missing ones, removes the ones no longer listed. Reviews
/// recorded in familygraph itself are left alone, and a date that already has one is not
/// added again.
async fn reviews(
    cx: &ChildContext<'_>,
    plan_id: Uuid,
    rec: &CasePlanRecord,
) -> Result<(), RecordRejected> {
    let existing = plan_review::Entity::find()
        .filter(plan_review::Column::PlanId.eq(plan_id))
        .all(cx.txn)
        .await
        .map_err(db_err)?;
    for review in existing
        .iter()
        .filter(|r| r.outcome == REVIEW_NOT_RECORDED && !rec.review_dates.contains(&r.reviewed_on))
    {
        plan_review::Entity::delete_by_id(review.id)
            .exec(cx.txn)
            .await
            .map_err(db_err)?;
    }
    let mut dates = rec.review_dates.clone();
    dates.sort_unstable();
    dates.dedup();
    for date in dates
        .into_iter()
        .filter(|d| !existing.iter().any(|r| r.reviewed_on == *d))
    {
        plan_review::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(plan_id),
            reviewed_on: Set(date),
            outcome: Set(REVIEW_NOT_RECORDED.to_owned()),
        }
        .insert(cx.txn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Involvement

/// The involvement role a source's role code stands for: familygraph's own codes, Liquid
/// Logic's `CW` (case worker) and `KA*` (key agency, e.g. `KASCHO`), `SW` (social worker),
/// and the words "lead practitioner", "lead child protection", "key agency", "case worker",
/// "social worker", "allocated worker". `None` (no role given) is a case worker.
pub(crate) fn involvement_role(role: Option<&str>) -> Result<InvolvementRole, RecordRejected> {
    let Some(raw) = role.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(InvolvementRole::CaseWorker);
    };
    if let Ok(code) = InvolvementRole::parse("role", raw) {
        return Ok(code);
    }
    let upper = raw.to_ascii_uppercase();
    let lower = raw.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if matches!(upper.as_str(), "CW" | "SW" | "AW") {
        Ok(InvolvementRole::CaseWorker)
    } else if upper.starts_with("KA") && upper.len() <= 8 && !upper.contains(' ') {
        Ok(InvolvementRole::KeyAgency)
    } else if matches!(upper.as_str(), "LCPP") || has(&["lead child protection"]) {
        Ok(InvolvementRole::LeadChildProtectionPractitioner)
    } else if matches!(upper.as_str(), "LP" | "FHL")
        || has(&["lead practitioner", "lead professional", "family help lead"])
    {
        Ok(InvolvementRole::FamilyHelpLead)
    } else if has(&["key agency"]) {
        Ok(InvolvementRole::KeyAgency)
    } else if has(&[
        "case worker",
        "caseworker",
        "social worker",
        "allocated worker",
    ]) {
        Ok(InvolvementRole::CaseWorker)
    } else {
        Err(RecordRejected(format!(
            "role: {raw:?} is not an involvement role familygraph knows (its own codes {}, or CW, SW, KA…, LCPP, lead practitioner, key agency, case worker, social worker)",
            InvolvementRole::ALL
                .iter()
                .map(|r| r.code())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// Applies a professional's involvement with a child.
pub(crate) async fn apply_involvement(
    cx: &ChildContext<'_>,
    located: &Located<InvolvementRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let begun = match begin_record(cx, "involvement", &rec.source, rec, "involvement").await? {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let child = child(cx).await?;
    check_dates(
        &child,
        ("start_date", rec.start_date),
        rec.end_date.map(|d| ("end_date", d)),
    )?;
    let role = involvement_role(rec.role.as_deref())?;
    let Some(practitioner_id) = practitioner_of(cx, &rec.professional).await? else {
        return Err(RecordRejected(format!(
            "professional: unknown professional {}/{}: no professional record introduced it",
            rec.professional.system, rec.professional.id
        )));
    };
    episode_of(cx, rec.episode.as_ref()).await?;
    let team_id = match team_named(cx.txn, rec.team.as_deref()).await? {
        Some(team) => Some(team),
        None => team_membership::Entity::find()
            .filter(team_membership::Column::PractitionerId.eq(practitioner_id))
            .filter(team_membership::Column::EndedOn.is_null())
            .one(cx.txn)
            .await
            .map_err(db_err)?
            .map(|m| m.team_id),
    };
    let existing = begun.changed_row::<involvement::Entity>(cx.txn).await?;
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let version = row.version;
            let mut active: involvement::ActiveModel = row.into();
            active.person_id = Set(cx.person_id);
            active.practitioner_id = Set(practitioner_id);
            active.team_id = Set(team_id);
            active.role = Set(role.code().to_owned());
            active.started_on = Set(rec.start_date);
            active.ended_on = Set(rec.end_date);
            active.version = Set(version + 1);
            active.update(cx.txn).await.map_err(db_err)?;
            id
        }
        None => {
            let id = Uuid::now_v7();
            involvement::ActiveModel {
                id: Set(id),
                person_id: Set(cx.person_id),
                practitioner_id: Set(practitioner_id),
                team_id: Set(team_id),
                role: Set(role.code().to_owned()),
                started_on: Set(rec.start_date),
                ended_on: Set(rec.end_date),
                change_reason: Set(None),
                version: Set(1),
            }
            .insert(cx.txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    begun.done(cx, id, updated).await
}

// ---------------------------------------------------------------------------------------
// Professional

/// The practitioner role a job title names, by its words; otherwise a social worker when the
/// professional has a Social Work England registration, else a family worker.
pub(crate) fn practitioner_role(rec: &ProfessionalRecord) -> PractitionerRole {
    let title = rec.job_title.as_deref().unwrap_or_default().trim();
    if let Ok(code) = PractitionerRole::parse("job_title", title) {
        return code;
    }
    let t = title.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["lead child protection", "lcpp"]) {
        PractitionerRole::LeadChildProtectionPractitioner
    } else if has(&["locality manager", "service manager", "head of"]) {
        PractitionerRole::LocalityManager
    } else if has(&["team manager", "team leader", "manager"]) {
        PractitionerRole::TeamManager
    } else if has(&["social worker", "social work"]) {
        PractitionerRole::SocialWorker
    } else if has(&["family help worker"]) {
        PractitionerRole::FamilyHelpWorker
    } else if has(&["family help assistant", "assistant"]) {
        PractitionerRole::FamilyHelpAssistant
    } else if has(&["advisor", "adviser"]) {
        PractitionerRole::FamilyAdvisor
    } else if has(&["health visitor"]) {
        PractitionerRole::HealthVisitor
    } else if has(&["nurse", "health", "midwife", "gp", "doctor"]) {
        PractitionerRole::HealthPractitioner
    } else if has(&["police"]) {
        PractitionerRole::PoliceOfficer
    } else if has(&["safeguarding lead", "dsl"]) {
        PractitionerRole::SchoolDsl
    } else if has(&["education", "teacher", "school"]) {
        PractitionerRole::EducationPractitioner
    } else if has(&[
        "family worker",
        "family support",
        "early help",
        "key worker",
    ]) {
        PractitionerRole::FamilyWorker
    } else if rec
        .registration_number
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
    {
        PractitionerRole::SocialWorker
    } else {
        PractitionerRole::FamilyWorker
    }
}

/// Splits a name as sources give it ("Given Family", or "Family, Given") into given and
/// family names.
pub(crate) fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    if let Some((family, given)) = name.split_once(',') {
        return (given.trim().to_owned(), family.trim().to_owned());
    }
    match name.rsplit_once(char::is_whitespace) {
        Some((given, family)) => (given.trim().to_owned(), family.trim().to_owned()),
        None => (String::new(), name.to_owned()),
    }
}

/// The agency of the local authority's own professionals: the first agency of kind
/// `LOCAL_AUTHORITY`, created (named "Local authority") when there is none.
async fn local_authority_agency(txn: &DatabaseTransaction) -> Result<Uuid, RecordRejected> {
    if let Some(found) = agency::Entity::find()
        .filter(agency::Column::Kind.eq(AgencyKind::LocalAuthority.code()))
        .order_by_asc(agency::Column::Name)
        .order_by_asc(agency::Column::Id)
        .one(txn)
        .await
        .map_err(db_err)?
    {
        return Ok(found.id);
    }
    let id = Uuid::now_v7();
    agency::ActiveModel {
        id: Set(id),
        kind: Set(AgencyKind::LocalAuthority.code().to_owned()),
        name: Set("Local authority".to_owned()),
        urn: Set(None),
        ods_code: Set(None),
    }
    .insert(txn)
    .await
    .map_err(db_err)?;
    Ok(id)
}

/// Applies a professional as a practitioner of the local authority (not a login: no subject).
/// Their team, when familygraph has a team of that name, becomes a current membership.
///
/// A professional whose Social Work England registration number familygraph already has is
/// that practitioner: the record is linked to the existing row. A practitioner who signs in to
/// familygraph (one with a `subject`) is familygraph's to maintain: an import links to it but
/// never changes it (its name, role and teams drive the workflow's checks), and counts the
/// record unchanged.
pub(crate) async fn apply_professional(
    txn: &DatabaseTransaction,
    run_id: Uuid,
    located: &Located<ProfessionalRecord>,
) -> Result<Applied, RecordRejected> {
    let rec = &located.record;
    let ledger = Ledger::default();
    let begun = match begin_record_in(
        txn,
        &ledger,
        "professional",
        &rec.source,
        rec,
        "practitioner",
    )
    .await?
    {
        Step::Proceed(begun) => begun,
        Step::Unchanged(applied) => return Ok(applied),
    };
    let (given, family) = match rec.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => split_name(name),
        None => (String::new(), format!("Professional {}", rec.source.id)),
    };
    let role = practitioner_role(rec);
    let registration = rec
        .registration_number
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let existing = match begun.changed() {
        Some(id) => practitioner::Entity::find_by_id(id)
            .one(txn)
            .await
            .map_err(db_err)?,
        None => match &registration {
            Some(number) => practitioner::Entity::find()
                .filter(practitioner::Column::RegistrationNumber.eq(number.as_str()))
                .order_by_asc(practitioner::Column::Id)
                .one(txn)
                .await
                .map_err(db_err)?,
            None => None,
        },
    };
    if let Some(row) = &existing
        && row.subject.is_some()
    {
        ledger
            .remember(
                txn,
                &begun.key,
                "practitioner",
                row.id,
                None,
                &begun.hash,
                run_id,
            )
            .await
            .map_err(db_err)?;
        return Ok(Applied::Unchanged(row.id));
    }
    let updated = existing.is_some();
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut active: practitioner::ActiveModel = row.into();
            active.given_name = Set(given);
            active.family_name = Set(family);
            active.role = Set(role.code().to_owned());
            active.registration_number = Set(registration);
            active.update(txn).await.map_err(db_err)?;
            id
        }
        None => {
            let agency_id = local_authority_agency(txn).await?;
            let id = Uuid::now_v7();
            practitioner::ActiveModel {
                id: Set(id),
                subject: Set(None),
                given_name: Set(given),
                family_name: Set(family),
                role: Set(role.code().to_owned()),
                agency_id: Set(agency_id),
                registration_number: Set(registration),
                email: Set(None),
            }
            .insert(txn)
            .await
            .map_err(db_err)?;
            id
        }
    };
    // The current team: a membership of the named team, ending any other open one.
    let team_id = team_named(txn, rec.team.as_deref()).await?;
    let open = team_membership::Entity::find()
        .filter(team_membership::Column::PractitionerId.eq(id))
        .filter(team_membership::Column::EndedOn.is_null())
        .all(txn)
        .await
        .map_err(db_err)?;
    let today = uk_today();
    for membership in open.iter().filter(|m| Some(m.team_id) != team_id) {
        let mut active: team_membership::ActiveModel = membership.clone().into();
        active.ended_on = Set(Some(today.max(membership.started_on)));
        active.update(txn).await.map_err(db_err)?;
    }
    if let Some(team_id) = team_id
        && !open.iter().any(|m| m.team_id == team_id)
    {
        team_membership::ActiveModel {
            id: Set(Uuid::now_v7()),
            team_id: Set(team_id),
            practitioner_id: Set(id),
            is_manager: Set(matches!(
                role,
                PractitionerRole::TeamManager | PractitionerRole::LocalityManager
            )),
            started_on: Set(today),
            ended_on: Set(None),
        }
        .insert(txn)
        .await
        .map_err(db_err)?;
    }
    begun.done_in(txn, &ledger, run_id, id, None, updated).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn contact_outcomes_map_to_triage_decisions_or_none() {
        for (outcome, expected) in [
            ("FAMILY_HELP", Some(TriageDecision::FamilyHelp)),
            (
                "{\"outcome\":\"referral\"}",
                Some(TriageDecision::FamilyHelp),
            ),
            (
                "Strategy discussion",
                Some(TriageDecision::StrategyDiscussion),
            ),
            ("NFA", Some(TriageDecision::NoFurtherAction)),
            ("Advice given", Some(TriageDecision::AdviceAndSignposting)),
            (
                "universal services",
                Some(TriageDecision::UniversalServices),
            ),
            ("pending", None),
            (
                "Signposted to the library",
                Some(TriageDecision::AdviceAndSignposting),
            ),
            // Words are matched whole at their start, not inside other words.
            ("Vaccine reminder sent", None),
            ("cp_conference", Some(TriageDecision::StrategyDiscussion)),
        ] {
            assert_eq!(triage_of(outcome), expected, "{outcome}");
        }
    }

    #[test]
    fn outcome_flag_sets_are_read_by_the_flags_that_are_set() {
        for (outcome, expected) in [
            (
                "{\"NEW_REFERRAL_FLAG\":\"Y\",\"NFA_FLAG\":\"N\"}",
                Some(TriageDecision::FamilyHelp),
            ),
            (
                "{\"NEW_REFERRAL_FLAG\":\"N\",\"NFA_FLAG\":\"Y\",\"COMMENTS\":\"referral considered\"}",
                Some(TriageDecision::NoFurtherAction),
            ),
            (
                "{\"CP_CONFERENCE_FLAG\":\"Y\"}",
                Some(TriageDecision::StrategyDiscussion),
            ),
            ("{\"NFA_FLAG\":\"N\",\"COMMENTS\":\"advice\"}", None),
        ] {
            assert_eq!(triage_of(outcome), expected, "{outcome}");
        }
    }

    #[test]
    fn contact_outcomes_are_decided_open_or_refused() {
        assert_eq!(contact_triage(None).unwrap(), None);
        assert_eq!(contact_triage(Some("  ")).unwrap(), None);
        assert_eq!(contact_triage(Some("Pending")).unwrap(), None);
        assert_eq!(contact_triage(Some("{\"NFA_FLAG\":\"N\"}")).unwrap(), None);
        assert_eq!(
            contact_triage(Some("NFA")).unwrap(),
            Some(TriageDecision::NoFurtherAction)
        );
        let refused = contact_triage(Some("Transferred to another authority")).unwrap_err();
        assert!(
            refused.0.starts_with(
                "outcome: \"Transferred to another authority\" names no triage decision"
            ),
            "{refused}"
        );
    }

    #[test]
    fn involvement_roles_map_or_are_refused() {
        for (role, expected) in [
            (None, InvolvementRole::CaseWorker),
            (Some("CW"), InvolvementRole::CaseWorker),
            (Some("sw"), InvolvementRole::CaseWorker),
            (Some("KASCHO"), InvolvementRole::KeyAgency),
            (
                Some("LCPP"),
                InvolvementRole::LeadChildProtectionPractitioner,
            ),
            (Some("family_help_lead"), InvolvementRole::FamilyHelpLead),
            (Some("Lead Practitioner"), InvolvementRole::FamilyHelpLead),
            (Some("Allocated social worker"), InvolvementRole::CaseWorker),
        ] {
            assert_eq!(involvement_role(role).unwrap(), expected, "{role:?}");
        }
        let refused = involvement_role(Some("ZZTOP")).unwrap_err();
        assert!(
            refused.0.contains("\"ZZTOP\" is not an involvement role"),
            "{refused}"
        );
    }

    #[test]
    fn job_titles_map_to_practitioner_roles() {
        let role = |title: &str, registration: Option<&str>| {
            practitioner_role(&ProfessionalRecord {
                job_title: Some(title.to_owned()),
                registration_number: registration.map(str::to_owned),
                ..Default::default()
            })
        };
        assert_eq!(role("Social Worker", None), PractitionerRole::SocialWorker);
        assert_eq!(role("Team Manager", None), PractitionerRole::TeamManager);
        assert_eq!(
            role("Health Visitor", None),
            PractitionerRole::HealthVisitor
        );
        assert_eq!(role("12", Some("SW1")), PractitionerRole::SocialWorker);
        assert_eq!(role("12", None), PractitionerRole::FamilyWorker);
    }

    #[test]
    fn names_split_into_given_and_family() {
        assert_eq!(
            split_name("Worker 1 Synthetic"),
            ("Worker 1".to_owned(), "Synthetic".to_owned())
        );
        assert_eq!(
            split_name("Synthetic, Ada"),
            ("Ada".to_owned(), "Synthetic".to_owned())
        );
        assert_eq!(split_name("Mononym"), (String::new(), "Mononym".to_owned()));
    }

    #[test]
    fn section47_outcomes_come_from_flags_then_words() {
        let s47 = |nfa: Option<bool>, plan: Option<bool>, outcome: Option<&str>| {
            section47_outcome(&AssessmentRecord {
                no_further_action: nfa,
                child_protection_plan: plan,
                outcome: outcome.map(str::to_owned),
                ..Default::default()
            })
        };
        assert_eq!(
            s47(Some(true), None, Some("icpc")),
            Some(Section47Outcome::NoFurtherAction)
        );
        assert_eq!(
            s47(None, None, Some("{\"outcome\":\"icpc\"}")),
            Some(Section47Outcome::Conference)
        );
        assert_eq!(
            s47(None, None, Some("continue with CIN")),
            Some(Section47Outcome::ContinueFamilyHelp)
        );
        assert_eq!(s47(None, None, None), None);
    }
}
