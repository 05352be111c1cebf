//! `/api/v2/roles`, their permissions, user roles and member roles: Auth0's shapes (recorded),
//! the refusals that change nothing, and what deleting a role, a user or an API does.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::TestApp;

async fn role(app: &TestApp, name: &str) -> String {
    let r = app
        .post(
            "/api/v2/roles",
            json!({"name": name, "description": "Test Role"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

async fn user(app: &TestApp) -> String {
    let _ = app
        .post(
            "/api/v2/connections",
            json!({"name": "people", "strategy": "auth0"}),
        )
        .await;
    let email = format!(
        "u{}@acme.test",
        orgwarden_domain::ids::random_alphanumeric(6).to_lowercase()
    );
    let r = app
        .post(
            "/api/v2/users",
            json!({"connection": "people", "email": email, "password": "Roles are 4 people"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["user_id"].as_str().unwrap().replace('|', "%7C")
}

async fn send(app: &TestApp, method: Method, path: &str, body: Value) -> crate::app::Response {
    app.call(method, path, Some(&app.admin_token), Some(body))
        .await
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lifecycle_as_auth0() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/roles",
            json!({"name": "test-role", "description": "Test Role"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "Auth0 answers 200: {}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("rol_") && id.len() == 20, "{id}");
    assert_eq!(
        r.body,
        json!({"id": id, "name": "test-role", "description": "Test Role"})
    );
    let other = role(&app, "billing-admin").await;

    let r = app
        .get("/api/v2/roles?include_totals=true&name_filter=TEST-R&per_page=50")
        .await;
    assert_eq!(
        r.body,
        json!({"roles": [{"id": id, "name": "test-role", "description": "Test Role"}],
               "start": 0, "limit": 50, "total": 1})
    );
    assert_eq!(
        app.get("/api/v2/roles")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = app
        .patch(
            &format!("/api/v2/roles/{other}"),
            json!({"description": "Bills"}),
        )
        .await;
    assert_eq!(r.body["description"], "Bills");
    assert_eq!(
        app.get(&format!("/api/v2/roles/{other}")).await.body,
        r.body
    );

    let r = app.delete(&format!("/api/v2/roles/{id}")).await;
    assert_eq!(
        (r.status, r.body.clone()),
        (StatusCode::OK, json!({})),
        "Auth0: 200 {{}}"
    );
    let r = app.get(&format!("/api/v2/roles/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"statusCode": 404, "error": "Not Found", "message": "The role does not exist."})
    );
    assert_eq!(
        app.delete(&format!("/api/v2/roles/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn permissions_come_from_apis() {
    let app = TestApp::new().await;
    let id = role(&app, "editor").await;
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"name": "Docs API", "identifier": "https://docs.example/",
                   "scopes": [{"value": "edit:docs", "description": "Edit documents"}, {"value": "read:docs"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let api_id = r.body["id"].as_str().unwrap().to_owned();
    let base = format!("/api/v2/roles/{id}/permissions");
    let edit = json!({"resource_server_identifier": "https://docs.example/", "permission_name": "edit:docs"});

    let r = app.post(&base, json!({"permissions": [edit]})).await;
    assert_eq!((r.status, r.body.clone()), (StatusCode::CREATED, json!({})));
    let r = app
        .get(&format!("{base}?include_totals=true&per_page=50"))
        .await;
    assert_eq!(
        r.body,
        json!({"permissions": [{"permission_name": "edit:docs", "description": "Edit documents",
                 "resource_server_name": "Docs API", "resource_server_identifier": "https://docs.example/"}],
               "start": 0, "limit": 50, "total": 1})
    );

    // A scope the API lacks, or an API that does not exist: refused, nothing added.
    for bad in [
        json!({"resource_server_identifier": "https://docs.example/", "permission_name": "delete:docs"}),
        json!({"resource_server_identifier": "https://nope.example/", "permission_name": "edit:docs"}),
    ] {
        let r = app.post(&base, json!({"permissions": [bad]})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
    assert_eq!(app.get(&base).await.body.as_array().unwrap().len(), 1);

    let r = send(&app, Method::DELETE, &base, json!({"permissions": [edit]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(app.get(&base).await.body, json!([]));

    // Deleting the API takes its permissions from every role.
    app.post(&base, json!({"permissions": [edit]})).await;
    assert_eq!(
        app.delete(&format!("/api/v2/resource-servers/{api_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&base).await.body, json!([]));
    assert_eq!(
        app.get("/api/v2/roles/rol_0000000000000000/permissions")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn user_and_member_roles() {
    let app = TestApp::new().await;
    let (admin, viewer) = (role(&app, "admin").await, role(&app, "viewer").await);
    let u = user(&app).await;
    let org = app.organization("acme").await;

    let base = format!("/api/v2/users/{u}/roles");
    let r = app.post(&base, json!({"roles": [admin, viewer]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .get(&format!("{base}?include_totals=true&per_page=50"))
        .await;
    assert_eq!(ids(&r.body, "roles"), [admin.clone(), viewer.clone()]);
    assert_eq!(r.body["total"], 2);
    let r = send(&app, Method::DELETE, &base, json!({"roles": [admin]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        ids(
            &app.get(&format!("{base}?include_totals=true")).await.body,
            "roles"
        ),
        vec![viewer.clone()]
    );

    let members = format!("/api/v2/organizations/{org}/members");
    let mine = format!("{members}/{u}/roles");
    let r = app
        .post(&members, json!({"members": [u.replace("%7C", "|")]}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.post(&mine, json!({"roles": [admin]})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get(&format!("{mine}?include_totals=true")).await;
    assert_eq!(ids(&r.body, "roles"), vec![admin.clone()]);
    let r = app
        .get(&format!(
            "{members}?fields=user_id,roles&include_fields=true&include_totals=true"
        ))
        .await;
    assert_eq!(
        r.body["members"][0]["roles"],
        json!([{"id": admin, "name": "admin"}])
    );

    // Refusals change nothing.
    for body in [
        json!({"roles": []}),
        json!({"roles": ["rol_0000000000000000"]}),
        json!({"roles": ["nope"]}),
        json!({}),
    ] {
        let r = app.post(&mine, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    assert_eq!(
        ids(
            &app.get(&format!("{mine}?include_totals=true")).await.body,
            "roles"
        ),
        vec![admin.clone()]
    );
    let r = app
        .post(
            "/api/v2/users/auth0%7C000000000000000000000000/roles",
            json!({"roles": [admin]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .post(
            "/api/v2/organizations/org_0000000000000000/members/x/roles",
            json!({"roles": [admin]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    // Scopes.
    let reader = app.token(&["read:roles", "read:organization_member_roles"]);
    for (path, body) in [
        (&base, json!({"roles": [admin]})),
        (&mine, json!({"roles": [viewer]})),
    ] {
        let r = app
            .call(Method::POST, path, Some(&reader), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    let r = app
        .call(
            Method::POST,
            "/api/v2/roles",
            Some(&reader),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // Deleting a role takes it from everyone; removing a member takes their member roles.
    assert_eq!(
        app.delete(&format!("/api/v2/roles/{viewer}")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get(&base).await.body, json!([]));
    let r = send(
        &app,
        Method::DELETE,
        &members,
        json!({"members": [u.replace("%7C", "|")]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(app.get(&mine).await.body, json!([]));
    // Deleting the user takes the rest.
    assert_eq!(
        app.post(&base, json!({"roles": [admin]})).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("/api/v2/users/{u}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&base).await.status, StatusCode::NOT_FOUND);
    let r = app.get(&format!("/api/v2/roles/{admin}")).await;
    assert_eq!(r.status, StatusCode::OK, "the role itself stays");
}

#[tokio::test]
async fn a_roles_users_in_both_pagers_given_all_or_none() {
    let app = TestApp::new().await;
    let role = role(&app, "support").await;
    let mut users = Vec::new();
    for _ in 0..3 {
        users.push(user(&app).await);
    }
    let raw: Vec<String> = users.iter().map(|u| u.replace("%7C", "|")).collect();

    // One missing user: nobody gets the role.
    let r = app
        .post(
            &format!("/api/v2/roles/{role}/users"),
            json!({"users": [raw[0], "auth0|nobody"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app.get(&format!("/api/v2/roles/{role}/users")).await;
    assert_eq!(r.body, json!([]));
    for bad in [json!({"users": []}), json!({}), json!({"users": "x"})] {
        let r = app
            .post(&format!("/api/v2/roles/{role}/users"), bad.clone())
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
    let r = app
        .post(
            "/api/v2/roles/rol_missing/users",
            json!({"users": [raw[0]]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let r = app
        .post(
            &format!("/api/v2/roles/{role}/users"),
            json!({"users": raw}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, json!({}));

    let r = app
        .get(&format!(
            "/api/v2/roles/{role}/users?include_totals=true&per_page=2"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["total"], 3);
    assert_eq!(r.body["users"].as_array().unwrap().len(), 2);
    let first = &r.body["users"][0];
    assert_eq!(first["user_id"], raw[0].as_str());
    assert!(first["email"].as_str().unwrap().ends_with("@acme.test"));
    assert!(first["picture"].is_string() && first["name"].is_string());

    // Checkpoint paging: from the `next` of one page to the next.
    let r = app.get(&format!("/api/v2/roles/{role}/users?take=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let next = r.body["next"].as_str().expect("a next page").to_owned();
    let r = app
        .get(&format!("/api/v2/roles/{role}/users?take=2&from={next}"))
        .await;
    let got: Vec<&str> = r.body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![raw[2].as_str()]);
    assert!(r.body.get("next").is_none(), "{}", r.body);

    // The user's own roles agree.
    let r = app.get(&format!("/api/v2/users/{}/roles", users[1])).await;
    assert_eq!(r.body[0]["id"], role.as_str(), "{}", r.body);
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);

    // Reading people needs read:users; giving the role needs a role scope.
    let roles_only = app.token(&["read:roles"]);
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/roles/{role}/users"),
            Some(&roles_only),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let users_only = app.token(&["read:users"]);
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/roles/{role}/users"),
            Some(&users_only),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let reader = app.token(&["read:users", "read:roles"]);
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/roles/{role}/users"),
            Some(&reader),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .call(
            Method::POST,
            &format!("/api/v2/roles/{role}/users"),
            Some(&reader),
            Some(json!({"users": [raw[0]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    // A deleted user leaves the list; a deleted role is gone.
    let r = app.delete(&format!("/api/v2/users/{}", users[0])).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .get(&format!("/api/v2/roles/{role}/users?include_totals=true"))
        .await;
    assert_eq!(r.body["total"], 2);
    let r = app.delete(&format!("/api/v2/roles/{role}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&format!("/api/v2/roles/{role}/users")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_users_permissions_direct_and_through_roles() {
    let app = TestApp::new().await;
    let r = app
        .post(
            "/api/v2/resource-servers",
            json!({"identifier": "urn:reports", "name": "Reports",
                   "scopes": [{"value": "read:reports", "description": "Read reports"},
                              {"value": "write:reports"}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let u = user(&app).await;
    let role = role(&app, "reporter").await;
    let perm =
        |name: &str| json!({"resource_server_identifier": "urn:reports", "permission_name": name});

    // A scope the API lacks, or a missing user: nothing given.
    let r = app
        .post(
            &format!("/api/v2/users/{u}/permissions"),
            json!({"permissions": [perm("read:reports"), perm("delete:reports")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body["message"]
        .as_str()
        .unwrap()
        .contains("delete:reports"));
    let r = app
        .post(
            "/api/v2/users/auth0%7Cnobody/permissions",
            json!({"permissions": [perm("read:reports")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v2/users/{u}/permissions"),
            json!({"permissions": []}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = app.get(&format!("/api/v2/users/{u}/permissions")).await;
    assert_eq!(r.body, json!([]));

    let r = app
        .post(
            &format!("/api/v2/users/{u}/permissions"),
            json!({"permissions": [perm("read:reports")]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body, json!({}));
    let r = send(
        &app,
        Method::POST,
        &format!("/api/v2/roles/{role}/permissions"),
        json!({"permissions": [perm("read:reports"), perm("write:reports")]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v2/users/{u}/roles"),
            json!({"roles": [role]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let r = app
        .get(&format!(
            "/api/v2/users/{u}/permissions?include_totals=true"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"permissions": [
            {"sources": [{"source_id": "", "source_name": "", "source_type": "DIRECT"},
                         {"source_id": role, "source_name": "reporter", "source_type": "ROLE"}],
             "permission_name": "read:reports", "description": "Read reports",
             "resource_server_name": "Reports", "resource_server_identifier": "urn:reports"},
            {"sources": [{"source_id": role, "source_name": "reporter", "source_type": "ROLE"}],
             "permission_name": "write:reports",
             "resource_server_name": "Reports", "resource_server_identifier": "urn:reports"}
        ], "start": 0, "limit": 50, "total": 2})
    );

    // Taken directly, it stays through the role; the role taken, nothing is left.
    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/v2/users/{u}/permissions"),
        json!({"permissions": [perm("read:reports")]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get(&format!("/api/v2/users/{u}/permissions")).await;
    assert_eq!(r.body.as_array().unwrap().len(), 2, "{}", r.body);
    assert!(r.body[0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["source_type"] == "ROLE"));
    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/v2/users/{u}/roles"),
        json!({"roles": [role]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.get(&format!("/api/v2/users/{u}/permissions")).await;
    assert_eq!(r.body, json!([]));

    // Scopes: reading needs read:users, giving needs update:users.
    let reader = app.token(&["read:users"]);
    let r = app
        .call(
            Method::POST,
            &format!("/api/v2/users/{u}/permissions"),
            Some(&reader),
            Some(json!({"permissions": [perm("read:reports")]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let roles_reader = app.token(&["read:roles"]);
    let r = app
        .call(
            Method::GET,
            &format!("/api/v2/users/{u}/permissions"),
            Some(&roles_reader),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app.get("/api/v2/users/auth0%7Cnobody/permissions").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}
