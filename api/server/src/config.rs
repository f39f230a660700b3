//! Server configuration, read from the command line and the environment.

use std::path::{Path, PathBuf};

/// Where the embedded default keeps its SQLite file and development signing key.
pub const DEFAULT_DATA_DIR: &str = "./.familygraph";

/// The database a server or command talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// The embedded default: a SQLite file inside the data directory.
    EmbeddedSqlite(PathBuf),
    /// Any database named by a `DATABASE_URL` (PostgreSQL in production, or an explicit SQLite URL).
    Url(String),
}

impl DatabaseTarget {
    /// Chooses the database: `DATABASE_URL` when given, else the SQLite file in `data_dir`.
    pub fn resolve(database_url: Option<&str>, data_dir: &Path) -> Self {
        match database_url.map(str::trim).filter(|url| !url.is_empty()) {
            Some(url) => Self::Url(url.to_owned()),
            None => Self::EmbeddedSqlite(data_dir.join("familygraph.sqlite")),
        }
    }

    /// The connection URL sea-orm understands.
    pub fn url(&self) -> String {
        match self {
            Self::EmbeddedSqlite(path) => format!("sqlite://{}?mode=rwc", path.display()),
            Self::Url(url) => url.clone(),
        }
    }

    /// Whether this is a PostgreSQL database (where the development issuer is refused).
    pub fn is_postgres(&self) -> bool {
        match self {
            Self::EmbeddedSqlite(_) => false,
            Self::Url(url) => url.starts_with("postgres://") || url.starts_with("postgresql://"),
        }
    }

    /// Whether this is the embedded default (seeded with demo data on first start).
    pub fn is_embedded(&self) -> bool {
        matches!(self, Self::EmbeddedSqlite(_))
    }

    /// A description that is safe to log (no password).
    pub fn redacted(&self) -> String {
        match self {
            Self::EmbeddedSqlite(path) => format!("sqlite file {}", path.display()),
            Self::Url(url) => match url.split_once('@') {
                Some((scheme_and_user, host)) => {
                    let scheme = scheme_and_user.split("://").next().unwrap_or("db");
                    format!("{scheme}://…@{host}")
                }
                None => url.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_lives_in_the_data_dir() {
        let target = DatabaseTarget::resolve(None, Path::new("/tmp/fg"));
        assert_eq!(target.url(), "sqlite:///tmp/fg/familygraph.sqlite?mode=rwc");
        assert!(target.is_embedded());
        assert!(!target.is_postgres());
    }

    #[test]
    fn postgres_urls_are_recognised_and_redacted() {
        let target = DatabaseTarget::resolve(
            Some("postgres://fg:secret@db.internal:5432/fg"),
            Path::new("."),
        );
        assert!(target.is_postgres());
        assert!(!target.redacted().contains("secret"));
        assert_eq!(target.redacted(), "postgres://…@db.internal:5432/fg");
    }

    #[test]
    fn blank_database_url_means_the_embedded_default() {
        let target = DatabaseTarget::resolve(Some("  "), Path::new("d"));
        assert!(target.is_embedded());
    }
}
