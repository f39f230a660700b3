//! HTTP: `/graphql` (POST JSON; GET for queries only; GET with `Upgrade: websocket` for
//! subscriptions over `graphql-transport-ws`), `/graphiql`, `/healthz`, `/readyz`, `/metrics`
//! (Prometheus text; see [`crate::telemetry`]).
//!
//! Every `/graphql` request is authenticated before its body is even parsed; the audit rows for
//! what it read are written before the response leaves, and if they cannot be written the
//! response carries no data.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use async_graphql::{BatchRequest, ServerError, Value};
use familygraph_domain::Role;
use familygraph_graphql::error::ErrorCode;
use familygraph_graphql::{
    EventFeed, FamilyGraphSchema, Introspection, LimitBreach, Limits, RequestContext, Subscriber,
    SubscriptionSources,
};
use familygraph_store::audit::AuditAppender;
use familygraph_store::break_glass;
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::auth::Authenticator;
use crate::lifecycle::Lifecycle;
use crate::parsed::{DEFAULT_PARSED_DOCUMENTS, ParsedDocuments};
use crate::persisted::{
    DEFAULT_PERSISTED_QUERY_CACHE_SIZE, ENV_PERSISTED_QUERY_CACHE_SIZE, ENV_TRUSTED_DOCUMENTS,
    PersistedDocuments, TrustedDocuments,
};
pub use crate::rate_limit::RateLimiter;
use crate::rate_limit::{ENV_RATE_LIMIT_STORE, Limiter, RateLimitStore};

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
    /// The access policy in force.
    pub policy: Arc<familygraph_domain::Policy>,
    /// PostgreSQL connections that plan generically, for the loaders' statements
    /// (`familygraph_store::db::connect_generic_plans`); `None`: every statement on `db`.
    pub generic_plans: Option<DatabaseConnection>,
}

/// Environment variable: origins allowed to call the API from a browser (comma-separated).
pub const ENV_CORS_ORIGINS: &str = "FAMILYGRAPH_CORS_ORIGINS";
/// Environment variable: requests each client may make per minute (0 turns the limit off).
pub const ENV_RATE_LIMIT_PER_MINUTE: &str = "FAMILYGRAPH_RATE_LIMIT_PER_MINUTE";
/// Default requests per client per minute.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 600;
/// Environment variable: GraphQL operations a server executes at once over HTTP.
pub const ENV_MAX_CONCURRENT_OPERATIONS: &str = "FAMILYGRAPH_MAX_CONCURRENT_OPERATIONS";
/// Default operations executed at once: enough to keep two cores busy while some wait on the
/// database; more only hold more requests' working memory at a time.
pub const DEFAULT_MAX_CONCURRENT_OPERATIONS: usize = 12;

/// The server's request limits beyond the schema's: document limits (checked before
/// execution), the CORS allow-list, the per-client rate limit, trusted and persisted documents,
/// and how many operations execute at once. The schema in [`AppState`]
/// should be built with the same [`Limits`] (`familygraph_graphql::build_schema_with`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hardening {
    /// Document limits and the introspection policy.
    pub limits: Limits,
    /// Origins (`https://host[:port]`) allowed to make cross-origin requests; none by default.
    pub cors_origins: Vec<String>,
    /// Requests per client per minute (token bucket, burst of the same size); 0 = no limit.
    pub rate_limit_per_minute: u32,
    /// Where the rate limit's buckets live. `Hardening::default()` keeps them in memory; read
    /// from the environment, the default is [`RateLimitStore::Auto`] (shared through
    /// PostgreSQL when the database is PostgreSQL).
    pub rate_limit_store: RateLimitStore,
    /// Clients held to trusted documents ([`ENV_TRUSTED_DOCUMENTS`]); none by default.
    pub trusted_documents: Option<Arc<TrustedDocuments>>,
    /// Documents the automatic-persisted-query cache holds (0: APQ off).
    pub persisted_query_cache_size: usize,
    /// GraphQL operations executed at once over HTTP (at least 1). Requests beyond it wait,
    /// first come first served, after authentication, the rate limit and the document checks.
    pub max_concurrent_operations: usize,
}

impl Default for Hardening {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cors_origins: Vec::new(),
            rate_limit_per_minute: DEFAULT_RATE_LIMIT_PER_MINUTE,
            rate_limit_store: RateLimitStore::Memory,
            trusted_documents: None,
            persisted_query_cache_size: DEFAULT_PERSISTED_QUERY_CACHE_SIZE,
            max_concurrent_operations: DEFAULT_MAX_CONCURRENT_OPERATIONS,
        }
    }
}

impl Hardening {
    /// From the environment and the configuration file ([`crate::settings::lookup`]): [`Limits::from_env`], [`ENV_CORS_ORIGINS`],
    /// [`ENV_RATE_LIMIT_PER_MINUTE`], [`ENV_RATE_LIMIT_STORE`], [`ENV_TRUSTED_DOCUMENTS`] (its
    /// manifests are loaded and validated here), [`ENV_PERSISTED_QUERY_CACHE_SIZE`] and
    /// [`ENV_MAX_CONCURRENT_OPERATIONS`].
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(crate::settings::lookup)
    }

    /// From `lookup` (an environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let limits = Limits::from_lookup(&lookup)?;
        let mut cors_origins = Vec::new();
        for origin in lookup(ENV_CORS_ORIGINS)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            let valid = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.ends_with('/')
                && !origin.contains('*')
                && HeaderValue::from_str(origin).is_ok()
                && origin.parse::<actix_web::http::Uri>().is_ok();
            if !valid {
                return Err(format!(
                    "{ENV_CORS_ORIGINS}: {origin:?} is not an origin like https://app.example.org"
                ));
            }
            cors_origins.push(origin.to_owned());
        }
        let rate_limit_per_minute = match lookup(ENV_RATE_LIMIT_PER_MINUTE) {
            None => DEFAULT_RATE_LIMIT_PER_MINUTE,
            Some(value) => value.trim().parse().map_err(|_| {
                format!("{ENV_RATE_LIMIT_PER_MINUTE} must be a whole number (got {value:?})")
            })?,
        };
        let rate_limit_store = RateLimitStore::parse(lookup(ENV_RATE_LIMIT_STORE).as_deref())?;
        let trusted_documents = match lookup(ENV_TRUSTED_DOCUMENTS) {
            Some(path) if !path.trim().is_empty() => Some(Arc::new(
                TrustedDocuments::load(std::path::Path::new(path.trim()))
                    .map_err(|error| error.to_string())?,
            )),
            _ => None,
        };
        let persisted_query_cache_size = match lookup(ENV_PERSISTED_QUERY_CACHE_SIZE) {
            None => DEFAULT_PERSISTED_QUERY_CACHE_SIZE,
            Some(value) => value.trim().parse().map_err(|_| {
                format!("{ENV_PERSISTED_QUERY_CACHE_SIZE} must be a whole number (got {value:?})")
            })?,
        };
        let max_concurrent_operations = match lookup(ENV_MAX_CONCURRENT_OPERATIONS) {
            None => DEFAULT_MAX_CONCURRENT_OPERATIONS,
            Some(value) => match value.trim().parse() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(format!(
                        "{ENV_MAX_CONCURRENT_OPERATIONS} must be a whole number of at least 1 (got {value:?})"
                    ));
                }
            },
        };
        Ok(Self {
            limits,
            cors_origins,
            rate_limit_per_minute,
            rate_limit_store,
            trusted_documents,
            persisted_query_cache_size,
            max_concurrent_operations,
        })
    }

    fn cors(&self) -> actix_cors::Cors {
        let mut cors = actix_cors::Cors::default()
            .allowed_methods(["GET", "POST"])
            .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::ACCEPT])
            .max_age(600);
        for origin in &self.cors_origins {
            cors = cors.allowed_origin(origin);
        }
        cors
    }
}

/// Per-request guards shared by every worker.
pub struct Guards {
    limits: Limits,
    rate_limiter: Limiter,
    persisted: PersistedDocuments,
    parsed: ParsedDocuments,
    /// Permits to execute an operation ([`Hardening::max_concurrent_operations`]); tokio's
    /// semaphore hands them out in the order they were asked for.
    operations: tokio::sync::Semaphore,
}

impl Guards {
    /// Guards for `hardening` over `db` (where a shared rate limit keeps its buckets). Fails
    /// when the rate-limit store needs PostgreSQL and `db` is not.
    pub fn new(hardening: &Hardening, db: &DatabaseConnection) -> Result<Self, String> {
        Ok(Self {
            limits: hardening.limits.clone(),
            rate_limiter: Limiter::new(
                hardening.rate_limit_store,
                hardening.rate_limit_per_minute,
                db,
            )?,
            persisted: PersistedDocuments::new(
                hardening.trusted_documents.clone(),
                hardening.persisted_query_cache_size,
            ),
            parsed: ParsedDocuments::new(DEFAULT_PARSED_DOCUMENTS),
            operations: tokio::sync::Semaphore::new(hardening.max_concurrent_operations.max(1)),
        })
    }
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .route("/graphql", web::post().to(graphql))
        .route("/graphql", web::get().to(graphql_get))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route(
            "/metrics",
            web::get().to(crate::telemetry::prometheus::handler),
        )
        .service(
            web::scope("/graphiql")
                .guard(actix_web::guard::fn_guard(graphiql_enabled))
                .configure(crate::graphiql::configure_scoped),
        );
}

/// GraphiQL is served unless introspection is off (the page holds no data; what it asks runs
/// under the token pasted into it, and its introspection follows the policy).
fn graphiql_enabled(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.app_data::<web::Data<Guards>>()
        .is_none_or(|guards| guards.limits.introspection != Introspection::Off)
}

/// Starts the HTTP server on `bind`; returns the running server and the address it bound.
pub fn start(state: AppState, bind: &str) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    start_with(state, bind, &Hardening::default())
}

/// [`start`] with explicit limits, CORS allow-list and rate limit.
pub fn start_with(
    state: AppState,
    bind: &str,
    hardening: &Hardening,
) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    start_serving(
        state,
        bind,
        hardening,
        Arc::new(Lifecycle::default()),
        crate::lifecycle::DEFAULT_SHUTDOWN_TIMEOUT,
    )
}

/// [`start_with`] under `lifecycle` (readiness, draining). Stopping the returned server
/// gracefully (`ServerHandle::stop(true)`) lets in-flight requests finish for up to
/// `shutdown_timeout`. The server does not watch for signals itself: `run::serve` does.
pub fn start_serving(
    state: AppState,
    bind: &str,
    hardening: &Hardening,
    lifecycle: Arc<Lifecycle>,
    shutdown_timeout: std::time::Duration,
) -> std::io::Result<(actix_web::dev::Server, SocketAddr)> {
    // One event feed per server: it polls only once someone subscribes, and its task stops when
    // the server (the last holder of this handle) stops.
    let sources = web::Data::new(SubscriptionSources {
        db: state.db.clone(),
        events: EventFeed::new(state.db.clone()),
        policy: state.policy.clone(),
    });
    lifecycle.register_feed(sources.events.clone());
    crate::telemetry::metrics::observe_subscriptions(sources.events.listeners());
    let guards = web::Data::new(Guards::new(hardening, &state.db).map_err(std::io::Error::other)?);
    if guards.rate_limiter.is_shared() {
        tracing::info!("rate limit shared through PostgreSQL (rate_limit_bucket)");
    }
    // One read-audit appender per server (group commit), flushed by `Lifecycle::flush_audit`.
    let appender = tokio::runtime::Handle::try_current()
        .is_ok()
        .then(|| web::Data::new(AuditAppender::start(state.db.clone())));
    if let Some(appender) = &appender {
        lifecycle.register_audit_appender(appender.get_ref().clone());
    }
    let lifecycle = web::Data::from(lifecycle);
    let state = web::Data::new(state);
    let hardening = hardening.clone();
    let server = actix_web::HttpServer::new(move || {
        let app = match &appender {
            Some(appender) => actix_web::App::new().app_data(appender.clone()),
            None => actix_web::App::new(),
        };
        app.app_data(state.clone())
            .app_data(sources.clone())
            .app_data(guards.clone())
            .app_data(lifecycle.clone())
            .wrap(hardening.cors())
            .wrap(actix_web::middleware::from_fn(
                crate::telemetry::middleware::trace_request,
            ))
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "no-referrer")),
            )
            .configure(configure)
    })
    .workers(2)
    .disable_signals()
    .shutdown_timeout(shutdown_timeout.as_secs())
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

/// Ready: not draining, the database answers, and (when the server checks them) every
/// migration is applied. Otherwise 503 with the reason as `status`.
async fn readyz(
    state: web::Data<AppState>,
    lifecycle: Option<web::Data<Lifecycle>>,
) -> HttpResponse {
    let default_lifecycle;
    let lifecycle = match &lifecycle {
        Some(lifecycle) => lifecycle.get_ref(),
        None => {
            default_lifecycle = Lifecycle::default();
            &default_lifecycle
        }
    };
    match lifecycle.readiness(&state.db).await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "status": "ready" })),
        Err(reason) => HttpResponse::ServiceUnavailable()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(json!({ "status": reason.status() })),
    }
}

fn error_body(code: &str, message: &str) -> serde_json::Value {
    crate::telemetry::metrics::record_error_code(code);
    json!({ "errors": [{ "message": message, "extensions": { "code": code } }] })
}

fn respond(status: StatusCode, media_type: &'static str, body: serde_json::Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(media_type)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body.to_string())
}

/// The status of a request refused before execution: 400 under
/// `application/graphql-response+json`, 200 under `application/json` (GraphQL over HTTP).
fn request_error_status(media_type: &str) -> StatusCode {
    if media_type == GRAPHQL_RESPONSE_JSON {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
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
    guards: Option<web::Data<Guards>>,
    sources: Option<web::Data<SubscriptionSources>>,
    lifecycle: Option<web::Data<Lifecycle>>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if !upgrade {
        return graphql(state, guards, req, web::Bytes::new()).await;
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
    subscriptions(state, sources, guards, lifecycle, req, payload)
}

/// A `graphql-transport-ws` connection. The client authenticates in `connection_init` with
/// the payload `{"Authorization": "Bearer <token>"}` (as GraphiQL sends its Headers pane; the
/// lowercase `authorization` is accepted too). Without a valid token the connection is closed
/// (the library closes with 1002 and the reason) and no operation runs.
fn subscriptions(
    state: web::Data<AppState>,
    sources: web::Data<SubscriptionSources>,
    guards: Option<web::Data<Guards>>,
    lifecycle: Option<web::Data<Lifecycle>>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let schema = state.schema.clone();
    let mut data = async_graphql::Data::default();
    data.insert(sources.get_ref().clone());
    if let Some(appender) = req.app_data::<web::Data<AuditAppender>>() {
        data.insert(appender.get_ref().clone());
    }
    let authenticate = move |init: serde_json::Value| async move {
        let authorization = ["Authorization", "authorization"]
            .iter()
            .find_map(|key| init.get(*key).and_then(|v| v.as_str()));
        match state.authenticator.authenticate(authorization).await {
            // A client held to trusted documents has no subscription among them.
            Ok(principal)
                if guards
                    .as_ref()
                    .is_some_and(|g| g.persisted.restricts(principal.client_id.as_deref())) =>
            {
                Err(async_graphql::Error::new(
                    "Forbidden: this client may run only its trusted documents",
                ))
            }
            Ok(principal) => {
                let mut data = async_graphql::Data::default();
                data.insert(Subscriber { principal });
                Ok(data)
            }
            Err(error) => Err(async_graphql::Error::new(format!("Forbidden: {error}"))),
        }
    };
    let draining = match &lifecycle {
        Some(lifecycle) => lifecycle.draining(),
        None => tokio::sync::watch::channel(false).1,
    };
    crate::subscription_socket::start(schema, data, authenticate, draining, &req, payload)
}

async fn graphql(
    state: web::Data<AppState>,
    guards: Option<web::Data<Guards>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
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
    let default_limits;
    let limits = match &guards {
        Some(guards) => {
            // One bucket per caller of each client: a partner app's users do not starve each
            // other, and a machine client (whose subject is its client id) gets one bucket.
            let key = format!(
                "{}\u{1f}{}",
                principal.client_id.as_deref().unwrap_or(""),
                principal.subject
            );
            if let Err(wait) = guards.rate_limiter.acquire(&key).await {
                let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
                return HttpResponse::TooManyRequests()
                    .insert_header((header::RETRY_AFTER, seconds.to_string()))
                    .insert_header((header::CONTENT_TYPE, media_type))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .body(
                        error_body(
                            ErrorCode::RateLimited.as_str(),
                            &format!("too many requests; try again in {seconds} s"),
                        )
                        .to_string(),
                    );
            }
            &guards.limits
        }
        None => {
            default_limits = Limits::default();
            &default_limits
        }
    };
    let mut request = match parse_request(&req, &body) {
        Ok(request) => request,
        Err((status, message)) => {
            return respond(
                status,
                media_type,
                error_body(ErrorCode::BadUserInput.as_str(), &message),
            );
        }
    };
    // Trusted documents and persisted queries: which document runs, before it is parsed.
    let mut registration = None;
    if let Some(guards) = &guards {
        let document_id = PersistedDocuments::document_id(&req, &body);
        match guards.persisted.resolve(
            principal.client_id.as_deref(),
            document_id.as_deref(),
            &mut request,
        ) {
            Ok(resolved) => registration = Some(resolved),
            Err(refusal) => {
                return respond(
                    request_error_status(media_type),
                    media_type,
                    error_body(refusal.code, &refusal.message),
                );
            }
        }
    }
    // The document is parsed once, after its tokens are counted (so that the parser never sees
    // an oversized document), and handed to the executor with what it told.
    let administrator = principal.has_role(Role::Administrator);
    let refuse = |breach: LimitBreach| {
        let code = match breach {
            LimitBreach::TooComplex(_) => ErrorCode::QueryTooComplex.as_str(),
            LimitBreach::IntrospectionForbidden => ErrorCode::Forbidden.as_str(),
        };
        respond(
            request_error_status(media_type),
            media_type,
            error_body(code, &breach.message()),
        )
    };
    if let Err(breach) = limits.check_tokens(&request.query) {
        return refuse(breach);
    }
    // A document that does not parse runs on, for the executor to report its syntax error.
    let document = match &guards {
        Some(guards) => guards.parsed.parse(&request.query),
        None => async_graphql::parser::parse_query(&request.query).ok(),
    };
    let mutation = document.as_ref().is_some_and(is_mutation);
    if req.method() == actix_web::http::Method::GET && mutation {
        return respond(
            StatusCode::METHOD_NOT_ALLOWED,
            media_type,
            error_body(
                ErrorCode::BadUserInput.as_str(),
                "mutations must be sent with POST",
            ),
        );
    }
    if let Some(document) = &document
        && let Err(breach) = limits.check_document(document, &request.variables, administrator)
    {
        return refuse(breach);
    }
    if let (Some(guards), Some(resolved)) = (&guards, registration) {
        guards.persisted.register(resolved, &request.query);
    }
    let operation_name = operation_name(&request, document.as_ref());
    if let Some(document) = document {
        request.set_parsed_query(document);
    }
    // Only so many operations execute at once; the others wait here, first come first served,
    // holding no more than their parsed document. The permit is held until the response is
    // written (execution, the audit append, serialization): a request's working memory lives
    // that long, and on two cores more operations at once add memory, not throughput.
    let _executing = match &guards {
        Some(guards) => guards.operations.acquire().await.ok(),
        None => None,
    };
    let context = Arc::new(
        RequestContext::new(state.db.clone(), principal, state.policy.clone())
            .with_operation(operation_name.clone())
            .read_only(!mutation),
    );
    if let Some(generic) = &state.generic_plans {
        context.loaders.plan_loads_on(generic.clone());
    }
    let mut response = state.schema.execute(request.data(context.clone())).await;
    let request_failed = matches!(response.data, Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    response.errors.iter_mut().for_each(assign_code);
    crate::telemetry::metrics::record_errors(&response.errors);

    // The request's reads, with its correlation id; those reached through a break-glass grant
    // are marked with purpose `break_glass`.
    let reads = context.reads();
    let appender = req.app_data::<web::Data<AuditAppender>>();
    if let Err(error) = break_glass::audit_reads(
        &state.db,
        appender.map(|appender| appender.get_ref()),
        &context.principal,
        &context.scope,
        operation_name.as_deref(),
        &reads,
        Some(context.correlation_id.clone()),
    )
    .await
    {
        let correlation_id = &context.correlation_id;
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
    // Serialized straight from the response, so that fields keep the order the document asked
    // for (a `serde_json::Value` would sort them).
    let body = if request_failed {
        // A request that failed before execution (parse, validation, variable coercion) has no
        // `data` entry at all (GraphQL over HTTP, "Request error").
        serde_json::to_string(&json!({ "errors": response.errors }))
    } else {
        serde_json::to_string(&response)
    };
    match body {
        Ok(body) => HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(media_type)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
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
    } else if is_argument_coercion_error(&error.message) {
        // An argument the schema's scalars refused as the field ran (an out-of-range `Int`, a
        // `NaiveDate` that is not a date): the caller's input, not a fault of ours.
        ErrorCode::BadUserInput.as_str()
    } else {
        let masked = familygraph_graphql::ApiError::internal(&error.message);
        error.message = masked.message();
        ErrorCode::Internal.as_str()
    };
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
}

/// Whether `message` is async-graphql's report of an argument value its input type refused
/// (`Failed to parse "Int": …`, `Expected input type "NaiveDate", found …`).
fn is_argument_coercion_error(message: &str) -> bool {
    message.starts_with("Failed to parse \"") || message.starts_with("Expected input type \"")
}

fn parse_request(
    req: &HttpRequest,
    body: &[u8],
) -> Result<async_graphql::Request, (StatusCode, String)> {
    let bad = |message: &str| (StatusCode::BAD_REQUEST, message.to_owned());
    if req.method() == actix_web::http::Method::GET {
        // (A mutation sent with GET is refused once the document is parsed.)
        return async_graphql::http::parse_query_string(req.query_string())
            .map_err(|_| bad("the query string is not a GraphQL request"));
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
fn operation_name(
    request: &async_graphql::Request,
    document: Option<&ExecutableDocument>,
) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    let mut names = document?.operations.iter().map(|(name, _)| name);
    match (names.next(), names.next()) {
        (Some(Some(name)), None) => Some(name.to_string()),
        _ => None,
    }
}

/// Whether any operation of the document writes (a mutation or a subscription).
fn is_mutation(document: &ExecutableDocument) -> bool {
    document
        .operations
        .iter()
        .any(|(_, op)| op.node.ty != OperationType::Query)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn hardening_defaults_allow_no_origin_and_a_generous_rate() {
        let hardening = Hardening::from_lookup(env(&[])).unwrap();
        assert_eq!(
            hardening,
            Hardening {
                rate_limit_store: RateLimitStore::Auto,
                ..Hardening::default()
            }
        );
        assert!(hardening.cors_origins.is_empty());
        assert_eq!(hardening.rate_limit_per_minute, 600);
    }

    #[test]
    fn hardening_reads_origins_and_rate_and_refuses_wildcards() {
        let hardening = Hardening::from_lookup(env(&[
            (
                ENV_CORS_ORIGINS,
                "https://a.example.org, http://localhost:3000",
            ),
            (ENV_RATE_LIMIT_PER_MINUTE, "60"),
            ("FAMILYGRAPH_MAX_ALIASES", "5"),
        ]))
        .unwrap();
        assert_eq!(
            hardening.cors_origins,
            vec!["https://a.example.org", "http://localhost:3000"]
        );
        assert_eq!(hardening.rate_limit_per_minute, 60);
        assert_eq!(hardening.limits.max_aliases, 5);
        for bad in [
            "*",
            "https://*.example.org",
            "a.example.org",
            "https://a.example/",
        ] {
            assert!(
                Hardening::from_lookup(env(&[(ENV_CORS_ORIGINS, bad)])).is_err(),
                "{bad}"
            );
        }
        assert!(Hardening::from_lookup(env(&[(ENV_RATE_LIMIT_PER_MINUTE, "lots")])).is_err());
    }

    #[test]
    fn hardening_reads_the_operations_bound_and_refuses_none() {
        assert_eq!(
            Hardening::from_lookup(env(&[]))
                .unwrap()
                .max_concurrent_operations,
            DEFAULT_MAX_CONCURRENT_OPERATIONS
        );
        let hardening =
            Hardening::from_lookup(env(&[(ENV_MAX_CONCURRENT_OPERATIONS, " 4 ")])).unwrap();
        assert_eq!(hardening.max_concurrent_operations, 4);
        for bad in ["0", "-1", "many"] {
            assert!(
                Hardening::from_lookup(env(&[(ENV_MAX_CONCURRENT_OPERATIONS, bad)])).is_err(),
                "{bad}"
            );
        }
    }
}
