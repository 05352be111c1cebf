//! Which server a command talks to, and as whom: flags and `ORGWARDEN_CLI_*` variables over
//! a source of defaults — a local data directory (`--local`), or a named profile
//! (`--profile`, or the profile `default` when nothing else says where to go).

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use orgwarden_client::{Client, RateLimitWait};

use crate::profiles::{self, Profile};
use crate::{notice, Failure, Notices};

#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Target")]
pub struct Target {
    /// The tenant's domain: `localhost:8443`, `acme.eu.auth0.com` (requests go to https://DOMAIN).
    #[arg(long, global = true, env = "ORGWARDEN_CLI_DOMAIN")]
    pub domain: Option<String>,
    /// A client allowed to call the Management API; its tokens are fetched and kept as needed.
    #[arg(long, global = true, env = "ORGWARDEN_CLI_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The secret of --client-id (prefer the variable: a flag is visible to other local users).
    #[arg(
        long,
        global = true,
        env = "ORGWARDEN_CLI_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<Secret>,
    /// A ready Management API access token, instead of client credentials.
    #[arg(
        long,
        global = true,
        env = "ORGWARDEN_CLI_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<Secret>,
    /// Also trust the CA certificates in this PEM file (a local orgwarden's tls/ca.pem).
    #[arg(
        long,
        global = true,
        env = "ORGWARDEN_CLI_CA_FILE",
        value_name = "FILE"
    )]
    pub ca_file: Option<PathBuf>,
    /// A profile saved by `orgwarden login`.
    #[arg(
        long,
        global = true,
        env = "ORGWARDEN_CLI_PROFILE",
        value_name = "NAME"
    )]
    pub profile: Option<String>,
    /// The file of profiles; default $XDG_CONFIG_HOME/orgwarden/profiles.json.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A local orgwarden: its data directory's admin-client.json and tls/ca.pem (default
    /// ./orgwarden-data). Takes the place of a profile.
    #[arg(long, global = true, value_name = "DATA_DIR", num_args = 0..=1, default_missing_value = "./orgwarden-data")]
    pub local: Option<PathBuf>,
}

/// A secret given on the command line: `Debug` shows `<hidden>`, so printing the parsed
/// command never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

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

/// A target with every part settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub domain: String,
    pub credential: Credential,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Token(String),
    ClientCredentials { id: String, secret: String },
}

/// What a local data directory's `admin-client.json` holds that a target needs.
#[derive(serde::Deserialize)]
struct AdminClientFile {
    client_id: String,
    client_secret: String,
    domain: String,
}

fn local_defaults(data_dir: &Path) -> Result<Profile, Failure> {
    let file = data_dir.join("admin-client.json");
    let bytes = std::fs::read(&file).map_err(|e| {
        Failure::Usage(format!(
            "--local: reading {}: {e} (is {} an orgwarden data directory that has been served once?)",
            file.display(),
            data_dir.display()
        ))
    })?;
    let admin: AdminClientFile = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Usage(format!("--local: {}: {e}", file.display())))?;
    let ca = data_dir.join("tls").join("ca.pem");
    Ok(Profile {
        domain: admin.domain,
        client_id: admin.client_id,
        client_secret: admin.client_secret,
        ca_file: ca.exists().then_some(ca),
    })
}

impl Target {
    /// The defaults (local directory or profile), overridden by flags and variables.
    pub(crate) fn resolve(&self) -> Result<Resolved, Failure> {
        let base = self.defaults()?;
        let domain = self
            .domain
            .clone()
            .or_else(|| base.as_ref().map(|b| b.domain.clone()))
            .ok_or_else(|| {
                Failure::Usage(
                    "no target: pass --domain (with --client-id/--client-secret or --token), --profile NAME or --local DATA_DIR".into(),
                )
            })?;
        let credential = match (&self.token, &self.client_id, &self.client_secret) {
            (Some(token), None, None) => Credential::Token(token.0.clone()),
            (Some(_), _, _) => {
                return Err(Failure::Usage(
                    "give --token or --client-id/--client-secret, not both".into(),
                ))
            }
            (None, id, secret) => {
                let id = id
                    .clone()
                    .or_else(|| base.as_ref().map(|b| b.client_id.clone()));
                let secret = secret
                    .as_ref()
                    .map(|s| s.0.clone())
                    .or_else(|| base.as_ref().map(|b| b.client_secret.clone()));
                match (id, secret) {
                    (Some(id), Some(secret)) => Credential::ClientCredentials { id, secret },
                    _ => {
                        return Err(Failure::Usage(
                            "no credential: pass --client-id and --client-secret, or --token"
                                .into(),
                        ))
                    }
                }
            }
        };
        let ca_file = self
            .ca_file
            .clone()
            .or_else(|| base.and_then(|b| b.ca_file));
        Ok(Resolved {
            domain,
            credential,
            ca_file,
        })
    }

    fn defaults(&self) -> Result<Option<Profile>, Failure> {
        if let Some(dir) = &self.local {
            return local_defaults(dir).map(Some);
        }
        let path = profiles::path(self.config.as_deref());
        match &self.profile {
            Some(name) => {
                let path = path?;
                let mut all = profiles::load(&path)?;
                all.profiles.remove(name).map(Some).ok_or_else(|| {
                    Failure::Usage(format!(
                        "no profile {name:?} in {} (write one with `orgwarden login --profile {name} …`)",
                        path.display()
                    ))
                })
            }
            // Only when nothing else says where to go: the profile `default`, if any.
            None if self.domain.is_none() => match path {
                Ok(path) => Ok(profiles::load(&path)?.profiles.remove("default")),
                Err(_) => Ok(None),
            },
            None => Ok(None),
        }
    }
}

impl Resolved {
    /// A client for this target; rate-limit waits are told on `notices`.
    pub(crate) fn client(&self, notices: &Notices) -> Result<Client, Failure> {
        let notices = notices.clone();
        let mut b = Client::builder()
            .domain(&self.domain)
            .timeout(Duration::from_secs(60))
            .on_rate_limit(move |w: &RateLimitWait| {
                let secs = w.wait.as_secs() + u64::from(w.wait.subsec_nanos() > 0);
                notice(
                    &notices,
                    &format!(
                        "rate limited; waiting {secs}s until X-RateLimit-Reset ({}, retry {})",
                        w.request, w.attempt
                    ),
                );
            });
        if let Some(ca) = &self.ca_file {
            b = b.ca_file(ca);
        }
        b = match &self.credential {
            Credential::Token(t) => b.token(t),
            Credential::ClientCredentials { id, secret } => b.client_credentials(id, secret),
        };
        b.build().map_err(|error| Failure::Client {
            error,
            domain: self.domain.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_a_local_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("admin-client.json"),
            r#"{"client_id":"cid","client_secret":"cs","domain":"localhost:9443","audience":"a","token_url":"t"}"#,
        )
        .unwrap();
        let local = Target {
            local: Some(dir.path().to_owned()),
            ..Target::default()
        };
        let r = local.resolve().unwrap();
        assert_eq!(r.domain, "localhost:9443");
        assert_eq!(
            r.credential,
            Credential::ClientCredentials {
                id: "cid".into(),
                secret: "cs".into()
            }
        );
        assert_eq!(r.ca_file, None, "no tls/ca.pem yet");
        let overridden = Target {
            domain: Some("127.0.0.1:9443".into()),
            token: Some(Secret("tok".into())),
            ..local
        };
        let r = overridden.resolve().unwrap();
        assert_eq!(
            (r.domain.as_str(), r.credential),
            ("127.0.0.1:9443", Credential::Token("tok".into()))
        );
    }

    #[test]
    fn a_missing_profile_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let t = Target {
            profile: Some("nope".into()),
            config: Some(dir.path().join("profiles.json")),
            ..Target::default()
        };
        assert_eq!(t.resolve().unwrap_err().explain().0, 2);
    }
}
