//! One SSD CSV file read row by row: header checked against the column contract, rows located
//! by line, ragged rows and rows out of person order reported rather than used.

use std::cmp::Ordering;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use familygraph_adapter_sdk::{AdapterError, Location, Rejection};

use super::columns::Table;

/// A row of a table: its line in the file and its fields by contract column.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    /// The table's file name.
    pub file: &'static str,
    /// The 1-based line the row starts on.
    pub line: u64,
    /// The fields, one per contract column (empty when the file lacks the column).
    pub fields: Vec<String>,
    /// Why the row cannot be used, though its child is known (a ragged row).
    pub problem: Option<String>,
}

impl Row {
    /// The row's location: `file#line N`.
    pub fn location(&self) -> Location {
        line_location(self.file, self.line)
    }

    /// The row's value of `column` (a contract column), trimmed; `None` when blank.
    pub fn get(&self, table: &Table, column: &str) -> Option<&str> {
        let index = table.columns.iter().position(|c| *c == column)?;
        let value = self.fields.get(index)?.trim();
        (!value.is_empty()).then_some(value)
    }
}

/// The location of line `line` of `file`.
pub(crate) fn line_location(file: &str, line: u64) -> Location {
    Location::document(file).at(format!("line {line}"))
}

/// The order of person ids: numeric ids by value, before any other id; other ids by text.
pub fn person_order(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let a = a.trim_start_matches('0');
            let b = b.trim_start_matches('0');
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

/// Opens `<dir>/<table>.csv`. `Ok(None)` when the file is absent (an extract need not hold
/// every table); an error for any other I/O failure.
pub(crate) fn open_table(
    dir: &Path,
    table: &Table,
) -> Result<Option<csv::Reader<BufReader<File>>>, AdapterError> {
    let path = dir.join(table.file_name());
    match File::open(&path) {
        Ok(file) => Ok(Some(
            csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(false)
                .from_reader(BufReader::with_capacity(64 * 1024, file)),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(AdapterError::io(path.display().to_string(), &e)),
    }
}

/// Why a file cannot be read at all (a missing required column, an unreadable header).
#[derive(Debug, Clone)]
pub(crate) struct FileRejection(pub Rejection);

/// A table read row by row.
pub(crate) struct TableReader {
    table: &'static Table,
    file: &'static str,
    reader: Option<csv::Reader<BufReader<File>>>,
    /// For each contract column, its index in the file's header.
    indexes: Vec<Option<usize>>,
    header_len: usize,
    person_index: Option<usize>,
    last_person: Option<String>,
    peeked: Option<Row>,
    record: csv::ByteRecord,
    /// Rows rejected on their own (unparseable, out of order, ragged without a person).
    pub pending: Vec<Rejection>,
    rows_read: u64,
}

impl TableReader {
    /// A reader over `reader` (absent: an empty table). A header without a required column
    /// gives a [`FileRejection`].
    pub fn new(
        table: &'static Table,
        file: &'static str,
        reader: Option<csv::Reader<BufReader<File>>>,
    ) -> Result<Self, FileRejection> {
        let mut this = Self {
            table,
            file,
            reader: None,
            indexes: vec![None; table.columns.len()],
            header_len: 0,
            person_index: None,
            last_person: None,
            peeked: None,
            record: csv::ByteRecord::new(),
            pending: Vec::new(),
            rows_read: 0,
        };
        let Some(mut reader) = reader else {
            return Ok(this);
        };
        let header_rejection =
            |reason: String| FileRejection(Rejection::new(line_location(file, 1), reason));
        let mut header = csv::StringRecord::new();
        match reader.read_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(header_rejection(format!(
                    "{file} is empty: it has no header row; the file is not read"
                )));
            }
            Err(e) => {
                return Err(header_rejection(format!(
                    "{file}: the header row cannot be read ({}); the file is not read",
                    csv_reason(&e)
                )));
            }
        }
        let names: Vec<String> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
            .collect();
        for (slot, column) in this.indexes.iter_mut().zip(table.columns) {
            *slot = names.iter().position(|n| n == column);
        }
        let missing: Vec<&str> = table
            .required
            .iter()
            .copied()
            .filter(|c| !names.iter().any(|n| n == c))
            .collect();
        if !missing.is_empty() {
            return Err(header_rejection(format!(
                "{file}: the header lacks the required column(s) {}; the file is not read",
                missing.join(", ")
            )));
        }
        this.header_len = names.len();
        this.person_index = table
            .person_column
            .and_then(|c| names.iter().position(|n| n == c));
        this.reader = Some(reader);
        Ok(this)
    }

    /// An empty table (its file absent or rejected whole).
    pub fn empty(table: &'static Table, file: &'static str) -> Self {
        Self {
            table,
            file,
            reader: None,
            indexes: Vec::new(),
            header_len: 0,
            person_index: None,
            last_person: None,
            peeked: None,
            record: csv::ByteRecord::new(),
            pending: Vec::new(),
            rows_read: 0,
        }
    }

    /// The contract this table follows.
    pub fn table(&self) -> &'static Table {
        self.table
    }

    /// Data rows read so far (good or not).
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// The next row, without consuming it.
    pub fn peek(&mut self) -> Option<&Row> {
        if self.peeked.is_none() {
            self.peeked = self.read_row();
        }
        self.peeked.as_ref()
    }

    /// The next row.
    pub fn next_row(&mut self) -> Option<Row> {
        match self.peeked.take() {
            Some(row) => Some(row),
            None => self.read_row(),
        }
    }

    /// The person id of a row (the table must have a person column).
    pub fn person_of<'r>(&self, row: &'r Row) -> Option<&'r str> {
        self.table
            .person_column
            .and_then(|c| row.get(self.table, c))
    }

    fn read_row(&mut self) -> Option<Row> {
        loop {
            let reader = self.reader.as_mut()?;
            match reader.read_byte_record(&mut self.record) {
                Ok(false) => {
                    self.reader = None;
                    return None;
                }
                Err(e) => {
                    self.rows_read += 1;
                    let line = e.position().map_or(0, csv::Position::line);
                    let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                    let reason = if fatal {
                        format!("the file cannot be read further: {}", csv_reason(&e))
                    } else {
                        format!("the row cannot be read: {}", csv_reason(&e))
                    };
                    self.pending
                        .push(Rejection::new(line_location(self.file, line), reason));
                    if fatal {
                        self.reader = None;
                        return None;
                    }
                }
                Ok(true) => {
                    self.rows_read += 1;
                    let line = self.record.position().map_or(0, csv::Position::line);
                    if self.record.len() == 1 && self.record.get(0).is_some_and(<[u8]>::is_empty) {
                        continue; // a blank line
                    }
                    let mut utf8 = true;
                    let mut text = |i: Option<usize>| -> String {
                        let bytes = i.and_then(|i| self.record.get(i)).unwrap_or_default();
                        match std::str::from_utf8(bytes) {
                            Ok(s) => s.to_owned(),
                            Err(_) => {
                                utf8 = false;
                                String::from_utf8_lossy(bytes).into_owned()
                            }
                        }
                    };
                    let fields: Vec<String> = self.indexes.iter().map(|i| text(*i)).collect();
                    let person = text(self.person_index);
                    let problem = if !utf8 {
                        Some("the row is not valid UTF-8".to_owned())
                    } else if self.record.len() != self.header_len {
                        Some(format!(
                            "the row has {} fields, the header {}",
                            self.record.len(),
                            self.header_len
                        ))
                    } else {
                        None
                    };
                    let row = Row {
                        file: self.file,
                        line,
                        fields,
                        problem,
                    };
                    if self.table.person_column.is_none() {
                        return Some(row);
                    }
                    let person = person.trim();
                    if person.is_empty() {
                        let reason = match &row.problem {
                            Some(problem) => format!("{problem}; it names no person"),
                            None => "the row names no person".to_owned(),
                        };
                        self.pending.push(Rejection::new(row.location(), reason));
                        continue;
                    }
                    if let Some(last) = &self.last_person
                        && person_order(person, last) == Ordering::Less
                    {
                        self.pending.push(Rejection::new(
                            row.location(),
                            "out of order: the row's person id sorts before the previous row's; \
                             the file must be sorted by person id",
                        ));
                        continue;
                    }
                    self.last_person = Some(person.to_owned());
                    return Some(row);
                }
            }
        }
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields, expected {expected_len}"),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => "malformed CSV".to_owned(),
    }
}
