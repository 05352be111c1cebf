//! The storage operations that carry rules, written once for every backend.
//!
//! Each operation (enable a connection, create an organization, add a grant, …) is an `async fn`
//! here that holds the order of its checks and its rules, and runs them over a small
//! transaction interface: reads, locks, inserts, updates and deletes, all inside the one
//! transaction the backend opened. A backend implements the interface with its SQL and row
//! mapping, opens the transaction, awaits the operation and commits if it succeeds:
//!
//! - PostgreSQL awaits it on its connection, in READ COMMITTED; the "lock" reads take row locks
//!   (`FOR UPDATE`, `FOR KEY SHARE`), so a rule holds against other instances.
//! - SQLite runs it on a blocking thread inside its one `BEGIN IMMEDIATE` writer, where the
//!   locks are already held; its interface is synchronous, so the operation's future is ready
//!   on the first poll.
//!
//! The interface's methods are `async fn` used only through generics (never `dyn`): a caller
//! awaiting an operation on PostgreSQL's concrete transaction type sees that its futures are
//! `Send`, while SQLite's (which borrow a `rusqlite::Connection`) need not be.
//!
//! Errors: each transaction names its own error type, which a domain [`Error`] converts into,
//! so a backend's own failures (PostgreSQL's "run the transaction again") pass through the
//! operation untouched.

pub mod clients;
pub mod connections;
pub mod discovery_domains;
pub mod enabled;
pub mod grants;
pub mod invitations;
pub mod members;
pub mod organization_grants;
pub mod organizations;
pub mod resource_servers;
pub mod roles;
pub mod users;

use crate::Error;

/// What every transaction interface shares: the error its methods fail with.
pub trait Tx {
    /// The backend's failure; a domain error (a rule broken) converts into it.
    type Error: From<Error>;
}
