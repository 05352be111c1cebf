//! What the checks found wrong, and the figures printed at the end of a run.

use std::collections::BTreeMap;
use std::time::Duration;

use super::model::Writer;

/// What the checks found wrong, by kind.
#[derive(Debug, Default)]
pub struct Problems {
    /// Acknowledged state that is missing or different.
    pub lost: Vec<String>,
    /// An unanswered write found partly done.
    pub half: Vec<String>,
    /// State no write explains (or deleted things that came back).
    pub unexplained: Vec<String>,
    /// Broken invariants over the whole database.
    pub invariant: Vec<String>,
}

impl Problems {
    pub fn lost(&mut self, s: String) {
        self.lost.push(s);
    }
    pub fn half(&mut self, s: String) {
        self.half.push(s);
    }
    pub fn unexplained(&mut self, s: String) {
        self.unexplained.push(s);
    }
    pub fn invariant(&mut self, s: String) {
        self.invariant.push(s);
    }
    pub fn is_empty(&self) -> bool {
        self.lost.is_empty()
            && self.half.is_empty()
            && self.unexplained.is_empty()
            && self.invariant.is_empty()
    }
}

/// The figures printed at the end (and on failure).
#[derive(Debug, Default)]
pub struct Figures {
    pub load_kills: u64,
    pub startup_kills: u64,
    pub restarts_verified: u64,
    pub unknown_applied: u64,
    pub unknown_not_applied: u64,
    pub facts_compared: u64,
    pub credentials_tried: u64,
    pub deleted_looked_up: u64,
    pub ready: Vec<Duration>,
    /// PostgreSQL: what the killed server's sessions were still doing right after a kill
    /// (how many times), and the longest wait for them to end.
    pub lingering: BTreeMap<String, u64>,
    pub settle_max: Duration,
}

impl Figures {
    pub fn print(&self, backend: &str, writers: &[Writer], problems: &Problems) {
        let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
        for w in writers {
            for (kind, n) in &w.acknowledged {
                *by_kind.entry(kind).or_default() += n;
            }
        }
        let acknowledged: u64 = by_kind.values().sum();
        let ready_max = self.ready.iter().max().copied().unwrap_or_default();
        let ready_avg = if self.ready.is_empty() {
            Duration::ZERO
        } else {
            self.ready.iter().sum::<Duration>() / self.ready.len() as u32
        };
        println!("durability ({backend}) figures:");
        println!(
            "  cycles survived: {} SIGKILLs under load + {} during start-up; {} restarts verified",
            self.load_kills, self.startup_kills, self.restarts_verified
        );
        println!("  acknowledged writes: {acknowledged} (what they left compared with the database after every restart)");
        for (kind, n) in &by_kind {
            println!("    {kind}: {n}");
        }
        println!(
            "  unanswered writes: {} (found done: {}, found not done: {})",
            self.unknown_applied + self.unknown_not_applied,
            self.unknown_applied,
            self.unknown_not_applied
        );
        println!(
            "  writes lost: {}; half-written: {}; unexplained state: {}; broken invariants: {}",
            problems.lost.len(),
            problems.half.len(),
            problems.unexplained.len(),
            problems.invariant.len()
        );
        println!(
            "  facts compared: {}; credentials tried: {}; deleted ids looked up: {}",
            self.facts_compared, self.credentials_tried, self.deleted_looked_up
        );
        println!(
            "  ready after start: mean {ready_avg:?}, max {ready_max:?} ({} starts)",
            self.ready.len()
        );
        if !self.settle_max.is_zero() {
            println!(
                "  sessions of the killed server still busy in PostgreSQL right after a kill: {} (longest wait for them to end: {:?})",
                self.lingering.values().sum::<u64>(),
                self.settle_max
            );
            for (what, n) in &self.lingering {
                println!("    {n} x {what}");
            }
        }
    }
}
