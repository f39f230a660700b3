//! The CIN census XML reader on arbitrary bytes.
//!
//! Beyond "no panic": whatever the reader accepts, the writer writes for the file's year, the
//! reader reads that back without a rejection, and a second export is byte-for-byte the first.
//! When the file names its year in its header (so every child was checked against that
//! year's XSD), every accepted child is writable and reads back equal.
#![no_main]

use familygraph_adapter_liquidlogic::cin_census::{CensusWriter, read_all};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let import = read_all(data);
    let Some(year) = import.year else { return };
    let declared = import.header.year() == Some(year.year());
    let Ok(mut writer) = CensusWriter::new(Vec::new(), year, &import.header) else {
        return;
    };
    let mut written = Vec::new();
    for child in &import.children {
        match writer.write_child(child) {
            Ok(()) => written.push(child.clone()),
            Err(error) => assert!(!declared, "an accepted child is not writable: {error}"),
        }
    }
    if written.is_empty() {
        return;
    }
    let first = writer.finish().expect("writing to memory");
    let again = read_all(first.as_slice());
    assert_eq!(again.rejections, vec![], "the export does not read back");
    assert_eq!(again.year, Some(year));
    assert_eq!(again.children.len(), written.len());
    if declared {
        assert_eq!(again.header, import.header);
        assert_eq!(again.children, written);
    }
    let mut writer = CensusWriter::new(Vec::new(), year, &again.header).expect("header");
    for child in &again.children {
        writer
            .write_child(child)
            .expect("a child read from an export");
    }
    let second = writer.finish().expect("writing to memory");
    assert_eq!(second, first, "the second export differs from the first");
});
