//! Warnings about refused connections and requests, at most one line per interval however
//! many there are (an attack must not also flood the log), each with the count since the last.

use std::sync::atomic::{AtomicU64, Ordering};

use super::connection_state::{Epoch, Millis};

#[derive(Debug)]
pub struct Report {
    epoch: Epoch,
    every: Millis,
    /// When the last line was written, plus one (0: never).
    last: AtomicU64,
    pending: AtomicU64,
}

impl Report {
    pub fn new(epoch: Epoch, every: Millis) -> Self {
        Report {
            epoch,
            every,
            last: AtomicU64::new(0),
            pending: AtomicU64::new(0),
        }
    }

    /// Counts one event; calls `log` with the count since the last line when one is due.
    pub fn note(&self, log: impl FnOnce(u64)) {
        self.pending.fetch_add(1, Ordering::AcqRel);
        let now = self.epoch.now();
        let last = self.last.load(Ordering::Acquire);
        let due = last == 0 || now >= last - 1 + self.every;
        if due
            && self
                .last
                .compare_exchange(last, now + 1, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            log(self.pending.swap(0, Ordering::AcqRel));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_with_the_count() {
        let r = Report::new(Epoch::new(), 60_000);
        let mut lines = Vec::new();
        for _ in 0..5 {
            r.note(|n| lines.push(n));
        }
        assert_eq!(lines, vec![1], "the first is reported, the rest wait");
    }
}
