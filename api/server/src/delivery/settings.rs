//! The delivery settings (`[delivery]` in the configuration file, `FAMILYGRAPH_DELIVERY_*`).

use std::path::PathBuf;
use std::time::Duration;

use super::backoff::Backoff;
use super::worker::WorkerSettings;

/// Environment variable: where contacts and partner support go in the case system: `off`,
/// `drop_files` or `staging_table`.
pub const ENV_CASE_SYSTEM: &str = "FAMILYGRAPH_DELIVERY_CASE_SYSTEM";
/// Environment variable: the case system target's name (idempotency keys, lease, ledger).
pub const ENV_TARGET_NAME: &str = "FAMILYGRAPH_DELIVERY_TARGET_NAME";
/// Environment variable: the outbox event types delivered to the case system.
pub const ENV_EVENTS: &str = "FAMILYGRAPH_DELIVERY_EVENTS";
/// Environment variable: the source system name the case system's records were imported
/// under, whose ids are sent back to it.
pub const ENV_SOURCE_SYSTEM: &str = "FAMILYGRAPH_DELIVERY_SOURCE_SYSTEM";
/// Environment variable: the drop directory.
pub const ENV_DROP_DIRECTORY: &str = "FAMILYGRAPH_DELIVERY_DROP_DIRECTORY";
/// Environment variable: the case system's database URL (staging table).
pub const ENV_STAGING_URL: &str = "FAMILYGRAPH_DELIVERY_STAGING_URL";
/// Environment variable: the staging table's name.
pub const ENV_STAGING_TABLE: &str = "FAMILYGRAPH_DELIVERY_STAGING_TABLE";
/// Environment variable: whether to create the staging table when it is missing.
pub const ENV_STAGING_CREATE: &str = "FAMILYGRAPH_DELIVERY_STAGING_CREATE_TABLE";
/// Environment variable: milliseconds between rounds when idle.
pub const ENV_POLL_MS: &str = "FAMILYGRAPH_DELIVERY_POLL_MS";
/// Environment variable: events per round.
pub const ENV_BATCH: &str = "FAMILYGRAPH_DELIVERY_BATCH_SIZE";
/// Environment variable: milliseconds before the first retry.
pub const ENV_BACKOFF_INITIAL_MS: &str = "FAMILYGRAPH_DELIVERY_BACKOFF_INITIAL_MS";
/// Environment variable: longest wait between retries, in seconds.
pub const ENV_BACKOFF_MAX_S: &str = "FAMILYGRAPH_DELIVERY_BACKOFF_MAX_SECONDS";
/// Environment variable: attempts before giving up (0: never).
pub const ENV_MAX_ATTEMPTS: &str = "FAMILYGRAPH_DELIVERY_MAX_ATTEMPTS";
/// Environment variable: seconds a delivery lease lasts unless renewed.
pub const ENV_LEASE_S: &str = "FAMILYGRAPH_DELIVERY_LEASE_SECONDS";
/// Environment variable: seconds one delivery may take.
pub const ENV_ATTEMPT_TIMEOUT_S: &str = "FAMILYGRAPH_DELIVERY_ATTEMPT_TIMEOUT_SECONDS";

/// The event types the case system receives unless configured otherwise: contacts (a
/// partner's concern is also recorded as a contact) and the support partners recorded.
pub const DEFAULT_EVENTS: &[&str] = &["ContactRecorded", "PartnerSupportRecorded"];
/// The case system target's name unless configured otherwise.
pub const DEFAULT_TARGET_NAME: &str = "case-system";

/// Where the case system receives events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSystemOutput {
    /// Nowhere (the default).
    Off,
    /// JSON files in a directory.
    DropFiles {
        /// The directory.
        directory: PathBuf,
    },
    /// Rows of a staging table.
    StagingTable {
        /// The database URL (may carry a password; never logged).
        url: String,
        /// The table.
        table: String,
        /// Create it when missing.
        create: bool,
    },
}

/// Every delivery setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Where the case system receives events.
    pub case_system: CaseSystemOutput,
    /// The case system target's name.
    pub target_name: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// The source system name of the case system's imported records, if any.
    pub source_system: Option<String>,
    /// How the workers run.
    pub worker: WorkerSettings,
}

impl DeliverySettings {
    /// From `lookup` (an environment, or [`crate::settings::lookup`]).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number = |key: &str, default: u64| -> Result<u64, String> {
            match get(key) {
                None => Ok(default),
                Some(value) => value
                    .parse::<u64>()
                    .map_err(|_| format!("{key} must be a whole number (got {value:?})")),
            }
        };
        let positive = |key: &str, default: u64| -> Result<u64, String> {
            let n = number(key, default)?;
            if n == 0 {
                return Err(format!("{key} must be above 0"));
            }
            Ok(n)
        };
        let case_system = match get(ENV_CASE_SYSTEM).as_deref().map(str::to_ascii_lowercase) {
            None => CaseSystemOutput::Off,
            Some(kind) if kind == "off" => CaseSystemOutput::Off,
            Some(kind) if kind == "drop_files" => CaseSystemOutput::DropFiles {
                directory: get(ENV_DROP_DIRECTORY)
                    .ok_or_else(|| {
                        format!("{ENV_CASE_SYSTEM}=drop_files needs {ENV_DROP_DIRECTORY}")
                    })?
                    .into(),
            },
            Some(kind) if kind == "staging_table" => CaseSystemOutput::StagingTable {
                url: get(ENV_STAGING_URL).ok_or_else(|| {
                    format!("{ENV_CASE_SYSTEM}=staging_table needs {ENV_STAGING_URL}")
                })?,
                table: get(ENV_STAGING_TABLE).unwrap_or_else(|| {
                    familygraph_adapter_liquidlogic::outbound::DEFAULT_TABLE.to_owned()
                }),
                create: get(ENV_STAGING_CREATE).is_some_and(|v| crate::settings::is_true(&v)),
            },
            Some(other) => {
                return Err(format!(
                    "{ENV_CASE_SYSTEM} must be off, drop_files or staging_table (got {other:?})"
                ));
            }
        };
        let events = match get(ENV_EVENTS) {
            None => DEFAULT_EVENTS.iter().map(|s| (*s).to_owned()).collect(),
            Some(list) => list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
        };
        let initial = Duration::from_millis(positive(ENV_BACKOFF_INITIAL_MS, 1000)?);
        let max = Duration::from_secs(positive(ENV_BACKOFF_MAX_S, 3600)?);
        let lease = Duration::from_secs(positive(ENV_LEASE_S, 30)?);
        if lease < Duration::from_secs(3) {
            return Err(format!("{ENV_LEASE_S} must be at least 3"));
        }
        Ok(Self {
            case_system,
            target_name: get(ENV_TARGET_NAME).unwrap_or_else(|| DEFAULT_TARGET_NAME.to_owned()),
            events,
            source_system: get(ENV_SOURCE_SYSTEM),
            worker: WorkerSettings {
                poll: Duration::from_millis(positive(ENV_POLL_MS, 1000)?),
                batch: positive(ENV_BATCH, 100)?,
                backoff: Backoff {
                    initial,
                    max: max.max(initial),
                },
                max_attempts: u32::try_from(number(ENV_MAX_ATTEMPTS, 0)?)
                    .map_err(|_| format!("{ENV_MAX_ATTEMPTS} is too large"))?,
                lease,
                attempt_timeout: Duration::from_secs(positive(ENV_ATTEMPT_TIMEOUT_S, 30)?),
                refresh: Duration::from_secs(30),
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_variable_is_a_documented_setting() {
        for env in [
            ENV_CASE_SYSTEM,
            ENV_TARGET_NAME,
            ENV_EVENTS,
            ENV_SOURCE_SYSTEM,
            ENV_DROP_DIRECTORY,
            ENV_STAGING_URL,
            ENV_STAGING_TABLE,
            ENV_STAGING_CREATE,
            ENV_POLL_MS,
            ENV_BATCH,
            ENV_BACKOFF_INITIAL_MS,
            ENV_BACKOFF_MAX_S,
            ENV_MAX_ATTEMPTS,
            ENV_LEASE_S,
            ENV_ATTEMPT_TIMEOUT_S,
        ] {
            assert!(
                crate::settings::SETTINGS
                    .iter()
                    .any(|s| s.env == env && s.section == "delivery"),
                "{env} is not in settings::SETTINGS"
            );
        }
    }

    #[test]
    fn off_by_default_and_refuses_half_configurations() {
        let settings = DeliverySettings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.case_system, CaseSystemOutput::Off);
        assert_eq!(settings.events, DEFAULT_EVENTS);
        assert_eq!(settings.worker, WorkerSettings::default());
        assert!(
            DeliverySettings::from_lookup(|k| (k == ENV_CASE_SYSTEM).then(|| "drop_files".into()))
                .is_err()
        );
        assert!(
            DeliverySettings::from_lookup(|k| (k == ENV_CASE_SYSTEM).then(|| "ftp".into()))
                .is_err()
        );
        assert!(DeliverySettings::from_lookup(|k| (k == ENV_POLL_MS).then(|| "0".into())).is_err());
        let settings = DeliverySettings::from_lookup(|k| match k {
            ENV_CASE_SYSTEM => Some("staging_table".into()),
            ENV_STAGING_URL => Some("sqlite::memory:".into()),
            ENV_EVENTS => {
                Some("ContactRecorded, PartnerSupportRecorded,PartnerConcernRecorded".into())
            }
            ENV_MAX_ATTEMPTS => Some("12".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(settings.events.len(), 3);
        assert_eq!(settings.worker.max_attempts, 12);
        assert!(matches!(
            settings.case_system,
            CaseSystemOutput::StagingTable { ref table, .. } if table == "FG_INBOUND_EVENTS"
        ));
    }
}
