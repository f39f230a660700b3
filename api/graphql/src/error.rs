//! Errors as clients see them: a message and a stable `extensions.code`.
//!
//! Internal failures are logged with a correlation id and reach the client only as `INTERNAL`
//! with that id; no SQL, path or stack trace ever leaves the server.

use async_graphql::ErrorExtensions;
use familygraph_domain::DomainError;
use familygraph_store::StoreError;
use uuid::Uuid;

/// The stable error codes of `extensions.code` (catalogue: `docs/error-codes.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No valid bearer token.
    Unauthenticated,
    /// Authenticated, but the operation is not allowed to this caller.
    Forbidden,
    /// No such record (or none the caller may see: the two are indistinguishable).
    NotFound,
    /// The input is malformed or fails validation; `extensions.field` names the field.
    BadUserInput,
    /// The record changed since it was read (optimistic concurrency).
    Conflict,
    /// Too many requests.
    RateLimited,
    /// The query is too deep or too costly.
    QueryTooComplex,
    /// Something failed inside the server; `extensions.correlationId` identifies it in the logs.
    Internal,
}

impl ErrorCode {
    /// The wire value of the code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::RateLimited => "RATE_LIMITED",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::Internal => "INTERNAL",
        }
    }
}

/// An error on its way to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Bad input in a named field.
    BadUserInput {
        /// The input field (GraphQL name).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Nothing with that id that the caller may see.
    NotFound {
        /// What was looked for.
        what: String,
    },
    /// The caller may not perform the operation.
    Forbidden {
        /// What was refused.
        operation: String,
    },
    /// The record changed since the caller read it.
    Conflict {
        /// What changed.
        what: String,
    },
    /// An internal failure, already logged under `correlation_id`.
    Internal {
        /// The id to quote when reporting it.
        correlation_id: Uuid,
    },
}

impl ApiError {
    /// Bad input in `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Nothing found.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Logs an internal error and returns its masked form.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        let correlation_id = Uuid::now_v7();
        tracing::error!(%correlation_id, error = %error, "internal error");
        Self::Internal { correlation_id }
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::NotFound { what } => format!("{what} not found"),
            Self::Forbidden { operation } => format!("you may not {operation}"),
            Self::Conflict { what } => {
                format!("{what} has changed since you read it: reload it and try again")
            }
            Self::Internal { correlation_id } => {
                format!("internal error (correlation id {correlation_id})")
            }
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        async_graphql::Error::new(error.message()).extend_with(|_, ext| {
            ext.set("code", error.code().as_str());
            match &error {
                ApiError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::Internal { correlation_id } => {
                    ext.set("correlationId", correlation_id.to_string())
                }
                ApiError::NotFound { .. }
                | ApiError::Forbidden { .. }
                | ApiError::Conflict { .. } => {}
            }
        })
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::InvalidField { field, message } => Self::BadUserInput { field, message },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Invalid(domain) => domain.into(),
            StoreError::Conflict {
                record_type, id, ..
            } => Self::Conflict {
                what: format!("{record_type} {id}"),
            },
            other => Self::internal(&other),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::internal(&error)
    }
}

impl From<std::sync::Arc<sea_orm::DbErr>> for ApiError {
    fn from(error: std::sync::Arc<sea_orm::DbErr>) -> Self {
        Self::internal(&error)
    }
}

/// Result of a resolver.
pub type ApiResult<T> = Result<T, ApiError>;

/// A GraphQL error with only a code and message (for errors raised outside resolvers).
pub fn coded_error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code.as_str()))
}
