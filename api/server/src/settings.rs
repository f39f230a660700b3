//! Every setting the server reads, and the optional configuration file.
//!
//! Each setting is an environment variable (the table [`SETTINGS`]); most can also be written
//! in a TOML file named by `--config PATH` or `FAMILYGRAPH_CONFIG`, under the section and key
//! the table gives (`[graphql] max_depth = 12` for `FAMILYGRAPH_MAX_DEPTH`). Command-line flags
//! win over the environment, the environment over the file, the file over the defaults. A key
//! the table does not know is refused, naming the key.
//!
//! Secrets — the introspection client secret, and a database URL that carries a password — are
//! never read from the file: only from their environment variable or from a file named by the
//! same variable with `_FILE` appended (`DATABASE_URL_FILE=/run/secrets/database-url`), as
//! mounted secrets are. Nothing here logs a value.
//!
//! `familygraph config example` prints [`example`], which `deploy/config.example.toml` holds
//! (a test fails when they differ). Settings of another module are added to [`SETTINGS`] in a
//! section of their own (see the `telemetry` section).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::OnceLock;

/// Environment variable naming the configuration file (as `--config` does).
pub const ENV_CONFIG: &str = "FAMILYGRAPH_CONFIG";

/// What kind of value a setting takes in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A list of text (an environment variable takes it comma-separated).
    List,
    /// Never in the file: the environment variable or its `_FILE` only.
    Secret,
    /// A database URL: in the file only without a password.
    DatabaseUrl,
}

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// Section of the file.
    pub section: &'static str,
    /// Key within the section.
    pub key: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// The value's kind.
    pub kind: Kind,
    /// The default, as it would be written in the file (`None`: unset by default).
    pub default: Option<&'static str>,
    /// What it does.
    pub doc: &'static str,
}

impl Setting {
    /// `section.key`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.section, self.key)
    }

    /// Whether the value may come from `<env>_FILE`.
    pub fn from_file_variable(&self) -> bool {
        matches!(self.kind, Kind::Secret | Kind::DatabaseUrl)
    }
}

const fn setting(
    section: &'static str,
    key: &'static str,
    env: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    doc: &'static str,
) -> Setting {
    Setting {
        section,
        key,
        env,
        kind,
        default,
        doc,
    }
}

use Kind::{Boolean, DatabaseUrl, Integer, List, Secret, Text};

/// Every setting, in the order the example file lists them.
pub const SETTINGS: &[Setting] = &[
    // [server]
    setting(
        "server",
        "bind",
        "FAMILYGRAPH_BIND",
        Text,
        Some("\"127.0.0.1:8080\""),
        "Address and port to listen on (0.0.0.0:8080 in a container).",
    ),
    setting(
        "server",
        "data_dir",
        "FAMILYGRAPH_DATA_DIR",
        Text,
        Some("\"./.familygraph\""),
        "Directory of the embedded SQLite file and the development signing key.",
    ),
    setting(
        "server",
        "force_dev_issuer",
        "FAMILYGRAPH_FORCE_DEV_ISSUER",
        Boolean,
        Some("false"),
        "Trust the development token issuer even on PostgreSQL. Never in production.",
    ),
    setting(
        "server",
        "migrate",
        "FAMILYGRAPH_MIGRATE",
        Text,
        Some("\"auto\""),
        "At start: auto (apply pending migrations, under a PostgreSQL advisory lock), check \
         (apply nothing; /readyz fails until a migration job has applied them) or off.",
    ),
    setting(
        "server",
        "shutdown_timeout",
        "FAMILYGRAPH_SHUTDOWN_TIMEOUT",
        Integer,
        Some("30"),
        "Seconds in-flight requests may take to finish after SIGTERM or SIGINT; keep it below \
         the orchestrator's grace period.",
    ),
    setting(
        "server",
        "shutdown_delay",
        "FAMILYGRAPH_SHUTDOWN_DELAY",
        Integer,
        Some("0"),
        "Seconds to keep accepting requests after SIGTERM while /readyz already reports \
         draining, for load balancers without a pre-stop hook.",
    ),
    setting(
        "server",
        "policy",
        "FAMILYGRAPH_POLICY",
        Text,
        None,
        "Access policy file; unset: the built-in policy/familygraph-policy.toml.",
    ),
    // [database]
    setting(
        "database",
        "url",
        "DATABASE_URL",
        DatabaseUrl,
        None,
        "postgres://user@host:5432/db or sqlite://path; unset: the embedded SQLite file. A URL \
         with a password is a secret: set DATABASE_URL or DATABASE_URL_FILE instead.",
    ),
    setting(
        "database",
        "max_connections",
        "FAMILYGRAPH_DB_MAX_CONNECTIONS",
        Integer,
        None,
        "Most pooled connections per replica; unset: 16 on PostgreSQL, 4 on SQLite.",
    ),
    setting(
        "database",
        "generic_plan_connections",
        "FAMILYGRAPH_DB_GENERIC_PLAN_CONNECTIONS",
        Integer,
        None,
        "PostgreSQL only: most connections per replica in the second pool, whose sessions plan \
         statements generically and which runs the GraphQL loaders' statements; unset: as many \
         as max_connections.",
    ),
    setting(
        "database",
        "acquire_timeout",
        "FAMILYGRAPH_DB_ACQUIRE_TIMEOUT",
        Integer,
        Some("5"),
        "Seconds a request waits for a database connection before failing with INTERNAL, \
         so that requests fail fast while the database is down.",
    ),
    setting(
        "database",
        "connect_timeout",
        "FAMILYGRAPH_DB_CONNECT_TIMEOUT",
        Integer,
        Some("5"),
        "Seconds opening one database connection may take.",
    ),
    // [oidc]
    setting(
        "oidc",
        "issuer",
        "FAMILYGRAPH_OIDC_ISSUER",
        Text,
        None,
        "The OpenID provider whose access tokens are trusted (https://…).",
    ),
    setting(
        "oidc",
        "audience",
        "FAMILYGRAPH_OIDC_AUDIENCE",
        Text,
        Some("\"familygraph\""),
        "Audience (aud) access tokens must carry.",
    ),
    setting(
        "oidc",
        "introspection_client_id",
        "FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_ID",
        Text,
        None,
        "familygraph's client id for RFC 7662 introspection of opaque tokens.",
    ),
    setting(
        "oidc",
        "introspection_client_secret",
        "FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_SECRET",
        Secret,
        None,
        "Its client secret.",
    ),
    setting(
        "oidc",
        "claim_roles",
        "FAMILYGRAPH_CLAIM_ROLES",
        Text,
        Some("\"roles\""),
        "Claim carrying the caller's roles.",
    ),
    setting(
        "oidc",
        "claim_team",
        "FAMILYGRAPH_CLAIM_TEAM",
        Text,
        Some("\"team\""),
        "Claim carrying the caller's team code.",
    ),
    setting(
        "oidc",
        "claim_school_urn",
        "FAMILYGRAPH_CLAIM_SCHOOL_URN",
        Text,
        Some("\"school_urn\""),
        "Claim carrying the caller's school URN.",
    ),
    setting(
        "oidc",
        "claim_agency",
        "FAMILYGRAPH_CLAIM_AGENCY",
        Text,
        Some("\"agency\""),
        "Claim carrying the caller's agency (ODS code or URN).",
    ),
    // [graphql]
    setting(
        "graphql",
        "introspection",
        "FAMILYGRAPH_INTROSPECTION",
        Text,
        Some("\"authenticated\""),
        "Who may introspect and open GraphiQL: authenticated, developers or off.",
    ),
    setting(
        "graphql",
        "max_depth",
        "FAMILYGRAPH_MAX_DEPTH",
        Integer,
        Some("12"),
        "Deepest selection nesting.",
    ),
    setting(
        "graphql",
        "max_cost",
        "FAMILYGRAPH_MAX_COST",
        Integer,
        Some("10000"),
        "Highest page-aware cost of one operation.",
    ),
    setting(
        "graphql",
        "max_aliases",
        "FAMILYGRAPH_MAX_ALIASES",
        Integer,
        Some("15"),
        "Most aliased fields in a document.",
    ),
    setting(
        "graphql",
        "max_tokens",
        "FAMILYGRAPH_MAX_TOKENS",
        Integer,
        Some("1000"),
        "Most lexer tokens in a document.",
    ),
    setting(
        "graphql",
        "max_root_fields",
        "FAMILYGRAPH_MAX_ROOT_FIELDS",
        Integer,
        Some("20"),
        "Most root fields in one operation.",
    ),
    setting(
        "graphql",
        "max_directives",
        "FAMILYGRAPH_MAX_DIRECTIVES",
        Integer,
        Some("10"),
        "Most directives in a document.",
    ),
    setting(
        "graphql",
        "cors_origins",
        "FAMILYGRAPH_CORS_ORIGINS",
        List,
        Some("[]"),
        "Browser origins allowed cross-origin, e.g. [\"https://app.example.org\"].",
    ),
    setting(
        "graphql",
        "rate_limit_per_minute",
        "FAMILYGRAPH_RATE_LIMIT_PER_MINUTE",
        Integer,
        Some("600"),
        "Requests per caller per minute (0: no limit).",
    ),
    setting(
        "graphql",
        "rate_limit_store",
        "FAMILYGRAPH_RATE_LIMIT_STORE",
        Text,
        Some("\"auto\""),
        "Where rate-limit buckets live: memory, postgres (shared by every replica) or auto \
         (postgres on PostgreSQL).",
    ),
    setting(
        "graphql",
        "trusted_documents",
        "FAMILYGRAPH_TRUSTED_DOCUMENTS",
        Text,
        None,
        "Directory of trusted-document manifests, one per client held to them.",
    ),
    setting(
        "graphql",
        "persisted_query_cache_size",
        "FAMILYGRAPH_PERSISTED_QUERY_CACHE_SIZE",
        Integer,
        Some("1000"),
        "Documents the automatic-persisted-query cache holds (0: off).",
    ),
    setting(
        "graphql",
        "max_concurrent_operations",
        "FAMILYGRAPH_MAX_CONCURRENT_OPERATIONS",
        Integer,
        Some("12"),
        "GraphQL operations executed at once over HTTP; later ones wait their turn.",
    ),
    // [telemetry]: the standard OTEL_* variables are read from the environment only.
    setting(
        "telemetry",
        "log_format",
        "FAMILYGRAPH_LOG_FORMAT",
        Text,
        Some("\"text\""),
        "Log lines on standard error: text or json.",
    ),
    setting(
        "telemetry",
        "metrics",
        "FAMILYGRAPH_METRICS",
        Text,
        Some("\"on\""),
        "Serve Prometheus text at /metrics: on or off.",
    ),
    setting(
        "telemetry",
        "resolver_span_threshold_ms",
        "FAMILYGRAPH_TRACE_RESOLVER_THRESHOLD_MS",
        Integer,
        Some("10"),
        "Resolvers at least this slow (milliseconds) get their own span.",
    ),
    // [delivery]: the outbox's delivery to the case system (see docs/adapters.md).
    setting(
        "delivery",
        "case_system",
        "FAMILYGRAPH_DELIVERY_CASE_SYSTEM",
        Text,
        Some("\"off\""),
        "Where contacts and partner-recorded support are delivered to the case system: off, \
         drop_files (JSON files in drop_directory) or staging_table (rows of staging_table in \
         the database at staging_url).",
    ),
    setting(
        "delivery",
        "target_name",
        "FAMILYGRAPH_DELIVERY_TARGET_NAME",
        Text,
        Some("\"case-system\""),
        "The case system target's name: its lease, its rows in outbox_delivery and the prefix \
         of its idempotency keys. Changing it delivers every event again under new keys.",
    ),
    setting(
        "delivery",
        "events",
        "FAMILYGRAPH_DELIVERY_EVENTS",
        List,
        Some("[\"ContactRecorded\", \"PartnerSupportRecorded\"]"),
        "Outbox event types delivered to the case system (a partner's concern is also a \
         ContactRecorded).",
    ),
    setting(
        "delivery",
        "source_system",
        "FAMILYGRAPH_DELIVERY_SOURCE_SYSTEM",
        Text,
        None,
        "Source system name the case system's records were imported under; their ids are sent \
         back as caseSystemId. Unset: the child's CASE_SYSTEM_ID identifier only.",
    ),
    setting(
        "delivery",
        "drop_directory",
        "FAMILYGRAPH_DELIVERY_DROP_DIRECTORY",
        Text,
        None,
        "Directory the case system picks drop files up from (must exist).",
    ),
    setting(
        "delivery",
        "staging_url",
        "FAMILYGRAPH_DELIVERY_STAGING_URL",
        DatabaseUrl,
        None,
        "The case system's database for the staging table (postgres://… or sqlite://…). A URL \
         with a password is a secret: set the variable or its _FILE instead.",
    ),
    setting(
        "delivery",
        "staging_table",
        "FAMILYGRAPH_DELIVERY_STAGING_TABLE",
        Text,
        Some("\"FG_INBOUND_EVENTS\""),
        "The staging table.",
    ),
    setting(
        "delivery",
        "staging_create_table",
        "FAMILYGRAPH_DELIVERY_STAGING_CREATE_TABLE",
        Boolean,
        Some("false"),
        "Create the staging table when it is missing (development; in production the case \
         system's DBA creates it).",
    ),
    setting(
        "delivery",
        "poll_ms",
        "FAMILYGRAPH_DELIVERY_POLL_MS",
        Integer,
        Some("1000"),
        "Milliseconds between delivery rounds when there is nothing to do.",
    ),
    setting(
        "delivery",
        "batch_size",
        "FAMILYGRAPH_DELIVERY_BATCH_SIZE",
        Integer,
        Some("100"),
        "Events taken on, and deliveries attempted, per round.",
    ),
    setting(
        "delivery",
        "backoff_initial_ms",
        "FAMILYGRAPH_DELIVERY_BACKOFF_INITIAL_MS",
        Integer,
        Some("1000"),
        "Wait before the first retry of a failed delivery, in milliseconds; doubled each \
         attempt, jittered.",
    ),
    setting(
        "delivery",
        "backoff_max_seconds",
        "FAMILYGRAPH_DELIVERY_BACKOFF_MAX_SECONDS",
        Integer,
        Some("3600"),
        "Longest wait between retries, in seconds.",
    ),
    setting(
        "delivery",
        "max_attempts",
        "FAMILYGRAPH_DELIVERY_MAX_ATTEMPTS",
        Integer,
        Some("0"),
        "Attempts before a retryable failure becomes a dead letter (failed_permanently); 0: \
         retry for ever.",
    ),
    setting(
        "delivery",
        "lease_seconds",
        "FAMILYGRAPH_DELIVERY_LEASE_SECONDS",
        Integer,
        Some("30"),
        "Seconds a replica's lease on a delivery target lasts unless renewed (renewed every \
         third of it); another replica takes over after it runs out.",
    ),
    setting(
        "delivery",
        "attempt_timeout_seconds",
        "FAMILYGRAPH_DELIVERY_ATTEMPT_TIMEOUT_SECONDS",
        Integer,
        Some("30"),
        "Longest one delivery may take before it counts as a failed (retryable) attempt.",
    ),
    // [adapters]
    setting(
        "adapters",
        "sources",
        "FAMILYGRAPH_ADAPTER_SOURCES",
        Text,
        None,
        "File of named adapter sources ([sources.NAME] adapter = \"ssd\", args = [\"/srv/ssd\"]) \
         that `familygraph sync ADAPTER --source NAME` and administrators' startAdapterRun run; \
         unset: none.",
    ),
];

/// Why the configuration cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("reading the configuration file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file is not TOML.
    #[error("the configuration file {path} is not valid TOML: {reason}")]
    NotToml {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A key nobody reads.
    #[error("unknown setting `{key}` in {path}; `familygraph config example` lists them all")]
    UnknownKey {
        /// The file.
        path: String,
        /// `section.key`.
        key: String,
    },
    /// A value of the wrong kind.
    #[error("setting `{key}` in {path} must be {expected}")]
    WrongType {
        /// The file.
        path: String,
        /// `section.key`.
        key: String,
        /// What it should be.
        expected: &'static str,
    },
    /// A secret written in the file.
    #[error(
        "setting `{key}` in {path} is a secret and is never read from the configuration file: \
         set {env} or {env}_FILE in the environment"
    )]
    SecretInFile {
        /// The file.
        path: String,
        /// `section.key`.
        key: String,
        /// Its environment variable.
        env: &'static str,
    },
    /// A secret's `_FILE` could not be read.
    #[error("reading {env}_FILE ({path}): {reason}")]
    SecretFileUnreadable {
        /// The variable.
        env: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// Values from the configuration file and from secrets' `_FILE` variables, by environment
/// variable name. Its `Debug` shows the names only: it may hold secrets.
#[derive(Default, Clone)]
pub struct FileValues {
    values: BTreeMap<&'static str, String>,
    /// Where they came from (the configuration file), for messages.
    pub source: Option<String>,
}

impl std::fmt::Debug for FileValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileValues")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .field("source", &self.source)
            .finish()
    }
}

impl FileValues {
    /// The value of environment variable `env`, if the file (or a `_FILE`) gave one.
    pub fn get(&self, env: &str) -> Option<&str> {
        self.values.get(env).map(String::as_str)
    }

    /// The environment variables given a value.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.keys().copied()
    }

    /// Parses configuration file text (`path` names it in errors).
    pub fn parse(text: &str, path: &str) -> Result<Self, SettingsError> {
        let table: toml::Table = toml::from_str(text).map_err(|error| SettingsError::NotToml {
            path: path.to_owned(),
            reason: error.message().to_owned(),
        })?;
        let mut values = BTreeMap::new();
        for (section, entries) in &table {
            let Some(entries) = entries.as_table() else {
                return Err(SettingsError::UnknownKey {
                    path: path.to_owned(),
                    key: section.clone(),
                });
            };
            for (key, value) in entries {
                let Some(setting) = SETTINGS
                    .iter()
                    .find(|s| s.section == section && s.key == key)
                else {
                    return Err(SettingsError::UnknownKey {
                        path: path.to_owned(),
                        key: format!("{section}.{key}"),
                    });
                };
                values.insert(setting.env, file_value(setting, value, path)?);
            }
        }
        Ok(Self {
            values,
            source: Some(path.to_owned()),
        })
    }

    /// Reads and parses the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| SettingsError::Unreadable {
            path: shown.clone(),
            reason: error.to_string(),
        })?;
        Self::parse(&text, &shown)
    }

    /// Adds each secret whose `<ENV>_FILE` `env` names (and whose `<ENV>` it does not set).
    pub fn with_secret_files(
        mut self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        for setting in SETTINGS.iter().filter(|s| s.from_file_variable()) {
            if env(setting.env).is_some() {
                continue;
            }
            let Some(path) = env(&format!("{}_FILE", setting.env)) else {
                continue;
            };
            let text = std::fs::read_to_string(path.trim()).map_err(|error| {
                SettingsError::SecretFileUnreadable {
                    env: setting.env,
                    path: path.clone(),
                    reason: error.to_string(),
                }
            })?;
            self.values.insert(setting.env, text.trim().to_owned());
        }
        Ok(self)
    }
}

/// The environment form of `value` for `setting`.
fn file_value(setting: &Setting, value: &toml::Value, path: &str) -> Result<String, SettingsError> {
    let wrong = |expected| SettingsError::WrongType {
        path: path.to_owned(),
        key: setting.path(),
        expected,
    };
    match setting.kind {
        Kind::Secret => Err(SettingsError::SecretInFile {
            path: path.to_owned(),
            key: setting.path(),
            env: setting.env,
        }),
        Kind::DatabaseUrl => {
            let url = value.as_str().ok_or_else(|| wrong("a URL in quotes"))?;
            if carries_password(url) {
                return Err(SettingsError::SecretInFile {
                    path: path.to_owned(),
                    key: setting.path(),
                    env: setting.env,
                });
            }
            Ok(url.to_owned())
        }
        Kind::Text => value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong("text in quotes")),
        Kind::Integer => match value {
            toml::Value::Integer(n) if *n >= 0 => Ok(n.to_string()),
            _ => Err(wrong("a whole number")),
        },
        Kind::Boolean => value
            .as_bool()
            .map(|b| b.to_string())
            .ok_or_else(|| wrong("true or false")),
        Kind::List => {
            let items = value.as_array().ok_or_else(|| wrong("a list of text"))?;
            let items = items
                .iter()
                .map(|item| item.as_str().ok_or_else(|| wrong("a list of text")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(items.join(","))
        }
    }
}

/// Whether a database URL carries a password (`user:password@` or a `password=` parameter).
pub fn carries_password(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or("");
    let userinfo_password = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    userinfo_password || url.to_ascii_lowercase().contains("password=")
}

static INSTALLED: OnceLock<FileValues> = OnceLock::new();

/// Makes `values` the process's file values (once; later calls are ignored).
pub fn install(values: FileValues) {
    let _ = INSTALLED.set(values);
}

/// The value of setting `env`: the environment's, else the installed file values'.
pub fn lookup(env: &str) -> Option<String> {
    std::env::var(env)
        .ok()
        .or_else(|| INSTALLED.get()?.get(env).map(str::to_owned))
}

/// Loads the configuration file `path` (when given) and the secrets' `_FILE` variables from
/// the process environment, and installs them for [`lookup`].
pub fn load_and_install(path: Option<&Path>) -> Result<(), SettingsError> {
    let values = match path {
        Some(path) => FileValues::load(path)?,
        None => FileValues::default(),
    };
    let values = values.with_secret_files(|key| std::env::var(key).ok())?;
    install(values);
    Ok(())
}

/// Parses the command line, loads the configuration file it names (`--config` or
/// [`ENV_CONFIG`]) with the secrets' `_FILE` variables, and fills in from them the flags the
/// command line and environment left at their defaults. Exits with clap's message on a bad
/// command line.
pub fn parse_command_line() -> Result<crate::cli::Cli, SettingsError> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    let matches = crate::cli::Cli::command().get_matches();
    let mut cli = match crate::cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    load_and_install(cli.common.config.as_deref())?;
    fill_defaults(&mut cli, &matches);
    Ok(cli)
}

/// Whether `id` was given on the command line or in the environment (not left at its
/// default), at the top level or in the subcommand.
fn given(matches: &clap::ArgMatches, id: &str) -> bool {
    let explicit = |m: &clap::ArgMatches| {
        m.try_get_raw(id).ok().flatten().is_some()
            && !matches!(
                m.value_source(id),
                None | Some(clap::parser::ValueSource::DefaultValue)
            )
    };
    explicit(matches) || matches.subcommand().is_some_and(|(_, sub)| explicit(sub))
}

/// Fills flags left at their defaults from the installed file values.
fn fill_defaults(cli: &mut crate::cli::Cli, matches: &clap::ArgMatches) {
    let from_file = |env: &str| INSTALLED.get().and_then(|v| v.get(env)).map(str::to_owned);
    if !given(matches, "data_dir")
        && let Some(dir) = from_file("FAMILYGRAPH_DATA_DIR")
    {
        cli.common.data_dir = dir.into();
    }
    if cli.common.database_url.is_none() {
        cli.common.database_url = from_file("DATABASE_URL");
    }
    if let Some(crate::cli::Command::Serve(args)) = &mut cli.command {
        if !given(matches, "bind")
            && let Some(bind) = from_file("FAMILYGRAPH_BIND")
        {
            args.bind = bind;
        }
        if !given(matches, "force_dev_issuer")
            && let Some(force) = from_file("FAMILYGRAPH_FORCE_DEV_ISSUER")
        {
            args.force_dev_issuer = is_true(&force);
        }
    }
}

/// Whether a boolean setting's text means yes.
pub fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// The example configuration file: every setting, documented, commented out at its default.
pub fn example() -> String {
    let mut out = String::new();
    out.push_str(
        "# familygraph configuration file (TOML). Generated by `familygraph config example`;\n\
         # deploy/config.example.toml is this output, and a test keeps it current.\n\
         #\n\
         # Use it with `familygraph --config PATH` or FAMILYGRAPH_CONFIG=PATH. Every key is\n\
         # optional. Command-line flags win over environment variables, environment variables\n\
         # over this file, this file over the defaults shown. Unknown keys are refused.\n\
         #\n\
         # Secrets are never read from this file: set them in the environment, or put them in a\n\
         # file and name it with the variable plus _FILE (DATABASE_URL_FILE=/run/secrets/db).\n\
         # OpenTelemetry's standard OTEL_* variables are read from the environment only.\n",
    );
    let mut section = "";
    for setting in SETTINGS {
        if setting.section != section {
            section = setting.section;
            let _ = write!(out, "\n[{section}]\n");
        }
        out.push('\n');
        for line in wrap(setting.doc, 90) {
            let _ = writeln!(out, "# {line}");
        }
        match setting.kind {
            Kind::Secret => {
                let _ = writeln!(
                    out,
                    "# Secret: environment only, as {env} or {env}_FILE.",
                    env = setting.env
                );
            }
            Kind::DatabaseUrl => {
                let _ = writeln!(
                    out,
                    "# Environment: {env} (or {env}_FILE).",
                    env = setting.env
                );
            }
            _ => {
                let _ = writeln!(out, "# Environment: {}", setting.env);
            }
        }
        if setting.kind != Kind::Secret {
            let value = setting.default.unwrap_or(match setting.kind {
                Kind::Integer => "0",
                Kind::Boolean => "false",
                Kind::List => "[]",
                Kind::DatabaseUrl => "\"postgres://familygraph@db.internal:5432/familygraph\"",
                _ => "\"\"",
            });
            let unset = if setting.default.is_none() {
                "  (unset by default)"
            } else {
                ""
            };
            let _ = writeln!(out, "# {} = {value}{unset}", setting.key);
        }
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_unique_and_documented() {
        let mut envs = std::collections::BTreeSet::new();
        let mut paths = std::collections::BTreeSet::new();
        for setting in SETTINGS {
            assert!(envs.insert(setting.env), "{} twice", setting.env);
            assert!(paths.insert(setting.path()), "{} twice", setting.path());
            assert!(!setting.doc.is_empty());
        }
    }

    #[test]
    fn file_keys_become_environment_values() {
        let values = FileValues::parse(
            "[server]\nbind = \"0.0.0.0:9000\"\nforce_dev_issuer = true\n\
             [graphql]\nmax_depth = 8\ncors_origins = [\"https://a.example.org\", \"https://b.example.org\"]\n\
             [database]\nurl = \"postgres://familygraph@db:5432/fg\"\n",
            "test.toml",
        )
        .unwrap();
        assert_eq!(values.get("FAMILYGRAPH_BIND"), Some("0.0.0.0:9000"));
        assert_eq!(values.get("FAMILYGRAPH_FORCE_DEV_ISSUER"), Some("true"));
        assert_eq!(values.get("FAMILYGRAPH_MAX_DEPTH"), Some("8"));
        assert_eq!(
            values.get("FAMILYGRAPH_CORS_ORIGINS"),
            Some("https://a.example.org,https://b.example.org")
        );
        assert_eq!(
            values.get("DATABASE_URL"),
            Some("postgres://familygraph@db:5432/fg")
        );
    }

    #[test]
    fn unknown_keys_and_sections_are_named() {
        let error = FileValues::parse("[graphql]\nmax_dept = 8\n", "c.toml").unwrap_err();
        assert_eq!(
            error,
            SettingsError::UnknownKey {
                path: "c.toml".to_owned(),
                key: "graphql.max_dept".to_owned()
            }
        );
        assert!(error.to_string().contains("`graphql.max_dept`"));
        let error = FileValues::parse("[grapql]\nmax_depth = 8\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("`grapql.max_depth`"), "{error}");
        let error = FileValues::parse("bind = \"x\"\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("`bind`"), "{error}");
        let error = FileValues::parse("[graphql]\nmax_depth = \"deep\"\n", "c.toml").unwrap_err();
        assert!(error.to_string().contains("whole number"), "{error}");
    }

    #[test]
    fn secrets_are_refused_in_the_file_without_echoing_them() {
        let error = FileValues::parse(
            "[oidc]\nintrospection_client_secret = \"s3cr3t-value\"\n",
            "c.toml",
        )
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_SECRET_FILE"));
        assert!(!message.contains("s3cr3t-value"));
        for url in [
            "postgres://fg:pa55word@db/fg",
            "postgres://fg@db/fg?password=pa55word",
        ] {
            let error =
                FileValues::parse(&format!("[database]\nurl = \"{url}\"\n"), "c.toml").unwrap_err();
            assert!(matches!(error, SettingsError::SecretInFile { .. }), "{url}");
            assert!(!error.to_string().contains("pa55word"));
        }
    }

    #[test]
    fn secrets_come_from_their_file_variables() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "from-a-file\n").unwrap();
        let path = secret.display().to_string();
        let env = |key: &str| {
            (key == "FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_SECRET_FILE").then(|| path.clone())
        };
        let values = FileValues::default().with_secret_files(env).unwrap();
        assert_eq!(
            values.get("FAMILYGRAPH_OIDC_INTROSPECTION_CLIENT_SECRET"),
            Some("from-a-file")
        );
        let missing = |key: &str| (key == "DATABASE_URL_FILE").then(|| "/nonexistent".to_owned());
        assert!(FileValues::default().with_secret_files(missing).is_err());
    }

    #[test]
    fn the_example_parses_with_every_key_uncommented() {
        let example = example();
        assert!(
            FileValues::parse(&example, "example")
                .unwrap()
                .keys()
                .next()
                .is_none()
        );
        let uncommented: String = example
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.split_once(" = ").is_some_and(|(key, _)| {
                        !key.contains(' ')
                            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }) =>
                {
                    rest.split("  (unset").next().unwrap_or(rest).to_owned()
                }
                _ => line.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let values = FileValues::parse(&uncommented, "example").unwrap();
        let documented = SETTINGS.iter().filter(|s| s.kind != Kind::Secret).count();
        assert_eq!(values.keys().count(), documented, "{uncommented}");
    }

    #[test]
    fn passwords_in_urls_are_spotted() {
        assert!(carries_password("postgres://u:p@h/db"));
        assert!(carries_password(
            "postgres://u@h/db?sslmode=require&password=x"
        ));
        assert!(!carries_password("postgres://u@h:5432/db"));
        assert!(!carries_password("sqlite:///tmp/a.sqlite?mode=rwc"));
    }
}
