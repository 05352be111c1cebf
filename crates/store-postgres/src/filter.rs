//! A `WHERE` clause built from optional conditions, with numbered arguments.

use tokio_postgres::types::ToSql;

#[derive(Default)]
pub(crate) struct Where {
    conditions: Vec<String>,
    args: Vec<Box<dyn ToSql + Send + Sync>>,
}

impl Where {
    /// Adds an argument; returns its placeholder (`$3`).
    pub(crate) fn arg(&mut self, value: impl ToSql + Send + Sync + 'static) -> String {
        self.args.push(Box::new(value));
        format!("${}", self.args.len())
    }

    pub(crate) fn and(&mut self, condition: String) {
        self.conditions.push(condition);
    }

    /// `column = value`. PostgreSQL text cannot hold NUL, so a value with one matches nothing
    /// (instead of failing the query).
    pub(crate) fn equals(&mut self, column: &str, value: &str) {
        if value.contains('\0') {
            self.and("FALSE".into());
        } else {
            let p = self.arg(value.to_owned());
            self.and(format!("{column} = {p}"));
        }
    }

    /// `column` is one of `values` (not empty); values with NUL match nothing.
    pub(crate) fn one_of(&mut self, column: &str, values: &[String]) {
        let values: Vec<String> = values
            .iter()
            .filter(|v| !v.contains('\0'))
            .cloned()
            .collect();
        if values.is_empty() {
            self.and("FALSE".into());
        } else {
            let p = self.arg(values);
            self.and(format!("{column} = ANY({p})"));
        }
    }

    /// `WHERE a AND b`, or nothing.
    pub(crate) fn sql(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }

    /// The arguments added so far, for the query.
    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.args
            .iter()
            .map(|a| &**a as &(dyn ToSql + Sync))
            .collect()
    }
}
