//! Work with the family: involvements, front-door contacts, referrals, Family Help episodes,
//! assessments, plans (with goals and reviews), section 47 enquiries, child protection
//! conferences and visits.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates `involvement`, `contact`, `referral`, `family_help_episode`, `assessment`,
/// `assessment_factor`, `plan`, `plan_goal`, `plan_review`, `section47_enquiry`,
/// `cp_conference` and `visit`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // involvement
        manager
            .create_table(
                Table::create()
                    .table(Involvement::Table)
                    .col(pk_uuid(Involvement::Id))
                    .col(uuid(Involvement::PersonId))
                    .col(uuid(Involvement::PractitionerId))
                    .col(uuid_null(Involvement::TeamId))
                    .col(text(Involvement::Role))
                    .col(date(Involvement::StartedOn))
                    .col(date_null(Involvement::EndedOn))
                    .col(text_null(Involvement::ChangeReason))
                    .foreign_key(&mut fk(
                        "fk_involvement_person_id",
                        Involvement::Table,
                        Involvement::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_involvement_practitioner_id",
                        Involvement::Table,
                        Involvement::PractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_involvement_team_id",
                        Involvement::Table,
                        Involvement::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_involvement_person_id_ended_on",
            Involvement::Table,
            [Involvement::PersonId, Involvement::EndedOn],
            false,
        )
        .await?;
        index(
            manager,
            "idx_involvement_practitioner_id",
            Involvement::Table,
            [Involvement::PractitionerId],
            false,
        )
        .await?;
        index(
            manager,
            "idx_involvement_team_id",
            Involvement::Table,
            [Involvement::TeamId],
            false,
        )
        .await?;

        // contact
        manager
            .create_table(
                Table::create()
                    .table(Contact::Table)
                    .col(pk_uuid(Contact::Id))
                    .col(uuid(Contact::PersonId))
                    .col(uuid_null(Contact::FamilyId))
                    .col(timestamp_with_time_zone(Contact::ReceivedAt))
                    .col(text(Contact::Source))
                    .col(text(Contact::PresentingConcern))
                    .col(text_null(Contact::RecordedBy))
                    .col(text_null(Contact::TriageDecision))
                    .col(text_null(Contact::TriageReason))
                    .col(timestamp_with_time_zone_null(Contact::DecidedAt))
                    .col(uuid_null(Contact::DecidedById))
                    .col(uuid_null(Contact::RoutedTeamId))
                    .foreign_key(&mut fk(
                        "fk_contact_person_id",
                        Contact::Table,
                        Contact::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_contact_family_id",
                        Contact::Table,
                        Contact::FamilyId,
                        Family::Table,
                        Family::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_contact_decided_by_id",
                        Contact::Table,
                        Contact::DecidedById,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_contact_routed_team_id",
                        Contact::Table,
                        Contact::RoutedTeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_contact_person_id", Contact::PersonId),
            ("idx_contact_family_id", Contact::FamilyId),
            ("idx_contact_decided_by_id", Contact::DecidedById),
            ("idx_contact_routed_team_id", Contact::RoutedTeamId),
        ] {
            index(manager, name, Contact::Table, [col], false).await?;
        }

        // referral
        manager
            .create_table(
                Table::create()
                    .table(Referral::Table)
                    .col(pk_uuid(Referral::Id))
                    .col(uuid(Referral::PersonId))
                    .col(uuid_null(Referral::ContactId))
                    .col(date(Referral::ReferralOn))
                    .col(text(Referral::Source))
                    .col(text(Referral::PrimaryNeed))
                    .foreign_key(&mut fk(
                        "fk_referral_person_id",
                        Referral::Table,
                        Referral::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_referral_contact_id",
                        Referral::Table,
                        Referral::ContactId,
                        Contact::Table,
                        Contact::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_referral_person_id", Referral::PersonId),
            ("idx_referral_contact_id", Referral::ContactId),
        ] {
            index(manager, name, Referral::Table, [col], false).await?;
        }

        // family_help_episode
        manager
            .create_table(
                Table::create()
                    .table(FamilyHelpEpisode::Table)
                    .col(pk_uuid(FamilyHelpEpisode::Id))
                    .col(uuid(FamilyHelpEpisode::PersonId))
                    .col(uuid(FamilyHelpEpisode::FamilyId))
                    .col(uuid_null(FamilyHelpEpisode::TeamId))
                    .col(text(FamilyHelpEpisode::Level))
                    .col(date(FamilyHelpEpisode::StartedOn))
                    .col(date_null(FamilyHelpEpisode::EndedOn))
                    .col(text_null(FamilyHelpEpisode::ClosureReason))
                    .foreign_key(&mut fk(
                        "fk_family_help_episode_person_id",
                        FamilyHelpEpisode::Table,
                        FamilyHelpEpisode::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_family_help_episode_family_id",
                        FamilyHelpEpisode::Table,
                        FamilyHelpEpisode::FamilyId,
                        Family::Table,
                        Family::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_family_help_episode_team_id",
                        FamilyHelpEpisode::Table,
                        FamilyHelpEpisode::TeamId,
                        Team::Table,
                        Team::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_family_help_episode_person_id",
                FamilyHelpEpisode::PersonId,
            ),
            (
                "idx_family_help_episode_family_id",
                FamilyHelpEpisode::FamilyId,
            ),
            ("idx_family_help_episode_team_id", FamilyHelpEpisode::TeamId),
        ] {
            index(manager, name, FamilyHelpEpisode::Table, [col], false).await?;
        }

        // assessment
        manager
            .create_table(
                Table::create()
                    .table(Assessment::Table)
                    .col(pk_uuid(Assessment::Id))
                    .col(uuid(Assessment::PersonId))
                    .col(uuid_null(Assessment::FamilyHelpEpisodeId))
                    .col(date(Assessment::StartedOn))
                    .col(date_null(Assessment::AuthorisedOn))
                    .col(boolean(Assessment::ChildSeen))
                    .col(text_null(Assessment::Outcome))
                    .foreign_key(&mut fk(
                        "fk_assessment_person_id",
                        Assessment::Table,
                        Assessment::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_assessment_family_help_episode_id",
                        Assessment::Table,
                        Assessment::FamilyHelpEpisodeId,
                        FamilyHelpEpisode::Table,
                        FamilyHelpEpisode::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_assessment_person_id", Assessment::PersonId),
            (
                "idx_assessment_family_help_episode_id",
                Assessment::FamilyHelpEpisodeId,
            ),
        ] {
            index(manager, name, Assessment::Table, [col], false).await?;
        }

        // assessment_factor
        manager
            .create_table(
                Table::create()
                    .table(AssessmentFactor::Table)
                    .col(pk_uuid(AssessmentFactor::Id))
                    .col(uuid(AssessmentFactor::AssessmentId))
                    .col(text(AssessmentFactor::Code))
                    .foreign_key(
                        fk(
                            "fk_assessment_factor_assessment_id",
                            AssessmentFactor::Table,
                            AssessmentFactor::AssessmentId,
                            Assessment::Table,
                            Assessment::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Also the index for the assessment_id foreign key.
        index(
            manager,
            "uq_assessment_factor_assessment_id_code",
            AssessmentFactor::Table,
            [AssessmentFactor::AssessmentId, AssessmentFactor::Code],
            true,
        )
        .await?;

        // plan
        manager
            .create_table(
                Table::create()
                    .table(Plan::Table)
                    .col(pk_uuid(Plan::Id))
                    .col(uuid(Plan::PersonId))
                    .col(uuid_null(Plan::FamilyId))
                    .col(text(Plan::Kind))
                    .col(date(Plan::StartedOn))
                    .col(date_null(Plan::EndedOn))
                    .col(text_null(Plan::InitialCategory))
                    .col(text_null(Plan::LatestCategory))
                    .col(integer(Plan::Version))
                    .foreign_key(&mut fk(
                        "fk_plan_person_id",
                        Plan::Table,
                        Plan::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_plan_family_id",
                        Plan::Table,
                        Plan::FamilyId,
                        Family::Table,
                        Family::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_plan_person_id_kind_ended_on",
            Plan::Table,
            [Plan::PersonId, Plan::Kind, Plan::EndedOn],
            false,
        )
        .await?;
        index(
            manager,
            "idx_plan_family_id",
            Plan::Table,
            [Plan::FamilyId],
            false,
        )
        .await?;

        // plan_goal
        manager
            .create_table(
                Table::create()
                    .table(PlanGoal::Table)
                    .col(pk_uuid(PlanGoal::Id))
                    .col(uuid(PlanGoal::PlanId))
                    .col(text(PlanGoal::Description))
                    .col(uuid_null(PlanGoal::OwnerPractitionerId))
                    .col(uuid_null(PlanGoal::OwnerNetworkMemberId))
                    .col(boolean(PlanGoal::Achieved))
                    .foreign_key(
                        fk(
                            "fk_plan_goal_plan_id",
                            PlanGoal::Table,
                            PlanGoal::PlanId,
                            Plan::Table,
                            Plan::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_plan_goal_owner_practitioner_id",
                        PlanGoal::Table,
                        PlanGoal::OwnerPractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .foreign_key(
                        fk(
                            "fk_plan_goal_owner_network_member_id",
                            PlanGoal::Table,
                            PlanGoal::OwnerNetworkMemberId,
                            NetworkMember::Table,
                            NetworkMember::Id,
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_plan_goal_plan_id", PlanGoal::PlanId),
            (
                "idx_plan_goal_owner_practitioner_id",
                PlanGoal::OwnerPractitionerId,
            ),
            (
                "idx_plan_goal_owner_network_member_id",
                PlanGoal::OwnerNetworkMemberId,
            ),
        ] {
            index(manager, name, PlanGoal::Table, [col], false).await?;
        }

        // plan_review
        manager
            .create_table(
                Table::create()
                    .table(PlanReview::Table)
                    .col(pk_uuid(PlanReview::Id))
                    .col(uuid(PlanReview::PlanId))
                    .col(date(PlanReview::ReviewedOn))
                    .col(text(PlanReview::Outcome))
                    .foreign_key(
                        fk(
                            "fk_plan_review_plan_id",
                            PlanReview::Table,
                            PlanReview::PlanId,
                            Plan::Table,
                            Plan::Id,
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_plan_review_plan_id",
            PlanReview::Table,
            [PlanReview::PlanId],
            false,
        )
        .await?;

        // section47_enquiry
        manager
            .create_table(
                Table::create()
                    .table(Section47Enquiry::Table)
                    .col(pk_uuid(Section47Enquiry::Id))
                    .col(uuid(Section47Enquiry::PersonId))
                    .col(date(Section47Enquiry::StartedOn))
                    .col(date_null(Section47Enquiry::ConcludedOn))
                    .col(text_null(Section47Enquiry::Outcome))
                    .col(uuid_null(Section47Enquiry::LeadPractitionerId))
                    .foreign_key(&mut fk(
                        "fk_section47_enquiry_person_id",
                        Section47Enquiry::Table,
                        Section47Enquiry::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_section47_enquiry_lead_practitioner_id",
                        Section47Enquiry::Table,
                        Section47Enquiry::LeadPractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            (
                "idx_section47_enquiry_person_id",
                Section47Enquiry::PersonId,
            ),
            (
                "idx_section47_enquiry_lead_practitioner_id",
                Section47Enquiry::LeadPractitionerId,
            ),
        ] {
            index(manager, name, Section47Enquiry::Table, [col], false).await?;
        }

        // cp_conference
        manager
            .create_table(
                Table::create()
                    .table(CpConference::Table)
                    .col(pk_uuid(CpConference::Id))
                    .col(uuid(CpConference::PersonId))
                    .col(uuid_null(CpConference::Section47EnquiryId))
                    .col(date(CpConference::HeldOn))
                    .col(boolean(CpConference::CpPlanStarted))
                    .foreign_key(&mut fk(
                        "fk_cp_conference_person_id",
                        CpConference::Table,
                        CpConference::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_cp_conference_section47_enquiry_id",
                        CpConference::Table,
                        CpConference::Section47EnquiryId,
                        Section47Enquiry::Table,
                        Section47Enquiry::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_cp_conference_person_id", CpConference::PersonId),
            (
                "idx_cp_conference_section47_enquiry_id",
                CpConference::Section47EnquiryId,
            ),
        ] {
            index(manager, name, CpConference::Table, [col], false).await?;
        }

        // visit
        manager
            .create_table(
                Table::create()
                    .table(Visit::Table)
                    .col(pk_uuid(Visit::Id))
                    .col(uuid(Visit::PersonId))
                    .col(uuid_null(Visit::PlanId))
                    .col(uuid_null(Visit::PractitionerId))
                    .col(date(Visit::VisitedOn))
                    .col(boolean(Visit::Seen))
                    .col(boolean(Visit::SeenAlone))
                    .foreign_key(&mut fk(
                        "fk_visit_person_id",
                        Visit::Table,
                        Visit::PersonId,
                        Person::Table,
                        Person::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visit_plan_id",
                        Visit::Table,
                        Visit::PlanId,
                        Plan::Table,
                        Plan::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_visit_practitioner_id",
                        Visit::Table,
                        Visit::PractitionerId,
                        Practitioner::Table,
                        Practitioner::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_visit_person_id", Visit::PersonId),
            ("idx_visit_plan_id", Visit::PlanId),
            ("idx_visit_practitioner_id", Visit::PractitionerId),
        ] {
            index(manager, name, Visit::Table, [col], false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Visit::Table.into_iden(),
            CpConference::Table.into_iden(),
            Section47Enquiry::Table.into_iden(),
            PlanReview::Table.into_iden(),
            PlanGoal::Table.into_iden(),
            Plan::Table.into_iden(),
            AssessmentFactor::Table.into_iden(),
            Assessment::Table.into_iden(),
            FamilyHelpEpisode::Table.into_iden(),
            Referral::Table.into_iden(),
            Contact::Table.into_iden(),
            Involvement::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// A named foreign key `from_table.from_col → to_table.to_col`.
fn fk<FT, FC, TT, TC>(
    name: &str,
    from_table: FT,
    from_col: FC,
    to_table: TT,
    to_col: TC,
) -> ForeignKeyCreateStatement
where
    FT: IntoIden,
    FC: IntoIden,
    TT: IntoIden,
    TC: IntoIden,
{
    ForeignKey::create()
        .name(name)
        .from(from_table, from_col)
        .to(to_table, to_col)
        .to_owned()
}

/// Creates an index over `cols`, unique when `unique` is set.
async fn index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: [C; N],
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden,
{
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

#[derive(DeriveIden)]
enum Person {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Family {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Practitioner {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Team {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum NetworkMember {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Involvement {
    Table,
    Id,
    PersonId,
    PractitionerId,
    TeamId,
    Role,
    StartedOn,
    EndedOn,
    ChangeReason,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    PersonId,
    FamilyId,
    ReceivedAt,
    Source,
    PresentingConcern,
    RecordedBy,
    TriageDecision,
    TriageReason,
    DecidedAt,
    DecidedById,
    RoutedTeamId,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // `referral_on` is the data model's name
enum Referral {
    Table,
    Id,
    PersonId,
    ContactId,
    ReferralOn,
    Source,
    PrimaryNeed,
}

#[derive(DeriveIden)]
enum FamilyHelpEpisode {
    Table,
    Id,
    PersonId,
    FamilyId,
    TeamId,
    Level,
    StartedOn,
    EndedOn,
    ClosureReason,
}

#[derive(DeriveIden)]
enum Assessment {
    Table,
    Id,
    PersonId,
    FamilyHelpEpisodeId,
    StartedOn,
    AuthorisedOn,
    ChildSeen,
    Outcome,
}

#[derive(DeriveIden)]
enum AssessmentFactor {
    Table,
    Id,
    AssessmentId,
    Code,
}

#[derive(DeriveIden)]
enum Plan {
    Table,
    Id,
    PersonId,
    FamilyId,
    Kind,
    StartedOn,
    EndedOn,
    InitialCategory,
    LatestCategory,
    Version,
}

#[derive(DeriveIden)]
enum PlanGoal {
    Table,
    Id,
    PlanId,
    Description,
    OwnerPractitionerId,
    OwnerNetworkMemberId,
    Achieved,
}

#[derive(DeriveIden)]
enum PlanReview {
    Table,
    Id,
    PlanId,
    ReviewedOn,
    Outcome,
}

#[derive(DeriveIden)]
enum Section47Enquiry {
    #[sea_orm(iden = "section47_enquiry")]
    Table,
    Id,
    PersonId,
    StartedOn,
    ConcludedOn,
    Outcome,
    LeadPractitionerId,
}

#[derive(DeriveIden)]
enum CpConference {
    Table,
    Id,
    PersonId,
    #[sea_orm(iden = "section47_enquiry_id")]
    Section47EnquiryId,
    HeldOn,
    CpPlanStarted,
}

#[derive(DeriveIden)]
enum Visit {
    Table,
    Id,
    PersonId,
    PlanId,
    PractitionerId,
    VisitedOn,
    Seen,
    SeenAlone,
}
