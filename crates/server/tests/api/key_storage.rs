//! The signing keys at rest, with the real binary started under `umask 022`: every file in the
//! data directory is private (an older installation's modes are fixed), an unencrypted key can
//! be read from the database file and used to forge an admin token, and with a master key it
//! cannot; the database is migrated in place; a missing or wrong master key refuses to start.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use orgwarden_server::auth::sealing;
use serde_json::{json, Value};

use crate::spawn;

const DOMAIN: &str = "localhost:8443";

/// The DER of the rsaEncryption OID: inside every PKCS#8 RSA private key.
const RSA_OID: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];

/// `orgwarden serve` under `umask 022`, with no ORGWARDEN_* variable but those given.
fn command(data: &Path, log: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new("sh");
    spawn::hermetic(&mut cmd)
        .args(["-c", "umask 022; exec \"$0\" \"$@\"", spawn::BIN, "serve"])
        .args(["--listen", "127.0.0.1:0", "--domain", DOMAIN, "--data-dir"])
        .arg(data)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(log).unwrap()));
    cmd
}

struct Server {
    child: Child,
    base: String,
    banner: Vec<String>,
}

impl Server {
    fn start(data: &Path, log: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = command(data, log, env).spawn().expect("start orgwarden");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = match lines.next() {
            Some(Ok(line)) => line,
            _ => panic!(
                "orgwarden did not start: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        };
        let addr = first
            .split("listening on https://")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {first}"));
        let port = addr.rsplit(':').next().unwrap().trim().to_owned();
        let mut banner = vec![first.clone()];
        for line in lines.by_ref() {
            let line = line.unwrap();
            let done = line.starts_with("Get a token");
            banner.push(line);
            if done {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base: format!("https://localhost:{port}"),
            banner,
        }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = wait(&mut self.child).expect("orgwarden stops on SIGTERM");
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits at most 30 s for the process to end.
fn wait(child: &mut Child) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

/// Starts orgwarden expecting it to refuse: returns what it wrote to stderr.
fn refused(data: &Path, log: &Path, env: &[(&str, &str)]) -> String {
    let mut child = command(data, log, env).spawn().unwrap();
    let status = wait(&mut child).expect("orgwarden exits within 30 s");
    assert!(!status.success(), "orgwarden refused to start");
    std::fs::read_to_string(log).unwrap()
}

/// Every directory and file under `root` with its mode.
fn modes(root: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(p) = pending.pop() {
        let meta = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), meta.permissions().mode() & 0o7777));
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                pending.push(e.unwrap().path());
            }
        }
    }
    out
}

fn assert_private(data: &Path) {
    let modes = modes(data);
    let names: Vec<String> = modes
        .iter()
        .map(|(p, _)| p.strip_prefix(data).unwrap().display().to_string())
        .collect();
    for expected in [
        "orgwarden.db",
        "orgwarden.db-wal",
        "orgwarden.db-shm",
        "admin-client.json",
        "tls",
        "tls/ca.pem",
        "tls/ca-key.pem",
        "tls/server.pem",
        "tls/server-key.pem",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} in {names:?}"
        );
    }
    for (path, mode) in modes {
        let wanted = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, wanted, "{} is {mode:04o}", path.display());
    }
}

fn loosen(data: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for (path, _) in modes(data) {
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// The database file and its -wal and -shm, read raw, as another local user would.
fn raw_database(data: &Path) -> Vec<u8> {
    ["orgwarden.db", "orgwarden.db-wal", "orgwarden.db-shm"]
        .iter()
        .flat_map(|f| std::fs::read(data.join(f)).unwrap_or_default())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The stored signing keys, read straight from the database.
async fn stored_keys(data: &Path) -> Vec<orgwarden_domain::keys::SigningKey> {
    let url = format!("sqlite://{}", data.join("orgwarden.db").display());
    let store = orgwarden_server::bootstrap::open_store(&url).await.unwrap();
    store.signing_keys().await.unwrap()
}

/// An admin token signed with a private key read from the database: what an attacker who can
/// read the file would make.
fn forge(kid: &str, pkcs8: &[u8]) -> Option<String> {
    aws_lc_rs::rsa::KeyPair::from_pkcs8(pkcs8).ok()?;
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for chunk in STANDARD.encode(pkcs8).as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).ok()?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = json!({
        "iss": format!("https://{DOMAIN}/"), "aud": format!("https://{DOMAIN}/api/v2/"),
        "sub": "attacker@clients", "azp": "attacker", "gty": "client-credentials",
        "iat": now, "exp": now + 3600,
        "scope": "read:organizations read:signing_keys create:signing_keys update:signing_keys",
    });
    jsonwebtoken::encode(&header, &claims, &key).ok()
}

fn client(data: &Path) -> reqwest::Client {
    orgwarden_server::server::install_crypto_provider();
    let ca = std::fs::read(data.join("tls/ca.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap()
}

async fn status(http: &reqwest::Client, server: &Server, token: &str) -> u16 {
    http.get(format!("{}/api/v2/organizations", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_at_rest_are_private_and_encrypted_with_a_master_key() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = |n: u32| dir.path().join(format!("run{n}.log"));

    // 1. No master key: files private despite umask 022, a loud warning, and the key is plain
    //    in the file: a token forged with it is accepted (the finding).
    let server = Server::start(&data, &log(1), &[]);
    assert_private(&data);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("WARNING:  signing keys are stored UNENCRYPTED")),
        "{:?}",
        server.banner
    );
    let http = client(&data);
    let keys = stored_keys(&data).await;
    assert_eq!(keys.len(), 1);
    let first_kid = keys[0].kid.clone();
    assert!(
        contains(&raw_database(&data), RSA_OID),
        "plain PKCS#8 is in the file"
    );
    let forged = forge(&first_kid, &keys[0].private_key).expect("the stored key is usable");
    assert_eq!(status(&http, &server, &forged).await, 200);
    server.stop();
    let run1 = std::fs::read_to_string(log(1)).unwrap();
    assert!(
        run1.contains("signing keys are stored UNENCRYPTED"),
        "{run1}"
    );

    // 2. An older installation: everything readable by others. Started with a master key file,
    //    the modes are fixed (said once) and the key is encrypted in place.
    loosen(&data);
    let master = sealing::generate_master_key().unwrap();
    let master_file = dir.path().join("master.key");
    orgwarden_server::files::create_private(&master_file, master.as_bytes()).unwrap();
    let master_file = master_file.to_str().unwrap().to_owned();
    let with_file = [("ORGWARDEN_MASTER_KEY_FILE", master_file.as_str())];
    let server = Server::start(&data, &log(2), &with_file);
    assert_private(&data);
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("signing keys encrypted with the master key")),
        "{:?}",
        server.banner
    );
    let run2 = std::fs::read_to_string(log(2)).unwrap();
    assert_eq!(
        run2.matches("private to this user").count(),
        1,
        "said once: {run2}"
    );
    assert!(run2.contains("encrypted 1 signing key(s)"), "{run2}");
    let keys = stored_keys(&data).await;
    assert!(sealing::is_sealed(&keys[0].private_key));
    assert!(
        !contains(&raw_database(&data), RSA_OID),
        "no PKCS#8 left in the database files"
    );
    assert!(
        forge(&first_kid, &keys[0].private_key).is_none(),
        "nothing to sign with in the database"
    );
    // The key itself is unchanged: the token forged before still verifies, until the key is
    // rotated out and revoked.
    assert_eq!(status(&http, &server, &forged).await, 200);
    let admin: Value =
        serde_json::from_slice(&std::fs::read(data.join("admin-client.json")).unwrap()).unwrap();
    let token = || async {
        let r: Value = http
            .post(format!("{}/oauth/token", server.base))
            .json(&json!({"grant_type": "client_credentials", "client_id": admin["client_id"], "client_secret": admin["client_secret"], "audience": admin["audience"]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"].as_str().unwrap().to_owned()
    };
    let before = token().await;
    let r = http
        .post(format!("{}/api/v2/keys/signing/rotate", server.base))
        .bearer_auth(&before)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let after = token().await;
    let r = http
        .put(format!(
            "{}/api/v2/keys/signing/{first_kid}/revoke",
            server.base
        ))
        .bearer_auth(&after)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(status(&http, &server, &forged).await, 401);
    let keys = stored_keys(&data).await;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| sealing::is_sealed(&k.private_key)));
    assert!(forge(&keys[0].kid, &keys[0].private_key).is_none());
    assert!(!contains(&raw_database(&data), RSA_OID));
    server.stop();

    // 3. Encrypted keys and no master key, or another one, or a key file others can read:
    //    orgwarden refuses to start, names the variables, and never prints a key.
    let other = sealing::generate_master_key().unwrap();
    let cases: [(&[(&str, &str)], &str); 2] = [
        (&[], "none was given"),
        (
            &[("ORGWARDEN_MASTER_KEY", other.as_str())],
            "another master key",
        ),
    ];
    for (n, (env, why)) in (3..).zip(cases) {
        let stderr = refused(&data, &log(n), env);
        assert!(stderr.contains(why), "{stderr}");
        assert!(stderr.contains("ORGWARDEN_MASTER_KEY"), "{stderr}");
        assert!(
            !stderr.contains(&other) && !stderr.contains(&master),
            "{stderr}"
        );
    }
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&master_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let stderr = refused(&data, &log(5), &with_file);
    assert!(
        stderr.contains("can be read by other users") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert!(!stderr.contains(&master));

    // 4. The same master key (as the variable this time) works, and tokens from before verify.
    let server = Server::start(&data, &log(6), &[("ORGWARDEN_MASTER_KEY", master.as_str())]);
    assert_eq!(status(&http, &server, &after).await, 200);
    assert_eq!(status(&http, &server, &forged).await, 401);
    server.stop();
    for n in [1, 2, 6] {
        let text = std::fs::read_to_string(log(n)).unwrap();
        assert!(!text.contains(&master), "the master key is never logged");
    }
}
