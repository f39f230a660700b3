//! The document the case system receives for each event, in a drop file or a staging row.

use chrono::{DateTime, Utc};
use familygraph_adapter_sdk::{AdapterError, OutboundEvent, RecordKey};
use serde::{Deserialize, Serialize};

/// The `schema` every document carries; a breaking change to the document gets a new one.
pub const SCHEMA: &str = "familygraph.case-system-event/1";

/// Longest idempotency key accepted, in bytes (a file name must stay well under 255 bytes).
pub const MAX_KEY_LEN: usize = 120;

/// One event as the case system receives it: the envelope (schema, key, type, when, what it is
/// about) and the event's `payload` as the server built it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventDocument {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The delivery's idempotency key: the same key is the same event, however often it comes.
    pub idempotency_key: String,
    /// The event type, e.g. `ContactRecorded` or `PartnerSupportRecorded`.
    pub event_type: String,
    /// When it happened in familygraph.
    pub occurred_at: DateTime<Utc>,
    /// The record the event is about, in the case system's terms when familygraph knows them
    /// (`system` is then the case system's name), else familygraph's (`system` `familygraph`).
    pub subject: Option<RecordKey>,
    /// The event's body (see `docs/adapters.md`).
    pub payload: serde_json::Value,
}

impl EventDocument {
    /// The document for `event` delivered under `idempotency_key`.
    pub fn new(event: &OutboundEvent, idempotency_key: &str) -> Result<Self, AdapterError> {
        check_key(idempotency_key)?;
        Ok(Self {
            schema: SCHEMA.to_owned(),
            idempotency_key: idempotency_key.to_owned(),
            event_type: event.event_type.clone(),
            occurred_at: event.occurred_at,
            subject: event.subject.clone(),
            payload: event.payload.clone(),
        })
    }

    /// The document as pretty-printed JSON with a final newline.
    pub fn to_json(&self) -> Result<Vec<u8>, AdapterError> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| AdapterError::Config {
            reason: format!("event document could not be serialised: {e}"),
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Refuses an empty or over-long key (permanently: the same key will fail the same way).
fn check_key(key: &str) -> Result<(), AdapterError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(AdapterError::Refused {
            target: "idempotency key".to_owned(),
            reason: format!("must be 1 to {MAX_KEY_LEN} bytes (got {})", key.len()),
        });
    }
    Ok(())
}

/// The file name of the event delivered under `idempotency_key`: the key with every byte
/// outside `A-Z a-z 0-9 . -` written as `_` and two hex digits (so `_` itself is `_5F`), then
/// `.json`. Distinct keys give distinct names; `case-system:0193…` gives
/// `case-system_3A0193….json`.
pub fn file_name(idempotency_key: &str) -> Result<String, AdapterError> {
    check_key(idempotency_key)?;
    let mut name = String::with_capacity(idempotency_key.len() + 8);
    for byte in idempotency_key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-' {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("_{byte:02X}"));
        }
    }
    // A name starting with a dot would look like one of our temporary files.
    if name.starts_with('.') {
        name.replace_range(0..1, "_2E");
    }
    name.push_str(".json");
    Ok(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_safe_and_distinct() {
        let a = file_name("case-system:0193a2b4-0000-7000-8000-000000000001").unwrap();
        assert_eq!(a, "case-system_3A0193a2b4-0000-7000-8000-000000000001.json");
        assert_ne!(file_name("a:b").unwrap(), file_name("a_b").unwrap());
        assert_eq!(file_name("a_b").unwrap(), "a_5Fb.json");
        assert_eq!(file_name("../etc").unwrap(), "_2E._2Fetc.json");
        assert!(!file_name("x/../../y").unwrap().contains('/'));
        assert!(file_name("").is_err());
        assert!(file_name(&"k".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(!file_name("").unwrap_err().is_retryable());
    }
}
