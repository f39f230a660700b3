//! familygraph's API, end to end over HTTP, on the backend `FAMILYGRAPH_TEST_BACKEND` names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api {
    mod adapter_runs;
    mod audit;
    mod audit_group_commit;
    mod auth;
    mod batching;
    mod break_glass;
    mod caseload_scope;
    mod child_protection;
    mod cin_census;
    mod education_records;
    mod errors;
    mod family_network;
    mod hostile;
    mod information_share;
    mod intake;
    mod intake_notes;
    mod intake_records;
    mod intake_run;
    mod journey;
    mod mapping_import;
    mod measures;
    mod name_search;
    mod nhs_fixtures;
    mod pagination;
    mod partner;
    mod persisted_documents;
    mod places;
    mod policy_matrix;
    mod readme;
    mod response_shape;
    mod scope;
    mod services;
    mod story;
    mod subscriptions;
    mod telemetry;
    mod webhooks;
    mod workflow;
    mod workload_statements;
}
