//! Code lists from health records (FHIR UK Core).

use crate::code_enum::code_enum;

code_enum! {
    /// How far an NHS number has been checked against the Personal Demographics Service:
    /// the UK Core `NHSNumberVerificationStatusEngland` codes, used verbatim. Only `01`
    /// means the number is known to belong to the person.
    pub enum NhsNumberVerificationStatus {
        Verified = "01" => "Number present and verified",
        PresentNotTraced = "02" => "Number present but not traced",
        TraceRequired = "03" => "Trace required",
        TraceNoMatch = "04" => "Trace attempted - No match or multiple match found",
        TraceToBeResolved = "05" => "Trace needs to be resolved - (NHS Number or patient detail conflict)",
        TraceInProgress = "06" => "Trace in progress",
        NotPresentTraceNotRequired = "07" => "Number not present and trace not required",
        TracePostponedBaby = "08" => "Trace postponed (baby under six weeks old)",
    }
}

impl NhsNumberVerificationStatus {
    /// Whether the number has been verified against the national register (`01`), so that
    /// records may be linked by it without review.
    pub const fn is_verified(self) -> bool {
        matches!(self, Self::Verified)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::code_enum::testing::check_code_list;

    #[test]
    fn verification_status_codes() {
        check_code_list::<NhsNumberVerificationStatus>(8);
        assert!(
            NhsNumberVerificationStatus::parse("status", "01")
                .unwrap()
                .is_verified()
        );
        assert!(!NhsNumberVerificationStatus::TraceRequired.is_verified());
        assert!(NhsNumberVerificationStatus::parse("status", "09").is_err());
    }
}
