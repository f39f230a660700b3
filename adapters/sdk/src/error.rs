//! Adapter failures, each classed retryable or permanent.

use crate::batch::Location;

/// Whether trying again later can succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Transient: the same request may succeed later (network, timeout, 5xx, 429).
    Retryable,
    /// The same request will fail the same way until someone changes the source, the data or
    /// the configuration (4xx, malformed documents, bad configuration).
    Permanent,
}

/// A failure of a whole pull, health check or delivery. A single bad record is not an error:
/// it is a [`Rejection`](crate::Rejection) in an otherwise good batch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdapterError {
    /// The source could not be reached (connection refused, DNS, TLS).
    #[error("{target}: unreachable: {message}")]
    Unreachable {
        /// The URL or path that could not be reached.
        target: String,
        /// What the transport said.
        message: String,
    },
    /// The source did not answer in time.
    #[error("{target}: timed out")]
    Timeout {
        /// The URL or path that timed out.
        target: String,
    },
    /// The source answered with an HTTP error status.
    #[error("{target}: HTTP status {status}")]
    Status {
        /// The URL requested.
        target: String,
        /// The HTTP status code.
        status: u16,
    },
    /// A whole document or response could not be understood (not JSON, not XML, not the
    /// expected resource), so no record in it could be located.
    #[error("{location}: malformed: {reason}")]
    Malformed {
        /// The document.
        location: Location,
        /// What is wrong with it.
        reason: String,
    },
    /// A file or directory could not be read.
    #[error("{target}: {message}")]
    Io {
        /// The path.
        target: String,
        /// What the operating system said.
        message: String,
        /// Whether the failure may pass (an interrupted read) rather than persist (a missing
        /// directory, no permission).
        retryable: bool,
    },
    /// The cursor was not issued by this adapter or no longer fits the source.
    #[error("invalid cursor: {reason}")]
    InvalidCursor {
        /// Why it cannot be used.
        reason: String,
    },
    /// The adapter's configuration is not valid.
    #[error("configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
    },
    /// The partner refused an outbound event (a delivery adapter's 4xx with a reason).
    #[error("{target}: rejected: {reason}")]
    Refused {
        /// The URL or queue the event went to.
        target: String,
        /// The partner's reason.
        reason: String,
    },
}

impl AdapterError {
    /// A request to `target` that got no answer: [`AdapterError::Timeout`] when it timed out,
    /// [`AdapterError::Unreachable`] (with the transport's `message`) otherwise. Every HTTP
    /// adapter classes its client's transport failures through this.
    pub fn transport(target: &str, timed_out: bool, message: impl std::fmt::Display) -> Self {
        if timed_out {
            Self::Timeout {
                target: target.to_owned(),
            }
        } else {
            Self::Unreachable {
                target: target.to_owned(),
                message: message.to_string(),
            }
        }
    }

    /// Whether the failure is transient or will recur.
    pub fn class(&self) -> ErrorClass {
        let retryable = match self {
            Self::Unreachable { .. } | Self::Timeout { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            Self::Io { retryable, .. } => *retryable,
            Self::Malformed { .. }
            | Self::InvalidCursor { .. }
            | Self::Config { .. }
            | Self::Refused { .. } => false,
        };
        if retryable {
            ErrorClass::Retryable
        } else {
            ErrorClass::Permanent
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.class() == ErrorClass::Retryable
    }

    /// An [`AdapterError::Io`] for `target`, classed by the kind of I/O error: a missing path
    /// or a permission problem is permanent, anything else retryable.
    pub fn io(target: impl Into<String>, err: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        let retryable = !matches!(
            err.kind(),
            ErrorKind::NotFound
                | ErrorKind::PermissionDenied
                | ErrorKind::InvalidData
                | ErrorKind::InvalidInput
                | ErrorKind::NotADirectory
                | ErrorKind::IsADirectory
        );
        Self::Io {
            target: target.into(),
            message: err.to_string(),
            retryable,
        }
    }

    /// An [`AdapterError::Malformed`] for the document at `location`.
    pub fn malformed(location: Location, reason: impl Into<String>) -> Self {
        Self::Malformed {
            location,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let status = |status| AdapterError::Status {
            target: "u".into(),
            status,
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(400).is_retryable());
        assert!(
            AdapterError::Unreachable {
                target: "u".into(),
                message: "refused".into()
            }
            .is_retryable()
        );
        assert!(AdapterError::Timeout { target: "u".into() }.is_retryable());
        assert_eq!(
            AdapterError::malformed(Location::document("d"), "not JSON").class(),
            ErrorClass::Permanent
        );
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert!(!AdapterError::io("/nowhere", &missing).is_retryable());
        let interrupted = std::io::Error::from(std::io::ErrorKind::Interrupted);
        assert!(AdapterError::io("/somewhere", &interrupted).is_retryable());
    }
}
