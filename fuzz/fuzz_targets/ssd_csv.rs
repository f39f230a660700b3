//! The SSD CSV extract reader on arbitrary extracts.
//!
//! The input is a whole extract directory in one text: each file starts with a line
//! `--- <file name>` (`--- ssd_person.csv`), the lines up to the next such line being its
//! content; names the SSD does not have are ignored. The files are written to a temporary
//! directory and read with `SsdReader`.
//!
//! Beyond "no panic": reading is deterministic; a child's group that has records starts
//! with the child's person; what a person keeps is valid (NHS number, UPN and postcode
//! re-validate to themselves).
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use familygraph_adapter_liquidlogic::ssd::{SsdGroup, SsdReader};
use familygraph_adapter_sdk::CanonicalRecord;
use familygraph_domain::{NhsNumber, Postcode, Upn};
use libfuzzer_sys::fuzz_target;

fn directory() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("familygraph-fuzz-ssd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        dir
    })
}

fn read(dir: &PathBuf) -> Option<Vec<SsdGroup>> {
    SsdReader::open(dir, "fuzz").ok().map(Iterator::collect)
}

fn check(group: &SsdGroup) {
    let Some(first) = group.records.first() else {
        return;
    };
    if group.key.is_empty() || group.key.starts_with("professional:") {
        return;
    }
    let CanonicalRecord::Person(person) = &first.record else {
        panic!("a child's group does not start with its person");
    };
    if let Some(nhs) = &person.nhs_number {
        assert_eq!(
            NhsNumber::parse("f", nhs.number.as_str()).ok().as_ref(),
            Some(&nhs.number)
        );
    }
    if let Some(upn) = &person.upn {
        assert_eq!(Upn::parse("f", upn.as_str()).ok().as_ref(), Some(upn));
    }
    if let Some(postcode) = &person.postcode {
        assert_eq!(
            Postcode::parse("f", postcode.as_str()).ok().as_ref(),
            Some(postcode)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = directory();
    for name in SsdReader::file_names() {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let mut files: Vec<(&str, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("--- ") {
            files.push((name.trim(), String::new()));
        } else if let Some((_, content)) = files.last_mut() {
            content.push_str(line);
        }
    }
    for (name, content) in &files {
        if SsdReader::file_names().contains(name) {
            std::fs::write(dir.join(name), content).expect("writing the extract");
        }
    }
    let Some(first) = read(dir) else { return };
    assert_eq!(read(dir).as_ref(), Some(&first), "not deterministic");
    first.iter().for_each(check);
});
