//! The README's example queries work against the demo data, as written.

use familygraph_tests::TestApp;
use serde_json::{Value, json};

fn readme_queries() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let mut queries = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```graphql") => current = Some(String::new()),
            (Some(_), "```") => queries.extend(current.take()),
            (Some(query), _) => {
                query.push_str(line);
                query.push('\n');
            }
            (None, _) => {}
        }
    }
    queries
}

fn has_content(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => items.iter().any(has_content),
        Value::Object(fields) => fields.values().any(has_content),
        _ => true,
    }
}

#[tokio::test]
async fn every_readme_query_runs_without_errors_and_finds_data() {
    let app = TestApp::start().await;
    let token = app.admin_token();
    let queries = readme_queries();
    assert!(queries.len() >= 4, "the README shows example queries");
    for query in queries {
        let reply = app.graphql(Some(&token), &query, json!({})).await;
        let data = reply.data();
        for (field, value) in data.as_object().unwrap() {
            assert!(
                has_content(value),
                "README query field {field} found nothing:\n{query}"
            );
        }
    }
}
