//! The one error type of the domain: a value that failed validation.

/// A value that failed validation, naming the input field it came from.
///
/// `field` is the name the caller knows the value by (for example the GraphQL argument
/// `nhsNumber`), so the message can be shown to a client as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A field's value is not valid.
    #[error("{field}: {message}")]
    InvalidField {
        /// The input field the value came from, e.g. `nhsNumber`.
        field: String,
        /// What is wrong with the value.
        message: String,
    },
}

impl DomainError {
    /// An [`DomainError::InvalidField`] for `field` with `message`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The input field the error is about.
    pub fn field(&self) -> &str {
        match self {
            Self::InvalidField { field, .. } => field,
        }
    }

    /// What is wrong with the value, without the field name.
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidField { message, .. } => message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DomainError;

    #[test]
    fn invalid_names_the_field_in_the_message() {
        let err = DomainError::invalid("nhsNumber", "must be 10 digits");
        assert_eq!(err.field(), "nhsNumber");
        assert_eq!(err.message(), "must be 10 digits");
        assert_eq!(err.to_string(), "nhsNumber: must be 10 digits");
    }
}
