//! Organization login through its HTML pages, as a browser would: `/authorize` with PKCE, the
//! login and sign-up forms, membership rules, invitations, the code at `/oauth/token`, the
//! tokens' claims, `/userinfo`, sessions, logout; and each refusal (redirect URI, PKCE, codes
//! used twice, CSRF, organizations the client may not use), which never redirects anywhere
//! the client did not register.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use orgwarden_domain::login::pkce::challenge_of;
use serde_json::{json, Value};

use crate::app::{claims_of, Response, TestApp};
use crate::dashboard::{encode, location, text};

pub(crate) const CALLBACK: &str = "https://app.test/callback";
pub(crate) const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123";
pub(crate) const PASSWORD: &str = "Correct horse 9 battery";

/// Extra `/authorize` parameters.
type Params<'a> = Vec<(&'a str, &'a str)>;

/// A browser's cookie jar over the in-process app.
pub(crate) struct Person<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Person<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Person {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &Response) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() || v.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Response {
        let req = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let r = self.app.send(req).await;
        self.keep(&r);
        r
    }

    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(encode(fields)))
            .unwrap();
        let r = self.app.send(req).await;
        self.keep(&r);
        r
    }

    /// Submits the page's form (its hidden fields, then `fields`) to its action.
    pub(crate) async fn submit(&mut self, page: &Response, fields: &[(&str, &str)]) -> Response {
        let html = text(page);
        let action = attr(&html, "<form method=\"post\" action=\"", "\"").expect("a form");
        let mut all: Vec<(String, String)> = hidden_fields(&html);
        for (k, v) in fields {
            all.retain(|(name, _)| name != k);
            all.push((k.to_string(), v.to_string()));
        }
        let borrowed: Vec<(&str, &str)> =
            all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.post(&action, &borrowed).await
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

pub(crate) fn attr(html: &str, before: &str, after: &str) -> Option<String> {
    let at = html.find(before)? + before.len();
    let rest = &html[at..];
    Some(unescape(&rest[..rest.find(after)?]))
}

pub(crate) fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[at + "<input type=\"hidden\" name=\"".len()..];
        let name = &rest[..rest.find('"').unwrap()];
        let value = attr(rest, "value=\"", "\"").unwrap_or_default();
        out.push((unescape(name), value));
    }
    out
}

/// The query parameters of a redirect.
pub(crate) fn query_of(url: &str) -> BTreeMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub(crate) struct Tenant {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) org: String,
    pub(crate) open_org: String,
    pub(crate) ann: String,
    pub(crate) connection: String,
}

pub(crate) async fn client(app: &TestApp, extra: Value) -> (String, String) {
    let mut body = json!({"name": "web app", "app_type": "regular_web", "callbacks": [CALLBACK],
        "allowed_logout_urls": ["https://app.test/bye"], "organization_usage": "require",
        "initiate_login_uri": "https://app.test/login",
        "grant_types": ["authorization_code", "refresh_token"]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.post("/api/v2/clients", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        r.body["client_id"].as_str().unwrap().to_owned(),
        r.body["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// A web client that requires organizations; `acme` (members only) and `open-co`
/// (membership on login, sign-up) on one database connection; Ann, a member of acme.
pub(crate) async fn tenant(app: &TestApp) -> Tenant {
    let (client_id, client_secret) = client(app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "people", "strategy": "auth0", "enabled_clients": [client_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let connection = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "acme", "display_name": "Acme <Inc>",
                   "branding": {"logo_url": "https://cdn.acme.test/logo.png"},
                   "enabled_connections": [{"connection_id": connection}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let org = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "open-co", "enabled_connections": [{"connection_id": connection,
                   "assign_membership_on_login": true, "is_signup_enabled": true}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let open_org = r.body["id"].as_str().unwrap().to_owned();
    let ann = user(app, "ann@acme.test").await;
    let r = app
        .post(
            &format!("/api/v2/organizations/{org}/members"),
            json!({"members": [ann]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    Tenant {
        client_id,
        client_secret,
        org,
        open_org,
        ann,
        connection,
    }
}

pub(crate) async fn user(app: &TestApp, email: &str) -> String {
    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "people", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["user_id"].as_str().unwrap().to_owned()
}

pub(crate) fn authorize(client_id: &str, extra: &[(&str, &str)]) -> String {
    let challenge = challenge_of(VERIFIER);
    let mut fields = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile email"),
        ("state", "st&te=1"),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        fields.retain(|(name, _)| name != k);
        fields.push((k, v));
    }
    fields.retain(|(_, v)| !v.is_empty());
    format!("/authorize?{}", encode(&fields))
}

pub(crate) async fn exchange(app: &TestApp, t: &Tenant, code: &str, verifier: &str) -> Response {
    app.call(
        Method::POST,
        "/oauth/token",
        None,
        Some(
            json!({"grant_type": "authorization_code", "client_id": t.client_id,
            "client_secret": t.client_secret, "code": code, "redirect_uri": CALLBACK,
            "code_verifier": verifier}),
        ),
    )
    .await
}

/// Logs in through the page at `path`; returns the code from the redirect.
pub(crate) async fn log_in(p: &mut Person<'_>, path: &str, email: &str) -> String {
    let page = p.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let r = p
        .submit(&page, &[("username", email), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let q = query_of(&location(&r));
    assert!(location(&r).starts_with(CALLBACK), "{}", location(&r));
    assert_eq!(q["state"], "st&te=1");
    q.get("code")
        .unwrap_or_else(|| panic!("a code: {q:?}"))
        .clone()
}

#[tokio::test]
async fn a_member_signs_in_to_her_organization_with_pkce() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut p = Person::new(&app);

    let page = p
        .get(&authorize(&t.client_id, &[("organization", "acme")]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert!(
        html.contains("Log in to Acme &#60;Inc&#62;"),
        "branded and escaped: {html}"
    );
    assert!(html.contains("https://cdn.acme.test/logo.png"));
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));
    assert!(html.contains(">Continue</button>"));
    assert!(!html.contains(">Sign up</a>"), "acme has no sign-up");
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.ends_with("form-action 'self' https://app.test")
            && csp.contains("frame-ancestors 'none'"),
        "the form's answer may leave for the callback's origin only: {csp}"
    );

    // A wrong password: the form again, with Auth0's message, and no redirect.
    let r = p
        .submit(
            &page,
            &[("username", "ann@acme.test"), ("password", "wrong")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        text(&r).contains("Wrong email or password."),
        "{}",
        text(&r)
    );
    assert!(text(&r).contains("role=\"alert\""));
    assert!(
        text(&r).contains("value=\"ann@acme.test\""),
        "the email is kept as typed"
    );
    assert!(!text(&r).contains("value=\"wrong\""), "the password is not");
    // Unknown emails get the same answer.
    let r = p
        .submit(
            &page,
            &[("username", "nobody@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(text(&r).contains("Wrong email or password."));

    let code = log_in(
        &mut p,
        &authorize(&t.client_id, &[("organization", "acme")]),
        "ANN@acme.test",
    )
    .await;
    let r = exchange(&app, &t, &code, VERIFIER).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["scope"], "openid profile email");
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "id_token",
            "scope",
            "expires_in",
            "token_type"
        ]
    );
    let id = claims_of(r.body["id_token"].as_str().unwrap());
    assert_eq!(id["iss"], "https://localhost:8443/");
    assert_eq!(id["aud"], t.client_id.as_str());
    assert_eq!(id["sub"], t.ann.as_str());
    assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(id["org_id"], t.org.as_str());
    assert_eq!(id["org_name"], "acme");
    assert_eq!(id["email"], "ann@acme.test");
    assert!(id["auth_time"].is_i64() && id["sid"].is_string());
    let access = claims_of(r.body["access_token"].as_str().unwrap());
    assert_eq!(access["aud"], "https://localhost:8443/userinfo");
    assert_eq!(access["org_id"], t.org.as_str());
    assert_eq!(access["azp"], t.client_id.as_str());

    // The access token reads /userinfo; a Management API token does not.
    let bearer = format!("Bearer {}", r.body["access_token"].as_str().unwrap());
    let req = Request::get("/userinfo")
        .header(header::AUTHORIZATION, &bearer)
        .body(Body::empty())
        .unwrap();
    let info = app.send(req).await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.body["sub"], t.ann.as_str());
    assert_eq!(info.body["email"], "ann@acme.test");
    assert_eq!(info.body["email_verified"], false);
    let req = Request::get("/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {}", app.admin_token))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
    // ... and the person's token is no Management API token.
    let r2 = app
        .call(
            Method::GET,
            "/api/v2/organizations",
            Some(r.body["access_token"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r2.status, StatusCode::UNAUTHORIZED, "{}", r2.body);

    // A code works once.
    let again = exchange(&app, &t, &code, VERIFIER).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(
        again.body,
        json!({"error": "invalid_grant", "error_description": "Invalid authorization code"})
    );
}

#[tokio::test]
async fn codes_need_their_verifier_client_and_redirect_uri() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut p = Person::new(&app);
    // prompt=login: each round signs in again (the session would answer at once).
    let path = authorize(
        &t.client_id,
        &[("organization", t.org.as_str()), ("prompt", "login")],
    );

    let code = log_in(&mut p, &path, "ann@acme.test").await;
    let r = exchange(
        &app,
        &t,
        &code,
        "another-verifier-of-forty-three-characters-xyz",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body["error_description"],
        "Failed to verify code verifier"
    );
    // The failed attempt used the code up.
    assert_eq!(
        exchange(&app, &t, &code, VERIFIER).await.status,
        StatusCode::FORBIDDEN
    );

    let code = log_in(&mut p, &path, "ann@acme.test").await;
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(json!({"grant_type": "authorization_code",
            "client_id": t.client_id, "client_secret": t.client_secret, "code": code,
            "redirect_uri": "https://app.test/other", "code_verifier": VERIFIER})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.body["error"], "invalid_grant");

    // Another client cannot redeem it; a wrong secret is not a client.
    let code = log_in(&mut p, &path, "ann@acme.test").await;
    let (other, other_secret) = client(&app, json!({})).await;
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(json!({"grant_type": "authorization_code",
            "client_id": other, "client_secret": other_secret, "code": code,
            "redirect_uri": CALLBACK, "code_verifier": VERIFIER})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.body["error"], "invalid_grant");
    let code = log_in(&mut p, &path, "ann@acme.test").await;
    let r = app
        .call(Method::POST, "/oauth/token", None, Some(json!({"grant_type": "authorization_code",
            "client_id": t.client_id, "code": code, "redirect_uri": CALLBACK, "code_verifier": VERIFIER})))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a confidential client needs its secret: {}",
        r.body
    );
    let r = exchange(&app, &t, "not-a-code", VERIFIER).await;
    assert_eq!(
        r.body,
        json!({"error": "invalid_grant", "error_description": "Invalid authorization code"})
    );
}

#[tokio::test]
async fn bad_requests_never_leave_for_unregistered_urls() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut p = Person::new(&app);

    // A redirect URI the client did not register: a page, no redirect.
    for wrong in [
        "https://evil.test/callback",
        "https://app.test/callback/",
        "https://app.test/callback?x=1",
    ] {
        let r = p
            .get(&authorize(
                &t.client_id,
                &[("organization", "acme"), ("redirect_uri", wrong)],
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{wrong}");
        assert!(r.headers.get(header::LOCATION).is_none());
        let html = text(&r);
        assert!(
            html.contains("Callback URL mismatch") && html.contains("Request id"),
            "{html}"
        );
    }
    let r = p
        .get(&authorize("nobody00000000000000000000000000", &[]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("Unknown client"));

    // Known redirect URI: Auth0's errors go back to it, with the state.
    let cases: Vec<(Params, &str, &str)> = vec![
        (
            vec![],
            "invalid_request",
            "parameter organization is required for this client",
        ),
        (
            vec![("organization", "acme"), ("code_challenge_method", "plain")],
            "invalid_request",
            "Only the S256 code_challenge_method is supported.",
        ),
        (
            vec![("organization", "acme"), ("response_type", "token")],
            "unsupported_response_type",
            "Unsupported response type: token",
        ),
        (
            vec![("organization", "nope")],
            "invalid_request",
            "parameter organization is invalid: no organization nope",
        ),
        (
            vec![
                ("organization", "acme"),
                ("audience", "https://localhost:8443/api/v2/"),
            ],
            "access_denied",
            "Tokens for the Management API are not issued to people here: use a client grant.",
        ),
        (
            vec![("organization", "acme"), ("connection", "other")],
            "invalid_request",
            "the connection other is not enabled for this organization and application",
        ),
        (
            vec![("organization", "acme"), ("prompt", "none")],
            "login_required",
            "Login required",
        ),
    ];
    for (extra, error, description) in cases {
        let r = p.get(&authorize(&t.client_id, &extra)).await;
        assert_eq!(r.status, StatusCode::FOUND, "{extra:?}: {}", text(&r));
        let to = location(&r);
        assert!(to.starts_with(CALLBACK), "{to}");
        let q = query_of(&to);
        assert_eq!(
            (q["error"].as_str(), q["error_description"].as_str()),
            (error, description),
            "{extra:?}"
        );
        assert_eq!(q["state"], "st&te=1");
    }

    // A client that does not use organizations refuses one.
    let (plain, _) = client(&app, json!({"organization_usage": "deny"})).await;
    let r = p.get(&authorize(&plain, &[("organization", "acme")])).await;
    assert_eq!(
        query_of(&location(&r))["error_description"],
        "parameter organization is not allowed for this client"
    );

    // A form posted without its CSRF cookie (from another site) signs no one in.
    let page = p
        .get(&authorize(&t.client_id, &[("organization", "acme")]))
        .await;
    p.cookies.clear();
    let r = p
        .submit(
            &page,
            &[("username", "ann@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert!(text(&r).contains("This form expired"));
}

#[tokio::test]
async fn membership_sign_up_and_invitations() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let bob = user(&app, "bob@else.test").await;

    // Bob is no member of acme: refused back to the app.
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(&t.client_id, &[("organization", "acme")]))
        .await;
    let r = p
        .submit(
            &page,
            &[("username", "bob@else.test"), ("password", PASSWORD)],
        )
        .await;
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(
        q["error_description"],
        format!("user {bob} is not part of the {} organization", t.org)
    );
    let members = app
        .get(&format!("/api/v2/organizations/{}/members", t.org))
        .await;
    assert_eq!(
        members.body.as_array().unwrap().len(),
        1,
        "Bob was not added"
    );

    // open-co makes people members on login.
    let mut p = Person::new(&app);
    let code = log_in(
        &mut p,
        &authorize(&t.client_id, &[("organization", "open-co")]),
        "bob@else.test",
    )
    .await;
    let r = exchange(&app, &t, &code, VERIFIER).await;
    assert_eq!(
        claims_of(r.body["id_token"].as_str().unwrap())["org_id"],
        t.open_org.as_str()
    );
    let members = app
        .get(&format!("/api/v2/organizations/{}/members", t.open_org))
        .await;
    assert_eq!(members.body[0]["user_id"], bob.as_str());

    // Sign-up where enabled; refused where not.
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "open-co"), ("screen_hint", "signup")],
        ))
        .await;
    let html = text(&page);
    assert!(
        html.contains("name=\"email\"") && html.contains(">Sign up</button>"),
        "{html}"
    );
    let r = p
        .submit(&page, &[("email", "cleo@new.test"), ("password", "short")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the password policy: {}",
        text(&r)
    );
    let r = p
        .submit(&page, &[("email", "cleo@new.test"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let found = app
        .get("/api/v2/users-by-email?email=cleo%40new.test")
        .await;
    let cleo = found.body[0]["user_id"].as_str().unwrap().to_owned();
    let members = app
        .get(&format!("/api/v2/organizations/{}/members", t.open_org))
        .await;
    assert!(members
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["user_id"] == cleo.as_str()));
    let page = p
        .get(&authorize(
            &t.client_id,
            &[
                ("organization", "acme"),
                ("screen_hint", "signup"),
                ("prompt", "login"),
            ],
        ))
        .await;
    assert!(
        !text(&page).contains(">Sign up</button>"),
        "acme shows the login form instead"
    );
    let r = p
        .post(
            "/u/signup",
            &[
                ("client_id", &t.client_id),
                ("redirect_uri", CALLBACK),
                ("response_type", "code"),
                ("organization", "acme"),
                (
                    "csrf",
                    p.cookies
                        .get("orgwarden_login_csrf")
                        .cloned()
                        .unwrap_or_default()
                        .as_str(),
                ),
                ("db", "people"),
                ("email", "dan@new.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", text(&r));
    assert!(text(&r).contains("Sign-ups are not allowed here"));
    let found = app.get("/api/v2/users-by-email?email=dan%40new.test").await;
    assert_eq!(found.body, json!([]), "no user was made");

    // An invitation to acme, with a role: signing up through it makes Dee a member with the
    // role, and uses it up.
    let role = app
        .post("/api/v2/roles", json!({"name": "viewer"}))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            &format!("/api/v2/organizations/{}/invitations", t.org),
            json!({"inviter": {"name": "Ann"}, "invitee": {"email": "dee@acme.test"},
                   "client_id": t.client_id, "connection_id": t.connection, "roles": [role]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let invitation_id = r.body["id"].as_str().unwrap().to_owned();
    let ticket = r.body["ticket_id"].as_str().unwrap().to_owned();
    let with_invitation = authorize(
        &t.client_id,
        &[
            ("organization", t.org.as_str()),
            ("invitation", ticket.as_str()),
            ("screen_hint", "signup"),
        ],
    );
    let mut p = Person::new(&app);
    let page = p.get(&with_invitation).await;
    let r = p
        .submit(
            &page,
            &[("email", "someone@else.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(text(&r).contains("different email address"));
    let r = p
        .submit(&page, &[("email", "dee@acme.test"), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let dee = app
        .get("/api/v2/users-by-email?email=dee%40acme.test")
        .await
        .body[0]["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let roles = app
        .get(&format!(
            "/api/v2/organizations/{}/members/{}/roles",
            t.org,
            dee.replace('|', "%7C")
        ))
        .await;
    assert_eq!(roles.body[0]["id"], role.as_str(), "{}", roles.body);
    let gone = app
        .get(&format!(
            "/api/v2/organizations/{}/invitations/{invitation_id}",
            t.org
        ))
        .await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the invitation is used up"
    );
    let mut p = Person::new(&app);
    let r = p.get(&with_invitation).await;
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "invalid_request");
}

#[tokio::test]
async fn sessions_silent_authentication_form_post_and_logout() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut p = Person::new(&app);
    log_in(
        &mut p,
        &authorize(&t.client_id, &[("organization", "acme")]),
        "ann@acme.test",
    )
    .await;
    let session = p
        .cookies
        .get("orgwarden_login")
        .cloned()
        .expect("a session cookie");

    // With the session, /authorize answers at once (prompt=none too); prompt=login asks again.
    let r = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let code = query_of(&location(&r))["code"].clone();
    assert_eq!(
        exchange(&app, &t, &code, VERIFIER).await.status,
        StatusCode::OK
    );
    let r = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "login")],
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);

    // form_post: a page whose form goes to the callback, which the page's policy allows.
    let r = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "acme"), ("response_mode", "form_post")],
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = text(&r);
    assert!(html.contains(&format!("action=\"{CALLBACK}\"")), "{html}");
    let fields: BTreeMap<String, String> = hidden_fields(&html).into_iter().collect();
    assert_eq!(fields["state"], "st&te=1");
    assert!(fields.contains_key("code"));
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("form-action 'self' https://app.test"), "{csp}");

    // Logout: only to an allowed URL; the session ends either way.
    let r = p
        .get(
            "/v2/logout?returnTo=https%3A%2F%2Fevil.test%2F&client_id="
                .to_owned()
                .as_str(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.headers.get(header::LOCATION).is_none());
    assert!(
        !p.cookies.contains_key("orgwarden_login"),
        "the cookie is cleared"
    );
    p.cookies.insert("orgwarden_login".into(), session.clone());
    let r = p
        .get(&format!(
            "/v2/logout?returnTo=https%3A%2F%2Fapp.test%2Fbye&client_id={}",
            t.client_id
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(location(&r), "https://app.test/bye");
    // The old cookie no longer works: the session is gone from storage.
    p.cookies.insert("orgwarden_login".into(), session);
    let r = p
        .get(&authorize(
            &t.client_id,
            &[("organization", "acme"), ("prompt", "none")],
        ))
        .await;
    assert_eq!(query_of(&location(&r))["error"], "login_required");

    // OpenID Connect logout with an ID token hint and state.
    let code = log_in(
        &mut p,
        &authorize(&t.client_id, &[("organization", "acme")]),
        "ann@acme.test",
    )
    .await;
    let id_token = exchange(&app, &t, &code, VERIFIER).await.body["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = p
        .get(&format!(
            "/oidc/logout?{}",
            encode(&[
                ("id_token_hint", id_token.as_str()),
                ("post_logout_redirect_uri", "https://app.test/bye"),
                ("state", "s1")
            ])
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    assert_eq!(location(&r), "https://app.test/bye?state=s1");
}

#[tokio::test]
async fn public_clients_use_pkce_instead_of_a_secret() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let (spa, _) = client(
        &app,
        json!({"app_type": "spa", "token_endpoint_auth_method": "none"}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"enabled_clients": [t.client_id, spa]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut p = Person::new(&app);
    let r = p
        .get(&authorize(
            &spa,
            &[
                ("organization", "acme"),
                ("code_challenge", ""),
                ("code_challenge_method", ""),
            ],
        ))
        .await;
    assert_eq!(
        query_of(&location(&r))["error"],
        "invalid_request",
        "PKCE is required"
    );
    let code = log_in(
        &mut p,
        &authorize(&spa, &[("organization", "acme")]),
        "ann@acme.test",
    )
    .await;
    let redeem = |verifier: &str| {
        json!({"grant_type": "authorization_code", "client_id": spa, "code": code,
               "redirect_uri": CALLBACK, "code_verifier": verifier})
    };
    let r = app
        .call(Method::POST, "/oauth/token", None, Some(redeem(VERIFIER)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        claims_of(r.body["id_token"].as_str().unwrap())["aud"],
        spa.as_str()
    );
}

#[tokio::test]
async fn discovery_lists_the_login_endpoints() {
    let app = TestApp::new().await;
    let r = app.get("/.well-known/openid-configuration").await;
    assert_eq!(r.status, StatusCode::OK);
    let d = &r.body;
    assert_eq!(
        d["authorization_endpoint"],
        "https://localhost:8443/authorize"
    );
    assert_eq!(d["userinfo_endpoint"], "https://localhost:8443/userinfo");
    assert_eq!(
        d["end_session_endpoint"],
        "https://localhost:8443/oidc/logout"
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["response_types_supported"], json!(["code"]));
}

#[tokio::test]
async fn the_dashboard_offers_a_sign_in_for_the_organization() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let mut b = crate::dashboard::Browser::sign_in(&app).await;
    let html = b
        .get(&format!("/dashboard/organizations/{}/connections", t.org))
        .await;
    assert!(html.contains("Try sign-in with web app"), "{html}");
    let href = format!(
        "/authorize?{}",
        attr(&html, "<a href=\"/authorize?", "\"").expect("a link")
    );
    let mut p = Person::new(&app);
    let page = p.get(&href).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    assert!(text(&page).contains("Log in to Acme &#60;Inc&#62;"));
    // An organization whose connections no application uses says what is missing.
    let other = app.organization("lonely").await;
    let html = b
        .get(&format!("/dashboard/organizations/{other}/connections"))
        .await;
    assert!(
        html.contains("No application can sign people in to this organization yet"),
        "{html}"
    );
}

#[tokio::test]
async fn the_organization_prompt_asks_for_a_name_and_says_when_there_is_none() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let (prompting, _) = client(
        &app,
        json!({"organization_require_behavior": "pre_login_prompt"}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"enabled_clients": [t.client_id, prompting]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut p = Person::new(&app);
    let page = p.get(&authorize(&prompting, &[])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert!(
        html.contains("Organization name") && html.contains("action=\"/authorize\""),
        "{html}"
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.ends_with("form-action 'self' https://app.test"),
        "{csp}"
    );
    let fields: BTreeMap<String, String> = hidden_fields(&html).into_iter().collect();
    assert_eq!(fields["client_id"], prompting);
    assert!(!fields.contains_key("organization"));
    let r = p
        .get(&authorize(&prompting, &[("organization", "nope")]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        text(&r).contains("No organization is called nope."),
        "{}",
        text(&r)
    );
    assert!(r.headers.get(header::LOCATION).is_none());
    let r = p
        .get(&authorize(&prompting, &[("organization", "ACME")]))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        text(&r).contains("Log in to Acme"),
        "names are case-insensitive"
    );
}

#[tokio::test]
async fn guessing_a_password_locks_that_account_at_that_address() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    user(&app, "bob@else.test").await;
    let mut p = Person::new(&app);
    let path = authorize(
        &t.client_id,
        &[("organization", "open-co"), ("prompt", "login")],
    );
    let page = p.get(&path).await;
    for _ in 0..10 {
        let r = p
            .submit(
                &page,
                &[("username", "ann@acme.test"), ("password", "guess")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // The right password no longer gets through from here, for a while.
    let r = p
        .submit(
            &page,
            &[("username", "ann@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", text(&r));
    assert!(text(&r).contains("Too many failed attempts to log in."));
    // Another account at the same address is not locked.
    let r = p
        .submit(
            &page,
            &[("username", "bob@else.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    // password-realm shares the count.
    let r = app.patch(&format!("/api/v2/clients/{}", t.client_id),
        json!({"grant_types": ["authorization_code", "http://auth0.com/oauth/grant-type/password-realm"]})).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(json!({
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm", "client_id": t.client_id,
        "client_secret": t.client_secret, "username": "ann@acme.test", "password": PASSWORD,
        "realm": "people", "organization": "acme"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

#[tokio::test]
async fn post_login_prompt_lets_the_person_choose_among_their_organizations() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let (after, after_secret) = client(
        &app,
        json!({"organization_require_behavior": "post_login_prompt"}),
    )
    .await;
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"enabled_clients": [t.client_id, after]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v2/organizations/{}/members", t.open_org),
            json!({"members": [t.ann]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // The login page first (no organization yet), then the choice.
    let mut p = Person::new(&app);
    let page = p.get(&authorize(&after, &[("prompt", "login")])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    assert!(text(&page).contains("name=\"password\""));
    let choice = p
        .submit(
            &page,
            &[("username", "ann@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(choice.status, StatusCode::OK, "{}", text(&choice));
    let html = text(&choice);
    assert!(html.contains("Choose an organization"), "{html}");
    let csp = choice.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.ends_with("form-action 'self' https://app.test"),
        "the choice's answer may leave for the callback's origin only (a browser found it blocked): {csp}"
    );
    assert!(
        html.contains(&format!("value=\"{}\">Acme &#60;Inc&#62;</button>", t.org)),
        "{html}"
    );
    assert!(
        html.contains(&format!("value=\"{}\">open-co</button>", t.open_org)),
        "{html}"
    );
    let mut fields: Vec<(String, String)> = hidden_fields(&html);
    assert!(fields
        .iter()
        .all(|(k, _)| k != "prompt" && k != "organization"));
    let mut pick = |org: &str| {
        fields.retain(|(k, _)| k != "organization");
        fields.push(("organization".into(), org.to_owned()));
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        format!("/authorize?{}", encode(&borrowed))
    };
    let r = p.get(&pick(&t.org)).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let code = query_of(&location(&r))["code"].clone();
    let r = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(
                json!({"grant_type": "authorization_code", "client_id": after,
                "client_secret": after_secret, "code": code, "redirect_uri": CALLBACK,
                "code_verifier": VERIFIER}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = claims_of(r.body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["org_id"].as_str(), id["org_name"].as_str()),
        (Some(t.org.as_str()), Some("acme"))
    );

    // A forged choice is answered by the admission rule: not a member, refused.
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "closed", "enabled_connections": [{"connection_id": t.connection}]}),
        )
        .await;
    let closed = r.body["id"].as_str().unwrap().to_owned();
    let r = p.get(&pick(&closed)).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let q = query_of(&location(&r));
    assert!(location(&r).starts_with(CALLBACK));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(
        q["error_description"],
        format!("user {} is not part of the {closed} organization", t.ann)
    );

    // Someone in no organization at all is sent back with access_denied.
    let bob = user(&app, "bob@else.test").await;
    let mut b = Person::new(&app);
    let page = b.get(&authorize(&after, &[])).await;
    let r = b
        .submit(
            &page,
            &[("username", "bob@else.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let q = query_of(&location(&r));
    assert_eq!(q["error"], "access_denied");
    assert_eq!(
        q["error_description"],
        format!("user {bob} is not part of any organization")
    );
}

#[tokio::test]
async fn an_organizations_colours_reach_its_login_page_through_a_stylesheet() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let r = app
        .patch(
            &format!("/api/v2/organizations/{}", t.org),
            json!({"branding": {"colors": {"primary": "#e3e2f0", "page_background": "#102030"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(&t.client_id, &[("organization", "acme")]))
        .await;
    let html = text(&page);
    let href = attr(&html, "<link rel=\"stylesheet\" href=\"/u/brand.css", "\"")
        .unwrap_or_else(|| panic!("a branding stylesheet: {html}"));
    assert!(
        !html.contains("style="),
        "no inline styles (the policy forbids them)"
    );
    let sheet = p.get(&format!("/u/brand.css{href}")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert_eq!(
        sheet.headers[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    let css = text(&sheet);
    assert!(
        css.contains("--accent: #e3e2f0; --accent-fg: #000000;"),
        "{css}"
    );
    assert!(css.contains("background: #102030;"), "{css}");
    // Only colours become CSS.
    for bad in ["red", "%23fff;}body{display:none", "%2312345", "%23ggg"] {
        let r = p.get(&format!("/u/brand.css?primary={bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(!text(&r).contains('{'));
    }
    // An organization without colours links no sheet.
    let page = p
        .get(&authorize(&t.client_id, &[("organization", "open-co")]))
        .await;
    assert!(!text(&page).contains("/u/brand.css"));
}
