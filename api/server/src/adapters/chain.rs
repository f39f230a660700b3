//! Several sources of one kind read one after the other as one source (`cin-census A.xml
//! B.xml`): the cursor is `<index>|<the inner adapter's cursor>`.

use familygraph_adapter_sdk::{
    AdapterError, Batch, Cursor, HealthReport, SourceAdapter, async_trait,
};

/// Adapters read in order, as one.
pub struct Chain {
    name: String,
    parts: Vec<Box<dyn SourceAdapter>>,
}

impl Chain {
    /// `parts` read in order under the source name `name`. At least one part.
    pub fn new(name: impl Into<String>, parts: Vec<Box<dyn SourceAdapter>>) -> Self {
        Self {
            name: name.into(),
            parts,
        }
    }
}

fn split(cursor: Option<&Cursor>) -> Result<(usize, Option<Cursor>), AdapterError> {
    let Some(cursor) = cursor else {
        return Ok((0, None));
    };
    let invalid = || AdapterError::InvalidCursor {
        reason: format!("{cursor} is not a cursor of a chain of sources"),
    };
    let (index, inner) = cursor.as_str().split_once('|').ok_or_else(invalid)?;
    let index = index.parse().map_err(|_| invalid())?;
    Ok((index, (!inner.is_empty()).then(|| Cursor::new(inner))))
}

fn join(index: usize, inner: Option<&Cursor>) -> Cursor {
    Cursor::new(format!(
        "{index}|{}",
        inner.map(Cursor::as_str).unwrap_or("")
    ))
}

#[async_trait]
impl SourceAdapter for Chain {
    fn name(&self) -> &str {
        &self.name
    }

    async fn health(&self) -> Result<HealthReport, AdapterError> {
        let mut details = Vec::new();
        let mut targets = Vec::new();
        for part in &self.parts {
            let report = part.health().await?;
            targets.push(report.target);
            details.push(report.detail);
        }
        Ok(HealthReport {
            target: targets.join(", "),
            detail: details.join("; "),
        })
    }

    async fn pull(&self, cursor: Option<&Cursor>) -> Result<Batch, AdapterError> {
        let (index, inner) = split(cursor)?;
        let part = self
            .parts
            .get(index)
            .ok_or_else(|| AdapterError::InvalidCursor {
                reason: format!("source {index} of {} does not exist", self.parts.len()),
            })?;
        let mut batch = part.pull(inner.as_ref()).await?;
        if batch.done && index + 1 < self.parts.len() {
            batch.done = false;
            batch.next_cursor = Some(join(index + 1, None));
        } else {
            batch.next_cursor = batch.next_cursor.as_ref().map(|c| join(index, Some(c)));
        }
        Ok(batch)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(split(None).unwrap(), (0, None));
        let c = join(2, Some(&Cursor::new("items:5|x")));
        assert_eq!(
            split(Some(&c)).unwrap(),
            (2, Some(Cursor::new("items:5|x")))
        );
        assert_eq!(split(Some(&join(1, None))).unwrap(), (1, None));
        assert!(split(Some(&Cursor::new("nonsense"))).is_err());
    }
}
