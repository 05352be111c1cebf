//! Settings: each one a flag, or an `ORGWARDEN_*` environment variable, or its default.
//! `Settings::new` gives the defaults without reading the environment, for code that sets
//! its values explicitly (the tests).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ratelimit::plan::Plan;

fn parse_plan(s: &str) -> Result<Plan, String> {
    s.parse()
}

/// A duration such as `10s`, `500ms` or `2m`; a bare number is seconds. From 1 ms to 1 hour.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 10s, 500ms or 2m"))?;
    let d = match unit.trim() {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        u => return Err(format!("unknown unit {u:?}: use ms, s or m")),
    };
    if d < Duration::from_millis(1) || d > Duration::from_secs(3600) {
        return Err("must be between 1ms and 60m".into());
    }
    Ok(d)
}

/// A setting whose value must never be shown: `Debug` prints `<hidden>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "orgwarden",
    version,
    about = "An Auth0 Management API compatible server for organizations and their connections"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (creates the data directory, keys, TLS material and admin client on first start).
    Serve(Settings),
    /// Print a Management API access token for the admin client (for curl).
    Token {
        #[command(flatten)]
        settings: Settings,
        /// Only these scopes (repeatable); default: every scope of the admin client.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
    },
    /// Install the local CA (tls/ca.pem) into the system trust store.
    Trust(Settings),
    /// Create or upgrade the database schema, then exit.
    Migrate(Settings),
    /// The master key that encrypts the signing keys at rest.
    MasterKey {
        #[command(subcommand)]
        command: MasterKeyCommand,
    },
    /// Copy a whole installation into an empty database (e.g. SQLite to PostgreSQL), then
    /// check that the counts agree. Signing keys are copied as stored: encrypted ones need the
    /// same master key on the target.
    DbCopy {
        /// Source database URL (sqlite://PATH or postgres://…).
        #[arg(long)]
        from: String,
        /// Target database URL; it must be empty (it is created or migrated first).
        #[arg(long)]
        to: String,
    },
    /// Print a shell's completion script for every subcommand and flag.
    #[command(after_help = "Examples:\n  \
        orgwarden completions bash > ~/.local/share/bash-completion/completions/orgwarden\n  \
        orgwarden completions zsh > \"${fpath[1]}/_orgwarden\"\n  \
        orgwarden completions fish > ~/.config/fish/completions/orgwarden.fish")]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// The client subcommands (`orgs …`, `login`): orgwarden-cli's, against this or any
    /// Auth0-compatible server.
    #[command(flatten)]
    Client(orgwarden_cli::ClientCommand),
}

#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// Make a new master key: base64 of 32 random bytes, printed, or written to a new file
    /// only you can read.
    Generate {
        /// Write it to this file (mode 0600; an existing file is never replaced) instead of
        /// printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Toggle {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Where the database, TLS material and admin-client.json live.
    #[arg(long, env = "ORGWARDEN_DATA_DIR", default_value = "./orgwarden-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "ORGWARDEN_LISTEN", default_value = "127.0.0.1:8443")]
    pub listen: SocketAddr,
    /// Public domain (host[:port]) for token `iss`/`aud`; default `localhost:` + the listen port.
    #[arg(long, env = "ORGWARDEN_DOMAIN")]
    pub domain: Option<String>,
    /// HTTPS (default) or plain HTTP.
    #[arg(long, env = "ORGWARDEN_TLS", value_enum, default_value = "on")]
    pub tls: Toggle,
    /// A certificate (PEM) to serve instead of the generated one; needs --tls-key.
    #[arg(long, env = "ORGWARDEN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "ORGWARDEN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// `sqlite://PATH` or `postgres://user@host:port/db`; default: orgwarden.db in the data
    /// directory.
    #[arg(long, env = "ORGWARDEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, env = "ORGWARDEN_TOKEN_LIFETIME", default_value_t = 86400, value_parser = clap::value_parser!(i64).range(60..=2_592_000))]
    pub token_lifetime: i64,
    /// Redis for rate-limit buckets shared by several instances (redis://host:port); without
    /// it, buckets are kept in this process.
    #[arg(long, env = "ORGWARDEN_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of this installation's keys in Redis.
    #[arg(long, env = "ORGWARDEN_REDIS_PREFIX", default_value = "orgwarden:rl:")]
    pub redis_prefix: String,
    /// Rate limits: free, enterprise, dev, off, or <burst>/<per-second>.
    #[arg(long, env = "ORGWARDEN_RATE_LIMIT", default_value = "dev", value_parser = parse_plan)]
    pub rate_limit: Plan,
    /// A password that signs in to the web dashboard (besides the admin client's credentials).
    #[arg(long, env = "ORGWARDEN_DASHBOARD_PASSWORD", hide_env_values = true)]
    pub dashboard_password: Option<String>,
    /// The master key that encrypts the signing keys at rest: base64 of 32 random bytes
    /// (`orgwarden master-key generate`). Without one, keys are stored unencrypted. Prefer the
    /// variable or --master-key-file: a flag's value is visible to other local users.
    #[arg(
        long,
        env = "ORGWARDEN_MASTER_KEY",
        hide_env_values = true,
        conflicts_with = "master_key_file"
    )]
    pub master_key: Option<Secret>,
    /// A file holding the master key; it must not be readable by group or others.
    #[arg(long, env = "ORGWARDEN_MASTER_KEY_FILE", value_name = "FILE")]
    pub master_key_file: Option<PathBuf>,
    /// Extra CA certificates (PEM) trusted for upstream identity providers (discovery, keys,
    /// token exchange of federated connections), besides the system's: for an IdP whose
    /// certificate a private CA signed.
    #[arg(long, env = "ORGWARDEN_UPSTREAM_CA_FILE", value_name = "FILE")]
    pub upstream_ca_file: Option<PathBuf>,
    /// The issuer `google-oauth2` connections federate with (its discovery document is read
    /// from there); another only to point them at a provider of one's own, as tests do.
    #[arg(
        long,
        env = "ORGWARDEN_GOOGLE_OAUTH2_ISSUER",
        default_value = "https://accounts.google.com"
    )]
    pub google_oauth2_issuer: String,
    /// Log format.
    #[arg(
        long,
        env = "ORGWARDEN_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub limits: Limits,
}

/// What one client may hold of the server: time, connections, requests.
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "Limits")]
pub struct Limits {
    /// Time from accepting a connection to having its first request's headers (the TLS
    /// handshake included), and from the first byte of each later request to its last header.
    #[arg(long, env = "ORGWARDEN_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_read_timeout: Duration,
    /// A connection with no request in flight is closed after this long.
    #[arg(long, env = "ORGWARDEN_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
    /// A request not answered this long after its headers arrived (its body included) gets a
    /// 408 (body still arriving) or a 503 (the server was slow).
    #[arg(long, env = "ORGWARDEN_REQUEST_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: Duration,
    /// Open connections; past it, the oldest connection with no request in flight, from the
    /// address holding the most connections, is closed to make room.
    #[arg(long, env = "ORGWARDEN_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(2..=1_000_000))]
    pub max_connections: u32,
    /// Requests being handled at once (`/healthz` aside); past it, `503` with `Retry-After`.
    #[arg(long, env = "ORGWARDEN_MAX_CONCURRENT_REQUESTS", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_concurrent_requests: u32,
}

impl Limits {
    /// The caps must leave room for connections with nothing in flight: they are the ones
    /// closed to make room for new connections.
    pub fn check(&self) -> Result<(), String> {
        if self.max_connections <= self.max_concurrent_requests {
            return Err(format!(
                "--max-connections ({}) must be greater than --max-concurrent-requests ({})",
                self.max_connections, self.max_concurrent_requests
            ));
        }
        Ok(())
    }
}

impl Settings {
    pub fn domain(&self, port: u16) -> String {
        self.domain
            .clone()
            .unwrap_or_else(|| format!("localhost:{port}"))
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("orgwarden.db").display()))
    }

    pub fn tls_enabled(&self) -> bool {
        self.tls == Toggle::On
    }

    pub fn admin_client_file(&self) -> PathBuf {
        self.data_dir.join("admin-client.json")
    }

    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }
}

impl Settings {
    /// Every setting at its default, but `data_dir`: what `orgwarden serve --data-dir DIR`
    /// means when no `ORGWARDEN_*` variable is set, whatever the process environment holds.
    /// The defaults are clap's (written once, on the fields above); change fields to taste.
    pub fn new(data_dir: impl Into<PathBuf>) -> Settings {
        let cli = Cli::parse_arguments_only(["orgwarden", "serve"])
            .expect("the defaults are valid settings");
        let Command::Serve(mut settings) = cli.command else {
            unreachable!("parsed `serve`")
        };
        settings.data_dir = data_dir.into();
        settings
    }
}

impl Cli {
    /// Parses `args` as the CLI does, but with no `ORGWARDEN_*` fallback: a setting not in
    /// `args` takes its default. For tests, which must not depend on what a user exported.
    pub fn parse_arguments_only<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::{CommandFactory, FromArgMatches};
        fn without_env(command: clap::Command) -> clap::Command {
            command
                .mut_args(|arg| arg.env(None))
                .mut_subcommands(without_env)
        }
        let matches = without_env(Cli::command()).try_get_matches_from(args)?;
        Cli::from_arg_matches(&matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_match_the_documented_interface() {
        let cli = Cli::parse_arguments_only(["orgwarden", "serve"]).unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve")
        };
        assert_eq!(s.listen.to_string(), "127.0.0.1:8443");
        assert_eq!(s.domain(8443), "localhost:8443");
        assert!(s.tls_enabled());
        assert_eq!(
            s.admin_client_file(),
            PathBuf::from("./orgwarden-data/admin-client.json")
        );
        assert_eq!(s.limits.header_read_timeout, Duration::from_secs(10));
        assert_eq!(s.limits.idle_timeout, Duration::from_secs(60));
        assert_eq!(s.limits.request_timeout, Duration::from_secs(30));
        assert_eq!(s.limits.max_connections, 1024);
        assert_eq!(s.limits.max_concurrent_requests, 256);
        assert!(s.limits.check().is_ok());
    }

    #[test]
    fn explicit_settings_are_the_defaults_whatever_the_environment_says() {
        // Tests run with whatever the user exported; these must not reach them.
        let s = Settings::new("/tmp/explicit");
        assert_eq!(s.data_dir, PathBuf::from("/tmp/explicit"));
        assert_eq!(s.database_url(), "sqlite:///tmp/explicit/orgwarden.db");
        assert_eq!(s.redis_url, None);
        assert_eq!(s.dashboard_password, None);
        assert_eq!(s.master_key, None);
        assert_eq!(s.domain(8443), "localhost:8443");
        assert_eq!(s.token_lifetime, 86400);
        let cli = Cli::command();
        let serve = cli.find_subcommand("serve").unwrap();
        assert!(
            serve.get_arguments().any(|a| a.get_env().is_some()),
            "the CLI itself still reads ORGWARDEN_* variables"
        );
    }

    #[test]
    fn durations_read_with_units_and_refuse_nonsense() {
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        for bad in ["", "0", "0ms", "s", "-1s", "1.5s", "10h", "61m", "10 sec"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn the_connection_cap_must_exceed_the_request_cap() {
        let cli = Cli::parse_arguments_only([
            "orgwarden",
            "serve",
            "--max-connections",
            "100",
            "--max-concurrent-requests",
            "100",
        ])
        .unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve")
        };
        assert!(s.limits.check().unwrap_err().contains("--max-connections"));
    }
}
