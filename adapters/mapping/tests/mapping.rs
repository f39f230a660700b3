//! The mapping adapter over the example partner file (CSV) and a JSON file, through the SDK's
//! conformance kit. All people are synthetic.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use familygraph_adapter_mapping::{MappingAdapter, MappingConfig};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, CanonicalRecord, ErrorClass, PartialDate, SourceAdapter, sync,
};
use familygraph_domain::{ReferralSource, Sex};
use std::path::{Path, PathBuf};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

fn adapter(source: &Path, mapping: &Path, batch_size: usize) -> MappingAdapter {
    let mut config = MappingConfig::new(
        "little-acorns",
        source.display().to_string(),
        mapping.display().to_string(),
    );
    config.batch_size = batch_size;
    MappingAdapter::new(config).unwrap()
}

fn example_adapter(batch_size: usize) -> MappingAdapter {
    adapter(
        &example("little-acorns.csv"),
        &example("little-acorns.mapping.toml"),
        batch_size,
    )
}

#[tokio::test]
async fn the_example_file_maps_to_persons_professionals_involvements_and_contacts() {
    let run = sync::pull_to_end(&example_adapter(2), None, 10)
        .await
        .unwrap();
    assert!(run.rejected.is_empty(), "{:?}", run.rejected);
    let kinds: Vec<&str> = run.records.iter().map(|r| r.record.kind()).collect();
    let count = |kind: &str| kinds.iter().filter(|k| **k == kind).count();
    assert_eq!(
        (
            count("person"),
            count("professional"),
            count("involvement"),
            count("contact")
        ),
        (5, 2, 4, 2),
        "{kinds:?}"
    );
    let poppy = run
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Person(p) if p.source.id == "LA-001" => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(poppy.source.system, "little-acorns");
    assert_eq!(poppy.names[0].given, ["Poppy"]);
    assert_eq!(poppy.names[0].family.as_deref(), Some("Example"));
    assert_eq!(
        poppy.birth_date,
        Some(PartialDate::parse("d", "2022-03-14").unwrap())
    );
    assert_eq!(poppy.sex, Some(Sex::Female));
    assert_eq!(
        poppy.nhs_number.as_ref().unwrap().number.as_str(),
        "9999876501"
    );
    assert_eq!(poppy.postcode.as_ref().unwrap().as_str(), "CW1 4AA");
    let contact = run
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Contact(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(contact.source.id, "concern-LA-002");
    assert_eq!(contact.person.id, "LA-002");
    assert_eq!(contact.date.to_string(), "2026-01-12");
    assert_eq!(
        contact.contact_source,
        Some(ReferralSource::EducationServices)
    );
    let involvement = run
        .records
        .iter()
        .find_map(|r| match &r.record {
            CanonicalRecord::Involvement(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(involvement.source.id, "keyworker-LA-001");
    assert_eq!(involvement.professional.id, "KW-1");
    assert_eq!(involvement.role.as_deref(), Some("KEY_AGENCY"));
    assert_eq!(involvement.start_date.to_string(), "2024-09-01");
}

struct ExampleFixture {
    poisoned_dir: tempfile::TempDir,
}

impl Fixture for ExampleFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(example_adapter(2))
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(
            &self.poisoned_dir.path().join("little-acorns.csv"),
            &example("little-acorns.mapping.toml"),
            2,
        ))
    }
    fn poisoned_location(&self) -> String {
        "little-acorns.csv#line 5 dob".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(
            &self.poisoned_dir.path().join("no-such-file.csv"),
            &example("little-acorns.mapping.toml"),
            2,
        ))
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Permanent
    }
}

#[tokio::test]
async fn the_mapping_adapter_passes_the_conformance_kit() {
    let poisoned_dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("little-acorns.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    // An impossible date of birth, between good rows (line 5 of the file).
    lines.insert(
        4,
        "LA-099,Bad,Date,31/02/2022,Girl,,CW1 4AA,KW-1,Sam Teacher,01/09/2024,,",
    );
    std::fs::write(
        poisoned_dir.path().join("little-acorns.csv"),
        lines.join("\n") + "\n",
    )
    .unwrap();
    let fixture = ExampleFixture { poisoned_dir };
    let report = testkit::check_all(&fixture).await.unwrap();
    assert_eq!(report.records, 13);
    assert_eq!(report.batches, 3);
    assert!(
        report
            .poisoned_rejection
            .reason
            .contains("not a possible date"),
        "{}",
        report.poisoned_rejection.reason
    );
}

const JSON_MAPPING: &str = r#"
format = "json"
records = "/children"
date_formats = ["%Y-%m-%d"]

[value_maps.sex]
girl = "F"
boy = "M"

[[record]]
kind = "person"
id = "/ref"
[record.fields]
given_names = "/name/given"
family_name = "/name/family"
birth_date = { from = "/born", format = "%d.%m.%Y" }
sex = { from = "gender", map = "sex" }
upn = "upn"

[[record]]
kind = "family_membership"
id = { from = "/ref", prefix = "family-" }
when = "household"
[record.fields]
person = "/ref"
family_id = "household"
"#;

#[tokio::test]
async fn json_sources_map_by_pointer_and_reject_with_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("playgroup.json");
    let mapping = dir.path().join("playgroup.mapping.toml");
    std::fs::write(&mapping, JSON_MAPPING).unwrap();
    std::fs::write(
        &source,
        r#"{"children": [
            {"ref": 7, "name": {"given": "Mia Rose", "family": "Example"}, "born": "01.02.2022",
             "gender": "GIRL", "household": "H1"},
            {"ref": "8", "name": {"given": "Leo"}, "gender": "dragon"},
            {"ref": "9", "name": {"given": "Zoe"}, "upn": "not-a-upn"},
            "not an object",
            {"name": {"given": "No id"}}
        ]}"#,
    )
    .unwrap();
    let run = sync::pull_to_end(&adapter(&source, &mapping, 10), None, 5)
        .await
        .unwrap();
    assert_eq!(run.records.len(), 2, "{:?}", run.records);
    let CanonicalRecord::Person(mia) = &run.records[0].record else {
        panic!("{:?}", run.records[0]);
    };
    assert_eq!(mia.source.id, "7");
    assert_eq!(mia.names[0].given, ["Mia", "Rose"]);
    assert_eq!(mia.birth_date.unwrap().to_string(), "2022-02-01");
    assert_eq!(mia.sex, Some(Sex::Female));
    let CanonicalRecord::FamilyMembership(member) = &run.records[1].record else {
        panic!("{:?}", run.records[1]);
    };
    assert_eq!(
        (member.source.id.as_str(), member.family_id.as_str()),
        ("family-7", "H1")
    );
    let rejected: Vec<String> = run
        .rejected
        .iter()
        .map(|r| r.location.to_string())
        .collect();
    assert_eq!(
        rejected,
        [
            "playgroup.json#/children/1/gender",
            "playgroup.json#/children/2/upn",
            "playgroup.json#/children/3",
            "playgroup.json#/children/4/ref",
        ]
    );
    assert!(run.rejected[0].reason.contains("value map"));
}

#[tokio::test]
async fn a_file_that_does_not_fit_its_mapping_is_a_permanent_error() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("register.csv");
    std::fs::write(&source, "child_ref,first_name\nLA-1,Poppy\n").unwrap();
    let adapter = adapter(&source, &example("little-acorns.mapping.toml"), 10);
    let err = adapter.pull(None).await.unwrap_err();
    assert!(matches!(err, AdapterError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("register.csv#line 1"), "{err}");
    assert!(!err.is_retryable());
    assert!(adapter.health().await.is_err());

    // Ragged rows are rejected one by one; a bad cursor is refused.
    std::fs::write(
        &source,
        std::fs::read_to_string(example("little-acorns.csv")).unwrap() + "LA-006,Only,Three\n",
    )
    .unwrap();
    let run = sync::pull_to_end(&adapter, None, 5).await.unwrap();
    assert_eq!(run.rejected.len(), 1);
    assert_eq!(run.rejected[0].location.to_string(), "register.csv#line 7");
    let err = adapter
        .pull(Some(&familygraph_adapter_sdk::Cursor::new("row:999")))
        .await
        .unwrap_err();
    assert!(matches!(err, AdapterError::InvalidCursor { .. }), "{err}");

    // A mapping that names an unknown field fails when the adapter is built.
    let mapping = dir.path().join("bad.mapping.toml");
    std::fs::write(
        &mapping,
        "format = \"csv\"\n[[record]]\nkind = \"person\"\nid = \"child_ref\"\n[record.fields]\nshoe_size = \"x\"\n",
    )
    .unwrap();
    let err = MappingAdapter::new(MappingConfig::new(
        "p",
        source.display().to_string(),
        mapping.display().to_string(),
    ))
    .unwrap_err();
    assert!(matches!(err, AdapterError::Config { .. }), "{err}");
}
