//! Patients from a drop folder of FHIR files.
//!
//! Files ending `.json` or `.xml` are read in byte order of their names, `page_size` files
//! per batch. The cursor is the name of the last file read, so a fresh adapter resumes after
//! it, and a finished run's cursor makes the next run read only files named after it (a drop
//! folder whose files are named by export time). A file that is not a FHIR document is a
//! rejected record at that file; the folder itself missing is an error.

use crate::document;
use familygraph_adapter_sdk::{AdapterError, Batch, HealthReport, Location};
use std::path::Path;

/// The FHIR files in `dir`, sorted by name.
async fn files(dir: &Path) -> Result<Vec<String>, AdapterError> {
    let target = dir.display().to_string();
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(|e| AdapterError::io(&target, &e))?;
    let mut names = Vec::new();
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(|e| AdapterError::io(&target, &e))?
    {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let lower = name.to_ascii_lowercase();
        let is_file = entry
            .file_type()
            .await
            .map(|t| t.is_file())
            .unwrap_or(false);
        if is_file
            && !name.starts_with('.')
            && (lower.ends_with(".json") || lower.ends_with(".xml"))
        {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

pub(crate) async fn health(dir: &Path) -> Result<HealthReport, AdapterError> {
    let count = files(dir).await?.len();
    Ok(HealthReport {
        target: dir.display().to_string(),
        detail: format!("readable folder with {count} FHIR files"),
    })
}

pub(crate) async fn pull(
    system: &str,
    dir: &Path,
    after: Option<&str>,
    page_size: usize,
) -> Result<(Batch, Option<String>), AdapterError> {
    let names = files(dir).await?;
    let pending: Vec<&String> = names
        .iter()
        .filter(|name| after.is_none_or(|a| name.as_str() > a))
        .collect();
    let page: Vec<&String> = pending.iter().take(page_size).copied().collect();
    let mut batch = Batch {
        done: pending.len() <= page_size,
        ..Default::default()
    };
    for name in &page {
        let path = dir.join(name);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| AdapterError::io(path.display().to_string(), &e))?;
        let location = Location::document(name.as_str());
        match document::parse(&bytes) {
            Ok(doc) => {
                let translated = document::translate(system, &location, &doc);
                batch.records.extend(translated.records);
                batch.rejected.extend(translated.rejected);
            }
            Err(reason) => batch
                .rejected
                .push(familygraph_adapter_sdk::Rejection::new(location, reason)),
        }
    }
    let last = page
        .last()
        .map(|name| name.to_string())
        .or_else(|| after.map(str::to_owned));
    Ok((batch, last))
}
