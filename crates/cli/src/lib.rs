//! `orgwarden`'s client subcommands — `orgwarden orgs …`, `connections …`, `users …`,
//! `roles …`, `clients …`, `grants …`, `orgwarden login` and `orgwarden tenant copy` — over
//! the typed client (`orgwarden-client`), for a local orgwarden and an Auth0 tenant alike.
//!
//! The binary flattens [`ClientCommand`] into its own subcommands and hands it to [`run`],
//! whose exit code tells apart what went wrong: 0 done, 2 usage (clap's, or a target that
//! cannot be used), 3 the API refused, 4 network or TLS, 5 a refused credential, 1 anything
//! else (a local file that cannot be read or written).

mod clients;
mod connections;
mod entries;
mod failure;
mod grants;
mod invitations;
mod login;
mod members;
mod orgs;
mod output;
mod profiles;
mod progress;
mod resolve;
mod roles;
pub(crate) mod target;
mod tenant;
mod users;

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::{Args, Subcommand};
use orgwarden_client::Client;

pub use clients::ClientsCommand;
pub use connections::ConnectionsCommand;
pub use failure::Failure;
pub use grants::GrantsCommand;
pub use invitations::InvitationsCommand;
pub use login::LoginArgs;
pub use members::{MemberRolesCommand, MembersCommand};
pub use orgs::{OrgConnectionsCommand, OrgsCommand};
pub use output::Format;
pub use roles::RolesCommand;
pub use target::{Secret, Target};
pub use tenant::{CopyArgs, TenantArgs, TenantCommand};
pub use users::UsersCommand;

/// Where notices go while a command runs (a rate-limit wait is told as it starts), shared
/// with the client's wait hook.
pub(crate) type Notices = Arc<Mutex<dyn Write + Send>>;

/// Writes one line of notice; a closed stderr is not worth failing over.
pub(crate) fn notice(notices: &Notices, line: &str) {
    let mut w = notices.lock().unwrap_or_else(|e| e.into_inner());
    let _ = writeln!(w, "{line}");
}

/// Lists are fetched this many a request (Auth0's largest page, and checkpoint `take`).
pub(crate) const PAGE: u32 = 100;

/// A resource's commands with the target they run against and how results are printed.
#[derive(Debug, Args)]
pub struct ResourceArgs<C: Subcommand> {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub format: Format,
    #[command(subcommand)]
    pub command: C,
}

pub type OrgsArgs = ResourceArgs<OrgsCommand>;

/// One resource's commands, run with a connected client.
pub(crate) trait Run {
    async fn run<W: Write>(
        self,
        client: &Client,
        format: Format,
        out: &mut W,
    ) -> Result<(), Failure>;
}

/// Resolves the target, connects, runs the command; client failures name the domain.
async fn on_target<C: Subcommand + Run>(
    args: ResourceArgs<C>,
    out: &mut impl Write,
    notices: &Notices,
) -> Result<(), Failure> {
    let target = args.target.resolve()?;
    let client = target.client(notices)?;
    args.command
        .run(&client, args.format, out)
        .await
        .map_err(|f| f.at(&target.domain))
}

/// The client subcommands, as the `orgwarden` binary flattens them into its own.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Organizations and the connections they offer, on orgwarden or an Auth0 tenant.
    #[command(after_help = "Examples:\n  \
        orgwarden orgs list --local\n  \
        orgwarden orgs connections list acme --profile staging --json")]
    Orgs(OrgsArgs),
    /// A tenant's connections: databases, social and enterprise identity providers.
    #[command(after_help = "Examples:\n  \
        orgwarden connections list --local\n  \
        orgwarden connections create people --strategy auth0 --option requires_username=true")]
    Connections(ResourceArgs<ConnectionsCommand>),
    /// A tenant's users.
    #[command(after_help = "Examples:\n  \
        orgwarden users list --query 'email:\"jo@example.com\"'\n  \
        orgwarden users create --connection people --email jo@example.com --password-stdin")]
    Users(ResourceArgs<UsersCommand>),
    /// A tenant's roles.
    #[command(
        after_help = "Example:\n  orgwarden roles create admin --description 'Runs the place'"
    )]
    Roles(ResourceArgs<RolesCommand>),
    /// A tenant's applications (clients).
    #[command(after_help = "Example:\n  orgwarden clients get 'My App' --json")]
    Clients(ResourceArgs<ClientsCommand>),
    /// Client grants: which application may call which API with which scopes.
    #[command(after_help = "Example:\n  orgwarden grants list --client 'My App'")]
    Grants(ResourceArgs<GrantsCommand>),
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
        ClientCommand::Orgs(args) => on_target(args, out, &notices).await,
        ClientCommand::Connections(args) => on_target(args, out, &notices).await,
        ClientCommand::Users(args) => on_target(args, out, &notices).await,
        ClientCommand::Roles(args) => on_target(args, out, &notices).await,
        ClientCommand::Clients(args) => on_target(args, out, &notices).await,
        ClientCommand::Grants(args) => on_target(args, out, &notices).await,
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
