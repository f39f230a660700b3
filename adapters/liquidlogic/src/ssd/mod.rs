//! The Standard Safeguarding Dataset (SSD) as CSV extracts: one `ssd_<table>.csv` per table
//! in a directory, read per child in bounded memory.
//!
//! # Column contract
//!
//! Column names are those of the published SSD specification (case ignored, a UTF-8 byte
//! order mark ignored, extra columns ignored). The first row of a file is its header. A file
//! whose header lacks a **required** column is rejected whole: one rejection at `file#line 1`
//! naming the missing columns, and none of its rows is read. A table whose file is absent is
//! read as empty, except `ssd_person.csv`, without which nothing can be read (an error).
//!
//! | table | required columns | other columns read |
//! | --- | --- | --- |
//! | `ssd_person` | `pers_person_id`, `pers_sex`, `pers_ethnicity`, `pers_dob` | `pers_legacy_id`, `pers_upn`, `pers_forename`, `pers_surname`, `pers_gender`, `pers_common_child_id` (NHS number), `pers_upn_unknown`, `pers_send_flag`, `pers_expected_dob`, `pers_death_date`, `pers_is_mother`, `pers_nationality` |
//! | `ssd_family` | `fami_table_id`, `fami_family_id`, `fami_person_id` | |
//! | `ssd_address` | `addr_table_id`, `addr_person_id`, `addr_address_postcode` | `addr_address_type`, `addr_address_start_date`, `addr_address_end_date`, `addr_address_json` |
//! | `ssd_linked_identifiers` | `link_table_id`, `link_person_id`, `link_identifier_type`, `link_identifier_value` | `link_valid_from_date`, `link_valid_to_date` |
//! | `ssd_contacts` | `cont_contact_id`, `cont_person_id`, `cont_contact_date` | `cont_contact_source_code`, `cont_contact_source_desc`, `cont_contact_outcome_json` |
//! | `ssd_early_help_episodes` | `earl_episode_id`, `earl_person_id`, `earl_episode_start_date` | `earl_episode_end_date`, `earl_episode_reason`, `earl_episode_end_reason`, `earl_episode_organisation`, `earl_episode_worker_id` |
//! | `ssd_cin_episodes` | `cine_referral_id`, `cine_person_id`, `cine_referral_date` | `cine_cin_primary_need_code`, `cine_referral_source_code`, `cine_referral_source_desc`, `cine_referral_outcome_json`, `cine_referral_nfa`, `cine_close_reason`, `cine_close_date`, `cine_referral_team`, `cine_referral_worker_id` |
//! | `ssd_cin_assessments` | `cina_assessment_id`, `cina_person_id`, `cina_assessment_start_date` | `cina_referral_id`, `cina_assessment_child_seen`, `cina_assessment_auth_date`, `cina_assessment_outcome_json`, `cina_assessment_outcome_nfa`, `cina_assessment_team`, `cina_assessment_worker_id` |
//! | `ssd_assessment_factors` | `cinf_table_id`, `cinf_assessment_id`, `cinf_assessment_factors_json` | |
//! | `ssd_cin_plans` | `cinp_cin_plan_id`, `cinp_person_id`, `cinp_cin_plan_start_date` | `cinp_referral_id`, `cinp_cin_plan_end_date`, `cinp_cin_plan_team`, `cinp_cin_plan_worker_id` |
//! | `ssd_s47_enquiry` | `s47e_s47_enquiry_id`, `s47e_person_id`, `s47e_s47_start_date` | `s47e_referral_id`, `s47e_s47_end_date`, `s47e_s47_nfa`, `s47e_s47_outcome_json`, `s47e_s47_completed_by_team`, `s47e_s47_completed_by_worker_id` |
//! | `ssd_initial_cp_conference` | `icpc_icpc_id`, `icpc_person_id`, `icpc_icpc_date` | `icpc_icpc_meeting_id`, `icpc_s47_enquiry_id`, `icpc_cp_plan_id`, `icpc_referral_id`, `icpc_icpc_transfer_in`, `icpc_icpc_target_date`, `icpc_icpc_outcome_cp_flag`, `icpc_icpc_outcome_json`, `icpc_icpc_team`, `icpc_icpc_worker_id` |
//! | `ssd_cp_plans` | `cppl_cp_plan_id`, `cppl_person_id`, `cppl_cp_plan_start_date` | `cppl_referral_id`, `cppl_icpc_id`, `cppl_cp_plan_end_date`, `cppl_cp_plan_ola`, `cppl_cp_plan_initial_category`, `cppl_cp_plan_latest_category` |
//! | `ssd_involvements` | `invo_involvements_id`, `invo_professional_id`, `invo_person_id`, `invo_involvement_start_date` | `invo_professional_role_id`, `invo_professional_team`, `invo_involvement_end_date`, `invo_worker_change_reason`, `invo_referral_id` |
//! | `ssd_professionals` | `prof_professional_id` | `prof_staff_id`, `prof_professional_name`, `prof_social_worker_registration_no`, `prof_agency_worker_flag`, `prof_professional_job_title`, `prof_professional_caseload`, `prof_professional_department`, `prof_full_time_equivalency` |
//! | `ssd_department` | `dept_team_id`, `dept_team_name` | `dept_team_parent_id`, `dept_team_parent_name` |
//!
//! Values: dates `YYYY-MM-DD` (a time after it is ignored) or `DD/MM/YYYY`; flags `Y`/`N`,
//! `1`/`0`, `true`/`false`; codes from the domain's code lists (sex `M`/`F`/`U`, DfE
//! ethnicity, UPN unknown `UN1`–`UN7`, referral and contact source, primary need, reason for
//! closure, category of abuse, assessment factors); `cinf_assessment_factors_json` a JSON
//! array of codes, a JSON object keyed by code, or codes separated by commas. `*_json` outcome
//! columns are kept verbatim. A blank required value, an impossible date, a bad flag or an
//! unknown code rejects the row. An invalid NHS number, UPN or postcode is left out of the
//! person with a field note; the row is kept.
//!
//! # Order and memory
//!
//! Every child-scoped table (`ssd_family` … `ssd_involvements`) must be sorted by its person
//! column in the order of `ssd_person.csv`: numeric ids by value, before other ids, which sort
//! as text ([`person_order`]). The reader walks `ssd_person.csv` and advances every other file
//! to the same person, so it holds one child's rows at a time; `ssd_assessment_factors` (it
//! has no person column) must list factors in the order of the assessments in
//! `ssd_cin_assessments.csv`. `ssd_department` is held in memory (at most
//! [`MAX_DEPARTMENTS`] rows; it names teams). `ssd_professionals` is streamed first.
//!
//! A row whose person id is lower than the row before it in the same file is rejected as
//! out of order (its child has already been handed out, so the row is not added to it). A row
//! naming a person that `ssd_person.csv` does not have is rejected as an orphan.
//!
//! # Per child, all or nothing
//!
//! [`SsdReader`] yields [`SsdGroup`]s: one per professional, one per child (its person record
//! first, then family memberships, contacts, episodes, assessments, plans and involvements;
//! addresses and linked identifiers become fields of the person), and a last one with the
//! rejections of rows left over. When any row of a child is bad (impossible date, unknown
//! code, ragged), the child's group has no records and one rejection per bad row, each
//! located by file and line: a child is never half-given. Record ids are
//! `<table>/<id>` (`ssd_cin_episodes/42`; a person is its `pers_person_id`), so a rerun
//! gives the same keys and duplicates nothing.
//!
//! [`source::SsdExtractSource`] is the adapter SDK's `SourceAdapter` over an extract
//! directory.

mod child;
mod columns;
mod reader;
pub mod source;
pub mod synthetic;
mod table;
mod values;

pub use child::SsdGroup;
pub use columns::{ALL_TABLES, CHILD_TABLES, Table};
pub use reader::{MAX_DEPARTMENTS, SsdReader};
pub use table::person_order;
