//! A PostgreSQL schema of its own for one test, on the test server: created empty, named in
//! the database URL the test hands the server, dropped at the end (even by a panic). Tests
//! sharing one server never see each other's rows.

use std::process::Command;

pub struct Schema {
    /// The test server's URL, as given (its default search path).
    pub admin_url: String,
    /// Also the server's `application_name`, which finds the server's sessions.
    pub name: String,
}

impl Schema {
    /// A new, empty schema named `{prefix}_` and ten random characters.
    pub fn create(admin_url: &str, prefix: &str) -> Schema {
        let name = format!(
            "{prefix}_{}",
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
}

impl Drop for Schema {
    fn drop(&mut self) {
        let dropped = psql_command(
            &self.admin_url,
            &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        )
        .status()
        .is_ok_and(|s| s.success());
        // Not a panic: this may run during one, and a leftover schema harms no other test.
        if !dropped {
            eprintln!("could not drop the test schema {}", self.name);
        }
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

/// Runs `sql` on `url`; panics if it fails.
pub fn psql(url: &str, sql: &str) {
    let out = psql_command(url, sql).output().expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The rows `sql` returns on `url`, one line each; panics if it fails.
pub fn psql_rows(url: &str, sql: &str) -> Vec<String> {
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
