//! Checks an access policy against the schema: every record type and field it classifies must
//! exist, and every type that carries children's data must be classified (so a new record type
//! cannot slip past the field classes unnoticed).

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use familygraph_domain::Policy;

/// Object types that hold no child's or family's data (reference data, payloads, connections,
/// measures): the policy need not classify them.
fn is_unguarded(name: &str) -> bool {
    const REFERENCE: &[&str] = &[
        "Query",
        "Mutation",
        "Subscription",
        "Team",
        "TeamMembership",
        "Practitioner",
        "PractitionerCaseload",
        "Agency",
        "LocalAuthority",
        "Locality",
        "Area",
        "Lsoa",
        "Deprivation",
        "FamilyHub",
        "PageInfo",
        "UserError",
        "Viewer",
        "PartnerView",
        "LeadPractitionerContact",
        "BreakGlassGrant",
        // The services directory is public directory data, not children's data: any
        // authenticated caller may read it (the store's scope leaves it unrestricted).
        "Service",
        "ServiceLocation",
        "ServiceOrganisation",
        "AgeRange",
        "TaxonomyTerm",
        // Run metadata behind the `run_adapters` operation (administrators).
        "AdapterRun",
        "AdapterRejection",
        "AdapterNote",
        "AdapterRunCounts",
        // Subscriptions and their delivery log behind `manage_webhooks`: no child's data.
        "WebhookSubscription",
        "WebhookDelivery",
        // Dead-lettered deliveries behind `run_adapters`: ids, classes and times only.
        "DeadLetter",
    ];
    REFERENCE.contains(&name)
        || name.ends_with("Connection")
        || name.ends_with("Edge")
        || name.ends_with("Payload")
        || name.ends_with("Measures")
        || name.ends_with("Count")
        || name.ends_with("Summary")
        || name.ends_with("HandOffs")
        || name == "HandOffsPerChild"
        || name == "Timeliness"
}

/// The object types of the schema and their fields.
fn object_types() -> BTreeMap<String, BTreeSet<String>> {
    let mut types = BTreeMap::new();
    let Ok(document) = parse_schema(crate::sdl()) else {
        return types;
    };
    for definition in document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition
            && let TypeKind::Object(object) = &ty.node.kind
        {
            types.insert(
                ty.node.name.node.to_string(),
                object
                    .fields
                    .iter()
                    .map(|f| f.node.name.node.to_string())
                    .collect(),
            );
        }
    }
    types
}

/// Fields of classified types that `policy` may withhold from a caller who sees the record
/// (their class differs from the record's) but that the schema declares non-null, as
/// `Type.field`. The field-class guard answers a withheld field with `null` and a `FORBIDDEN`
/// error; on a non-null field that `null` would spread to the nearest nullable parent, so such
/// fields are nullable in the schema and this list stays empty for the built-in policy.
pub fn withholdable_non_null_fields(policy: &Policy) -> Vec<String> {
    let Ok(document) = parse_schema(crate::sdl()) else {
        return vec!["the schema could not be read".to_owned()];
    };
    let mut found = Vec::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let TypeKind::Object(object) = &ty.node.kind else {
            continue;
        };
        let name = ty.node.name.node.as_str();
        let Some(classes) = policy.type_classes(name) else {
            continue;
        };
        for field in &object.fields {
            let field_name = field.node.name.node.as_str();
            let withholdable = policy.field_class(name, field_name) != Some(classes.record);
            if withholdable && !field.node.ty.node.nullable {
                found.push(format!("{name}.{field_name}"));
            }
        }
    }
    found
}

/// Every mismatch between `policy` and the schema, as sentences; empty when they fit.
pub fn check(policy: &Policy) -> Vec<String> {
    let schema = object_types();
    let mut problems = Vec::new();
    if schema.is_empty() {
        problems.push("the schema could not be read".to_owned());
        return problems;
    }
    for (name, classes) in policy.types() {
        let Some(fields) = schema.get(name) else {
            problems.push(format!(
                "types.{name}: the schema has no object type {name}"
            ));
            continue;
        };
        for field in classes.fields.keys() {
            if !fields.contains(field) {
                problems.push(format!("types.{name}: {name} has no field {field:?}"));
            }
        }
    }
    for name in schema.keys() {
        if policy.type_classes(name).is_none() && !is_unguarded(name) {
            problems.push(format!(
                "types.{name} is missing: every type holding children's data must be classified"
            ));
        }
    }
    problems
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_policy_fits_the_schema() {
        let problems = check(&Policy::builtin().unwrap());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_field_the_builtin_policy_can_withhold_is_nullable() {
        let policy = Policy::builtin().unwrap();
        assert_eq!(withholdable_non_null_fields(&policy), Vec::<String>::new());
        // The check sees a non-null field once the policy makes it withholdable.
        let text = familygraph_domain::policy::BUILTIN_POLICY.replacen(
            "identity = [\"id\", \"givenName\",",
            "identity = [\"id\",",
            1,
        );
        let narrowed = Policy::parse(&text).unwrap();
        assert!(
            withholdable_non_null_fields(&narrowed).contains(&"Person.givenName".to_owned()),
            "{:?}",
            withholdable_non_null_fields(&narrowed)
        );
    }

    #[test]
    fn a_policy_naming_unknown_fields_or_missing_a_type_is_refused() {
        let text = familygraph_domain::policy::BUILTIN_POLICY
            .replacen(
                "partner_view = [\"partnerView\"]",
                "partner_view = [\"partnerView\", \"shoeSize\"]",
                1,
            )
            .replacen(
                "[types.Referral]\nrecord = \"case_detail\"\ndefault = \"case_detail\"\n",
                "",
                1,
            );
        let problems = check(&Policy::parse(&text).unwrap());
        assert!(
            problems.iter().any(|p| p.contains("no field \"shoeSize\"")),
            "{problems:#?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("types.Referral is missing")),
            "{problems:#?}"
        );
    }
}
