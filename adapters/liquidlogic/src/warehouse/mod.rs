//! The Liquid Logic reporting warehouse (`Child_Social` tables), read incrementally over SQL.
//!
//! Councils running Liquid Logic have no API to it: they read its reporting warehouse. The
//! warehouse itself is SQL Server; this source reads a PostgreSQL or SQLite copy of the tables
//! it needs (a replica, a nightly copy), with the vendor's table and column names.
//! [`WarehouseSource`] is the adapter SDK's `SourceAdapter` over it; [`synthetic`] builds such
//! a database with synthetic rows.
//!
//! # Tables, columns and records
//!
//! Every table has an integer primary key and `LAST_UPDATED_DTTM` (when the row last changed).
//! Values are read as text: `_DTTM` columns as `YYYY-MM-DD[ HH:MM:SS]`, flags `Y`/`N`, codes
//! from the domain's code lists; `-1` in a reference column means "none" (Liquid Logic's
//! convention). Record ids are `TABLE/ID` (`FACT_CONTACTS/10001`), a person's its
//! `DIM_PERSON_ID`.
//!
//! | table | record | columns → fields |
//! | --- | --- | --- |
//! | `DIM_DEPARTMENT` | (team names) | `DIM_DEPARTMENT_ID`, `NAME` → the `team` of other records |
//! | `DIM_WORKER` | `ProfessionalRecord` | `FORENAME` + `SURNAME` → name, `JOB_TITLE`, `WORKER_ID_CODE` → registration number, `DIM_DEPARTMENT_ID` → team, `AGENCY_WORKER_FLAG` |
//! | `DIM_PERSON` + `DIM_PERSON_ADDRESS` | `PersonRecord` | `FORENAME`, `SURNAME`, `GENDER_MAIN_CODE` → sex, `ETHNICITY_MAIN_CODE`, `BIRTH_DTTM` (→ expected birth date when `DOB_ESTIMATED` = `Y`), `DEATH_DTTM`, `NHS_NUMBER`, `UPN`, `NO_UPN_CODE`, `DIM_PERSON_ID` → case system id; addresses (`HOUSE_NO`, `STREET`, `TOWN`, `POSTCODE`, `ADDSS_TYPE_CODE`, `END_DTTM` → ended), the open address's postcode → postcode |
//! | `FACT_PERSON_RELATION` | `FamilyMembershipRecord` | `DIM_LOOKUP_RELTN_TYPE_CODE` `CHI` (related person is the person's child) or `PAR` (… parent): the child is a member of family `parent:<parent id>`; other known codes are skipped |
//! | `FACT_CONTACTS` | `ContactRecord` | `CONTACT_DTTM` → date, `DIM_LOOKUP_CONT_SORC_ID_CODE` → source, `OUTCOME_*_FLAG` + `OUTCOME_COMMENTS` → outcome |
//! | `FACT_REFERRALS` | `EpisodeRecord` (children in need) | `REFRL_START_DTTM`, `REFRL_END_DTTM`, `DIM_LOOKUP_CATEGORY_OF_NEED_CODE` → primary need, `DIM_LOOKUP_CONT_SORC_ID_CODE` → referral source, `DIM_LOOKUP_REFRL_ENDRSN_ID_CODE` → closure reason, `OUTCOME_NFA_FLAG` → no further action, `OUTCOME_*_FLAG` → outcome, `DIM_DEPARTMENT_ID`, `DIM_WORKER_ID` |
//! | `FACT_CAF_EPISODE` | `EpisodeRecord` (early help) | `EPISODE_START_DTTM`, `EPISODE_END_DTTM`, `START_REASON`, `DIM_LOOKUP_CAF_EP_ENDRSN_ID_CODE` → end reason, `DIM_LOOKUP_ORIGINATING_ORGANISATION_CODE` → team, `DIM_WORKER_ID` |
//! | `FACT_SINGLE_ASSESSMENT` + `FACT_FORM_ANSWERS` | `AssessmentRecord` (child and family) | `START_DTTM`, `FACT_REFERRAL_ID` → episode, answers of its `FACT_FORM_ID`: `FormEndDate` → end date, factor codes (`1A`…`24A`) answered `Yes` → factors; `OUTCOME_*_FLAG`, `COMPLETED_BY_DEPT_ID`, `COMPLETED_BY_USER_ID` |
//! | `FACT_CARE_PLAN_SUMMARY` | `CasePlanRecord` (child in need) | rows with `DIM_LOOKUP_PLAN_TYPE_CODE` = `FP` and status not `z`: `START_DTTM`, `END_DTTM`, `DIM_PLAN_COORD_DEPT_ID`, `DIM_PLAN_COORD_ID` |
//! | `FACT_S47` | `AssessmentRecord` (section 47) | `START_DTTM`, `END_DTTM`, `OUTCOME_NFA_FLAG`, `OUTCOME_*_FLAG`, `COMPLETED_BY_DEPT_ID`, `COMPLETED_BY_USER_ID` |
//! | `FACT_CP_CONFERENCE` | `AssessmentRecord` (initial conference) | `MEETING_DTTM` → start date, `OUTCOME_CP_FLAG` → child protection plan, `OUTCOME_*_FLAG`, `ORGANISED_BY_DEPT_ID`, `ORGANISED_BY_USER_ID` |
//! | `FACT_CP_PLAN` + `FACT_CP_REVIEW` | `CasePlanRecord` (child protection) | `START_DTTM`, `END_DTTM`, `INIT_CATEGORY_CODE`, `CP_CATEGORY_CODE`; its reviews' `MEETING_DTTM` → review dates |
//! | `FACT_INVOLVEMENTS` | `InvolvementRecord` | `DIM_WORKER_ID` → professional, `DIM_LOOKUP_INVOLVEMENT_TYPE_CODE` (`CW`, `IRO`, `KA*`…) → role, `DIM_DEPARTMENT_ID`, `START_DTTM`, `END_DTTM`, `FACT_REFERRAL_ID` |
//!
//! `FACT_CASENOTES` (visits) is checked by the health check but not read: the SDK has no
//! visit record yet.
//!
//! # Bad rows
//!
//! A row with an impossible date, a value that is not a flag, an unknown code, an invalid NHS
//! number, or a child that `DIM_PERSON` does not have is a rejection located `TABLE#ID` with
//! the column and the reason (never an identifier's value); the rest of the batch is kept. A
//! bad companion row (an address, an answer, a review) rejects its parent's record, located at
//! the companion row. An invalid UPN or postcode is left out with a field note.
//!
//! # Runs, cursors and batches
//!
//! A run reads the tables in phases — `DIM_WORKER`, `DIM_PERSON`, then each child-scoped
//! table — so a child's case records arrive in the run that gives its person record or a
//! later one. Within a table, rows are read in order of (`LAST_UPDATED_DTTM`, id), at most
//! `page_size` rows per batch; a person's watermark is the latest of its row and its address
//! rows (likewise an assessment with its answers, a plan with its reviews), so a changed
//! address gives the person again. A run reads rows changed up to the latest
//! `LAST_UPDATED_DTTM` in the warehouse when it started; later changes wait for the next run.
//!
//! The cursor holds the run's phase and bound and, per table, the (modified, id) of the last
//! row given. The last batch of a run (`done`) gives the watermark cursor for the next run,
//! which reads only rows changed since. The same warehouse gives the same cursors, and a
//! fresh adapter resumes from any cursor. Deleted rows are not noticed (the warehouse keeps
//! no tombstones), and a row must get a later `LAST_UPDATED_DTTM` whenever it changes.

mod config;
mod db;
mod mapping;
mod source;
pub mod synthetic;
pub mod tables;

pub use config::{UrlSecret, WarehouseConfig};
pub use db::Dialect;
pub use mapping::RELATION_CODES;
pub use source::WarehouseSource;
