//! Durability: the real binary under a write load, SIGKILLed at random points again and again,
//! restarted on the same data each time. After every restart, every acknowledged write is there
//! as promised, every write whose answer never came is either wholly done or not at all, and
//! nothing else is in the database. On SQLite always; on PostgreSQL when
//! `ORGWARDEN_TEST_POSTGRES_URL` is set (it must be, with `ORGWARDEN_REQUIRE_SERVICES=1`;
//! otherwise the test says SKIPPED and passes).
//!
//! The writes span rows: organizations created with their enabled connections, connection
//! deletes that take the connection out of every organization, enables, disables and their
//! settings, metadata patches, clients with grants, client deletes that take the grant along,
//! and (rarely) signing-key rotations. Each writer owns its objects, so what it was promised
//! is exact; see `durability/model.rs` for the writes, `verify.rs` for the checks.
//!
//! The random choices (the writes, the kill points) come from a seed printed at the start;
//! `DURABILITY_SEED=N` replays them (the kill then lands on the same delay, not always on the
//! same write).

mod model;
mod postgres;
mod report;
mod rng;
mod verify;
mod world;

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::schema::Schema;
use crate::spawn::Process;
use model::Writer;
use report::{Figures, Problems};
use rng::Rng;
use world::Api;

/// Kills during the write load, per backend.
const CYCLES: usize = 24;
/// Concurrent writers, each with its own objects.
const WRITERS: usize = 4;
/// How long the load runs before a kill: a random time in this range, in milliseconds.
const LOAD_MS: (u64, u64) = (20, 1200);
/// How long after its start a server is killed, when a kill lands in start-up (milliseconds).
const STARTUP_KILL_MS: (u64, u64) = (0, 150);
/// A generous bound on start-up: a server that does not answer by then failed to recover.
const READY_WITHIN: Duration = Duration::from_secs(30);
/// Fixed, so that tokens and grants keep their audience while the port changes.
const DOMAIN: &str = "localhost:8443";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_acknowledged_writes_through_sigkills() {
    let dir = tempfile::tempdir().unwrap();
    run("SQLite", dir.path(), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_acknowledged_writes_through_sigkills() {
    let Some(url) = orgwarden_test_services::postgres_url("PostgreSQL durability") else {
        return;
    };
    let schema = Schema::create(&url, "durability");
    let dir = tempfile::tempdir().unwrap();
    run("PostgreSQL", dir.path(), Some(&schema)).await;
}

fn seed() -> u64 {
    match std::env::var("DURABILITY_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("DURABILITY_SEED must be a number: {s}")),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What `admin-client.json` says: (client_id, client_secret, audience).
fn admin_client(data: &Path) -> (String, String, String) {
    let file = data.join("admin-client.json");
    let text = std::fs::read_to_string(&file).expect("admin-client.json after start-up");
    let v: Value = serde_json::from_str(&text).expect("admin-client.json is JSON");
    let field = |k: &str| v[k].as_str().expect("admin-client.json field").to_owned();
    (
        field("client_id"),
        field("client_secret"),
        field("audience"),
    )
}

async fn admin_token(
    http: &reqwest::Client,
    base: &str,
    id: &str,
    secret: &str,
    audience: &str,
) -> String {
    let resp = http
        .post(format!("{base}/oauth/token"))
        .json(&json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret, "audience": audience}))
        .send()
        .await
        .expect("the token endpoint answers");
    let body: Value = resp.json().await.expect("a JSON answer");
    body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no admin token: {body}"))
        .to_owned()
}

/// One writer's load: writes one at a time until `stop`, recording each acknowledged one; the
/// write in flight when the server dies is kept as `pending`.
async fn write(
    mut w: Writer,
    api: Arc<Api>,
    audience: String,
    mut rng: Rng,
    stop: Arc<AtomicBool>,
) -> Writer {
    while !stop.load(Ordering::SeqCst) {
        let op = w.choose(&mut rng);
        let req = op.request(&audience);
        match api.send(req.method, &req.path, req.body.as_ref()).await {
            Ok((status, body)) => {
                assert_eq!(
                    status,
                    req.expect,
                    "writer {}: {} {op:?} was refused: {body}",
                    w.index,
                    op.kind()
                );
                w.acknowledge(op, &body);
            }
            Err(e) => {
                assert!(
                    stop.load(Ordering::SeqCst),
                    "writer {}: {} failed while the server was up: {e}",
                    w.index,
                    op.kind()
                );
                w.pending = Some(op);
                break;
            }
        }
    }
    w
}

/// Starts the server and waits until it listens; returns it with its base URL.
fn start(args: &[OsString], log: &Path, figures: &mut Figures) -> (Process, String) {
    let started = Instant::now();
    let mut server = Process::start(args, log);
    let base = tokio::task::block_in_place(|| server.base_url(READY_WITHIN));
    figures.ready.push(started.elapsed());
    (server, base)
}

/// After a kill on PostgreSQL: waits until what the dead server had sent is finished.
fn settle(schema: Option<&Schema>, figures: &mut Figures) {
    let Some(schema) = schema else { return };
    let settled = tokio::task::block_in_place(|| schema.settle());
    for (what, n) in settled.lingering {
        *figures.lingering.entry(what).or_default() += n;
    }
    figures.settle_max = figures.settle_max.max(settled.took);
}

async fn run(backend: &str, dir: &Path, schema: Option<&Schema>) {
    let seed = seed();
    println!("durability ({backend}): seed {seed} (replay with DURABILITY_SEED={seed})");
    let mut rng = Rng::new(seed);
    let data = dir.join("data");
    let log = dir.join("orgwarden.log");
    let mut args: Vec<OsString> = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls",
        "off",
        "--rate-limit",
        "off",
        "--domain",
        DOMAIN,
        "--data-dir",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.push(data.clone().into_os_string());
    if let Some(schema) = schema {
        args.push("--database-url".into());
        args.push(schema.url().into());
    }

    let mut writers: Vec<Writer> = (0..WRITERS).map(Writer::new).collect();
    let mut figures = Figures::default();
    let mut first_token: Option<String> = None;
    let mut killed_at = OffsetDateTime::now_utc();
    for cycle in 0..=CYCLES {
        // Now and then the kill lands in start-up (never the first: it makes the admin client).
        if cycle > 0 && rng.below(4) == 0 {
            let mut early = Process::start(&args, &log);
            tokio::time::sleep(ms(rng.between(STARTUP_KILL_MS.0, STARTUP_KILL_MS.1))).await;
            early.kill();
            settle(schema, &mut figures);
            figures.startup_kills += 1;
        }
        let (mut server, base) = start(&args, &log, &mut figures);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        let (admin, secret, audience) = admin_client(&data);
        let token = admin_token(&http, &base, &admin, &secret, &audience).await;
        let api = Arc::new(Api { http, base, token });

        // After a restart: the database holds exactly what the writers were promised.
        if cycle > 0 {
            let mut problems = Problems::default();
            let restart = verify::Restart {
                api: &api,
                admin: &admin,
                audience: &audience,
                killed_at,
                first_token: first_token.as_deref(),
            };
            verify::after_restart(&restart, &mut writers, &mut figures, &mut problems).await;
            if !problems.is_empty() {
                // The problems first: CI keeps the head and the tail of a long failure.
                eprintln!("durability ({backend}), seed {seed}, after kill {cycle}: {problems:#?}");
                figures.print(backend, &writers, &problems);
                for w in &writers {
                    eprintln!("writer {}'s last writes:", w.index);
                    for line in &w.history {
                        eprintln!("  {line}");
                    }
                }
                panic!(
                    "durability ({backend}), seed {seed}, after kill {cycle}: {problems:#?}\n{}",
                    server.log_tail()
                );
            }
        }
        if cycle == 0 {
            // The first writer rotates the keys, starting from the one made at first start.
            let keys = api.get("/keys/signing").await;
            let current = keys
                .as_array()
                .and_then(|ks| ks.iter().find(|k| k["current"] == true))
                .and_then(|k| k["kid"].as_str())
                .unwrap_or_else(|| panic!("no current signing key: {keys}"))
                .to_owned();
            writers[0].keys = Some(model::Keys {
                known: [current.clone()].into(),
                current,
            });
        }
        first_token.get_or_insert_with(|| api.token.clone());
        if cycle == CYCLES {
            break;
        }

        // The load, then a SIGKILL at a random point in it.
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = writers
            .drain(..)
            .map(|w| {
                tokio::spawn(write(
                    w,
                    Arc::clone(&api),
                    audience.clone(),
                    Rng::new(rng.next_u64()),
                    Arc::clone(&stop),
                ))
            })
            .collect();
        tokio::time::sleep(ms(rng.between(LOAD_MS.0, LOAD_MS.1))).await;
        stop.store(true, Ordering::SeqCst);
        server.kill();
        // After the process is gone: everything it made is older than this.
        killed_at = OffsetDateTime::now_utc();
        figures.load_kills += 1;
        for t in tasks {
            writers.push(t.await.expect("a writer failed"));
        }
        settle(schema, &mut figures);
    }
    figures.print(backend, &writers, &Problems::default());
    assert!(
        figures.load_kills >= 20,
        "at least 20 kills under load: {}",
        figures.load_kills
    );
}
