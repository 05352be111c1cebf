//! The real `orgwarden` binary as a child process. Every test that starts it goes through
//! [`command`] or [`hermetic`]: only the settings the test gives reach it, never an
//! `ORGWARDEN_*` variable a user exported (to run orgwarden, say, against their own database).
//! [`Process`] is for tests that kill and restart it: its address comes from its first stdout
//! line, its log goes to a file.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_orgwarden");

/// `orgwarden`, to be given its arguments: see [`hermetic`].
pub fn command() -> Command {
    let mut command = Command::new(BIN);
    hermetic(&mut command);
    command
}

/// Removes from `command`'s environment every `ORGWARDEN_*` variable of the test's own (the
/// test-only `ORGWARDEN_TEST_*` and `ORGWARDEN_REQUIRE_*` included: the server reads none).
/// Variables the test sets after this are kept.
pub fn hermetic(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ORGWARDEN_") {
            command.env_remove(name);
        }
    }
    command
}

/// A started `orgwarden` process; killed (SIGKILL) when dropped.
pub struct Process {
    child: Child,
    first_line: Receiver<String>,
    log: PathBuf,
}

impl Process {
    /// Starts `orgwarden ARGS…` with no `ORGWARDEN_*` variable but `ORGWARDEN_LOG=warn` (the
    /// log keeps what went wrong, not every request); stderr is appended to `log`.
    pub fn start(args: &[OsString], log: &Path) -> Process {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("open the server's log file");
        let mut child = command()
            .args(args)
            .env("ORGWARDEN_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("start orgwarden");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, first_line) = mpsc::channel();
        // Hands over the first line, then keeps draining so the server never blocks on a
        // full pipe. Ends at EOF, when the process is gone.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = send.send(line);
            }
            for _ in lines {}
        });
        Process {
            child,
            first_line,
            log: log.to_owned(),
        }
    }

    /// The `http://host:port` the server listens on, from its first stdout line; panics (with
    /// the end of its log) if that line does not come `within`.
    pub fn base_url(&mut self, within: Duration) -> String {
        let line = match self.first_line.recv_timeout(within) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!(
                    "orgwarden was not ready within {within:?}\n{}",
                    self.log_tail()
                )
            }
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().ok();
                panic!(
                    "orgwarden exited before it was ready ({status:?})\n{}",
                    self.log_tail()
                )
            }
        };
        let addr = line
            .split("listening on http://")
            .nth(1)
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .trim();
        format!("http://{addr}")
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reaps the process.
    pub fn kill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("reap orgwarden")
    }

    /// The last lines of the server's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.len().saturating_sub(40);
        format!(
            "--- last lines of {} ---\n{}",
            self.log.display(),
            lines[start..].join("\n")
        )
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
