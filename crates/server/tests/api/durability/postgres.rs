//! The PostgreSQL side of the test: a schema of its own per run, and waiting, after a kill,
//! until PostgreSQL has finished what the dead server's sessions had started.
//!
//! A SIGKILLed client's session does not end at once: a statement or a COMMIT it had already
//! sent runs to its end first (a COMMIT waiting for its WAL flush, say), and only then does
//! PostgreSQL notice the closed socket. Until then the outcome of that write is not decided,
//! and a check made earlier could see it "not done" and then find it done later.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long the killed server's sessions may take to end before the test gives up.
const SETTLE_WITHIN: Duration = Duration::from_secs(30);

/// The URL of the test database, or `None` (after saying SKIPPED) when there is none and none
/// is required. `ORGWARDEN_REQUIRE_SERVICES=1` or `CI=true` make a missing URL a failure.
pub fn url() -> Option<String> {
    if let Some(url) = std::env::var("ORGWARDEN_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Some(url);
    }
    let required = std::env::var("ORGWARDEN_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
        || std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(
        !required,
        "ORGWARDEN_TEST_POSTGRES_URL is not set, but ORGWARDEN_REQUIRE_SERVICES=1 or CI=true \
         says the PostgreSQL durability test must run"
    );
    eprintln!("SKIPPED: PostgreSQL durability: ORGWARDEN_TEST_POSTGRES_URL is not set");
    None
}

/// A schema of its own for one run, dropped at the end (even by a panic). Its name is also the
/// server's `application_name`, which finds the server's sessions.
pub struct Schema {
    admin_url: String,
    name: String,
}

/// What the dead server's sessions were still doing right after a kill, and how long they took
/// to end.
pub struct Settled {
    pub lingering: BTreeMap<String, u64>,
    pub took: Duration,
}

impl Schema {
    pub fn create(admin_url: &str) -> Schema {
        let name = format!(
            "durability_{}",
            orgwarden_domain::ids::random_alphanumeric(10).to_lowercase()
        );
        psql(admin_url, &format!("CREATE SCHEMA {name}"));
        Schema {
            admin_url: admin_url.to_owned(),
            name,
        }
    }

    /// The server's database URL: this schema first in the search path, and its name as the
    /// application name.
    pub fn url(&self) -> String {
        let sep = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}options=-c%20search_path%3D{name}&application_name={name}",
            self.admin_url,
            name = self.name
        )
    }

    /// Waits until no session of this run's (killed) server is left; returns what they were
    /// doing at the first look.
    pub fn settle(&self) -> Settled {
        let started = Instant::now();
        let sql = format!(
            "SELECT state || coalesce(' waiting on ' || wait_event, '') || ': ' || left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 50)
             FROM pg_stat_activity WHERE application_name = '{}'",
            self.name
        );
        let mut lingering = BTreeMap::new();
        let mut first = true;
        loop {
            let sessions = psql_rows(&self.admin_url, &sql);
            if sessions.is_empty() {
                return Settled {
                    lingering,
                    took: started.elapsed(),
                };
            }
            if first {
                for s in sessions {
                    *lingering.entry(s).or_default() += 1;
                }
                first = false;
            }
            assert!(
                started.elapsed() < SETTLE_WITHIN,
                "the killed server's PostgreSQL sessions did not end within {SETTLE_WITHIN:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        psql(
            &self.admin_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

fn psql_command(url: &str, sql: &str) -> Command {
    let mut c = Command::new("psql");
    c.env("PGOPTIONS", "--client-min-messages=warning").args([
        url,
        "-q",
        "-X",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
    ]);
    c
}

fn psql(url: &str, sql: &str) {
    let ok = psql_command(url, sql).status().is_ok_and(|s| s.success());
    assert!(ok, "psql failed: {sql}");
}

fn psql_rows(url: &str, sql: &str) -> Vec<String> {
    let out = psql_command(url, sql).output().expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}
