//! Settings: each one a flag, or an `ORGWARDEN_*` environment variable, or its default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ratelimit::plan::Plan;

fn parse_plan(s: &str) -> Result<Plan, String> {
    s.parse()
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
    /// Log format.
    #[arg(
        long,
        env = "ORGWARDEN_LOG_FORMAT",
        value_enum,
        default_value = "pretty"
    )]
    pub log_format: LogFormat,
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

impl Cli {
    /// Parses arguments, panicking on error (for tests and tools that build argument lists).
    pub fn try_parse_from_args(args: &[&str]) -> Cli {
        <Cli as Parser>::try_parse_from(args).expect("valid arguments")
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
        let cli = Cli::try_parse_from(["orgwarden", "serve"]).unwrap();
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
    }
}
