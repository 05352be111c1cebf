//! The client subcommands (`orgwarden orgs …`, `orgwarden login`) as a user runs them: the
//! built binary as a process against a real `orgwarden serve` over HTTPS, checking the
//! output (table, `--json`, `--jsonl`) and every exit code.

mod completions;
mod harness;
mod resources;
mod tenant_copy;

use harness::{block_on, run, Server};
use serde_json::{json, Value};

/// Makes connection `name` with `strategy` through the Management API (set-up, not what
/// these tests check).
fn create_connection(s: &Server, name: &str, strategy: &str) -> String {
    let body = serde_json::from_value(json!({ "name": name, "strategy": strategy })).unwrap();
    block_on(s.api_client().connections().create(&body))
        .unwrap()
        .id
}

#[test]
fn organizations_from_create_to_delete_by_name_and_by_id() {
    let s = Server::start("off");
    let made = run(s.admin(&[
        "orgs",
        "create",
        "acme",
        "--display-name",
        "Acme Inc.",
        "--metadata",
        "tier=gold",
        "--json",
    ]))
    .expect(0);
    let acme = made.json();
    let id = acme["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("org_"), "{acme}");
    assert_eq!(acme["metadata"], json!({ "tier": "gold" }));
    let table = run(s.admin(&["orgs", "create", "globex"])).expect(0).stdout;
    assert!(table.starts_with("ID "), "{table}");
    assert!(table.contains("globex"), "{table}");

    // The table: a header, one aligned row each.
    let list = run(s.admin(&["orgs", "list"])).expect(0).stdout;
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(
        lines[0].starts_with("ID")
            && lines[0].contains("NAME")
            && lines[0].contains("DISPLAY NAME"),
        "{list}"
    );
    let name_col = lines[0].find("NAME").unwrap();
    for row in &lines[1..] {
        assert!(row.starts_with("org_"), "{list}");
        assert!(
            !row[name_col..].starts_with(' ') && row.as_bytes()[name_col - 1] == b' ',
            "{list}"
        );
    }
    assert!(list.contains("Acme Inc."), "{list}");

    // --json is the API's array; --jsonl an object a line.
    let all = run(s.admin(&["orgs", "list", "--json"])).expect(0).json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"acme") && names.contains(&"globex"));
    let jsonl = run(s.admin(&["orgs", "list", "--jsonl"])).expect(0).stdout;
    let objects: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 2);

    // A name where an id goes, and the id itself.
    assert_eq!(
        run(s.admin(&["orgs", "get", "acme", "--json"]))
            .expect(0)
            .json()["id"],
        id
    );
    assert_eq!(
        run(s.admin(&["orgs", "get", &id, "--json"]))
            .expect(0)
            .json()["name"],
        "acme"
    );

    let updated = run(s.admin(&[
        "orgs",
        "update",
        "acme",
        "--display-name",
        "Acme Corp",
        "--name",
        "acme-corp",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(
        (updated["id"].as_str(), updated["name"].as_str()),
        (Some(id.as_str()), Some("acme-corp"))
    );
    assert_eq!(updated["display_name"], "Acme Corp");

    let deleted = run(s.admin(&["orgs", "delete", "acme-corp"])).expect(0);
    assert!(deleted.stdout.contains(&id), "{}", deleted.stdout);
    let gone = run(s.admin(&["orgs", "get", &id])).expect(3);
    assert!(gone.stderr.contains("404"), "{}", gone.stderr);
    assert_eq!(
        run(s.admin(&["orgs", "list", "--json"]))
            .expect(0)
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_organizations_connections_by_name() {
    let s = Server::start("off");
    let db = create_connection(&s, "people", "auth0");
    let google = create_connection(&s, "google", "google-oauth2");
    run(s.admin(&["orgs", "create", "acme"])).expect(0);

    let enabled = run(s.admin(&[
        "orgs",
        "connections",
        "enable",
        "acme",
        "people",
        "--assign-membership-on-login",
        "true",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(enabled["connection_id"], db);
    assert_eq!(enabled["assign_membership_on_login"], true);
    run(s.admin(&["orgs", "connections", "enable", "acme", &google])).expect(0);

    // The guide's call.
    let table = run(s.admin(&["orgs", "connections", "list", "acme"]))
        .expect(0)
        .stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("CONNECTION ID") && lines[0].contains("MEMBERSHIP ON LOGIN"),
        "{table}"
    );
    let people = lines.iter().find(|l| l.contains("people")).unwrap();
    assert!(
        people.starts_with(&db) && people.contains("auth0") && people.contains("yes"),
        "{table}"
    );

    let updated = run(s.admin(&[
        "orgs",
        "connections",
        "update",
        "acme",
        "google",
        "--show-as-button",
        "false",
        "--json",
    ]))
    .expect(0)
    .json();
    assert_eq!(
        (
            updated["connection_id"].as_str(),
            updated["show_as_button"].as_bool()
        ),
        (Some(google.as_str()), Some(false))
    );

    run(s.admin(&["orgs", "connections", "disable", "acme", "google"])).expect(0);
    let left = run(s.admin(&["orgs", "connections", "list", "acme", "--json"]))
        .expect(0)
        .json();
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    assert_eq!(left[0]["connection"]["name"], "people");

    let unknown = run(s.admin(&["orgs", "connections", "disable", "acme", "nope"])).expect(3);
    assert!(
        unknown.stderr.contains("no connection named \"nope\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn exit_codes_tell_what_went_wrong() {
    let s = Server::start("off");
    // 2: clap's usage error.
    let usage = run(s.admin(&["orgs", "get"])).expect(2);
    assert!(usage.stderr.contains("Usage"), "{}", usage.stderr);
    run(s.bare(&["orgs", "list"])).expect(2);

    // 3: the API's refusal, message and errorCode.
    let missing = run(s.admin(&["orgs", "get", "nobody"])).expect(3);
    assert!(
        missing.stderr.contains("API error 404"),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stdout, "");
    run(s.admin(&["orgs", "create", "acme"])).expect(0);
    let no_connection = run(s.admin(&[
        "orgs",
        "connections",
        "enable",
        "acme",
        "con_0000000000000000",
    ]))
    .expect(3);
    assert!(
        no_connection
            .stderr
            .contains("(errorCode: inexistent_connection)"),
        "{}",
        no_connection.stderr
    );

    // 4: nothing listening.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = run(s.bare(&[
        "orgs",
        "list",
        "--domain",
        &format!("127.0.0.1:{port}"),
        "--token",
        "t",
    ]))
    .expect(4);
    assert!(
        refused.stderr.contains("cannot reach https://127.0.0.1:")
            && refused.stderr.contains("connection refused"),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stderr.lines().count(), 1, "{}", refused.stderr);

    // 4: a certificate from a CA the client was not told about.
    let untrusted = run(s.bare(&[
        "orgs",
        "list",
        "--domain",
        &s.domain,
        "--client-id",
        &s.client_id,
        "--client-secret",
        &s.client_secret,
    ]))
    .expect(4);
    assert!(
        untrusted.stderr.contains("not trusted — pass --ca-file"),
        "{}",
        untrusted.stderr
    );

    // 5: a wrong secret, refused by /oauth/token.
    let wrong = run(s
        .bare(&[
            "orgs",
            "list",
            "--domain",
            &s.domain,
            "--client-id",
            &s.client_id,
            "--client-secret",
            "wrong",
            "--ca-file",
        ])
        .arg(&s.ca))
    .expect(5);
    assert!(
        wrong.stderr.contains("credential refused"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn a_local_data_directory_and_the_environment_are_targets() {
    let s = Server::start("off");
    run(s.admin(&["orgs", "create", "acme"])).expect(0);
    let local = run(s.bare(&["orgs", "list", "--json", "--local"]).arg(s.data()))
        .expect(0)
        .json();
    assert_eq!(local[0]["name"], "acme");

    // --local alone: ./orgwarden-data.
    let mut here = s.bare(&["orgs", "list", "--json", "--local"]);
    here.current_dir(s.data().parent().unwrap());
    assert_eq!(run(here).expect(0).json(), local);

    let env = run(s
        .bare(&["orgs", "get", "acme", "--json"])
        .env("ORGWARDEN_CLI_DOMAIN", &s.domain)
        .env("ORGWARDEN_CLI_CLIENT_ID", &s.client_id)
        .env("ORGWARDEN_CLI_CLIENT_SECRET", &s.client_secret)
        .env("ORGWARDEN_CLI_CA_FILE", &s.ca))
    .expect(0)
    .json();
    assert_eq!(env["name"], "acme");
}

#[test]
fn login_writes_a_private_profile_that_later_commands_use() {
    let s = Server::start("off");
    run(s.admin(&["orgs", "create", "acme"])).expect(0);
    let mut login = s.bare(&[
        "login",
        "--profile",
        "dev",
        "--domain",
        &s.domain,
        "--client-id",
        &s.client_id,
        "--client-secret",
        "wrong",
        "--ca-file",
    ]);
    login.arg(&s.ca);
    run(login).expect(5);
    assert!(
        !s.profiles_file().exists(),
        "a refused credential is not saved"
    );

    let mut login = s.bare(&[
        "login",
        "--profile",
        "dev",
        "--domain",
        &s.domain,
        "--client-id",
        &s.client_id,
        "--client-secret",
        &s.client_secret,
        "--ca-file",
    ]);
    login.arg(&s.ca);
    run(login).expect(0);
    let file = s.profiles_file();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file:?}");
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["profiles"]["dev"]["domain"], s.domain.as_str());

    let listed = run(s.bare(&["orgs", "list", "--profile", "dev", "--json"]))
        .expect(0)
        .json();
    assert_eq!(listed[0]["name"], "acme");
    let by_env = run(s
        .bare(&["orgs", "list", "--json"])
        .env("ORGWARDEN_CLI_PROFILE", "dev"))
    .expect(0)
    .json();
    assert_eq!(by_env, listed);
    let unknown = run(s.bare(&["orgs", "list", "--profile", "prod"])).expect(2);
    assert!(
        unknown.stderr.contains("no profile \"prod\""),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_rate_limit_is_waited_out_and_said() {
    // Two requests at once, one more a second: the CLI's token and list take the burst.
    let s = Server::start("2/1");
    let mut said = false;
    for _ in 0..4 {
        let r = run(s.admin(&["orgs", "list", "--json"])).expect(0);
        said |= r.stderr.contains("rate limited; waiting")
            && r.stderr.contains("until X-RateLimit-Reset");
    }
    assert!(said, "no run said it waited");
}

#[test]
fn every_command_shows_an_example_in_its_help() {
    let s = Server::start("off");
    let commands: &[&[&str]] = &[
        &["orgs"],
        &["login"],
        &["orgs", "list"],
        &["orgs", "get"],
        &["orgs", "create"],
        &["orgs", "update"],
        &["orgs", "delete"],
        &["orgs", "connections", "list"],
        &["orgs", "connections", "enable"],
        &["orgs", "connections", "update"],
        &["orgs", "connections", "disable"],
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
fn lists_page_through_everything() {
    let s = Server::start("off");
    let api = s.api_client();
    block_on(async {
        for i in 0..230 {
            let body = serde_json::from_value(json!({ "name": format!("org-{i:03}") })).unwrap();
            api.organizations().create(&body).await.unwrap();
        }
    });
    let all = run(s.admin(&["orgs", "list", "--json"])).expect(0).json();
    let mut names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 230);
    let table = run(s.admin(&["orgs", "list"]));
    assert_eq!(table.stdout.lines().count(), 231, "a header and a row each");
    assert_eq!(
        table.stderr, "",
        "no progress line when stderr is not a terminal"
    );

    // On a terminal (a pty from util-linux's script), a running count while pages come in,
    // cleared at the end.
    let quote = |s: &str| format!("'{}'", s.replace('\'', ""));
    let line = [
        quote(harness::BIN),
        "orgs list --domain".into(),
        quote(&s.domain),
        "--client-id".into(),
        quote(&s.client_id),
        "--client-secret".into(),
        quote(&s.client_secret),
        "--ca-file".into(),
        quote(&s.ca.to_string_lossy()),
    ]
    .join(" ");
    let out = std::process::Command::new("script")
        .env_clear()
        .env("HOME", &s.home)
        .args(["-qec", &line, "/dev/null"])
        .output()
        .expect("util-linux script (Debian's bsdutils)");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("\rfetched 100…") && shown.contains("\rfetched 200…"),
        "{shown:?}"
    );
    assert!(shown.contains("\r\x1b[K"), "the line is cleared: {shown:?}");
}

#[test]
fn a_token_the_server_did_not_sign_is_a_refused_credential() {
    let (s, other) = (Server::start("off"), Server::start("off"));
    let foreign = block_on(other.api_client().access_token()).unwrap();
    let mut c = s.bare(&[
        "orgs",
        "list",
        "--domain",
        &s.domain,
        "--token",
        &foreign,
        "--ca-file",
    ]);
    c.arg(&s.ca);
    let refused = run(c).expect(5);
    assert!(
        refused.stderr.contains("credential refused"),
        "{}",
        refused.stderr
    );
}
