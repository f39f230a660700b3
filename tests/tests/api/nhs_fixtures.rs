//! Test fixtures' NHS numbers and the seed's are disjoint: every test database is seeded, so a
//! fixture's number that the seed could also issue would match a seeded person by accident
//! (identity resolution links records by NHS number). The seed keeps below `999 9xx xxxx`;
//! fixtures and synthetic adapter files use that last tenth of the test range. Only the story
//! family's fixed numbers may appear in fixtures, on purpose, to find that family.

use std::path::{Path, PathBuf};

use familygraph_adapter_liquidlogic::ssd::synthetic;
use familygraph_domain::NhsNumber;
use familygraph_store::seed::{STORY_NHS_SERIALS, seed_may_issue_nhs_number};

/// Folders holding fixtures, tests, samples and docs, from the workspace root.
const SCANNED: &[&str] = &["tests", "adapters", "docs", "fuzz/corpus", "api", "bench"];
/// What is not a fixture: build output, installed tools and the seed itself.
const SKIPPED: &[&str] = &["target", "node_modules", "seed"];
const TEXT: &[&str] = &[
    "rs", "json", "xml", "csv", "md", "graphql", "toml", "txt", "yaml", "yml", "js", "py",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !SKIPPED.contains(&name.as_str()) && !name.starts_with('.') {
                files(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| TEXT.contains(&e.to_string_lossy().as_ref()))
        {
            out.push(path);
        }
    }
}

/// Every `999…` NHS-number-shaped run in `text`: ten digits, or `999 ddd dddd`.
fn candidates(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for start in 0..bytes.len() {
        if !bytes[start..].starts_with(b"999") || start > 0 && bytes[start - 1].is_ascii_digit() {
            continue;
        }
        for shape in ["ddddddddddx", "ddd ddd ddddx"] {
            let shape = shape.as_bytes();
            let len = shape.len() - 1;
            let Some(run) = bytes.get(start..start + len) else {
                continue;
            };
            let fits = run.iter().zip(shape).all(|(b, s)| match s {
                b'd' => b.is_ascii_digit(),
                _ => *b == b' ',
            });
            let ends = bytes.get(start + len).is_none_or(|b| !b.is_ascii_digit());
            if fits && ends {
                found.push(text[start..start + len].replace(' ', ""));
            }
        }
    }
    found
}

fn story_number(number: &str) -> bool {
    number[3..9]
        .parse::<u32>()
        .is_ok_and(|serial| STORY_NHS_SERIALS.contains(&serial))
}

#[test]
fn no_fixture_uses_an_nhs_number_the_seed_can_issue() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut paths = Vec::new();
    for dir in SCANNED {
        files(&root.join(dir), &mut paths);
    }
    assert!(paths.len() > 100, "the scan found the fixtures");
    let mut clashes = Vec::new();
    let mut valid = 0;
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for number in candidates(&text) {
            if NhsNumber::parse("nhs", &number).is_err() {
                continue; // not a possible number: nobody's, the seed's included
            }
            valid += 1;
            if seed_may_issue_nhs_number(&number) && !story_number(&number) {
                clashes.push(format!("{}: {number}", path.display()));
            }
        }
    }
    assert!(valid > 0, "the scan found NHS numbers");
    assert!(
        clashes.is_empty(),
        "fixtures use NHS numbers the seed can give a seeded person; take them from \
         999 9xx xxxx instead: {clashes:#?}"
    );
}

#[test]
fn synthetic_adapter_files_use_the_fixtures_range() {
    // SSD extracts and the warehouse tables of the Liquid Logic adapter's tests, up to the
    // 100,000-child benchmark extract.
    for n in 1..=100_000 {
        if let Some(number) = synthetic::nhs_number(n) {
            assert!(!seed_may_issue_nhs_number(&number), "child {n}: {number}");
        }
    }
}

#[test]
fn the_scan_recognises_both_spellings() {
    assert_eq!(
        candidates("a 9990001234, \"999 000 1234\" 19990001234 99900012345"),
        vec!["9990001234", "9990001234"]
    );
}
