//! Access policy as data: which children's records each role reaches ([`Relation`]s), which
//! classes of data it sees ([`FieldClass`]es), and which [`Operation`]s it may perform — read
//! from a TOML file a council can change without recompiling (`policy/familygraph-policy.toml`
//! is the default, built in; `FAMILYGRAPH_POLICY` names another).
//!
//! The policy also classifies the GraphQL record types and their fields: a record is visible
//! only with its type's `record` class (applied in SQL by the store), and each field needs its
//! class (applied as the field resolves).

mod matrix;
mod scope;
mod vocabulary;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::principal::{Principal, Role};
use crate::workflow::Operation;

pub use matrix::render_matrix;
pub use scope::{Reaching, RecordScope};
pub use vocabulary::{FieldClass, Relation};

/// The built-in policy's text.
pub const BUILTIN_POLICY: &str = include_str!("../../../../policy/familygraph-policy.toml");

/// Why a policy file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Not valid TOML, or a key the format does not know.
    #[error("the policy is not valid: {0}")]
    Syntax(String),
    /// Valid TOML that breaks a rule of the policy format.
    #[error("the policy is not valid: {0}")]
    Invalid(String),
}

/// What one role (or the union of a caller's roles) is granted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleGrant {
    /// The relations through which the role reaches children.
    pub relations: BTreeSet<Relation>,
    /// The classes of data it sees in the records it reaches.
    pub classes: BTreeSet<FieldClass>,
    /// The operations it may perform on the records it reaches.
    pub operations: BTreeSet<Operation>,
}

/// The classes of one GraphQL record type: the class needed to see the record at all, the
/// class of its fields by default, and the fields classed otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeClasses {
    /// Needed to see the record.
    pub record: FieldClass,
    /// The class of fields not listed in `fields`.
    pub default: FieldClass,
    /// Fields whose class differs from `default`.
    pub fields: BTreeMap<String, FieldClass>,
}

/// The access policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    roles: BTreeMap<Role, RoleGrant>,
    types: BTreeMap<String, TypeClasses>,
    front_door_recent_days: u32,
    break_glass_default_minutes: u32,
    break_glass_max_minutes: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: u32,
    front_door: FrontDoorSection,
    break_glass: BreakGlassSection,
    roles: BTreeMap<String, RoleSection>,
    types: BTreeMap<String, TypeSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontDoorSection {
    recent_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakGlassSection {
    default_minutes: u32,
    max_minutes: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSection {
    #[allow(dead_code)]
    description: String,
    relations: Vec<String>,
    classes: Vec<String>,
    operations: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeSection {
    record: String,
    default: String,
    #[serde(default)]
    fields: BTreeMap<String, Vec<String>>,
}

fn invalid(message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid(message.into())
}

fn class(name: &str, at: &str) -> Result<FieldClass, PolicyError> {
    FieldClass::parse(name).ok_or_else(|| {
        invalid(format!(
            "{at}: {name:?} is not a field class ({})",
            FieldClass::known()
        ))
    })
}

impl Policy {
    /// The built-in policy (`policy/familygraph-policy.toml`).
    pub fn builtin() -> Result<Policy, PolicyError> {
        Policy::parse(BUILTIN_POLICY)
    }

    /// Reads a policy from its TOML text, refusing anything it does not understand: unknown
    /// keys, roles, relations, classes or operations, a role missing, a field classed twice.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyError::Syntax(e.message().to_owned()))?;
        if file.version != 1 {
            return Err(invalid(format!(
                "version {} is not supported (1 is)",
                file.version
            )));
        }
        if file.break_glass.max_minutes == 0
            || file.break_glass.default_minutes == 0
            || file.break_glass.default_minutes > file.break_glass.max_minutes
        {
            return Err(invalid(
                "break_glass: default_minutes must be between 1 and max_minutes",
            ));
        }
        let mut roles = BTreeMap::new();
        for (name, section) in &file.roles {
            let role = Role::parse(name).map_err(|e| invalid(format!("roles.{name}: {e}")))?;
            let at = format!("roles.{name}");
            let mut grant = RoleGrant::default();
            for relation in &section.relations {
                grant
                    .relations
                    .insert(Relation::parse(relation).ok_or_else(|| {
                        invalid(format!(
                            "{at}.relations: {relation:?} is not a relation ({})",
                            Relation::known()
                        ))
                    })?);
            }
            for name in &section.classes {
                grant.classes.insert(class(name, &format!("{at}.classes"))?);
            }
            for operation in &section.operations {
                grant
                    .operations
                    .insert(Operation::parse(operation).ok_or_else(|| {
                        invalid(format!(
                            "{at}.operations: {operation:?} is not an operation ({})",
                            Operation::known()
                        ))
                    })?);
            }
            if !grant.relations.is_empty() && !grant.classes.contains(&FieldClass::Identity) {
                return Err(invalid(format!(
                    "{at}: a role that reaches children must see their identity"
                )));
            }
            roles.insert(role, grant);
        }
        if let Some(missing) = Role::ALL.iter().find(|r| !roles.contains_key(r)) {
            return Err(invalid(format!(
                "roles.{missing} is missing: every role must be listed (with empty lists to grant nothing)"
            )));
        }
        let mut types = BTreeMap::new();
        for (name, section) in &file.types {
            let at = format!("types.{name}");
            let mut fields = BTreeMap::new();
            for (class_name, names) in &section.fields {
                let field_class = class(class_name, &format!("{at}.fields"))?;
                for field in names {
                    if fields.insert(field.clone(), field_class).is_some() {
                        return Err(invalid(format!("{at}: field {field:?} is classed twice")));
                    }
                }
            }
            types.insert(
                name.clone(),
                TypeClasses {
                    record: class(&section.record, &format!("{at}.record"))?,
                    default: class(&section.default, &format!("{at}.default"))?,
                    fields,
                },
            );
        }
        Ok(Policy {
            roles,
            types,
            front_door_recent_days: file.front_door.recent_days,
            break_glass_default_minutes: file.break_glass.default_minutes,
            break_glass_max_minutes: file.break_glass.max_minutes,
        })
    }

    /// What `role` alone is granted.
    pub fn role(&self, role: Role) -> &RoleGrant {
        static EMPTY: std::sync::LazyLock<RoleGrant> = std::sync::LazyLock::new(RoleGrant::default);
        self.roles.get(&role).unwrap_or(&EMPTY)
    }

    /// What a caller with `roles` is granted: the union of the roles' grants.
    pub fn grant(&self, roles: &[Role]) -> RoleGrant {
        let mut grant = RoleGrant::default();
        for role in roles {
            let one = self.role(*role);
            grant.relations.extend(one.relations.iter().copied());
            grant.classes.extend(one.classes.iter().copied());
            grant.operations.extend(one.operations.iter().copied());
        }
        grant
    }

    /// Whether `principal` may perform `operation` (on records in its scope).
    pub fn may(&self, principal: &Principal, operation: Operation) -> bool {
        principal
            .roles
            .iter()
            .any(|r| self.role(*r).operations.contains(&operation))
    }

    /// The roles granted `operation`.
    pub fn roles_for(&self, operation: Operation) -> Vec<Role> {
        Role::ALL
            .iter()
            .copied()
            .filter(|r| self.role(*r).operations.contains(&operation))
            .collect()
    }

    /// The row scope and classes of `principal`.
    pub fn scope_for(&self, principal: &Principal) -> RecordScope {
        let grant = self.grant(&principal.roles);
        let everything = grant.relations.contains(&Relation::AllChildren);
        let mut reaching = Vec::new();
        if !everything {
            for relation in &grant.relations {
                let reach = match relation {
                    Relation::Allocated => Some(Reaching::Allocated {
                        subject: principal.subject.clone(),
                    }),
                    Relation::Team => principal.team.clone().map(|t| Reaching::Teams(vec![t])),
                    Relation::Locality => principal
                        .team
                        .clone()
                        .map(|t| Reaching::Localities(vec![t])),
                    Relation::FrontDoorQueue => Some(Reaching::FrontDoorQueue {
                        recent_days: self.front_door_recent_days,
                    }),
                    Relation::OnRoll => principal
                        .school_urn
                        .as_ref()
                        .map(|u| Reaching::OnRoll(u.as_str().to_owned())),
                    Relation::WorkingWith => principal.agency.clone().map(Reaching::WorkingWith),
                    Relation::ActiveChildProtection => Some(Reaching::ActiveChildProtection),
                    Relation::BreakGlass => Some(Reaching::BreakGlass {
                        subject: principal.subject.clone(),
                    }),
                    Relation::AllChildren => None,
                };
                reaching.extend(reach);
            }
        }
        let own_agency = principal
            .school_urn
            .iter()
            .map(|u| u.as_str().to_owned())
            .chain(principal.agency.iter().cloned())
            .collect();
        let mut hidden = std::collections::BTreeSet::new();
        for (name, classes) in &self.types {
            if !grant.classes.contains(&classes.record) {
                hidden.insert(name.clone());
            }
            for (field, class) in &classes.fields {
                if !grant.classes.contains(class) {
                    hidden.insert(format!("{name}.{field}"));
                }
            }
        }
        RecordScope::new(everything, reaching, grant.classes, own_agency).hiding(hidden)
    }

    /// The classes of a record type, if the policy guards it (reference data is unguarded).
    pub fn type_classes(&self, type_name: &str) -> Option<&TypeClasses> {
        self.types.get(type_name)
    }

    /// The guarded record types and their classes.
    pub fn types(&self) -> &BTreeMap<String, TypeClasses> {
        &self.types
    }

    /// The class of `type_name.field`, if the type is guarded.
    pub fn field_class(&self, type_name: &str, field: &str) -> Option<FieldClass> {
        self.types
            .get(type_name)
            .map(|t| t.fields.get(field).copied().unwrap_or(t.default))
    }

    /// How many days a decided contact stays in the front door's view.
    pub fn front_door_recent_days(&self) -> u32 {
        self.front_door_recent_days
    }

    /// Break-glass grant length when none is asked for, in minutes.
    pub fn break_glass_default_minutes(&self) -> u32 {
        self.break_glass_default_minutes
    }

    /// The longest break-glass grant, in minutes.
    pub fn break_glass_max_minutes(&self) -> u32 {
        self.break_glass_max_minutes
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
