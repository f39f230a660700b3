//! Trusted documents and automatic persisted queries: which GraphQL documents a request may
//! run, decided after the caller is authenticated and before the document is parsed.
//!
//! - **Trusted documents.** `FAMILYGRAPH_TRUSTED_DOCUMENTS` names a JSON file mapping OAuth
//!   client ids to manifests in graphql-codegen's `persisted-documents.json` format
//!   (`{"<sha256 hex>": "query … { … }"}`). A listed client may run only the documents of its
//!   manifest: by id (`documentId`, `"sha256:<hex>"` or bare hex, or
//!   `extensions.persistedQuery.sha256Hash`), or by sending the full text of one of them.
//!   Anything else is refused with `PERSISTED_DOCUMENT_REQUIRED` or
//!   `PERSISTED_DOCUMENT_NOT_FOUND`. Manifests are validated when the server starts.
//! - **Automatic persisted queries** (Apollo's APQ protocol,
//!   `extensions.persistedQuery {version: 1, sha256Hash}`) for every other client: a hash the
//!   server does not know answers `PERSISTED_QUERY_NOT_FOUND`; the client then sends the query
//!   with its hash, which registers it (a hash that does not match answers
//!   `PERSISTED_QUERY_HASH_MISMATCH`) in a bounded least-recently-used cache shared by all
//!   callers; afterwards the hash alone, over POST or GET, runs it. Trusted-document clients
//!   cannot register anything.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use actix_web::HttpRequest;
use familygraph_graphql::error::ErrorCode;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// Environment variable: the trusted-documents file (JSON, `{"clients": {"<client id>":
/// "<manifest path>"}}`, paths relative to the file). Unset: no client is restricted.
pub const ENV_TRUSTED_DOCUMENTS: &str = "FAMILYGRAPH_TRUSTED_DOCUMENTS";
/// Environment variable: documents the automatic-persisted-query cache holds (0 turns APQ off).
pub const ENV_PERSISTED_QUERY_CACHE_SIZE: &str = "FAMILYGRAPH_PERSISTED_QUERY_CACHE_SIZE";
/// Default size of the automatic-persisted-query cache.
pub const DEFAULT_PERSISTED_QUERY_CACHE_SIZE: usize = 1_000;
/// Largest document registered through APQ (larger ones run, but are not kept).
pub const MAX_PERSISTED_QUERY_BYTES: usize = 32 * 1024;

/// A trusted-document client sent no document id, or a query that is not in its manifest.
pub const PERSISTED_DOCUMENT_REQUIRED: &str = "PERSISTED_DOCUMENT_REQUIRED";
/// The document id is not in the client's manifest (or, for other clients, not registered).
pub const PERSISTED_DOCUMENT_NOT_FOUND: &str = "PERSISTED_DOCUMENT_NOT_FOUND";
/// APQ: the hash is not (or no longer) registered; send the query with it.
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
/// APQ: the query's SHA-256 is not the hash sent with it.
pub const PERSISTED_QUERY_HASH_MISMATCH: &str = "PERSISTED_QUERY_HASH_MISMATCH";
/// APQ is turned off (`FAMILYGRAPH_PERSISTED_QUERY_CACHE_SIZE=0`).
pub const PERSISTED_QUERY_NOT_SUPPORTED: &str = "PERSISTED_QUERY_NOT_SUPPORTED";

/// Why the trusted documents could not be loaded (the server does not start).
#[derive(Debug, thiserror::Error)]
pub enum TrustedDocumentsError {
    /// A file could not be read.
    #[error("{ENV_TRUSTED_DOCUMENTS}: reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not JSON of the expected shape.
    #[error("{ENV_TRUSTED_DOCUMENTS}: {path} is not {expected}: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        expected: &'static str,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// The file lists a client id that is empty.
    #[error("{ENV_TRUSTED_DOCUMENTS}: {path} lists an empty client id")]
    EmptyClientId {
        /// The file.
        path: PathBuf,
    },
    /// A manifest holds no document.
    #[error("{ENV_TRUSTED_DOCUMENTS}: manifest {path} holds no document")]
    EmptyManifest {
        /// The manifest.
        path: PathBuf,
    },
    /// A manifest key is not a SHA-256 hash.
    #[error(
        "{ENV_TRUSTED_DOCUMENTS}: manifest {path}: key {key:?} is not a SHA-256 hash \
         (64 hexadecimal digits; generate with hashAlgorithm: 'sha256')"
    )]
    BadKey {
        /// The manifest.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// A document does not parse as GraphQL.
    #[error("{ENV_TRUSTED_DOCUMENTS}: manifest {path}: document {key} does not parse: {message}")]
    Unparsable {
        /// The manifest.
        path: PathBuf,
        /// The document's key.
        key: String,
        /// The parser's message.
        message: String,
    },
    /// A document's SHA-256 is not its key.
    #[error(
        "{ENV_TRUSTED_DOCUMENTS}: manifest {path}: document {key} hashes to {actual}, not to its key"
    )]
    HashMismatch {
        /// The manifest.
        path: PathBuf,
        /// The key.
        key: String,
        /// The document's real SHA-256.
        actual: String,
    },
}

/// One client's manifest: SHA-256 (lowercase hex) → document text.
#[derive(Clone, PartialEq, Eq)]
pub struct Manifest {
    documents: HashMap<String, Arc<str>>,
}

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Manifest({} documents)", self.documents.len())
    }
}

impl Manifest {
    /// Parses and validates a `persisted-documents.json` (`path` names it in errors): every key
    /// is a SHA-256 hash, every document parses, and every document hashes to its key.
    pub fn parse(path: &Path, json: &str) -> Result<Self, TrustedDocumentsError> {
        let entries: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|source| TrustedDocumentsError::Format {
                path: path.to_owned(),
                expected: "a persisted-documents manifest ({\"<sha256>\": \"<document>\"})",
                source,
            })?;
        if entries.is_empty() {
            return Err(TrustedDocumentsError::EmptyManifest {
                path: path.to_owned(),
            });
        }
        let mut documents = HashMap::with_capacity(entries.len());
        for (key, document) in entries {
            let Some(hash) = normalise_hash(&key) else {
                return Err(TrustedDocumentsError::BadKey {
                    path: path.to_owned(),
                    key,
                });
            };
            if let Err(error) = async_graphql::parser::parse_query(&document) {
                return Err(TrustedDocumentsError::Unparsable {
                    path: path.to_owned(),
                    key,
                    message: error.to_string(),
                });
            }
            let actual = sha256_hex(&document);
            if actual != hash {
                return Err(TrustedDocumentsError::HashMismatch {
                    path: path.to_owned(),
                    key,
                    actual,
                });
            }
            documents.insert(hash, Arc::from(document));
        }
        Ok(Self { documents })
    }

    /// The document with this SHA-256 (lowercase hex).
    pub fn get(&self, hash: &str) -> Option<&Arc<str>> {
        self.documents.get(hash)
    }

    /// How many documents it holds.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether it holds none (never true for a loaded manifest).
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }
}

/// The trusted-documents configuration: which clients may run only which documents.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrustedDocuments {
    clients: BTreeMap<String, Arc<Manifest>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedDocumentsFile {
    clients: BTreeMap<String, PathBuf>,
}

impl TrustedDocuments {
    /// Loads the file at `path` (`{"clients": {"<client id>": "<manifest path>"}}`, manifest
    /// paths relative to the file) and validates every manifest it names.
    pub fn load(path: &Path) -> Result<Self, TrustedDocumentsError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| TrustedDocumentsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let file: TrustedDocumentsFile =
            serde_json::from_str(&read(path)?).map_err(|source| TrustedDocumentsError::Format {
                path: path.to_owned(),
                expected: "a trusted-documents file ({\"clients\": {\"<client id>\": \"<manifest>\"}})",
                source,
            })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut manifests: HashMap<PathBuf, Arc<Manifest>> = HashMap::new();
        let mut clients = BTreeMap::new();
        for (client, manifest_path) in file.clients {
            if client.trim().is_empty() {
                return Err(TrustedDocumentsError::EmptyClientId {
                    path: path.to_owned(),
                });
            }
            let manifest_path = base.join(manifest_path);
            let manifest = match manifests.get(&manifest_path) {
                Some(manifest) => manifest.clone(),
                None => {
                    let manifest =
                        Arc::new(Manifest::parse(&manifest_path, &read(&manifest_path)?)?);
                    manifests.insert(manifest_path, manifest.clone());
                    manifest
                }
            };
            clients.insert(client, manifest);
        }
        Ok(Self { clients })
    }

    /// Trusted documents for the given clients' manifests.
    pub fn from_manifests(clients: impl IntoIterator<Item = (String, Manifest)>) -> Self {
        Self {
            clients: clients
                .into_iter()
                .map(|(client, manifest)| (client, Arc::new(manifest)))
                .collect(),
        }
    }

    /// The manifest a client is held to, if it is listed.
    pub fn manifest(&self, client_id: Option<&str>) -> Option<&Manifest> {
        client_id.and_then(|client| self.clients.get(client).map(AsRef::as_ref))
    }

    /// The listed client ids.
    pub fn clients(&self) -> impl Iterator<Item = &str> {
        self.clients.keys().map(String::as_str)
    }
}

/// The SHA-256 of `text`, as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// `<hex>` or `sha256:<hex>` (64 hexadecimal digits) as lowercase hex; `None` otherwise.
fn normalise_hash(id: &str) -> Option<String> {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// A request refused before its document is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `extensions.code`.
    pub code: &'static str,
    /// For people.
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// What [`PersistedDocuments::resolve`] decided for a request that may go on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// An APQ registration to make once the document has passed the limits.
    register: Option<String>,
}

/// The server's persisted-document state: the trusted documents and the APQ cache.
pub struct PersistedDocuments {
    trusted: Option<Arc<TrustedDocuments>>,
    cache: Option<Mutex<lru::LruCache<String, Arc<str>>>>,
}

#[derive(Deserialize)]
struct PersistedQueryExtension {
    version: i64,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

#[derive(Deserialize)]
struct DocumentIdField {
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

impl PersistedDocuments {
    /// State for `trusted` documents and an APQ cache of `cache_size` documents (0: no APQ).
    pub fn new(trusted: Option<Arc<TrustedDocuments>>, cache_size: usize) -> Self {
        Self {
            trusted,
            cache: NonZeroUsize::new(cache_size).map(|size| Mutex::new(lru::LruCache::new(size))),
        }
    }

    /// Whether `client_id` may run only its trusted documents.
    pub fn restricts(&self, client_id: Option<&str>) -> bool {
        self.manifest(client_id).is_some()
    }

    fn manifest(&self, client_id: Option<&str>) -> Option<&Manifest> {
        self.trusted.as_deref().and_then(|t| t.manifest(client_id))
    }

    /// The request's `documentId` (GraphQL over HTTP persisted documents): from the query
    /// string for GET, from the JSON body otherwise. Reads no GraphQL.
    pub fn document_id(req: &HttpRequest, body: &[u8]) -> Option<String> {
        if req.method() == actix_web::http::Method::GET {
            actix_web::web::Query::<HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|query| query.get("documentId").cloned())
        } else {
            serde_json::from_slice::<DocumentIdField>(body)
                .ok()
                .and_then(|field| field.document_id)
        }
    }

    /// Decides which document `request` runs for `client_id`, filling in `request.query` when
    /// the request names a document by id or hash. Refuses what the client may not run.
    pub fn resolve(
        &self,
        client_id: Option<&str>,
        document_id: Option<&str>,
        request: &mut async_graphql::Request,
    ) -> Result<Resolved, Refusal> {
        let persisted_query = match request.extensions.remove("persistedQuery") {
            None => None,
            Some(value) => {
                let extension: PersistedQueryExtension = serde_json::to_value(value)
                    .ok()
                    .and_then(|value| serde_json::from_value(value).ok())
                    .ok_or_else(|| {
                        Refusal::new(
                            ErrorCode::BadUserInput.as_str(),
                            "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}",
                        )
                    })?;
                if extension.version != 1 {
                    return Err(Refusal::new(
                        ErrorCode::BadUserInput.as_str(),
                        "only version 1 of extensions.persistedQuery is supported",
                    ));
                }
                Some(extension.sha256_hash.to_ascii_lowercase())
            }
        };
        let has_query = !request.query.trim().is_empty();
        if document_id.is_some() && has_query {
            return Err(Refusal::new(
                ErrorCode::BadUserInput.as_str(),
                "send a documentId or a query, not both",
            ));
        }
        if let Some(manifest) = self.manifest(client_id) {
            return Self::resolve_trusted(manifest, document_id, persisted_query, request);
        }
        if let Some(id) = document_id {
            let document = normalise_hash(id).and_then(|hash| self.cached(&hash));
            return match document {
                Some(document) => {
                    request.query = document.to_string();
                    Ok(Resolved::default())
                }
                None => Err(Refusal::new(
                    PERSISTED_DOCUMENT_NOT_FOUND,
                    "no document is registered under that documentId",
                )),
            };
        }
        let Some(hash) = persisted_query else {
            return Ok(Resolved::default());
        };
        if self.cache.is_none() {
            return Err(Refusal::new(
                PERSISTED_QUERY_NOT_SUPPORTED,
                "automatic persisted queries are turned off; send the query",
            ));
        }
        if !has_query {
            return match self.cached(&hash) {
                Some(document) => {
                    request.query = document.to_string();
                    Ok(Resolved::default())
                }
                None => Err(Refusal::new(
                    PERSISTED_QUERY_NOT_FOUND,
                    "PersistedQueryNotFound: send the query with its hash",
                )),
            };
        }
        if sha256_hex(&request.query) != hash {
            return Err(Refusal::new(
                PERSISTED_QUERY_HASH_MISMATCH,
                "provided sha256Hash does not match the query",
            ));
        }
        Ok(Resolved {
            register: Some(hash),
        })
    }

    fn resolve_trusted(
        manifest: &Manifest,
        document_id: Option<&str>,
        persisted_query: Option<String>,
        request: &mut async_graphql::Request,
    ) -> Result<Resolved, Refusal> {
        let not_found = || {
            Refusal::new(
                PERSISTED_DOCUMENT_NOT_FOUND,
                "this client may run only its trusted documents, and that id is not one of them",
            )
        };
        let has_query = !request.query.trim().is_empty();
        match (document_id, persisted_query, has_query) {
            (Some(id), _, _) => {
                let document = normalise_hash(id)
                    .and_then(|hash| manifest.get(&hash))
                    .ok_or_else(not_found)?;
                request.query = document.to_string();
            }
            (None, Some(hash), false) => {
                let document = manifest.get(&hash).ok_or_else(not_found)?;
                request.query = document.to_string();
            }
            (None, Some(hash), true) => {
                let actual = sha256_hex(&request.query);
                if actual != hash {
                    return Err(Refusal::new(
                        PERSISTED_QUERY_HASH_MISMATCH,
                        "provided sha256Hash does not match the query",
                    ));
                }
                if manifest.get(&actual).is_none() {
                    return Err(not_found());
                }
            }
            (None, None, true) => {
                if manifest.get(&sha256_hex(&request.query)).is_none() {
                    return Err(Refusal::new(
                        PERSISTED_DOCUMENT_REQUIRED,
                        "this client may run only its trusted documents; send a documentId",
                    ));
                }
            }
            (None, None, false) => {
                return Err(Refusal::new(
                    PERSISTED_DOCUMENT_REQUIRED,
                    "this client may run only its trusted documents; send a documentId",
                ));
            }
        }
        Ok(Resolved::default())
    }

    fn cached(&self, hash: &str) -> Option<Arc<str>> {
        let cache = self.cache.as_ref()?;
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.get(hash).cloned()
    }

    /// Makes the APQ registration `resolved` asked for, once `query` has passed the limits.
    pub fn register(&self, resolved: Resolved, query: &str) {
        let (Some(hash), Some(cache)) = (resolved.register, self.cache.as_ref()) else {
            return;
        };
        if query.len() > MAX_PERSISTED_QUERY_BYTES {
            return;
        }
        let mut cache = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cache.put(hash, Arc::from(query));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const QUERY: &str = "query Viewer { viewer { subject } }";

    fn manifest_json(pairs: &[(&str, &str)]) -> String {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        serde_json::to_string(&map).unwrap()
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_manifest_whose_key_is_not_its_documents_hash_stops_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let wrong = sha256_hex("query Other { viewer { roles } }");
        write(dir.path(), "m.json", &manifest_json(&[(&wrong, QUERY)]));
        let config = write(
            dir.path(),
            "t.json",
            r#"{"clients": {"school-mis": "m.json"}}"#,
        );
        let error = TrustedDocuments::load(&config).unwrap_err();
        assert!(
            matches!(error, TrustedDocumentsError::HashMismatch { .. }),
            "{error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&wrong) && message.contains(&sha256_hex(QUERY)),
            "{message}"
        );
        assert!(message.contains("m.json"), "{message}");
    }

    #[test]
    fn unparsable_documents_bad_keys_and_missing_files_stop_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let broken = "query { viewer { ";
        write(
            dir.path(),
            "broken.json",
            &manifest_json(&[(&sha256_hex(broken), broken)]),
        );
        write(
            dir.path(),
            "sha1.json",
            &manifest_json(&[("a9993e364706816aba3e25717850c26c9cd0d89d", QUERY)]),
        );
        write(dir.path(), "empty.json", "{}");
        for (manifest, expected) in [
            ("broken.json", "does not parse"),
            ("sha1.json", "is not a SHA-256 hash"),
            ("empty.json", "holds no document"),
            ("missing.json", "reading"),
        ] {
            let config = write(
                dir.path(),
                "t.json",
                &format!(r#"{{"clients": {{"school-mis": "{manifest}"}}}}"#),
            );
            let error = TrustedDocuments::load(&config).unwrap_err().to_string();
            assert!(error.contains(expected), "{manifest}: {error}");
        }
        let config = write(dir.path(), "t.json", r#"{"client": {}}"#);
        assert!(TrustedDocuments::load(&config).is_err());
    }

    #[test]
    fn the_deployed_example_manifest_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy/trusted-documents/trusted-documents.json");
        let trusted = TrustedDocuments::load(&path).unwrap();
        assert!(trusted.clients().count() >= 1);
        for client in trusted.clients() {
            assert!(!trusted.manifest(Some(client)).unwrap().is_empty());
        }
    }

    fn documents() -> PersistedDocuments {
        let manifest = Manifest::parse(
            Path::new("inline"),
            &manifest_json(&[(&sha256_hex(QUERY), QUERY)]),
        )
        .unwrap();
        PersistedDocuments::new(
            Some(Arc::new(TrustedDocuments::from_manifests([(
                "mis".to_owned(),
                manifest,
            )]))),
            2,
        )
    }

    fn request(query: &str, hash: Option<&str>) -> async_graphql::Request {
        let mut body = serde_json::json!({ "query": query });
        if let Some(hash) = hash {
            body["extensions"] =
                serde_json::json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        }
        serde_json::from_value(body).unwrap()
    }

    #[test]
    fn trusted_clients_run_only_their_documents_in_every_form() {
        let documents = documents();
        let hash = sha256_hex(QUERY);
        let code = |client, id: Option<&str>, mut request| {
            documents
                .resolve(Some(client), id, &mut request)
                .map(|_| request.query)
                .map_err(|refusal| refusal.code)
        };
        assert_eq!(
            code("mis", Some(&format!("sha256:{hash}")), request("", None)),
            Ok(QUERY.to_owned())
        );
        assert_eq!(
            code("mis", Some(&hash.to_uppercase()), request("", None)),
            Ok(QUERY.to_owned())
        );
        assert_eq!(
            code("mis", None, request("", Some(&hash))),
            Ok(QUERY.to_owned())
        );
        assert_eq!(
            code("mis", None, request(QUERY, None)),
            Ok(QUERY.to_owned())
        );
        assert_eq!(
            code("mis", Some(&"0".repeat(64)), request("", None)),
            Err(PERSISTED_DOCUMENT_NOT_FOUND)
        );
        assert_eq!(
            code("mis", Some("sha1:abc"), request("", None)),
            Err(PERSISTED_DOCUMENT_NOT_FOUND)
        );
        assert_eq!(
            code("mis", None, request("{ viewer { roles } }", None)),
            Err(PERSISTED_DOCUMENT_REQUIRED)
        );
        assert_eq!(
            code("mis", None, request("", None)),
            Err(PERSISTED_DOCUMENT_REQUIRED)
        );
        // No registration through APQ.
        let other = "{ viewer { roles } }";
        assert_eq!(
            code("mis", None, request(other, Some(&sha256_hex(other)))),
            Err(PERSISTED_DOCUMENT_NOT_FOUND)
        );
        // Anyone else runs anything.
        assert_eq!(
            code("case-ui", None, request(other, None)),
            Ok(other.to_owned())
        );
    }

    #[test]
    fn the_apq_cache_is_bounded() {
        let documents = documents();
        let queries = ["{ a }", "{ b }", "{ c }"];
        for query in queries {
            let mut req = request(query, Some(&sha256_hex(query)));
            let resolved = documents.resolve(Some("case-ui"), None, &mut req).unwrap();
            documents.register(resolved, &req.query);
        }
        let mut first = request("", Some(&sha256_hex("{ a }")));
        let refusal = documents
            .resolve(Some("case-ui"), None, &mut first)
            .unwrap_err();
        assert_eq!(refusal.code, PERSISTED_QUERY_NOT_FOUND);
        let mut last = request("", Some(&sha256_hex("{ c }")));
        documents.resolve(Some("case-ui"), None, &mut last).unwrap();
        assert_eq!(last.query, "{ c }");
        let off = PersistedDocuments::new(None, 0);
        let mut req = request("", Some(&sha256_hex("{ c }")));
        assert_eq!(
            off.resolve(None, None, &mut req).unwrap_err().code,
            PERSISTED_QUERY_NOT_SUPPORTED
        );
    }
}
