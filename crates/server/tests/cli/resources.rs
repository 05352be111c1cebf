//! The resource commands beyond organizations — members and their roles, invitations,
//! connections, users, roles, clients, grants — each run as a process against a real server,
//! with names (and emails) where ids go.

use serde_json::{json, Value};

use crate::harness::{block_on, run, run_with_stdin, Server};

/// The values of `key` in a JSON array.
fn field<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|v| v[key].as_str().unwrap())
        .collect()
}

/// A web application invitations can send people to (made through the API: the CLI has no
/// `clients create`).
fn web_client(s: &Server, name: &str) -> String {
    let body = serde_json::from_value(json!({
        "name": name,
        "app_type": "regular_web",
        "organization_usage": "allow",
        "initiate_login_uri": "https://app.acme.test/login",
    }))
    .unwrap();
    block_on(s.api_client().clients().create(&body))
        .unwrap()
        .client_id
}

#[test]
fn members_their_roles_and_invitations_by_name() {
    let s = Server::start("off");
    run(s.admin(&["connections", "create", "people", "--strategy", "auth0"])).expect(0);
    let jo = run_with_stdin(
        s.admin(&[
            "users",
            "create",
            "--connection",
            "people",
            "--email",
            "jo@example.com",
            "--password-stdin",
            "--json",
        ]),
        "Correct-Horse-9-battery\n",
    )
    .expect(0)
    .json();
    let jo_id = jo["user_id"].as_str().unwrap().to_owned();
    let al = run(s.admin(&[
        "users",
        "create",
        "--connection",
        "people",
        "--email",
        "al@example.com",
        "--password",
        "Correct-Horse-9-battery",
        "--json",
    ]))
    .expect(0)
    .json();
    let al_id = al["user_id"].as_str().unwrap().to_owned();
    run(s.admin(&["roles", "create", "admin"])).expect(0);
    run(s.admin(&["roles", "create", "billing", "--description", "Pays"])).expect(0);
    run(s.admin(&["orgs", "create", "acme"])).expect(0);

    // Members: an email and an id.
    let added = run(s.admin(&["orgs", "members", "add", "acme", "jo@example.com", &al_id]))
        .expect(0)
        .stdout;
    assert!(added.contains(&jo_id) && added.contains(&al_id), "{added}");
    let table = run(s.admin(&["orgs", "members", "list", "acme"]))
        .expect(0)
        .stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("USER ID") && lines[0].contains("EMAIL"),
        "{table}"
    );
    assert!(table.contains("jo@example.com"), "{table}");
    let mut ids = field(
        &run(s.admin(&["orgs", "members", "list", "acme", "--json"]))
            .expect(0)
            .json(),
        "user_id",
    )
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    ids.sort();
    let mut want = vec![jo_id.clone(), al_id.clone()];
    want.sort();
    assert_eq!(ids, want);

    // Member roles by role name.
    let roles = ["orgs", "members", "roles"];
    run(s.admin(
        &[
            &roles[..],
            &["add", "acme", "jo@example.com", "admin", "billing"],
        ]
        .concat(),
    ))
    .expect(0);
    let held = run(s.admin(&[&roles[..], &["list", "acme", &jo_id, "--json"]].concat()))
        .expect(0)
        .json();
    let mut names = field(&held, "name");
    names.sort_unstable();
    assert_eq!(names, ["admin", "billing"]);
    run(s.admin(&[&roles[..], &["remove", "acme", "jo@example.com", "billing"]].concat()))
        .expect(0);
    let table = run(s.admin(&[&roles[..], &["list", "acme", "jo@example.com"]].concat()))
        .expect(0)
        .stdout;
    assert!(
        table.starts_with("ID") && table.contains("admin"),
        "{table}"
    );
    assert!(!table.contains("billing"), "{table}");
    let unknown = run(s.admin(&[&roles[..], &["add", "acme", &jo_id, "nope"]].concat())).expect(3);
    assert!(
        unknown.stderr.contains("no role named \"nope\""),
        "{}",
        unknown.stderr
    );

    run(s.admin(&["orgs", "members", "remove", "acme", &al_id])).expect(0);
    let left = run(s.admin(&["orgs", "members", "list", "acme", "--json"]))
        .expect(0)
        .json();
    assert_eq!(field(&left, "user_id"), [jo_id.as_str()]);

    // Invitations: the client, connection and role by name; the URL printed.
    let app = web_client(&s, "Acme Web");
    run(s.admin(&["orgs", "connections", "enable", "acme", "people"])).expect(0);
    let made = run(s.admin(&[
        "orgs",
        "invitations",
        "create",
        "acme",
        "--inviter",
        "Ana",
        "--email",
        "new@example.com",
        "--client",
        "Acme Web",
        "--connection",
        "people",
        "--role",
        "admin",
        "--ttl-sec",
        "3600",
    ]))
    .expect(0)
    .stdout;
    assert!(made.contains("INVITATION URL"), "{made}");
    assert!(
        made.contains("https://app.acme.test/login?invitation="),
        "{made}"
    );
    let listed = run(s.admin(&["orgs", "invitations", "list", "acme", "--json"]))
        .expect(0)
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["client_id"], app.as_str());
    assert_eq!(listed[0]["invitee"]["email"], "new@example.com");
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let got = run(s.admin(&["orgs", "invitations", "get", "acme", &id, "--json"]))
        .expect(0)
        .json();
    assert_eq!(got["roles"].as_array().unwrap().len(), 1, "{got}");
    run(s.admin(&["orgs", "invitations", "delete", "acme", &id])).expect(0);
    let gone = run(s.admin(&["orgs", "invitations", "get", "acme", &id])).expect(3);
    assert!(gone.stderr.contains("API error 404"), "{}", gone.stderr);
}

#[test]
fn connections_users_roles_clients_and_grants() {
    let s = Server::start("off");

    // Connections: options as JSON where they parse, merged on update.
    let made = run(s.admin(&[
        "connections",
        "create",
        "people",
        "--strategy",
        "auth0",
        "--display-name",
        "People",
        "--option",
        "requires_username=true",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(made["options"]["requires_username"], true, "{made}");
    let con = made["id"].as_str().unwrap().to_owned();
    run(s.admin(&[
        "connections",
        "create",
        "google",
        "--strategy",
        "google-oauth2",
    ]))
    .expect(0);
    let updated = run(s.admin(&[
        "connections",
        "update",
        "people",
        "--option",
        "disable_signup=true",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(updated["options"]["disable_signup"], true, "{updated}");
    assert_eq!(updated["options"]["requires_username"], true, "{updated}");
    let table = run(s.admin(&["connections", "list"])).expect(0).stdout;
    assert!(
        table.starts_with("ID") && table.contains("STRATEGY"),
        "{table}"
    );
    let people = table.lines().find(|l| l.contains("people")).unwrap();
    assert!(
        people.starts_with(&con) && people.contains("People"),
        "{table}"
    );
    let google = run(s.admin(&[
        "connections",
        "list",
        "--strategy",
        "google-oauth2",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(field(&google, "name"), ["google"]);
    assert_eq!(
        run(s.admin(&["connections", "get", "people", "--json"]))
            .expect(0)
            .json()["id"],
        con.as_str()
    );
    run(s.admin(&["connections", "delete", "google"])).expect(0);
    run(s.admin(&["connections", "get", "google"])).expect(3);

    // Users: search, by email, update, delete.
    for email in ["jo@example.com", "al@example.com"] {
        let mut create = s.admin(&["users", "create", "--connection", "people"]);
        create.args(["--email", email, "--password-stdin"]);
        run_with_stdin(create, "Correct-Horse-9-battery\n").expect(0);
    }
    let empty = run_with_stdin(
        {
            let mut c = s.admin(&["users", "create", "--connection", "people"]);
            c.args(["--email", "x@example.com", "--password-stdin"]);
            c
        },
        "",
    )
    .expect(2);
    assert!(
        empty.stderr.contains("stdin gave no password"),
        "{}",
        empty.stderr
    );
    let all = run(s.admin(&["users", "list", "--json"])).expect(0).json();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let found = run(s.admin(&[
        "users",
        "list",
        "--query",
        "email:\"jo@example.com\"",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(field(&found, "email"), ["jo@example.com"]);
    let table = run(s.admin(&["users", "list"])).expect(0).stdout;
    assert!(
        table.starts_with("USER ID") && table.contains("people"),
        "{table}"
    );
    let blocked = run(s.admin(&[
        "users",
        "update",
        "jo@example.com",
        "--blocked",
        "true",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(blocked["blocked"], true);
    let jo = run(s.admin(&["users", "get", "jo@example.com"]))
        .expect(0)
        .stdout;
    assert!(jo.lines().nth(1).unwrap().ends_with("yes"), "{jo}");
    run(s.admin(&["users", "delete", "jo@example.com"])).expect(0);
    let gone = run(s.admin(&["users", "get", "jo@example.com"])).expect(3);
    assert!(
        gone.stderr.contains("no user with email"),
        "{}",
        gone.stderr
    );
    run(s.admin(&["users", "get", "auth0|nobody"])).expect(3);

    // Roles.
    let admin = run(s.admin(&["roles", "create", "admin", "--json"]))
        .expect(0)
        .json();
    run(s.admin(&["roles", "create", "admin-lite"])).expect(0);
    let table = run(s.admin(&["roles", "list"])).expect(0).stdout;
    assert_eq!(table.lines().count(), 3, "{table}");
    assert_eq!(
        run(s.admin(&["roles", "get", "admin", "--json"]))
            .expect(0)
            .json()["id"],
        admin["id"],
        "the exact name, not every name containing it"
    );
    run(s.admin(&["roles", "delete", "admin"])).expect(0);
    let left = run(s.admin(&["roles", "list", "--json"])).expect(0).json();
    assert_eq!(field(&left, "name"), ["admin-lite"]);

    // Clients and grants: by name.
    let app = web_client(&s, "Acme Web");
    let table = run(s.admin(&["clients", "list"])).expect(0).stdout;
    assert!(
        table.starts_with("CLIENT ID") && table.contains("Acme Web"),
        "{table}"
    );
    let got = run(s.admin(&["clients", "get", "Acme Web", "--json"]))
        .expect(0)
        .json();
    assert_eq!(got["client_id"], app.as_str());
    run(s.admin(&["clients", "get", "Nobody's App"])).expect(3);
    let grants = run(s.admin(&["grants", "list", "--client", &s.client_id, "--json"]))
        .expect(0)
        .json();
    assert!(!grants.as_array().unwrap().is_empty(), "{grants}");
    assert_eq!(grants[0]["client_id"], s.client_id.as_str());
    let none = run(s.admin(&["grants", "list", "--client", "Acme Web", "--jsonl"]))
        .expect(0)
        .stdout;
    assert_eq!(none, "");
    let table = run(s.admin(&["grants", "list"])).expect(0).stdout;
    assert!(
        table.starts_with("ID") && table.contains("AUDIENCE"),
        "{table}"
    );
}

#[test]
fn every_resource_command_shows_an_example_in_its_help() {
    let s = Server::start("off");
    let commands: &[&[&str]] = &[
        &["orgs", "members", "list"],
        &["orgs", "members", "add"],
        &["orgs", "members", "remove"],
        &["orgs", "members", "roles", "list"],
        &["orgs", "members", "roles", "add"],
        &["orgs", "members", "roles", "remove"],
        &["orgs", "invitations", "list"],
        &["orgs", "invitations", "create"],
        &["orgs", "invitations", "get"],
        &["orgs", "invitations", "delete"],
        &["connections"],
        &["connections", "list"],
        &["connections", "get"],
        &["connections", "create"],
        &["connections", "update"],
        &["connections", "delete"],
        &["users"],
        &["users", "list"],
        &["users", "get"],
        &["users", "create"],
        &["users", "update"],
        &["users", "delete"],
        &["roles"],
        &["roles", "list"],
        &["roles", "get"],
        &["roles", "create"],
        &["roles", "update"],
        &["roles", "delete"],
        &["clients"],
        &["clients", "list"],
        &["clients", "get"],
        &["clients", "create"],
        &["clients", "update"],
        &["clients", "delete"],
        &["grants"],
        &["grants", "list"],
        &["grants", "create"],
        &["grants", "update"],
        &["grants", "delete"],
    ];
    for args in commands {
        let mut c = s.bare(args);
        let help = run(c.arg("--help")).expect(0).stdout;
        assert!(
            help.contains("Example") && help.contains("orgwarden "),
            "{args:?}:\n{help}"
        );
    }
}

#[test]
fn invitations_are_listed_past_the_first_page() {
    let s = Server::start("off");
    let app = web_client(&s, "Acme Web");
    run(s.admin(&["orgs", "create", "acme", "--json"])).expect(0);
    let api = s.api_client();
    block_on(async {
        let org = api.organizations().get_by_name("acme").await.unwrap().id;
        for i in 0..105 {
            let body = serde_json::from_value(json!({
                "inviter": { "name": "Ana" },
                "invitee": { "email": format!("p{i}@example.com") },
                "client_id": app,
            }))
            .unwrap();
            api.organization(&org).invite(&body).await.unwrap();
        }
    });
    let all = run(s.admin(&["orgs", "invitations", "list", "acme", "--json"]))
        .expect(0)
        .json();
    let mut ids = field(&all, "id");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 105, "two pages of 100, each invitation once");
}

#[test]
fn applications_their_grants_and_roles_change_from_the_command_line() {
    let s = Server::start("off");
    let made = run(s.admin(&[
        "clients",
        "create",
        "portal",
        "--set",
        "app_type=regular_web",
        "--set",
        r#"callbacks=["https://portal.test/cb"]"#,
        "--json",
    ]))
    .expect(0)
    .json();
    let secret = made["client_secret"].as_str().unwrap_or_default();
    assert!(
        secret.len() >= 32,
        "the new secret, shown this once: {made}"
    );
    assert_eq!(made["callbacks"], json!(["https://portal.test/cb"]));
    let table = run(s.admin(&["clients", "create", "second"]))
        .expect(0)
        .stdout;
    assert!(table.contains("CLIENT SECRET"), "{table}");
    let updated = run(s.admin(&[
        "clients",
        "update",
        "portal",
        "--set",
        "organization_usage=allow",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(updated["organization_usage"], "allow");
    assert!(updated.get("client_secret").is_none(), "never shown again");
    // A bad setting is the API's refusal, exit 3.
    run(s.admin(&[
        "clients",
        "update",
        "portal",
        "--set",
        "organization_usage=sometimes",
    ]))
    .expect(3);

    run(s.admin(&["roles", "create", "viewer"])).expect(0);
    let role = run(s.admin(&[
        "roles",
        "update",
        "viewer",
        "--description",
        "Looks",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(role["description"], "Looks");

    let api = s.api_client();
    let body = serde_json::from_value(
        json!({"name": "reports", "identifier": "https://reports.test/",
        "scopes": [{"value": "read:reports"}, {"value": "write:reports"}]}),
    )
    .unwrap();
    block_on(api.resource_servers().create(&body)).unwrap();
    let grant = run(s.admin(&[
        "grants",
        "create",
        "--client",
        "portal",
        "--audience",
        "https://reports.test/",
        "--scope",
        "read:reports",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(grant["client_id"], made["client_id"]);
    let id = grant["id"].as_str().unwrap();
    let changed = run(s.admin(&[
        "grants",
        "update",
        id,
        "--scope",
        "read:reports",
        "--scope",
        "write:reports",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(changed["scope"], json!(["read:reports", "write:reports"]));
    run(s.admin(&["grants", "delete", id])).expect(0);
    run(s.admin(&["clients", "delete", "portal"])).expect(0);
    run(s.admin(&["clients", "get", "portal"])).expect(3);
}
