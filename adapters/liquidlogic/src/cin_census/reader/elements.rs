//! The header and child elements, each read through its XSD sequence.

use std::io::BufRead;

use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Disability, Ethnicity, PrimaryNeed,
    ReferralSource, Sex, UpnUnknown,
};

use super::{CensusReader, Fault, RejectionReason, Step};
use crate::cin_census::codes::{GenderCurrent, PreProceedingsOutcome, SchemaYear};
use crate::cin_census::header::{CensusHeader, CollectionDetails, Source};
use crate::cin_census::model::{
    Assessment, CensusChild, CensusUpn, ChildCharacteristics, ChildIdentifiers,
    ChildProtectionPlan, CinDetails, CinPlanDates, PreProceedings, RecordedSex, Section47,
};
use crate::cin_census::parse;
use crate::cin_census::sequence::{self as seq, Tag};

impl<R: BufRead> CensusReader<R> {
    // ---- header ---------------------------------------------------------------------------

    pub(super) fn header_element(&mut self, empty: bool) -> Step<CensusHeader> {
        let mut header = CensusHeader::default();
        self.complex(Tag::Header, seq::HEADER, empty, |r, tag, _at, empty| {
            match tag {
                Tag::CollectionDetails => {
                    header.collection_details = Some(r.collection_details(empty)?);
                }
                _ => header.sources.push(r.source(empty)?),
            }
            Ok(())
        })?;
        Ok(header)
    }

    fn collection_details(&mut self, empty: bool) -> Step<CollectionDetails> {
        let mut details = CollectionDetails::default();
        self.complex(
            Tag::CollectionDetails,
            seq::COLLECTION_DETAILS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::Collection => {
                        details.collection =
                            Some(r.text_value(tag, at, empty, |t| t == "CIN", "CIN")?);
                    }
                    Tag::Year => {
                        details.year = Some(r.value(tag, at, empty, parse::year, |element| {
                            RejectionReason::InvalidValue {
                                element,
                                expected: "a year (xs:gYear), e.g. 2022".to_owned(),
                            }
                        })?);
                    }
                    _ => details.reference_date = Some(r.date(tag, at, empty)?),
                }
                Ok(())
            },
        )?;
        Ok(details)
    }

    fn source(&mut self, empty: bool) -> Step<Source> {
        let mut source = Source::default();
        self.complex(Tag::Source, seq::SOURCE, empty, |r, tag, at, empty| {
            match tag {
                Tag::SourceLevel => {
                    source.source_level = Some(r.text_value(tag, at, empty, |t| t == "L", "L")?);
                }
                Tag::LEA => {
                    source.lea = r.text_value(tag, at, empty, parse::lea, "three digits")?
                }
                Tag::SoftwareCode => {
                    source.software_code = Some(r.text_value(tag, at, empty, |_| true, "text")?);
                }
                Tag::Release => {
                    source.release = Some(r.text_value(tag, at, empty, |_| true, "text")?)
                }
                Tag::SerialNo => {
                    source.serial_no = Some(r.text_value(
                        tag,
                        at,
                        empty,
                        parse::serial_no,
                        "three or more digits",
                    )?);
                }
                _ => {
                    source.date_time = Some(r.text_value(
                        tag,
                        at,
                        empty,
                        parse::date_time,
                        "a date and time (xs:dateTime), e.g. 2022-05-23T11:14:05",
                    )?);
                }
            }
            Ok(())
        })?;
        Ok(source)
    }

    // ---- child ----------------------------------------------------------------------------

    pub(super) fn child(&mut self) -> Step<CensusChild> {
        let mut identifiers = None;
        let mut characteristics = None;
        let mut cin_details = Vec::new();
        let mut pre_proceedings = Vec::new();
        self.complex(Tag::Child, seq::CHILD, false, |r, tag, at, empty| {
            match tag {
                Tag::ChildIdentifiers => identifiers = Some(r.identifiers(empty)?),
                Tag::ChildCharacteristics => characteristics = Some(r.characteristics(empty)?),
                Tag::CINdetails => cin_details.push(r.cin_details(empty)?),
                _ => {
                    r.year_has(tag, at, SchemaYear::has_pre_proceedings, SchemaYear::Y2026)?;
                    pre_proceedings.push(r.pre_proceedings(empty)?);
                }
            }
            Ok(())
        })?;
        match (identifiers, characteristics) {
            (Some(identifiers), Some(characteristics)) => Ok(CensusChild {
                identifiers,
                characteristics,
                cin_details,
                pre_proceedings,
            }),
            _ => {
                let at = self.location(self.xml.buffer_position());
                Err(Fault::Invalid(
                    at,
                    RejectionReason::MissingElement {
                        element: "ChildIdentifiers".to_owned(),
                        parent: "Child".to_owned(),
                    },
                ))
            }
        }
    }

    fn identifiers(&mut self, empty: bool) -> Step<ChildIdentifiers> {
        let mut la_child_id = None;
        let mut upn = None;
        let mut former_upn = None;
        let mut upn_unknown = None;
        let mut birth_date = None;
        let mut expected_birth_date = None;
        let mut sex = None;
        let mut death_date = None;
        self.complex(
            Tag::ChildIdentifiers,
            seq::CHILD_IDENTIFIERS,
            empty,
            |r, tag, at, empty| {
                let upn_of = |t: &str| CensusUpn::parse(t);
                let upn_expected =
                    "a UPN: a letter and 12 digits, or a letter, 11 digits and a letter";
                match tag {
                    Tag::LAchildID => {
                        let id =
                            r.text_value(tag, at, empty, |t| !t.is_empty(), "a non-empty id")?;
                        la_child_id = Some(id);
                    }
                    Tag::UPN | Tag::FormerUPN => {
                        let value = r.value(tag, at, empty, upn_of, |element| {
                            RejectionReason::InvalidValue {
                                element,
                                expected: upn_expected.to_owned(),
                            }
                        })?;
                        if tag == Tag::UPN {
                            upn = Some(value);
                        } else {
                            former_upn = Some(value);
                        }
                    }
                    Tag::UPNunknown => {
                        upn_unknown = Some(r.code(tag, at, empty, UpnUnknown::from_code)?)
                    }
                    Tag::PersonBirthDate => birth_date = Some(r.date(tag, at, empty)?),
                    Tag::ExpectedPersonBirthDate => {
                        expected_birth_date = Some(r.date(tag, at, empty)?)
                    }
                    Tag::GenderCurrent => {
                        r.year_has(tag, at, |y| !y.uses_sex(), SchemaYear::Y2022)?;
                        sex = Some(RecordedSex::GenderCurrent(r.code(
                            tag,
                            at,
                            empty,
                            GenderCurrent::from_code,
                        )?));
                    }
                    Tag::Sex => {
                        r.year_has(tag, at, SchemaYear::uses_sex, SchemaYear::Y2025)?;
                        sex = Some(RecordedSex::Sex(r.code(tag, at, empty, Sex::from_code)?));
                    }
                    _ => death_date = Some(r.date(tag, at, empty)?),
                }
                Ok(())
            },
        )?;
        match (la_child_id, sex) {
            (Some(la_child_id), Some(sex)) => Ok(ChildIdentifiers {
                la_child_id,
                upn,
                former_upn,
                upn_unknown,
                birth_date,
                expected_birth_date,
                sex,
                death_date,
            }),
            _ => Err(self.internal(Tag::ChildIdentifiers)),
        }
    }

    /// A required element the sequence check let through (cannot happen).
    fn internal(&self, parent: Tag) -> Fault {
        Fault::Invalid(
            self.location(self.xml.buffer_position()),
            RejectionReason::MissingElement {
                element: "?".to_owned(),
                parent: parent.name().to_owned(),
            },
        )
    }

    fn characteristics(&mut self, empty: bool) -> Step<ChildCharacteristics> {
        let mut ethnicity = None;
        let mut disabilities = Vec::new();
        self.complex(
            Tag::ChildCharacteristics,
            seq::CHILD_CHARACTERISTICS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::Ethnicity => {
                        ethnicity = Some(r.code(tag, at, empty, Ethnicity::from_code)?)
                    }
                    _ => {
                        r.complex(
                            Tag::Disabilities,
                            seq::DISABILITIES,
                            empty,
                            |r, tag, at, empty| {
                                disabilities.push(r.code(tag, at, empty, Disability::from_code)?);
                                Ok(())
                            },
                        )?;
                    }
                }
                Ok(())
            },
        )?;
        match ethnicity {
            Some(ethnicity) => Ok(ChildCharacteristics {
                ethnicity,
                disabilities,
            }),
            None => Err(self.internal(Tag::ChildCharacteristics)),
        }
    }

    fn cin_details(&mut self, empty: bool) -> Step<CinDetails> {
        let mut referral_date = None;
        let mut referral_source = None;
        let mut primary_need = None;
        let mut closure_date = None;
        let mut reason_for_closure = None;
        let mut date_of_initial_cpc = None;
        let mut assessments = Vec::new();
        let mut cin_plan_dates = Vec::new();
        let mut section47 = Vec::new();
        let mut referral_nfa = None;
        let mut child_protection_plans = Vec::new();
        self.complex(
            Tag::CINdetails,
            seq::CIN_DETAILS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::CINreferralDate => referral_date = Some(r.date(tag, at, empty)?),
                    Tag::ReferralSource => {
                        let source = r.code(tag, at, empty, ReferralSource::from_code)?;
                        r.year_allows(tag, at, |y| y.allows_referral_source(source))?;
                        referral_source = Some(source);
                    }
                    Tag::PrimaryNeedCode => {
                        primary_need = Some(r.code(tag, at, empty, PrimaryNeed::from_code)?)
                    }
                    Tag::CINclosureDate => closure_date = Some(r.date(tag, at, empty)?),
                    Tag::ReasonForClosure => {
                        let reason = r.code(tag, at, empty, ClosureReason::from_code)?;
                        r.year_allows(tag, at, |y| y.allows_closure_reason(reason))?;
                        reason_for_closure = Some(reason);
                    }
                    Tag::DateOfInitialCPC => date_of_initial_cpc = Some(r.date(tag, at, empty)?),
                    Tag::Assessments => assessments.push(r.assessment(empty)?),
                    Tag::CINPlanDates => cin_plan_dates.push(r.cin_plan(empty)?),
                    Tag::Section47 => section47.push(r.section47(empty)?),
                    Tag::ReferralNFA => referral_nfa = Some(r.yes_no(tag, at, empty)?),
                    _ => child_protection_plans.push(r.child_protection_plan(empty)?),
                }
                Ok(())
            },
        )?;
        match (referral_date, referral_source, referral_nfa) {
            (Some(referral_date), Some(referral_source), Some(referral_nfa)) => Ok(CinDetails {
                referral_date,
                referral_source,
                primary_need,
                closure_date,
                reason_for_closure,
                date_of_initial_cpc,
                assessments,
                cin_plan_dates,
                section47,
                referral_nfa,
                child_protection_plans,
            }),
            _ => Err(self.internal(Tag::CINdetails)),
        }
    }

    fn assessment(&mut self, empty: bool) -> Step<Assessment> {
        let mut start = None;
        let mut internal_review_date = None;
        let mut authorisation_date = None;
        let mut factors = Vec::new();
        self.complex(
            Tag::Assessments,
            seq::ASSESSMENTS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::AssessmentActualStartDate => start = Some(r.date(tag, at, empty)?),
                    Tag::AssessmentInternalReviewDate => {
                        internal_review_date = Some(r.date(tag, at, empty)?)
                    }
                    Tag::AssessmentAuthorisationDate => {
                        authorisation_date = Some(r.date(tag, at, empty)?)
                    }
                    _ => {
                        r.complex(
                            Tag::FactorsIdentifiedAtAssessment,
                            seq::FACTORS,
                            empty,
                            |r, tag, at, empty| {
                                factors.push(r.code(
                                    tag,
                                    at,
                                    empty,
                                    AssessmentFactor::from_code,
                                )?);
                                Ok(())
                            },
                        )?;
                    }
                }
                Ok(())
            },
        )?;
        match start {
            Some(actual_start_date) => Ok(Assessment {
                actual_start_date,
                internal_review_date,
                authorisation_date,
                factors,
            }),
            None => Err(self.internal(Tag::Assessments)),
        }
    }

    fn cin_plan(&mut self, empty: bool) -> Step<CinPlanDates> {
        let mut start = None;
        let mut end_date = None;
        self.complex(
            Tag::CINPlanDates,
            seq::CIN_PLAN_DATES,
            empty,
            |r, tag, at, empty| {
                let date = r.date(tag, at, empty)?;
                if tag == Tag::CINPlanStartDate {
                    start = Some(date);
                } else {
                    end_date = Some(date);
                }
                Ok(())
            },
        )?;
        match start {
            Some(start_date) => Ok(CinPlanDates {
                start_date,
                end_date,
            }),
            None => Err(self.internal(Tag::CINPlanDates)),
        }
    }

    fn section47(&mut self, empty: bool) -> Step<Section47> {
        let mut start = None;
        let mut initial_cpc_target = None;
        let mut date_of_initial_cpc = None;
        let mut not_required = None;
        self.complex(
            Tag::Section47,
            seq::SECTION47,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::S47ActualStartDate => start = Some(r.date(tag, at, empty)?),
                    Tag::InitialCPCtarget => initial_cpc_target = Some(r.date(tag, at, empty)?),
                    Tag::DateOfInitialCPC => date_of_initial_cpc = Some(r.date(tag, at, empty)?),
                    _ => not_required = Some(r.yes_no(tag, at, empty)?),
                }
                Ok(())
            },
        )?;
        match (start, not_required) {
            (Some(actual_start_date), Some(icpc_not_required)) => Ok(Section47 {
                actual_start_date,
                initial_cpc_target,
                date_of_initial_cpc,
                icpc_not_required,
            }),
            _ => Err(self.internal(Tag::Section47)),
        }
    }

    fn child_protection_plan(&mut self, empty: bool) -> Step<ChildProtectionPlan> {
        let mut start = None;
        let mut end_date = None;
        let mut initial = None;
        let mut latest = None;
        let mut previous = None;
        let mut review_dates = Vec::new();
        self.complex(
            Tag::ChildProtectionPlans,
            seq::CHILD_PROTECTION_PLANS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::CPPstartDate => start = Some(r.date(tag, at, empty)?),
                    Tag::CPPendDate => end_date = Some(r.date(tag, at, empty)?),
                    Tag::InitialCategoryOfAbuse => {
                        initial = Some(r.code(tag, at, empty, CategoryOfAbuse::from_code)?)
                    }
                    Tag::LatestCategoryOfAbuse => {
                        latest = Some(r.code(tag, at, empty, CategoryOfAbuse::from_code)?)
                    }
                    Tag::NumberOfPreviousCPP => {
                        previous =
                            Some(r.value(tag, at, empty, parse::positive_integer, |element| {
                                RejectionReason::InvalidValue {
                                    element,
                                    expected: "a positive integer (xs:positiveInteger)".to_owned(),
                                }
                            })?);
                    }
                    _ => {
                        r.complex(Tag::Reviews, seq::REVIEWS, empty, |r, tag, at, empty| {
                            review_dates.push(r.date(tag, at, empty)?);
                            Ok(())
                        })?;
                    }
                }
                Ok(())
            },
        )?;
        match (start, initial, latest, previous) {
            (
                Some(start_date),
                Some(initial_category),
                Some(latest_category),
                Some(number_of_previous_cpp),
            ) => Ok(ChildProtectionPlan {
                start_date,
                end_date,
                initial_category,
                latest_category,
                number_of_previous_cpp,
                review_dates,
            }),
            _ => Err(self.internal(Tag::ChildProtectionPlans)),
        }
    }

    fn pre_proceedings(&mut self, empty: bool) -> Step<PreProceedings> {
        let mut letter = None;
        let mut offered = None;
        let mut facilitated = None;
        let mut outcome = None;
        self.complex(
            Tag::PreProceedingsandFGDM,
            seq::PRE_PROCEEDINGS,
            empty,
            |r, tag, at, empty| {
                match tag {
                    Tag::LetterBeforeProceedingsDate => letter = Some(r.date(tag, at, empty)?),
                    Tag::FGDMOffered => offered = Some(r.yes_no(tag, at, empty)?),
                    Tag::FGDMFacilitated => facilitated = Some(r.yes_no(tag, at, empty)?),
                    _ => {
                        outcome = Some(r.code(tag, at, empty, PreProceedingsOutcome::from_code)?)
                    }
                }
                Ok(())
            },
        )?;
        match (letter, offered, facilitated) {
            (Some(letter_before_proceedings_date), Some(fgdm_offered), Some(fgdm_facilitated)) => {
                Ok(PreProceedings {
                    letter_before_proceedings_date,
                    fgdm_offered,
                    fgdm_facilitated,
                    outcome,
                })
            }
            _ => Err(self.internal(Tag::PreProceedingsandFGDM)),
        }
    }
}
