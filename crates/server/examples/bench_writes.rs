//! The write mix of `bench/run` without HTTP: the same operations, in the same proportions and
//! with the same 64 callers, straight on the store the server would open (same backend, same
//! rules, same commits). What the server's write mix reaches over this rate is its request
//! overhead above the database. A measurement, not a test.
//!
//!     cargo run --release -p orgwarden --example bench_writes -- DATABASE_URL ORG_IDS_FILE CONNECTION_ID [SECONDS] [TASKS]
//!
//! ORG_IDS_FILE: one organization id per line, each with room for one more enabled connection
//! (bench/run's `orgs.txt.writable.N`). Prints one JSON line:
//! `{"tasks":N,"writes":N,"seconds":S,"per_second":R}`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
use orgwarden_domain::ids::{ConnectionId, OrgId};
use orgwarden_domain::organization::NewOrganization;
use orgwarden_domain::store::Store;
use orgwarden_server::bootstrap::open_store;

/// What the next write is, chosen as bench/run's wrk script chooses it (`LUA_WRITES`).
enum Write {
    Enable(OrgId),
    Disable(OrgId),
    Create(String),
    Delete(OrgId),
}

#[derive(Default)]
struct Mix {
    n: u64,
    /// Organizations with the extra connection enabled, oldest first.
    pending: VecDeque<OrgId>,
    /// Organizations this run created, to delete.
    created: Vec<OrgId>,
}

impl Mix {
    fn next(&mut self, orgs: &[OrgId], run: u64) -> Write {
        self.n += 1;
        let n = self.n;
        match n % 4 {
            0 => {
                let org = orgs[(n / 4) as usize % orgs.len()].clone();
                self.pending.push_back(org.clone());
                Write::Enable(org)
            }
            1 if self.pending.len() > 128 => Write::Disable(self.pending.pop_front().unwrap()),
            2 if !self.created.is_empty() => Write::Delete(self.created.pop().unwrap()),
            _ => Write::Create(format!("bench-s-{run}-{n}")),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(ids), Some(conn)) = (args.next(), args.next(), args.next()) else {
        anyhow::bail!(
            "usage: bench_writes DATABASE_URL ORG_IDS_FILE CONNECTION_ID [SECONDS] [TASKS]"
        );
    };
    let seconds: f64 = args.next().map_or(Ok(2.0), |s| s.parse())?;
    let tasks: usize = args.next().map_or(Ok(64), |s| s.parse())?;
    let orgs: Vec<OrgId> = std::fs::read_to_string(&ids)
        .with_context(|| ids.clone())?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| OrgId::from_trusted(l.to_owned()))
        .collect();
    anyhow::ensure!(!orgs.is_empty(), "{ids} names no organization");
    let store = open_store(&url).await?;
    let conn = ConnectionId::from_trusted(conn);
    let run = std::process::id() as u64;

    let mix = Arc::new(Mutex::new(Mix::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..tasks.max(1))
        .map(|_| {
            let (store, orgs, conn, mix, stop, writes) = (
                store.clone(),
                orgs.clone(),
                conn.clone(),
                mix.clone(),
                stop.clone(),
                writes.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let write = mix.lock().unwrap().next(&orgs, run);
                    write_once(&*store, &conn, &mix, write).await?;
                    writes.fetch_add(1, Ordering::Relaxed);
                }
                anyhow::Ok(())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let done = writes.load(Ordering::Relaxed);
    for w in workers {
        w.await??;
    }
    // Leave the tenant as it was found: the extra connection disabled again.
    let left: Vec<OrgId> = mix.lock().unwrap().pending.drain(..).collect();
    for org in left {
        store.disable_connection(&org, &conn).await?;
    }
    println!(
        "{{\"tasks\":{tasks},\"writes\":{done},\"seconds\":{elapsed:.3},\"per_second\":{:.1}}}",
        done as f64 / elapsed
    );
    Ok(())
}

async fn write_once(
    store: &dyn Store,
    conn: &ConnectionId,
    mix: &Mutex<Mix>,
    write: Write,
) -> anyhow::Result<()> {
    match write {
        Write::Enable(org) => {
            let new = NewEnabledConnection {
                connection_id: conn.clone(),
                settings: SettingsPatch::default(),
            };
            store.enable_connection(&org, new).await?;
        }
        Write::Disable(org) => store.disable_connection(&org, conn).await?,
        Write::Delete(org) => store.delete_organization(&org).await?,
        Write::Create(name) => {
            let new = NewOrganization {
                name,
                display_name: None,
                branding: None,
                metadata: None,
                attributes: Default::default(),
                enabled_connections: Vec::new(),
            };
            let (org, _) = store.create_organization(OrgId::generate(), new).await?;
            mix.lock().unwrap().created.push(org.id);
        }
    }
    Ok(())
}
