//! The DfE attendance codes (school attendance guidance, "Working together to improve school
//! attendance", in force from August 2024) and how each counts.
//!
//! A session's code puts it in one of four classes: present (attending the school, or an
//! approved educational activity off site), authorised absence, unauthorised absence, or not a
//! possible session (not counted at all). Possible sessions are the first three together;
//! absence rates and persistent absence are over possible sessions.

/// How a session with a given code counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionClass {
    /// Attending: in school (`/`, `\`, `L`) or at an approved educational activity (`K`, `V`,
    /// `P`, `W`, `B`).
    Present,
    /// Absent with the school's authorisation (`C`, `C1`, `C2`, `E`, `I`, `J1`, `M`, `R`, `S`,
    /// `T`).
    AuthorisedAbsence,
    /// Absent without authorisation (`G`, `N`, `O`, `U`).
    UnauthorisedAbsence,
    /// Not a possible session: not counted (`D`, `X`, `Y` and `Y1`–`Y7`, `Q`, `Z`, `#`).
    NotPossible,
}

impl SessionClass {
    /// Whether the session counts in possible sessions.
    pub fn is_possible(self) -> bool {
        self != Self::NotPossible
    }
}

/// Every code with its class and meaning.
pub const CODES: &[(&str, SessionClass, &str)] = &[
    ("/", SessionClass::Present, "Present (AM)"),
    ("\\", SessionClass::Present, "Present (PM)"),
    (
        "L",
        SessionClass::Present,
        "Late arrival before the register closed",
    ),
    (
        "K",
        SessionClass::Present,
        "Attending education provision arranged by the local authority",
    ),
    (
        "V",
        SessionClass::Present,
        "Attending an educational visit or trip",
    ),
    (
        "P",
        SessionClass::Present,
        "Participating in a supervised sporting activity",
    ),
    ("W", SessionClass::Present, "Attending work experience"),
    (
        "B",
        SessionClass::Present,
        "Attending any other approved educational activity",
    ),
    (
        "C",
        SessionClass::AuthorisedAbsence,
        "Leave of absence for exceptional circumstances",
    ),
    (
        "C1",
        SessionClass::AuthorisedAbsence,
        "Leave of absence for a regulated performance or employment abroad",
    ),
    (
        "C2",
        SessionClass::AuthorisedAbsence,
        "Leave of absence for a compulsory school age pupil subject to a part-time timetable",
    ),
    (
        "E",
        SessionClass::AuthorisedAbsence,
        "Suspended or permanently excluded and no alternative provision made",
    ),
    (
        "I",
        SessionClass::AuthorisedAbsence,
        "Illness (not medical or dental appointment)",
    ),
    (
        "J1",
        SessionClass::AuthorisedAbsence,
        "Leave of absence for an interview for employment or admission to another educational institution",
    ),
    (
        "M",
        SessionClass::AuthorisedAbsence,
        "Medical or dental appointment",
    ),
    ("R", SessionClass::AuthorisedAbsence, "Religious observance"),
    (
        "S",
        SessionClass::AuthorisedAbsence,
        "Leave of absence for study leave",
    ),
    (
        "T",
        SessionClass::AuthorisedAbsence,
        "Parent travelling for occupational purposes",
    ),
    (
        "G",
        SessionClass::UnauthorisedAbsence,
        "Holiday not granted by the school",
    ),
    (
        "N",
        SessionClass::UnauthorisedAbsence,
        "Reason for absence not yet established",
    ),
    (
        "O",
        SessionClass::UnauthorisedAbsence,
        "Absent in other or unknown circumstances",
    ),
    (
        "U",
        SessionClass::UnauthorisedAbsence,
        "Arrived in school after the register closed",
    ),
    (
        "D",
        SessionClass::NotPossible,
        "Attending another school at which the pupil is registered",
    ),
    (
        "X",
        SessionClass::NotPossible,
        "Non-compulsory school age pupil not required to attend",
    ),
    (
        "Y",
        SessionClass::NotPossible,
        "Unable to attend due to exceptional circumstances",
    ),
    (
        "Y1",
        SessionClass::NotPossible,
        "Unable to attend due to transport normally provided not being available",
    ),
    (
        "Y2",
        SessionClass::NotPossible,
        "Unable to attend due to widespread disruption to travel",
    ),
    (
        "Y3",
        SessionClass::NotPossible,
        "Unable to attend due to part of the school premises being closed",
    ),
    (
        "Y4",
        SessionClass::NotPossible,
        "Unable to attend due to the whole school site being unexpectedly closed",
    ),
    (
        "Y5",
        SessionClass::NotPossible,
        "Unable to attend as pupil is in criminal justice detention",
    ),
    (
        "Y6",
        SessionClass::NotPossible,
        "Unable to attend in accordance with public health guidance or law",
    ),
    (
        "Y7",
        SessionClass::NotPossible,
        "Unable to attend because of any other unavoidable cause",
    ),
    (
        "Q",
        SessionClass::NotPossible,
        "Unable to attend the school because of a lack of access arrangements",
    ),
    (
        "Z",
        SessionClass::NotPossible,
        "Prospective pupil not on admission register",
    ),
    (
        "#",
        SessionClass::NotPossible,
        "Planned whole or partial school closure",
    ),
];

/// The class of `code` (surrounding spaces ignored, letters in any case), or `None` for a
/// code the DfE does not define.
pub fn classify(code: &str) -> Option<SessionClass> {
    let code = code.trim();
    CODES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, class, _)| *class)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_code_is_listed_once_and_classified() {
        let codes: HashSet<&str> = CODES.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(codes.len(), CODES.len());
        assert_eq!(classify("/"), Some(SessionClass::Present));
        assert_eq!(classify("\\"), Some(SessionClass::Present));
        assert_eq!(classify("B"), Some(SessionClass::Present));
        assert_eq!(classify("i"), Some(SessionClass::AuthorisedAbsence));
        assert_eq!(classify("C2"), Some(SessionClass::AuthorisedAbsence));
        assert_eq!(classify("O"), Some(SessionClass::UnauthorisedAbsence));
        assert_eq!(classify("U"), Some(SessionClass::UnauthorisedAbsence));
        assert_eq!(classify("#"), Some(SessionClass::NotPossible));
        assert_eq!(classify("Y4"), Some(SessionClass::NotPossible));
        assert!(!SessionClass::NotPossible.is_possible());
        assert!(SessionClass::UnauthorisedAbsence.is_possible());
        // H (authorised holiday) and F (extended family holiday) were withdrawn.
        assert_eq!(classify("H"), None);
        assert_eq!(classify("F"), None);
        assert_eq!(classify(""), None);
    }
}
