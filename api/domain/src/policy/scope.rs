//! [`RecordScope`]: which children's records a caller may see and which classes of data in
//! them, derived from the policy for one principal. The store turns it into SQL.

use std::collections::BTreeSet;

use super::vocabulary::FieldClass;

/// One way a caller reaches children, with the facts the SQL needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reaching {
    /// Children with an open involvement allocated to the practitioner with this subject.
    Allocated {
        /// The practitioner's identity-provider subject.
        subject: String,
    },
    /// Children whose case a team holds (team codes).
    Teams(Vec<String>),
    /// Children whose case a team in the locality of these teams holds (team codes).
    Localities(Vec<String>),
    /// Children with a contact awaiting triage or decided within `recent_days`.
    FrontDoorQueue {
        /// How long a decided contact stays in the queue's view.
        recent_days: u32,
    },
    /// Children currently on the roll of the school with this URN.
    OnRoll(String),
    /// Children with an open link to the agency with this ODS code or URN.
    WorkingWith(String),
    /// Children in an active child protection process.
    ActiveChildProtection,
    /// Children the subject holds an unexpired break-glass grant for.
    BreakGlass {
        /// The requesting practitioner's subject.
        subject: String,
    },
}

impl Reaching {
    /// Whether reaching the child also reaches the families it belongs to (and their
    /// members); a school reaches only the child on its roll.
    pub fn reaches_families(&self) -> bool {
        !matches!(self, Reaching::OnRoll(_))
    }
}

/// Which children's records a caller may see, and which classes of data; applied in SQL by
/// the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordScope {
    everything: bool,
    reaching: Vec<Reaching>,
    classes: BTreeSet<FieldClass>,
    own_agency: Vec<String>,
    hidden: BTreeSet<String>,
}

impl RecordScope {
    /// Every child, every class (system work: seeding, imports, internal matching).
    pub fn everything() -> Self {
        Self {
            everything: true,
            reaching: Vec::new(),
            classes: FieldClass::ALL.iter().copied().collect(),
            own_agency: Vec::new(),
            hidden: BTreeSet::new(),
        }
    }

    /// No child at all.
    pub fn nothing() -> Self {
        Self {
            everything: false,
            reaching: Vec::new(),
            classes: BTreeSet::new(),
            own_agency: Vec::new(),
            hidden: BTreeSet::new(),
        }
    }

    /// A scope reaching children by `reaching` (or all of them when `everything`), seeing
    /// `classes`; `own_agency` names the caller's agency (URN or ODS code) for
    /// [`FieldClass::PartnerRecordsOwn`].
    pub fn new(
        everything: bool,
        reaching: Vec<Reaching>,
        classes: BTreeSet<FieldClass>,
        own_agency: Vec<String>,
    ) -> Self {
        Self {
            everything,
            reaching,
            classes,
            own_agency,
            hidden: BTreeSet::new(),
        }
    }

    /// The same scope, with record types (`Plan`) and fields (`Assessment.factors`) whose
    /// class it lacks named as hidden, so the store can leave them out in SQL.
    pub fn hiding(mut self, hidden: BTreeSet<String>) -> Self {
        self.hidden = hidden;
        self
    }

    /// Whether the policy hides this record type (`Plan`) or field (`Assessment.factors`)
    /// from the caller: the store then returns no such rows.
    pub fn hides(&self, name: &str) -> bool {
        self.hidden.contains(name)
    }

    /// The same children, with every class: for values the API derives from rows the caller
    /// may not list itself (a child's lead practitioner, whether a plan is open), once the
    /// derived field's own class has been checked.
    pub fn unclassified(&self) -> Self {
        Self {
            everything: self.everything,
            reaching: self.reaching.clone(),
            classes: FieldClass::ALL.iter().copied().collect(),
            own_agency: self.own_agency.clone(),
            hidden: BTreeSet::new(),
        }
    }

    /// Whether every child is reachable.
    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// Whether no child is reachable.
    pub fn is_nothing(&self) -> bool {
        !self.everything && self.reaching.is_empty()
    }

    /// The ways children are reached (empty when [`Self::is_everything`]).
    pub fn reaching(&self) -> &[Reaching] {
        &self.reaching
    }

    /// Whether the scope sees data of `class`.
    pub fn sees(&self, class: FieldClass) -> bool {
        self.classes.contains(&class)
    }

    /// The classes the scope sees.
    pub fn classes(&self) -> &BTreeSet<FieldClass> {
        &self.classes
    }

    /// The caller's own agency references (school URN, agency ODS code).
    pub fn own_agency(&self) -> &[String] {
        &self.own_agency
    }
}
