//! The shared storage conformance suite (one test per check), and races between two
//! instances, on PostgreSQL.
//!
//! Runs when `ORGWARDEN_TEST_POSTGRES_URL` names a database (for example
//! `postgres://postgres@127.0.0.1:5432/test`); each test makes its own schema there and drops
//! it at the end. Without the variable each test says SKIPPED on stderr and passes, unless
//! `ORGWARDEN_REQUIRE_SERVICES=1` says it must run: then it fails.

use std::sync::Arc;

use orgwarden_domain::connection::{Connection, NewConnection};
use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
use orgwarden_domain::ids::{random_alphanumeric, ConnectionId, OrgId};
use orgwarden_domain::keys::SigningKey;
use orgwarden_domain::organization::NewOrganization;
use orgwarden_domain::store::{
    ConnectionStore, DynStore, KeyStore, OrgConnectionStore, OrganizationStore,
};
use orgwarden_domain::Error;
use orgwarden_store_postgres::PostgresStore;
use tokio_postgres::{Client, NoTls};

/// A schema made for one test, dropped when the test ends (even by a panic).
struct Schema {
    admin_url: String,
    name: String,
}

impl Schema {
    /// A new empty schema, or `None` (after saying SKIPPED on stderr) when no database is given
    /// and none is required.
    async fn fresh() -> Option<Schema> {
        let admin_url = orgwarden_test_services::postgres_url("PostgreSQL conformance")?;
        let name = format!("orgwarden_test_{}", random_alphanumeric(12).to_lowercase());
        let admin = admin_client(&admin_url).await;
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .await
            .expect("create the test schema");
        Some(Schema { admin_url, name })
    }

    /// The test database's URL, with this schema as the search path.
    fn url(&self) -> String {
        let sep = if self.admin_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{sep}options=-c%20search_path%3D{}",
            self.admin_url, self.name
        )
    }

    async fn store(&self) -> PostgresStore {
        PostgresStore::connect(&self.url())
            .await
            .expect("connect the store")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop cannot await: a thread with its own runtime does the work, and is waited for.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async {
                admin_client(&url)
                    .await
                    .batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test schema {}", self.name);
        }
    }
}

async fn admin_client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(connection);
    client
}

/// A store on a new schema of its own, for one test; the schema goes when the test ends.
async fn fresh() -> Option<(Schema, DynStore)> {
    let schema = Schema::fresh().await?;
    let store = schema.store().await;
    Some((schema, Arc::new(store)))
}

orgwarden_domain::conformance_tests!(fresh);

/// Creates an organization named `name`, with nothing enabled.
async fn organization(store: &PostgresStore, id: &OrgId, name: &str) {
    let new = NewOrganization {
        name: name.into(),
        display_name: None,
        branding: None,
        metadata: None,
        attributes: Default::default(),
        enabled_connections: Vec::new(),
    };
    store
        .create_organization(id.clone(), new)
        .await
        .expect("create the organization");
}

async fn connection(store: &PostgresStore) -> Connection {
    let body = serde_json::json!({
        "name": format!("race-{}", random_alphanumeric(10).to_lowercase()),
        "strategy": "auth0",
    });
    let connection = NewConnection::from_json(&body)
        .expect("a connection body")
        .into_connection(ConnectionId::generate());
    store
        .create_connection(connection)
        .await
        .expect("create a connection")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_enabling_one_connection_one_wins() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let (a, b) = (schema.store().await, schema.store().await);
    for round in 0..10 {
        let org = OrgId::generate();
        organization(&a, &org, &format!("race-{round}")).await;
        let c = connection(&a).await;
        let enable = |store: &PostgresStore| {
            let (store, org) = (store.clone(), org.clone());
            let new = NewEnabledConnection {
                connection_id: c.id.clone(),
                settings: SettingsPatch::default(),
            };
            tokio::spawn(async move { store.enable_connection(&org, new).await })
        };
        let (first, second) = (enable(&a), enable(&b));
        let results = [first.await.expect("a task"), second.await.expect("a task")];
        let won = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Err(Error::Conflict {
                        code: "organization_connection_conflict",
                        ..
                    })
                )
            })
            .count();
        assert_eq!(
            (won, conflicts),
            (1, 1),
            "round {round}: one Ok and one Conflict, got {results:?}"
        );
        let listed = b.list_enabled_connections(&org, 0, 50).await.expect("list");
        assert_eq!(listed.total, 1, "round {round}: enabled once");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_adding_a_first_key_at_once_leave_one_current() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let (a, b) = (schema.store().await, schema.store().await);
    let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("a time");
    let key = || SigningKey {
        kid: random_alphanumeric(16),
        private_key: random_alphanumeric(64).into_bytes(),
        created_at: now,
        current: true,
        rotated_at: None,
        revoked_at: None,
    };
    let (first, second) =
        tokio::join!(a.add_signing_key(key(), now), b.add_signing_key(key(), now));
    first.expect("the first instance's key");
    second.expect("the second instance's key");
    let keys = a.signing_keys().await.expect("keys");
    assert_eq!(keys.len(), 2);
    assert_eq!(
        keys.iter().filter(|k| k.current).count(),
        1,
        "one current key"
    );
    assert_eq!(keys[1].rotated_at, Some(now), "the other is rotated out");
    assert_eq!(keys[1].revoked_at, None, "not revoked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_starting_together_migrate_once() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let url = schema.url();
    let (a, b) = tokio::join!(PostgresStore::connect(&url), PostgresStore::connect(&url));
    let (a, b) = (a.expect("first instance"), b.expect("second instance"));
    a.ping().await.expect("ping the first");
    b.ping().await.expect("ping the second");
    let (size, available) = a.pool_status();
    assert!(
        size >= 1 && available <= size,
        "pool status {size}/{available}"
    );

    let admin = admin_client(&schema.admin_url).await;
    let sql = format!(
        "SELECT version FROM {}.schema_migrations ORDER BY version",
        schema.name
    );
    let versions: Vec<i64> = admin
        .query(&sql, &[])
        .await
        .expect("read schema_migrations")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        versions,
        (1..=12).collect::<Vec<i64>>(),
        "each migration applied once"
    );

    // A third start finds the schema up to date.
    PostgresStore::connect(&url).await.expect("a later start");
}

#[tokio::test]
async fn a_search_path_without_a_schema_is_refused_clearly() {
    let Some(admin_url) = orgwarden_test_services::postgres_url("PostgreSQL conformance") else {
        return;
    };
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    let missing = format!(
        "orgwarden_missing_{}",
        random_alphanumeric(12).to_lowercase()
    );
    let url = format!("{admin_url}{sep}options=-c search_path={missing}");
    let err = PostgresStore::connect(&url)
        .await
        .expect_err("no schema to migrate");
    assert!(format!("{err:#}").contains("search_path"), "{err:#}");
}

/// The guide's call is answered from each instance's memory, and a commit made elsewhere (by
/// another instance, or by hand in SQL) reaches it within the watcher's bound (0.1 s, checked
/// here with room for a busy machine).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instances_read_cache_sees_commits_made_elsewhere() {
    const BOUND: std::time::Duration = std::time::Duration::from_secs(3);
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let (a, b) = (schema.store().await, schema.store().await);
    let org = OrgId::generate();
    organization(&a, &org, "cached").await;
    let c = connection(&a).await;
    let enable = || {
        let new = NewEnabledConnection {
            connection_id: c.id.clone(),
            settings: SettingsPatch::default(),
        };
        a.enable_connection(&org, new)
    };
    let listed = || async {
        b.list_enabled_connections(&org, 0, 50)
            .await
            .expect("list")
            .total
    };
    let seen = |want: u64, what: &'static str| async move {
        let started = std::time::Instant::now();
        while listed().await != want {
            assert!(started.elapsed() < BOUND, "{what}: unseen after {BOUND:?}");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    };
    assert_eq!(listed().await, 0);
    enable().await.expect("enable");
    seen(1, "the other instance's enable").await;
    // Kept: other tests' commits anywhere in the cluster drop it at the watcher's next look,
    // but a read between two looks stays until then.
    let started = std::time::Instant::now();
    while b.cached_organizations() == 0 {
        assert!(
            started.elapsed() < BOUND,
            "the watcher never turned the cache on"
        );
        assert_eq!(listed().await, 1);
    }

    let admin = admin_client(&schema.admin_url).await;
    let sql = format!("DELETE FROM {}.organization_connections", schema.name);
    admin.execute(&sql, &[]).await.expect("delete by hand");
    seen(0, "a delete by hand").await;

    enable().await.expect("enable again");
    seen(1, "the other instance's second enable").await;
    a.disable_connection(&org, &c.id).await.expect("disable");
    seen(0, "the other instance's disable").await;
}
