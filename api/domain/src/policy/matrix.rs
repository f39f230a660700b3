//! The policy as a readable matrix (`docs/policy-matrix.md`): every role against every
//! relation, field class and operation. A test keeps the checked-in copy equal to what the
//! policy file says, so a policy change shows up in review as a change of this table.

use std::fmt::Write as _;

use super::{FieldClass, Policy, Relation};
use crate::principal::Role;
use crate::workflow::Operation;

fn table<T: Copy>(
    out: &mut String,
    title: &str,
    columns: &[T],
    name: impl Fn(T) -> &'static str,
    granted: impl Fn(Role, T) -> bool,
) {
    let _ = writeln!(out, "## {title}\n");
    let _ = write!(out, "| role |");
    for c in columns {
        let _ = write!(out, " {} |", name(*c));
    }
    let _ = write!(out, "\n|---|");
    for _ in columns {
        let _ = write!(out, ":-:|");
    }
    out.push('\n');
    for role in Role::ALL {
        let _ = write!(out, "| {} |", role.as_str());
        for c in columns {
            let _ = write!(out, " {} |", if granted(*role, *c) { "✓" } else { "·" });
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The policy as Markdown tables. A role may read data of class C about a child it stands in
/// relation R to, and perform operation O on that child's records, exactly when the role has
/// R, C and O in these tables.
pub fn render_matrix(policy: &Policy) -> String {
    let mut out = String::from(
        "# Access policy matrix\n\n\
         Generated from `policy/familygraph-policy.toml` by \
         `familygraph policy matrix`; a test fails when the two disagree.\n\n\
         A role reads data of class C about a child it stands in relation R to, and performs \
         operation O on that child's records, exactly when its row has R, C and O below. \
         The test `policy_matrix` checks every role × relation × class × operation against the \
         running API.\n\n",
    );
    table(
        &mut out,
        "Relations (which children)",
        Relation::ALL,
        Relation::as_str,
        |r, c| policy.role(r).relations.contains(&c),
    );
    table(
        &mut out,
        "Field classes (which data)",
        FieldClass::ALL,
        FieldClass::as_str,
        |r, c| policy.role(r).classes.contains(&c),
    );
    table(
        &mut out,
        "Operations",
        Operation::ALL,
        Operation::as_str,
        |r, c| policy.role(r).operations.contains(&c),
    );
    let _ = writeln!(out, "## Record types\n");
    let _ = writeln!(
        out,
        "| type | record class | default field class | fields classed otherwise |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for (name, classes) in policy.types() {
        let mut others: Vec<String> = classes
            .fields
            .iter()
            .map(|(f, c)| format!("{f}: {c}"))
            .collect();
        others.sort();
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            classes.record,
            classes.default,
            others.join(", ")
        );
    }
    out
}
