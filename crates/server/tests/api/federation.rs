//! Sign-in through a federated OpenID Connect connection, with real providers over TLS on
//! loopback: a second `orgwarden` (the real binary, with its own generated CA) is the upstream
//! identity provider of an `oidc` connection, and a small HTTPS provider of the test's own
//! (its own RSA key and CA) hands out forged, expired and misdirected ID tokens. The
//! downstream is the in-process application trusting both CAs (`--upstream-ca-file`). The
//! person's browser is played by hand: cookies kept per side, each redirect followed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use orgwarden_server::auth::keys::{generate_key, KeyRing};
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::app::{claims_of, TestApp};
use crate::dashboard::{location, text};
use crate::login::{
    attr, authorize, client, exchange, hidden_fields, query_of, Person, Tenant, CALLBACK, PASSWORD,
    VERIFIER,
};
use crate::spawn;

/// The downstream's callback, as the upstream knows it (`TestApp` is `localhost:8443`).
const DOWNSTREAM_CALLBACK: &str = "https://localhost:8443/login/callback";

/// The upstream: the real binary over HTTPS, with a client for the downstream, a database
/// connection and Ann on it.
struct Upstream {
    child: Child,
    url: String,
    http: reqwest::Client,
    client_id: String,
    client_secret: String,
    /// Ann's user id upstream: the `sub` of her ID tokens.
    ann: String,
    /// A Management API token of the upstream's.
    token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn https_client(ca: &Path) -> reqwest::Client {
    orgwarden_server::server::install_crypto_provider();
    let pem = std::fs::read(ca).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Upstream {
    async fn start() -> Upstream {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut child = spawn::command()
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .env("ORGWARDEN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("upstream.log")).unwrap(),
            ))
            .spawn()
            .expect("start the upstream orgwarden");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        let port = first
            .split("listening on https://")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .rsplit(':')
            .next()
            .unwrap()
            .trim()
            .to_owned();
        std::thread::spawn(move || for _ in lines {});
        let url = format!("https://localhost:{port}");
        let http = https_client(&data.join("tls/ca.pem"));
        let admin: Value =
            serde_json::from_slice(&std::fs::read(data.join("admin-client.json")).unwrap())
                .unwrap();
        let token: Value = http
            .post(format!("{url}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", admin["client_id"].as_str().unwrap()),
                ("client_secret", admin["client_secret"].as_str().unwrap()),
                ("audience", admin["audience"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"].as_str().unwrap().to_owned();
        let post = |path: &str, body: Value| {
            let req = http
                .post(format!("{url}/api/v2{path}"))
                .bearer_auth(&token)
                .json(&body);
            async move {
                let r = req.send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap();
                assert!(status.is_success(), "{status}: {body}");
                body
            }
        };
        let c = post(
            "/clients",
            json!({"name": "downstream orgwarden", "app_type": "regular_web",
                   "callbacks": [DOWNSTREAM_CALLBACK], "grant_types": ["authorization_code"],
                   "token_endpoint_auth_method": "client_secret_post"}),
        )
        .await;
        let client_id = c["client_id"].as_str().unwrap().to_owned();
        let client_secret = c["client_secret"].as_str().unwrap().to_owned();
        post(
            "/connections",
            json!({"name": "staff", "strategy": "auth0", "enabled_clients": [client_id]}),
        )
        .await;
        let ann = post(
            "/users",
            json!({"connection": "staff", "email": "ann@acme.test", "password": PASSWORD,
                   "name": "Ann Acme", "given_name": "Ann"}),
        )
        .await;
        Upstream {
            child,
            url,
            http,
            client_id,
            client_secret,
            ann: ann["user_id"].as_str().unwrap().to_owned(),
            token: token.clone(),
            _dir: dir,
        }
    }

    fn ca(&self) -> PathBuf {
        self._dir.path().join("data/tls/ca.pem")
    }

    /// Ann signs in at the upstream's login page reached at `url` (its `/authorize`); returns
    /// where the upstream sends her: the downstream's callback.
    async fn sign_in(&self, url: &str, password: &str) -> String {
        let page = self.http.get(url).send().await.unwrap();
        assert_eq!(page.status(), 200, "the upstream's login page");
        let cookies: Vec<String> = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
            .collect();
        let html = page.text().await.unwrap();
        let action = attr(&html, "<form method=\"post\" action=\"", "\"").expect("a form");
        let mut fields = hidden_fields(&html);
        fields.push(("username".into(), "ann@acme.test".into()));
        fields.push(("password".into(), password.into()));
        let r = self
            .http
            .post(format!("{}{action}", self.url))
            .header("cookie", cookies.join("; "))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{}", r.text().await.unwrap());
        r.headers()["location"].to_str().unwrap().to_owned()
    }
}

/// Where the downstream's callback page moves the browser on to (the application's callback,
/// with the code or the error): a page, not a redirect, so that the upstream login form's
/// `form-action` policy does not cut the chain.
fn onward(r: &crate::app::Response) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", text(r));
    let html = text(r);
    let url = attr(&html, "<meta http-equiv=\"refresh\" content=\"0;url=", "\"")
        .unwrap_or_else(|| panic!("a page moving on: {html}"));
    assert_eq!(
        attr(&html, "id=\"continue\"", ">").map(|_| ()),
        Some(()),
        "and a link for browsers that do not refresh"
    );
    url
}

/// The downstream path of a URL on `https://localhost:8443`.
fn downstream_path(url: &str) -> String {
    url.strip_prefix("https://localhost:8443")
        .unwrap_or_else(|| panic!("not the downstream: {url}"))
        .to_owned()
}

/// The downstream: a web client requiring organizations; the `acme-sso` connection (oidc,
/// discovered from the upstream); `acme` (membership on login) and `closed` (members only)
/// with it.
async fn downstream(up: &Upstream) -> (TestApp, Tenant) {
    downstream_with(up, &[]).await
}

async fn downstream_with(up: &Upstream, more_cas: &[&Path]) -> (TestApp, Tenant) {
    let cas = tempfile::NamedTempFile::new().unwrap();
    let mut bundle = std::fs::read(up.ca()).unwrap();
    for extra in more_cas {
        bundle.extend(std::fs::read(extra).unwrap());
    }
    std::fs::write(cas.path(), bundle).unwrap();
    let app = TestApp::builder().upstream_ca(cas.path()).build().await;
    let (client_id, client_secret) = client(&app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "acme-sso", "display_name": "Acme SSO", "strategy": "oidc",
                   "enabled_clients": [client_id],
                   "options": {"client_id": up.client_id, "client_secret": up.client_secret,
                               "discovery_url": format!("{}/.well-known/openid-configuration", up.url),
                               "type": "back_channel", "scope": "openid profile email"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let connection = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        r.body["options"]["token_endpoint"],
        format!("{}/oauth/token", up.url),
        "endpoints filled from discovery at create"
    );
    let org = org(&app, "acme", &connection, true).await;
    let closed = org_named(&app, "closed", &connection, false).await;
    (
        app,
        Tenant {
            client_id,
            client_secret,
            org,
            open_org: closed,
            ann: String::new(),
            connection,
        },
    )
}

async fn org(app: &TestApp, name: &str, connection: &str, assign: bool) -> String {
    org_named(app, name, connection, assign).await
}

async fn org_named(app: &TestApp, name: &str, connection: &str, assign: bool) -> String {
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": name, "enabled_connections": [{"connection_id": connection,
                   "assign_membership_on_login": assign, "show_as_button": true}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// From the organization's login page, through its SSO button, to the upstream's
/// `/authorize` URL (the downstream's redirect).
async fn to_upstream(p: &mut Person<'_>, client_id: &str, org: &str) -> String {
    let page = p.get(&authorize(client_id, &[("organization", org)])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    let button = attr(&html, "<a class=\"button\" href=\"", "\"").expect("the SSO button");
    assert!(html.contains("Continue with Acme SSO"), "{html}");
    assert!(!html.contains("not available in this version"), "{html}");
    let r = p.get(&button).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    location(&r)
}

#[tokio::test]
async fn a_person_signs_in_to_an_organization_through_its_oidc_provider() {
    let up = Upstream::start().await;
    let (app, t) = downstream(&up).await;
    let mut p = Person::new(&app);

    let to = to_upstream(&mut p, &t.client_id, "acme").await;
    assert!(to.starts_with(&format!("{}/authorize?", up.url)), "{to}");
    let q = query_of(&to);
    assert_eq!(q["client_id"], up.client_id);
    assert_eq!(q["redirect_uri"], DOWNSTREAM_CALLBACK);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["scope"], "openid profile email");
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43);

    let back = up.sign_in(&to, PASSWORD).await;
    assert!(back.starts_with(DOWNSTREAM_CALLBACK), "{back}");
    let r = p.get(&downstream_path(&back)).await;
    let to_app = onward(&r);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    assert!(
        r.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("orgwarden_login=")),
        "the session starts"
    );
    let answer = query_of(&to_app);
    assert_eq!(answer["state"], "st&te=1");
    let tokens = exchange(&app, &t, &answer["code"], VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let id = claims_of(tokens.body["id_token"].as_str().unwrap());
    let user_id = format!("oidc|acme-sso|{}", up.ann);
    assert_eq!(id["sub"], user_id);
    assert_eq!(id["org_id"], t.org);
    assert_eq!(id["email"], "ann@acme.test");
    let access = claims_of(tokens.body["access_token"].as_str().unwrap());
    assert_eq!(access["org_id"], t.org);

    // The Management API shows the federated identity, and refuses her a password here.
    let path = format!("/api/v2/users/{}", user_id.replace('|', "%7C"));
    let u = app.get(&path).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    assert_eq!(
        u.body["identities"],
        json!([{"connection": "acme-sso", "user_id": format!("acme-sso|{}", up.ann),
                "provider": "oidc", "isSocial": false}])
    );
    assert_eq!(u.body["name"], "Ann Acme");
    assert_eq!(u.body["given_name"], "Ann");
    let r = app
        .patch(&path, json!({"password": "An0ther long passw0rd!"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "Cannot update password for non-database connections"
    );
    let r = app
        .get(&format!("/api/v2/organizations/{}/members", t.org))
        .await;
    assert_eq!(
        r.body[0]["user_id"], user_id,
        "a member by membership on login"
    );

    // The upstream rotates its signing key: the next ID token names a key the downstream has
    // not seen, and the key set is fetched again. A second sign-in (another browser) finds the
    // same user.
    let r = up
        .http
        .post(format!("{}/api/v2/keys/signing/rotate", up.url))
        .bearer_auth(&up.token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let mut again = Person::new(&app);
    let to = to_upstream(&mut again, &t.client_id, "acme").await;
    let back = up.sign_in(&to, PASSWORD).await;
    let r = again.get(&downstream_path(&back)).await;
    let code = query_of(&onward(&r))["code"].clone();
    let tokens = exchange(&app, &t, &code, VERIFIER).await;
    assert_eq!(
        claims_of(tokens.body["id_token"].as_str().unwrap())["sub"],
        user_id
    );
    let all = app.get("/api/v2/users?q=email:ann@acme.test").await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(1), "{}", all.body);

    // The answer used once: the same callback again is refused, on a page.
    let r = again.get(&downstream_path(&back)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("already used"), "{}", text(&r));
    assert!(r.headers.get("location").is_none());
}

#[tokio::test]
async fn membership_rules_state_and_browser_are_enforced() {
    let up = Upstream::start().await;
    let (app, t) = downstream(&up).await;

    // `closed` admits members only: Ann signs in upstream but is refused here.
    let mut p = Person::new(&app);
    let to = to_upstream(&mut p, &t.client_id, "closed").await;
    let back = up.sign_in(&to, PASSWORD).await;
    let r = p.get(&downstream_path(&back)).await;
    let to_app = onward(&r);
    let q = query_of(&to_app);
    assert!(to_app.starts_with(CALLBACK));
    assert_eq!(q["error"], "access_denied", "{q:?}");
    assert!(!q.contains_key("code"));

    // No state, an unknown one: a page, no redirect.
    for path in [
        "/login/callback?code=abc".to_owned(),
        "/login/callback?code=abc&state=not-ours".to_owned(),
    ] {
        let r = p.get(&path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(r.headers.get("location").is_none());
    }

    // The answer taken to another browser (a login-CSRF attempt) is refused there.
    let mut victim = Person::new(&app);
    let to = to_upstream(&mut p, &t.client_id, "acme").await;
    let back = up.sign_in(&to, PASSWORD).await;
    let r = victim.get(&downstream_path(&back)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", text(&r));
    assert!(text(&r).contains("another browser"));

    // Consent denied upstream: a page naming the connection and the request id, and the
    // way back with access_denied to the registered callback only.
    let to = to_upstream(&mut p, &t.client_id, "acme").await;
    let state = query_of(&to)["state"].clone();
    let r = p
        .get(&format!(
            "/login/callback?error=access_denied&error_description=User+said+no&state={state}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    let html = text(&r);
    assert!(
        html.contains("acme-sso") && html.contains("User said no"),
        "{html}"
    );
    let rid = r.headers["x-request-id"].to_str().unwrap();
    assert!(html.contains(rid), "the request id {rid} on the page");
    let back = attr(&html, "id=\"back-to-application\"", ">")
        .and_then(|_| attr(&html, "<a href=\"", "\""))
        .expect("the way back");
    assert!(back.starts_with(CALLBACK), "{back}");
    let q = query_of(&back);
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st&te=1");
    assert!(q["error_description"].contains("acme-sso"));

    // A wrong password upstream never reaches the downstream; no user was made by failures.
    let users = app.get("/api/v2/users").await;
    assert_eq!(
        users.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        users.body
    );
}

/// A provider of the test's own, over HTTPS with its own CA: discovery, its key set, and a
/// token endpoint answering with whatever ID token the test puts in `next`.
struct Forger {
    url: String,
    ca: PathBuf,
    keys: KeyRing,
    next: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Forger {
    async fn start() -> Forger {
        let dir = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = format!("https://localhost:{port}");
        let tls = orgwarden_server::tls::ensure_local_certificate(
            &dir.path().join("tls"),
            &format!("localhost:{port}"),
        )
        .unwrap();
        let now = OffsetDateTime::now_utc();
        let keys = KeyRing::new(&[generate_key(now, None).unwrap()], None, now, 3600).unwrap();
        let next = Arc::new(Mutex::new(String::new()));
        let doc = json!({"issuer": format!("{url}/"), "authorization_endpoint": format!("{url}/authorize"),
                         "token_endpoint": format!("{url}/token"), "jwks_uri": format!("{url}/jwks")});
        let jwks = serde_json::to_value(keys.jwks()).unwrap();
        let token = next.clone();
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || async move { Json(doc) }),
            )
            .route("/jwks", get(move || async move { Json(jwks) }))
            .route(
                "/token",
                post(move || async move {
                    let t = token.lock().unwrap().clone();
                    Json(json!({"id_token": t, "access_token": "opaque", "token_type": "Bearer"}))
                }),
            );
        let config = orgwarden_server::tls::server_config(&tls.cert, &tls.key).expect("TLS config");
        let limits = orgwarden_server::config::Settings::new(dir.path()).limits;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(orgwarden_server::serving::serve(
            listener,
            Some(config),
            app,
            limits,
            async move {
                let _ = stopped.await;
            },
        ));
        Forger {
            url,
            ca: tls.ca.expect("a generated CA"),
            keys,
            next,
            _dir: dir,
            _stop: stop,
        }
    }
}

#[tokio::test]
async fn forged_expired_misdirected_and_replayed_id_tokens_are_refused() {
    let up = Upstream::start().await;
    let forger = Forger::start().await;
    let (app, t) = downstream_with(&up, &[&forger.ca]).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "forged-sso", "strategy": "oidc", "enabled_clients": [t.client_id],
                   "options": {"client_id": "forged-client", "client_secret": "s3cret-never-shown-in-logs",
                               "issuer": format!("{}/", forger.url)}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let conn = r.body["id"].as_str().unwrap().to_owned();
    let org = org(&app, "forgery", &conn, true).await;

    let now = OffsetDateTime::now_utc().unix_timestamp();
    // A key with the published key's id, but another key: a bad signature.
    let mut other = generate_key(OffsetDateTime::now_utc(), None).unwrap();
    other.kid = forger.keys.signer_kid().to_owned();
    let impostor = KeyRing::new(&[other], None, OffsetDateTime::now_utc(), 3600).unwrap();
    let claims = |nonce: &str| {
        json!({"iss": format!("{}/", forger.url), "aud": "forged-client", "sub": "mallory",
               "email": "mallory@forgery.test", "nonce": nonce, "iat": now, "exp": now + 300})
    };
    type Case<'a> = (&'static str, Box<dyn Fn(&str) -> String + 'a>, &'static str);
    let cases: Vec<Case<'_>> = vec![
        (
            "bad signature",
            Box::new(|n: &str| impostor.sign(&claims(n)).unwrap()),
            "bad signature",
        ),
        (
            "another audience",
            Box::new(|n: &str| {
                let mut c = claims(n);
                c["aud"] = json!("someone-else");
                forger.keys.sign(&c).unwrap()
            }),
            "another audience",
        ),
        (
            "expired",
            Box::new(|n: &str| {
                let mut c = claims(n);
                c["iat"] = json!(now - 3600);
                c["exp"] = json!(now - 600);
                forger.keys.sign(&c).unwrap()
            }),
            "expired",
        ),
        (
            "issued in the future (clock skew)",
            Box::new(|n: &str| {
                let mut c = claims(n);
                c["iat"] = json!(now + 900);
                c["exp"] = json!(now + 1200);
                forger.keys.sign(&c).unwrap()
            }),
            "future",
        ),
        (
            "replayed (another sign-in's nonce)",
            Box::new(|_: &str| forger.keys.sign(&claims("an-old-nonce")).unwrap()),
            "nonce",
        ),
        (
            "another issuer",
            Box::new(|n: &str| {
                let mut c = claims(n);
                c["iss"] = json!("https://evil.test/");
                forger.keys.sign(&c).unwrap()
            }),
            "another issuer",
        ),
    ];
    let mut p = Person::new(&app);
    for (what, token, says) in &cases {
        let r = p
            .get(&authorize(
                &t.client_id,
                &[("organization", &org), ("connection", "forged-sso")],
            ))
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{what}: {}", text(&r));
        let q = query_of(&location(&r));
        *forger.next.lock().unwrap() = token(&q["nonce"]);
        let r = p
            .get(&format!("/login/callback?code=c0de&state={}", q["state"]))
            .await;
        assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{what}: {}", text(&r));
        let html = text(&r);
        assert!(
            html.contains("forged-sso") && html.contains(says),
            "{what}: {html}"
        );
    }
    let users = app.get("/api/v2/users").await;
    assert_eq!(users.body, json!([]), "no user made by a refused token");

    // The control: the same provider's token, signed right, is accepted.
    let r = p
        .get(&authorize(
            &t.client_id,
            &[("organization", &org), ("connection", "forged-sso")],
        ))
        .await;
    let q = query_of(&location(&r));
    *forger.next.lock().unwrap() = forger.keys.sign(&claims(&q["nonce"])).unwrap();
    let r = p
        .get(&format!("/login/callback?code=c0de&state={}", q["state"]))
        .await;
    assert!(query_of(&onward(&r)).contains_key("code"));
    let u = app.get("/api/v2/users/oidc%7Cforged-sso%7Cmallory").await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
}

#[tokio::test]
async fn an_unreachable_or_untrusted_provider_is_named_on_the_error_page() {
    let up = Upstream::start().await;
    // Not given the upstream's CA: its certificate is not trusted.
    let app = TestApp::new().await;
    let (client_id, _) = client(&app, json!({})).await;
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for (name, discovery) in [
        (
            "gone-sso",
            format!("https://localhost:{closed_port}/.well-known/openid-configuration"),
        ),
        (
            "untrusted-sso",
            format!("{}/.well-known/openid-configuration", up.url),
        ),
    ] {
        // Discovery at create fails, and says so.
        let body = json!({"name": name, "strategy": "oidc", "enabled_clients": [client_id],
                          "options": {"client_id": "x", "discovery_url": discovery}});
        let r = app.post("/api/v2/connections", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("OIDC discovery"),
            "{name}: {}",
            r.body
        );
    }
    // Plain http is never called.
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "plain-sso", "strategy": "oidc",
                   "options": {"client_id": "x", "discovery_url": format!("http://127.0.0.1:{closed_port}/")}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(
        r.body["message"].as_str().unwrap().contains("https"),
        "{}",
        r.body
    );

    // Endpoints given by hand (no discovery), the provider gone: the sign-in ends on a page
    // naming the connection, with the way back.
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "gone-sso", "strategy": "oidc", "enabled_clients": [client_id],
                   "options": {"client_id": "x",
                               "issuer": format!("https://localhost:{closed_port}/"),
                               "authorization_endpoint": format!("https://localhost:{closed_port}/authorize"),
                               "token_endpoint": format!("https://localhost:{closed_port}/token"),
                               "jwks_uri": format!("https://localhost:{closed_port}/jwks")}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let conn = r.body["id"].as_str().unwrap().to_owned();
    org(&app, "gone", &conn, true).await;
    let mut p = Person::new(&app);
    let r = p
        .get(&authorize(
            &client_id,
            &[("organization", "gone"), ("connection", "gone-sso")],
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let q = query_of(&location(&r));
    let r = p
        .get(&format!("/login/callback?code=c0de&state={}", q["state"]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", text(&r));
    let html = text(&r);
    assert!(
        html.contains("gone-sso") && html.contains("could not connect"),
        "{html}"
    );

    // Each start stores a pending request before anyone authenticated: limited per source
    // (60 at once, then 30 a minute), with a page saying so.
    let path = authorize(
        &client_id,
        &[("organization", "gone"), ("connection", "gone-sso")],
    );
    let mut refused = None;
    for i in 0..100 {
        let r = p.get(&path).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((i, text(&r)));
            break;
        }
        assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    }
    let (at, page) = refused.expect("refused within 100 starts");
    assert!(at >= 50, "not before the allowance is spent: {at}");
    assert!(page.contains("Too many sign-ins"), "{page}");
}

#[tokio::test]
async fn google_oauth2_is_the_same_flow_against_the_configured_issuer() {
    let up = Upstream::start().await;
    let app = TestApp::builder()
        .upstream_ca(&up.ca())
        .google_issuer(&format!("{}/", up.url))
        .build()
        .await;
    let (client_id, client_secret) = client(&app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "google-oauth2", "strategy": "google-oauth2", "enabled_clients": [client_id],
                   "options": {"client_id": up.client_id, "client_secret": up.client_secret}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let conn = r.body["id"].as_str().unwrap().to_owned();
    let org = org(&app, "googlers", &conn, true).await;
    let mut p = Person::new(&app);
    let r = p
        .get(&authorize(
            &client_id,
            &[
                ("organization", "googlers"),
                ("connection", "google-oauth2"),
                ("prompt", "login"),
            ],
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let to = location(&r);
    assert!(to.starts_with(&format!("{}/authorize?", up.url)), "{to}");
    assert_eq!(query_of(&to)["scope"], "openid email profile");
    assert_eq!(
        query_of(&to)["prompt"],
        "login",
        "a fresh sign-in asked upstream too"
    );
    let back = up.sign_in(&to, PASSWORD).await;
    let code = query_of(&onward(&p.get(&downstream_path(&back)).await))["code"].clone();
    let t = Tenant {
        client_id,
        client_secret,
        org: org.clone(),
        open_org: String::new(),
        ann: String::new(),
        connection: conn,
    };
    let tokens = exchange(&app, &t, &code, VERIFIER).await;
    let id = claims_of(tokens.body["id_token"].as_str().unwrap());
    let user_id = format!("google-oauth2|{}", up.ann);
    assert_eq!(id["sub"], user_id);
    assert_eq!(id["org_id"], org);
    let u = app
        .get(&format!("/api/v2/users/{}", user_id.replace('|', "%7C")))
        .await;
    assert_eq!(
        u.body["identities"],
        json!([{"connection": "google-oauth2", "user_id": up.ann,
                "provider": "google-oauth2", "isSocial": true}])
    );
}

/// Built without `--features saml`: a samlp connection's button says why it is not there, and
/// SAML's URLs answer 501 with the same reason (nothing is started or read).
#[cfg(not(feature = "saml"))]
#[tokio::test]
async fn without_the_saml_feature_samlp_connections_say_how_to_get_them() {
    let app = TestApp::new().await;
    let (client_id, _) = client(&app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "acme-saml", "display_name": "Acme SAML", "strategy": "samlp",
                   "enabled_clients": [client_id],
                   "options": {"signInEndpoint": "https://idp.invalid/sso"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let connection = r.body["id"].as_str().unwrap().to_owned();
    org(&app, "acme", &connection, true).await;
    let why = "SAML sign-in needs orgwarden built with `--features saml`";

    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(&client_id, &[("organization", "acme")]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert!(html.contains("Acme SAML") && html.contains(why), "{html}");
    assert!(!html.contains("Continue with Acme SAML"), "{html}");

    let r = app
        .call(
            axum::http::Method::GET,
            "/samlp/metadata?connection=acme-saml",
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(r.body["statusCode"], 501);
    assert!(
        r.body["message"].as_str().unwrap().contains(why),
        "{}",
        r.body
    );

    let r = p
        .post(
            "/login/callback?connection=acme-saml",
            &[("SAMLResponse", "PHg+"), ("RelayState", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_IMPLEMENTED);
    assert!(text(&r).contains(why), "{}", text(&r));
}
