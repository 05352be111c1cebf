//! The PostgreSQL side of the test: waiting, after a kill, until PostgreSQL has finished what
//! the dead server's sessions had started.
//!
//! A SIGKILLed client's session does not end at once: a statement or a COMMIT it had already
//! sent runs to its end first (a COMMIT waiting for its WAL flush, say), and only then does
//! PostgreSQL notice the closed socket. Until then the outcome of that write is not decided,
//! and a check made earlier could see it "not done" and then find it done later.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::schema::{psql_rows, Schema};

/// How long the killed server's sessions may take to end before the test gives up.
const SETTLE_WITHIN: Duration = Duration::from_secs(30);

/// What the dead server's sessions were still doing right after a kill, and how long they took
/// to end.
pub struct Settled {
    pub lingering: BTreeMap<String, u64>,
    pub took: Duration,
}

impl Schema {
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
