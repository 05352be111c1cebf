//! The dashboard's people screens through their HTML forms: an organization's Members (add by
//! email, roles, remove) and Invitations (create, the link, revoke), and Users (create on a
//! database connection, search, block, delete). Each change is read back through the API;
//! each refusal changes nothing.

use axum::http::StatusCode;
use serde_json::json;

use crate::app::TestApp;
use crate::dashboard::{location, post, text, Browser};

async fn api_user(app: &TestApp, email: &str, name: &str) -> String {
    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "people", "email": email, "name": name,
                   "password": "Dashboard people 1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["user_id"].as_str().unwrap().to_owned()
}

async fn tenant(app: &TestApp) -> String {
    app.connection("people", "auth0").await;
    app.organization("acme").await
}

#[tokio::test]
async fn members_are_added_by_email_given_roles_and_removed() {
    let app = TestApp::new().await;
    let org = tenant(&app).await;
    let jane = api_user(&app, "jane@acme.test", "<b>Jane</b>").await;
    let r = app.post("/api/v2/roles", json!({"name": "editor"})).await;
    let role = r.body["id"].as_str().unwrap().to_owned();
    let mut b = Browser::sign_in(&app).await;
    let page = format!("/dashboard/organizations/{org}/members");

    let html = b.get(&page).await;
    assert!(
        html.contains("This organization has no members yet."),
        "{html}"
    );
    assert!(html.contains("aria-current=\"page\">Members</a>"), "{html}");

    // An email nobody has: the form says so and nothing is added.
    let r = b.post(&page, &[("user", "nobody@acme.test")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(html.contains("No user has this email."), "{html}");
    assert!(html.contains("value=\"nobody@acme.test\""), "kept as typed");
    // Without the form's token: refused, nothing added.
    let r = post(&app, &page, &b.cookie, &[("user", "jane@acme.test")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let members = app
        .get(&format!("/api/v2/organizations/{org}/members"))
        .await;
    assert_eq!(members.body, json!([]));

    let r = b.post(&page, &[("user", "JANE@acme.test")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    assert_eq!(location(&r), format!("{page}?notice=added"));
    let members = app
        .get(&format!("/api/v2/organizations/{org}/members"))
        .await;
    assert_eq!(members.body[0]["user_id"], jane.as_str());
    let html = b.get(&format!("{page}?notice=added")).await;
    assert!(html.contains("Member added."));
    assert!(
        html.contains("&#60;b&#62;Jane&#60;/b&#62;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<b>Jane</b>"));

    // Give the role, read it back through the API, take it.
    let roles_path = format!(
        "/dashboard/organizations/{org}/members/{}/roles",
        jane.replace('|', "%7C")
    );
    assert!(html.contains(&roles_path), "{html}");
    let r = b
        .post(&roles_path, &[("action", "give"), ("role", &role)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let api_roles = format!(
        "/api/v2/organizations/{org}/members/{}/roles",
        jane.replace('|', "%7C")
    );
    assert_eq!(app.get(&api_roles).await.body[0]["id"], role.as_str());
    let r = b
        .post(&roles_path, &[("action", "take"), ("role", &role)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&api_roles).await.body, json!([]));
    let r = b
        .post(&roles_path, &[("action", "give"), ("role", "rol_missing")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", text(&r));

    // Remove.
    let r = b
        .post(
            &format!(
                "/dashboard/organizations/{org}/members/{}/remove",
                jane.replace('|', "%7C")
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let members = app
        .get(&format!("/api/v2/organizations/{org}/members"))
        .await;
    assert_eq!(members.body, json!([]));
}

#[tokio::test]
async fn invitations_are_created_with_a_link_and_revoked() {
    let app = TestApp::new().await;
    let org = tenant(&app).await;
    let mut b = Browser::sign_in(&app).await;
    let page = format!("/dashboard/organizations/{org}/invitations");

    // No application with a login URI: the page says what to do.
    let html = b.get(&page).await;
    assert!(
        html.contains("No application has a login URI yet."),
        "{html}"
    );

    let r = app
        .post(
            "/api/v2/clients",
            json!({"name": "Acme web", "app_type": "regular_web",
                   "initiate_login_uri": "https://app.acme.test/login"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let client = r.body["client_id"].as_str().unwrap().to_owned();
    b.get(&page).await;

    // A bad email: the API's message next to the field; nothing created.
    let fields = |email: &'static str, days: &'static str| {
        vec![
            ("invitee_email", email),
            ("inviter_name", "Ann"),
            ("client_id", client.as_str()),
            ("ttl_days", days),
        ]
    };
    let r = b.post(&page, &fields("not-an-email", "7")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(html.contains("id=\"invitee_email-error\""), "{html}");
    assert!(html.contains("format email"), "{html}");
    let r = b.post(&page, &fields("bob@acme.test", "31")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&r).contains("id=\"ttl_days-error\""));
    let listed = app
        .get(&format!("/api/v2/organizations/{org}/invitations"))
        .await;
    assert_eq!(listed.body, json!([]));

    let r = b.post(&page, &fields("bob@acme.test", "3")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let listed = app
        .get(&format!("/api/v2/organizations/{org}/invitations"))
        .await;
    let invitation = &listed.body[0];
    assert_eq!(invitation["invitee"]["email"], "bob@acme.test");
    assert_eq!(invitation["inviter"]["name"], "Ann");
    let url = invitation["invitation_url"].as_str().unwrap();
    assert!(
        url.starts_with("https://app.acme.test/login?invitation="),
        "{url}"
    );
    let html = b.get(&format!("{page}?notice=invited")).await;
    assert!(
        html.contains(&url.replace('&', "&#38;")),
        "the link shown: {html}"
    );

    let id = invitation["id"].as_str().unwrap();
    let r = b
        .post(
            &format!("/dashboard/organizations/{org}/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let listed = app
        .get(&format!("/api/v2/organizations/{org}/invitations"))
        .await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn users_are_created_searched_blocked_and_deleted() {
    let app = TestApp::new().await;
    tenant(&app).await;
    let mut b = Browser::sign_in(&app).await;
    let html = b.get("/dashboard/users").await;
    assert!(html.contains("No users yet."), "{html}");

    // A weak password: the policy's message; the password is not sent back.
    let r = b
        .post(
            "/dashboard/users",
            &[
                ("connection", "people"),
                ("email", "kim@acme.test"),
                ("name", "Kim"),
                ("password", "weak-secret-xyz"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&r);
    assert!(html.contains("id=\"password-error\""), "{html}");
    assert!(html.contains("PasswordStrengthError"), "{html}");
    assert!(
        !html.contains("weak-secret-xyz"),
        "the password is never echoed"
    );
    assert_eq!(app.get("/api/v2/users").await.body, json!([]));

    let r = b
        .post(
            "/dashboard/users",
            &[
                ("connection", "people"),
                ("email", "kim@acme.test"),
                ("name", "Kim"),
                ("password", "Strong enough 42"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let kim = app.get("/api/v2/users-by-email?email=kim@acme.test").await;
    let kim = kim.body[0]["user_id"].as_str().unwrap().to_owned();
    api_user(&app, "lee@acme.test", "Lee").await;

    // Search with the API's syntax; a query it cannot answer says why.
    let html = b
        .get("/dashboard/users?q=email%3A%22kim%40acme.test%22")
        .await;
    assert!(
        html.contains(&kim) && !html.contains("lee@acme.test"),
        "{html}"
    );
    let html = b.get("/dashboard/users?q=%28broken").await;
    assert!(html.contains("id=\"q-error\""), "{html}");

    // Block, then unblock.
    let block = format!("/dashboard/users/{}/block", kim.replace('|', "%7C"));
    let r = b.post(&block, &[("blocked", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let api = format!("/api/v2/users/{}", kim.replace('|', "%7C"));
    assert_eq!(app.get(&api).await.body["blocked"], true);
    let r = b.post(&block, &[("blocked", "false")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&api).await.body["blocked"], false);

    // Delete after the confirmation page.
    let delete = format!("/dashboard/users/{}/delete", kim.replace('|', "%7C"));
    let html = b.get(&delete).await;
    assert!(html.contains("Delete user Kim?"), "{html}");
    let r = post(&app, &delete, &b.cookie, &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no token, nothing deleted");
    assert_eq!(app.get(&api).await.status, StatusCode::OK);
    let r = b.post(&delete, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&api).await.status, StatusCode::NOT_FOUND);
}
