//! `/api/v2/organizations/{id}/members` and `/users/{id}/organizations`: Auth0's shapes, both
//! pagers, and what deleting a user or an organization does.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::TestApp;

async fn people(app: &TestApp, n: usize) -> Vec<String> {
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "people", "strategy": "auth0"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut ids = Vec::new();
    for i in 0..n {
        let r = app
            .post(
                "/api/v2/users",
                json!({"connection": "people", "email": format!("p{i}@acme.test"), "password": "Members 4 ever"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["user_id"].as_str().unwrap().to_owned());
    }
    ids
}

fn user_ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| m["user_id"].as_str().unwrap())
        .collect()
}

async fn delete_with_body(app: &TestApp, path: &str, body: Value) -> crate::app::Response {
    app.call(Method::DELETE, path, Some(&app.admin_token), Some(body))
        .await
}

#[tokio::test]
async fn add_list_and_remove_as_auth0() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let ids = people(&app, 3).await;
    let base = format!("/api/v2/organizations/{org}/members");

    let r = app.post(&base, json!({"members": [ids[0], ids[1]]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Adding a member again changes nothing; the order is the order of joining.
    let r = app.post(&base, json!({"members": [ids[2], ids[0]]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let r = app.get(&base).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(user_ids(&r.body), [&ids[0], &ids[1], &ids[2]]);
    let first = &r.body[0];
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["user_id", "email", "picture", "name"]);
    assert_eq!(first["email"], "p0@acme.test");

    // The Go SDK's call (recorded): fields=user_id,roles with totals.
    let r = app
        .get(&format!(
            "{base}?fields=user_id%2Croles&include_fields=true&include_totals=true&per_page=50"
        ))
        .await;
    assert_eq!(
        r.body,
        json!({"members": [
            {"user_id": ids[0], "roles": []}, {"user_id": ids[1], "roles": []}, {"user_id": ids[2], "roles": []}],
            "start": 0, "limit": 50, "total": 3})
    );

    // The checkpoint pager walks every member once.
    let mut seen = Vec::new();
    let mut url = format!("{base}?take=2");
    for _ in 0..4 {
        let page = app.get(&url).await.body;
        seen.extend(user_ids(&page["members"]).into_iter().map(str::to_owned));
        match page.get("next").and_then(Value::as_str) {
            Some(next) => url = format!("{base}?take=2&from={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    // The user's organizations.
    let r = app
        .get(&format!(
            "/api/v2/users/{}/organizations?include_totals=true",
            ids[1].replace('|', "%7C")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["organizations"][0]["id"], json!(org));
    assert_eq!(r.body["organizations"][0]["name"], "acme");

    let r = delete_with_body(
        &app,
        &base,
        json!({"members": [ids[1], "auth0|notamember"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(user_ids(&app.get(&base).await.body), [&ids[0], &ids[2]]);
}

#[tokio::test]
async fn refusals_change_nothing() {
    let app = TestApp::new().await;
    let org = app.organization("acme").await;
    let ids = people(&app, 1).await;
    let base = format!("/api/v2/organizations/{org}/members");

    let r = app
        .post(
            &base,
            json!({"members": [ids[0], "auth0|000000000000000000000000"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(
        r.body["message"],
        "The user auth0|000000000000000000000000 does not exist."
    );
    for body in [
        json!({}),
        json!({"members": []}),
        json!({"members": [7]}),
        json!({"members": ["google|x"]}),
    ] {
        let r = app.post(&base, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    assert_eq!(app.get(&base).await.body, json!([]), "nothing was added");

    let missing = "/api/v2/organizations/org_0000000000000000/members";
    assert_eq!(app.get(missing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(missing, json!({"members": [ids[0]]})).await.status,
        StatusCode::NOT_FOUND
    );
    for bad in ["fields=password", "take=0", "per_page=101"] {
        let r = app.get(&format!("{base}?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    let r = app
        .get("/api/v2/users/auth0%7C000000000000000000000000/organizations")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let reader = app.token(&["read:organization_members"]);
    let r = app
        .call(
            Method::POST,
            &base,
            Some(&reader),
            Some(json!({"members": [ids[0]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .call(
            Method::DELETE,
            &base,
            Some(&reader),
            Some(json!({"members": [ids[0]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Members' roles need the member-roles scope too.
    let r = app
        .call(
            Method::GET,
            &format!("{base}?fields=user_id,roles"),
            Some(&reader),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let both = app.token(&[
        "read:organization_members",
        "read:organization_member_roles",
    ]);
    let r = app
        .call(
            Method::GET,
            &format!("{base}?fields=user_id,roles"),
            Some(&both),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let adder = app.token(&["create:organization_members"]);
    let r = app.call(Method::GET, &base, Some(&adder), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(app.get(&base).await.body, json!([]));
}

#[tokio::test]
async fn memberships_go_with_the_user_or_the_organization() {
    let app = TestApp::new().await;
    let acme = app.organization("acme").await;
    let globex = app.organization("globex").await;
    let ids = people(&app, 2).await;
    for org in [&acme, &globex] {
        let r = app
            .post(
                &format!("/api/v2/organizations/{org}/members"),
                json!({"members": ids}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    assert_eq!(
        app.delete(&format!("/api/v2/users/{}", ids[0].replace('|', "%7C")))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = app
        .get(&format!("/api/v2/organizations/{acme}/members"))
        .await;
    assert_eq!(user_ids(&r.body), [&ids[1]]);
    assert_eq!(
        app.delete(&format!("/api/v2/organizations/{acme}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = app
        .get(&format!(
            "/api/v2/users/{}/organizations",
            ids[1].replace('|', "%7C")
        ))
        .await;
    let orgs: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(orgs, [globex.as_str()]);
}
