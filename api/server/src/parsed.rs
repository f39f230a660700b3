//! Parsed documents by their text. Front ends send the same few documents over and over, and
//! parsing one costs the server more than copying its parsed form: the parser is a recursive
//! PEG (pest) that checks its stack at every rule, where a copy only clones names and
//! positions.
//!
//! Only documents that parse are kept; one that does not is parsed again each time, for the
//! executor to report its syntax error. A document is looked up by its whole text, so two
//! documents never share an entry.

use std::num::NonZeroUsize;
use std::sync::Mutex;

use async_graphql::parser::types::ExecutableDocument;

/// Documents the cache holds by default: more than a deployment's front ends send, few enough
/// that the cache stays small.
pub const DEFAULT_PARSED_DOCUMENTS: usize = 256;

/// The longest document text the cache keeps. Front ends' documents are a few kilobytes; the
/// token limit does not bound a document's size (one string literal can fill the request
/// body), so without this a caller sending long distinct documents could make the cache hold
/// [`DEFAULT_PARSED_DOCUMENTS`] request bodies and their parsed forms. Longer documents are
/// parsed each time.
pub const MAX_CACHED_DOCUMENT_BYTES: usize = 16 * 1024;

/// The most recently used parsed documents, shared by every worker.
pub struct ParsedDocuments {
    recent: Option<Mutex<lru::LruCache<String, ExecutableDocument>>>,
}

impl ParsedDocuments {
    /// A cache of at most `size` documents (0: none kept, every document parsed).
    pub fn new(size: usize) -> Self {
        Self {
            recent: NonZeroUsize::new(size).map(|size| Mutex::new(lru::LruCache::new(size))),
        }
    }

    /// `text` parsed, or `None` when it is not a GraphQL document.
    pub fn parse(&self, text: &str) -> Option<ExecutableDocument> {
        let Some(recent) = self
            .recent
            .as_ref()
            .filter(|_| text.len() <= MAX_CACHED_DOCUMENT_BYTES)
        else {
            return async_graphql::parser::parse_query(text).ok();
        };
        if let Some(document) = lock(recent).get(text) {
            return Some(document.clone());
        }
        // Parsed outside the lock: a long document holds up no other request.
        let document = async_graphql::parser::parse_query(text).ok()?;
        lock(recent).put(text.to_owned(), document.clone());
        Some(document)
    }

    /// How many documents the cache holds now.
    pub fn len(&self) -> usize {
        self.recent.as_ref().map_or(0, |recent| lock(recent).len())
    }

    /// Whether the cache holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::ParsedDocuments;

    #[test]
    fn a_document_parsed_again_is_the_same_and_is_kept_once() {
        let documents = ParsedDocuments::new(2);
        let text = "query Child($id: ID!) { node(id: $id) { id } }";
        let first = documents.parse(text);
        let again = documents.parse(text);
        assert!(first.is_some());
        assert_eq!(
            format!("{:?}", first),
            format!("{:?}", again),
            "the copy differs from the parsed document"
        );
        assert_eq!(documents.len(), 1);
    }

    #[test]
    fn documents_that_do_not_parse_are_not_kept() {
        let documents = ParsedDocuments::new(2);
        assert!(documents.parse("query { node(id: ").is_none());
        assert!(documents.is_empty());
    }

    #[test]
    fn the_least_recently_used_document_goes_first() {
        let documents = ParsedDocuments::new(2);
        for text in ["{ a }", "{ b }", "{ a }", "{ c }"] {
            assert!(documents.parse(text).is_some());
        }
        assert_eq!(documents.len(), 2);
        let recent = documents.recent.as_ref().map(|recent| {
            let recent = super::lock(recent);
            let mut texts: Vec<String> = recent.iter().map(|(text, _)| text.clone()).collect();
            texts.sort();
            texts
        });
        assert_eq!(recent, Some(vec!["{ a }".to_owned(), "{ c }".to_owned()]));
    }

    #[test]
    fn long_documents_are_parsed_but_not_kept() {
        let documents = ParsedDocuments::new(2);
        let long = format!(
            "{{ a(text: \"{}\") }}",
            "x".repeat(super::MAX_CACHED_DOCUMENT_BYTES)
        );
        assert!(documents.parse(&long).is_some());
        assert!(documents.is_empty());
    }

    #[test]
    fn a_cache_of_none_parses_every_time() {
        let documents = ParsedDocuments::new(0);
        assert!(documents.parse("{ a }").is_some());
        assert!(documents.is_empty());
    }
}
