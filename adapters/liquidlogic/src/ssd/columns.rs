//! The column contract: the SSD tables this reader knows, their columns, which columns must
//! be in the header, and which column names the child a row belongs to.

/// One SSD table as the reader expects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The table's name; the file is `<name>.csv`.
    pub name: &'static str,
    /// Every column the reader uses, in the published order.
    pub columns: &'static [&'static str],
    /// The columns the header must have (a file without one of them is rejected whole).
    pub required: &'static [&'static str],
    /// The column naming the child (`…_person_id`); the file must be sorted by it.
    pub person_column: Option<&'static str>,
}

impl Table {
    /// The file name, `<name>.csv`.
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }
}

/// `ssd_person`: one row per child, sorted by `pers_person_id`.
pub const PERSON: Table = Table {
    name: "ssd_person",
    columns: &[
        "pers_person_id",
        "pers_legacy_id",
        "pers_upn",
        "pers_forename",
        "pers_surname",
        "pers_sex",
        "pers_gender",
        "pers_ethnicity",
        "pers_dob",
        "pers_common_child_id",
        "pers_upn_unknown",
        "pers_send_flag",
        "pers_expected_dob",
        "pers_death_date",
        "pers_is_mother",
        "pers_nationality",
    ],
    required: &["pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob"],
    person_column: Some("pers_person_id"),
};

/// `ssd_family`: a child's family groupings.
pub const FAMILY: Table = Table {
    name: "ssd_family",
    columns: &["fami_table_id", "fami_family_id", "fami_person_id"],
    required: &["fami_table_id", "fami_family_id", "fami_person_id"],
    person_column: Some("fami_person_id"),
};

/// `ssd_address`: a child's addresses.
pub const ADDRESS: Table = Table {
    name: "ssd_address",
    columns: &[
        "addr_table_id",
        "addr_person_id",
        "addr_address_type",
        "addr_address_start_date",
        "addr_address_end_date",
        "addr_address_postcode",
        "addr_address_json",
    ],
    required: &["addr_table_id", "addr_person_id", "addr_address_postcode"],
    person_column: Some("addr_person_id"),
};

/// `ssd_linked_identifiers`: a child's other identifiers.
pub const LINKED_IDENTIFIERS: Table = Table {
    name: "ssd_linked_identifiers",
    columns: &[
        "link_table_id",
        "link_person_id",
        "link_identifier_type",
        "link_identifier_value",
        "link_valid_from_date",
        "link_valid_to_date",
    ],
    required: &[
        "link_table_id",
        "link_person_id",
        "link_identifier_type",
        "link_identifier_value",
    ],
    person_column: Some("link_person_id"),
};

/// `ssd_contacts`: contacts about a child.
pub const CONTACTS: Table = Table {
    name: "ssd_contacts",
    columns: &[
        "cont_contact_id",
        "cont_person_id",
        "cont_contact_date",
        "cont_contact_source_code",
        "cont_contact_source_desc",
        "cont_contact_outcome_json",
    ],
    required: &["cont_contact_id", "cont_person_id", "cont_contact_date"],
    person_column: Some("cont_person_id"),
};

/// `ssd_early_help_episodes`: early help episodes.
pub const EARLY_HELP_EPISODES: Table = Table {
    name: "ssd_early_help_episodes",
    columns: &[
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
        "earl_episode_end_date",
        "earl_episode_reason",
        "earl_episode_end_reason",
        "earl_episode_organisation",
        "earl_episode_worker_id",
    ],
    required: &[
        "earl_episode_id",
        "earl_person_id",
        "earl_episode_start_date",
    ],
    person_column: Some("earl_person_id"),
};

/// `ssd_cin_episodes`: referrals and their children in need episodes.
pub const CIN_EPISODES: Table = Table {
    name: "ssd_cin_episodes",
    columns: &[
        "cine_referral_id",
        "cine_person_id",
        "cine_referral_date",
        "cine_cin_primary_need_code",
        "cine_referral_source_code",
        "cine_referral_source_desc",
        "cine_referral_outcome_json",
        "cine_referral_nfa",
        "cine_close_reason",
        "cine_close_date",
        "cine_referral_team",
        "cine_referral_worker_id",
    ],
    required: &["cine_referral_id", "cine_person_id", "cine_referral_date"],
    person_column: Some("cine_person_id"),
};

/// `ssd_cin_assessments`: child and family assessments.
pub const CIN_ASSESSMENTS: Table = Table {
    name: "ssd_cin_assessments",
    columns: &[
        "cina_assessment_id",
        "cina_person_id",
        "cina_referral_id",
        "cina_assessment_start_date",
        "cina_assessment_child_seen",
        "cina_assessment_auth_date",
        "cina_assessment_outcome_json",
        "cina_assessment_outcome_nfa",
        "cina_assessment_team",
        "cina_assessment_worker_id",
    ],
    required: &[
        "cina_assessment_id",
        "cina_person_id",
        "cina_assessment_start_date",
    ],
    person_column: Some("cina_person_id"),
};

/// `ssd_assessment_factors`: the factors of an assessment, in the order of
/// `ssd_cin_assessments` (the table has no person column).
pub const ASSESSMENT_FACTORS: Table = Table {
    name: "ssd_assessment_factors",
    columns: &[
        "cinf_table_id",
        "cinf_assessment_id",
        "cinf_assessment_factors_json",
    ],
    required: &[
        "cinf_table_id",
        "cinf_assessment_id",
        "cinf_assessment_factors_json",
    ],
    person_column: None,
};

/// `ssd_cin_plans`: children in need plans.
pub const CIN_PLANS: Table = Table {
    name: "ssd_cin_plans",
    columns: &[
        "cinp_cin_plan_id",
        "cinp_referral_id",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date",
        "cinp_cin_plan_team",
        "cinp_cin_plan_worker_id",
    ],
    required: &[
        "cinp_cin_plan_id",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
    ],
    person_column: Some("cinp_person_id"),
};

/// `ssd_s47_enquiry`: section 47 enquiries.
pub const S47_ENQUIRY: Table = Table {
    name: "ssd_s47_enquiry",
    columns: &[
        "s47e_s47_enquiry_id",
        "s47e_referral_id",
        "s47e_person_id",
        "s47e_s47_start_date",
        "s47e_s47_end_date",
        "s47e_s47_nfa",
        "s47e_s47_outcome_json",
        "s47e_s47_completed_by_team",
        "s47e_s47_completed_by_worker_id",
    ],
    required: &[
        "s47e_s47_enquiry_id",
        "s47e_person_id",
        "s47e_s47_start_date",
    ],
    person_column: Some("s47e_person_id"),
};

/// `ssd_initial_cp_conference`: initial child protection conferences.
pub const INITIAL_CP_CONFERENCE: Table = Table {
    name: "ssd_initial_cp_conference",
    columns: &[
        "icpc_icpc_id",
        "icpc_icpc_meeting_id",
        "icpc_s47_enquiry_id",
        "icpc_person_id",
        "icpc_cp_plan_id",
        "icpc_referral_id",
        "icpc_icpc_transfer_in",
        "icpc_icpc_target_date",
        "icpc_icpc_date",
        "icpc_icpc_outcome_cp_flag",
        "icpc_icpc_outcome_json",
        "icpc_icpc_team",
        "icpc_icpc_worker_id",
    ],
    required: &["icpc_icpc_id", "icpc_person_id", "icpc_icpc_date"],
    person_column: Some("icpc_person_id"),
};

/// `ssd_cp_plans`: child protection plans.
pub const CP_PLANS: Table = Table {
    name: "ssd_cp_plans",
    columns: &[
        "cppl_cp_plan_id",
        "cppl_referral_id",
        "cppl_icpc_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        "cppl_cp_plan_ola",
        "cppl_cp_plan_initial_category",
        "cppl_cp_plan_latest_category",
    ],
    required: &[
        "cppl_cp_plan_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
    ],
    person_column: Some("cppl_person_id"),
};

/// `ssd_involvements`: professionals allocated to a child.
pub const INVOLVEMENTS: Table = Table {
    name: "ssd_involvements",
    columns: &[
        "invo_involvements_id",
        "invo_professional_id",
        "invo_professional_role_id",
        "invo_professional_team",
        "invo_person_id",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
        "invo_worker_change_reason",
        "invo_referral_id",
    ],
    required: &[
        "invo_involvements_id",
        "invo_professional_id",
        "invo_person_id",
        "invo_involvement_start_date",
    ],
    person_column: Some("invo_person_id"),
};

/// `ssd_professionals`: the organisation's professionals (not per child).
pub const PROFESSIONALS: Table = Table {
    name: "ssd_professionals",
    columns: &[
        "prof_professional_id",
        "prof_staff_id",
        "prof_professional_name",
        "prof_social_worker_registration_no",
        "prof_agency_worker_flag",
        "prof_professional_job_title",
        "prof_professional_caseload",
        "prof_professional_department",
        "prof_full_time_equivalency",
    ],
    required: &["prof_professional_id"],
    person_column: None,
};

/// `ssd_department`: teams and departments (not per child; held in memory, it is small).
pub const DEPARTMENT: Table = Table {
    name: "ssd_department",
    columns: &[
        "dept_team_id",
        "dept_team_name",
        "dept_team_parent_id",
        "dept_team_parent_name",
    ],
    required: &["dept_team_id", "dept_team_name"],
    person_column: None,
};

/// The child-scoped tables merged with `ssd_person`, in the order they are read per child.
pub const CHILD_TABLES: [Table; 12] = [
    FAMILY,
    ADDRESS,
    LINKED_IDENTIFIERS,
    CONTACTS,
    EARLY_HELP_EPISODES,
    CIN_EPISODES,
    CIN_ASSESSMENTS,
    CIN_PLANS,
    S47_ENQUIRY,
    INITIAL_CP_CONFERENCE,
    CP_PLANS,
    INVOLVEMENTS,
];

/// Every table, in the order of the published specification.
pub const ALL_TABLES: [Table; 16] = [
    PERSON,
    FAMILY,
    ADDRESS,
    LINKED_IDENTIFIERS,
    CONTACTS,
    EARLY_HELP_EPISODES,
    CIN_EPISODES,
    CIN_ASSESSMENTS,
    ASSESSMENT_FACTORS,
    CIN_PLANS,
    S47_ENQUIRY,
    INITIAL_CP_CONFERENCE,
    CP_PLANS,
    INVOLVEMENTS,
    PROFESSIONALS,
    DEPARTMENT,
];
