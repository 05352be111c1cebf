//! The shared storage conformance suite, one test per check, each on a fresh SQLite file.

use std::sync::Arc;

use orgwarden_domain::store::DynStore;
use orgwarden_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store on a new file of its own, for one test.
async fn fresh() -> Option<(TempDir, DynStore)> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("orgwarden.db"))
        .await
        .expect("open the store");
    Some((dir, Arc::new(store)))
}

orgwarden_domain::conformance_tests!(fresh);

#[tokio::test]
async fn reopening_keeps_the_data_and_the_schema_version() {
    use orgwarden_domain::ids::OrgId;
    use orgwarden_domain::organization::NewOrganization;
    use orgwarden_domain::store::OrganizationStore;

    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("orgwarden.db");
    let new = NewOrganization {
        name: "kept".into(),
        display_name: None,
        branding: None,
        metadata: None,
        attributes: Default::default(),
        enabled_connections: Vec::new(),
    };
    let id = OrgId::generate();
    {
        let store = SqliteStore::open(&path).await.expect("open");
        store
            .create_organization(id.clone(), new)
            .await
            .expect("create");
    }
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = SqliteStore::open_url(&url).await.expect("reopen by URL");
    assert_eq!(
        store
            .get_organization_by_name("kept")
            .await
            .expect("get")
            .id,
        id
    );
}
