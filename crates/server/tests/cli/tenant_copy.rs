//! `orgwarden tenant copy` between two real servers: what it creates, that a second run changes
//! nothing, that --dry-run writes nothing, that secrets stay behind (listed, and a target's own
//! kept), and that the source is only read.

use serde_json::{json, Value};

use crate::harness::{block_on, run, Server};

/// Saves profile `name` for `server` in `home`'s profiles file.
fn login(home: &Server, name: &str, server: &Server) {
    let mut c = home.bare(&[
        "login",
        "--profile",
        name,
        "--domain",
        &server.domain,
        "--client-id",
        &server.client_id,
        "--client-secret",
        &server.client_secret,
        "--ca-file",
    ]);
    c.arg(&server.ca);
    run(c).expect(0);
}

fn api(s: &Server, method: &str, path: &str, body: Value) -> Value {
    let client = s.api_client();
    let method = orgwarden_client::Method::from_bytes(method.as_bytes()).unwrap();
    block_on(async {
        let resp = client
            .send(method, &format!("/api/v2{path}"), &[], Some(&body))
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    })
}

fn get(s: &Server, path: &str) -> Value {
    let client = s.api_client();
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let query: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    block_on(async {
        let resp = client
            .send(
                orgwarden_client::Method::GET,
                &format!("/api/v2{path}"),
                &query,
                None,
            )
            .await
            .unwrap();
        serde_json::from_str(&resp.text().await.unwrap()).unwrap()
    })
}

#[test]
fn a_tenant_is_copied_by_name_and_a_second_run_changes_nothing() {
    let a = Server::start("off");
    let b = Server::start("off");
    api(
        &a,
        "POST",
        "/resource-servers",
        json!({"name": "reports", "identifier": "https://reports.test/",
            "scopes": [{"value": "read:reports"}], "enforce_policies": true}),
    );
    let web = api(
        &a,
        "POST",
        "/clients",
        json!({"name": "portal", "app_type": "regular_web", "callbacks": ["https://portal.test/cb"],
            "organization_usage": "allow", "grant_types": ["authorization_code", "client_credentials"]}),
    );
    api(
        &a,
        "POST",
        "/client-grants",
        json!({"client_id": web["client_id"], "audience": "https://reports.test/", "scope": ["read:reports"]}),
    );
    let people = api(
        &a,
        "POST",
        "/connections",
        json!({"name": "people", "strategy": "auth0", "enabled_clients": [web["client_id"]]}),
    );
    let sso = api(
        &a,
        "POST",
        "/connections",
        json!({"name": "corp-sso", "strategy": "oidc",
        // Every endpoint, as Auth0 stores them after discovery (orgwarden, like Auth0, would
        // otherwise read the issuer's discovery document at create, and this one does not exist).
        "options": {"client_id": "corp", "client_secret": "s3cret", "issuer": "https://idp.corp.test",
            "authorization_endpoint": "https://idp.corp.test/authorize",
            "token_endpoint": "https://idp.corp.test/oauth/token",
            "jwks_uri": "https://idp.corp.test/.well-known/jwks.json", "type": "back_channel"}}),
    );
    api(
        &a,
        "POST",
        "/roles",
        json!({"name": "editor", "description": "Edits"}),
    );
    let acme = api(
        &a,
        "POST",
        "/organizations",
        json!({"name": "acme", "display_name": "Acme",
        "branding": {"colors": {"primary": "#123456", "page_background": "#ffffff"}},
        "metadata": {"tier": "gold"},
        "enabled_connections": [{"connection_id": people["id"], "assign_membership_on_login": true},
            {"connection_id": sso["id"]}]}),
    );
    api(&a, "POST", "/organizations", json!({"name": "globex"}));
    let ann = api(
        &a,
        "POST",
        "/users",
        json!({"connection": "people", "email": "ann@acme.test", "password": "Source-only 9 secret",
            "name": "Ann A.", "user_metadata": {"lang": "fr"}}),
    );
    let roles = get(&a, "/roles");
    let editor = roles[0]["id"].as_str().unwrap().to_owned();
    api(
        &a,
        "POST",
        &format!("/roles/{editor}/permissions"),
        json!({"permissions": [{"resource_server_identifier": "https://reports.test/", "permission_name": "read:reports"}]}),
    );
    let acme_id = acme["id"].as_str().unwrap().to_owned();
    api(
        &a,
        "POST",
        &format!("/organizations/{acme_id}/members"),
        json!({"members": [ann["user_id"]]}),
    );
    api(
        &a,
        "POST",
        &format!(
            "/organizations/{acme_id}/members/{}/roles",
            ann["user_id"].as_str().unwrap()
        ),
        json!({"roles": [editor]}),
    );
    let before = get(&a, "/organizations");
    login(&a, "a", &a);
    login(&a, "b", &b);
    let copy = |extra: &[&str]| {
        let mut args = vec!["tenant", "copy", "--from", "a", "--to", "b"];
        args.extend_from_slice(extra);
        run(a.bare(&args))
    };

    // A dry run says what it would do and writes nothing.
    let dry = copy(&["--dry-run"]).expect(0);
    assert!(
        dry.stdout.contains("would create organization acme"),
        "{}",
        dry.stdout
    );
    assert_eq!(get(&b, "/organizations").as_array().unwrap().len(), 0);

    let first = copy(&[]).expect(0);
    assert!(
        first.stdout.contains("create connection corp-sso (oidc)"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("fill in on the target: connection corp-sso: options.client_secret"),
        "{}",
        first.stdout
    );
    let b_acme = get(&b, "/organizations/name/acme");
    assert_eq!(
        (
            &b_acme["display_name"],
            &b_acme["branding"],
            &b_acme["metadata"]
        ),
        (&acme["display_name"], &acme["branding"], &acme["metadata"])
    );
    let enabled = get(
        &b,
        &format!(
            "/organizations/{}/enabled_connections",
            b_acme["id"].as_str().unwrap()
        ),
    );
    let mut names: Vec<(&str, bool)> = enabled
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["connection"]["name"].as_str().unwrap(),
                e["assign_membership_on_login"].as_bool().unwrap(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(names, [("corp-sso", false), ("people", true)]);
    let b_sso = get(&b, "/connections?name=corp-sso");
    assert_eq!(b_sso[0]["options"]["issuer"], "https://idp.corp.test");
    assert!(
        b_sso[0]["options"].get("client_secret").is_none(),
        "secrets stay behind"
    );
    assert_eq!(get(&b, "/roles")[0]["name"], "editor");
    // Applications by name (a new id and secret on the target), their grants and connections.
    let portal = get(&b, "/clients")
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "portal")
        .cloned()
        .expect("the application on the target");
    assert_eq!(portal["callbacks"], json!(["https://portal.test/cb"]));
    assert_ne!(portal["client_id"], web["client_id"]);
    assert!(
        first
            .stdout
            .contains("fill in on the target: application portal"),
        "{}",
        first.stdout
    );
    let grants = get(
        &b,
        &format!(
            "/client-grants?client_id={}",
            portal["client_id"].as_str().unwrap()
        ),
    );
    assert_eq!(grants[0]["audience"], "https://reports.test/");
    assert_eq!(grants[0]["scope"], json!(["read:reports"]));
    let b_people = get(&b, "/connections?name=people");
    assert_eq!(b_people[0]["enabled_clients"], json!([portal["client_id"]]));
    let apis = get(&b, "/resource-servers");
    let reports = apis
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["identifier"] == "https://reports.test/")
        .expect("the API on the target");
    assert_eq!(reports["enforce_policies"], true);

    // People: the user by email (a password of their own to reset), membership, member role,
    // the role's permission.
    let b_ann = get(&b, "/users-by-email?email=ann@acme.test");
    assert_eq!(
        (&b_ann[0]["name"], &b_ann[0]["user_metadata"]),
        (&json!("Ann A."), &json!({"lang": "fr"}))
    );
    assert!(
        first.stdout.contains("1 new users have a random password"),
        "{}",
        first.stdout
    );
    let b_ann_id = b_ann[0]["user_id"].as_str().unwrap();
    let b_acme_id = b_acme["id"].as_str().unwrap();
    let members = get(&b, &format!("/organizations/{b_acme_id}/members"));
    assert_eq!(members[0]["user_id"], b_ann_id);
    let member_roles = get(
        &b,
        &format!("/organizations/{b_acme_id}/members/{b_ann_id}/roles"),
    );
    assert_eq!(member_roles[0]["name"], "editor");
    let b_editor = get(&b, "/roles")[0]["id"].as_str().unwrap().to_owned();
    let permissions = get(&b, &format!("/roles/{b_editor}/permissions"));
    assert_eq!(permissions[0]["permission_name"], "read:reports");

    // Again: nothing to do.
    let second = copy(&[]).expect(0);
    assert!(
        second.stdout.starts_with("0 created, 0 updated,"),
        "{}",
        second.stdout
    );

    // A change on the source is carried over; the secret filled in on the target is kept.
    let mut filled = b_sso[0]["options"].clone();
    filled["client_secret"] = json!("filled-in");
    api(
        &b,
        "PATCH",
        &format!("/connections/{}", b_sso[0]["id"].as_str().unwrap()),
        json!({ "options": filled }),
    );
    api(
        &a,
        "PATCH",
        &format!("/organizations/{}", acme["id"].as_str().unwrap()),
        json!({"display_name": "Acme Corp"}),
    );
    let third = copy(&[]).expect(0);
    assert!(
        third.stdout.contains("update organization acme"),
        "{}",
        third.stdout
    );
    assert!(
        third
            .stdout
            .starts_with("update organization acme\n0 created, 1 updated,"),
        "{}",
        third.stdout
    );
    assert_eq!(
        get(&b, "/organizations/name/acme")["display_name"],
        "Acme Corp"
    );
    let client_b = b.api_client();
    let sso_b = block_on(client_b.connections().get(b_sso[0]["id"].as_str().unwrap())).unwrap();
    assert_eq!(sso_b.options["client_secret"], "filled-in");

    // The source was only read.
    let after = get(&a, "/organizations");
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len()
    );
    // One tenant into itself is refused.
    run(a.bare(&["tenant", "copy", "--from", "a", "--to", "a"])).expect(2);
}

#[test]
fn a_thousand_organizations_copy_and_copy_again_without_change() {
    let a = Server::start("off");
    let b = Server::start("off");
    let people = api(
        &a,
        "POST",
        "/connections",
        json!({"name": "people", "strategy": "auth0"}),
    );
    let client = a.api_client();
    block_on(async {
        for i in 0..1000 {
            let body = serde_json::from_value(json!({"name": format!("org-{i:04}"),
                "enabled_connections": [{"connection_id": people["id"]}]}))
            .unwrap();
            client.organizations().create(&body).await.unwrap();
        }
    });
    login(&a, "a", &a);
    login(&a, "b", &b);
    let started = std::time::Instant::now();
    let first = run(a.bare(&["tenant", "copy", "--from", "a", "--to", "b"])).expect(0);
    let took = started.elapsed();
    assert!(
        first.stdout.contains("2001 created, 0 updated"),
        "1 connection, 1,000 organizations and their enabled connections: {}",
        first.stdout.lines().last().unwrap_or_default()
    );
    let second = run(a.bare(&["tenant", "copy", "--from", "a", "--to", "b"])).expect(0);
    assert!(
        second
            .stdout
            .starts_with("0 created, 0 updated, 2001 unchanged"),
        "{}",
        second.stdout
    );
    let orgs: Vec<_> = block_on(async {
        use futures_util::TryStreamExt;
        b.api_client()
            .organizations()
            .checkpoints(100)
            .try_collect::<Vec<_>>()
            .await
    })
    .unwrap();
    assert_eq!(orgs.len(), 1000);
    eprintln!("copied 1,000 organizations in {took:?}");
}

#[test]
fn a_copy_that_stops_says_so_and_the_next_run_finishes_it() {
    let a = Server::start("off");
    let b = Server::start("off");
    api(
        &a,
        "POST",
        "/clients",
        json!({"name": "portal", "app_type": "regular_web"}),
    );
    api(
        &a,
        "POST",
        "/connections",
        json!({"name": "people", "strategy": "auth0"}),
    );
    api(&a, "POST", "/organizations", json!({"name": "acme"}));
    // The target has a connection of that name and another kind: the copy cannot go on.
    let clash = api(
        &b,
        "POST",
        "/connections",
        json!({"name": "people", "strategy": "samlp"}),
    );
    login(&a, "a", &a);
    login(&a, "b", &b);
    let stopped = run(a.bare(&["tenant", "copy", "--from", "a", "--to", "b"])).expect(2);
    assert!(
        stopped
            .stdout
            .contains("stopped before the end: run the same command again"),
        "{}",
        stopped.stdout
    );
    assert!(
        stopped
            .stderr
            .contains("connection people is auth0 on the source and samlp on the target"),
        "{}",
        stopped.stderr
    );
    assert_eq!(
        get(&b, "/organizations").as_array().unwrap().len(),
        0,
        "nothing after the clash"
    );

    let client = b.api_client();
    block_on(client.connections().delete(clash["id"].as_str().unwrap())).unwrap();
    let finished = run(a.bare(&["tenant", "copy", "--from", "a", "--to", "b"])).expect(0);
    assert!(
        finished.stdout.contains("create organization acme"),
        "{}",
        finished.stdout
    );
    assert!(
        stopped.stdout.contains("create application portal")
            && !finished.stdout.contains("create application portal"),
        "what the first run wrote stays: {}",
        finished.stdout
    );
}

#[test]
fn prune_deletes_what_the_source_lacks_and_nothing_it_must_keep() {
    let a = Server::start("off");
    let b = Server::start("off");
    api(&a, "POST", "/organizations", json!({"name": "acme"}));
    api(&b, "POST", "/organizations", json!({"name": "stale"}));
    api(&b, "POST", "/roles", json!({"name": "old"}));
    api(&b, "POST", "/clients", json!({"name": "forgotten"}));
    login(&a, "a", &a);
    login(&a, "b", &b);
    let prune = |extra: &[&str]| {
        let mut args = vec!["tenant", "copy", "--from", "a", "--to", "b", "--prune"];
        args.extend_from_slice(extra);
        run(a.bare(&args)).expect(0)
    };
    let plan = prune(&["--dry-run"]);
    for line in [
        "would delete organization stale",
        "would delete role old",
        "would delete application forgotten",
    ] {
        assert!(plan.stdout.contains(line), "{line}: {}", plan.stdout);
    }
    assert_eq!(
        get(&b, "/organizations").as_array().unwrap().len(),
        1,
        "a dry run deletes nothing"
    );
    let done = prune(&[]);
    assert!(done.stdout.contains(", 3 deleted"), "{}", done.stdout);
    let orgs = get(&b, "/organizations");
    assert_eq!(
        orgs.as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["acme"]
    );
    assert!(get(&b, "/roles").as_array().unwrap().is_empty());
    // The client it signs in as, and the system API, are still there.
    let clients = get(&b, "/clients");
    assert!(clients
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["client_id"] == b.client_id.as_str()));
    assert!(get(&b, "/resource-servers")
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["is_system"] == true));
    let again = prune(&[]);
    assert!(
        again.stdout.starts_with("0 created, 0 updated,"),
        "{}",
        again.stdout
    );
    assert!(again.stdout.contains(", 0 deleted"), "{}", again.stdout);
}
