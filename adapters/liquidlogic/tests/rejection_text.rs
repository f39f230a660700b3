//! Rejections and field notes name the place (file, element path or column, child position or
//! line) and the reason, never a value read from the input: they are shown to administrators
//! and written to run summaries and logs, so a child's LAchildID, person id, UPN or birth date,
//! or a mistyped code, must not appear in them. Every value below is synthetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use familygraph_adapter_liquidlogic::cin_census::source::{person_record, sdk_rejection};
use familygraph_adapter_liquidlogic::cin_census::{SchemaYear, read_all, synthetic};
use familygraph_adapter_liquidlogic::ssd::{SsdReader, synthetic as ssd_synthetic};

/// A synthetic census file of `count` children, as text.
fn census(year: SchemaYear, count: u32) -> String {
    String::from_utf8(synthetic::write_file(Vec::new(), year, count).unwrap()).unwrap()
}

/// Replaces the text of the first `<element>` after `after` with `value`.
fn set_element(xml: &str, after: &str, element: &str, value: &str) -> String {
    let from = xml.find(after).unwrap();
    let open = format!("<{element}>");
    let close = format!("</{element}>");
    let start = from + xml[from..].find(&open).unwrap() + open.len();
    let end = start + xml[start..].find(&close).unwrap();
    format!("{}{value}{}", &xml[..start], &xml[end..])
}

/// Every text a census rejection can be shown as: its message, its debug form, its JSON, and
/// the SDK rejection's location and reason.
fn census_texts(xml: &str) -> Vec<String> {
    let import = read_all(xml.as_bytes());
    assert!(!import.rejections.is_empty(), "nothing was rejected");
    let mut texts = Vec::new();
    for rejection in &import.rejections {
        texts.push(rejection.to_string());
        texts.push(format!("{rejection:?}"));
        texts.push(serde_json::to_string(rejection).unwrap());
        let sdk = sdk_rejection("census.xml", rejection);
        texts.push(format!("{}: {}", sdk.location, sdk.reason));
    }
    texts
}

fn assert_absent(texts: &[String], secrets: &[&str]) {
    for text in texts {
        for secret in secrets {
            assert!(
                !text.contains(secret),
                "{secret:?} appears in the rejection {text:?}"
            );
        }
    }
}

#[test]
fn census_rejections_name_the_child_by_position_never_by_its_values() {
    let xml = census(SchemaYear::Y2024, 3);
    let id = "LA-SYN-000002";
    let cases: Vec<(String, &str)> = vec![
        // A birth date that does not exist.
        (
            set_element(&xml, id, "PersonBirthDate", "2011-02-30"),
            "2011-02-30",
        ),
        // A UPN of the wrong shape.
        (set_element(&xml, id, "UPN", "SYNUPN424242"), "SYNUPN424242"),
        // A code the schema does not list.
        (
            set_element(&xml, id, "ReferralSource", "SYNCODE77"),
            "SYNCODE77",
        ),
        // A date in the child's casework.
        (
            set_element(&xml, id, "CINreferralDate", "2023-13-45"),
            "2023-13-45",
        ),
        // A flag that is not one.
        (set_element(&xml, id, "ReferralNFA", "SYNFLAG"), "SYNFLAG"),
        // An entity XML does not define, inside a value: the document stops being readable.
        (
            set_element(&xml, id, "PersonBirthDate", "2011-&Synentity;"),
            "Synentity",
        ),
    ];
    for (bad, value) in &cases {
        let texts = census_texts(bad);
        assert_absent(&texts, &[id, value]);
        assert!(
            texts.iter().any(|t| t.contains("child 2")),
            "the position is given: {texts:#?}"
        );
    }
}

#[test]
fn census_field_notes_leave_the_identifier_out() {
    // A UPN of the census's shape whose check letter is wrong is left out with a note.
    let xml = census(SchemaYear::Y2024, 1);
    let bad = set_element(&xml, "LA-SYN-000001", "UPN", "Z999000000017");
    let import = read_all(bad.as_bytes());
    assert_eq!(import.rejections, vec![]);
    let located = person_record("census", "census.xml", 1, &import.children[0]);
    assert_eq!(located.notes.len(), 1, "{:?}", located.notes);
    for note in &located.notes {
        let text = format!("{}: {}", note.location, note.reason);
        assert!(text.contains("UPN left out"), "{text}");
        assert!(!text.contains("Z999000000017"), "{text}");
        assert!(!text.contains("LA-SYN-000001"), "{text}");
    }
}

/// Sets `column` of data row `row` (1-based, after the header) of `file` to `value`.
fn set_field(dir: &Path, file: &str, row: usize, column: &str, value: &str) {
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let index = headers.iter().position(|h| h == column).unwrap();
    let mut rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let fields: Vec<String> = rows[row - 1]
        .iter()
        .enumerate()
        .map(|(i, f)| if i == index { value } else { f }.to_owned())
        .collect();
    rows[row - 1] = csv::StringRecord::from(fields);
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&headers).unwrap();
    for r in &rows {
        writer.write_record(r).unwrap();
    }
    writer.flush().unwrap();
}

fn append_row(dir: &Path, file: &str, row: &str) {
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(row);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
}

#[test]
fn ssd_rejections_give_file_line_and_column_never_ids_or_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ssd_synthetic::write_extract(d, 6).unwrap();
    let person_file = "ssd_person.csv";
    // Child 1: an impossible birth date; child 2: a flag that is not one; child 3: an unknown
    // code; child 4: a code list that is not one.
    set_field(d, person_file, 1, "pers_dob", "2011-02-30");
    set_field(d, person_file, 2, "pers_send_flag", "SYNFLAG");
    set_field(
        d,
        "ssd_cin_episodes.csv",
        3,
        "cine_referral_source_code",
        "SYNCODE77",
    );
    set_field(d, person_file, 4, "pers_sex", "SYNSEX");
    // An orphan row of a person not in ssd_person.csv.
    append_row(d, "ssd_family.csv", "9,F9,7770001");
    let groups: Vec<_> = SsdReader::open(d, "county-ssd").unwrap().collect();
    let texts: Vec<String> = groups
        .iter()
        .flat_map(|g| &g.rejected)
        .map(|r| format!("{}: {} {r:?}", r.location, r.reason))
        .collect();
    assert!(texts.len() >= 5, "{texts:#?}");
    let ids: Vec<String> = (1..=6).map(ssd_synthetic::person_id).collect();
    let mut secrets: Vec<&str> = ids.iter().map(String::as_str).collect();
    secrets.extend(["2011-02-30", "SYNFLAG", "SYNCODE77", "SYNSEX", "7770001"]);
    assert_absent(&texts, &secrets);
    for column in [
        "pers_dob",
        "pers_send_flag",
        "cine_referral_source_code",
        "pers_sex",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(column)),
            "{column} is named: {texts:#?}"
        );
    }
}
