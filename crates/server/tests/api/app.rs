//! `TestApp`: the real application (real SQLite file, real keys, real bootstrap) driven
//! in-process with `oneshot`, no sockets.

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use orgwarden_server::bootstrap::{self, AdminClient};
use orgwarden_server::config::{Cli, Command};
use orgwarden_server::state::AppState;
use serde_json::{json, Value};
use std::sync::Arc;

use orgwarden_domain::clock::ManualClock;
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub admin: AdminClient,
    pub admin_token: String,
    _dir: TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_plan("dev", None).await
    }

    /// The app with a rate-limit plan and, optionally, a clock the test moves.
    pub async fn with_plan(plan: &str, clock: Option<Arc<ManualClock>>) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().to_str().unwrap().to_owned();
        let args = [
            "orgwarden",
            "serve",
            "--data-dir",
            &data,
            "--domain",
            "localhost:8443",
            "--rate-limit",
            plan,
        ];
        let Command::Serve(settings) = Cli::try_parse_from_args(&args).command else {
            unreachable!()
        };
        let prepared = match clock {
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
        }
    }

    /// The same app (and data) served from a changed state.
    pub fn with_state(mut self, state: AppState) -> Self {
        self.router = orgwarden_server::server::router(state.clone());
        self.state = state;
        self
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
