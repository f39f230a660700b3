//! HTTP: `/graphql` (POST JSON; GET for queries only; GET with `Upgrade: websocket` for
//! subscriptions over `graphql-transport-ws`), `/graphiql`, `/healthz`, `/readyz`.
//!
//! Every `/graphql` request is authenticated before its body is even parsed; the audit rows for
//! what it read are written before the response leaves, and if they cannot be written the
//! response carries no data.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, ServerError, Value};
use familygraph_graphql::error::ErrorCode;
use familygraph_graphql::{
    EventFeed, FamilyGraphSchema, RequestContext, Subscriber, SubscriptionSources,
};
use familygraph_store::{AuditAction, audit};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::auth::Authenticator;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Media type of GraphQL responses (GraphQL over HTTP).
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
/// Extra code for requests that fail to parse or validate (before any resolver runs).
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// What every handler shares.
pub struct AppState {
    /// The schema.
    pub schema: FamilyGraphSchema,
    /// The database.
    pub db: DatabaseConnection,
    /// Token verification.
    pub authenticator: Authenticator,
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql_get))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .configure(crate::graphiql::configure);
}

/// Starts the HTTP server on `bind`; returns the running server and the address it bound.
pub fn start(state: AppState, bind: &str) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    // One event feed per server: it polls only once someone subscribes, and its task stops when
    // the server (the last holder of this handle) stops.
    let sources = web::Data::new(SubscriptionSources {
        db: state.db.clone(),
        events: EventFeed::new(state.db.clone()),
    });
    let state = web::Data::new(state);
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(sources.clone())
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "no-referrer")),
            )
            .configure(configure)
    })
    .workers(2)
    .bind(bind)?;
    let address = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("the server bound no address"))?;
    Ok((server.run(), address))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if familygraph_store::db::ping(&state.db).await {
        HttpResponse::Ok().json(json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({ "status": "database unavailable" }))
    }
}

fn error_body(code: &str, message: &str) -> serde_json::Value {
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

fn respond(status: StatusCode, media_type: &'static str, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(media_type)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body.to_string())
}

fn response_media_type(req: &HttpRequest) -> &'static str {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.is_empty() || accept.contains(GRAPHQL_RESPONSE_JSON) || accept.contains("*/*") {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    }
}

/// `GET /graphql`: a WebSocket upgrade is a subscription connection; anything else is a query.
async fn graphql_get(
    state: web::Data<AppState>,
    sources: Option<web::Data<SubscriptionSources>>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return graphql(state, req, web::Bytes::new()).await;
    }
    let Some(sources) = sources else {
        return respond(
            StatusCode::SERVICE_UNAVAILABLE,
            GRAPHQL_RESPONSE_JSON,
            error_body(
                ErrorCode::Internal.as_str(),
                "subscriptions are not available",
            ),
        );
    };
    subscriptions(state, sources, req, payload)
}

/// A `graphql-transport-ws` connection. The client authenticates in `connection_init` with
/// the payload `{"Authorization": "Bearer <token>"}` (as GraphiQL sends its Headers pane; the
/// lowercase `authorization` is accepted too). Without a valid token the connection is closed
/// (the library closes with 1002 and the reason) and no operation runs.
fn subscriptions(
    state: web::Data<AppState>,
    sources: web::Data<SubscriptionSources>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let schema = state.schema.clone();
    let mut data = async_graphql::Data::default();
    data.insert(sources.get_ref().clone());
    let authenticate = move |init: serde_json::Value| async move {
        let authorization = ["Authorization", "authorization"]
            .iter()
            .find_map(|key| init.get(*key).and_then(|v| v.as_str()));
        match state.authenticator.authenticate(authorization).await {
            Ok(principal) => {
                let mut data = async_graphql::Data::default();
                data.insert(Subscriber { principal });
                Ok(data)
            }
            Err(error) => Err(async_graphql::Error::new(format!("Forbidden: {error}"))),
        }
    };
    async_graphql_actix_web::GraphQLSubscription::new(schema)
        .with_data(data)
        .on_connection_init(authenticate)
        .start(&req, payload)
        .unwrap_or_else(|error| error.error_response())
}

async fn graphql(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let media_type = response_media_type(&req);
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match state.authenticator.authenticate(authorization).await {
        Ok(principal) => principal,
        Err(error) => {
            return HttpResponse::Unauthorized()
                .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
                .insert_header((header::CONTENT_TYPE, media_type))
                .body(
                    error_body(ErrorCode::Unauthenticated.as_str(), &error.to_string()).to_string(),
                );
        }
    };
    let request = match parse_request(&req, &body) {
        Ok(request) => request,
        Err((status, message)) => {
            return respond(
                status,
                media_type,
                error_body(ErrorCode::BadUserInput.as_str(), &message),
            );
        }
    };
    let operation_name = operation_name(&request);
    let context = Arc::new(
        RequestContext::new(state.db.clone(), principal).with_operation(operation_name.clone()),
    );
    let mut response = state.schema.execute(request.data(context.clone())).await;
    let request_failed = matches!(response.data, Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    response.errors.iter_mut().for_each(assign_code);

    let reads = context.reads();
    if let Err(error) = audit::append(
        &state.db,
        &context.principal,
        operation_name.as_deref(),
        AuditAction::Read,
        &reads,
    )
    .await
    {
        let correlation_id = uuid::Uuid::now_v7();
        tracing::error!(%correlation_id, %error, "audit write failed; response withheld");
        return respond(
            StatusCode::INTERNAL_SERVER_ERROR,
            media_type,
            error_body(
                ErrorCode::Internal.as_str(),
                &format!("internal error (correlation id {correlation_id})"),
            ),
        );
    }

    let status = if request_failed && media_type == GRAPHQL_RESPONSE_JSON {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    match serde_json::to_value(&response) {
        Ok(body) => respond(status, media_type, body),
        Err(error) => {
            let masked = familygraph_graphql::ApiError::internal(&error);
            respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                media_type,
                error_body(ErrorCode::Internal.as_str(), &masked.message()),
            )
        }
    }
}

/// Gives every error a code: errors raised before execution (parse, validation, limits) are
/// the query's fault; a resolver error without a code is unexpected and is masked.
fn assign_code(error: &mut ServerError) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some());
    if has_code {
        return;
    }
    let code = if error.path.is_empty() {
        if error.message.contains("too complex") || error.message.contains("nested too deep") {
            ErrorCode::QueryTooComplex.as_str()
        } else {
            GRAPHQL_VALIDATION_FAILED
        }
    } else {
        let masked = familygraph_graphql::ApiError::internal(&error.message);
        error.message = masked.message();
        ErrorCode::Internal.as_str()
    };
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
}

fn parse_request(
    req: &HttpRequest,
    body: &[u8],
) -> Result<async_graphql::Request, (StatusCode, String)> {
    let bad = |message: &str| (StatusCode::BAD_REQUEST, message.to_owned());
    if req.method() == actix_web::http::Method::GET {
        let request = async_graphql::http::parse_query_string(req.query_string())
            .map_err(|_| bad("the query string is not a GraphQL request"))?;
        if is_mutation(&request) {
            return Err((
                StatusCode::METHOD_NOT_ALLOWED,
                "mutations must be sent with POST".to_owned(),
            ));
        }
        return Ok(request);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/json") {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/json".to_owned(),
        ));
    }
    match serde_json::from_slice::<BatchRequest>(body) {
        Ok(BatchRequest::Single(request)) => Ok(request),
        Ok(BatchRequest::Batch(_)) => Err(bad("batched requests are not supported")),
        Err(_) => Err(bad("the body is not a GraphQL request")),
    }
}

/// The operation's name for the audit trail: the one the client selected, or the name of the
/// document's only operation.
fn operation_name(request: &async_graphql::Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let mut names = document.operations.iter().map(|(name, _)| name);
    match (names.next(), names.next()) {
        (Some(Some(name)), None) => Some(name.to_string()),
        _ => None,
    }
}

fn is_mutation(request: &async_graphql::Request) -> bool {
    match async_graphql::parser::parse_query(&request.query) {
        Ok(document) => document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query),
        Err(_) => false,
    }
}
