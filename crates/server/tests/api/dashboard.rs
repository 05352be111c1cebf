//! The web dashboard, driven through its HTML forms as a browser would: sign-in, sessions,
//! CSRF, escaping, validation messages, security headers, enabling and toggling connections.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use orgwarden_domain::clock::ManualClock;
use serde_json::json;

use crate::app::{Response, TestApp};

/// A browser: its session cookie and the CSRF token of the last page.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) cookie: String,
    csrf: String,
}

pub(crate) fn text(r: &Response) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

pub(crate) fn location(r: &Response) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The value of the first `name="csrf"` hidden input.
pub(crate) fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

pub(crate) fn set_cookie(r: &Response, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with(&format!("{name}=")))
}

pub(crate) fn encode(fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

pub(crate) async fn get(app: &TestApp, path: &str, cookie: &str) -> Response {
    let req = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> Response {
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(fields)))
        .unwrap();
    app.send(req).await
}

/// Opens the sign-in page and posts `fields` with its token.
async fn try_sign_in(app: &TestApp, fields: &[(&str, &str)]) -> Response {
    let page = get(app, "/dashboard/sign-in", "").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = csrf_of(&text(&page)).expect("sign-in token");
    let cookie = set_cookie(&page, "orgwarden_sign_in").expect("sign-in cookie");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let mut all = vec![("csrf", token.as_str())];
    all.extend_from_slice(fields);
    post(app, "/dashboard/sign-in", &cookie, &all).await
}

impl<'a> Browser<'a> {
    pub(crate) async fn sign_in(app: &'a TestApp) -> Browser<'a> {
        let r = try_sign_in(
            app,
            &[
                ("client_id", &app.admin.client_id),
                ("client_secret", &app.admin.client_secret),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
        assert_eq!(location(&r), "/dashboard/organizations");
        let cookie = set_cookie(&r, "orgwarden_session").expect("session cookie");
        for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/dashboard"] {
            assert!(cookie.contains(attr), "{cookie} has {attr}");
        }
        let cookie = cookie.split(';').next().unwrap().to_owned();
        let mut b = Browser {
            app,
            cookie,
            csrf: String::new(),
        };
        b.get("/dashboard/organizations").await;
        b
    }

    /// GETs a page (200 expected) and remembers its CSRF token.
    pub(crate) async fn get(&mut self, path: &str) -> String {
        let r = get(self.app, path, &self.cookie).await;
        assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", text(&r));
        let html = text(&r);
        if let Some(t) = csrf_of(&html) {
            self.csrf = t;
        }
        html
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        post(self.app, path, &self.cookie, &all).await
    }
}

#[tokio::test]
async fn sign_in_with_the_admin_client_and_sign_out() {
    let app = TestApp::new().await;
    let mut b = Browser::sign_in(&app).await;
    let html = b.get("/dashboard/organizations").await;
    assert!(html.contains("<h1>Organizations</h1>"), "{html}");

    let r = b.post("/dashboard/sign-out", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/dashboard/sign-in"));
    let cleared = set_cookie(&r, "orgwarden_session").unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie no longer works.
    let r = get(&app, "/dashboard/organizations", &b.cookie).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/dashboard/sign-in?expired=1");
}

#[tokio::test]
async fn sign_in_failures_say_why_and_keep_the_client_id() {
    let app = TestApp::new().await;
    let r = try_sign_in(
        &app,
        &[
            ("client_id", &app.admin.client_id),
            ("client_secret", "wrong-secret"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let html = text(&r);
    assert!(html.contains("Those credentials are not valid"), "{html}");
    assert!(html.contains(&format!("value=\"{}\"", app.admin.client_id)));
    assert!(set_cookie(&r, "orgwarden_session").is_none());

    // No password is set: a password does not sign in.
    let r = try_sign_in(&app, &[("password", "anything")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Without the sign-in form's token: refused.
    let r = post(
        &app,
        "/dashboard/sign-in",
        "",
        &[
            ("client_id", &app.admin.client_id),
            ("client_secret", &app.admin.client_secret),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(set_cookie(&r, "orgwarden_session").is_none());
}

#[tokio::test]
async fn signed_out_requests_are_redirected_or_refused() {
    let app = TestApp::new().await;
    for path in [
        "/dashboard/organizations",
        "/dashboard/connections",
        "/dashboard/clients",
    ] {
        let r = get(&app, path, "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), "/dashboard/sign-in", "{path}");
    }
    for path in ["/", "/dashboard", "/dashboard/"] {
        let r = get(&app, path, "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&r), "/dashboard/organizations", "{path}");
    }
    // A POST without a session: a page saying so, with the request id; nothing made.
    let r = post(
        &app,
        "/dashboard/organizations",
        "orgwarden_session=forged",
        &[("csrf", "x"), ("name", "sneaky")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let html = text(&r);
    let id = r.headers.get("x-request-id").unwrap().to_str().unwrap();
    assert!(html.contains("session has expired"), "{html}");
    assert!(html.contains(id), "the page shows the request id");
    assert_eq!(
        app.get("/api/v2/organizations/name/sneaky").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sessions_expire_after_eight_idle_hours() {
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let app = TestApp::builder().clock(clock.clone()).build().await;
    let mut b = Browser::sign_in(&app).await;
    clock.advance(time::Duration::hours(7));
    b.get("/dashboard/organizations").await;
    clock.advance(time::Duration::hours(7));
    b.get("/dashboard/organizations").await; // idle time restarted by each request
    clock.advance(time::Duration::hours(9));
    let r = get(&app, "/dashboard/organizations", &b.cookie).await;
    assert_eq!(location(&r), "/dashboard/sign-in?expired=1");
    let r = get(&app, "/dashboard/sign-in?expired=1", "").await;
    assert!(text(&r).contains("Your session has expired"));
}

#[tokio::test]
async fn a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let b = Browser::sign_in(&app).await;
    for token in ["", "stale-token"] {
        let r = post(
            &app,
            "/dashboard/organizations",
            &b.cookie,
            &[("csrf", token), ("name", "csrf-victim")],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let html = text(&r);
        assert!(html.contains("CSRF"), "{html}");
        assert!(html.contains("Request id"), "{html}");
        assert!(html.starts_with("<!doctype html>"));
    }
    assert_eq!(
        app.get("/api/v2/organizations/name/csrf-victim")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // With the right token it is made.
    let r = b
        .post("/dashboard/organizations", &[("name", "csrf-victim")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    assert_eq!(
        app.get("/api/v2/organizations/name/csrf-victim")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn user_data_is_escaped() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": "xss", "display_name": "<script>alert(1)</script>", "metadata": {"k": "\"><img src=x onerror=alert(2)>"}}),
        )
        .await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let mut b = Browser::sign_in(&app).await;
    for path in [
        "/dashboard/organizations".to_owned(),
        "/dashboard/organizations?q=%3Cscript%3E".to_owned(),
        format!("/dashboard/organizations/{id}"),
        format!("/dashboard/organizations/{id}/connections"),
    ] {
        let html = b.get(&path).await;
        assert!(!html.contains("<script>alert"), "{path}: {html}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}: {html}"
        );
    }
}

#[tokio::test]
async fn a_refused_form_shows_the_apis_message_and_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let mut b = Browser::sign_in(&app).await;
    b.get("/dashboard/organizations/new").await;
    let r = b
        .post(
            "/dashboard/organizations",
            &[
                ("name", "Bad Name"),
                ("display_name", "Typed display"),
                ("primary", "#123456"),
                ("page_background", "#fff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    // The API's own message, next to the field.
    let api = app
        .post("/api/v2/organizations", json!({"name": "Bad Name"}))
        .await;
    let message = api.body["message"].as_str().unwrap();
    let escaped = message.replace('\'', "&#39;");
    assert!(
        html.contains(&format!(
            "<p class=\"error\" id=\"name-error\">{escaped}</p>"
        )),
        "{html}"
    );
    assert!(html.contains("value=\"Bad Name\""));
    assert!(html.contains("value=\"Typed display\""));
    assert!(html.contains("value=\"#123456\""));
    let all = app.get("/api/v2/organizations").await;
    assert_eq!(all.body.as_array().unwrap().len(), 0, "nothing made");

    // A bad colour is tied to its field; the logo URL must be https.
    let r = b
        .post(
            "/dashboard/organizations",
            &[
                ("name", "acme"),
                ("logo_url", "http://insecure.example/logo.png"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("id=\"logo_url-error\""), "{}", text(&r));

    // A taken name: the conflict message, by the name field.
    app.organization("taken").await;
    let r = b
        .post("/dashboard/organizations", &[("name", "taken")])
        .await;
    assert!(text(&r).contains("An organization with the same name already exists."));
}

#[tokio::test]
async fn dashboard_pages_carry_the_security_headers() {
    let app = TestApp::new().await;
    let mut b = Browser::sign_in(&app).await;
    b.get("/dashboard/organizations").await;
    for path in [
        "/dashboard/organizations",
        "/dashboard/sign-in",
        "/dashboard/no-such-page",
    ] {
        let r = get(&app, path, &b.cookie).await;
        let h = &r.headers;
        assert_eq!(
            h["content-security-policy"],
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; frame-ancestors 'none'; form-action 'self'",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert_eq!(h["x-frame-options"], "DENY");
    }
    let r = get(&app, "/dashboard/no-such-page", &b.cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(text(&r).contains("Page not found"));
    // The API keeps its JSON 404.
    let r = app.get("/api/v2/no-such-thing").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.body["statusCode"], 404);
    // Assets are embedded and cacheable.
    let html = b.get("/dashboard/organizations").await;
    let at = html.find("/dashboard/assets/").unwrap();
    let href = &html[at..at + html[at..].find('"').unwrap()];
    let r = get(&app, href, "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
}

#[tokio::test]
async fn enable_a_connection_and_toggle_its_settings_through_the_forms() {
    let app = TestApp::new().await;
    let db = app.connection("members-db", "auth0").await;
    let saml = app.connection("acme-saml", "samlp").await;
    let org = app.organization("acme").await;
    let mut b = Browser::sign_in(&app).await;
    let page = format!("/dashboard/organizations/{org}/connections");
    let html = b.get(&page).await;
    assert!(html.contains("0 of 10"), "{html}");
    assert!(html
        .contains("Sign-up needs membership on login, and only database connections support it."));
    assert!(html.contains("members-db") && html.contains("acme-saml"));
    assert!(html.contains(&format!("/api/v2/organizations/{org}/enabled_connections")));
    // The "try it" panel: curl with the CA (TLS is on), and a working token.
    assert!(html.contains("curl --cacert "), "{html}");
    assert!(html.contains("tls/ca.pem"));
    let at = html.find("Bearer ").unwrap() + "Bearer ".len();
    let token: String = html[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    let listed = app
        .call(
            Method::GET,
            &format!("/api/v2/organizations/{org}/enabled_connections"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK, "the panel's token works");
    let denied = app
        .call(Method::GET, "/api/v2/clients", Some(&token), None)
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "and only for that");
    let claims = crate::app::claims_of(&token);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600,
        "the panel's token is short-lived: {claims}"
    );

    let r = b
        .post(
            &page,
            &[("connection_id", db.as_str()), ("show_as_button", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let r = b.post(&page, &[("connection_id", saml.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let html = b.get(&page).await;
    assert!(html.contains("2 of 10"), "{html}");

    // Sign-up without membership: refused with the API's message, on that row, as typed.
    let row = format!("{page}/{db}");
    let r = b
        .post(
            &row,
            &[("show_as_button", "true"), ("is_signup_enabled", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(
        html.contains("Only database connections with assign_membership_on_login = true support is_signup_enabled = true."),
        "{html}"
    );
    assert!(html.contains(&format!("id=\"error-{db}\"")));
    let api = app
        .get(&format!(
            "/api/v2/organizations/{org}/enabled_connections/{db}"
        ))
        .await;
    assert_eq!(api.body["is_signup_enabled"], false, "unchanged");

    // With membership: saved.
    let r = b
        .post(
            &row,
            &[
                ("assign_membership_on_login", "true"),
                ("is_signup_enabled", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let api = app
        .get(&format!(
            "/api/v2/organizations/{org}/enabled_connections/{db}"
        ))
        .await;
    assert_eq!(api.body["assign_membership_on_login"], true);
    assert_eq!(api.body["is_signup_enabled"], true);
    assert_eq!(api.body["show_as_button"], false);

    // Disable, after a confirmation page.
    let confirm = b.get(&format!("{page}/{saml}/disable")).await;
    assert!(confirm.contains("Disable acme-saml for acme?"));
    let r = b.post(&format!("{page}/{saml}/disable"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = b.get(&page).await;
    assert!(html.contains("1 of 10"));

    // The connection's page lists the organizations using it.
    let html = b.get(&format!("/dashboard/connections/{db}")).await;
    assert!(
        html.contains("/dashboard/organizations/") && html.contains(">acme<"),
        "{html}"
    );
}

#[tokio::test]
async fn clients_get_a_secret_once_and_scopes_by_checkbox() {
    let app = TestApp::new().await;
    let mut b = Browser::sign_in(&app).await;
    b.get("/dashboard/clients").await;
    let r = b.post("/dashboard/clients", &[("name", "reporting")]).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", text(&r));
    let html = text(&r);
    assert!(html.contains("Client secret (shown once)"));
    let list = app.get("/api/v2/clients").await;
    let client = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "reporting")
        .unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.get(&format!("/dashboard/clients/{client}")).await;
    let r = b
        .post(
            &format!("/dashboard/clients/{client}/grant"),
            &[
                ("scope", "read:organizations"),
                ("scope", "read:organization_connections"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let grants = app
        .get(&format!("/api/v2/client-grants?client_id={client}"))
        .await;
    assert_eq!(
        grants.body[0]["scope"],
        json!(["read:organizations", "read:organization_connections"])
    );

    // Rotation shows the new secret once; the admin client's is not rotated from here.
    let r = b
        .post(&format!("/dashboard/clients/{client}/rotate"), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    assert!(text(&r).contains("Secret rotated"));
    let admin = app.admin.client_id.clone();
    let r = b
        .post(&format!("/dashboard/clients/{admin}/rotate"), &[])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let token = app
        .call(
            Method::POST,
            "/oauth/token",
            None,
            Some(json!({
                "grant_type": "client_credentials",
                "client_id": admin,
                "client_secret": app.admin.client_secret,
                "audience": app.state.identity().audience,
            })),
        )
        .await;
    assert_eq!(token.status, StatusCode::OK, "the admin secret still works");
}

#[tokio::test]
async fn organizations_are_edited_searched_paged_and_deleted() {
    let app = TestApp::new().await;
    for i in 0..55 {
        app.organization(&format!("bulk-{i:02}")).await;
    }
    let id = app.organization("editable").await;
    let mut b = Browser::sign_in(&app).await;

    // Checkpoint paging: 50, then the rest through the "Next page" link (which keeps the
    // search).
    let next_link = |html: &str| {
        let at = html.find("rel=\"next\"")?;
        let start = html[..at].rfind("href=\"")? + 6;
        let href = html[start..at].trim_end().trim_end_matches('"');
        Some(href.replace("&#38;", "&").replace("&amp;", "&"))
    };
    let html = b.get("/dashboard/organizations").await;
    assert!(html.contains(">bulk-49<") && !html.contains(">bulk-50<"));
    let html = b.get(&next_link(&html).expect("a next page")).await;
    assert!(
        html.contains(">bulk-50<") && html.contains(">editable<"),
        "{html}"
    );
    assert!(!html.contains(">bulk-49<"));
    assert!(next_link(&html).is_none(), "the last page");

    let html = b.get("/dashboard/organizations?q=BULK").await;
    assert!(html.contains(">bulk-00<") && html.contains(">bulk-49<"));
    let next = next_link(&html).expect("a next page of the search");
    assert!(next.contains("q=BULK&from="), "{next}");
    let html = b.get(&next).await;
    assert!(
        html.contains(">bulk-54<") && !html.contains(">editable<"),
        "{html}"
    );

    // Search: case-insensitive, on name or display name.
    let html = b.get("/dashboard/organizations?q=EDIT").await;
    assert!(html.contains(">editable<") && !html.contains(">bulk-01<"));
    let html = b.get("/dashboard/organizations?q=%25").await;
    assert!(html.contains("No organization matches"), "% is literal");

    // Edit: display name, branding and metadata.
    b.get(&format!("/dashboard/organizations/{id}")).await;
    let r = b
        .post(
            &format!("/dashboard/organizations/{id}"),
            &[
                ("name", "editable"),
                ("display_name", "Editable Inc."),
                ("logo_url", "https://example.com/logo.png"),
                ("primary", "#112233"),
                ("page_background", "#ffffff"),
                ("meta_key", "tier"),
                ("meta_value", "gold"),
                ("meta_key", ""),
                ("meta_value", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let org = app.get(&format!("/api/v2/organizations/{id}")).await.body;
    assert_eq!(org["display_name"], "Editable Inc.");
    assert_eq!(org["branding"]["colors"]["primary"], "#112233");
    assert_eq!(org["metadata"], json!({"tier": "gold"}));
    let html = b
        .get(&format!("/dashboard/organizations/{id}?notice=saved"))
        .await;
    assert!(html.contains("Saved.") && html.contains("value=\"gold\""));

    // A bad colour: refused next to its field, nothing changed.
    let r = b
        .post(
            &format!("/dashboard/organizations/{id}"),
            &[
                ("name", "editable"),
                ("primary", "blue"),
                ("page_background", "#fff"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("id=\"primary-error\""), "{}", text(&r));
    let org = app.get(&format!("/api/v2/organizations/{id}")).await.body;
    assert_eq!(org["branding"]["colors"]["primary"], "#112233");

    // Delete, after a confirmation page.
    let html = b
        .get(&format!("/dashboard/organizations/{id}/delete"))
        .await;
    assert!(html.contains("Delete organization editable?"));
    let r = b
        .post(&format!("/dashboard/organizations/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&format!("/api/v2/organizations/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = get(&app, &format!("/dashboard/organizations/{id}"), &b.cookie).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(text(&r).contains("This organization does not exist."));
}

#[tokio::test]
async fn connections_are_created_filtered_and_deleted_with_their_organizations_listed() {
    let app = TestApp::new().await;
    let mut b = Browser::sign_in(&app).await;
    b.get("/dashboard/connections/new").await;
    let r = b
        .post(
            "/dashboard/connections",
            &[
                ("name", "bad name!"),
                ("strategy", "auth0"),
                ("display_name", "Kept"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(html.contains("id=\"name-error\""), "{html}");
    assert!(html.contains("value=\"Kept\""));
    let r = b
        .post(
            "/dashboard/connections",
            &[("name", "partners"), ("strategy", "samlp")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let conn = location(&r)
        .trim_start_matches("/dashboard/connections/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    app.connection("members", "auth0").await;
    let html = b.get("/dashboard/connections?strategy=samlp").await;
    assert!(html.contains(">partners<") && !html.contains(">members<"));

    let org = app.organization("uses-partners").await;
    app.post(
        &format!("/api/v2/organizations/{org}/enabled_connections"),
        json!({"connection_id": conn}),
    )
    .await;
    let html = b
        .get(&format!("/dashboard/connections/{conn}/delete"))
        .await;
    assert!(html.contains("It will be removed from these organizations"));
    assert!(html.contains(">uses-partners<"));
    let r = b
        .post(&format!("/dashboard/connections/{conn}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let enabled = app
        .get(&format!("/api/v2/organizations/{org}/enabled_connections"))
        .await;
    assert_eq!(enabled.body, json!([]));
}

#[tokio::test]
async fn the_dashboard_password_signs_in_when_set() {
    let app = TestApp::builder()
        .dashboard_password("correct horse")
        .build()
        .await;
    let r = try_sign_in(&app, &[("password", "wrong horse")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = try_sign_in(&app, &[("password", "correct horse")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(set_cookie(&r, "orgwarden_session").is_some());
}
