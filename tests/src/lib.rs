//! Test harness for familygraph: a real server on a real port, over a fresh database per test
//! (SQLite file or PostgreSQL database), with real signed tokens.
//!
//! The backend is chosen by `FAMILYGRAPH_TEST_BACKEND` (`sqlite`, the default, or `postgres`);
//! PostgreSQL is reached at `FAMILYGRAPH_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432`). Each test gets its own copy of a database that was
//! migrated and seeded once per test process (PostgreSQL: `CREATE DATABASE … TEMPLATE`; SQLite:
//! a file copy), so tests are isolated and cheap.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod otlp;
pub mod server_process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use familygraph::auth::Authenticator;
use familygraph::dev_issuer::{
    AUDIENCE, AccessClaims, DEV_ISSUER, DevIssuer, KEY_FILE, TokenRequest,
};
use familygraph::http::{self, AppState};
use familygraph_domain::{Role, SchoolUrn};
use familygraph_store::seed::{self, SeedOptions};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

/// Children in the shared seeded template.
pub const TEMPLATE_CHILDREN: usize = 300;
/// Seed of the shared template.
pub const TEMPLATE_SEED: u64 = 2026;

/// Which database the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite files.
    Sqlite,
    /// PostgreSQL databases.
    Postgres,
}

impl Backend {
    /// The backend chosen by the environment.
    pub fn from_env() -> Self {
        match std::env::var("FAMILYGRAPH_TEST_BACKEND").as_deref() {
            Ok("postgres") | Ok("postgresql") => Self::Postgres,
            _ => Self::Sqlite,
        }
    }
}

/// The PostgreSQL server URL (no database).
pub fn postgres_server() -> String {
    std::env::var("FAMILYGRAPH_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

struct Template {
    /// SQLite: the seeded file; PostgreSQL: the template database's name.
    location: String,
    _dir: Option<tempfile::TempDir>,
}

static TEMPLATE: OnceCell<Template> = OnceCell::const_new();

async fn template(backend: Backend) -> &'static Template {
    TEMPLATE
        .get_or_init(|| async move {
            match backend {
                Backend::Sqlite => {
                    let dir = tempfile::tempdir().unwrap();
                    let path = dir.path().join("template.sqlite");
                    let db = familygraph_store::db::connect(&format!(
                        "sqlite://{}?mode=rwc",
                        path.display()
                    ))
                    .await
                    .unwrap();
                    prepare(&db).await;
                    db.close().await.unwrap();
                    Template {
                        location: path.display().to_string(),
                        _dir: Some(dir),
                    }
                }
                Backend::Postgres => {
                    let name = format!("fg_tpl_{}", uuid::Uuid::new_v4().simple());
                    let admin = admin().await;
                    admin
                        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                        .await
                        .unwrap();
                    let db =
                        familygraph_store::db::connect(&format!("{}/{name}", postgres_server()))
                            .await
                            .unwrap();
                    prepare(&db).await;
                    db.close().await.unwrap();
                    Template {
                        location: name,
                        _dir: None,
                    }
                }
            }
        })
        .await
}

async fn prepare(db: &DatabaseConnection) {
    familygraph_store::db::migrate(db).await.unwrap();
    seed::seed(
        db,
        &SeedOptions {
            children: TEMPLATE_CHILDREN,
            seed: TEMPLATE_SEED,
        },
    )
    .await
    .unwrap()
    .expect("template database was empty");
}

async fn admin() -> DatabaseConnection {
    sea_orm::Database::connect(format!("{}/postgres", postgres_server()))
        .await
        .expect("PostgreSQL is reachable at FAMILYGRAPH_TEST_POSTGRES")
}

/// A fresh database holding a copy of the seeded template.
pub struct TestDatabase {
    /// Connection URL.
    pub url: String,
    backend: Backend,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A new database, migrated and empty (no seed).
    pub async fn empty() -> Self {
        let backend = Backend::from_env();
        let database = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path: PathBuf = dir.path().join("empty.sqlite");
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend,
                    name: String::new(),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("fg_t_{}", uuid::Uuid::new_v4().simple());
                admin()
                    .await
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                Self {
                    url: format!("{}/{name}", postgres_server()),
                    backend,
                    name,
                    _dir: None,
                }
            }
        };
        let db = database.connect().await;
        familygraph_store::db::migrate(&db).await.unwrap();
        db.close().await.unwrap();
        database
    }

    /// A new connection to this database.
    pub async fn connect(&self) -> DatabaseConnection {
        familygraph_store::db::connect(&self.url).await.unwrap()
    }

    /// Copies the seeded template into a new database.
    pub async fn seeded() -> Self {
        let backend = Backend::from_env();
        let template = template(backend).await;
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path: PathBuf = dir.path().join("test.sqlite");
                std::fs::copy(&template.location, &path).unwrap();
                Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    backend,
                    name: String::new(),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("fg_t_{}", uuid::Uuid::new_v4().simple());
                let admin = admin().await;
                // A template may have no other sessions; retry briefly if one is still closing.
                let mut attempts = 0;
                loop {
                    let result = admin
                        .execute_unprepared(&format!(
                            "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
                            template.location
                        ))
                        .await;
                    match result {
                        Ok(_) => break,
                        Err(error) if attempts < 20 => {
                            attempts += 1;
                            let _ = error;
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                        Err(error) => panic!("creating {name}: {error}"),
                    }
                }
                Self {
                    url: format!("{}/{name}", postgres_server()),
                    backend,
                    name,
                    _dir: None,
                }
            }
        }
    }

    /// Which backend this database is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.backend == Backend::Postgres {
            let name = self.name.clone();
            // Best effort: drop the database from a separate thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(admin) =
                            sea_orm::Database::connect(format!("{}/postgres", postgres_server()))
                                .await
                        {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A running familygraph server over a fresh seeded database.
pub struct TestApp {
    /// Where the server listens.
    pub address: SocketAddr,
    /// A connection to the same database (for assertions), counting statements.
    pub db: DatabaseConnection,
    /// The server's own database connection's statement counter.
    statements: Arc<AtomicUsize>,
    /// The SQL of every statement the server's connection has run, in order.
    statement_log: Arc<std::sync::Mutex<Vec<String>>>,
    issuer: DevIssuer,
    client: reqwest::Client,
    /// Shared by replicas ([`TestApp::replica`]); dropped with the last of them.
    database: Arc<TestDatabase>,
    /// The development issuer's key, shared by replicas.
    keys: Arc<tempfile::TempDir>,
    server: actix_web::dev::ServerHandle,
}

/// A GraphQL response as the client saw it.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: String,
    /// Parsed body.
    pub body: Value,
}

impl Reply {
    /// `extensions.code` of each error.
    pub fn error_codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        e["extensions"]["code"]
                            .as_str()
                            .unwrap_or("<none>")
                            .to_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `data`, asserting there were no errors.
    pub fn data(&self) -> &Value {
        assert!(
            self.body.get("errors").is_none(),
            "unexpected errors: {}",
            self.body["errors"]
        );
        &self.body["data"]
    }
}

impl TestApp {
    /// Starts a server over a fresh copy of the seeded template.
    pub async fn start() -> Self {
        Self::start_with(http::Hardening::default()).await
    }

    /// [`TestApp::start`] with explicit limits, CORS allow-list and rate limit.
    pub async fn start_with(hardening: http::Hardening) -> Self {
        let database = Arc::new(TestDatabase::seeded().await);
        let keys = Arc::new(tempfile::tempdir().unwrap());
        Self::start_on(database, keys, hardening).await
    }

    /// Another server (a second replica) over this app's database, trusting the same
    /// development issuer, with its own `hardening`.
    pub async fn replica(&self, hardening: http::Hardening) -> Self {
        Self::start_on(self.database.clone(), self.keys.clone(), hardening).await
    }

    /// Which backend the app's database is on.
    pub fn backend(&self) -> Backend {
        self.database.backend()
    }

    async fn start_on(
        database: Arc<TestDatabase>,
        keys: Arc<tempfile::TempDir>,
        hardening: http::Hardening,
    ) -> Self {
        let mut server_db = familygraph_store::db::connect(&database.url).await.unwrap();
        let mut generic_plans = familygraph_store::db::connect_generic_plans(
            &database.url,
            &familygraph_store::db::PoolSettings::default(),
        )
        .await
        .unwrap();
        let statements = Arc::new(AtomicUsize::new(0));
        let statement_log = Arc::new(std::sync::Mutex::new(Vec::new()));
        // Both pools' statements are counted, in the order they ran.
        let count = |statements: &Arc<AtomicUsize>, log: &Arc<std::sync::Mutex<Vec<String>>>| {
            let (counter, log) = (statements.clone(), log.clone());
            move |info: &sea_orm::metric::Info<'_>| {
                counter.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut log) = log.lock() {
                    log.push(info.statement.sql.clone());
                }
            }
        };
        server_db.set_metric_callback(count(&statements, &statement_log));
        if let Some(generic) = generic_plans.as_mut() {
            generic.set_metric_callback(count(&statements, &statement_log));
        }
        let issuer = DevIssuer::load_or_create(keys.path()).unwrap();
        let state = AppState {
            schema: familygraph_graphql::build_schema_with(&hardening.limits),
            db: server_db,
            authenticator: Authenticator::with_dev_issuer(&issuer),
            policy: std::sync::Arc::new(familygraph_domain::Policy::builtin().unwrap()),
            generic_plans,
        };
        let (server, address) = http::start_with(state, "127.0.0.1:0", &hardening).unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        let db = familygraph_store::db::connect(&database.url).await.unwrap();
        Self {
            address,
            db,
            statements,
            statement_log,
            issuer,
            client: reqwest::Client::new(),
            database,
            keys,
            server: handle,
        }
    }

    /// A URL on the server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A token for `role`, with optional subject and team.
    pub fn token(&self, role: Role, subject: Option<&str>, team: Option<&str>) -> String {
        self.issuer
            .mint(&TokenRequest {
                role,
                subject: subject.map(str::to_owned),
                team: team.map(str::to_owned),
                school_urn: None,
                agency: None,
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap()
    }

    /// A token for `role` with every attribute the access policy looks at: subject, team,
    /// school URN and agency (ODS code or URN).
    pub fn token_for(
        &self,
        role: Role,
        subject: &str,
        team: Option<&str>,
        school_urn: Option<&str>,
        agency: Option<&str>,
    ) -> String {
        self.issuer
            .mint(&TokenRequest {
                role,
                subject: Some(subject.to_owned()),
                team: team.map(str::to_owned),
                school_urn: school_urn.map(|urn| SchoolUrn::parse("urn", urn).unwrap()),
                agency: agency.map(str::to_owned),
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap()
    }

    /// A token for a school role acting for `urn`.
    pub fn school_token(&self, role: Role, urn: &str) -> String {
        self.issuer
            .mint(&TokenRequest {
                role,
                subject: Some(format!("school-{urn}")),
                team: None,
                school_urn: Some(SchoolUrn::parse("urn", urn).unwrap()),
                agency: None,
                lifetime: chrono::Duration::minutes(10),
            })
            .unwrap()
    }

    /// A development token issued to the OAuth client `client_id` (the development issuer's own
    /// tokens always name `familygraph-cli`), for `role` with `subject` and an optional school.
    pub fn client_token(
        &self,
        client_id: &str,
        role: Role,
        subject: &str,
        school_urn: Option<&str>,
    ) -> String {
        let pem = std::fs::read(self.keys.path().join(KEY_FILE)).unwrap();
        let key = jsonwebtoken::EncodingKey::from_ed_pem(&pem).unwrap();
        let now = chrono::Utc::now().timestamp();
        let claims = AccessClaims {
            iss: DEV_ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: subject.to_owned(),
            exp: now + 600,
            nbf: now - 5,
            iat: now,
            roles: vec![role.as_str().to_owned()],
            team: None,
            school_urn: school_urn.map(str::to_owned),
            client_id: Some(client_id.to_owned()),
            agency: None,
        };
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("dev".to_owned());
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    /// An administrator's token.
    pub fn admin_token(&self) -> String {
        self.token(Role::Administrator, Some("admin-test"), None)
    }

    /// POSTs a GraphQL request with an optional bearer token.
    pub async fn graphql(&self, token: Option<&str>, query: &str, variables: Value) -> Reply {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .header("content-type", "application/json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        Self::reply(response).await
    }

    /// Turns an HTTP response into a [`Reply`].
    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            content_type,
            body,
        }
    }

    /// The HTTP client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Statements the server has run so far.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    /// The SQL of the statements the server has run after the first `from` (as counted by
    /// [`TestApp::statements`]), in order.
    pub fn statements_since(&self, from: usize) -> Vec<String> {
        self.statement_log
            .lock()
            .map(|log| log.iter().skip(from).cloned().collect())
            .unwrap_or_default()
    }

    /// Moves the seed's agreed school moves on so they are ahead of today (UK date), whatever
    /// the real date: the pupils' current rolls (ending on [`seed::SPRING_TERM_ENDS`]) now end
    /// 120 days from today, and their places at the next school (starting on
    /// [`seed::SUMMER_TERM_STARTS`]) start 137 days from today (the same 17 days apart).
    ///
    /// The seed is dated from a fixed reference date, but the agency-link rule of the row scope
    /// (`scope::agency_link_current`) uses the real UK date, so from the summer term 2027 the
    /// seed has no pupil whose leaving date and new place are both ahead. Tests that tell that
    /// rule apart from "no end date" by those pupils call this first, on their own app.
    ///
    /// Always moves them (not only once the seed's dates have passed), so every run takes
    /// the same path and this helper is exercised today, not first in 2027. Changes only this
    /// app's database (a fresh copy of the seeded template per [`TestApp::start`], shared only
    /// with its own [`TestApp::replica`]s). Call it once, before reading the rolls: it finds
    /// the moves by the seed's dates and panics if there are none.
    pub async fn keep_agreed_school_moves_ahead(&self) {
        use familygraph_store::entity::agency_link;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

        let today = familygraph_domain::calendar::uk_today();
        let (leaving, starting) = (
            today + chrono::Duration::days(120),
            today + chrono::Duration::days(137),
        );
        let (seed_leaving, seed_starting) = (seed::SPRING_TERM_ENDS, seed::SUMMER_TERM_STARTS);
        let left = agency_link::Entity::update_many()
            .col_expr(agency_link::Column::EndedOn, Expr::value(leaving))
            .filter(agency_link::Column::Kind.eq("ON_ROLL"))
            .filter(agency_link::Column::EndedOn.eq(seed_leaving))
            .exec(&self.db)
            .await
            .unwrap()
            .rows_affected;
        let started = agency_link::Entity::update_many()
            .col_expr(agency_link::Column::StartedOn, Expr::value(starting))
            .filter(agency_link::Column::Kind.eq("ON_ROLL"))
            .filter(agency_link::Column::StartedOn.eq(seed_starting))
            .exec(&self.db)
            .await
            .unwrap()
            .rows_affected;
        assert!(
            left > 0 && left == started,
            "the seed's agreed school moves: {left} leaving on {seed_leaving}, \
             {started} starting on {seed_starting}"
        );
    }

    /// Each school's roll counted three ways: by the agency-link rule (`scope::agency_link_current`:
    /// started on or before today and not ended before today, UK date), as its ON_ROLL links with
    /// no end date, and as all its ON_ROLL links. URN → (by the rule, no end date, any link).
    pub async fn school_rolls_three_ways(
        &self,
    ) -> std::collections::BTreeMap<String, (i64, i64, i64)> {
        let today = familygraph_domain::calendar::uk_today();
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!(
                    "SELECT a.urn,
                        COUNT(DISTINCT CASE WHEN l.started_on <= '{today}'
                            AND (l.ended_on IS NULL OR l.ended_on >= '{today}') THEN l.person_id END),
                        COUNT(DISTINCT CASE WHEN l.ended_on IS NULL THEN l.person_id END),
                        COUNT(DISTINCT l.person_id)
                     FROM agency a JOIN agency_link l ON l.agency_id = a.id AND l.kind = 'ON_ROLL'
                     WHERE a.kind = 'SCHOOL' AND a.urn IS NOT NULL
                     GROUP BY a.urn"
                ),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get_by_index::<String>(0).unwrap(),
                    (
                        row.try_get_by_index::<i64>(1).unwrap(),
                        row.try_get_by_index::<i64>(2).unwrap(),
                        row.try_get_by_index::<i64>(3).unwrap(),
                    ),
                )
            })
            .collect()
    }

    /// Runs a scalar SQL query on the test's database (for assertions).
    pub async fn count(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0).unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.server.clone();
        drop(handle.stop(false));
    }
}
