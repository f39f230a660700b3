//! Field values of SSD rows: dates, flags, codes and JSON lists, each checked.

use chrono::NaiveDate;
use familygraph_domain::CodeEnum;

use super::columns::Table;
use super::table::Row;

/// Why a row was not used: the column and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub column: &'static str,
    pub reason: String,
}

impl FieldError {
    fn new(column: &'static str, reason: impl Into<String>) -> Self {
        Self {
            column,
            reason: reason.into(),
        }
    }
}

/// Reads the fields of one row of one table.
pub(crate) struct Fields<'a> {
    pub table: &'static Table,
    pub row: &'a Row,
}

impl<'a> Fields<'a> {
    /// The trimmed value of `column`, `None` when blank.
    pub fn text(&self, column: &'static str) -> Option<&'a str> {
        self.row.get(self.table, column)
    }

    /// The value as an owned string.
    pub fn string(&self, column: &'static str) -> Option<String> {
        self.text(column).map(str::to_owned)
    }

    /// A value that must be present.
    pub fn required(&self, column: &'static str) -> Result<&'a str, FieldError> {
        self.text(column)
            .ok_or_else(|| FieldError::new(column, "is blank but required"))
    }

    /// A date: `YYYY-MM-DD` (optionally followed by a time, which is ignored) or `DD/MM/YYYY`.
    pub fn date(&self, column: &'static str) -> Result<Option<NaiveDate>, FieldError> {
        self.text(column)
            .map(|raw| parse_date(raw).map_err(|reason| FieldError::new(column, reason)))
            .transpose()
    }

    /// A date that must be present.
    pub fn required_date(&self, column: &'static str) -> Result<NaiveDate, FieldError> {
        self.date(column)?
            .ok_or_else(|| FieldError::new(column, "is blank but required"))
    }

    /// A flag: `Y`/`N`, `1`/`0`, `true`/`false`, `yes`/`no`.
    pub fn flag(&self, column: &'static str) -> Result<Option<bool>, FieldError> {
        let Some(raw) = self.text(column) else {
            return Ok(None);
        };
        match raw.to_ascii_lowercase().as_str() {
            "y" | "yes" | "1" | "true" => Ok(Some(true)),
            "n" | "no" | "0" | "false" => Ok(Some(false)),
            _ => Err(FieldError::new(
                column,
                "is not a flag (Y/N, 1/0, true/false)",
            )),
        }
    }

    /// A code of the domain code list `C`.
    pub fn code<C: CodeEnum>(&self, column: &'static str) -> Result<Option<C>, FieldError> {
        self.text(column)
            .map(|raw| C::parse(column, raw).map_err(|e| FieldError::new(column, e.message())))
            .transpose()
    }

    /// A list of codes of `C`: a JSON array of codes, a JSON object whose keys are codes, or
    /// codes separated by commas.
    pub fn codes<C: CodeEnum>(&self, column: &'static str) -> Result<Vec<C>, FieldError> {
        let Some(raw) = self.text(column) else {
            return Ok(Vec::new());
        };
        let codes: Vec<String> = match serde_json::from_str::<serde_json::Value>(raw) {
            Ok(serde_json::Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    serde_json::Value::String(s) => Ok(s),
                    _ => Err(FieldError::new(
                        column,
                        "holds an item that is not a code (a JSON string)",
                    )),
                })
                .collect::<Result<_, _>>()?,
            Ok(serde_json::Value::Object(map)) => map.into_iter().map(|(k, _)| k).collect(),
            Ok(serde_json::Value::String(s)) => vec![s],
            _ => raw.split(',').map(|s| s.trim().to_owned()).collect(),
        };
        let mut parsed = Vec::new();
        for code in codes.iter().filter(|c| !c.trim().is_empty()) {
            let value = C::parse(column, code).map_err(|e| FieldError::new(column, e.message()))?;
            if !parsed.contains(&value) {
                parsed.push(value);
            }
        }
        Ok(parsed)
    }
}

/// Parses an SSD date; the reason says what is wrong without repeating the value.
pub(crate) fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    let date_part = raw.split([' ', 'T']).next().unwrap_or(raw);
    let parsed = if date_part.contains('/') {
        NaiveDate::parse_from_str(date_part, "%d/%m/%Y")
    } else {
        NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
    };
    parsed.map_err(|_| {
        let shaped = date_part.len() == 10
            && date_part
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b'/');
        if shaped {
            "is not a possible date".to_owned()
        } else {
            "is not a date (YYYY-MM-DD or DD/MM/YYYY)".to_owned()
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_date;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert_eq!(
            parse_date("2024-02-29 00:00:00.000").unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(parse_date("01/03/2024").unwrap().to_string(), "2024-03-01");
        assert!(
            parse_date("2023-02-29")
                .unwrap_err()
                .contains("not a possible date")
        );
        assert!(parse_date("soon").unwrap_err().contains("not a date"));
    }
}
