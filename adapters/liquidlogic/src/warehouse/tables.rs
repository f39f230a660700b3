//! The warehouse tables the source reads, the columns it reads from each, and the order of the
//! phases of a run.

/// The column every table's rows are ordered and watermarked by: when the row last changed.
pub const MODIFIED: &str = "LAST_UPDATED_DTTM";

/// A table whose rows are read as part of another table's records (addresses of a person,
/// answers of an assessment's form, reviews of a child protection plan). A change to one of its
/// rows is a change to the record it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Companion {
    /// The table name, e.g. `DIM_PERSON_ADDRESS`.
    pub name: &'static str,
    /// Its primary key column.
    pub id: &'static str,
    /// Its column naming the main row (`DIM_PERSON_ID`).
    pub parent: &'static str,
    /// The main table's column that [`Companion::parent`] refers to.
    pub parent_key: &'static str,
    /// The columns read (the id and parent first).
    pub columns: &'static [&'static str],
    /// The column companion rows are ordered by within a parent (then the id).
    pub order: &'static str,
}

/// A table read in one phase of a run; each row becomes one record (or one rejection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// The table name, e.g. `FACT_CONTACTS`.
    pub name: &'static str,
    /// Its primary key column (an integer).
    pub id: &'static str,
    /// The columns read, the id first. Every table also has [`MODIFIED`].
    pub columns: &'static [&'static str],
    /// The column naming the child, for tables about a child: rows whose child is not in
    /// `DIM_PERSON` are rejected as orphans.
    pub person: Option<&'static str>,
    /// Rows read with each row, when the table has them.
    pub companion: Option<Companion>,
}

impl Table {
    /// Every column of the table's DDL: [`Table::columns`] and [`MODIFIED`].
    pub fn all_columns(&self) -> impl Iterator<Item = &'static str> {
        self.columns
            .iter()
            .copied()
            .chain(std::iter::once(MODIFIED))
    }
}

/// `DIM_DEPARTMENT`: teams, read whole at every pull to name teams (no records of its own).
pub const DEPARTMENT: Table = Table {
    name: "DIM_DEPARTMENT",
    id: "DIM_DEPARTMENT_ID",
    columns: &["DIM_DEPARTMENT_ID", "NAME", "DEPT_TYPE_DESCRIPTION"],
    person: None,
    companion: None,
};

/// The most departments read (a larger table is cut at this many rows, by id).
pub const MAX_DEPARTMENTS: usize = 10_000;

/// `DIM_WORKER` → professionals.
pub const WORKER: Table = Table {
    name: "DIM_WORKER",
    id: "DIM_WORKER_ID",
    columns: &[
        "DIM_WORKER_ID",
        "STAFF_ID",
        "FORENAME",
        "SURNAME",
        "WORKER_ID_CODE",
        "JOB_TITLE",
        "DIM_DEPARTMENT_ID",
        "AGENCY_WORKER_FLAG",
    ],
    person: None,
    companion: None,
};

/// `DIM_PERSON_ADDRESS`: a person's addresses.
pub const PERSON_ADDRESS: Companion = Companion {
    name: "DIM_PERSON_ADDRESS",
    id: "DIM_PERSON_ADDRESS_ID",
    parent: "DIM_PERSON_ID",
    parent_key: "DIM_PERSON_ID",
    columns: &[
        "DIM_PERSON_ADDRESS_ID",
        "DIM_PERSON_ID",
        "ADDSS_TYPE_CODE",
        "START_DTTM",
        "END_DTTM",
        "HOUSE_NO",
        "STREET",
        "TOWN",
        "POSTCODE",
    ],
    order: "START_DTTM",
};

/// `DIM_PERSON` (with `DIM_PERSON_ADDRESS`) → persons.
pub const PERSON: Table = Table {
    name: "DIM_PERSON",
    id: "DIM_PERSON_ID",
    columns: &[
        "DIM_PERSON_ID",
        "LEGACY_ID",
        "FORENAME",
        "SURNAME",
        "GENDER_MAIN_CODE",
        "ETHNICITY_MAIN_CODE",
        "BIRTH_DTTM",
        "DOB_ESTIMATED",
        "DEATH_DTTM",
        "NHS_NUMBER",
        "UPN",
        "NO_UPN_CODE",
    ],
    person: None,
    companion: Some(PERSON_ADDRESS),
};

/// `FACT_PERSON_RELATION` → family memberships.
pub const PERSON_RELATION: Table = Table {
    name: "FACT_PERSON_RELATION",
    id: "FACT_PERSON_RELATION_ID",
    columns: &[
        "FACT_PERSON_RELATION_ID",
        "DIM_PERSON_ID",
        "DIM_RELATED_PERSON_ID",
        "DIM_LOOKUP_RELTN_TYPE_CODE",
        "START_DTTM",
        "END_DTTM",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_CONTACTS` → contacts.
pub const CONTACTS: Table = Table {
    name: "FACT_CONTACTS",
    id: "FACT_CONTACT_ID",
    columns: &[
        "FACT_CONTACT_ID",
        "DIM_PERSON_ID",
        "CONTACT_DTTM",
        "DIM_LOOKUP_CONT_SORC_ID_CODE",
        "OUTCOME_NEW_REFERRAL_FLAG",
        "OUTCOME_EXISTING_REFERRAL_FLAG",
        "OUTCOME_CP_ENQUIRY_FLAG",
        "OUTCOME_NFA_FLAG",
        "OUTCOME_ADVICE_FLAG",
        "OUTCOME_PRIVATE_FOSTERING_FLAG",
        "OUTCOME_COMMENTS",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_REFERRALS` → children in need episodes.
pub const REFERRALS: Table = Table {
    name: "FACT_REFERRALS",
    id: "FACT_REFERRAL_ID",
    columns: &[
        "FACT_REFERRAL_ID",
        "DIM_PERSON_ID",
        "REFRL_START_DTTM",
        "REFRL_END_DTTM",
        "DIM_LOOKUP_CATEGORY_OF_NEED_CODE",
        "DIM_LOOKUP_CONT_SORC_ID_CODE",
        "DIM_LOOKUP_REFRL_ENDRSN_ID_CODE",
        "OUTCOME_NFA_FLAG",
        "OUTCOME_SINGLE_ASSESSMENT_FLAG",
        "OUTCOME_STRATEGY_DISCUSSION_FLAG",
        "OUTCOME_CP_CONFERENCE_FLAG",
        "OUTCOME_COMMENTS",
        "DIM_DEPARTMENT_ID",
        "DIM_WORKER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_CAF_EPISODE` → early help episodes.
pub const CAF_EPISODE: Table = Table {
    name: "FACT_CAF_EPISODE",
    id: "FACT_CAF_EPISODE_ID",
    columns: &[
        "FACT_CAF_EPISODE_ID",
        "DIM_PERSON_ID",
        "EPISODE_START_DTTM",
        "EPISODE_END_DTTM",
        "START_REASON",
        "DIM_LOOKUP_CAF_EP_ENDRSN_ID_CODE",
        "DIM_LOOKUP_ORIGINATING_ORGANISATION_CODE",
        "DIM_WORKER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_FORM_ANSWERS`: the answers of an assessment's form (`FormEndDate`, factor codes).
pub const FORM_ANSWERS: Companion = Companion {
    name: "FACT_FORM_ANSWERS",
    id: "FACT_FORM_ANSWER_ID",
    parent: "FACT_FORM_ID",
    parent_key: "FACT_FORM_ID",
    columns: &["FACT_FORM_ANSWER_ID", "FACT_FORM_ID", "ANSWER_NO", "ANSWER"],
    order: "FACT_FORM_ANSWER_ID",
};

/// `FACT_SINGLE_ASSESSMENT` (with `FACT_FORM_ANSWERS`) → child and family assessments.
pub const SINGLE_ASSESSMENT: Table = Table {
    name: "FACT_SINGLE_ASSESSMENT",
    id: "FACT_SINGLE_ASSESSMENT_ID",
    columns: &[
        "FACT_SINGLE_ASSESSMENT_ID",
        "DIM_PERSON_ID",
        "FACT_REFERRAL_ID",
        "FACT_FORM_ID",
        "START_DTTM",
        "OUTCOME_NFA_FLAG",
        "OUTCOME_STRATEGY_DISCUSSION_FLAG",
        "OUTCOME_PROV_OF_SERVICES_FLAG",
        "OUTCOME_SPECIALIST_ASSESSMENT_FLAG",
        "OUTCOME_REFERRAL_TO_OTHER_AGENCY_FLAG",
        "OUTCOME_COMMENTS",
        "COMPLETED_BY_DEPT_ID",
        "COMPLETED_BY_USER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: Some(FORM_ANSWERS),
};

/// `FACT_CARE_PLAN_SUMMARY` → child in need plans (plan type `FP`).
pub const CARE_PLAN_SUMMARY: Table = Table {
    name: "FACT_CARE_PLAN_SUMMARY",
    id: "FACT_CARE_PLAN_SUMMARY_ID",
    columns: &[
        "FACT_CARE_PLAN_SUMMARY_ID",
        "DIM_PERSON_ID",
        "FACT_REFERRAL_ID",
        "START_DTTM",
        "END_DTTM",
        "DIM_LOOKUP_PLAN_TYPE_CODE",
        "DIM_LOOKUP_PLAN_STATUS_ID_CODE",
        "DIM_PLAN_COORD_DEPT_ID",
        "DIM_PLAN_COORD_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_S47` → section 47 enquiries.
pub const S47: Table = Table {
    name: "FACT_S47",
    id: "FACT_S47_ID",
    columns: &[
        "FACT_S47_ID",
        "DIM_PERSON_ID",
        "FACT_REFERRAL_ID",
        "START_DTTM",
        "END_DTTM",
        "OUTCOME_NFA_FLAG",
        "OUTCOME_LEGAL_ACTION_FLAG",
        "OUTCOME_PROV_OF_SERVICES_FLAG",
        "OUTCOME_CP_CONFERENCE_FLAG",
        "OUTCOME_MONITOR_FLAG",
        "OUTCOME_COMMENTS",
        "COMPLETED_BY_DEPT_ID",
        "COMPLETED_BY_USER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_CP_CONFERENCE` → initial child protection conferences.
pub const CP_CONFERENCE: Table = Table {
    name: "FACT_CP_CONFERENCE",
    id: "FACT_CP_CONFERENCE_ID",
    columns: &[
        "FACT_CP_CONFERENCE_ID",
        "DIM_PERSON_ID",
        "FACT_REFERRAL_ID",
        "FACT_S47_ID",
        "TRANSFER_IN_FLAG",
        "DUE_DTTM",
        "MEETING_DTTM",
        "OUTCOME_CP_FLAG",
        "OUTCOME_NFA_FLAG",
        "OUTCOME_SINGLE_ASSESSMENT_FLAG",
        "OUTCOME_PROV_OF_SERVICES_FLAG",
        "OUTCOME_COMMENTS",
        "ORGANISED_BY_DEPT_ID",
        "ORGANISED_BY_USER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_CP_REVIEW`: the review conferences of a child protection plan.
pub const CP_REVIEW: Companion = Companion {
    name: "FACT_CP_REVIEW",
    id: "FACT_CP_REVIEW_ID",
    parent: "FACT_CP_PLAN_ID",
    parent_key: "FACT_CP_PLAN_ID",
    columns: &[
        "FACT_CP_REVIEW_ID",
        "FACT_CP_PLAN_ID",
        "DIM_PERSON_ID",
        "DUE_DTTM",
        "MEETING_DTTM",
        "OUTCOME_CONTINUE_CP_FLAG",
    ],
    order: "MEETING_DTTM",
};

/// `FACT_CP_PLAN` (with `FACT_CP_REVIEW`) → child protection plans.
pub const CP_PLAN: Table = Table {
    name: "FACT_CP_PLAN",
    id: "FACT_CP_PLAN_ID",
    columns: &[
        "FACT_CP_PLAN_ID",
        "DIM_PERSON_ID",
        "FACT_REFERRAL_ID",
        "FACT_INITIAL_CP_CONFERENCE_ID",
        "START_DTTM",
        "END_DTTM",
        "IS_OLA",
        "INIT_CATEGORY_CODE",
        "CP_CATEGORY_CODE",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: Some(CP_REVIEW),
};

/// `FACT_INVOLVEMENTS` → involvements (allocations) of professionals.
pub const INVOLVEMENTS: Table = Table {
    name: "FACT_INVOLVEMENTS",
    id: "FACT_INVOLVEMENTS_ID",
    columns: &[
        "FACT_INVOLVEMENTS_ID",
        "DIM_PERSON_ID",
        "DIM_WORKER_ID",
        "DIM_LOOKUP_INVOLVEMENT_TYPE_CODE",
        "DIM_DEPARTMENT_ID",
        "START_DTTM",
        "END_DTTM",
        "FACT_REFERRAL_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// `FACT_CASENOTES`: case notes (visits). Created by the synthetic warehouse and checked by
/// the health check, but not read into records: the SDK has no visit record yet.
pub const CASENOTES: Table = Table {
    name: "FACT_CASENOTES",
    id: "FACT_CASENOTE_ID",
    columns: &[
        "FACT_CASENOTE_ID",
        "DIM_PERSON_ID",
        "EVENT_DTTM",
        "DIM_LOOKUP_CASNT_TYPE_ID_CODE",
        "SEEN_FLAG",
        "SEEN_ALONE_FLAG",
        "DIM_WORKER_ID",
    ],
    person: Some("DIM_PERSON_ID"),
    companion: None,
};

/// The phases of a run, in order: professionals, then persons, then each child-scoped table,
/// so a child's case records arrive in the same run as its person record or a later one.
pub const PHASES: [Table; 12] = [
    WORKER,
    PERSON,
    PERSON_RELATION,
    CONTACTS,
    REFERRALS,
    CAF_EPISODE,
    SINGLE_ASSESSMENT,
    CARE_PLAN_SUMMARY,
    S47,
    CP_CONFERENCE,
    CP_PLAN,
    INVOLVEMENTS,
];

/// Every table the warehouse must have (the health check looks for each).
pub fn all_table_names() -> Vec<&'static str> {
    let mut names = vec![DEPARTMENT.name];
    for table in PHASES {
        names.push(table.name);
        if let Some(companion) = table.companion {
            names.push(companion.name);
        }
    }
    names.push(CASENOTES.name);
    names
}
