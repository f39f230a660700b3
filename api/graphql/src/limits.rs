//! Request limits: how big, deep, expensive and wide a GraphQL document may be, and who may
//! introspect the schema.
//!
//! [`Limits::check`] runs on the raw document **before** it is executed (and before anything is
//! fetched): it counts lexer tokens first (a cheap scan, no parse), then parses once and walks
//! the selections — fragments expanded — for depth, aliases, root fields, directives and a
//! page-size-aware cost. The schema built by [`crate::build_schema_with`] carries the depth limit
//! too, and drops field suggestions when introspection is off.

use std::collections::HashSet;

use async_graphql::Value;
use async_graphql::Variables;
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};

use crate::pagination::DEFAULT_PAGE_SIZE;

/// Who may introspect the schema (`__schema`, `__type`) and open GraphiQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Introspection {
    /// Any authenticated caller (the default).
    #[default]
    Authenticated,
    /// Only administrators.
    Developers,
    /// Nobody; field suggestions ("did you mean") are off too.
    Off,
}

impl Introspection {
    /// Parses `authenticated`, `developers` or `off`.
    pub fn parse(value: &str) -> Result<Self, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "authenticated" => Ok(Self::Authenticated),
            "developers" => Ok(Self::Developers),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "{ENV_INTROSPECTION} must be authenticated, developers or off (got {other:?})"
            )),
        }
    }

    /// Whether a caller who is (or is not) an administrator may introspect.
    pub fn allows(self, administrator: bool) -> bool {
        match self {
            Self::Authenticated => true,
            Self::Developers => administrator,
            Self::Off => false,
        }
    }
}

/// Deepest nesting allowed inside `__schema` / `__type`, whatever [`Limits::max_depth`] says:
/// the introspection query of graphql-js (and so of GraphiQL and codegen tools) nests its
/// `ofType` chain 15 levels deep. Introspection reads only the schema, never a record.
pub const MAX_INTROSPECTION_DEPTH: usize = 16;

/// Environment variable for [`Limits::max_depth`].
pub const ENV_MAX_DEPTH: &str = "FAMILYGRAPH_MAX_DEPTH";
/// Environment variable for [`Limits::max_cost`].
pub const ENV_MAX_COST: &str = "FAMILYGRAPH_MAX_COST";
/// Environment variable for [`Limits::max_aliases`].
pub const ENV_MAX_ALIASES: &str = "FAMILYGRAPH_MAX_ALIASES";
/// Environment variable for [`Limits::max_tokens`].
pub const ENV_MAX_TOKENS: &str = "FAMILYGRAPH_MAX_TOKENS";
/// Environment variable for [`Limits::max_root_fields`].
pub const ENV_MAX_ROOT_FIELDS: &str = "FAMILYGRAPH_MAX_ROOT_FIELDS";
/// Environment variable for [`Limits::max_directives`].
pub const ENV_MAX_DIRECTIVES: &str = "FAMILYGRAPH_MAX_DIRECTIVES";
/// Environment variable for [`Limits::introspection`].
pub const ENV_INTROSPECTION: &str = "FAMILYGRAPH_INTROSPECTION";

/// The limits every request is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Deepest selection nesting (a root field is depth 1).
    pub max_depth: usize,
    /// Highest cost: each field costs 1, and a connection's selections count once per item of
    /// the page it asks for (`first` / `last`, default 20).
    pub max_cost: usize,
    /// Most aliased fields in a document.
    pub max_aliases: usize,
    /// Most lexer tokens in a document.
    pub max_tokens: usize,
    /// Most fields selected at the root of one operation.
    pub max_root_fields: usize,
    /// Most directives in a document.
    pub max_directives: usize,
    /// Who may introspect.
    pub introspection: Introspection,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: crate::MAX_DEPTH,
            max_cost: crate::MAX_COMPLEXITY,
            max_aliases: 15,
            max_tokens: 1_000,
            max_root_fields: 20,
            max_directives: 10,
            introspection: Introspection::Authenticated,
        }
    }
}

/// Why a document was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitBreach {
    /// A limit was exceeded (`QUERY_TOO_COMPLEX`).
    TooComplex(String),
    /// The document asks for introspection the caller may not run (`FORBIDDEN`).
    IntrospectionForbidden,
}

impl LimitBreach {
    /// The message for the client.
    pub fn message(&self) -> String {
        match self {
            Self::TooComplex(message) => message.clone(),
            Self::IntrospectionForbidden => "introspection is not allowed".to_owned(),
        }
    }
}

impl Limits {
    /// Limits from the environment (`FAMILYGRAPH_MAX_*`, `FAMILYGRAPH_INTROSPECTION`); unset
    /// variables keep their defaults, unreadable ones are an error.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Limits from `lookup` (an environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut limits = Self::default();
        let number = |key: &str, slot: &mut usize| -> Result<(), String> {
            if let Some(value) = lookup(key) {
                *slot = value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        format!("{key} must be a positive whole number (got {value:?})")
                    })?;
            }
            Ok(())
        };
        number(ENV_MAX_DEPTH, &mut limits.max_depth)?;
        number(ENV_MAX_COST, &mut limits.max_cost)?;
        number(ENV_MAX_ALIASES, &mut limits.max_aliases)?;
        number(ENV_MAX_TOKENS, &mut limits.max_tokens)?;
        number(ENV_MAX_ROOT_FIELDS, &mut limits.max_root_fields)?;
        number(ENV_MAX_DIRECTIVES, &mut limits.max_directives)?;
        if let Some(value) = lookup(ENV_INTROSPECTION) {
            limits.introspection = Introspection::parse(&value)?;
        }
        Ok(limits)
    }

    /// Checks a document before it runs. `administrator` decides introspection under
    /// [`Introspection::Developers`]. A document that does not parse passes (the schema reports
    /// the syntax error), except that its tokens are counted first.
    pub fn check(
        &self,
        query: &str,
        variables: &Variables,
        administrator: bool,
    ) -> Result<(), LimitBreach> {
        self.check_tokens(query)?;
        match async_graphql::parser::parse_query(query) {
            Ok(document) => self.check_document(&document, variables, administrator),
            Err(_) => Ok(()),
        }
    }

    /// The token count of [`Limits::check`], on the text alone: run it before parsing, so that
    /// the parser never sees an oversized document.
    pub fn check_tokens(&self, query: &str) -> Result<(), LimitBreach> {
        let tokens = count_tokens(query, self.max_tokens);
        if tokens > self.max_tokens {
            return Err(LimitBreach::TooComplex(format!(
                "query is too complex: more than {} tokens",
                self.max_tokens
            )));
        }
        Ok(())
    }

    /// The checks of [`Limits::check`] after the token count, on a document already parsed.
    pub fn check_document(
        &self,
        document: &ExecutableDocument,
        variables: &Variables,
        administrator: bool,
    ) -> Result<(), LimitBreach> {
        let mut walk = Walk {
            document,
            variables,
            aliases: 0,
            directives: 0,
            introspection: false,
            introspection_depth: 0,
            fragments: Vec::new(),
        };
        let mut depth = 0;
        let mut cost = 0usize;
        let mut root_fields = 0;
        for (_, operation) in document.operations.iter() {
            let operation = &operation.node;
            walk.directives += operation.directives.len();
            let mut keys = HashSet::new();
            walk.root_fields(&operation.selection_set.node, &mut keys, &mut Vec::new());
            root_fields = root_fields.max(keys.len());
            let (d, c) = walk.selection_set(&operation.selection_set.node, 0);
            depth = depth.max(d);
            cost = cost.saturating_add(c);
        }
        let too = |what: String| {
            Err(LimitBreach::TooComplex(format!(
                "query is too complex: {what}"
            )))
        };
        if depth > self.max_depth {
            return too(format!(
                "nested too deep ({depth} levels; at most {})",
                self.max_depth
            ));
        }
        let introspection_limit = self.max_depth.max(MAX_INTROSPECTION_DEPTH);
        if walk.introspection_depth > introspection_limit {
            return too(format!(
                "introspection nested too deep ({} levels; at most {introspection_limit})",
                walk.introspection_depth
            ));
        }
        if walk.aliases > self.max_aliases {
            return too(format!(
                "{} aliases; at most {}",
                walk.aliases, self.max_aliases
            ));
        }
        if root_fields > self.max_root_fields {
            return too(format!(
                "{root_fields} root fields; at most {}",
                self.max_root_fields
            ));
        }
        if walk.directives > self.max_directives {
            return too(format!(
                "{} directives; at most {}",
                walk.directives, self.max_directives
            ));
        }
        if cost > self.max_cost {
            return too(format!(
                "costs {cost}; at most {} (each field costs 1, times the page size of the \
                 connections around it)",
                self.max_cost
            ));
        }
        if walk.introspection && !self.introspection.allows(administrator) {
            return Err(LimitBreach::IntrospectionForbidden);
        }
        Ok(())
    }
}

/// Deepest fragment expansion followed (fragment cycles are a validation error anyway).
const MAX_FRAGMENT_NESTING: usize = 32;

struct Walk<'a> {
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    aliases: usize,
    directives: usize,
    introspection: bool,
    /// Deepest nesting reached inside `__schema` / `__type` (not counted in the depth).
    introspection_depth: usize,
    /// Fragments being expanded (cycle guard).
    fragments: Vec<&'a str>,
}

impl<'a> Walk<'a> {
    /// Root fields of one operation: distinct response keys, through fragments.
    fn root_fields(
        &self,
        set: &'a SelectionSet,
        keys: &mut HashSet<&'a str>,
        visiting: &mut Vec<&'a str>,
    ) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let key = field
                        .node
                        .alias
                        .as_ref()
                        .map(|a| a.node.as_str())
                        .unwrap_or(field.node.name.node.as_str());
                    keys.insert(key);
                }
                Selection::InlineFragment(fragment) => {
                    self.root_fields(&fragment.node.selection_set.node, keys, visiting);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                        && !visiting.contains(&name)
                        && visiting.len() < MAX_FRAGMENT_NESTING
                    {
                        visiting.push(name);
                        self.root_fields(&fragment.node.selection_set.node, keys, visiting);
                        visiting.pop();
                    }
                }
            }
        }
    }

    /// (depth, cost) of a selection set nested `level` fields deep.
    fn selection_set(&mut self, set: &'a SelectionSet, level: usize) -> (usize, usize) {
        let mut depth = level;
        let mut cost = 0usize;
        for item in &set.items {
            let (d, c) = match &item.node {
                Selection::Field(field) => self.field(&field.node, level),
                Selection::InlineFragment(fragment) => {
                    self.directives += fragment.node.directives.len();
                    self.selection_set(&fragment.node.selection_set.node, level)
                }
                Selection::FragmentSpread(spread) => {
                    self.directives += spread.node.directives.len();
                    let name = spread.node.fragment_name.node.as_str();
                    match self.document.fragments.get(&spread.node.fragment_name.node) {
                        Some(fragment)
                            if !self.fragments.contains(&name)
                                && self.fragments.len() < MAX_FRAGMENT_NESTING =>
                        {
                            self.fragments.push(name);
                            self.directives += fragment.node.directives.len();
                            let result =
                                self.selection_set(&fragment.node.selection_set.node, level);
                            self.fragments.pop();
                            result
                        }
                        _ => (level, 0),
                    }
                }
            };
            depth = depth.max(d);
            cost = cost.saturating_add(c);
        }
        (depth, cost)
    }

    fn field(&mut self, field: &'a Field, level: usize) -> (usize, usize) {
        if field.alias.is_some() {
            self.aliases += 1;
        }
        self.directives += field.directives.len();
        let name = field.name.node.as_str();
        if name == "__schema" || name == "__type" {
            // Held to MAX_INTROSPECTION_DEPTH instead of the depth limit.
            self.introspection = true;
            let (depth, children) = self.selection_set(&field.selection_set.node, level + 1);
            self.introspection_depth = self.introspection_depth.max(depth);
            return (level + 1, 1usize.saturating_add(children));
        }
        let (depth, children) = self.selection_set(&field.selection_set.node, level + 1);
        let multiplier = self.page_size(field);
        (
            depth,
            1usize.saturating_add(children.saturating_mul(multiplier)),
        )
    }

    /// How many times a field's selections are resolved: a connection's page size (`first` or
    /// `last`, default [`DEFAULT_PAGE_SIZE`]); 1 for any other field. A field is a connection
    /// when it takes `first`/`last` or selects `edges`/`nodes`.
    fn page_size(&self, field: &Field) -> usize {
        let argument = field
            .arguments
            .iter()
            .find(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .map(|(_, value)| {
                value
                    .node
                    .clone()
                    .into_const_with(|name| self.variables.get(&name).cloned().ok_or(()))
            });
        let is_connection = argument.is_some()
            || field.selection_set.node.items.iter().any(|item| {
                matches!(&item.node, Selection::Field(f)
                    if matches!(f.node.name.node.as_str(), "edges" | "nodes"))
            });
        if !is_connection {
            return 1;
        }
        let requested = match argument {
            Some(Ok(Value::Number(n))) => n.as_u64(),
            _ => None,
        };
        let size = requested.unwrap_or(DEFAULT_PAGE_SIZE);
        usize::try_from(size).unwrap_or(usize::MAX).max(1)
    }
}

/// Counts the GraphQL lexer tokens of `source` (punctuators, names, numbers, strings; ignoring
/// whitespace, commas and comments), stopping once the count passes `stop_after`.
pub fn count_tokens(source: &str, stop_after: usize) -> usize {
    let bytes = source.as_bytes();
    let mut i = 0;
    let mut tokens = 0;
    while i < bytes.len() && tokens <= stop_after {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => i += 3,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => {
                tokens += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i..].starts_with(b"\\\"\"\"") {
                            4
                        } else {
                            1
                        };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => {
                tokens += 1;
                i += 1;
                while i < bytes.len()
                    && matches!(bytes[i], b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'+' | b'-')
                {
                    i += 1;
                }
            }
            _ => {
                // A punctuator (or a character the parser will reject): one token.
                tokens += 1;
                i += 1;
            }
        }
    }
    tokens
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn check(limits: &Limits, query: &str) -> Result<(), LimitBreach> {
        limits.check(query, &Variables::default(), false)
    }

    #[test]
    fn tokens_are_counted_like_the_lexer() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens("query Q($x: Int = 1) { a(b: \"s, t\") ...F }", 100),
            20
        );
        assert_eq!(count_tokens("# comment\n{ a,b }", 100), 4);
        assert_eq!(count_tokens(&"a ".repeat(5000), 10), 11);
    }

    #[test]
    fn cost_multiplies_by_page_size() {
        let limits = Limits {
            max_cost: 100,
            ..Limits::default()
        };
        assert!(check(&limits, "{ children(first: 10) { edges { node { id } } } }").is_ok());
        assert!(matches!(
            check(&limits, "{ children(first: 50) { edges { node { id } } } }"),
            Err(LimitBreach::TooComplex(_))
        ));
        // Default page size when `first` is not given.
        assert!(check(&limits, "{ children { edges { node { id givenName } } } }").is_ok());
        assert!(
            check(
                &limits,
                "{ children { edges { node { id givenName familyName sex } } } }"
            )
            .is_err()
        );
    }

    #[test]
    fn aliases_root_fields_directives_and_depth_are_limited() {
        let limits = Limits::default();
        let aliases: String = (0..16)
            .map(|i| format!("a{i}: viewer {{ subject }} "))
            .collect();
        assert!(check(&limits, &format!("{{ {aliases} }}")).is_err());
        let directives = "@include(if: true) ".repeat(11);
        assert!(check(&limits, &format!("{{ viewer {directives} {{ subject }} }}")).is_err());
        let mut deep = String::from("x");
        for _ in 0..12 {
            deep = format!("a {{ {deep} }}");
        }
        assert!(check(&limits, &format!("{{ {deep} }}")).is_err());
        assert!(check(&limits, "fragment F on Query { ...F } { ...F }").is_ok());
    }

    #[test]
    fn introspection_may_nest_as_deep_as_graphiql_asks_but_no_deeper() {
        let limits = Limits::default();
        let of_type = |levels: usize| {
            let mut chain = String::from("name");
            for _ in 0..levels {
                chain = format!("ofType {{ {chain} }}");
            }
            format!("{{ __schema {{ types {{ fields {{ type {{ {chain} }} }} }} }} }}")
        };
        // graphql-js's introspection query: 15 levels, beyond the depth limit of 12.
        assert!(check(&limits, &of_type(10)).is_ok());
        assert!(matches!(
            check(&limits, &of_type(13)),
            Err(LimitBreach::TooComplex(message)) if message.contains("introspection")
        ));
        // Record queries keep the depth limit, also beside introspection.
        let mut deep = String::from("x");
        for _ in 0..12 {
            deep = format!("a {{ {deep} }}");
        }
        assert!(check(&limits, &format!("{{ __typename {deep} }}")).is_err());
        assert!(
            check(
                &limits,
                &format!("{{ __schema {{ queryType {{ name }} }} {deep} }}")
            )
            .is_err()
        );
    }

    #[test]
    fn introspection_follows_the_policy() {
        let off = Limits {
            introspection: Introspection::Off,
            ..Limits::default()
        };
        let developers = Limits {
            introspection: Introspection::Developers,
            ..Limits::default()
        };
        let q = "{ __schema { types { name } } }";
        assert_eq!(
            off.check(q, &Variables::default(), true),
            Err(LimitBreach::IntrospectionForbidden)
        );
        assert!(developers.check(q, &Variables::default(), true).is_ok());
        assert!(developers.check(q, &Variables::default(), false).is_err());
        assert!(
            Limits::default()
                .check(q, &Variables::default(), false)
                .is_ok()
        );
    }

    #[test]
    fn limits_read_from_the_environment() {
        let limits = Limits::from_lookup(|key| match key {
            ENV_MAX_COST => Some("500".to_owned()),
            ENV_INTROSPECTION => Some("off".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(limits.max_cost, 500);
        assert_eq!(limits.introspection, Introspection::Off);
        assert!(Limits::from_lookup(|_| Some("zero".to_owned())).is_err());
    }
}
