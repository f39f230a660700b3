//! Standard Webhooks signing and verification (<https://www.standardwebhooks.com/>, the
//! `webhook-id` / `webhook-timestamp` / `webhook-signature` scheme with symmetric `v1`
//! signatures).
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is
//! HMAC-SHA256 over it with the secret's key bytes, base64 encoded (standard alphabet, padded)
//! and prefixed `v1,`. A secret is written `whsec_` followed by the base64 of its key bytes.
//! Any Standard Webhooks receiver library (or Svix's) verifies what familygraph sends.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The header carrying the message id: the delivery's idempotency key, the same on every retry.
pub const HEADER_ID: &str = "webhook-id";
/// The header carrying the attempt's time, in seconds since the Unix epoch.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying the signatures: space-separated `v1,<base64>` entries.
pub const HEADER_SIGNATURE: &str = "webhook-signature";
/// The conventional idempotency header, carrying the same value as [`HEADER_ID`].
pub const HEADER_IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header carrying the event type, e.g. `lead_practitioner.allocated` (also in the body).
pub const HEADER_EVENT_TYPE: &str = "familygraph-event-type";
/// The prefix of a secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// How many random bytes a generated secret has.
pub const SECRET_BYTES: usize = 32;
/// The tolerance Standard Webhooks recommends between a message's timestamp and the
/// receiver's clock (either way): five minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

type HmacSha256 = Hmac<Sha256>;

/// A signing secret: the key bytes behind a `whsec_…` string. Its `Debug` form hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

/// Why a secret's text could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The part after `whsec_` is not base64.
    #[error("the webhook secret is not base64 after `whsec_`")]
    NotBase64,
    /// The key is too short to be a secret (fewer than 16 bytes).
    #[error("the webhook secret is too short ({0} bytes; at least 16)")]
    TooShort(usize),
}

impl Secret {
    /// A new secret of [`SECRET_BYTES`] random bytes from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = vec![0u8; SECRET_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut key);
        Self { key }
    }

    /// Reads `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text.trim();
        let encoded = encoded.strip_prefix(SECRET_PREFIX).unwrap_or(encoded);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        if key.len() < 16 {
            return Err(SecretError::TooShort(key.len()));
        }
        Ok(Self { key })
    }

    /// The text form, `whsec_<base64>`: what the subscriber is given (once) and keeps.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        let mut mac = match HmacSha256::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of every length"),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` value for message `id` sent at `timestamp` (Unix seconds) with
    /// `body`: `v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let digest = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(digest))
    }

    /// Whether `signature` (the base64 part of one `v1,` entry) signs the message, compared in
    /// constant time.
    fn matches(&self, id: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
        let Ok(expected) = STANDARD.decode(signature) else {
            return false;
        };
        self.mac(id, timestamp, body)
            .verify_slice(&expected)
            .is_ok()
    }
}

/// Where [`verify`] reads the three headers from. Names are looked up case-insensitively.
pub trait HeaderSource {
    /// The value of header `name` (lower case), if present and text.
    fn header(&self, name: &str) -> Option<&str>;
}

impl HeaderSource for reqwest::header::HeaderMap {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|value| value.to_str().ok())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<S: std::hash::BuildHasher> HeaderSource for std::collections::HashMap<String, String, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A message whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// `webhook-id`: the idempotency key. A receiver that has seen it before has already
    /// processed the message and should answer 2xx again without processing it twice.
    pub id: String,
    /// `webhook-timestamp`, in seconds since the Unix epoch.
    pub timestamp: i64,
}

/// Why a message was not accepted. Answer it with 400 or 401; familygraph does not retry 4xx.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The secret given to [`verify`] is not a usable `whsec_` secret.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// A required header is missing.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("webhook-timestamp is not a number")]
    BadTimestamp,
    /// The timestamp is further from the receiver's clock than the tolerance (a replay, or a
    /// badly wrong clock).
    #[error("webhook-timestamp is {0} seconds from now, outside the tolerance")]
    OutsideTolerance(i64),
    /// No `v1` signature in `webhook-signature` signs this id, timestamp and body.
    #[error("no signature matches")]
    NoMatchingSignature,
}

/// Verifies a received webhook against `secret` (`whsec_…`): the three Standard Webhooks
/// headers, the raw `body` exactly as received (before any JSON parsing), and a `tolerance`
/// for the timestamp ([`DEFAULT_TOLERANCE`] is the usual choice).
pub fn verify<H: HeaderSource + ?Sized>(
    secret: &str,
    headers: &H,
    body: &[u8],
    tolerance: Duration,
) -> Result<Verified, VerifyError> {
    verify_at(
        secret,
        headers,
        body,
        tolerance,
        chrono::Utc::now().timestamp(),
    )
}

/// [`verify`] against the clock reading `now` (Unix seconds), for tests and replays.
pub fn verify_at<H: HeaderSource + ?Sized>(
    secret: &str,
    headers: &H,
    body: &[u8],
    tolerance: Duration,
    now: i64,
) -> Result<Verified, VerifyError> {
    let secret = Secret::parse(secret)?;
    let id = headers
        .header(HEADER_ID)
        .ok_or(VerifyError::MissingHeader(HEADER_ID))?;
    let timestamp = headers
        .header(HEADER_TIMESTAMP)
        .ok_or(VerifyError::MissingHeader(HEADER_TIMESTAMP))?;
    let signatures = headers
        .header(HEADER_SIGNATURE)
        .ok_or(VerifyError::MissingHeader(HEADER_SIGNATURE))?;
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let skew = timestamp.saturating_sub(now);
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if skew.saturating_abs() > tolerance {
        return Err(VerifyError::OutsideTolerance(skew));
    }
    let matched = signatures.split_whitespace().any(|entry| {
        entry
            .strip_prefix("v1,")
            .is_some_and(|signature| secret.matches(id, timestamp, body, signature))
    });
    if matched {
        Ok(Verified {
            id: id.to_owned(),
            timestamp,
        })
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // The test vector published with the Standard Webhooks reference libraries.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(signature: &str, timestamp: i64) -> Vec<(String, String)> {
        vec![
            ("Webhook-Id".to_owned(), ID.to_owned()),
            ("Webhook-Timestamp".to_owned(), timestamp.to_string()),
            ("Webhook-Signature".to_owned(), signature.to_owned()),
        ]
    }

    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let secret = Secret::parse(SECRET).unwrap();
        assert_eq!(secret.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        // Without the prefix, as the reference libraries also accept.
        let bare = Secret::parse(SECRET.trim_start_matches(SECRET_PREFIX)).unwrap();
        assert_eq!(bare.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(secret.to_text(), SECRET);
    }

    #[test]
    fn verifies_the_test_vector_and_rejects_tampering() {
        let tolerance = DEFAULT_TOLERANCE;
        let ok = verify_at(
            SECRET,
            &headers(SIGNATURE, TIMESTAMP),
            BODY,
            tolerance,
            TIMESTAMP,
        )
        .unwrap();
        assert_eq!(ok.id, ID);
        assert_eq!(ok.timestamp, TIMESTAMP);
        // One good signature among several (key rotation) is enough.
        let several = format!("v1,bm9wZQ== {SIGNATURE}");
        assert!(
            verify_at(
                SECRET,
                &headers(&several, TIMESTAMP),
                BODY,
                tolerance,
                TIMESTAMP
            )
            .is_ok()
        );
        // A changed body, id, timestamp or secret fails.
        assert_eq!(
            verify_at(
                SECRET,
                &headers(SIGNATURE, TIMESTAMP),
                br#"{"test": 2432232315}"#,
                tolerance,
                TIMESTAMP
            ),
            Err(VerifyError::NoMatchingSignature)
        );
        assert_eq!(
            verify_at(
                SECRET,
                &headers(SIGNATURE, TIMESTAMP + 1),
                BODY,
                tolerance,
                TIMESTAMP
            ),
            Err(VerifyError::NoMatchingSignature)
        );
        let other = Secret::generate().to_text();
        assert_eq!(
            verify_at(
                &other,
                &headers(SIGNATURE, TIMESTAMP),
                BODY,
                tolerance,
                TIMESTAMP
            ),
            Err(VerifyError::NoMatchingSignature)
        );
        // A v2 (asymmetric) entry is not a v1 signature.
        let v2 = SIGNATURE.replacen("v1,", "v1a,", 1);
        assert_eq!(
            verify_at(SECRET, &headers(&v2, TIMESTAMP), BODY, tolerance, TIMESTAMP),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn old_and_future_timestamps_are_refused() {
        let tolerance = Duration::from_secs(300);
        let now = TIMESTAMP + 301;
        assert_eq!(
            verify_at(SECRET, &headers(SIGNATURE, TIMESTAMP), BODY, tolerance, now),
            Err(VerifyError::OutsideTolerance(-301))
        );
        assert!(
            verify_at(
                SECRET,
                &headers(SIGNATURE, TIMESTAMP),
                BODY,
                tolerance,
                TIMESTAMP + 300
            )
            .is_ok()
        );
        assert_eq!(
            verify_at(
                SECRET,
                &headers(SIGNATURE, TIMESTAMP),
                BODY,
                tolerance,
                TIMESTAMP - 301
            ),
            Err(VerifyError::OutsideTolerance(301))
        );
    }

    #[test]
    fn missing_and_malformed_headers() {
        let tolerance = DEFAULT_TOLERANCE;
        let mut partial = headers(SIGNATURE, TIMESTAMP);
        partial.retain(|(name, _)| name != "Webhook-Signature");
        assert_eq!(
            verify_at(SECRET, &partial, BODY, tolerance, TIMESTAMP),
            Err(VerifyError::MissingHeader(HEADER_SIGNATURE))
        );
        let mut bad = headers(SIGNATURE, TIMESTAMP);
        bad[1].1 = "soon".to_owned();
        assert_eq!(
            verify_at(SECRET, &bad, BODY, tolerance, TIMESTAMP),
            Err(VerifyError::BadTimestamp)
        );
        assert_eq!(Secret::parse("whsec_!!"), Err(SecretError::NotBase64));
        assert_eq!(
            Secret::parse("whsec_c2hvcnQ="),
            Err(SecretError::TooShort(5))
        );
    }

    #[test]
    fn generated_secrets_are_random_and_round_trip() {
        let one = Secret::generate();
        let two = Secret::generate();
        assert_ne!(one, two);
        assert_eq!(Secret::parse(&one.to_text()).unwrap(), one);
        assert!(one.to_text().starts_with("whsec_"));
        assert_eq!(format!("{one:?}"), "Secret(redacted)");
    }
}
