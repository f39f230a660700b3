//! The CIN census file through the adapter SDK: the SDK's conformance kit, and the mapping of
//! a child to a canonical person record.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use familygraph_adapter_liquidlogic::cin_census::source::{
    CinCensusFileConfig, CinCensusFileSource,
};
use familygraph_adapter_liquidlogic::cin_census::{self, SchemaYear, source, synthetic};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterConfig, CanonicalRecord, ErrorClass, PartialDate, SourceAdapter, sync,
};
use familygraph_domain::{Ethnicity, Sex};

const CHILDREN: u32 = 25;

fn adapter(path: &Path) -> CinCensusFileSource {
    CinCensusFileSource::new(CinCensusFileConfig {
        name: "county-lcs-cin-census".to_owned(),
        path: path.to_owned(),
        page_size: 10,
    })
    .unwrap()
}

struct CensusFixture {
    dir: tempfile::TempDir,
}

impl CensusFixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let xml = String::from_utf8(
            synthetic::write_file(Vec::new(), SchemaYear::Y2024, CHILDREN).unwrap(),
        )
        .unwrap();
        std::fs::write(dir.path().join("live.xml"), &xml).unwrap();
        // One more child, between the 12th and the 13th, with an impossible referral date.
        let bad = synthetic::write_file(Vec::new(), SchemaYear::Y2024, 1).unwrap();
        let bad = String::from_utf8(bad).unwrap();
        let start = bad.find("    <Child>").unwrap();
        let end = bad.find("  </Children>").unwrap();
        let referral = bad.find("<CINreferralDate>").unwrap();
        let referral_end = bad.find("</CINreferralDate>").unwrap();
        let bad_child = format!(
            "{}<CINreferralDate>2023-02-30{}",
            &bad[start..referral],
            &bad[referral_end..end]
        )
        .replace("LA-SYN-000001", "LA-SYN-BAD001");
        let at = xml.find("<LAchildID>LA-SYN-000013</LAchildID>").unwrap();
        let at = xml[..at].rfind("    <Child>").unwrap();
        let poisoned = format!("{}{bad_child}{}", &xml[..at], &xml[at..]);
        std::fs::write(dir.path().join("poisoned.xml"), poisoned).unwrap();
        Self { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Fixture for CensusFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.path("live.xml")))
    }
    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.path("poisoned.xml")))
    }
    fn poisoned_location(&self) -> String {
        "poisoned.xml#/Message/Children/Child[13]".to_owned()
    }
    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.path("no-such-file.xml")))
    }
    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Permanent
    }
}

#[tokio::test]
async fn a_census_file_passes_the_conformance_kit() {
    let fixture = CensusFixture::new();
    let report = testkit::check_all(&fixture).await.unwrap();
    // Each child is a person record followed by its case records.
    let live = std::fs::read(fixture.path("live.xml")).unwrap();
    let import = cin_census::read_all(&live[..]);
    let expected: usize = import
        .children
        .iter()
        .map(|child| 1 + source::case_records("s", "d", 1, child).len())
        .sum();
    assert_eq!(import.children.len(), CHILDREN as usize);
    assert_eq!(report.records, expected);
    assert_eq!(report.batches, 3);
    assert_eq!(report.rejected, 0);
    let reason = &report.poisoned_rejection.reason;
    assert!(
        reason.contains("<CINreferralDate> is not a valid date"),
        "{reason}"
    );
    // The location (child 13) finds the child; the reason never repeats its values.
    assert!(
        !reason.contains("LA-SYN-BAD001") && !reason.contains("2023-02-30"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_child_becomes_a_canonical_person() {
    let source = adapter(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/cin_census/cin-2022-one-child-all-modules.xml"),
    );
    let health = source.health().await.unwrap();
    assert!(health.detail.contains("2022"), "{}", health.detail);
    let run = sync::pull_to_end(&source, None, 10).await.unwrap();
    assert_eq!(run.rejected, vec![]);
    let located = &run.records[0];
    assert!(
        located
            .location
            .to_string()
            .ends_with("#/Message/Children/Child[1]")
    );
    let CanonicalRecord::Person(person) = &located.record else {
        panic!("not a person: {:?}", located.record);
    };
    assert_eq!(person.source.system, "county-lcs-cin-census");
    assert_eq!(person.source.id, "DfEX0000001");
    assert_eq!(
        person.birth_date,
        Some(PartialDate::Date("1966-03-24".parse().unwrap()))
    );
    assert_eq!(person.sex, Some(Sex::Male));
    assert_eq!(person.ethnicity, Some(Ethnicity::WhiteBritish));
    assert_eq!(
        person.case_system_id.as_ref().unwrap().as_str(),
        "DfEX0000001"
    );
    // The sample's UPN has a wrong check letter: left out, with a note saying so.
    assert_eq!(person.upn, None);
    assert!(
        located.notes[0].reason.contains("UPN left out")
            && !located.notes[0].reason.contains("A123456789123"),
        "{:?}",
        located.notes
    );

    // Then its case work, each record pointing at the child and the episode.
    let kinds: Vec<(String, String)> = run.records[1..]
        .iter()
        .map(|r| {
            let kind = match &r.record {
                CanonicalRecord::Assessment(a) => format!("{:?}", a.assessment_kind),
                CanonicalRecord::CasePlan(p) => format!("{:?}", p.plan_kind),
                other => other.kind().to_owned(),
            };
            (kind, r.record.source().id.clone())
        })
        .collect();
    let e = "DfEX0000001/cin/1970-10-06";
    let expected: Vec<(String, String)> = [
        ("episode", e.to_owned()),
        ("ChildAndFamily", format!("{e}/assessment/1970-06-03")),
        ("Section47Enquiry", format!("{e}/s47/1970-06-02")),
        (
            "InitialChildProtectionConference",
            format!("{e}/icpc/1970-06-17"),
        ),
        (
            "InitialChildProtectionConference",
            format!("{e}/icpc/1970-12-06"),
        ),
        ("ChildInNeed", format!("{e}/cin-plan/1971-01-24")),
        ("ChildProtection", format!("{e}/cp-plan/1970-02-17")),
    ]
    .into_iter()
    .map(|(k, id)| (k.to_owned(), id))
    .collect();
    assert_eq!(kinds, expected);
    let CanonicalRecord::Episode(episode) = &run.records[1].record else {
        panic!("not an episode");
    };
    assert_eq!(episode.closure_reason.map(|c| c.code()), Some("RC1"));
    assert_eq!(episode.no_further_action, Some(false));
    let CanonicalRecord::Assessment(assessment) = &run.records[2].record else {
        panic!("not an assessment");
    };
    assert_eq!(assessment.end_date, Some("1971-07-18".parse().unwrap()));
    assert_eq!(assessment.factors.len(), 2);
    let CanonicalRecord::CasePlan(cp) = &run.records[7].record else {
        panic!("not a plan");
    };
    assert_eq!(cp.review_dates, vec!["1971-02-15".parse().unwrap()]);
    assert_eq!(cp.initial_category.map(|c| c.code()), Some("PHY"));
    for record in &run.records[1..] {
        assert_eq!(
            record
                .location
                .to_string()
                .split('#')
                .nth(1)
                .map(|p| p.starts_with("/Message/Children/Child[1]/CINdetails[1]")),
            Some(true),
            "{}",
            record.location
        );
    }
}

#[test]
fn the_configuration_is_checked() {
    let config = CinCensusFileConfig::from_value(serde_json::json!({
        "name": "lcs", "path": "/data/cin.xml", "page_size": 0
    }));
    assert!(config.is_err());
    let unknown = CinCensusFileConfig::from_value(serde_json::json!({
        "name": "lcs", "path": "/data/cin.xml", "page_size": 5, "colour": "blue"
    }));
    assert!(unknown.is_err());
}
