//! The writer: one collection year's file, elements in that year's XSD order.

use std::fmt::Write as _;
use std::io::Write;

use chrono::NaiveDate;
use quick_xml::escape::escape;

use super::codes::SchemaYear;
use super::header::CensusHeader;
use super::model::{CensusChild, RecordedSex};
use super::parse;

/// Why a file or a child could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The child does not fit the year's XSD; nothing of it was written.
    #[error("child {la_child_id:?} cannot be written for {year}: {problem}")]
    Child {
        /// The child's `LAchildID`.
        la_child_id: String,
        /// The file's year.
        year: i32,
        /// What does not fit.
        problem: String,
    },
    /// The header does not fit the XSD or names another year.
    #[error("the header cannot be written: {0}")]
    Header(String),
    /// `finish` before any child: the XSDs require at least one.
    #[error("a CIN census file needs at least one child")]
    NoChildren,
    /// The output failed.
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes a CIN census file for one [`SchemaYear`] as a stream: the header on
/// [`CensusWriter::new`], each child on [`CensusWriter::write_child`] (checked first, so a
/// child that does not fit writes nothing), the closing tags on [`CensusWriter::finish`].
///
/// Per year: `GenderCurrent` is written to 2024 and `Sex` from 2025, converting the recorded
/// value where needed ([`RecordedSex`]); `PreProceedingsandFGDM` is written only from 2026 (the
/// earlier collections do not ask for it, so it is left out); a referral source `5D` or
/// closure reason `RC9` cannot be written for 2022 and refuses the child.
///
/// Wrap a file in a [`std::io::BufWriter`]: each child is one `write_all`.
pub struct CensusWriter<W: Write> {
    out: W,
    year: SchemaYear,
    children: u64,
    scratch: String,
}

impl<W: Write> CensusWriter<W> {
    /// Writes the declaration, `<Message>`, the header and `<Children>`. The header's `Year`
    /// (when given) must be `year`'s.
    pub fn new(mut out: W, year: SchemaYear, header: &CensusHeader) -> Result<Self, WriteError> {
        let mut xml = String::with_capacity(1024);
        xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Message>\n");
        write_header(&mut xml, year, header)?;
        xml.push_str("  <Children>\n");
        out.write_all(xml.as_bytes())?;
        Ok(Self {
            out,
            year,
            children: 0,
            scratch: xml,
        })
    }

    /// The file's year.
    pub fn year(&self) -> SchemaYear {
        self.year
    }

    /// Children written so far.
    pub fn children_written(&self) -> u64 {
        self.children
    }

    /// Whether `child` can be written for this year (see the type's documentation).
    pub fn check(&self, child: &CensusChild) -> Result<(), WriteError> {
        check_child(self.year, child)
    }

    /// Writes one `<Child>`, or nothing if it does not fit the year.
    pub fn write_child(&mut self, child: &CensusChild) -> Result<(), WriteError> {
        check_child(self.year, child)?;
        self.scratch.clear();
        write_child(&mut self.scratch, self.year, child);
        self.out.write_all(self.scratch.as_bytes())?;
        self.children += 1;
        Ok(())
    }

    /// Closes `<Children>` and `<Message>` and returns the output, flushed.
    pub fn finish(mut self) -> Result<W, WriteError> {
        if self.children == 0 {
            return Err(WriteError::NoChildren);
        }
        self.out.write_all(b"  </Children>\n</Message>\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn check_child(year: SchemaYear, child: &CensusChild) -> Result<(), WriteError> {
    let problem = |problem: String| WriteError::Child {
        la_child_id: child.identifiers.la_child_id.clone(),
        year: year.year(),
        problem,
    };
    if child.identifiers.la_child_id.trim().is_empty() {
        return Err(problem("LAchildID is empty".to_owned()));
    }
    if child.cin_details.is_empty() {
        return Err(problem("a child needs at least one CINdetails".to_owned()));
    }
    for details in &child.cin_details {
        if !year.allows_referral_source(details.referral_source) {
            return Err(problem(format!(
                "ReferralSource {} is not in the {year} schema",
                details.referral_source
            )));
        }
        if let Some(reason) = details.reason_for_closure
            && !year.allows_closure_reason(reason)
        {
            return Err(problem(format!(
                "ReasonForClosure {reason} is not in the {year} schema"
            )));
        }
    }
    Ok(())
}

fn write_header(
    xml: &mut String,
    year: SchemaYear,
    header: &CensusHeader,
) -> Result<(), WriteError> {
    let bad = |what: &str| WriteError::Header(what.to_owned());
    xml.push_str("  <Header>\n");
    if let Some(details) = &header.collection_details {
        if details.year.is_some_and(|y| y != year.year()) {
            return Err(bad("its Year is not the file's year"));
        }
        xml.push_str("    <CollectionDetails>\n");
        if let Some(collection) = &details.collection {
            if collection != "CIN" {
                return Err(bad("Collection must be CIN"));
            }
            leaf(xml, 6, "Collection", collection);
        }
        if let Some(y) = details.year {
            leaf(xml, 6, "Year", &y.to_string());
        }
        if let Some(date) = details.reference_date {
            leaf_date(xml, 6, "ReferenceDate", date);
        }
        xml.push_str("    </CollectionDetails>\n");
    }
    for source in &header.sources {
        xml.push_str("    <Source>\n");
        if let Some(level) = &source.source_level {
            if level != "L" {
                return Err(bad("SourceLevel must be L"));
            }
            leaf(xml, 6, "SourceLevel", level);
        }
        if !parse::lea(&source.lea) {
            return Err(bad("LEA must be three digits"));
        }
        leaf(xml, 6, "LEA", &source.lea);
        if let Some(code) = &source.software_code {
            leaf(xml, 6, "SoftwareCode", code);
        }
        if let Some(release) = &source.release {
            leaf(xml, 6, "Release", release);
        }
        if let Some(serial) = &source.serial_no {
            if !parse::serial_no(serial) {
                return Err(bad("SerialNo must be three or more digits"));
            }
            leaf(xml, 6, "SerialNo", serial);
        }
        if let Some(date_time) = &source.date_time {
            if !parse::date_time(date_time) {
                return Err(bad("DateTime must be an xs:dateTime"));
            }
            leaf(xml, 6, "DateTime", date_time);
        }
        xml.push_str("    </Source>\n");
    }
    xml.push_str("  </Header>\n");
    Ok(())
}

fn indent(xml: &mut String, depth: usize) {
    for _ in 0..depth {
        xml.push(' ');
    }
}

fn open(xml: &mut String, depth: usize, name: &str) {
    indent(xml, depth);
    let _ = writeln!(xml, "<{name}>");
}

fn close(xml: &mut String, depth: usize, name: &str) {
    indent(xml, depth);
    let _ = writeln!(xml, "</{name}>");
}

fn leaf(xml: &mut String, depth: usize, name: &str, value: &str) {
    indent(xml, depth);
    let _ = writeln!(xml, "<{name}>{}</{name}>", escape(value));
}

fn leaf_date(xml: &mut String, depth: usize, name: &str, date: NaiveDate) {
    indent(xml, depth);
    let _ = writeln!(xml, "<{name}>{}</{name}>", date.format("%Y-%m-%d"));
}

fn leaf_code(xml: &mut String, depth: usize, name: &str, code: impl std::fmt::Display) {
    indent(xml, depth);
    let _ = writeln!(xml, "<{name}>{code}</{name}>");
}

fn opt_date(xml: &mut String, depth: usize, name: &str, date: Option<NaiveDate>) {
    if let Some(date) = date {
        leaf_date(xml, depth, name, date);
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "true" } else { "false" }
}

fn write_child(xml: &mut String, year: SchemaYear, child: &CensusChild) {
    open(xml, 4, "Child");
    let ids = &child.identifiers;
    open(xml, 6, "ChildIdentifiers");
    leaf(xml, 8, "LAchildID", ids.la_child_id.trim());
    if let Some(upn) = &ids.upn {
        leaf(xml, 8, "UPN", upn.as_str());
    }
    if let Some(upn) = &ids.former_upn {
        leaf(xml, 8, "FormerUPN", upn.as_str());
    }
    if let Some(unknown) = ids.upn_unknown {
        leaf_code(xml, 8, "UPNunknown", unknown);
    }
    opt_date(xml, 8, "PersonBirthDate", ids.birth_date);
    opt_date(xml, 8, "ExpectedPersonBirthDate", ids.expected_birth_date);
    match (year.uses_sex(), ids.sex) {
        (true, sex) => leaf_code(xml, 8, "Sex", sex.as_sex()),
        (false, RecordedSex::GenderCurrent(gender)) => leaf_code(xml, 8, "GenderCurrent", gender),
        (false, sex) => leaf_code(xml, 8, "GenderCurrent", sex.as_gender_current()),
    }
    opt_date(xml, 8, "PersonDeathDate", ids.death_date);
    close(xml, 6, "ChildIdentifiers");

    open(xml, 6, "ChildCharacteristics");
    leaf_code(xml, 8, "Ethnicity", child.characteristics.ethnicity);
    if !child.characteristics.disabilities.is_empty() {
        open(xml, 8, "Disabilities");
        for disability in &child.characteristics.disabilities {
            leaf_code(xml, 10, "Disability", disability);
        }
        close(xml, 8, "Disabilities");
    }
    close(xml, 6, "ChildCharacteristics");

    for details in &child.cin_details {
        open(xml, 6, "CINdetails");
        leaf_date(xml, 8, "CINreferralDate", details.referral_date);
        leaf_code(xml, 8, "ReferralSource", details.referral_source);
        if let Some(need) = details.primary_need {
            leaf_code(xml, 8, "PrimaryNeedCode", need);
        }
        opt_date(xml, 8, "CINclosureDate", details.closure_date);
        if let Some(reason) = details.reason_for_closure {
            leaf_code(xml, 8, "ReasonForClosure", reason);
        }
        opt_date(xml, 8, "DateOfInitialCPC", details.date_of_initial_cpc);
        for assessment in &details.assessments {
            open(xml, 8, "Assessments");
            leaf_date(
                xml,
                10,
                "AssessmentActualStartDate",
                assessment.actual_start_date,
            );
            opt_date(
                xml,
                10,
                "AssessmentInternalReviewDate",
                assessment.internal_review_date,
            );
            opt_date(
                xml,
                10,
                "AssessmentAuthorisationDate",
                assessment.authorisation_date,
            );
            if !assessment.factors.is_empty() {
                open(xml, 10, "FactorsIdentifiedAtAssessment");
                for factor in &assessment.factors {
                    leaf_code(xml, 12, "AssessmentFactors", factor);
                }
                close(xml, 10, "FactorsIdentifiedAtAssessment");
            }
            close(xml, 8, "Assessments");
        }
        for plan in &details.cin_plan_dates {
            open(xml, 8, "CINPlanDates");
            leaf_date(xml, 10, "CINPlanStartDate", plan.start_date);
            opt_date(xml, 10, "CINPlanEndDate", plan.end_date);
            close(xml, 8, "CINPlanDates");
        }
        for s47 in &details.section47 {
            open(xml, 8, "Section47");
            leaf_date(xml, 10, "S47ActualStartDate", s47.actual_start_date);
            opt_date(xml, 10, "InitialCPCtarget", s47.initial_cpc_target);
            opt_date(xml, 10, "DateOfInitialCPC", s47.date_of_initial_cpc);
            leaf(xml, 10, "ICPCnotRequired", yes_no(s47.icpc_not_required));
            close(xml, 8, "Section47");
        }
        leaf(xml, 8, "ReferralNFA", yes_no(details.referral_nfa));
        for plan in &details.child_protection_plans {
            open(xml, 8, "ChildProtectionPlans");
            leaf_date(xml, 10, "CPPstartDate", plan.start_date);
            opt_date(xml, 10, "CPPendDate", plan.end_date);
            leaf_code(xml, 10, "InitialCategoryOfAbuse", plan.initial_category);
            leaf_code(xml, 10, "LatestCategoryOfAbuse", plan.latest_category);
            leaf_code(xml, 10, "NumberOfPreviousCPP", plan.number_of_previous_cpp);
            if !plan.review_dates.is_empty() {
                open(xml, 10, "Reviews");
                for &date in &plan.review_dates {
                    leaf_date(xml, 12, "CPPreviewDate", date);
                }
                close(xml, 10, "Reviews");
            }
            close(xml, 8, "ChildProtectionPlans");
        }
        close(xml, 6, "CINdetails");
    }

    if year.has_pre_proceedings() {
        for stage in &child.pre_proceedings {
            open(xml, 6, "PreProceedingsandFGDM");
            leaf_date(
                xml,
                8,
                "LetterBeforeProceedingsDate",
                stage.letter_before_proceedings_date,
            );
            leaf(xml, 8, "FGDMOffered", yes_no(stage.fgdm_offered));
            leaf(xml, 8, "FGDMFacilitated", yes_no(stage.fgdm_facilitated));
            if let Some(outcome) = stage.outcome {
                leaf_code(xml, 8, "PreProceedingsOutcome", outcome);
            }
            close(xml, 6, "PreProceedingsandFGDM");
        }
    }
    close(xml, 4, "Child");
}
