//! Opaque global ids: `base64url("<Type>:<uuid>")`, as the Relay `Node` interface wants.

use async_graphql::ID;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::ApiError;

/// Encodes a record's global id.
pub fn encode(type_name: &str, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Decodes a global id into its type name and record id; anything malformed is `BAD_USER_INPUT`.
pub fn decode(field: &str, id: &ID) -> Result<(String, Uuid), ApiError> {
    let invalid = || ApiError::bad_input(field, "is not a valid familygraph id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_name, uuid) = text.split_once(':').ok_or_else(invalid)?;
    let uuid = Uuid::parse_str(uuid).map_err(|_| invalid())?;
    if type_name.is_empty() || !type_name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    Ok((type_name.to_owned(), uuid))
}

/// Decodes a global id that must name a record of `type_name`.
pub fn decode_as(field: &str, type_name: &str, id: &ID) -> Result<Uuid, ApiError> {
    let (found, uuid) = decode(field, id)?;
    if found == type_name {
        Ok(uuid)
    } else {
        Err(ApiError::bad_input(
            field,
            format!("is not the id of a {type_name}"),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let uuid = Uuid::now_v7();
        let id = encode("Person", uuid);
        assert_eq!(decode("id", &id).unwrap(), ("Person".to_owned(), uuid));
        assert_eq!(decode_as("id", "Person", &id).unwrap(), uuid);
        assert!(decode_as("id", "Family", &id).is_err());
    }

    #[test]
    fn garbage_is_bad_input() {
        for junk in ["", "!!!", "UGVyc29u", "UGVyc29uOm5vdC1hLXV1aWQ"] {
            let error = decode("id", &ID(junk.to_owned())).unwrap_err();
            assert_eq!(
                error.code(),
                crate::error::ErrorCode::BadUserInput,
                "{junk}"
            );
        }
    }
}
