//! `orgwarden`'s client subcommands — `orgwarden orgs …`, `orgwarden login` and `orgwarden
//! tenant copy` — over the
//! typed client (`orgwarden-client`), for a local orgwarden and an Auth0 tenant alike.
//!
//! The binary flattens [`ClientCommand`] into its own subcommands and hands it to [`run`],
//! whose exit code tells apart what went wrong: 0 done, 2 usage (clap's, or a target that
//! cannot be used), 3 the API refused, 4 network or TLS, 5 a refused credential, 1 anything
//! else (a local file that cannot be read or written).

mod failure;
mod login;
mod orgs;
mod output;
mod profiles;
mod resolve;
pub(crate) mod target;
mod tenant;

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Subcommand;

pub use failure::Failure;
pub use login::LoginArgs;
pub use orgs::{OrgConnectionsCommand, OrgsArgs, OrgsCommand};
pub use output::Format;
pub use target::{Secret, Target};
pub use tenant::{CopyArgs, TenantArgs, TenantCommand};

/// Where notices go while a command runs (a rate-limit wait is told as it starts), shared
/// with the client's wait hook.
pub(crate) type Notices = Arc<Mutex<dyn Write + Send>>;

/// Writes one line of notice; a closed stderr is not worth failing over.
pub(crate) fn notice(notices: &Notices, line: &str) {
    let mut w = notices.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(w, "{line}");
}

/// The client subcommands, as the `orgwarden` binary flattens them into its own.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Organizations and the connections they offer, on orgwarden or an Auth0 tenant.
    #[command(after_help = "Examples:\n  \
        orgwarden orgs list --local\n  \
        orgwarden orgs connections list acme --profile staging --json")]
    Orgs(OrgsArgs),
    /// Save a named profile (domain, client credentials, CA) after checking the credentials
    /// get a token; the file is written only you can read (0600).
    #[command(after_help = "Example:\n  \
        orgwarden login --profile staging --domain acme.eu.auth0.com --client-id ID --client-secret SECRET\n  \
        orgwarden orgs list --profile staging")]
    Login(LoginArgs),
    /// A whole tenant: copy one into another (e.g. a real Auth0 tenant into a local orgwarden).
    #[command(after_help = "Example:\n  \
        orgwarden tenant copy --from production --to local:./orgwarden-data")]
    Tenant(TenantArgs),
}

/// Runs `cmd`: results on `out`, notices and the one line saying what failed on `err`.
pub async fn run(
    cmd: ClientCommand,
    out: &mut impl Write,
    err: impl Write + Send + 'static,
) -> ExitCode {
    let notices: Notices = Arc::new(Mutex::new(err));
    let done = match cmd {
        ClientCommand::Orgs(args) => orgs::run(args, out, &notices).await,
        ClientCommand::Login(args) => login::run(args, out, &notices).await,
        ClientCommand::Tenant(args) => tenant::run(args, out, &notices).await,
    };
    match done.and_then(|()| out.flush().map_err(Failure::output)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            let (code, line) = failure.explain();
            notice(&notices, &line);
            ExitCode::from(code)
        }
    }
}
