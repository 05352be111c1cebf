//! Home-realm discovery: a login whose enterprise connections have no button asks for the email
//! first, and its domain picks the connection (`domain_aliases`, or an organization's verified
//! discovery domain for its only enterprise connection); other emails go on to the password form.

use axum::http::StatusCode;
use serde_json::json;

use crate::app::TestApp;
use crate::dashboard::{location, text};
use crate::login::{authorize, client, query_of, Person};

/// An OIDC connection stored with every endpoint (no discovery at create), enabled for `client`.
async fn sso(app: &TestApp, name: &str, client_id: &str, aliases: &[&str]) -> String {
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": name, "strategy": "oidc", "enabled_clients": [client_id],
                   "options": {"client_id": "rp", "client_secret": "s3cret",
                       "issuer": format!("https://{name}.example"),
                       "authorization_endpoint": format!("https://{name}.example/authorize"),
                       "token_endpoint": format!("https://{name}.example/oauth/token"),
                       "jwks_uri": format!("https://{name}.example/jwks.json"),
                       "type": "back_channel", "domain_aliases": aliases}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn organization(app: &TestApp, name: &str, connections: &[&str]) -> String {
    let enabled: Vec<_> = connections
        .iter()
        .map(|c| json!({"connection_id": c, "show_as_button": false}))
        .collect();
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": name, "enabled_connections": enabled}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_email_domain_finds_its_enterprise_connection() {
    let app = TestApp::new().await;
    let (client_id, _) = client(&app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "people", "strategy": "auth0", "enabled_clients": [client_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let people = r.body["id"].as_str().unwrap().to_owned();
    let acme = sso(&app, "acme-sso", &client_id, &["acme.example"]).await;
    let globex = sso(&app, "globex-sso", &client_id, &[]).await;
    organization(&app, "acme", &[&people, &acme, &globex]).await;

    // The identifier step: the email alone, and no button for either connection.
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(&client_id, &[("organization", "acme")]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert!(html.contains("action=\"/u/identifier\""), "{html}");
    assert!(!html.contains("type=\"password\""), "{html}");
    assert!(!html.contains("Continue with"), "{html}");

    // An alias of acme-sso: on to /authorize with that connection, then to its provider.
    let r = p.submit(&page, &[("username", "Jane@ACME.example")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let onward = location(&r);
    assert!(onward.starts_with("/authorize?"), "{onward}");
    let q = query_of(&onward);
    assert_eq!(
        (
            q["connection"].as_str(),
            q["login_hint"].as_str(),
            q["organization"].as_str()
        ),
        ("acme-sso", "Jane@ACME.example", "acme")
    );
    let r = p.get(&onward).await;
    assert!(r.status.is_redirection(), "{}: {}", r.status, text(&r));
    assert!(
        location(&r).starts_with("https://acme-sso.example/authorize?"),
        "{}",
        location(&r)
    );

    // Any other domain: the password form, with the email filled in.
    let page = p
        .get(&authorize(&client_id, &[("organization", "acme")]))
        .await;
    let r = p
        .submit(&page, &[("username", "bob@initech.example")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let html = text(&r);
    assert!(html.contains("action=\"/u/login\""), "{html}");
    assert!(html.contains("value=\"bob@initech.example\""), "{html}");
    assert!(html.contains("type=\"password\""), "{html}");

    // Refusals: no email, and a form without its CSRF cookie (nothing is started).
    let r = p.submit(&page, &[("username", "  ")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", text(&r));
    assert!(text(&r).contains("Enter your email address."));
    let mut stranger = Person::new(&app);
    let r = stranger
        .post(
            "/u/identifier",
            &[
                ("client_id", client_id.as_str()),
                ("redirect_uri", crate::login::CALLBACK),
                ("response_type", "code"),
                ("organization", "acme"),
                ("csrf", "x"),
                ("username", "jane@acme.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", text(&r));
    assert!(r.headers.get("location").is_none());
}

#[tokio::test]
async fn an_organizations_verified_domain_picks_its_only_enterprise_connection() {
    let app = TestApp::new().await;
    let (client_id, _) = client(&app, json!({})).await;
    let globex = sso(&app, "globex-sso", &client_id, &[]).await;
    let org = organization(&app, "globex", &[&globex]).await;
    let base = format!("/api/v2/organizations/{org}/discovery-domains");
    let r = app.post(&base, json!({"domain": "globex.example"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();

    // Not verified yet: the domain says nothing, and without a database connection the
    // person is told so.
    let mut p = Person::new(&app);
    let page = p
        .get(&authorize(&client_id, &[("organization", "globex")]))
        .await;
    assert!(
        text(&page).contains("action=\"/u/identifier\""),
        "{}",
        text(&page)
    );
    let r = p
        .submit(&page, &[("username", "hank@globex.example")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", text(&r));
    assert!(
        text(&r).contains("No connection of this organization"),
        "{}",
        text(&r)
    );

    let r = app
        .patch(&format!("{base}/{id}"), json!({"status": "verified"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = p
        .get(&authorize(&client_id, &[("organization", "globex")]))
        .await;
    let r = p
        .submit(&page, &[("username", "hank@globex.example")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    assert_eq!(query_of(&location(&r))["connection"], "globex-sso");
}
