//! The children name search: trigram indexes behind it on PostgreSQL, and a search term taken
//! literally on both backends — `%`, `_` and `\` match themselves, not as `LIKE` wildcards or
//! escapes — in either name, case-insensitively, or as a case-system id. All people are
//! synthetic.

use familygraph_store::ChildFilter;
use familygraph_store::entity::{person, person_identifier};
use familygraph_tests::{Backend, TestApp};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Statement, TransactionTrait,
};
use serde_json::json;

/// The trigram indexes of migration `m20261206_000006_person_name_trigram`.
const INDEXES: [(&str, &str); 2] = [
    ("idx_person_given_name_trgm", "lower(given_name)"),
    ("idx_person_family_name_trgm", "lower(family_name)"),
];

const SEARCH: &str = "query($search: String!) {
  children(filter: { search: $search }, first: 100) {
    totalCount
    edges { node { givenName familyName } }
  }
}";

/// The `given family` names the administrator finds for `search`, sorted, and the total count.
async fn found(app: &TestApp, search: &str) -> (Vec<String>, u64) {
    let reply = app
        .graphql(
            Some(&app.admin_token()),
            SEARCH,
            json!({ "search": search }),
        )
        .await;
    let children = &reply.data()["children"];
    let mut names: Vec<String> = children["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["node"]["givenName"].as_str().unwrap(),
                e["node"]["familyName"].as_str().unwrap()
            )
        })
        .collect();
    names.sort();
    (names, children["totalCount"].as_u64().unwrap())
}

#[tokio::test]
async fn postgres_has_the_trigram_indexes_after_migration() {
    let app = TestApp::start().await;
    if app.backend() != Backend::Postgres {
        return; // SQLite: the migration does nothing (no index serves `LIKE '%…%'`).
    }
    assert_eq!(
        app.count("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
            .await,
        1,
        "the migration creates pg_trgm"
    );
    for (name, expression) in INDEXES {
        let row = app
            .db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'person' AND indexname = $1",
                [name.into()],
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("index {name} exists"));
        let definition: String = row.try_get_by_index(0).unwrap();
        assert!(
            definition.contains("USING gin")
                && definition.contains(&format!("({expression} gin_trgm_ops)")),
            "{name}: {definition}"
        );
    }
}

#[tokio::test]
async fn postgres_answers_a_name_search_from_the_trigram_indexes() {
    let app = TestApp::start().await;
    if app.backend() != Backend::Postgres {
        return;
    }
    // The search condition exactly as the `children` query builds it; with sequential and
    // plain index scans disabled, only bitmap scans of indexes that match the condition's
    // expressions remain (otherwise the planner falls back to a disabled scan).
    let filter = ChildFilter {
        search: Some("Smi".to_owned()),
        ..ChildFilter::default()
    };
    let select = person::Entity::find()
        .filter(filter.condition())
        .build(DbBackend::Postgres);
    let explain = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("EXPLAIN {}", select.sql),
        select.values.map(|v| v.0).unwrap_or_default(),
    );
    let txn = app.db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        .await
        .unwrap();
    let plan: Vec<String> = txn
        .query_all_raw(explain)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    txn.rollback().await.unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("BitmapOr"), "{plan}");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    for (name, _) in INDEXES {
        assert!(plan.contains(name), "the search uses {name}:\n{plan}");
    }
}

#[tokio::test]
async fn a_search_term_is_taken_literally_in_either_name_or_as_a_case_system_id() {
    let app = TestApp::start().await;
    let children = person::Entity::find()
        .filter(person::Column::IsChild.eq(true))
        .order_by_asc(person::Column::Id)
        .limit(4)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(children.len(), 4);
    let names = [
        ("Per%cy", "Quillfeather"),
        ("Per_cy", "Quillfeather"),
        ("Perxcy", "Quillfeather"),
        ("Rowan", "Back\\slash"),
    ];
    for (child, (given, family)) in children.iter().zip(names) {
        person::Entity::update_many()
            .col_expr(person::Column::GivenName, Expr::value(given))
            .col_expr(person::Column::FamilyName, Expr::value(family))
            .filter(person::Column::Id.eq(child.id))
            .exec(&app.db)
            .await
            .unwrap();
    }
    let quill = |given: &str| format!("{given} Quillfeather");

    // Unescaped, `%` and `_` would match all three Quillfeathers, `\s` an `s`.
    assert_eq!(found(&app, "r%c").await, (vec![quill("Per%cy")], 1));
    assert_eq!(found(&app, "R_C").await, (vec![quill("Per_cy")], 1));
    assert_eq!(found(&app, "%").await, (vec![quill("Per%cy")], 1));
    assert_eq!(
        found(&app, "k\\s").await,
        (vec!["Rowan Back\\slash".to_owned()], 1)
    );
    // Either name, any case, anywhere in it.
    assert_eq!(
        found(&app, "QUILLFEATHER").await,
        (vec![quill("Per%cy"), quill("Per_cy"), quill("Perxcy")], 3)
    );
    assert_eq!(found(&app, "xc").await, (vec![quill("Perxcy")], 1));

    // A case-system id finds its child, whatever the child is called.
    let case_id = person_identifier::Entity::find()
        .filter(person_identifier::Column::PersonId.eq(children[2].id))
        .filter(person_identifier::Column::Kind.eq("CASE_SYSTEM_ID"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a seeded child has a case-system id")
        .value;
    assert_eq!(found(&app, &case_id).await, (vec![quill("Perxcy")], 1));
}
