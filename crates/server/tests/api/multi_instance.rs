//! Two `orgwarden serve` processes over one PostgreSQL schema and one Redis: tokens, writes,
//! races and the rate limit are shared. Needs ORGWARDEN_TEST_POSTGRES_URL and
//! ORGWARDEN_TEST_REDIS_URL (`.ci/run` sets both); without them it says SKIPPED and passes
//! (or fails, with ORGWARDEN_REQUIRE_SERVICES=1).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use serde_json::{json, Value};

use crate::schema::Schema;
use crate::spawn;

const DOMAIN: &str = "localhost:8443";

struct Instance {
    child: Child,
    base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Both instances seal the signing keys with it.
const MASTER_KEY: &str = "ZmFrZSBtYXN0ZXIga2V5IGZvciB0aGUgdGVzdHMgISE=";

fn start(data: &Path, database: &str, redis: &str, plan: &str, prefix: &str) -> Instance {
    let mut child = spawn::command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--tls",
            "off",
            "--domain",
            DOMAIN,
            "--data-dir",
        ])
        .arg(data)
        .env("ORGWARDEN_DATABASE_URL", database)
        .env("ORGWARDEN_REDIS_URL", redis)
        .env("ORGWARDEN_RATE_LIMIT", plan)
        .env("ORGWARDEN_REDIS_PREFIX", prefix)
        .env("ORGWARDEN_MASTER_KEY", MASTER_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start orgwarden");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .split("listening on http://")
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected: {first}"))
        .trim()
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    Instance {
        child,
        base: format!("http://{addr}"),
    }
}

async fn token(http: &reqwest::Client, base: &str, admin: &Value) -> String {
    let r: Value = http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": admin["client_id"], "client_secret": admin["client_secret"], "audience": admin["audience"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {r}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_everything() {
    let what = "multi-instance test";
    let (Some(pg), Some(redis)) = (
        orgwarden_test_services::postgres_url(what),
        orgwarden_test_services::redis_url(what),
    ) else {
        return;
    };
    let schema = Schema::create(&pg, "mi");
    let database = schema.url();
    // One bucket shared by both: 6 requests, refilled far slower than the test runs.
    let plan = "6/0.001";
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("shared");
    let prefix = format!("orgwarden-test:{}:", schema.name);

    // A starts first (it creates the keys and the admin client), then B, on the same data.
    let a = start(&data, &database, &redis, "off", &prefix);
    let b = start(&data, &database, &redis, "off", &prefix);
    let admin: Value =
        serde_json::from_slice(&std::fs::read(data.join("admin-client.json")).unwrap()).unwrap();
    let http = reqwest::Client::new();

    // A token from A works on B; a write on A is read on B.
    let t = token(&http, &a.base, &admin).await;
    let r = http
        .post(format!("{}/api/v2/organizations", a.base))
        .bearer_auth(&t)
        .json(&json!({"name": "shared-org"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let org = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = http
        .get(format!("{}/api/v2/organizations/{org}", b.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "B reads what A wrote, with A's token");

    // Races: the same connection enabled on both at once -> one 201, one 409.
    let conn: Value = http
        .post(format!("{}/api/v2/connections", a.base))
        .bearer_auth(&t)
        .json(&json!({"name": "race", "strategy": "samlp"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = json!({"connection_id": conn["id"]});
    let (ra, rb) = tokio::join!(
        http.post(format!(
            "{}/api/v2/organizations/{org}/enabled_connections",
            a.base
        ))
        .bearer_auth(&t)
        .json(&body)
        .send(),
        http.post(format!(
            "{}/api/v2/organizations/{org}/enabled_connections",
            b.base
        ))
        .bearer_auth(&t)
        .json(&body)
        .send(),
    );
    let mut statuses = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);

    // The same organization name created on both at once -> one 201, one 409.
    let name = json!({"name": "twin"});
    let (ra, rb) = tokio::join!(
        http.post(format!("{}/api/v2/organizations", a.base))
            .bearer_auth(&t)
            .json(&name)
            .send(),
        http.post(format!("{}/api/v2/organizations", b.base))
            .bearer_auth(&t)
            .json(&name)
            .send(),
    );
    let mut statuses = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);

    // The 10-connection limit holds when 12 adds race across the two instances.
    let mut ids = Vec::new();
    for i in 0..12 {
        let c: Value = http
            .post(format!("{}/api/v2/connections", a.base))
            .bearer_auth(&t)
            .json(&json!({"name": format!("lim-{i}"), "strategy": "samlp"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let limited: Value = http
        .post(format!("{}/api/v2/organizations", a.base))
        .bearer_auth(&t)
        .json(&json!({"name": "limited"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lorg = limited["id"].as_str().unwrap().to_owned();
    let adds = ids.iter().enumerate().map(|(i, id)| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        http.post(format!(
            "{base}/api/v2/organizations/{lorg}/enabled_connections"
        ))
        .bearer_auth(&t)
        .json(&json!({"connection_id": id}))
        .send()
    });
    let results = futures_join_all(adds).await;
    let created = results.iter().filter(|s| **s == 201).count();
    assert_eq!(created, 10, "statuses: {results:?}");

    // Key rotation on A: B accepts a token signed with the new key at once (it reads the keys
    // again for a kid it does not know, rather than waiting for its next reload); A's old token
    // still works.
    let r = http
        .post(format!("{}/api/v2/keys/signing/rotate", a.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let t2 = token(&http, &a.base, &admin).await;
    assert_ne!(kid_of(&t2), kid_of(&t));
    assert_eq!(
        http.get(format!("{}/api/v2/organizations", b.base))
            .bearer_auth(&t2)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "B accepts the first token signed with the key rotated in on A"
    );
    assert_eq!(
        http.get(format!("{}/api/v2/organizations", b.base))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Revoking the old key on A: A refuses its token at once, B within its reload interval.
    let old_kid = kid_of(&t);
    let r = http
        .put(format!("{}/api/v2/keys/signing/{old_kid}/revoke", a.base))
        .bearer_auth(&t2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let on = |base: &str| {
        http.get(format!("{base}/api/v2/organizations"))
            .bearer_auth(&t)
            .send()
    };
    assert_eq!(
        on(&a.base).await.unwrap().status(),
        401,
        "A refuses at once"
    );
    let started = std::time::Instant::now();
    let mut refused = false;
    while started.elapsed() < std::time::Duration::from_secs(15) {
        if on(&b.base).await.unwrap().status() == 401 {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        refused,
        "B refuses the revoked key's token after its reload"
    );
    eprintln!(
        "multi-instance: B refused the revoked key's token after {:?}",
        started.elapsed()
    );
    let t = t2;
    drop((a, b));

    // The rate limit is global: two instances together allow the plan's burst, not twice it.
    let a = start(&data, &database, &redis, plan, &prefix);
    let b = start(&data, &database, &redis, plan, &prefix);
    let mut ok = 0;
    for i in 0..10 {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let r = http
            .get(format!("{base}/api/v2/organizations"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            ok += 1;
        } else {
            assert_eq!(r.status(), 429);
            assert!(r.headers().contains_key("retry-after"));
        }
    }
    assert_eq!(
        ok, 6,
        "two instances together allow the shared burst of 6, not 12"
    );
    drop((a, b));
}

/// The `kid` in a token's header.
fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&header).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Runs the futures concurrently and returns their statuses.
async fn futures_join_all<F>(futs: impl Iterator<Item = F>) -> Vec<u16>
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap().unwrap().status().as_u16());
    }
    out
}
