//! Standard Safeguarding Dataset CSV extracts: every table's values for a couple of synthetic
//! children, each kind of bad input rejected with file and line while good children are kept,
//! the SDK's conformance kit, and a 100,000-child extract read in bounded memory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use familygraph_adapter_liquidlogic::ssd::source::{SsdExtractConfig, SsdExtractSource};
use familygraph_adapter_liquidlogic::ssd::{SsdGroup, SsdReader, synthetic};
use familygraph_adapter_sdk::testkit::{self, Fixture};
use familygraph_adapter_sdk::{
    AdapterError, AssessmentKind, CanonicalRecord, CasePlanKind, EpisodeKind, ErrorClass,
    PartialDate, SourceAdapter, SourceRef, sync,
};
use familygraph_domain::{
    AssessmentFactor, CategoryOfAbuse, ClosureReason, Ethnicity, PrimaryNeed, ReferralSource, Sex,
};

const SYSTEM: &str = "county-ssd";
const MIB: u64 = 1024 * 1024;

fn extract(children: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    synthetic::write_extract(dir.path(), children).unwrap();
    dir
}

fn read_all(dir: &Path) -> Vec<SsdGroup> {
    SsdReader::open(dir, SYSTEM).unwrap().collect()
}

fn child(groups: &[SsdGroup], n: u32) -> &SsdGroup {
    let id = synthetic::person_id(n);
    groups.iter().find(|g| g.key == id).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn sref(id: &str) -> SourceRef {
    SourceRef::new(SYSTEM, id)
}

/// Rewrites line `line` (1-based) of `file` in `dir` with `edit`.
fn edit_line(dir: &Path, file: &str, line: usize, edit: impl Fn(&str) -> String) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[line - 1] = edit(&lines[line - 1]);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

fn append_line(dir: &Path, file: &str, line: &str) {
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(line);
    text.push('\n');
    std::fs::write(&path, text).unwrap();
}

#[test]
fn a_synthetic_extract_gives_every_tables_values() {
    let dir = extract(5);
    let groups = read_all(dir.path());
    assert_eq!(groups.len(), synthetic::PROFESSIONALS as usize + 5);
    let rejected: Vec<_> = groups.iter().flat_map(|g| &g.rejected).collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    // Every record survives the JSON the server stores and queues.
    for located in groups.iter().flat_map(|g| &g.records) {
        let json = serde_json::to_string(&located.record).unwrap();
        let back: CanonicalRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, located.record, "{json}");
    }

    // A professional, its department resolved to the team's name.
    let prof = groups.iter().find(|g| g.key == "professional:2").unwrap();
    let CanonicalRecord::Professional(p) = &prof.records[0].record else {
        panic!("{prof:?}")
    };
    assert_eq!(p.source, sref("ssd_professionals/2"));
    assert_eq!(p.name.as_deref(), Some("Worker 2 Synthetic"));
    assert_eq!(p.team.as_deref(), Some("Synthetic Team 3"));
    assert_eq!(p.registration_number.as_deref(), Some("SW000002"));
    assert_eq!(p.agency_worker, Some(false));
    assert_eq!(
        prof.records[0].location.to_string(),
        "ssd_professionals.csv#line 3"
    );

    for n in [1u32, 2] {
        let g = child(&groups, n);
        let id = synthetic::person_id(n);
        let kinds: Vec<&str> = g.records.iter().map(|r| r.record.kind()).collect();
        assert_eq!(
            kinds,
            [
                "person",
                "family_membership",
                "contact",
                "episode",
                "assessment",
                "case_plan",
                "assessment",
                "assessment",
                "case_plan",
                "involvement"
            ],
            "child {n}"
        );
        let person_ref = sref(&id);
        let team = format!("Synthetic Team {}", n % 4 + 1);
        let worker = Some(sref(&format!("ssd_professionals/{}", n % 40 + 1)));
        let episode = Some(sref(&format!("ssd_cin_episodes/{n}")));
        let base = date("2024-04-01");
        let at = |days: u64| base.checked_add_days(chrono::Days::new(days)).unwrap();
        let i = u64::from(n);

        let CanonicalRecord::Person(p) = &g.records[0].record else {
            panic!()
        };
        assert_eq!(
            g.records[0].location.to_string(),
            format!("ssd_person.csv#line {}", n + 1)
        );
        assert_eq!(p.source, person_ref);
        assert_eq!(p.names[0].given, [["Ada", "Bryn", "Cleo"][n as usize]]);
        assert_eq!(
            p.names[0].family.as_deref(),
            Some(["Testwell", "Sampleton", "Mockford"][n as usize])
        );
        assert_eq!(
            p.birth_date,
            Some(PartialDate::Date(
                date("2010-01-01")
                    .checked_add_days(chrono::Days::new(i))
                    .unwrap()
            ))
        );
        assert_eq!(p.sex, Some(if n == 2 { Sex::Female } else { Sex::Male }));
        assert_eq!(
            p.ethnicity,
            Some(if n == 1 {
                Ethnicity::WhiteAndBlackCaribbean
            } else {
                Ethnicity::Indian
            })
        );
        assert_eq!(
            p.nhs_number.as_ref().map(|r| r.number.as_str().to_owned()),
            synthetic::nhs_number(n)
        );
        assert_eq!(
            p.upn.as_ref().map(|u| u.as_str().to_owned()),
            synthetic::upn(n)
        );
        assert_eq!(p.case_system_id.as_ref().unwrap().as_str(), id);
        // ssd_address: the current address gives the postcode.
        let postcode = format!("LS{} {}AB", n + 1, n);
        assert_eq!(p.postcode.as_ref().unwrap().as_str(), postcode);
        assert_eq!(p.addresses.len(), 1);
        assert_eq!(
            p.addresses[0].lines,
            [format!("{} Synthetic Street", n + 1), "Testham".to_owned()]
        );
        assert_eq!(p.addresses[0].address_use.as_deref(), Some("Home"));
        assert!(!p.addresses[0].ended);
        // ssd_linked_identifiers: a former UPN, which is not the current one: no change, no note.
        assert!(g.records[0].notes.is_empty(), "{:?}", g.records[0].notes);

        let CanonicalRecord::FamilyMembership(f) = &g.records[1].record else {
            panic!()
        };
        assert_eq!(f.source, sref(&format!("ssd_family/{n}")));
        assert_eq!(f.person, person_ref);
        assert_eq!(f.family_id, "F1");

        let CanonicalRecord::Contact(c) = &g.records[2].record else {
            panic!()
        };
        assert_eq!(c.source, sref(&format!("ssd_contacts/{n}")));
        assert_eq!(c.date, at(i));
        let source = [ReferralSource::Schools, ReferralSource::HealthGp][n as usize - 1];
        assert_eq!(c.contact_source, Some(source));
        assert_eq!(c.outcome.as_deref(), Some("{\"outcome\":\"referral\"}"));

        let CanonicalRecord::Episode(e) = &g.records[3].record else {
            panic!()
        };
        assert_eq!(e.source, sref(&format!("ssd_cin_episodes/{n}")));
        assert_eq!(e.person, person_ref);
        assert_eq!(e.episode_kind, EpisodeKind::ChildInNeed);
        assert_eq!(e.start_date, at(i));
        assert_eq!(e.referral_source, Some(source));
        let need = [
            PrimaryNeed::ChildDisability,
            PrimaryNeed::FamilyInAcuteStress,
        ][n as usize - 1];
        assert_eq!(e.primary_need, Some(need));
        assert_eq!(e.no_further_action, Some(false));
        assert_eq!(e.team.as_deref(), Some(team.as_str()));
        assert_eq!(e.worker, worker);
        if n == 2 {
            assert_eq!(e.closure_reason, Some(ClosureReason::ServicesCeased));
            assert_eq!(e.end_date, Some(at(i + 200)));
        } else {
            assert_eq!((e.closure_reason, e.end_date), (None, None));
        }

        let CanonicalRecord::Assessment(a) = &g.records[4].record else {
            panic!()
        };
        assert_eq!(a.source, sref(&format!("ssd_cin_assessments/{n}")));
        assert_eq!(a.assessment_kind, AssessmentKind::ChildAndFamily);
        assert_eq!(a.episode, episode);
        assert_eq!((a.start_date, a.end_date), (at(i + 2), Some(at(i + 30))));
        assert_eq!(
            a.factors,
            [
                AssessmentFactor::AlcoholParent,
                AssessmentFactor::DomesticAbuseChild
            ]
        );
        assert_eq!(a.no_further_action, Some(false));
        assert_eq!(a.worker, worker);

        let CanonicalRecord::CasePlan(plan) = &g.records[5].record else {
            panic!()
        };
        assert_eq!(plan.source, sref(&format!("ssd_cin_plans/{n}")));
        assert_eq!(plan.plan_kind, CasePlanKind::ChildInNeed);
        assert_eq!((plan.start_date, plan.end_date), (at(i + 31), None));
        assert_eq!(plan.episode, episode);

        let CanonicalRecord::Assessment(s47) = &g.records[6].record else {
            panic!()
        };
        assert_eq!(s47.source, sref(&format!("ssd_s47_enquiry/{n}")));
        assert_eq!(s47.assessment_kind, AssessmentKind::Section47Enquiry);
        assert_eq!(
            (s47.start_date, s47.end_date),
            (at(i + 40), Some(at(i + 50)))
        );
        assert_eq!(s47.outcome.as_deref(), Some("{\"outcome\":\"icpc\"}"));

        let CanonicalRecord::Assessment(icpc) = &g.records[7].record else {
            panic!()
        };
        assert_eq!(icpc.source, sref(&format!("ssd_initial_cp_conference/{n}")));
        assert_eq!(
            icpc.assessment_kind,
            AssessmentKind::InitialChildProtectionConference
        );
        assert_eq!(icpc.start_date, at(i + 60));
        assert_eq!(icpc.child_protection_plan, Some(true));

        let CanonicalRecord::CasePlan(cp) = &g.records[8].record else {
            panic!()
        };
        assert_eq!(cp.source, sref(&format!("ssd_cp_plans/{n}")));
        assert_eq!(cp.plan_kind, CasePlanKind::ChildProtection);
        assert_eq!(cp.start_date, at(i + 60));
        assert_eq!(cp.initial_category, Some(CategoryOfAbuse::Neglect));
        assert_eq!(cp.latest_category, Some(CategoryOfAbuse::Neglect));

        let CanonicalRecord::Involvement(inv) = &g.records[9].record else {
            panic!()
        };
        assert_eq!(inv.source, sref(&format!("ssd_involvements/{n}")));
        assert_eq!(Some(inv.professional.clone()), worker);
        assert_eq!(inv.role.as_deref(), Some("SW"));
        assert_eq!(inv.team.as_deref(), Some(team.as_str()));
        assert_eq!(inv.start_date, at(i + 1));
        assert_eq!(inv.episode, episode);
    }

    // ssd_early_help_episodes: every third child.
    let g = child(&groups, 3);
    let early: Vec<_> = g
        .records
        .iter()
        .filter_map(|r| match &r.record {
            CanonicalRecord::Episode(e) if e.episode_kind == EpisodeKind::EarlyHelp => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(early.len(), 1);
    assert_eq!(early[0].source, sref("ssd_early_help_episodes/3"));
    assert_eq!(early[0].start_date, date("2024-04-05"));
    assert_eq!(early[0].start_reason.as_deref(), Some("Family support"));
    assert_eq!(early[0].team.as_deref(), Some("Synthetic Team 4"));
    assert_eq!(
        g.records
            .iter()
            .find(|r| matches!(&r.record, CanonicalRecord::Episode(e) if e.episode_kind == EpisodeKind::EarlyHelp))
            .unwrap()
            .location
            .to_string(),
        "ssd_early_help_episodes.csv#line 2"
    );
}

/// Rejections as `location: reason` lines.
fn rejections(groups: &[SsdGroup]) -> Vec<String> {
    groups
        .iter()
        .flat_map(|g| &g.rejected)
        .map(|r| format!("{}: {}", r.location, r.reason))
        .collect()
}

fn has(rejections: &[String], location: &str, reason: &str) {
    assert!(
        rejections
            .iter()
            .any(|r| r.starts_with(location) && r.contains(reason)),
        "no rejection at {location} for {reason:?} in {rejections:#?}"
    );
}

#[test]
fn bad_rows_are_rejected_with_file_and_line_and_good_children_kept() {
    let dir = extract(7);
    let d = dir.path();
    // Child 2: an impossible referral date.
    edit_line(d, "ssd_cin_episodes.csv", 3, |l| {
        l.replace("2024-04-03", "2024-02-30")
    });
    // Child 3: an unknown category of abuse.
    edit_line(d, "ssd_cp_plans.csv", 4, |l| l.replacen("NEG", "XYZ", 1));
    // Child 4: a ragged contact row.
    edit_line(d, "ssd_contacts.csv", 5, |l| format!("{l},extra"));
    // Child 6: an address row that is not UTF-8 (a malformed file).
    let path = d.join("ssd_address.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes
        .windows(18)
        .position(|w| w == b"7 Synthetic Street")
        .unwrap();
    bytes[at + 2] = 0xFF;
    std::fs::write(&path, bytes).unwrap();
    // A family row out of person order, and an involvement of an unknown person.
    append_line(d, "ssd_family.csv", "99,F1,1000001");
    append_line(
        d,
        "ssd_involvements.csv",
        "99,1,SW,T1,1000099,2024-05-01,,,1",
    );
    // ssd_s47_enquiry without a required column: the whole file is rejected.
    edit_line(d, "ssd_s47_enquiry.csv", 1, |l| {
        l.replace("s47e_s47_start_date", "s47e_begun")
    });

    let groups = read_all(d);
    let r = rejections(&groups);
    has(
        &r,
        "ssd_cin_episodes.csv#line 3 cine_referral_date",
        "cine_referral_date: is not a possible date",
    );
    has(
        &r,
        "ssd_cp_plans.csv#line 4 cppl_cp_plan_initial_category",
        "not one of the allowed CategoryOfAbuse codes",
    );
    has(
        &r,
        "ssd_contacts.csv#line 5",
        "the row has 7 fields, the header 6",
    );
    has(&r, "ssd_address.csv#line 7", "not valid UTF-8");
    has(&r, "ssd_family.csv#line 9", "out of order");
    has(
        &r,
        "ssd_involvements.csv#line 9",
        "the row's person is not in ssd_person.csv",
    );
    has(
        &r,
        "ssd_s47_enquiry.csv#line 1",
        "lacks the required column(s) s47e_s47_start_date; the file is not read",
    );
    assert_eq!(r.len(), 7, "{r:#?}");

    // Rejected children give no record at all; the others give all theirs but the s47.
    for n in [2, 3, 4, 6] {
        assert!(child(&groups, n).records.is_empty(), "child {n}");
    }
    for n in [1, 5, 7] {
        let g = child(&groups, n);
        assert!(g.rejected.iter().all(|r| {
            !r.reason
                .contains(&format!("child {}", synthetic::person_id(n)))
        }));
        assert_eq!(g.records.len(), 9 + usize::from(n % 3 == 0), "child {n}");
        assert!(!g.records.iter().any(|r| matches!(
            &r.record,
            CanonicalRecord::Assessment(a) if a.assessment_kind == AssessmentKind::Section47Enquiry
        )));
    }
}

#[test]
fn a_person_file_without_a_required_column_is_an_error() {
    let dir = extract(2);
    edit_line(dir.path(), "ssd_person.csv", 1, |l| {
        l.replace("pers_dob", "dob")
    });
    let Err(error) = SsdReader::open(dir.path(), SYSTEM) else {
        panic!("opened")
    };
    assert!(matches!(error, AdapterError::Malformed { .. }), "{error}");
    assert!(error.to_string().contains("pers_dob"), "{error}");
    std::fs::remove_file(dir.path().join("ssd_person.csv")).unwrap();
    let Err(error) = SsdReader::open(dir.path(), SYSTEM) else {
        panic!("opened")
    };
    assert_eq!(error.class(), ErrorClass::Permanent);
}

fn adapter(dir: &Path) -> SsdExtractSource {
    SsdExtractSource::new(SsdExtractConfig {
        name: SYSTEM.to_owned(),
        directory: dir.to_owned(),
        page_size: 10,
    })
    .unwrap()
}

#[tokio::test]
async fn a_rerun_after_fixing_creates_no_duplicates() {
    let dir = extract(6);
    edit_line(dir.path(), "ssd_cp_plans.csv", 4, |l| {
        l.replacen("NEG", "XYZ", 1)
    });
    let first = sync::pull_to_end(&adapter(dir.path()), None, 100)
        .await
        .unwrap();
    assert_eq!(first.rejected.len(), 1);
    synthetic::write_extract(dir.path(), 6).unwrap();
    let second = sync::pull_to_end(&adapter(dir.path()), None, 100)
        .await
        .unwrap();
    assert!(second.rejected.is_empty());
    let keys = |run: &sync::Run| -> Vec<String> {
        run.records
            .iter()
            .map(|r| r.record.record_key().to_string())
            .collect()
    };
    let (a, b) = (keys(&first), keys(&second));
    let unique: BTreeSet<&String> = b.iter().collect();
    assert_eq!(unique.len(), b.len(), "a key appears twice");
    // Every record of the first run is in the second under the same key, with the same
    // content; the second adds exactly the fixed child's records.
    for record in &first.records {
        assert!(
            second.records.contains(record),
            "{}",
            record.record.record_key()
        );
    }
    assert_eq!(b.len() - a.len(), 11); // child 3 has an early help episode too
    assert!(b.contains(&"case_plan/county-ssd/ssd_cp_plans/3".to_owned()));
}

struct SsdFixture {
    live: tempfile::TempDir,
    poisoned: tempfile::TempDir,
}

impl SsdFixture {
    fn new() -> Self {
        let live = extract(12);
        let poisoned = extract(12);
        append_line(
            poisoned.path(),
            "ssd_person.csv",
            "1000013,L13,,Ivy,Synth,F,,WBRI,2013-02-29,,,N,,,N,British",
        );
        Self { live, poisoned }
    }
}

impl Fixture for SsdFixture {
    fn live(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(self.live.path()))
    }

    fn poisoned(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(self.poisoned.path()))
    }

    fn poisoned_location(&self) -> String {
        "ssd_person.csv#line 14 pers_dob".to_owned()
    }

    fn dead(&self) -> Box<dyn SourceAdapter> {
        Box::new(adapter(&self.live.path().join("no-such-extract")))
    }

    fn dead_class(&self) -> ErrorClass {
        ErrorClass::Permanent
    }
}

#[tokio::test]
async fn the_extract_source_passes_the_conformance_kit() {
    let fixture = SsdFixture::new();
    let report = testkit::check_all(&fixture).await.unwrap();
    assert_eq!(report.rejected, 0);
    assert_eq!(
        report.records,
        synthetic::PROFESSIONALS as usize + 12 * 10 + 4
    );
    assert!(report.batches >= 5);
    assert!(
        report
            .poisoned_rejection
            .reason
            .contains("not a possible date")
    );
}

/// The process's peak resident memory (`VmHWM`), where Linux reports it.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

const LARGE: u32 = 100_000;

/// Writes and reads a 100,000-child extract: (size, seconds reading, records, largest group).
fn large_extract() -> (synthetic::ExtractSize, f64, u64, usize) {
    let dir = tempfile::tempdir().unwrap();
    let size = synthetic::write_extract(dir.path(), LARGE).unwrap();
    let started = Instant::now();
    let mut reader = SsdReader::open(dir.path(), SYSTEM).unwrap();
    let (mut children, mut records, mut largest) = (0u32, 0u64, 0usize);
    for group in reader.by_ref() {
        assert!(group.rejected.is_empty(), "{:?}", group.rejected);
        if !group.key.starts_with("professional:") {
            children += 1;
        }
        records += group.records.len() as u64;
        largest = largest.max(group.records.len());
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(children, LARGE);
    assert_eq!(reader.rows_read(), size.rows);
    (size, seconds, records, largest)
}

#[test]
fn a_large_extract_is_read_in_bounded_memory() {
    let (size, _, records, largest) = large_extract();
    assert!(
        size.bytes > 64 * MIB,
        "the extract is only {} bytes",
        size.bytes
    );
    assert!(records > u64::from(LARGE) * 10);
    assert!(largest <= 11);
    match peak_resident_bytes() {
        // Holding a table, or the children, would take far more than this.
        Some(peak) => assert!(peak < 64 * MIB, "peak resident memory {} MiB", peak / MIB),
        None => eprintln!("SKIPPED the peak memory check: /proc/self/status has no VmHWM"),
    }
}

/// Throughput figures for docs/benchmarks-adapters.md:
/// `cargo test --release -p familygraph-adapter-liquidlogic --test ssd -- --ignored --nocapture`
#[test]
#[ignore = "a measurement, not a check: run it in release mode"]
fn measure_throughput() {
    let (size, seconds, records, _) = large_extract();
    let mb = size.bytes as f64 / 1e6;
    println!(
        "extract: {} children, {} rows, {mb:.1} MB, {records} records",
        size.children, size.rows
    );
    println!(
        "read: {seconds:.2} s, {:.0} children/s, {:.0} rows/s, {:.1} MB/s",
        f64::from(size.children) / seconds,
        size.rows as f64 / seconds,
        mb / seconds
    );
    if let Some(peak) = peak_resident_bytes() {
        println!("peak resident memory: {:.1} MiB", peak as f64 / MIB as f64);
    }
}

#[test]
fn an_invalid_optional_identifier_is_left_out_with_a_note() {
    let dir = extract(2);
    let nhs = synthetic::nhs_number(1).unwrap();
    edit_line(dir.path(), "ssd_person.csv", 2, |l| {
        l.replace(&nhs, "12345")
    });
    edit_line(dir.path(), "ssd_address.csv", 2, |l| {
        l.replace("LS2 1AB", "NOT A CODE")
    });
    let groups = read_all(dir.path());
    assert!(rejections(&groups).is_empty());
    let g = child(&groups, 1);
    assert_eq!(g.records.len(), 10);
    let CanonicalRecord::Person(p) = &g.records[0].record else {
        panic!()
    };
    assert!(p.nhs_number.is_none());
    assert!(p.postcode.is_none());
    let notes: Vec<String> = g.records[0]
        .notes
        .iter()
        .map(|n| format!("{}: {}", n.location, n.reason))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("ssd_person.csv#line 2 pers_common_child_id: NHS number left out")
    );
    assert!(
        notes[1].starts_with("ssd_address.csv#line 2 addr_address_postcode: postcode left out")
    );
    assert!(notes.iter().all(|n| !n.contains("12345")), "{notes:?}");
}

#[test]
fn person_ids_sort_numerically_before_text() {
    use familygraph_adapter_liquidlogic::ssd::person_order;
    use std::cmp::Ordering::{Equal, Greater, Less};
    assert_eq!(person_order("9", "10"), Less);
    assert_eq!(person_order("010", "10"), Equal);
    assert_eq!(person_order("100", "A1"), Less);
    assert_eq!(person_order("B", "A"), Greater);
}
