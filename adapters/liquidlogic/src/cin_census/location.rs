//! Where something is in the input: byte offset, and line and column while they are known.
//!
//! [`Tracked`] wraps the input and counts the bytes the XML reader consumes, remembering the
//! offsets of the most recent line breaks only (a fixed number), so memory stays bounded
//! however long the file.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use serde::{Deserialize, Serialize};

/// How many recent line-break offsets are kept: far more lines than one child spans.
const RECENT_LINE_BREAKS: usize = 4096;

/// A place in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Bytes from the start of the input (0-based).
    pub byte_offset: u64,
    /// Line, 1-based (`None` only if the place lies too far behind the reading position).
    pub line: Option<u64>,
    /// Column in bytes, 1-based (`None` as for `line`).
    pub column: Option<u64>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(
                    f,
                    "line {line}, column {column} (byte {})",
                    self.byte_offset
                )
            }
            _ => write!(f, "byte {}", self.byte_offset),
        }
    }
}

/// The input, counting consumed bytes and line breaks.
pub(crate) struct Tracked<R> {
    inner: R,
    consumed: u64,
    line_breaks: u64,
    recent: VecDeque<u64>,
}

impl<R: BufRead> Tracked<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            consumed: 0,
            line_breaks: 0,
            recent: VecDeque::with_capacity(RECENT_LINE_BREAKS),
        }
    }

    fn note(&mut self, bytes: &[u8]) {
        note_breaks(
            bytes,
            self.consumed,
            &mut self.recent,
            &mut self.line_breaks,
        );
        self.consumed += bytes.len() as u64;
    }

    /// The location of `offset`, which must not be past the bytes consumed so far.
    pub(crate) fn locate(&self, offset: u64) -> Location {
        let offset = offset.min(self.consumed);
        // Line breaks at or after `offset` among the recent ones.
        let after = self
            .recent
            .iter()
            .rev()
            .take_while(|&&b| b >= offset)
            .count() as u64;
        let before = self.line_breaks - after;
        let remembered_before = self.recent.len() as u64 - after;
        let line_start = if remembered_before > 0 {
            self.recent
                .get(self.recent.len() - after as usize - 1)
                .map(|b| b + 1)
        } else if before == 0 {
            Some(0)
        } else {
            None
        };
        match line_start {
            Some(start) => Location {
                byte_offset: offset,
                line: Some(before + 1),
                column: Some(offset - start + 1),
            },
            None => Location {
                byte_offset: offset,
                line: None,
                column: None,
            },
        }
    }
}

impl<R: BufRead> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.note(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Tracked<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        // The bytes being consumed are still in the inner buffer: no I/O happens here.
        if let Ok(buf) = self.inner.fill_buf() {
            let end = amount.min(buf.len());
            note_breaks(
                &buf[..end],
                self.consumed,
                &mut self.recent,
                &mut self.line_breaks,
            );
        }
        self.consumed += amount as u64;
        self.inner.consume(amount);
    }
}

/// Records the line breaks in `bytes`, which start at offset `base`.
fn note_breaks(bytes: &[u8], base: u64, recent: &mut VecDeque<u64>, line_breaks: &mut u64) {
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            if recent.len() == RECENT_LINE_BREAKS {
                recent.pop_front();
            }
            recent.push_back(base + i as u64);
            *line_breaks += 1;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns() {
        let mut input = Tracked::new(&b"ab\ncd\n\nefg"[..]);
        let mut all = Vec::new();
        input.read_to_end(&mut all).unwrap();
        assert_eq!(input.locate(0).to_string(), "line 1, column 1 (byte 0)");
        assert_eq!(input.locate(4).to_string(), "line 2, column 2 (byte 4)");
        assert_eq!(input.locate(6).to_string(), "line 3, column 1 (byte 6)");
        assert_eq!(input.locate(9).to_string(), "line 4, column 3 (byte 9)");
    }

    #[test]
    fn consume_counts_like_read() {
        let mut input = Tracked::new(io::BufReader::with_capacity(4, &b"a\nbc\nd"[..]));
        loop {
            let n = input.fill_buf().unwrap().len();
            if n == 0 {
                break;
            }
            input.consume(n.min(3));
        }
        assert_eq!(input.locate(5).to_string(), "line 3, column 1 (byte 5)");
        assert_eq!(input.locate(3).to_string(), "line 2, column 2 (byte 3)");
    }
}
