//! Measures over real HTTP: every figure equals a plain SQL count on the seeded data, a narrower
//! scope sees less, and the figures move when the front door records and triages a contact.

use chrono::{DateTime, Days, NaiveDate, Utc};
use familygraph_domain::Role;
use familygraph_store::entity::{cp_conference, practitioner, strategy_discussion};
use familygraph_tests::TestApp;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, QueryResult, Statement};
use serde_json::{Value, json};

const DEMAND: &str = "contacts awaitingTriage triageDecisions { decision count }
    openFamilyHelpEpisodes openPlans { kind count }";

fn locality_query() -> String {
    format!(
        "query($from: NaiveDate, $to: NaiveDate) {{ localityMeasures(from: $from, to: $to) {{
            locality {{ code }} {DEMAND}
            timeliness {{
                contactToDecisionMinutes {{ count median mean }}
                referralToAssessmentDays {{ count median mean }}
                strategyToConferenceDays {{ count median mean }} }}
            byDeprivationDecile {{ decile {DEMAND} }} }} }}"
    )
}

const HAND_OFFS: &str = "{ handOffs { total children
    perLocality { locality { code } handOffs children } perChild { handOffs children } } }";

const CASELOADS: &str = "query($team: String) { practitionerCaseloads(teamCode: $team) {
    practitioner { email } openInvolvements children } }";

const HAND_OFF: &str = "i.role = 'FAMILY_HELP_LEAD' AND i.ended_on IS NOT NULL
    AND i.change_reason IS NOT NULL AND i.change_reason <> 'Family Help episode closed'";

/// `FROM <table> t` joined to the locality and LSOA of the person's current address.
fn placed(table: &str) -> String {
    placed_as(table, "t")
}

/// `FROM <table> <alias>` joined to the locality and LSOA of the person's current address.
fn placed_as(table: &str, alias: &str) -> String {
    format!(
        "FROM {table} {alias}
         JOIN address a ON a.person_id = {alias}.person_id AND a.ended_on IS NULL
         JOIN lsoa ON lsoa.code = a.lsoa_code
         JOIN area ON area.id = lsoa.area_id
         JOIN locality loc ON loc.id = area.locality_id"
    )
}

/// The place condition: a locality, and optionally one decile (`Value::Null`: unknown).
fn at(locality: &str, decile: Option<&Value>) -> String {
    match decile {
        None => format!("loc.code = '{locality}'"),
        Some(Value::Null) => format!("loc.code = '{locality}' AND lsoa.imd_overall IS NULL"),
        Some(d) => format!("loc.code = '{locality}' AND lsoa.imd_overall = {d}"),
    }
}

async fn rows(app: &TestApp, sql: &str) -> Vec<QueryResult> {
    app.db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

fn count_in(list: &Value, key: &str, code: &str) -> i64 {
    int(&list
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry[key] == code)
        .unwrap_or_else(|| panic!("{code} missing from {list}"))["count"])
}

/// Checks a group's demand figures against SQL restricted by `place` (and the contact period).
async fn check_demand(app: &TestApp, figures: &Value, place: &str, contacts_in: &str) {
    let contacts = placed("contact");
    let sql = |extra: &str| {
        format!("SELECT COUNT(*) {contacts} WHERE {place} AND {contacts_in} AND {extra}")
    };
    assert_eq!(
        int(&figures["contacts"]),
        app.count(&sql("1 = 1")).await,
        "{place}"
    );
    assert_eq!(
        int(&figures["awaitingTriage"]),
        app.count(&sql("t.triage_decision IS NULL")).await,
        "{place}"
    );
    for decision in [
        "ADVICE_AND_SIGNPOSTING",
        "UNIVERSAL_SERVICES",
        "FAMILY_HELP",
        "STRATEGY_DISCUSSION",
        "NO_FURTHER_ACTION",
    ] {
        assert_eq!(
            count_in(&figures["triageDecisions"], "decision", decision),
            app.count(&sql(&format!("t.triage_decision = '{decision}'")))
                .await,
            "{place} {decision}"
        );
    }
    let episodes = placed("family_help_episode");
    assert_eq!(
        int(&figures["openFamilyHelpEpisodes"]),
        app.count(&format!(
            "SELECT COUNT(*) {episodes} WHERE {place} AND t.ended_on IS NULL"
        ))
        .await,
        "{place}"
    );
    let plans = placed("plan");
    for kind in [
        "FAMILY_HELP",
        "CHILD_IN_NEED",
        "CHILD_PROTECTION",
        "FAMILY_NETWORK",
    ] {
        assert_eq!(
            count_in(&figures["openPlans"], "kind", kind),
            app.count(&format!(
                "SELECT COUNT(*) {plans} WHERE {place} AND t.ended_on IS NULL AND t.kind = '{kind}'"
            ))
            .await,
            "{place} {kind}"
        );
    }
}

/// Median and mean of `values`, as the API rounds them.
fn summary(mut values: Vec<f64>) -> (i64, Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (0, None, None);
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    let mean = values.iter().sum::<f64>() / n as f64;
    (n as i64, Some(median), Some(mean))
}

fn assert_durations(measured: &Value, expected: (i64, Option<f64>, Option<f64>), what: &str) {
    assert_eq!(int(&measured["count"]), expected.0, "{what}: {measured}");
    for (key, want) in [("median", expected.1), ("mean", expected.2)] {
        match want {
            None => assert!(measured[key].is_null(), "{what} {key}: {measured}"),
            Some(want) => {
                let got = measured[key].as_f64().unwrap();
                assert!((got - want).abs() < 0.006, "{what} {key}: {got} vs {want}");
            }
        }
    }
}

fn days(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days() as f64
}

/// Checks a locality's timeliness against the (start, end) pairs SQL finds for it, with the
/// durations, median and mean worked out here.
async fn check_timeliness(app: &TestApp, timeliness: &Value, locality: &str) {
    let place = at(locality, None);
    let contacts = placed("contact");
    let minutes: Vec<f64> = rows(
        app,
        &format!(
            "SELECT t.received_at, t.decided_at {contacts}
             WHERE {place} AND t.decided_at IS NOT NULL"
        ),
    )
    .await
    .iter()
    .map(|row| {
        let received: DateTime<Utc> = row.try_get("", "received_at").unwrap();
        let decided: DateTime<Utc> = row.try_get("", "decided_at").unwrap();
        (decided - received).num_microseconds().unwrap() as f64 / 60e6
    })
    .collect();
    assert_durations(
        &timeliness["contactToDecisionMinutes"],
        summary(minutes),
        &format!("{locality} contact to decision"),
    );

    let referrals = placed("referral");
    let referral_days: Vec<f64> = rows(
        app,
        &format!(
            "SELECT t.referral_on AS started,
                    (SELECT MIN(s.authorised_on) FROM assessment s
                     WHERE s.person_id = t.person_id AND s.started_on >= t.referral_on
                       AND s.authorised_on IS NOT NULL) AS finished
             {referrals} WHERE {place}"
        ),
    )
    .await
    .iter()
    .filter_map(|row| {
        let started: NaiveDate = row.try_get("", "started").unwrap();
        let finished: Option<NaiveDate> = row.try_get("", "finished").unwrap();
        finished.map(|finished| days(started, finished))
    })
    .collect();
    assert_durations(
        &timeliness["referralToAssessmentDays"],
        summary(referral_days),
        &format!("{locality} referral to assessment"),
    );

    let strategies = placed("strategy_discussion");
    let strategy_days: Vec<f64> = rows(
        app,
        &format!(
            "SELECT t.held_on AS started,
                    (SELECT MIN(c.held_on) FROM cp_conference c
                     WHERE c.person_id = t.person_id AND c.held_on >= t.held_on) AS finished
             {strategies} WHERE {place}"
        ),
    )
    .await
    .iter()
    .filter_map(|row| {
        let started: NaiveDate = row.try_get("", "started").unwrap();
        let finished: Option<NaiveDate> = row.try_get("", "finished").unwrap();
        finished.map(|finished| days(started, finished))
    })
    .collect();
    assert_durations(
        &timeliness["strategyToConferenceDays"],
        summary(strategy_days),
        &format!("{locality} strategy to conference"),
    );
}

/// Strategy discussions are not in the demo data: two, held before two children's initial
/// conferences (6 and 11 days before), so the measure has something to time.
async fn add_strategy_discussions(app: &TestApp) {
    let conferences = cp_conference::Entity::find()
        .order_by_asc(cp_conference::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert!(conferences.len() >= 2);
    let chair = practitioner::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    for (conference, lead) in conferences.iter().take(2).zip([6, 11]) {
        strategy_discussion::Entity::insert(strategy_discussion::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            person_id: Set(conference.person_id),
            held_on: Set(conference.held_on - Days::new(lead)),
            chair_practitioner_id: Set(chair.id),
            decision: Set(Some("SECTION_47".to_owned())),
            created_at: Set(Utc::now()),
        })
        .exec(&app.db)
        .await
        .unwrap();
    }
}

fn locality_entry<'a>(groups: &'a Value, code: &str) -> &'a Value {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["locality"]["code"] == code)
        .unwrap_or_else(|| panic!("{code} missing from {groups}"))
}

fn total(groups: &Value, field: &str) -> i64 {
    groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| int(&g[field]))
        .sum()
}

#[tokio::test]
async fn locality_and_decile_measures_equal_sql_counts() {
    let app = TestApp::start().await;
    add_strategy_discussions(&app).await;
    // The checks below place a person by a plain join to their current address: one each.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM (SELECT person_id FROM address WHERE ended_on IS NULL
             GROUP BY person_id HAVING COUNT(*) > 1) multiple"
        )
        .await,
        0
    );
    let reply = app
        .graphql(Some(&app.admin_token()), &locality_query(), json!({}))
        .await;
    let groups = &reply.data()["localityMeasures"];
    let codes: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["locality"]["code"].as_str())
        .collect();
    assert_eq!(codes, ["NORTH", "SOUTH"]);
    for code in codes {
        let group = locality_entry(groups, code);
        check_demand(&app, group, &at(code, None), "1 = 1").await;
        let mut decile_contacts = 0;
        let mut previous = 0;
        for decile in group["byDeprivationDecile"].as_array().unwrap() {
            check_demand(&app, decile, &at(code, Some(&decile["decile"])), "1 = 1").await;
            decile_contacts += int(&decile["contacts"]);
            // Most deprived first, unknown last.
            let rank = decile["decile"].as_i64().unwrap_or(11);
            assert!(rank > previous, "{}", group["byDeprivationDecile"]);
            previous = rank;
        }
        assert_eq!(decile_contacts, int(&group["contacts"]));
        check_timeliness(&app, &group["timeliness"], code).await;
    }
    // Every contact, episode and plan is counted once, somewhere.
    assert_eq!(
        total(groups, "contacts"),
        app.count("SELECT COUNT(*) FROM contact").await
    );
    assert_eq!(
        total(groups, "openFamilyHelpEpisodes"),
        app.count("SELECT COUNT(*) FROM family_help_episode WHERE ended_on IS NULL")
            .await
    );
    let timed: i64 = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| int(&g["timeliness"]["strategyToConferenceDays"]["count"]))
        .sum();
    assert_eq!(timed, 2);
    let south = locality_entry(groups, "SOUTH");
    println!(
        "SOUTH: contacts {}, open episodes {}, timeliness {}",
        south["contacts"], south["openFamilyHelpEpisodes"], south["timeliness"]
    );

    // A period with no contacts in it: no contacts, but open work is as of now.
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            &locality_query(),
            json!({ "from": "2000-01-01", "to": "2000-12-31" }),
        )
        .await;
    let past = &reply.data()["localityMeasures"];
    assert_eq!(total(past, "contacts"), 0);
    assert_eq!(
        total(past, "openFamilyHelpEpisodes"),
        total(groups, "openFamilyHelpEpisodes")
    );
    // A period that ends before it starts is refused.
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            &locality_query(),
            json!({ "from": "2026-02-01", "to": "2026-01-01" }),
        )
        .await;
    assert_eq!(reply.error_codes(), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn hand_offs_and_caseloads_equal_sql_counts() {
    let app = TestApp::start().await;
    let admin = app.admin_token();
    let reply = app.graphql(Some(&admin), HAND_OFFS, json!({})).await;
    let hand_offs = &reply.data()["handOffs"];
    let expected_total = app
        .count(&format!(
            "SELECT COUNT(*) FROM involvement i WHERE {HAND_OFF}"
        ))
        .await;
    assert!(expected_total > 0);
    assert_eq!(int(&hand_offs["total"]), expected_total);
    assert_eq!(
        int(&hand_offs["children"]),
        app.count(&format!(
            "SELECT COUNT(DISTINCT i.person_id) FROM involvement i WHERE {HAND_OFF}"
        ))
        .await
    );
    for code in ["NORTH", "SOUTH"] {
        let entry = locality_entry(&hand_offs["perLocality"], code);
        let from = placed_as("involvement", "i");
        assert_eq!(
            int(&entry["handOffs"]),
            app.count(&format!(
                "SELECT COUNT(*) {from} WHERE loc.code = '{code}' AND {HAND_OFF}"
            ))
            .await,
            "{code}"
        );
        assert_eq!(
            int(&entry["children"]),
            app.count(&format!(
                "SELECT COUNT(DISTINCT i.person_id) {from} WHERE loc.code = '{code}' AND {HAND_OFF}"
            ))
            .await,
            "{code}"
        );
    }
    for bucket in hand_offs["perChild"].as_array().unwrap() {
        let n = int(&bucket["handOffs"]);
        assert_eq!(
            int(&bucket["children"]),
            app.count(&format!(
                "SELECT COUNT(*) FROM (SELECT i.person_id FROM involvement i WHERE {HAND_OFF}
                 GROUP BY i.person_id HAVING COUNT(*) = {n}) children"
            ))
            .await,
            "children with {n} hand-offs"
        );
    }
    println!("hand-offs: {hand_offs}");

    // Caseloads: every practitioner with open work, and their numbers.
    let reply = app
        .graphql(Some(&admin), CASELOADS, json!({ "team": null }))
        .await;
    let caseloads = reply.data()["practitionerCaseloads"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        caseloads.len() as i64,
        app.count("SELECT COUNT(DISTINCT practitioner_id) FROM involvement WHERE ended_on IS NULL")
            .await
    );
    assert_eq!(
        caseloads
            .iter()
            .map(|c| int(&c["openInvolvements"]))
            .sum::<i64>(),
        app.count("SELECT COUNT(*) FROM involvement WHERE ended_on IS NULL")
            .await
    );
    for pair in caseloads.windows(2) {
        assert!(int(&pair[0]["children"]) >= int(&pair[1]["children"]));
    }
    // One team: its current members, zero caseloads included.
    let reply = app
        .graphql(Some(&admin), CASELOADS, json!({ "team": "S1" }))
        .await;
    let team = reply.data()["practitionerCaseloads"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        team.len() as i64,
        app.count(
            "SELECT COUNT(*) FROM team_membership m JOIN team ON team.id = m.team_id
             WHERE team.code = 'S1' AND m.ended_on IS NULL"
        )
        .await
    );
    for caseload in &team {
        let email = caseload["practitioner"]["email"].as_str().unwrap();
        let from = format!(
            "FROM involvement i JOIN practitioner p ON p.id = i.practitioner_id
             WHERE p.email = '{email}' AND i.ended_on IS NULL"
        );
        assert_eq!(
            int(&caseload["openInvolvements"]),
            app.count(&format!("SELECT COUNT(*) {from}")).await,
            "{email}"
        );
        assert_eq!(
            int(&caseload["children"]),
            app.count(&format!("SELECT COUNT(DISTINCT i.person_id) {from}"))
                .await,
            "{email}"
        );
    }
    println!("S1 caseloads: {}", Value::Array(team));
    let reply = app
        .graphql(Some(&admin), CASELOADS, json!({ "team": "NO-SUCH-TEAM" }))
        .await;
    assert_eq!(reply.error_codes(), ["NOT_FOUND"]);
}

/// The people an S1 practitioner's scope reaches, written out plainly: children allocated in S1,
/// children new to the service whose contact was routed to S1, and their families' members.
const S1_PEOPLE: &str = "(
    SELECT k.person_id FROM (
        SELECT i.person_id FROM involvement i JOIN team ON team.id = i.team_id
        WHERE team.code = 'S1' AND i.ended_on IS NULL
        UNION
        SELECT c.person_id FROM contact c JOIN team ON team.id = c.routed_team_id
        WHERE team.code = 'S1'
          AND NOT EXISTS (SELECT 1 FROM involvement i WHERE i.person_id = c.person_id)) k
    UNION
    SELECT other.person_id FROM family_member mine
    JOIN family_member other ON other.family_id = mine.family_id
    WHERE mine.person_id IN (
        SELECT i.person_id FROM involvement i JOIN team ON team.id = i.team_id
        WHERE team.code = 'S1' AND i.ended_on IS NULL
        UNION
        SELECT c.person_id FROM contact c JOIN team ON team.id = c.routed_team_id
        WHERE team.code = 'S1'
          AND NOT EXISTS (SELECT 1 FROM involvement i WHERE i.person_id = c.person_id)))";

#[tokio::test]
async fn a_team_practitioner_sees_only_their_scope() {
    let app = TestApp::start().await;
    let admin = app.admin_token();
    let worker = app.token(Role::FamilyHelpPractitioner, Some("fw-s1-01"), Some("S1"));
    let everything = app
        .graphql(Some(&admin), &locality_query(), json!({}))
        .await;
    let team = app
        .graphql(Some(&worker), &locality_query(), json!({}))
        .await;
    let (everything, team) = (
        &everything.data()["localityMeasures"],
        &team.data()["localityMeasures"],
    );
    let team_contacts = total(team, "contacts");
    assert!(team_contacts > 0);
    assert!(team_contacts < total(everything, "contacts"));
    assert_eq!(
        team_contacts,
        app.count(&format!(
            "SELECT COUNT(*) FROM contact WHERE person_id IN {S1_PEOPLE}"
        ))
        .await
    );
    assert!(total(team, "openFamilyHelpEpisodes") < total(everything, "openFamilyHelpEpisodes"));
    assert_eq!(
        total(team, "openFamilyHelpEpisodes"),
        app.count(&format!(
            "SELECT COUNT(*) FROM family_help_episode
             WHERE ended_on IS NULL AND person_id IN {S1_PEOPLE}"
        ))
        .await
    );

    let everything = app.graphql(Some(&admin), HAND_OFFS, json!({})).await;
    let team = app.graphql(Some(&worker), HAND_OFFS, json!({})).await;
    let team_hand_offs = int(&team.data()["handOffs"]["total"]);
    assert!(team_hand_offs < int(&everything.data()["handOffs"]["total"]));
    assert_eq!(
        team_hand_offs,
        app.count(&format!(
            "SELECT COUNT(*) FROM involvement i WHERE {HAND_OFF} AND i.person_id IN {S1_PEOPLE}"
        ))
        .await
    );

    let everything = app
        .graphql(Some(&admin), CASELOADS, json!({ "team": null }))
        .await;
    let team = app
        .graphql(Some(&worker), CASELOADS, json!({ "team": null }))
        .await;
    let open = |reply: &familygraph_tests::Reply| -> i64 {
        reply.data()["practitionerCaseloads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| int(&c["openInvolvements"]))
            .sum()
    };
    assert!(open(&team) < open(&everything));
    assert_eq!(
        open(&team),
        app.count(&format!(
            "SELECT COUNT(*) FROM involvement WHERE ended_on IS NULL AND person_id IN {S1_PEOPLE}"
        ))
        .await
    );

    // A school sees only its roll; a caller with no scope sees nothing at all.
    let nobody = app.token(Role::SchoolDsl, Some("dsl-without-school"), None);
    let reply = app
        .graphql(Some(&nobody), &locality_query(), json!({}))
        .await;
    let groups = &reply.data()["localityMeasures"];
    assert_eq!(total(groups, "contacts"), 0);
    assert_eq!(total(groups, "openFamilyHelpEpisodes"), 0);
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

#[tokio::test]
async fn recording_and_triaging_a_contact_moves_the_figures() {
    let app = TestApp::start().await;
    let admin = app.admin_token();
    let front_door = app.token(Role::FrontDoorOfficer, Some("sw-ifd-01"), Some("IFD"));
    let lsoa = "E01018445";
    let decile = app
        .count(&format!(
            "SELECT CAST(imd_overall AS BIGINT) FROM lsoa WHERE code = '{lsoa}'"
        ))
        .await;
    let locality_of_lsoa = app
        .count(&format!(
            "SELECT COUNT(*) FROM lsoa JOIN area ON area.id = lsoa.area_id
             JOIN locality loc ON loc.id = area.locality_id
             WHERE lsoa.code = '{lsoa}' AND loc.code = 'SOUTH'"
        ))
        .await;
    assert_eq!(locality_of_lsoa, 1, "{lsoa} is in SOUTH");
    let today = today().to_string();
    let period = json!({ "from": today, "to": today });
    let figures = |reply: &familygraph_tests::Reply| -> (Value, Value) {
        let south = locality_entry(&reply.data()["localityMeasures"], "SOUTH").clone();
        let in_decile = south["byDeprivationDecile"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["decile"] == decile)
            .cloned()
            .unwrap_or(json!({ "contacts": 0, "awaitingTriage": 0 }));
        (south, in_decile)
    };
    let before_all = app
        .graphql(Some(&admin), &locality_query(), json!({}))
        .await;
    let before_today = app
        .graphql(Some(&admin), &locality_query(), period.clone())
        .await;
    let (south_before, decile_before) = figures(&before_all);
    let (today_before, _) = figures(&before_today);

    let reply = app
        .graphql(
            Some(&front_door),
            "mutation Record($input: RecordContactInput!) { recordContact(input: $input) {
                contact { id version } userErrors { field code message } } }",
            json!({ "input": {
                "source": "SCHOOLS", "recordedBy": "Designated safeguarding lead, a primary school",
                "presentingConcern": "Attendance has fallen and the child seems withdrawn.",
                "child": {
                    "givenName": "Robin", "familyName": "Measurecase", "dateOfBirth": "2018-05-04",
                    "sex": "FEMALE",
                    "identifiers": [{ "kind": "NHS_NUMBER", "value": "999 999 9999" }],
                    "address": { "line1": "1 Example Row", "town": "Crewe", "postcode": "CW1 0ZZ",
                                 "lsoaCode": lsoa } },
                "family": { "name": "The Measurecase family" } } }),
        )
        .await;
    let recorded = &reply.data()["recordContact"];
    assert_eq!(recorded["userErrors"], json!([]), "{recorded}");
    let contact = recorded["contact"].clone();

    let after_all = app
        .graphql(Some(&admin), &locality_query(), json!({}))
        .await;
    let after_today = app
        .graphql(Some(&admin), &locality_query(), period.clone())
        .await;
    let (south, in_decile) = figures(&after_all);
    let (south_today, _) = figures(&after_today);
    assert_eq!(int(&south["contacts"]), int(&south_before["contacts"]) + 1);
    assert_eq!(
        int(&south["awaitingTriage"]),
        int(&south_before["awaitingTriage"]) + 1
    );
    assert_eq!(
        int(&in_decile["contacts"]),
        int(&decile_before["contacts"]) + 1
    );
    assert_eq!(
        int(&south_today["contacts"]),
        int(&today_before["contacts"]) + 1
    );
    assert_eq!(
        int(&south_today["contacts"]),
        app.count(&format!(
            "SELECT COUNT(*) {} WHERE loc.code = 'SOUTH'
             AND t.received_at >= '{today}T00:00:00+00:00'",
            placed("contact")
        ))
        .await
    );
    check_demand(
        &app,
        &south_today,
        &at("SOUTH", None),
        &format!("t.received_at >= '{today}T00:00:00+00:00'"),
    )
    .await;

    let reply = app
        .graphql(
            Some(&front_door),
            "mutation Triage($input: TriageContactInput!) { triageContact(input: $input) {
                contact { triageDecision minutesToDecision } userErrors { field code message } } }",
            json!({ "input": { "contactId": contact["id"], "version": contact["version"],
                               "decision": "FAMILY_HELP", "reason": "Multiple needs; family consents." } }),
        )
        .await;
    let triaged = &reply.data()["triageContact"];
    assert_eq!(triaged["userErrors"], json!([]), "{triaged}");

    let after_all = app
        .graphql(Some(&admin), &locality_query(), json!({}))
        .await;
    let after_today = app.graphql(Some(&admin), &locality_query(), period).await;
    let (south, in_decile) = figures(&after_all);
    let (south_today, _) = figures(&after_today);
    assert_eq!(int(&south["contacts"]), int(&south_before["contacts"]) + 1);
    assert_eq!(
        int(&south["awaitingTriage"]),
        int(&south_before["awaitingTriage"])
    );
    assert_eq!(
        count_in(&south["triageDecisions"], "decision", "FAMILY_HELP"),
        count_in(&south_before["triageDecisions"], "decision", "FAMILY_HELP") + 1
    );
    assert_eq!(
        count_in(&in_decile["triageDecisions"], "decision", "FAMILY_HELP"),
        count_in(&decile_before["triageDecisions"], "decision", "FAMILY_HELP") + 1
    );
    let timed = |figures: &Value| int(&figures["timeliness"]["contactToDecisionMinutes"]["count"]);
    assert_eq!(timed(&south), timed(&south_before) + 1);
    assert_eq!(timed(&south_today), timed(&today_before) + 1);
    // Decided within moments of being received.
    if timed(&south_today) == 1 {
        let minutes = &south_today["timeliness"]["contactToDecisionMinutes"];
        assert!(minutes["median"].as_f64().unwrap() < 5.0, "{minutes}");
    }
    check_timeliness(&app, &south["timeliness"], "SOUTH").await;
}
