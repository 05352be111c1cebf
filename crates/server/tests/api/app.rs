//! `TestApp`: the real application (real store, real keys, real bootstrap) driven in-process
//! with `oneshot`, no sockets. Its settings are explicit: nothing a user exported reaches it.
//!
//! ```ignore
//! let app = TestApp::builder().plan("free").clock(clock).build().await;
//! let reader = app.client_with(&["read:organizations"]).await;
//! ```

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use orgwarden_server::bootstrap::{self, AdminClient};
use orgwarden_server::config::Settings;
use orgwarden_server::state::AppState;
use serde_json::{json, Value};
use std::sync::Arc;

use orgwarden_domain::clock::ManualClock;
use tempfile::TempDir;
use tower::ServiceExt;

use crate::schema::Schema;

/// Where a `TestApp` keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A database file in the app's own temporary directory.
    Sqlite,
    /// A schema of its own on the test server (`ORGWARDEN_TEST_POSTGRES_URL`), dropped after.
    Postgres,
}

/// Chooses the suite's backend.
pub const BACKEND_VARIABLE: &str = "ORGWARDEN_TEST_BACKEND";

impl Backend {
    /// The suite's backend: `ORGWARDEN_TEST_BACKEND` (`sqlite`, the default, or `postgres`),
    /// so that one test run covers the API on one store and CI runs it on both.
    pub fn of_suite() -> Backend {
        match std::env::var(BACKEND_VARIABLE).as_deref().map(str::trim) {
            Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
            Ok("postgres") => Backend::Postgres,
            Ok(other) => panic!("{BACKEND_VARIABLE} is sqlite or postgres, not {other:?}"),
        }
    }
}

/// What a `TestApp` is made of; [`TestApp::builder`] starts with the suite's backend, the dev
/// plan, the system clock and no dashboard password.
pub struct TestAppBuilder {
    backend: Backend,
    plan: String,
    clock: Option<Arc<ManualClock>>,
    dashboard_password: Option<String>,
    upstream_ca: Option<std::path::PathBuf>,
    google_issuer: Option<String>,
}

impl TestAppBuilder {
    /// Points `google-oauth2` connections at the provider at `issuer` instead of Google.
    pub fn google_issuer(mut self, issuer: &str) -> Self {
        self.google_issuer = Some(issuer.to_owned());
        self
    }

    /// Trusts the CA certificates (PEM) in `path` for upstream identity providers.
    pub fn upstream_ca(mut self, path: &std::path::Path) -> Self {
        self.upstream_ca = Some(path.to_owned());
        self
    }

    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// A rate-limit plan: free, enterprise, dev, off, or `<burst>/<per-second>`.
    pub fn plan(mut self, plan: &str) -> Self {
        self.plan = plan.to_owned();
        self
    }

    /// A clock the test moves, instead of the system's.
    pub fn clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// A password that signs in to the dashboard.
    pub fn dashboard_password(mut self, password: &str) -> Self {
        self.dashboard_password = Some(password.to_owned());
        self
    }

    pub async fn build(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::new(dir.path());
        settings.domain = Some("localhost:8443".into());
        settings.rate_limit = self.plan.parse().expect("a rate-limit plan");
        settings.dashboard_password = self.dashboard_password;
        settings.upstream_ca_file = self.upstream_ca;
        if let Some(issuer) = self.google_issuer {
            settings.google_oauth2_issuer = issuer;
        }
        let schema = match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(Schema::create(&postgres_url(), "testapp")),
        };
        settings.database_url = schema.as_ref().map(Schema::url);
        let prepared = match self.clock {
            Some(clock) => bootstrap::prepare_with_clock(&settings, 8443, clock).await,
            None => bootstrap::prepare(&settings, 8443).await,
        }
        .expect("bootstrap");
        let router = orgwarden_server::server::router(prepared.state.clone());
        let scopes = bootstrap::admin_scopes();
        let admin_token = prepared
            .state
            .tokens()
            .mint(
                &prepared.admin.client_id,
                &prepared.state.identity().audience,
                &scopes,
            )
            .unwrap();
        TestApp {
            state: prepared.state,
            router,
            admin: prepared.admin,
            admin_token,
            _dir: dir,
            _schema: schema,
        }
    }
}

/// The test PostgreSQL server, which `Backend::Postgres` cannot do without.
fn postgres_url() -> String {
    std::env::var(orgwarden_test_services::POSTGRES_URL)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| {
            panic!(
                "a TestApp on PostgreSQL needs {} (e.g. postgres://postgres@127.0.0.1:5432/test)",
                orgwarden_test_services::POSTGRES_URL
            )
        })
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub admin: AdminClient,
    pub admin_token: String,
    _dir: TempDir,
    /// Last: dropped (and so its schema) after the store's connections.
    _schema: Option<Schema>,
}

impl TestApp {
    /// The same app (keys, admin token) serving another store, which starts empty: for tests
    /// of how the API behaves when storage does.
    pub fn over_store(mut self, store: orgwarden_domain::store::DynStore) -> TestApp {
        self.state = self.state.over_store(store);
        self.router = orgwarden_server::server::router(self.state.clone());
        self
    }
}

/// A Management API caller: a client, its secret, and a token it holds.
pub struct Actor {
    pub client_id: String,
    pub client_secret: String,
    pub token: String,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl TestApp {
    /// The app on the suite's backend, with the dev plan.
    pub async fn new() -> Self {
        Self::builder().build().await
    }

    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            backend: Backend::of_suite(),
            plan: "dev".into(),
            clock: None,
            dashboard_password: None,
            upstream_ca: None,
            google_issuer: None,
        }
    }

    /// The admin client, holding every scope.
    pub fn admin(&self) -> Actor {
        Actor {
            client_id: self.admin.client_id.clone(),
            client_secret: self.admin.client_secret.clone(),
            token: self.admin_token.clone(),
        }
    }

    /// A new machine client granted exactly `scopes` on the Management API, with the token
    /// it gets for them from `/oauth/token`, as a real client would.
    pub async fn client_with(&self, scopes: &[&str]) -> Actor {
        let name = format!(
            "client-with-{}",
            orgwarden_domain::ids::random_alphanumeric(8)
        );
        let (client_id, client_secret) = self.machine_client(&name).await;
        let audience = self.state.identity().audience.clone();
        let r = self
            .post(
                "/api/v2/client-grants",
                json!({"client_id": client_id, "audience": audience, "scope": scopes}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = self.client_token(&client_id, &client_secret).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = r.body["access_token"].as_str().unwrap().to_owned();
        Actor {
            client_id,
            client_secret,
            token,
        }
    }

    /// A token for the admin client holding only `scopes`.
    pub fn token(&self, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        self.state
            .tokens()
            .mint(
                &self.admin.client_id,
                &self.state.identity().audience,
                &scopes,
            )
            .unwrap()
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let raw = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or(Value::Null)
        };
        Response {
            status,
            headers,
            body,
            raw,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.call(Method::GET, path, Some(&self.admin_token.clone()), None)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.call(
            Method::POST,
            path,
            Some(&self.admin_token.clone()),
            Some(body),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.call(
            Method::PATCH,
            path,
            Some(&self.admin_token.clone()),
            Some(body),
        )
        .await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.call(Method::DELETE, path, Some(&self.admin_token.clone()), None)
            .await
    }

    /// `POST /oauth/token` (client credentials, Management API audience) as a client would.
    pub async fn client_token(&self, client_id: &str, secret: &str) -> Response {
        let aud = self.state.identity().audience.clone();
        self.call(
            Method::POST,
            "/oauth/token",
            None,
            Some(
                json!({"grant_type": "client_credentials", "client_id": client_id,
                        "client_secret": secret, "audience": aud}),
            ),
        )
        .await
    }

    /// Creates a machine client (no grant yet); returns its id and secret.
    pub async fn machine_client(&self, name: &str) -> (String, String) {
        let r = self
            .post(
                "/api/v2/clients",
                json!({"name": name, "app_type": "non_interactive"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.body["client_id"].as_str().unwrap().to_owned();
        (id, r.body["client_secret"].as_str().unwrap().to_owned())
    }

    /// Creates a connection and returns its id.
    pub async fn connection(&self, name: &str, strategy: &str) -> String {
        let r = self
            .post(
                "/api/v2/connections",
                json!({"name": name, "strategy": strategy}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates an organization and returns its id.
    pub async fn organization(&self, name: &str) -> String {
        let r = self
            .post("/api/v2/organizations", json!({"name": name}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_str().unwrap().to_owned()
    }
}

/// The claims of a JWT, unverified (for looking at what a token says).
pub fn claims_of(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
