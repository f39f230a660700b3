//! Loading the access policy: the file `FAMILYGRAPH_POLICY` names, else the built-in
//! `policy/familygraph-policy.toml`; checked against the format and the GraphQL schema before
//! the server starts.

use std::path::Path;

use anyhow::{Context as _, bail};
use familygraph_domain::Policy;

/// Environment variable: path of the access policy file.
pub const ENV_POLICY: &str = "FAMILYGRAPH_POLICY";

/// Loads `file`, else the file [`ENV_POLICY`] names, else the built-in policy; fails with every
/// problem found when the policy does not parse or names types or fields the schema lacks.
pub fn load(file: Option<&Path>) -> anyhow::Result<Policy> {
    let from_env = crate::settings::lookup(ENV_POLICY).map(std::path::PathBuf::from);
    let (policy, origin) = match file.map(Path::to_path_buf).or(from_env) {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the access policy {}", path.display()))?;
            let policy = Policy::parse(&text)
                .with_context(|| format!("reading the access policy {}", path.display()))?;
            (policy, path.display().to_string())
        }
        None => (
            Policy::builtin().context("reading the built-in access policy")?,
            "built-in".to_owned(),
        ),
    };
    let problems = familygraph_graphql::policy_check::check(&policy);
    if !problems.is_empty() {
        bail!(
            "the access policy ({origin}) does not fit the schema:\n  {}",
            problems.join("\n  ")
        );
    }
    tracing::info!(policy = %origin, "access policy loaded");
    Ok(policy)
}
