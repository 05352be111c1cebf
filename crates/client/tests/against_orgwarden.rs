//! The client against a served orgwarden: tokens, every paging stream across several pages,
//! 429 waits, and refusals decoded into [`Error`].

mod served;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::TryStreamExt;
use orgwarden_client::proto::clients::CreateClient;
use orgwarden_client::proto::connections::CreateConnection;
use orgwarden_client::proto::enabled_connections::CreateEnabledConnection;
use orgwarden_client::proto::grants::CreateClientGrant;
use orgwarden_client::proto::organizations::CreateOrganization;
use orgwarden_client::{Client, ConnectionFilter, Error, Method, RetryPolicy};
use serde_json::json;
use served::Served;

fn org(name: &str) -> CreateOrganization {
    serde_json::from_value(json!({ "name": name })).unwrap()
}

fn connection(name: &str, strategy: &str) -> CreateConnection {
    serde_json::from_value(json!({ "name": name, "strategy": strategy })).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_request_serves_many_calls() {
    let s = Served::start("dev").await;
    let c = s.admin_client();
    for i in 0..4 {
        c.organizations()
            .create(&org(&format!("org-{i}")))
            .await
            .unwrap();
    }
    // A clone shares the cached token.
    let (orgs, keys) = (c.organizations(), c.clone());
    let keys = keys.signing_keys();
    let (a, b) = tokio::join!(orgs.list(), keys.list());
    assert_eq!(a.unwrap().len(), 4);
    assert!(!b.unwrap().is_empty());
    assert_eq!(s.answered("/oauth/token", "POST", 200), 1);
    assert_eq!(s.answered("/api/v2/organizations", "POST", 201), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_calls_fetch_one_token() {
    let s = Served::start("dev").await;
    let c = s.admin_client();
    let calls = (0..5).map(|_| {
        let c = c.clone();
        async move { c.organizations().list().await }
    });
    for r in futures_util::future::join_all(calls).await {
        assert!(r.unwrap().is_empty());
    }
    assert_eq!(s.answered("/oauth/token", "POST", 200), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_stream_across_pages_in_both_styles() {
    let s = Served::start("dev").await;
    let c = s.admin_client();
    let mut made = BTreeSet::new();
    for i in 0..7 {
        let o = c
            .organizations()
            .create(&org(&format!("o{i}")))
            .await
            .unwrap();
        made.insert(o.id);
    }
    let before = s.answered("/api/v2/organizations", "GET", 200);
    let offset: Vec<_> = c.organizations().all(3).try_collect().await.unwrap();
    assert_eq!(s.answered("/api/v2/organizations", "GET", 200) - before, 3);
    let checkpoint: Vec<_> = c
        .organizations()
        .checkpoints(3)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(s.answered("/api/v2/organizations", "GET", 200) - before, 6);
    for listed in [&offset, &checkpoint] {
        let ids: BTreeSet<_> = listed.iter().map(|o| o.id.clone()).collect();
        assert_eq!((listed.len(), &ids), (7, &made));
    }
    let page = c.organizations().page(2, 3).await.unwrap();
    assert_eq!(
        (page.start, page.limit, page.total, page.items.len()),
        (6, 3, 7, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_clients_grants_and_enabled_connections_stream_across_pages() {
    let s = Served::start("dev").await;
    let c = s.admin_client();
    let o = c.organizations().create(&org("acme")).await.unwrap();
    for i in 0..5 {
        let strategy = if i % 2 == 0 { "samlp" } else { "oidc" };
        let conn = c
            .connections()
            .create(&connection(&format!("c{i}"), strategy))
            .await
            .unwrap();
        let enable: CreateEnabledConnection =
            serde_json::from_value(json!({ "connection_id": conn.id })).unwrap();
        c.enabled_connections(&o.id).enable(&enable).await.unwrap();
    }
    let enabled: Vec<_> = c
        .enabled_connections(&o.id)
        .all(2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(enabled.len(), 5);

    let every = ConnectionFilter::default();
    let all: Vec<_> = c.connections().all(&every, 2).try_collect().await.unwrap();
    let by_checkpoint: Vec<_> = c
        .connections()
        .checkpoints(&every, 2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!((all.len(), by_checkpoint.len()), (5, 5));
    let saml = ConnectionFilter {
        strategy: vec!["samlp".into()],
        name: None,
    };
    let saml: Vec<_> = c.connections().all(&saml, 2).try_collect().await.unwrap();
    let names: BTreeSet<_> = saml.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["c0", "c2", "c4"]));

    let audience = format!("https://{}/api/v2/", s.domain);
    for i in 0..4 {
        let app: CreateClient = serde_json::from_value(
            json!({ "name": format!("app{i}"), "app_type": "non_interactive" }),
        )
        .unwrap();
        let app = c.clients().create(&app).await.unwrap();
        let grant: CreateClientGrant = serde_json::from_value(
            json!({ "client_id": app.client_id, "audience": audience, "scope": ["read:organizations"] }),
        )
        .unwrap();
        c.client_grants().create(&grant).await.unwrap();
    }
    // The admin client and its grant come with the server.
    let clients: Vec<_> = c.clients().all(2).try_collect().await.unwrap();
    let clients_cp: Vec<_> = c.clients().checkpoints(2).try_collect().await.unwrap();
    assert_eq!((clients.len(), clients_cp.len()), (5, 5));
    let grants: Vec<_> = c
        .client_grants()
        .all(None, None, 2)
        .try_collect()
        .await
        .unwrap();
    let grants_cp: Vec<_> = c
        .client_grants()
        .checkpoints(None, Some(&audience), 2)
        .try_collect()
        .await
        .unwrap();
    assert_eq!((grants.len(), grants_cp.len()), (5, 5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_as_the_server_says() {
    let s = Served::start("dev").await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = waits.clone();
    let c = Client::builder()
        .domain(&s.domain)
        .ca_file(&s.ca)
        .client_credentials(&s.admin.client_id, &s.admin.client_secret)
        .on_rate_limit(move |w| {
            seen.lock()
                .unwrap()
                .push((w.request.clone(), w.wait, w.attempt))
        })
        .build()
        .unwrap();
    let fault = json!({"method": "GET", "path": "/api/v2/organizations", "action": "rate_limit", "count": 2});
    let r = c
        .send(Method::POST, "/orgwarden/v1/faults", &[], Some(&fault))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let started = std::time::Instant::now();
    assert!(c.organizations().list().await.unwrap().is_empty());
    assert!(started.elapsed() >= Duration::from_secs(2));
    let get = "GET /api/v2/organizations".to_owned();
    assert_eq!(
        *waits.lock().unwrap(),
        [
            (get.clone(), Duration::from_secs(1), 1),
            (get, Duration::from_secs(1), 2)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_its_retries_a_429_is_an_api_error() {
    let s = Served::start("free").await;
    let c = Client::builder()
        .domain(&s.domain)
        .ca_file(&s.ca)
        .client_credentials(&s.admin.client_id, &s.admin.client_secret)
        .retry(RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    // The free plan's burst is 2: the third call at once is refused.
    let mut refused = None;
    for _ in 0..5 {
        if let Err(e) = c.organizations().list().await {
            refused = Some(e);
            break;
        }
    }
    match refused.expect("a 429 within 5 calls") {
        Error::Api { status, body } => {
            assert_eq!(status, 429);
            assert_eq!(body.error_code.as_deref(), Some("too_many_requests"));
            assert_eq!(body.message, "Global limit has been reached");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_auth0s_error_body() {
    let s = Served::start("dev").await;
    let c = s.admin_client();
    match c
        .organizations()
        .get("org_doesnotexist123")
        .await
        .unwrap_err()
    {
        Error::Api { status, body } => {
            assert_eq!(
                (status, body.status_code, body.error.as_str()),
                (404, 404, "Not Found")
            );
            assert_eq!(body.message, "No organization found by that id or name");
        }
        other => panic!("{other:?}"),
    }
    c.organizations().create(&org("twice")).await.unwrap();
    let e = c.organizations().create(&org("twice")).await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_code()),
        (Some(409), Some("organization_conflict"))
    );

    let wrong = Client::builder()
        .domain(&s.domain)
        .ca_file(&s.ca)
        .client_credentials(&s.admin.client_id, "not-the-secret")
        .build()
        .unwrap();
    match wrong.organizations().list().await.unwrap_err() {
        Error::OAuth { status, body } => {
            assert_eq!((status, body.error.as_str()), (401, "access_denied"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_is_a_tls_error() {
    let s = Served::start("dev").await;
    let c = Client::builder()
        .domain(&s.domain)
        .token("not-needed")
        .build()
        .unwrap();
    let e = c.organizations().list().await.unwrap_err();
    assert!(matches!(e, Error::Tls(_)), "{e:?}");
    let missing = Client::builder()
        .domain(&s.domain)
        .ca_file(s.ca.with_file_name("absent.pem"))
        .token("t")
        .build();
    assert!(matches!(missing, Err(Error::Tls(_))));
}

/// Users, roles, members and invitations through the client's typed methods and streams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_through_the_client() {
    use orgwarden_client::proto::invitations::CreateInvitation;
    use orgwarden_client::proto::roles::{CreateRole, PermissionRef, RoleIds};
    use orgwarden_client::proto::users::CreateUser;

    let s = Served::start("dev").await;
    let c = s.admin_client();
    c.connections()
        .create(&connection("people", "auth0"))
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        let body: CreateUser = serde_json::from_value(json!({
            "connection": "people", "email": format!("p{i}@acme.test"), "password": "Client tests 4 all"
        }))
        .unwrap();
        ids.push(c.users().create(&body).await.unwrap().user_id);
    }
    // The users envelope (`start, limit, length, users, total`) pages across several pages.
    let found: Vec<String> = c
        .users()
        .search(Some("email:p*"), 2)
        .map_ok(|u| u.user_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found, ids);
    assert_eq!(
        c.users().by_email("P1@acme.test").await.unwrap()[0].user_id,
        ids[1]
    );

    let org = c.organizations().create(&org("acme")).await.unwrap();
    let people = c.organization(&org.id);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    people.add_members(&refs).await.unwrap();
    let members: Vec<String> = people
        .members(2)
        .map_ok(|m| m.user_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members, ids);

    let role = c
        .roles()
        .create(&CreateRole {
            name: "viewer".into(),
            description: None,
        })
        .await
        .unwrap();
    let give = RoleIds {
        roles: vec![role.id.clone()],
    };
    people.give_member_roles(&ids[0], &give).await.unwrap();
    c.users().give_roles(&ids[1], &give).await.unwrap();
    let held: Vec<String> = c
        .users()
        .roles(&ids[1], 10)
        .map_ok(|r| r.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(held, vec![role.id.clone()]);
    // The role to the others, walked back with the role's checkpoint pager.
    c.roles()
        .give_to_users(&role.id, &[ids[0].as_str(), ids[2].as_str()])
        .await
        .unwrap();
    let holders: Vec<String> = c
        .roles()
        .users(&role.id, 1)
        .map_ok(|u| u.user_id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        holders,
        vec![ids[1].clone(), ids[0].clone(), ids[2].clone()]
    );
    // A permission of the user's own, from an API's scope.
    c.resource_servers()
        .create(
            &serde_json::from_value(
                json!({"identifier": "urn:people-api", "scopes": [{"value": "read:people"}]}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let read_people = PermissionRef {
        resource_server_identifier: "urn:people-api".into(),
        permission_name: "read:people".into(),
    };
    c.users()
        .give_permissions(&ids[1], vec![read_people.clone()])
        .await
        .unwrap();
    let permissions: Vec<_> = c
        .users()
        .permissions(&ids[1], 10)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(permissions.len(), 1);
    assert_eq!(permissions[0].permission_name, "read:people");
    assert_eq!(permissions[0].sources[0].source_type, "DIRECT");
    c.users()
        .take_permissions(&ids[1], vec![read_people])
        .await
        .unwrap();

    let app = c
        .clients()
        .create(
            &serde_json::from_value(
                json!({"name": "web", "initiate_login_uri": "https://app.acme.test/login"}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let invite: CreateInvitation = serde_json::from_value(json!({
        "inviter": {"name": "Ann"}, "invitee": {"email": "new@acme.test"}, "client_id": app.client_id
    }))
    .unwrap();
    let inv = people.invite(&invite).await.unwrap();
    assert_eq!(people.invitations(10).await.unwrap(), vec![inv.clone()]);
    people.revoke_invitation(&inv.id).await.unwrap();
    match people.invitation(&inv.id).await {
        Err(Error::Api { status, body, .. }) => {
            assert_eq!(status, 404);
            assert_eq!(body.message, "The invitation does not exist.");
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    c.roles().delete(&role.id).await.unwrap();
    c.users().delete(&ids[2]).await.unwrap();
}
