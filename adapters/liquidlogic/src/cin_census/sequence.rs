//! Element names and the XSD sequences they form: which child elements a complex element
//! takes, in which order and how many times.

/// Declares [`Tag`]: one variant per element name of the CIN census XSDs.
macro_rules! tags {
    ($($variant:ident,)+) => {
        /// An element name of the CIN census, or [`Tag::Other`] for any name it does not use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)] // the XSDs' names, verbatim
        pub(crate) enum Tag {
            $($variant,)+
            /// A name the XSDs do not define.
            Other,
        }

        impl Tag {
            /// The tag with this (namespace-free) name.
            pub(crate) fn from_name(name: &[u8]) -> Self {
                match name {
                    $(n if n == stringify!($variant).as_bytes() => Self::$variant,)+
                    _ => Self::Other,
                }
            }

            /// The element name (`?` for [`Tag::Other`]).
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                    Self::Other => "?",
                }
            }
        }
    };
}

tags! {
    Message, Header, CollectionDetails, Collection, Year, ReferenceDate, Source, SourceLevel,
    LEA, SoftwareCode, Release, SerialNo, DateTime, Children, Child, ChildIdentifiers,
    LAchildID, UPN, FormerUPN, UPNunknown, PersonBirthDate, ExpectedPersonBirthDate,
    GenderCurrent, Sex, PersonDeathDate, ChildCharacteristics, Ethnicity, Disabilities,
    Disability, CINdetails, CINreferralDate, ReferralSource, PrimaryNeedCode, CINclosureDate,
    ReasonForClosure, DateOfInitialCPC, Assessments, AssessmentActualStartDate,
    AssessmentInternalReviewDate, AssessmentAuthorisationDate, FactorsIdentifiedAtAssessment,
    AssessmentFactors, CINPlanDates, CINPlanStartDate, CINPlanEndDate, Section47,
    S47ActualStartDate, InitialCPCtarget, ICPCnotRequired, ReferralNFA, ChildProtectionPlans,
    CPPstartDate, CPPendDate, InitialCategoryOfAbuse, LatestCategoryOfAbuse,
    NumberOfPreviousCPP, Reviews, CPPreviewDate, PreProceedingsandFGDM,
    LetterBeforeProceedingsDate, FGDMOffered, FGDMFacilitated, PreProceedingsOutcome,
}

/// "Any number of times".
pub(crate) const UNBOUNDED: u32 = u32::MAX;

/// One position of a sequence: the element(s) allowed there (more than one is a choice) and
/// `minOccurs`/`maxOccurs`.
pub(crate) struct Slot {
    pub(crate) tags: &'static [Tag],
    pub(crate) min: u32,
    pub(crate) max: u32,
}

const fn slot(tags: &'static [Tag], min: u32, max: u32) -> Slot {
    Slot { tags, min, max }
}

use Tag as T;

/// `messagetype`.
pub(crate) const MESSAGE: &[Slot] = &[slot(&[T::Header], 0, 1), slot(&[T::Children], 1, 1)];
/// `headertype`.
pub(crate) const HEADER: &[Slot] = &[
    slot(&[T::CollectionDetails], 0, 1),
    slot(&[T::Source], 0, UNBOUNDED),
];
/// `collectiondetailstype`.
pub(crate) const COLLECTION_DETAILS: &[Slot] = &[
    slot(&[T::Collection], 0, 1),
    slot(&[T::Year], 0, 1),
    slot(&[T::ReferenceDate], 0, 1),
];
/// `sourcetype`.
pub(crate) const SOURCE: &[Slot] = &[
    slot(&[T::SourceLevel], 0, 1),
    slot(&[T::LEA], 1, 1),
    slot(&[T::SoftwareCode], 0, 1),
    slot(&[T::Release], 0, 1),
    slot(&[T::SerialNo], 0, 1),
    slot(&[T::DateTime], 0, 1),
];
/// `childtype` (with the 2025/26 `PreProceedingsandFGDM`; the year rules refuse it earlier).
pub(crate) const CHILD: &[Slot] = &[
    slot(&[T::ChildIdentifiers], 1, 1),
    slot(&[T::ChildCharacteristics], 1, 1),
    slot(&[T::CINdetails], 1, UNBOUNDED),
    slot(&[T::PreProceedingsandFGDM], 0, UNBOUNDED),
];
/// `childidentifierstype` (`GenderCurrent` to 2024, `Sex` from 2024/25: a choice here, the
/// year rules pick one).
pub(crate) const CHILD_IDENTIFIERS: &[Slot] = &[
    slot(&[T::LAchildID], 1, 1),
    slot(&[T::UPN], 0, 1),
    slot(&[T::FormerUPN], 0, 1),
    slot(&[T::UPNunknown], 0, 1),
    slot(&[T::PersonBirthDate], 0, 1),
    slot(&[T::ExpectedPersonBirthDate], 0, 1),
    slot(&[T::GenderCurrent, T::Sex], 1, 1),
    slot(&[T::PersonDeathDate], 0, 1),
];
/// `childcharacteristicstype`.
pub(crate) const CHILD_CHARACTERISTICS: &[Slot] =
    &[slot(&[T::Ethnicity], 1, 1), slot(&[T::Disabilities], 0, 1)];
/// `Disabilities`.
pub(crate) const DISABILITIES: &[Slot] = &[slot(&[T::Disability], 1, UNBOUNDED)];
/// `cindetailstype`.
pub(crate) const CIN_DETAILS: &[Slot] = &[
    slot(&[T::CINreferralDate], 1, 1),
    slot(&[T::ReferralSource], 1, 1),
    slot(&[T::PrimaryNeedCode], 0, 1),
    slot(&[T::CINclosureDate], 0, 1),
    slot(&[T::ReasonForClosure], 0, 1),
    slot(&[T::DateOfInitialCPC], 0, 1),
    slot(&[T::Assessments], 0, UNBOUNDED),
    slot(&[T::CINPlanDates], 0, UNBOUNDED),
    slot(&[T::Section47], 0, UNBOUNDED),
    slot(&[T::ReferralNFA], 1, 1),
    slot(&[T::ChildProtectionPlans], 0, UNBOUNDED),
];
/// `assessmentstype`.
pub(crate) const ASSESSMENTS: &[Slot] = &[
    slot(&[T::AssessmentActualStartDate], 1, 1),
    slot(&[T::AssessmentInternalReviewDate], 0, 1),
    slot(&[T::AssessmentAuthorisationDate], 0, 1),
    slot(&[T::FactorsIdentifiedAtAssessment], 0, 1),
];
/// `FactorsIdentifiedAtAssessment`.
pub(crate) const FACTORS: &[Slot] = &[slot(&[T::AssessmentFactors], 1, UNBOUNDED)];
/// `cinplandatesttype`.
pub(crate) const CIN_PLAN_DATES: &[Slot] = &[
    slot(&[T::CINPlanStartDate], 1, 1),
    slot(&[T::CINPlanEndDate], 0, 1),
];
/// `section47type`.
pub(crate) const SECTION47: &[Slot] = &[
    slot(&[T::S47ActualStartDate], 1, 1),
    slot(&[T::InitialCPCtarget], 0, 1),
    slot(&[T::DateOfInitialCPC], 0, 1),
    slot(&[T::ICPCnotRequired], 1, 1),
];
/// `childprotectionplanstype`.
pub(crate) const CHILD_PROTECTION_PLANS: &[Slot] = &[
    slot(&[T::CPPstartDate], 1, 1),
    slot(&[T::CPPendDate], 0, 1),
    slot(&[T::InitialCategoryOfAbuse], 1, 1),
    slot(&[T::LatestCategoryOfAbuse], 1, 1),
    slot(&[T::NumberOfPreviousCPP], 1, 1),
    slot(&[T::Reviews], 0, 1),
];
/// `Reviews`.
pub(crate) const REVIEWS: &[Slot] = &[slot(&[T::CPPreviewDate], 1, UNBOUNDED)];
/// `PreProceedingsandFGDM` (familygraph's reading of the 2025/26 shape).
pub(crate) const PRE_PROCEEDINGS: &[Slot] = &[
    slot(&[T::LetterBeforeProceedingsDate], 1, 1),
    slot(&[T::FGDMOffered], 1, 1),
    slot(&[T::FGDMFacilitated], 1, 1),
    slot(&[T::PreProceedingsOutcome], 0, 1),
];

/// Why an element does not fit its parent's sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Misfit {
    /// The parent takes no such element.
    Unexpected,
    /// The element comes after one that must follow it.
    OutOfOrder { after: &'static str },
    /// More than `maxOccurs`.
    TooMany { max: u32 },
}

/// Follows one complex element's children through its sequence.
pub(crate) struct SequenceCheck {
    slots: &'static [Slot],
    counts: [u32; 12],
    position: usize,
}

impl SequenceCheck {
    pub(crate) fn new(slots: &'static [Slot]) -> Self {
        Self {
            slots,
            counts: [0; 12],
            position: 0,
        }
    }

    /// Accepts the next child element `tag`.
    pub(crate) fn accept(&mut self, tag: Tag) -> Result<(), Misfit> {
        let index = self
            .slots
            .iter()
            .position(|s| s.tags.contains(&tag))
            .ok_or(Misfit::Unexpected)?;
        if index < self.position {
            let after = self.slots[self.position].tags[0].name();
            return Err(Misfit::OutOfOrder { after });
        }
        let count = &mut self.counts[index];
        *count = count.saturating_add(1);
        if *count > self.slots[index].max {
            return Err(Misfit::TooMany {
                max: self.slots[index].max,
            });
        }
        self.position = index;
        Ok(())
    }

    /// The first required element that never came, if any.
    pub(crate) fn missing(&self) -> Option<&'static str> {
        self.slots
            .iter()
            .zip(self.counts)
            .find(|(slot, count)| *count < slot.min)
            .map(|(slot, _)| slot.tags[0].name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Tag::from_name(b"CINdetails"), Tag::CINdetails);
        assert_eq!(Tag::CINdetails.name(), "CINdetails");
        assert_eq!(Tag::from_name(b"cindetails"), Tag::Other);
    }

    #[test]
    fn sequences_check_order_counts_and_presence() {
        let mut check = SequenceCheck::new(SECTION47);
        assert_eq!(check.accept(Tag::S47ActualStartDate), Ok(()));
        assert_eq!(check.missing(), Some("ICPCnotRequired"));
        assert_eq!(check.accept(Tag::DateOfInitialCPC), Ok(()));
        assert_eq!(
            check.accept(Tag::InitialCPCtarget),
            Err(Misfit::OutOfOrder {
                after: "DateOfInitialCPC"
            })
        );
        assert_eq!(check.accept(Tag::ReferralNFA), Err(Misfit::Unexpected));
        assert_eq!(check.accept(Tag::ICPCnotRequired), Ok(()));
        assert_eq!(
            check.accept(Tag::ICPCnotRequired),
            Err(Misfit::TooMany { max: 1 })
        );
        assert_eq!(check.missing(), None);
    }

    #[test]
    fn no_sequence_is_longer_than_the_counters() {
        for seq in [
            MESSAGE,
            HEADER,
            COLLECTION_DETAILS,
            SOURCE,
            CHILD,
            CHILD_IDENTIFIERS,
            CHILD_CHARACTERISTICS,
            DISABILITIES,
            CIN_DETAILS,
            ASSESSMENTS,
            FACTORS,
            CIN_PLAN_DATES,
            SECTION47,
            CHILD_PROTECTION_PLANS,
            REVIEWS,
            PRE_PROCEEDINGS,
        ] {
            assert!(seq.len() <= 12);
        }
    }
}
