//! Project code lists about what partner agencies record: the kind of record, and the lawful
//! basis it was shared with the council under. Stored codes are the SCREAMING_SNAKE names.

use crate::code_enum::code_enum;

code_enum! {
    /// What a partner agency recorded.
    pub enum PartnerRecordKind {
        Concern = "CONCERN" => "A concern about a child, passed to the front door",
        Support = "SUPPORT" => "Support the partner gave to a child or family",
    }
}

code_enum! {
    /// The lawful basis a partner shared a record under, as the partner states it. This is the
    /// UK GDPR Article 6 basis; `SAFEGUARDING` also names the special-category condition that
    /// health, ethnicity or similar details in a safeguarding record rely on.
    ///
    /// - `PUBLIC_TASK`: Art. 6(1)(e), a public body's functions (a maintained school, the NHS).
    /// - `LEGAL_OBLIGATION`: Art. 6(1)(c), a statutory duty to share (the duty to share
    ///   information relevant to safeguarding or welfare; Education Act 2002 s175/s157).
    /// - `VITAL_INTERESTS`: Art. 6(1)(d), to protect someone's life when nothing else applies.
    /// - `CONSENT`: Art. 6(1)(a), the family agreed (support records; rarely right for a
    ///   concern, since asking may put the child at risk).
    /// - `LEGITIMATE_INTERESTS`: Art. 6(1)(f), for non-public partners such as VCS groups.
    /// - `SAFEGUARDING`: Art. 6(1)(e) or (c) with Art. 9(2)(g) substantial public interest,
    ///   Data Protection Act 2018 Schedule 1 paragraph 18 "safeguarding of children and of
    ///   individuals at risk" (which allows sharing without consent).
    pub enum LawfulBasis {
        PublicTask = "PUBLIC_TASK" => "UK GDPR Art. 6(1)(e) public task",
        LegalObligation = "LEGAL_OBLIGATION" => "UK GDPR Art. 6(1)(c) legal obligation",
        VitalInterests = "VITAL_INTERESTS" => "UK GDPR Art. 6(1)(d) vital interests",
        Consent = "CONSENT" => "UK GDPR Art. 6(1)(a) consent",
        LegitimateInterests = "LEGITIMATE_INTERESTS" => "UK GDPR Art. 6(1)(f) legitimate interests",
        Safeguarding = "SAFEGUARDING" => "Public task or legal obligation, with UK GDPR Art. 9(2)(g) and DPA 2018 Sch. 1 para. 18 safeguarding of children",
    }
}

code_enum! {
    /// An information-sharing decision about a child (the 2026 Act's duty to share information
    /// relevant to safeguarding or welfare, unless sharing would be more detrimental to the
    /// child than not sharing).
    pub enum ShareDecision {
        Share = "SHARE" => "The information is shared with the agency",
        Withhold = "WITHHOLD" => "The information is withheld: sharing would be more detrimental to the child",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn partner_code_lists() {
        check_code_list::<PartnerRecordKind>(2);
        check_code_list::<LawfulBasis>(6);
        assert_eq!(LawfulBasis::Safeguarding.code(), "SAFEGUARDING");
    }
}
