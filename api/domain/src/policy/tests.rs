use super::*;
use crate::SchoolUrn;

fn principal(
    roles: &[Role],
    team: Option<&str>,
    urn: Option<&str>,
    agency: Option<&str>,
) -> Principal {
    Principal {
        subject: "synthetic-subject-1".to_owned(),
        client_id: Some("test-client".to_owned()),
        roles: roles.to_vec(),
        team: team.map(str::to_owned),
        school_urn: urn.map(|u| SchoolUrn::parse("urn", u).unwrap()),
        agency: agency.map(str::to_owned),
    }
}

fn builtin() -> Policy {
    Policy::builtin().unwrap()
}

#[test]
fn the_builtin_policy_parses_and_lists_every_role() {
    let policy = builtin();
    for role in Role::ALL {
        // Every role is listed; only roles that reach children need identity.
        let grant = policy.role(*role);
        assert!(
            grant.relations.is_empty() || grant.classes.contains(&FieldClass::Identity),
            "{role}"
        );
    }
    assert_eq!(policy.front_door_recent_days(), 7);
    assert_eq!(policy.break_glass_default_minutes(), 60);
    assert_eq!(policy.break_glass_max_minutes(), 240);
}

#[test]
fn the_checked_in_matrix_is_the_policys_matrix() {
    let rendered = render_matrix(&builtin());
    let checked_in = include_str!("../../../../docs/policy-matrix.md");
    assert!(
        rendered == checked_in,
        "docs/policy-matrix.md is out of date with policy/familygraph-policy.toml; \
         regenerate it with `cargo run -q -p familygraph -- policy matrix > docs/policy-matrix.md` \
         and review the change"
    );
}

#[test]
fn a_school_reaches_its_roll_and_sees_the_partner_view_only() {
    let policy = builtin();
    let scope = policy.scope_for(&principal(
        &[Role::SchoolDsl],
        Some("S1"),
        Some("123456"),
        None,
    ));
    assert!(!scope.is_everything());
    assert_eq!(scope.reaching(), &[Reaching::OnRoll("123456".to_owned())]);
    assert!(scope.sees(FieldClass::Identity));
    assert!(scope.sees(FieldClass::PartnerView));
    assert!(!scope.sees(FieldClass::CaseDetail));
    assert!(!scope.sees(FieldClass::SensitiveDetail));
    assert!(scope.hides("Plan"));
    assert!(scope.hides("Family"));
    assert!(scope.hides("Person.plans"));
    assert!(!scope.hides("Person"));
    assert!(!scope.hides("Person.partnerView"));
    assert_eq!(scope.own_agency(), &["123456".to_owned()]);
    // Without a URN a school reaches no child.
    let none = policy.scope_for(&principal(&[Role::SchoolMisIntegration], None, None, None));
    assert!(none.is_nothing());
}

#[test]
fn practitioners_reach_allocations_team_and_break_glass() {
    let policy = builtin();
    let scope = policy.scope_for(&principal(&[Role::SocialWorker], Some("S1"), None, None));
    assert_eq!(
        scope.reaching(),
        &[
            Reaching::Allocated {
                subject: "synthetic-subject-1".to_owned()
            },
            Reaching::Teams(vec!["S1".to_owned()]),
            Reaching::BreakGlass {
                subject: "synthetic-subject-1".to_owned()
            },
        ]
    );
    assert!(scope.sees(FieldClass::SensitiveDetail));
    assert!(!scope.sees(FieldClass::AuditTrail));
    assert!(scope.hides("AuditEvent"));
    assert!(scope.hides("Person.accessLog"));
    // Without a team, the team relation reaches nobody; allocations still count.
    let no_team = policy.scope_for(&principal(&[Role::SocialWorker], None, None, None));
    assert_eq!(no_team.reaching().len(), 2);
}

#[test]
fn roles_combine_as_a_union() {
    let policy = builtin();
    let scope = policy.scope_for(&principal(
        &[Role::SchoolDsl, Role::VcsPartner],
        None,
        Some("123456"),
        Some("Z99901"),
    ));
    assert_eq!(
        scope.reaching(),
        &[
            Reaching::OnRoll("123456".to_owned()),
            Reaching::WorkingWith("Z99901".to_owned()),
        ]
    );
    assert!(scope.sees(FieldClass::CaseSummary)); // from vcs_partner
    let admin = policy.scope_for(&principal(
        &[Role::Administrator, Role::SchoolDsl],
        None,
        None,
        None,
    ));
    assert!(admin.is_everything());
    assert!(admin.reaching().is_empty());
    let nobody = policy.scope_for(&principal(&[], Some("S1"), Some("123456"), None));
    assert!(nobody.is_nothing());
    assert!(nobody.classes().is_empty());
}

#[test]
fn operations_follow_the_policy() {
    let policy = builtin();
    let school = principal(&[Role::SchoolDsl], None, Some("123456"), None);
    assert!(policy.may(&school, Operation::PartnerRecording));
    assert!(!policy.may(&school, Operation::TriageContact));
    assert!(!policy.may(&school, Operation::BreakGlass));
    let manager = principal(&[Role::TeamManager], Some("S1"), None, None);
    assert!(policy.may(&manager, Operation::ReviewBreakGlass));
    assert!(
        policy
            .roles_for(Operation::TriageContact)
            .contains(&Role::FrontDoorOfficer)
    );
    assert!(
        !policy
            .roles_for(Operation::TriageContact)
            .contains(&Role::SchoolDsl)
    );
}

#[test]
fn field_classes_come_from_the_type_section() {
    let policy = builtin();
    assert_eq!(
        policy.field_class("Person", "givenName"),
        Some(FieldClass::Identity)
    );
    assert_eq!(
        policy.field_class("Person", "contacts"),
        Some(FieldClass::CaseDetail)
    );
    assert_eq!(
        policy.field_class("Assessment", "factors"),
        Some(FieldClass::SensitiveDetail)
    );
    assert_eq!(policy.field_class("Team", "name"), None);
}

const MINIMAL_HEAD: &str = "version = 1\n[front_door]\nrecent_days = 7\n[break_glass]\ndefault_minutes = 60\nmax_minutes = 240\n[types]\n";

fn roles_except(skip: Option<Role>, extra: &str) -> String {
    let mut text = MINIMAL_HEAD.to_owned();
    for role in Role::ALL {
        if Some(*role) == skip {
            continue;
        }
        text.push_str(&format!(
            "[roles.{role}]\ndescription = \"x\"\nrelations = []\nclasses = []\noperations = []\n"
        ));
    }
    text.push_str(extra);
    text
}

#[test]
fn a_policy_it_does_not_understand_is_refused() {
    assert!(Policy::parse(&roles_except(None, "")).is_ok());
    let missing = Policy::parse(&roles_except(Some(Role::Auditor), "")).unwrap_err();
    assert!(
        missing.to_string().contains("roles.auditor is missing"),
        "{missing}"
    );
    let unknown_role = Policy::parse(&roles_except(
        None,
        "[roles.superuser]\ndescription = \"x\"\nrelations = []\nclasses = []\noperations = []\n",
    ))
    .unwrap_err();
    assert!(
        unknown_role.to_string().contains("superuser"),
        "{unknown_role}"
    );
    let unknown_key =
        Policy::parse(&format!("{}\nsurprise = 1\n", roles_except(None, ""))).unwrap_err();
    assert!(
        matches!(unknown_key, PolicyError::Syntax(_)),
        "{unknown_key}"
    );
    let text = builtin_with("relations = [\"on_roll\"]", "relations = [\"on_rol\"]");
    let err = Policy::parse(&text).unwrap_err();
    assert!(
        err.to_string().contains("\"on_rol\" is not a relation"),
        "{err}"
    );
    let text = builtin_with(
        "classes = [\"identity\", \"partner_view\", \"partner_records_own\"]",
        "classes = [\"partner_view\"]",
    );
    let err = Policy::parse(&text).unwrap_err();
    assert!(err.to_string().contains("must see their identity"), "{err}");
    let text = builtin_with("version = 1", "version = 2");
    assert!(Policy::parse(&text).is_err());
    let text = builtin_with(
        "partner_view = [\"partnerView\"]",
        "partner_view = [\"partnerView\", \"givenName\"]",
    );
    let err = Policy::parse(&text).unwrap_err();
    assert!(err.to_string().contains("classed twice"), "{err}");
}

fn builtin_with(from: &str, to: &str) -> String {
    assert!(BUILTIN_POLICY.contains(from), "{from}");
    BUILTIN_POLICY.replacen(from, to, 1)
}

#[test]
fn a_council_can_change_what_a_role_reaches() {
    let text = builtin_with(
        "relations = [\"locality\"]",
        "relations = [\"locality\", \"front_door_queue\"]",
    );
    let policy = Policy::parse(&text).unwrap();
    let scope = policy.scope_for(&principal(&[Role::LocalityManager], Some("S1"), None, None));
    assert!(
        scope
            .reaching()
            .contains(&Reaching::FrontDoorQueue { recent_days: 7 })
    );
    assert_ne!(render_matrix(&policy), render_matrix(&builtin()));
}
