//! The steps of creating a user, changing a password or checking one that the API, the
//! dashboard and the sign-in paths share: the connection found by name, the domain's rules
//! (`new_user`, the password policy), and argon2id computed off the async runtime (it takes
//! tens of milliseconds of CPU).

use std::sync::OnceLock;

use orgwarden_domain::clock::Clock;
use orgwarden_domain::connection::{Connection, ConnectionFilter};
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::password::{self, PasswordHash};
use orgwarden_domain::store::DynStore;
use orgwarden_domain::user::{new_user, User, UserId};
use orgwarden_domain::{Error, Result};
use orgwarden_proto::users::CreateUser;

/// The password's hash, computed on a blocking thread.
pub async fn hash(password: String) -> Result<PasswordHash> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| Error::Internal(e.into()))?
}

/// The connection called `name`; Auth0's 400 if there is none.
pub async fn connection_named(store: &DynStore, name: &str) -> Result<Connection> {
    let filter = ConnectionFilter {
        name: Some(name.to_owned()),
        ..ConnectionFilter::default()
    };
    let found = store
        .list_connections(&filter, PageRequest::first(1))
        .await?;
    found
        .items
        .into_iter()
        .next()
        .ok_or_else(|| Error::invalid_field("connection", "The connection does not exist."))
}

/// A new user from a checked body: its connection, the policy, the hash, then the store.
pub async fn create_user(store: &DynStore, clock: &dyn Clock, body: CreateUser) -> Result<User> {
    let connection = connection_named(store, &body.connection).await?;
    let (user, password) = new_user(body, &connection, clock.now())?;
    password::check_policy(&connection.options, &password)?;
    let hash = hash(password).await?;
    store.create_user(user, Some(hash)).await
}

/// The hash of a new password for `user`, once its connection's policy accepts it.
pub async fn new_password(
    store: &DynStore,
    user: &UserId,
    password: String,
) -> Result<PasswordHash> {
    let user = store.get_user(user).await?;
    if user.id.is_federated() {
        return Err(orgwarden_domain::user::no_password_here());
    }
    let connection = store.get_connection(&user.connection_id).await?;
    password::check_policy(&connection.options, &password)?;
    hash(password).await
}

/// Longest email or password a sign-in reads: argon2 of a huge password is a cost a caller
/// should not choose.
pub const MAX_CREDENTIAL_CHARS: usize = 512;

/// A hash nobody's password matches, checked for unknown emails so they cost the same.
fn decoy() -> &'static Option<PasswordHash> {
    static DECOY: OnceLock<Option<PasswordHash>> = OnceLock::new();
    DECOY.get_or_init(|| password::hash(&orgwarden_domain::ids::random_alphanumeric(32)).ok())
}

/// The user of `connection` with this email whose password is `candidate`; `None` for a wrong
/// email or a wrong password alike, after the same work.
pub async fn authenticate(
    store: &DynStore,
    connection: &Connection,
    email: &str,
    candidate: String,
) -> Result<Option<User>> {
    let user = store
        .users_by_email(&email.trim().to_lowercase())
        .await?
        .into_iter()
        .find(|u| u.connection_id == connection.id);
    let hash = match &user {
        Some(u) => store.password_hash(&u.id).await?,
        None => None,
    };
    let matches = tokio::task::spawn_blocking(move || match &hash {
        Some(h) => password::verify(h, &candidate),
        None => {
            if let Some(d) = decoy() {
                password::verify(d, &candidate);
            }
            false
        }
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    Ok(user.filter(|_| matches))
}
