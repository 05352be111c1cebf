//! Password-change tickets: `POST /api/v2/tickets/password-change` (its own scope, its
//! refusals), the `/lo/reset` page that uses one once, and `POST /dbconnections/change_password`,
//! which answers the same for every email and logs the link for a known one (no email is sent).

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};

use crate::app::{Response, TestApp};
use crate::dashboard::{location, text};
use crate::login::{query_of, tenant, Person, Tenant, PASSWORD};

const NEW_PASSWORD: &str = "A new horse 7 staple";

async fn realm_login(app: &TestApp, t: &Tenant, password: &str) -> StatusCode {
    app.call(
        Method::POST,
        "/oauth/token",
        None,
        Some(
            json!({"grant_type": "http://auth0.com/oauth/grant-type/password-realm",
            "client_id": t.client_id, "client_secret": t.client_secret,
            "username": "ann@acme.test", "password": password, "realm": "people",
            "organization": "acme", "scope": "openid"}),
        ),
    )
    .await
    .status
}

/// The path (and query) of a ticket URL.
fn path_of(ticket: &str) -> String {
    let at = ticket.find("/lo/reset").expect("Auth0's /lo/reset path");
    ticket[at..].trim_end_matches('#').to_owned()
}

/// Sets `password` (twice) through the ticket's page.
async fn reset(p: &mut Person<'_>, ticket_path: &str, password: &str, confirm: &str) -> Response {
    let page = p.get(ticket_path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    p.submit(
        &page,
        &[("password", password), ("password_confirm", confirm)],
    )
    .await
}

#[tokio::test]
async fn a_ticket_sets_a_new_password_once() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    app.patch(
        &format!("/api/v2/clients/{}", t.client_id),
        json!({"grant_types": ["http://auth0.com/oauth/grant-type/password-realm"]}),
    )
    .await;
    let r = app
        .post(
            "/api/v2/tickets/password-change",
            json!({"user_id": t.ann, "mark_email_as_verified": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    assert_eq!(r.body.as_object().unwrap().len(), 1);
    assert!(
        ticket.contains("/lo/reset?ticket=") && ticket.ends_with('#'),
        "{ticket}"
    );

    let mut p = Person::new(&app);
    let page = p.get(&path_of(&ticket)).await;
    let html = text(&page);
    assert!(
        html.contains("Change your password") && html.contains("ann@acme.test"),
        "{html}"
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("form-action 'self'"), "{csp}");
    // Refusals keep the ticket: mismatched, too weak, a stale form.
    let r = reset(&mut p, &path_of(&ticket), NEW_PASSWORD, "something else").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("The passwords do not match."));
    let r = reset(&mut p, &path_of(&ticket), "a", "a").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("role=\"alert\""), "{}", text(&r));
    let mut stranger = Person::new(&app);
    let r = stranger
        .post(
            "/lo/reset",
            &[
                ("ticket", query_of(&ticket)["ticket"].trim_end_matches('#')),
                ("csrf", "x"),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "no CSRF cookie: {}",
        text(&r)
    );
    assert_eq!(
        realm_login(&app, &t, PASSWORD).await,
        StatusCode::OK,
        "nothing changed yet"
    );

    let r = reset(&mut p, &path_of(&ticket), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    assert!(text(&r).contains("Your password has been changed."));
    assert_eq!(realm_login(&app, &t, NEW_PASSWORD).await, StatusCode::OK);
    assert_eq!(realm_login(&app, &t, PASSWORD).await, StatusCode::FORBIDDEN);
    let user = app.get(&format!("/api/v2/users/{}", t.ann)).await;
    assert_eq!(user.body["email_verified"], true);

    // Used up.
    let again = p.get(&path_of(&ticket)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(text(&again).contains("expired or was already used"));
    for bad in [
        "/lo/reset",
        "/lo/reset?ticket=nope",
        "/lo/reset?ticket=a&ticket=b",
    ] {
        assert_eq!(p.get(bad).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_ticket_by_email_returns_to_its_result_url() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let r = app
        .post(
            "/api/v2/tickets/password-change",
            json!({"email": "ANN@acme.test",
            "connection_id": t.connection, "result_url": "https://app.test/done?from=reset",
            "includeEmailInRedirect": true, "ttl_sec": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    let mut p = Person::new(&app);
    let r = reset(&mut p, &path_of(&ticket), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", text(&r));
    let to = location(&r);
    assert!(to.starts_with("https://app.test/done?from=reset&"), "{to}");
    let q = query_of(&to);
    assert_eq!(
        (q["success"].as_str(), q["email"].as_str()),
        ("true", "ann@acme.test")
    );
}

#[tokio::test]
async fn tickets_need_their_scope_and_a_person_of_a_database_connection() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let without = app.client_with(&["read:users", "update:users"]).await;
    let r = app
        .call(
            Method::POST,
            "/api/v2/tickets/password-change",
            Some(&without.token),
            Some(json!({"user_id": t.ann})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "Insufficient scope, expected any of: create:user_tickets"
    );

    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"user_id": "auth0|nobody"}),
            StatusCode::NOT_FOUND,
            "The user does not exist.",
        ),
        (
            json!({"email": "zed@acme.test", "connection_id": t.connection}),
            StatusCode::NOT_FOUND,
            "The user does not exist.",
        ),
        (
            json!({"email": "ann@acme.test", "connection_id": "con_0000000000000000"}),
            StatusCode::BAD_REQUEST,
            "The connection with id con_0000000000000000 does not exist.",
        ),
        (
            json!({"user_id": t.ann, "email": "ann@acme.test"}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            json!({"user_id": t.ann, "ttl_sec": 2_592_001}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            json!({"user_id": t.ann, "client_id": "nope"}),
            StatusCode::NOT_FOUND,
            "The client does not exist",
        ),
    ];
    for (body, status, message) in cases {
        let r = app
            .post("/api/v2/tickets/password-change", body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        if !message.is_empty() {
            assert_eq!(r.body["message"], message, "{body}");
        }
    }
}

/// Log lines written while it lives (this thread's default subscriber: the in-process app runs
/// on the test's own thread).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn change_password_answers_alike_for_every_email_and_logs_the_link() {
    let app = TestApp::new().await;
    let t = tenant(&app).await;
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let ask =
        |email: &str| json!({"client_id": t.client_id, "email": email, "connection": "people"});
    let known = app
        .call(
            Method::POST,
            "/dbconnections/change_password",
            None,
            Some(ask("ann@acme.test")),
        )
        .await;
    let unknown = app
        .call(
            Method::POST,
            "/dbconnections/change_password",
            None,
            Some(ask("zed@acme.test")),
        )
        .await;
    for r in [&known, &unknown] {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            r.raw,
            b"We've just sent you an email to reset your password."
        );
    }
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let links: Vec<&str> = logged
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("url="))
        .collect();
    assert_eq!(links.len(), 1, "one link, for the known email: {logged}");
    let ticket = links[0].to_owned();
    let mut p = Person::new(&app);
    let r = reset(&mut p, &path_of(&ticket), NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));

    // Refusals in the Authentication API's shape.
    let r = app
        .call(
            Method::POST,
            "/dbconnections/change_password",
            None,
            Some(json!({"email": "ann@acme.test", "connection": "nope"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_connection"))
    );
    let r = app
        .call(
            Method::POST,
            "/dbconnections/change_password",
            None,
            Some(json!({"client_id": "unknown", "email": "ann@acme.test", "connection": "people"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let r = app
        .call(
            Method::POST,
            "/dbconnections/change_password",
            None,
            Some(json!({"connection": "people"})),
        )
        .await;
    assert_eq!(r.body["description"], "Missing required parameter: email");
}
