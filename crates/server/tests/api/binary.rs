//! The real binary, over real TLS: `orgwarden serve` on a free port, the README's walk-through
//! with an HTTP client that trusts only the generated CA, `orgwarden token`, restart, SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use crate::spawn;

struct Server {
    child: Child,
    url: String,
    port: u16,
}

impl Server {
    fn start(data: &Path, port: u16) -> Server {
        std::fs::create_dir_all(data.parent().unwrap()).unwrap();
        let mut child = spawn::command()
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data)
            .stdout(Stdio::piped())
            .env("ORGWARDEN_LOG", "debug")
            .stderr(Stdio::from(
                std::fs::File::create(data.with_extension("log")).unwrap(),
            ))
            .spawn()
            .expect("start orgwarden");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        let addr = first
            .split("listening on https://")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {first}"));
        let port = addr.rsplit(':').next().unwrap().trim().to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            url: format!("https://localhost:{port}"),
            port: port.parse().unwrap(),
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        panic!("orgwarden did not stop on SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn client(data: &Path) -> reqwest::Client {
    orgwarden_server::server::install_crypto_provider();
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn serve_walk_through_over_tls_then_restart_and_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, 0);
    let port = server.port;
    let http = client(&data);

    // admin-client.json: 0600, with what a user needs to get a token.
    let path = data.join("admin-client.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let admin: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();

    // 1. A token (form body, as curl sends it).
    let r = http
        .post(format!("{}/oauth/token", server.url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", admin["client_id"].as_str().unwrap()),
            ("client_secret", admin["client_secret"].as_str().unwrap()),
            ("audience", admin["audience"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    // 2-4. A connection, an organization, the connection enabled.
    let api = format!("{}/api/v2", server.url);
    let conn: Value = http
        .post(format!("{api}/connections"))
        .bearer_auth(&token)
        .json(&json!({"name": "acme-sso", "strategy": "samlp"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org: Value = http
        .post(format!("{api}/organizations"))
        .bearer_auth(&token)
        .json(&json!({"name": "acme"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (org_id, conn_id) = (org["id"].as_str().unwrap(), conn["id"].as_str().unwrap());
    let r = http
        .post(format!("{api}/organizations/{org_id}/enabled_connections"))
        .bearer_auth(&token)
        .json(&json!({"connection_id": conn_id, "assign_membership_on_login": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // 5. The guide's call, with a token from `orgwarden token --scope read:organization_connections`.
    let out = spawn::command()
        .args([
            "token",
            "--scope",
            "read:organization_connections",
            "--data-dir",
        ])
        .arg(&data)
        .args([
            "--listen",
            &format!("127.0.0.1:{}", server.url.rsplit(':').next().unwrap()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let r = http
        .get(format!("{api}/organizations/{org_id}/enabled_connections"))
        .bearer_auth(&cli_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(r.headers().contains_key("x-request-id"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!([{"connection_id": conn_id, "assign_membership_on_login": true, "show_as_button": true, "connection": {"name": "acme-sso", "strategy": "samlp"}}])
    );

    // SIGTERM: a clean exit.
    assert!(server.stop().success());

    // The log has a line per request, and no token or secret.
    let log = std::fs::read_to_string(data.with_extension("log")).unwrap();
    assert!(
        log.contains("/api/v2/organizations/{id}/enabled_connections"),
        "{log}"
    );
    for secret in [
        token.as_str(),
        cli_token.as_str(),
        admin["client_secret"].as_str().unwrap(),
    ] {
        assert!(!log.contains(secret), "a secret reached the log");
    }

    // Restart on the same data and port: same admin client, the data is still there, and
    // tokens from before verify (the keys live in the database).
    let server = Server::start(&data, port);
    let again: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(again["client_id"], admin["client_id"]);
    let http = client(&data);
    let r = http
        .get(format!(
            "{}/api/v2/organizations/{org_id}/enabled_connections",
            server.url
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "a token from before the restart still verifies"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap()[0]["connection_id"],
        conn_id
    );
    assert!(server.stop().success());
}

/// `orgwarden migrate` names the database it brought up to date, without its password.
#[test]
fn the_printed_database_url_has_no_password() {
    let Some(pg) = orgwarden_test_services::postgres_url("database URL redaction") else {
        return;
    };
    const SECRET: &str = "hunter2-never-printed";
    // The test server trusts local users, so any password is accepted (and must be hidden).
    let (scheme, rest) = pg.split_once("://").expect("a URL");
    let with_password = match rest.split_once('@') {
        Some((user, host)) => format!(
            "{scheme}://{}:{SECRET}@{host}",
            user.split(':').next().unwrap()
        ),
        None => format!("{scheme}://postgres:{SECRET}@{rest}"),
    };
    // The test server trusts local users, so psql accepts the password too.
    let schema = crate::schema::Schema::create(&with_password, "redact");
    let url = schema.url();
    let dir = tempfile::tempdir().unwrap();
    let out = crate::spawn::command()
        .args(["migrate", "--database-url", &url, "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("run orgwarden migrate");
    drop(schema);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "migrate failed: {stdout}{stderr}");
    assert!(
        stdout.contains("database is up to date: postgres") && stdout.contains(":…@"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(SECRET) && !stderr.contains(SECRET),
        "{stdout}{stderr}"
    );
}
