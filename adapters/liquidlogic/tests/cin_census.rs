//! The CIN census reader and writer against real files: the published sample, the XSDs
//! checked by a real validator (`xmllint`), round trips, and each kind of bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use familygraph_adapter_liquidlogic::cin_census::{
    CensusChild, CensusHeader, CensusImport, CensusWriter, GenderCurrent, RecordedSex,
    RejectionReason, ReportingYear, SchemaYear, read_all, synthetic,
};
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Disability, Ethnicity, PrimaryNeed,
    ReferralSource, UpnUnknown,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cin_census")
        .join(name)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn read_bytes(bytes: &[u8]) -> CensusImport {
    read_all(bytes)
}

fn write_children(year: SchemaYear, header: &CensusHeader, children: &[CensusChild]) -> Vec<u8> {
    let mut writer = CensusWriter::new(Vec::new(), year, header).unwrap();
    for child in children {
        writer.write_child(child).unwrap();
    }
    writer.finish().unwrap()
}

fn synthetic_file(year: SchemaYear, count: u32) -> Vec<u8> {
    synthetic::write_file(Vec::new(), year, count).unwrap()
}

/// Validates `xml` against `xsd` with xmllint; `None` when xmllint is not installed.
fn xmllint(xsd: &str, xml: &[u8]) -> Option<Result<(), String>> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(xml).unwrap();
    let output = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(fixture(xsd))
        .arg(file.path())
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "SKIPPED: xmllint is not installed (Debian: apt-get install libxml2-utils); \
                 the XSD check did not run"
            );
            return None;
        }
        Err(error) => panic!("xmllint could not run: {error}"),
    };
    Some(if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

fn xsd_of(year: SchemaYear) -> String {
    format!("CIN_schema_{}.xsd", year.year())
}

/// Line (1-based) of the first occurrence of `needle` after `after` in `text`.
fn line_of(text: &str, after: &str, needle: &str) -> u64 {
    let start = text.find(after).unwrap();
    let at = start + text[start..].find(needle).unwrap();
    text[..at].matches('\n').count() as u64 + 1
}

/// Replaces the first `old` after `after` in `text` with `new`.
fn replace_after(text: &str, after: &str, old: &str, new: &str) -> String {
    let start = text.find(after).unwrap();
    let at = start + text[start..].find(old).unwrap();
    format!("{}{new}{}", &text[..at], &text[at + old.len()..])
}

fn ids(import: &CensusImport) -> Vec<&str> {
    import
        .children
        .iter()
        .map(CensusChild::la_child_id)
        .collect()
}

#[test]
fn the_sample_imports_with_every_module() {
    let import = read_all(std::io::BufReader::new(
        std::fs::File::open(fixture("cin-2022-one-child-all-modules.xml")).unwrap(),
    ));
    assert_eq!(import.rejections, vec![]);
    assert_eq!(import.year, Some(SchemaYear::Y2022));

    let details = import.header.collection_details.as_ref().unwrap();
    assert_eq!(details.collection.as_deref(), Some("CIN"));
    assert_eq!(details.year, Some(2022));
    assert_eq!(details.reference_date, Some(date("2022-03-31")));
    let source = &import.header.sources[0];
    assert_eq!(source.source_level.as_deref(), Some("L"));
    assert_eq!(source.lea, "201");
    assert_eq!(source.software_code.as_deref(), Some("Local Authority"));
    assert_eq!(source.release.as_deref(), Some("ver 3.1.21"));
    assert_eq!(source.serial_no.as_deref(), Some("001"));
    assert_eq!(source.date_time.as_deref(), Some("2022-05-23T11:14:05"));

    assert_eq!(import.children.len(), 1);
    let child = &import.children[0];
    let ids = &child.identifiers;
    assert_eq!(ids.la_child_id, "DfEX0000001");
    assert_eq!(ids.upn.as_ref().unwrap().as_str(), "A123456789123");
    assert_eq!(ids.former_upn.as_ref().unwrap().as_str(), "X98765432123B");
    assert_eq!(ids.upn_unknown, Some(UpnUnknown::EducatedOutsideSchool));
    assert_eq!(ids.birth_date, Some(date("1966-03-24")));
    assert_eq!(ids.expected_birth_date, Some(date("1966-03-22")));
    assert_eq!(ids.sex, RecordedSex::GenderCurrent(GenderCurrent::Male));
    assert_eq!(ids.death_date, Some(date("1980-10-08")));
    assert_eq!(child.characteristics.ethnicity, Ethnicity::WhiteBritish);
    assert_eq!(
        child.characteristics.disabilities,
        vec![Disability::HandFunction, Disability::Hearing]
    );

    assert_eq!(child.cin_details.len(), 1);
    let cin = &child.cin_details[0];
    assert_eq!(cin.referral_date, date("1970-10-06"));
    assert_eq!(cin.referral_source, ReferralSource::IndividualFamily);
    assert_eq!(cin.primary_need, Some(PrimaryNeed::FamilyInAcuteStress));
    assert_eq!(cin.closure_date, Some(date("1971-02-27")));
    assert_eq!(cin.reason_for_closure, Some(ClosureReason::Adopted));
    assert_eq!(cin.date_of_initial_cpc, Some(date("1970-12-06")));
    assert!(!cin.referral_nfa);

    let assessment = &cin.assessments[0];
    assert_eq!(assessment.actual_start_date, date("1970-06-03"));
    assert_eq!(assessment.internal_review_date, Some(date("1970-06-22")));
    assert_eq!(assessment.authorisation_date, Some(date("1971-07-18")));
    assert_eq!(
        assessment.factors,
        vec![AssessmentFactor::DrugsChild, AssessmentFactor::DrugsParent]
    );
    let plan = &cin.cin_plan_dates[0];
    assert_eq!(
        (plan.start_date, plan.end_date),
        (date("1971-01-24"), Some(date("1971-01-26")))
    );
    let s47 = &cin.section47[0];
    assert_eq!(s47.actual_start_date, date("1970-06-02"));
    assert_eq!(s47.initial_cpc_target, Some(date("1970-06-23")));
    assert_eq!(s47.date_of_initial_cpc, Some(date("1970-06-17")));
    assert!(!s47.icpc_not_required);
    let cpp = &cin.child_protection_plans[0];
    assert_eq!(cpp.start_date, date("1970-02-17"));
    assert_eq!(cpp.end_date, Some(date("1971-03-14")));
    assert_eq!(cpp.initial_category, CategoryOfAbuse::PhysicalAbuse);
    assert_eq!(cpp.latest_category, CategoryOfAbuse::PhysicalAbuse);
    assert_eq!(cpp.number_of_previous_cpp.get(), 10);
    assert_eq!(cpp.review_dates, vec![date("1971-02-15")]);
    assert!(child.pre_proceedings.is_empty());
}

#[test]
fn the_sample_round_trips_and_its_export_validates() {
    let original = std::fs::read(fixture("cin-2022-one-child-all-modules.xml")).unwrap();
    let first = read_bytes(&original);
    let exported = write_children(SchemaYear::Y2022, &first.header, &first.children);
    if let Some(result) = xmllint("CIN_schema_2022.xsd", &exported) {
        result.unwrap();
    }
    let second = read_bytes(&exported);
    assert_eq!(second.rejections, vec![]);
    assert_eq!(second.header, first.header);
    assert_eq!(second.children, first.children);
}

#[test]
fn every_years_export_validates_against_that_years_xsd() {
    for &year in SchemaYear::ALL {
        let xml = synthetic_file(year, 300);
        let Some(result) = xmllint(&xsd_of(year), &xml) else {
            return;
        };
        result.unwrap_or_else(|e| panic!("{year}: {e}"));
    }
    // The validator really checks: each shape fails the schema of a year with another shape.
    let sex = synthetic_file(SchemaYear::Y2025, 5);
    assert!(xmllint("CIN_schema_2024.xsd", &sex).unwrap().is_err());
    let pre = String::from_utf8(synthetic_file(SchemaYear::Y2026, 200)).unwrap();
    assert!(pre.contains("<PreProceedingsandFGDM>"));
    assert!(
        xmllint("CIN_schema_2025.xsd", pre.as_bytes())
            .unwrap()
            .is_err()
    );
    let mut early_help = synthetic::child(SchemaYear::Y2023, 1);
    early_help.cin_details[0].referral_source = ReferralSource::LaEarlyHelp;
    let xml = write_children(
        SchemaYear::Y2023,
        &synthetic::header(SchemaYear::Y2023),
        &[early_help],
    );
    xmllint("CIN_schema_2023.xsd", &xml).unwrap().unwrap();
    assert!(xmllint("CIN_schema_2022.xsd", &xml).unwrap().is_err());
}

#[test]
fn every_year_round_trips_import_export_import() {
    for &year in SchemaYear::ALL {
        let generated: Vec<CensusChild> = (1..=120).map(|n| synthetic::child(year, n)).collect();
        let xml = write_children(year, &synthetic::header(year), &generated);
        let first = read_bytes(&xml);
        assert_eq!(first.rejections, vec![], "{year}");
        assert_eq!(first.year, Some(year));
        assert_eq!(first.children, generated, "{year}");
        let again = write_children(year, &first.header, &first.children);
        assert_eq!(again, xml, "{year}: the second export differs");
        let second = read_bytes(&again);
        assert_eq!(second.children, first.children, "{year}");
        assert_eq!(second.header, first.header, "{year}");
    }
    let with_pre = synthetic_file(SchemaYear::Y2026, 100);
    let import = read_bytes(&with_pre);
    assert!(
        import
            .children
            .iter()
            .any(|c| !c.pre_proceedings.is_empty())
    );
}

#[test]
fn gender_and_sex_convert_between_years() {
    let child = synthetic::child(SchemaYear::Y2024, 7);
    let xml = write_children(
        SchemaYear::Y2025,
        &synthetic::header(SchemaYear::Y2025),
        std::slice::from_ref(&child),
    );
    let import = read_bytes(&xml);
    let sex = import.children[0].identifiers.sex;
    assert_eq!(sex, RecordedSex::Sex(child.identifiers.sex.as_sex()));
    // 2024 children may not carry pre-proceedings; a 2026 child written for 2024 leaves them out.
    let mut later = synthetic::child(SchemaYear::Y2026, 3);
    later.pre_proceedings.push(
        familygraph_adapter_liquidlogic::cin_census::PreProceedings {
            letter_before_proceedings_date: date("2025-06-01"),
            fgdm_offered: true,
            fgdm_facilitated: false,
            outcome: None,
        },
    );
    let xml = write_children(
        SchemaYear::Y2024,
        &synthetic::header(SchemaYear::Y2024),
        &[later],
    );
    let import = read_bytes(&xml);
    assert_eq!(import.rejections, vec![]);
    assert!(import.children[0].pre_proceedings.is_empty());
    assert!(matches!(
        import.children[0].identifiers.sex,
        RecordedSex::GenderCurrent(_)
    ));
}

#[test]
fn the_writer_refuses_a_code_the_year_does_not_know() {
    let mut child = synthetic::child(SchemaYear::Y2022, 1);
    child.cin_details[0].reason_for_closure =
        Some(ClosureReason::ClosedAfterAssessmentReferredToEarlyHelp);
    child.cin_details[0].closure_date = Some(date("2021-09-01"));
    let mut writer = CensusWriter::new(
        Vec::new(),
        SchemaYear::Y2022,
        &synthetic::header(SchemaYear::Y2022),
    )
    .unwrap();
    let error = writer.write_child(&child).unwrap_err().to_string();
    assert!(
        error.contains("RC9") && error.contains("LA-SYN-000001"),
        "{error}"
    );
    assert!(writer.finish().is_err(), "no child was written");
}

#[test]
fn a_bad_date_rejects_only_its_child_with_its_location() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2022, 3)).unwrap();
    let bad = replace_after(
        &xml,
        "LA-SYN-000002",
        "<CINreferralDate>",
        "<CINreferralDate>2022-02-30</CINreferralDate><X>",
    );
    // Keep the document well-formed: drop the original value's text up to its end tag.
    let bad = {
        let start = bad.find("<X>").unwrap();
        let end =
            start + bad[start..].find("</CINreferralDate>").unwrap() + "</CINreferralDate>".len();
        format!("{}{}", &bad[..start], &bad[end..])
    };
    let import = read_bytes(bad.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000003"]);
    assert_eq!(import.rejections.len(), 1);
    let rejection = &import.rejections[0];
    assert_eq!(rejection.child, Some(2));
    assert_eq!(rejection.path, "/Message/Children/Child/CINdetails");
    assert_eq!(
        rejection.reason,
        RejectionReason::InvalidDate {
            element: "CINreferralDate".to_owned(),
        }
    );
    assert_eq!(
        rejection.location.line,
        Some(line_of(&bad, "LA-SYN-000002", "<CINreferralDate>"))
    );
    assert!(rejection.location.column.is_some());
    assert!(!rejection.is_fatal());
    let text = rejection.to_string();
    assert!(
        text.contains("child 2 in /Message/Children/Child/CINdetails"),
        "{text}"
    );
    assert!(
        !text.contains("LA-SYN") && !text.contains("2022-02-30"),
        "{text}"
    );
}

#[test]
fn an_unknown_code_rejects_only_its_child() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2023, 3)).unwrap();
    let first_source = |text: &str, after: &str| {
        let start = text.find(after).unwrap();
        let open =
            start + text[start..].find("<ReferralSource>").unwrap() + "<ReferralSource>".len();
        let close = open + text[open..].find('<').unwrap();
        text[open..close].to_owned()
    };
    let code = first_source(&xml, "LA-SYN-000001");
    let bad = replace_after(
        &xml,
        "LA-SYN-000001",
        &format!("<ReferralSource>{code}<"),
        "<ReferralSource>1Z<",
    );
    let import = read_bytes(bad.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000002", "LA-SYN-000003"]);
    let rejection = &import.rejections[0];
    assert_eq!(rejection.child, Some(1));
    assert_eq!(
        rejection.reason,
        RejectionReason::UnknownCode {
            element: "ReferralSource".to_owned(),
            year: Some(2023)
        }
    );
    assert_eq!(
        rejection.location.line,
        Some(line_of(&bad, "LA-SYN-000001", "<ReferralSource>"))
    );

    // 5D exists from 2023: in a 2022 file it is an unknown code.
    let early_help = replace_after(
        &xml,
        "LA-SYN-000002",
        &format!("<ReferralSource>{}<", first_source(&xml, "LA-SYN-000002")),
        "<ReferralSource>5D<",
    );
    assert_eq!(read_bytes(early_help.as_bytes()).rejections, vec![]);
    let in_2022 = early_help.replace("<Year>2023</Year>", "<Year>2022</Year>");
    let import = read_bytes(in_2022.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000003"]);
    assert!(matches!(
        &import.rejections[0].reason,
        RejectionReason::UnknownCode { element, year: Some(2022) } if element == "ReferralSource"
    ));
}

#[test]
fn an_element_of_another_years_shape_is_rejected() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2025, 2)).unwrap();
    let as_2024 = xml.replace("<Year>2025</Year>", "<Year>2024</Year>");
    let import = read_bytes(as_2024.as_bytes());
    assert!(import.children.is_empty());
    assert_eq!(import.rejections.len(), 2);
    assert_eq!(
        import.rejections[1].reason,
        RejectionReason::NotInYear {
            element: "Sex".to_owned(),
            year: 2024
        }
    );
    assert_eq!(import.rejections[1].child, Some(2));

    // Without a header, the year comes from the elements.
    let start = xml.find("<Header>").unwrap();
    let end = xml.find("</Header>").unwrap() + "</Header>".len();
    let headless = format!("{}{}", &xml[..start], &xml[end..]);
    let import = read_bytes(headless.as_bytes());
    assert_eq!(import.rejections, vec![]);
    assert_eq!(import.year, Some(SchemaYear::Y2025));
}

#[test]
fn a_missing_or_misplaced_element_rejects_the_child_whole() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2024, 3)).unwrap();
    let missing = replace_after(
        &xml,
        "LA-SYN-000003",
        "<ReferralNFA>false</ReferralNFA>",
        "",
    );
    let import = read_bytes(missing.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000002"]);
    assert_eq!(
        import.rejections[0].reason,
        RejectionReason::MissingElement {
            element: "ReferralNFA".to_owned(),
            parent: "CINdetails".to_owned()
        }
    );
    let zero_plans = replace_after(
        &xml,
        "LA-SYN-000001",
        "<NumberOfPreviousCPP>",
        "<NumberOfPreviousCPP>0<X/>",
    );
    let zero_plans = {
        let at = zero_plans.find("<X/>").unwrap();
        let end = at + zero_plans[at..].find("</NumberOfPreviousCPP>").unwrap();
        format!("{}{}", &zero_plans[..at], &zero_plans[end..])
    };
    let import = read_bytes(zero_plans.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000002", "LA-SYN-000003"]);
    assert!(
        matches!(&import.rejections[0].reason, RejectionReason::InvalidValue { element, .. } if element == "NumberOfPreviousCPP")
    );
    // Child 2's identifiers start with a birth date before the LAchildID.
    let swapped = replace_after(
        &xml,
        "LA-SYN-000001",
        "<ChildIdentifiers>",
        "<ChildIdentifiers><PersonBirthDate>2010-01-01</PersonBirthDate>",
    );
    let import = read_bytes(swapped.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000003"]);
    assert!(
        matches!(&import.rejections[0].reason, RejectionReason::OutOfOrder { element, .. } if element == "LAchildID")
    );
    // The child is reported by its position, never by its LAchildID.
    assert_eq!(import.rejections[0].child, Some(2));
}

#[test]
fn a_truncated_document_keeps_the_children_before_the_cut() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2022, 5)).unwrap();
    let cut = xml.find("LA-SYN-000004").unwrap() + 400;
    let import = read_bytes(&xml.as_bytes()[..cut]);
    assert_eq!(
        ids(&import),
        vec!["LA-SYN-000001", "LA-SYN-000002", "LA-SYN-000003"]
    );
    assert_eq!(import.rejections.len(), 1);
    let rejection = &import.rejections[0];
    assert!(rejection.is_fatal());
    assert_eq!(rejection.child, Some(4));
    assert!(
        matches!(
            rejection.reason,
            RejectionReason::Truncated { .. } | RejectionReason::Malformed { .. }
        ),
        "{rejection}"
    );
    assert!(rejection.location.byte_offset <= cut as u64);
    assert!(rejection.location.line.is_some());
}

#[test]
fn broken_xml_mid_way_stops_reading_cleanly() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2022, 5)).unwrap();
    let broken = replace_after(
        &xml,
        "LA-SYN-000003",
        "</CINreferralDate>",
        "</CINreferralDat>",
    );
    let import = read_bytes(broken.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000002"]);
    assert_eq!(import.rejections.len(), 1);
    let rejection = &import.rejections[0];
    assert!(
        matches!(rejection.reason, RejectionReason::Malformed { .. }),
        "{rejection}"
    );
    assert_eq!(rejection.child, Some(3));
    assert_eq!(
        rejection.location.line,
        Some(line_of(&broken, "LA-SYN-000003", "</CINreferralDat>"))
    );
}

#[test]
fn a_file_with_another_root_is_not_a_census() {
    let xml = "<?xml version=\"1.0\"?>\n<Patients>\n  <Patient/>\n</Patients>\n";
    let import = read_bytes(xml.as_bytes());
    assert!(import.children.is_empty());
    assert_eq!(import.rejections.len(), 1);
    let rejection = &import.rejections[0];
    assert_eq!(
        rejection.reason,
        RejectionReason::WrongRoot {
            found: "Patients".to_owned()
        }
    );
    assert_eq!(
        (rejection.location.line, rejection.location.column),
        (Some(2), Some(1))
    );
    assert!(rejection.is_fatal());
    let empty = read_bytes(b"");
    assert!(matches!(
        empty.rejections[0].reason,
        RejectionReason::WrongRoot { .. }
    ));
}

#[test]
fn header_problems_do_not_stop_the_children() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2022, 2)).unwrap();
    let bad = xml.replace("<LEA>999</LEA>", "<LEA>99</LEA>");
    let import = read_bytes(bad.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000002"]);
    assert_eq!(import.rejections.len(), 1);
    assert_eq!(import.rejections[0].child, None);
    assert!(
        matches!(&import.rejections[0].reason, RejectionReason::InvalidValue { element, .. } if element == "LEA")
    );
}

fn child_with_episodes(n: u32, episodes: &[(&str, Option<&str>)]) -> CensusChild {
    let mut child = synthetic::child(SchemaYear::Y2022, n);
    let template = child.cin_details[0].clone();
    child.cin_details = episodes
        .iter()
        .map(|&(referral, closure)| {
            let mut d = template.clone();
            d.referral_date = date(referral);
            d.closure_date = closure.map(date);
            d.reason_for_closure = closure.map(|_| ClosureReason::ServicesCeased);
            d.assessments[0].actual_start_date = date(referral);
            d.assessments[0].authorisation_date = None;
            d.cin_plan_dates[0].start_date = date(referral);
            d.cin_plan_dates[0].end_date = closure.map(date);
            d.section47[0].actual_start_date = date(referral);
            d.section47[0].date_of_initial_cpc = None;
            d.date_of_initial_cpc = None;
            d.child_protection_plans[0].start_date = date(referral);
            d.child_protection_plans[0].end_date = closure.map(date);
            d.child_protection_plans[0].review_dates = vec![];
            d
        })
        .collect();
    child
}

#[test]
fn the_reporting_year_keeps_children_in_need_at_any_time_in_it() {
    let year = ReportingYear::ending(2022).unwrap();
    assert_eq!(
        (year.start(), year.end()),
        (date("2021-04-01"), date("2022-03-31"))
    );
    let children = vec![
        child_with_episodes(1, &[("2021-03-01", Some("2021-03-31"))]), // closed the day before: out
        child_with_episodes(2, &[("2021-03-01", Some("2021-04-01"))]), // open on 1 April: in
        child_with_episodes(3, &[("2022-03-31", None)]),               // referred on 31 March: in
        child_with_episodes(4, &[("2022-04-01", None)]), // referred the day after: out
        child_with_episodes(5, &[("2019-06-01", None)]), // open throughout: in
        child_with_episodes(
            6,
            &[
                ("2020-01-01", Some("2020-02-01")),
                ("2021-10-01", Some("2022-06-30")),
            ],
        ),
    ];
    let census: Vec<CensusChild> = year.children_in_need(children).collect();
    let kept: Vec<&str> = census.iter().map(CensusChild::la_child_id).collect();
    assert_eq!(
        kept,
        vec![
            "LA-SYN-000002",
            "LA-SYN-000003",
            "LA-SYN-000005",
            "LA-SYN-000006"
        ]
    );
    // Child 6: the 2020 episode is dropped; the later one closed after 31 March is reported open.
    let six = &census[3];
    assert_eq!(six.cin_details.len(), 1);
    assert_eq!(six.cin_details[0].referral_date, date("2021-10-01"));
    assert_eq!(six.cin_details[0].closure_date, None);
    assert_eq!(six.cin_details[0].reason_for_closure, None);
    assert_eq!(six.cin_details[0].cin_plan_dates[0].end_date, None);

    // Records started after the census date are dropped, reviews after it too.
    let mut late = child_with_episodes(7, &[("2021-05-01", None)]);
    let plan = &mut late.cin_details[0].child_protection_plans[0];
    plan.review_dates = vec![date("2022-01-10"), date("2022-04-10")];
    let mut later_plan = plan.clone();
    later_plan.start_date = date("2022-04-02");
    late.cin_details[0].child_protection_plans.push(later_plan);
    let view = year.census_view(&late).unwrap();
    assert_eq!(view.cin_details[0].child_protection_plans.len(), 1);
    assert_eq!(
        view.cin_details[0].child_protection_plans[0].review_dates,
        vec![date("2022-01-10")]
    );

    // The year's census is a valid 2022 file.
    let xml = write_children(
        SchemaYear::Y2022,
        &synthetic::header(SchemaYear::Y2022),
        &census,
    );
    if let Some(result) = xmllint("CIN_schema_2022.xsd", &xml) {
        result.unwrap();
    }
}

#[test]
fn odd_but_valid_xml_reads_and_odd_structure_is_reported() {
    let xml = String::from_utf8(synthetic_file(SchemaYear::Y2024, 2)).unwrap();
    // Entities, CDATA, comments and CRLF line ends are XML, not errors; the id round-trips.
    let odd = xml
        .replace(
            "<LAchildID>LA-SYN-000001</LAchildID>",
            "<!-- a comment --><LAchildID>LA-SYN&amp;<![CDATA[01]]>&#x41;</LAchildID>",
        )
        .replace('\n', "\r\n");
    let import = read_bytes(odd.as_bytes());
    assert_eq!(import.rejections, vec![]);
    assert_eq!(ids(&import), vec!["LA-SYN&01A", "LA-SYN-000002"]);
    let again = write_children(SchemaYear::Y2024, &import.header, &import.children);
    assert_eq!(read_bytes(&again).children, import.children);
    if let Some(result) = xmllint("CIN_schema_2024.xsd", &again) {
        result.unwrap();
    }

    // An empty child, a stranger among the children, no children at all.
    let strange = xml.replacen(
        "    <Child>",
        "    <Child/>\n    <Note>hello</Note>\n    <Child>",
        1,
    );
    let import = read_bytes(strange.as_bytes());
    assert_eq!(ids(&import), vec!["LA-SYN-000001", "LA-SYN-000002"]);
    assert_eq!(import.rejections.len(), 2);
    assert!(
        matches!(&import.rejections[0].reason, RejectionReason::MissingElement { element, .. } if element == "ChildIdentifiers")
    );
    assert!(
        matches!(&import.rejections[1].reason, RejectionReason::UnexpectedElement { element, .. } if element == "Note")
    );
    let start = xml.find("    <Child>").unwrap();
    let end = xml.find("  </Children>").unwrap();
    let none = format!("{}{}", &xml[..start], &xml[end..]);
    assert_eq!(
        read_bytes(none.as_bytes()).rejections[0].reason,
        RejectionReason::NoChildren
    );

    // A year the reader does not know: reported, and the children still read.
    let future = xml.replace("<Year>2024</Year>", "<Year>2031</Year>");
    let import = read_bytes(future.as_bytes());
    assert_eq!(import.children.len(), 2);
    assert_eq!(
        import.rejections[0].reason,
        RejectionReason::UnsupportedYear { year: 2031 }
    );

    // Content after the root element is a break in the XML, after every child was read.
    let trailing = format!("{xml}<Message/>");
    let import = read_bytes(trailing.as_bytes());
    assert_eq!(import.children.len(), 2);
    assert!(import.rejections[0].is_fatal());
}
