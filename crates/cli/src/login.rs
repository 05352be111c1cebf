//! `orgwarden login`: checks that a client's credentials get a token, then saves them as a
//! named profile (the file only you can read).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::profiles::{self, Profile};
use crate::target::{Credential, Resolved, Secret};
use crate::{Failure, Notices};

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The name to save the profile as.
    #[arg(long, default_value = "default", value_name = "NAME")]
    pub profile: String,
    /// The tenant's domain: `localhost:8443`, `acme.eu.auth0.com`.
    #[arg(long, env = "ORGWARDEN_CLI_DOMAIN")]
    pub domain: String,
    /// A client allowed to call the Management API.
    #[arg(long, env = "ORGWARDEN_CLI_CLIENT_ID")]
    pub client_id: String,
    /// Its secret (prefer the variable: a flag is visible to other local users).
    #[arg(long, env = "ORGWARDEN_CLI_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Secret,
    /// Also trust the CA certificates in this PEM file (kept in the profile as an absolute path).
    #[arg(long, env = "ORGWARDEN_CLI_CA_FILE", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// The file of profiles; default $XDG_CONFIG_HOME/orgwarden/profiles.json.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub async fn run(args: LoginArgs, out: &mut impl Write, notices: &Notices) -> Result<(), Failure> {
    let ca_file = args.ca_file.map(|f| std::path::absolute(&f).unwrap_or(f));
    let target = Resolved {
        domain: args.domain.clone(),
        credential: Credential::ClientCredentials {
            id: args.client_id.clone(),
            secret: args.client_secret.0.clone(),
        },
        ca_file: ca_file.clone(),
    };
    let client = target.client(notices)?;
    client
        .access_token()
        .await
        .map_err(|e| Failure::from(e).at(&target.domain))?;
    let path = profiles::path(args.config.as_deref())?;
    let mut all = profiles::load(&path)?;
    all.profiles.insert(
        args.profile.clone(),
        Profile {
            domain: args.domain,
            client_id: args.client_id,
            client_secret: args.client_secret.0,
            ca_file,
        },
    );
    profiles::save(&path, &all)?;
    writeln!(
        out,
        "saved profile {:?} in {} (0600); use it with --profile {}",
        args.profile,
        path.display(),
        args.profile
    )
    .map_err(Failure::output)
}
