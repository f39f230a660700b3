//! The policy's vocabulary: how a caller relates to a child ([`Relation`]) and which kind of
//! data a field holds ([`FieldClass`]). Both are named in snake case in the policy file.

use std::fmt;

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant, )* }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name used in the policy file.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// The value with this policy-file name.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name)
            }

            /// Every name, comma-separated (for error messages).
            pub fn known() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named_enum! {
    /// How a caller stands to a child; a role's row scope is the union of its relations.
    pub enum Relation {
        /// The caller is allocated to the child (an open involvement of theirs).
        Allocated = "allocated",
        /// The child's case is held by the caller's team (open involvement in the team, or a
        /// contact the front door routed to the team before anyone was allocated).
        Team = "team",
        /// The child's case is held by a team in the caller's team's locality.
        Locality = "locality",
        /// The child has a contact in the front door's queue (awaiting triage, or decided
        /// within the policy's `front_door.recent_days`).
        FrontDoorQueue = "front_door_queue",
        /// The child is on the roll of the caller's school.
        OnRoll = "on_roll",
        /// The caller's agency is working with the child (an open agency link).
        WorkingWith = "working_with",
        /// The child is in an active child protection process (a strategy discussion in the
        /// last 30 days, an open section 47 enquiry, or an open child protection plan).
        ActiveChildProtection = "active_child_protection",
        /// The caller holds an unexpired break-glass grant for the child.
        BreakGlass = "break_glass",
        /// Every child (administration and assurance).
        AllChildren = "all_children",
    }
}

named_enum! {
    /// The kind of data a record or field holds; a role sees the classes its policy grants.
    pub enum FieldClass {
        /// Who the person is: names, date of birth, identifiers.
        Identity = "identity",
        /// Whether and how the service is involved: level of need, lead practitioner, open plans.
        CaseSummary = "case_summary",
        /// The casework: contacts, assessments, plans, visits, family and network.
        CaseDetail = "case_detail",
        /// The most sensitive detail: categories of abuse, assessment factors, section 47
        /// enquiries, conferences, strategy discussions, information-sharing decisions.
        SensitiveDetail = "sensitive_detail",
        /// The school partner view: whether a lead practitioner is allocated, how to reach them,
        /// whether a plan is open.
        PartnerView = "partner_view",
        /// Partner records the caller's own agency made.
        PartnerRecordsOwn = "partner_records_own",
        /// Partner records made by schools and early years settings.
        PartnerRecordsEducation = "partner_records_education",
        /// Partner records made by GP practices and health trusts.
        PartnerRecordsHealth = "partner_records_health",
        /// Partner records made by police forces.
        PartnerRecordsPolice = "partner_records_police",
        /// Partner records made by voluntary and community groups, housing and the council.
        PartnerRecordsCommunity = "partner_records_community",
        /// Schools' pupil records from their MIS — attendance and suspensions or permanent
        /// exclusions — of every school the child attended (a school sees its own through the
        /// partner view, as `partner_records_own`).
        EducationRecords = "education_records",
        /// Who looked at a record: the audit trail.
        AuditTrail = "audit_trail",
    }
}

impl FieldClass {
    /// The class that covers partner records from an agency of `kind`.
    pub fn for_partner_source(kind: crate::AgencyKind) -> FieldClass {
        use crate::AgencyKind::*;
        match kind {
            School | EarlyYears => FieldClass::PartnerRecordsEducation,
            GpPractice | HealthTrust => FieldClass::PartnerRecordsHealth,
            PoliceForce => FieldClass::PartnerRecordsPolice,
            Vcs | Housing | LocalAuthority => FieldClass::PartnerRecordsCommunity,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::AgencyKind;

    #[test]
    fn names_round_trip() {
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.as_str()), Some(*r));
        }
        for c in FieldClass::ALL {
            assert_eq!(FieldClass::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Relation::parse("everyone"), None);
        assert!(FieldClass::known().contains("sensitive_detail"));
    }

    #[test]
    fn every_agency_kind_has_a_partner_record_class() {
        for kind in AgencyKind::ALL {
            let class = FieldClass::for_partner_source(*kind);
            assert!(class.as_str().starts_with("partner_records_"), "{kind:?}");
        }
    }
}
