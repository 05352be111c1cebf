//! A real `orgwarden serve` (the built binary, HTTPS with the CA it generates) in a throwaway
//! data directory, and the same binary run as the CLI against it with an environment made
//! from nothing: no `ORGWARDEN_*` variable, HOME and XDG_CONFIG_HOME in a temp directory.

use std::borrow::BorrowMut;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_orgwarden");

pub struct Server {
    child: Child,
    /// `localhost:PORT`.
    pub domain: String,
    pub data: PathBuf,
    pub ca: PathBuf,
    pub client_id: String,
    pub client_secret: String,
    /// HOME and XDG_CONFIG_HOME of the CLI runs.
    pub home: PathBuf,
    _dir: TempDir,
}

/// What one CLI run gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Panics with both streams unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Server {
    /// `orgwarden serve` on a free port with rate-limit plan `plan`.
    pub fn start(plan: &str) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("orgwarden-data");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut child = Command::new(BIN)
            .env_clear()
            .env("ORGWARDEN_LOG", "warn")
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--rate-limit",
                plan,
                "--data-dir",
            ])
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start orgwarden serve");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").expect("utf-8");
        let port = first
            .split("listening on https://")
            .nth(1)
            .and_then(|addr| addr.trim().rsplit(':').next())
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let admin: Value =
            serde_json::from_slice(&std::fs::read(data.join("admin-client.json")).unwrap())
                .unwrap();
        Server {
            child,
            domain: format!("localhost:{port}"),
            ca: data.join("tls").join("ca.pem"),
            client_id: admin["client_id"].as_str().unwrap().to_owned(),
            client_secret: admin["client_secret"].as_str().unwrap().to_owned(),
            data,
            home,
            _dir: dir,
        }
    }

    /// `orgwarden ARGS…` with nothing from the test's environment.
    pub fn bare(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// `orgwarden ARGS…` as the admin client, by flags.
    pub fn admin(&self, args: &[&str]) -> Command {
        let mut c = self.bare(args);
        c.args(["--domain", &self.domain, "--client-id", &self.client_id])
            .args(["--client-secret", &self.client_secret, "--ca-file"])
            .arg(&self.ca);
        c
    }

    pub fn profiles_file(&self) -> PathBuf {
        self.home.join(".config/orgwarden/profiles.json")
    }

    pub fn data(&self) -> &Path {
        &self.data
    }
}

impl Server {
    /// A Management API client for the admin client, to set up what the CLI has no command
    /// for, and to get a token.
    pub fn api_client(&self) -> orgwarden_client::Client {
        orgwarden_client::Client::builder()
            .domain(&self.domain)
            .ca_file(&self.ca)
            .client_credentials(&self.client_id, &self.client_secret)
            .build()
            .expect("client")
    }
}

/// Runs `fut` to its end on a runtime of its own (the tests themselves are plain threads).
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(fut)
}

/// Runs `command` (given or borrowed) to its end.
pub fn run(mut command: impl BorrowMut<Command>) -> Run {
    finished(command.borrow_mut().output().expect("run orgwarden"))
}

/// Runs `command` to its end with `input` on its stdin.
pub fn run_with_stdin(mut command: Command, input: &str) -> Run {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run orgwarden");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    finished(child.wait_with_output().expect("run orgwarden"))
}

fn finished(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().expect("an exit code, not a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
