//! A `WHERE` clause built from optional conditions, with numbered arguments.

use rusqlite::types::Value;

#[derive(Default)]
pub(crate) struct Where {
    conditions: Vec<String>,
    pub(crate) args: Vec<Value>,
}

impl Where {
    /// Adds an argument; returns its placeholder (`?3`).
    pub(crate) fn arg(&mut self, value: impl Into<Value>) -> String {
        self.args.push(value.into());
        format!("?{}", self.args.len())
    }

    pub(crate) fn and(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// `WHERE a AND b`, or nothing.
    pub(crate) fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}
