//! First start and every start: open storage, make sure a signing key and the admin client
//! exist, and build the shared state.

use std::path::Path;
use std::sync::Arc;

use orgwarden_domain::client::{ClientGrant, ClientGrantPatch, NewClient};
use orgwarden_domain::clock::{Clock, SystemClock};
use orgwarden_domain::ids::{ClientId, GrantId};
use orgwarden_domain::scope::MANAGEMENT_SCOPES;
use orgwarden_domain::store::DynStore;
use serde::{Deserialize, Serialize};

use crate::auth::keys::{generate_key, KeyRing};
use crate::auth::sealing::{self, MasterKey};
use crate::config::Settings;
use crate::files::{create_private_dir, make_tree_private, write_private};
use crate::ratelimit::memory::MemoryLimiter;
use crate::ratelimit::reconnect::SharedLimiter;
use crate::ratelimit::RateLimiter;
use crate::state::{AppState, Identity};

/// What `admin-client.json` holds (mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AdminClient {
    pub client_id: String,
    pub client_secret: String,
    pub domain: String,
    pub audience: String,
    pub token_url: String,
}

pub struct Prepared {
    pub state: AppState,
    pub admin: AdminClient,
    /// True when the admin client was made by this start (its secret is printed once).
    pub admin_created: bool,
}

/// Every scope the admin client holds: the Management API's and orgwarden's own.
pub fn admin_scopes() -> Vec<String> {
    MANAGEMENT_SCOPES
        .iter()
        .chain([crate::faults::SCOPE].iter())
        .map(|s| s.to_string())
        .collect()
}

pub use crate::operations::PoolGauge;

/// Opens the store named by a database URL (creating or upgrading its schema), for a command
/// that does its work and goes: nothing is loaded into memory in the background.
pub async fn open_store(url: &str) -> anyhow::Result<DynStore> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(
            orgwarden_store_sqlite::SqliteStore::open_url(url).await?,
        ));
    }
    Ok(open_store_with_gauge(url).await?.0)
}

/// Opens the store for a server: on SQLite it keeps the whole tenant's enabled connections in
/// memory from now on; on PostgreSQL it has a pool to gauge.
pub async fn open_store_with_gauge(url: &str) -> anyhow::Result<(DynStore, Option<PoolGauge>)> {
    if url.starts_with("sqlite:") {
        let store = orgwarden_store_sqlite::SqliteStore::open_url(url).await?;
        store.keep_whole_tenant_loaded();
        return Ok((Arc::new(store), None));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = Arc::new(orgwarden_store_postgres::PostgresStore::connect(url).await?);
        let gauge = store.clone();
        return Ok((store, Some(Arc::new(move || gauge.pool_status()))));
    }
    anyhow::bail!(
        "unsupported database URL (expected sqlite://PATH or postgres://…): {}",
        redact_url(url)
    )
}

/// A database URL fit to print or log: the password (of the user part, and a `password=`
/// parameter) replaced by `…`; the rest kept, so an operator still sees which database it is.
/// When in doubt (a raw `@` or `:` in the password) it hides more, never less.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return redact_params(url);
    };
    // The user part ends at the last `@`: a password may hold a raw `@`.
    let rest = match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:…@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => rest.to_owned(),
    };
    format!("{scheme}://{}", redact_params(&rest))
}

/// `?…&password=secret&…` → `?…&password=…&…`.
fn redact_params(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=…"),
            _ => p.to_owned(),
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

/// The key ring, from the stored keys: refuses to start when sealed keys cannot be opened (no
/// master key, or another one); with a master key, seals the keys still stored plain, in place
/// (the migration of an existing database); makes the first key if there is none.
async fn key_ring(
    store: &DynStore,
    master: Option<&MasterKey>,
    clock: &dyn Clock,
    token_lifetime: i64,
) -> anyhow::Result<KeyRing> {
    let mut keys = store.signing_keys().await?;
    for k in &keys {
        sealing::open(master, &k.kid, &k.private_key)?;
    }
    match master {
        Some(master) => {
            let mut sealed = 0;
            for k in keys.iter().filter(|k| !sealing::is_sealed(&k.private_key)) {
                let new = sealing::seal(master, &k.kid, &k.private_key)?;
                // False when another instance sealed it first.
                if store
                    .replace_private_key(&k.kid, &k.private_key, new)
                    .await?
                {
                    sealed += 1;
                }
            }
            if sealed > 0 {
                tracing::warn!(
                    keys = sealed,
                    "encrypted {sealed} signing key(s) stored unencrypted with the master key, in place"
                );
                keys = store.signing_keys().await?;
            }
        }
        None => tracing::warn!(
            "signing keys are stored UNENCRYPTED: anyone who can read the database can sign \
             tokens; set ORGWARDEN_MASTER_KEY or ORGWARDEN_MASTER_KEY_FILE to encrypt them"
        ),
    }
    if !keys.iter().any(|k| k.current) {
        let key = generate_key(clock.now(), master)?;
        store.add_signing_key(key, clock.now()).await?;
        keys = store.signing_keys().await?;
    }
    KeyRing::new(&keys, master, clock.now(), token_lifetime)
}

fn read_admin_file(path: &Path) -> Option<AdminClient> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// The admin client from `admin-client.json` if the store still has it; otherwise a new one
/// with every Management API scope. Its grant follows the current audience.
async fn admin_client(
    store: &DynStore,
    settings: &Settings,
    identity: &Identity,
) -> anyhow::Result<(AdminClient, bool)> {
    let path = settings.admin_client_file();
    let existing = match read_admin_file(&path) {
        Some(a) => match ClientId::parse(&a.client_id) {
            Some(id) if store.get_client(&id).await.is_ok() => Some((a, id)),
            _ => None,
        },
        None => None,
    };
    let (mut admin, id, created) = match existing {
        Some((a, id)) => (a, id, false),
        None => {
            let (client, secret) = NewClient::machine("orgwarden admin").into_client();
            let client = store.create_client(client).await?;
            let a = AdminClient {
                client_id: client.client_id.to_string(),
                client_secret: secret,
                domain: String::new(),
                audience: String::new(),
                token_url: String::new(),
            };
            (a, client.client_id, true)
        }
    };
    let scopes = admin_scopes();
    match store.find_grant(&id, &identity.audience).await? {
        None => {
            let grant = ClientGrant {
                id: GrantId::generate(),
                client_id: id.clone(),
                audience: identity.audience.clone(),
                scope: scopes,
                attributes: Default::default(),
            };
            store.create_grant(grant).await?;
        }
        // A data directory from an older version: give the admin the scopes added since.
        Some(g) if scopes.iter().any(|s| !g.scope.contains(s)) => {
            let patch = ClientGrantPatch {
                scope: Some(scopes),
                ..Default::default()
            };
            store.update_grant(&g.id, patch).await?;
        }
        Some(_) => {}
    }
    let fresh = AdminClient {
        domain: identity.domain.clone(),
        audience: identity.audience.clone(),
        token_url: format!("{}/oauth/token", identity.base_url),
        ..admin.clone()
    };
    if created || fresh != admin {
        admin = fresh;
        let json = serde_json::to_vec_pretty(&admin)?;
        write_private(&path, &json)?;
    }
    Ok((admin, created))
}

/// Creates the data directory, or makes an existing one and everything in it private to this
/// user (an older orgwarden left them readable by others), saying so once.
fn private_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        create_private_dir(dir)?;
    }
    let changed = make_tree_private(dir)?;
    if !changed.is_empty() {
        let paths: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
        tracing::warn!(
            dir = %dir.display(),
            changed = %paths.join(", "),
            "made {} file(s) and directories in the data directory private to this user (0600 and 0700): others could read them",
            changed.len()
        );
    }
    Ok(())
}

/// The shortest dashboard password accepted: it signs in as the admin, and the sign-in form is
/// reachable by anyone who reaches the server.
pub const MIN_DASHBOARD_PASSWORD_CHARS: usize = 12;

fn check_dashboard_password(password: Option<&str>) -> anyhow::Result<()> {
    let chars = password.map_or(0, |p| p.chars().count());
    anyhow::ensure!(
        chars == 0 || chars >= MIN_DASHBOARD_PASSWORD_CHARS,
        "the dashboard password (--dashboard-password / ORGWARDEN_DASHBOARD_PASSWORD) has {chars} characters; it needs at least {MIN_DASHBOARD_PASSWORD_CHARS} (e.g. four random words)"
    );
    Ok(())
}

pub async fn prepare(settings: &Settings, port: u16) -> anyhow::Result<Prepared> {
    prepare_with_clock(settings, port, Arc::new(SystemClock)).await
}

/// [`prepare`] with a clock of the caller's (tests move one by hand).
pub async fn prepare_with_clock(
    settings: &Settings,
    port: u16,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Prepared> {
    check_dashboard_password(settings.dashboard_password.as_deref())?;
    let master = MasterKey::from_settings(
        settings.master_key.as_ref(),
        settings.master_key_file.as_deref(),
    )?
    .map(Arc::new);
    private_data_dir(&settings.data_dir)?;
    let (store, pool) = open_store_with_gauge(&settings.database_url()).await?;
    let keys = key_ring(
        &store,
        master.as_deref(),
        clock.as_ref(),
        settings.token_lifetime,
    )
    .await?;
    let identity = Identity::new(
        &settings.domain(port),
        settings.tls_enabled(),
        settings.token_lifetime,
    );
    let (admin, admin_created) = admin_client(&store, settings, &identity).await?;
    let limiter: Arc<dyn RateLimiter> = match &settings.redis_url {
        Some(url) => Arc::new(SharedLimiter::new(url, &settings.redis_prefix).await),
        None => Arc::new(MemoryLimiter::new()),
    };
    let ca = settings.tls_dir().join("ca.pem");
    let upstream = crate::upstream::Upstream::new(
        settings.upstream_ca_file.as_deref(),
        &settings.google_oauth2_issuer,
    )?;
    let state = AppState::builder(store, keys, identity)
        .clock(clock)
        .upstream(Arc::new(upstream))
        .rate_limit(settings.rate_limit.clone(), limiter)
        .pool(pool)
        .master_key(master)
        .dashboard(crate::ui::session::DashboardConfig {
            admin_client_id: Some(admin.client_id.clone()),
            password: settings
                .dashboard_password
                .clone()
                .filter(|p| !p.is_empty()),
            secure_cookies: settings.tls_enabled(),
            cacert: (settings.tls_enabled() && settings.tls_cert.is_none())
                .then(|| ca.display().to_string()),
        })
        .build();
    Ok(Prepared {
        state,
        admin,
        admin_created,
    })
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn printed_database_urls_carry_no_password() {
        for (url, shown) in [
            (
                "postgres://app:s3cret@db.example:5432/orgwarden",
                "postgres://app:…@db.example:5432/orgwarden",
            ),
            // A raw `@` in the password: everything up to the last `@` is the user part.
            ("postgresql://app:p@ss@db/o", "postgresql://app:…@db/o"),
            ("postgres://app@db/o", "postgres://app@db/o"),
            (
                "postgres://db/o?user=app&password=s3cret&sslmode=require",
                "postgres://db/o?user=app&password=…&sslmode=require",
            ),
            (
                "sqlite:///var/lib/orgwarden/orgwarden.db",
                "sqlite:///var/lib/orgwarden/orgwarden.db",
            ),
            ("not a url?password=s3cret", "not a url?password=…"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
