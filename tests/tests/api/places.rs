//! Localities as a tree down to LSOAs, with their real IMD 2019 deciles; Family Hubs; teams.

use familygraph_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn the_places_tree_reaches_lsoas_with_their_deprivation() {
    let app = TestApp::start().await;
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            "{ localAuthorities { name localities { code areas { name kind team { code }
               lsoas { code deprivation { overall income employment education health crime housing livingEnvironment } } } } } }",
            json!({}),
        )
        .await;
    let authorities = reply.data()["localAuthorities"].as_array().unwrap().clone();
    assert_eq!(authorities.len(), 1);
    let localities = authorities[0]["localities"].as_array().unwrap();
    let codes: Vec<_> = localities
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"NORTH") && codes.contains(&"SOUTH"));
    let areas: Vec<_> = localities
        .iter()
        .flat_map(|l| l["areas"].as_array().unwrap().clone())
        .collect();
    assert_eq!(areas.len(), 8, "eight collaboratives");
    let mut teams: Vec<_> = areas
        .iter()
        .map(|a| a["team"]["code"].as_str().unwrap().to_owned())
        .collect();
    teams.sort();
    teams.dedup();
    assert_eq!(
        teams,
        vec!["N1", "N2", "S1", "S2"],
        "each locality team covers two collaboratives"
    );
    // E01018445 (Crewe): overall 2, income 2, employment 2, education 2, health 1, crime 3,
    // housing 3, living environment 5.
    let lsoa = areas
        .iter()
        .flat_map(|a| a["lsoas"].as_array().unwrap().clone())
        .find(|l| l["code"] == "E01018445")
        .expect("E01018445 is in the tree");
    assert_eq!(
        lsoa["deprivation"],
        json!({ "overall": 2, "income": 2, "employment": 2, "education": 2, "health": 1,
                "crime": 3, "housing": 3, "livingEnvironment": 5 })
    );
}

#[tokio::test]
async fn six_family_hubs_and_the_statutory_teams_are_there() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let reply = app
        .graphql(
            Some(&token),
            "{ familyHubs { name area { name } } }",
            json!({}),
        )
        .await;
    let hubs = reply.data()["familyHubs"].as_array().unwrap();
    assert_eq!(hubs.len(), 6);
    assert!(
        hubs.iter()
            .any(|h| h["name"].as_str().unwrap().contains("Monks Coppenhall"))
    );

    let reply = app
        .graphql(
            Some(&token),
            "{ team(code: \"MACPT\") { kind members { practitioner { role agency { kind } } } } }",
            json!({}),
        )
        .await;
    let team = &reply.data()["team"];
    assert_eq!(team["kind"], "MACPT");
    let roles: Vec<_> = team["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["practitioner"]["role"].as_str().unwrap().to_owned())
        .collect();
    for role in [
        "LEAD_CHILD_PROTECTION_PRACTITIONER",
        "POLICE_OFFICER",
        "HEALTH_PRACTITIONER",
        "EDUCATION_PRACTITIONER",
    ] {
        assert!(
            roles.iter().any(|r| r == role),
            "MACPT statutory core lacks {role}: {roles:?}"
        );
    }
}
