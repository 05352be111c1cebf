//! The one storage test suite. Every backend runs it, written only against [`Store`], as one
//! test per check ([`conformance_tests!`](crate::conformance_tests)):
//!
//! ```text
//! orgwarden_domain::conformance_tests!(fresh); // in the backend's tests/conformance.rs
//! ```
//!
//! Each check makes its own uniquely named data, so checks could share one store, and may
//! find other data in it: lists are checked on the subset a check made. A failing check
//! panics with what was expected, in a test named after it. Times are whole seconds, so
//! backends that keep microseconds round-trip them exactly.

use std::future::Future;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::client::{
    Client, ClientGrant, ClientGrantPatch, ClientPatch, GrantFilter, NewClient, NewClientGrant,
};
use crate::connection::{Connection, ConnectionFilter, ConnectionPatch, NewConnection};
use crate::enabled_connection::{
    EnabledConnection, NewEnabledConnection, Settings, SettingsPatch, MAX_PER_ORGANIZATION,
};
use crate::ids::{random_alphanumeric, ClientId, ConnectionId, GrantId, OrgId};
use crate::keys::{Revocation, SigningKey};
use crate::organization::{
    Branding, Colors, NewOrganization, Organization, OrganizationPatch, Sort, SortField,
};
use crate::paging::{Listing, PageRequest};
use crate::resource_server::{ResourceServer, ResourceServerPatch};
use crate::store::{DynStore, Store};
use crate::{Error, NotFound, Result};

/// Expands to one `#[tokio::test]` per check, so a failure names its check. `$fresh` is an
/// async fn giving each test a store of its own: `Option<(G, DynStore)>`, where `G` lives as long
/// as the test (a temporary directory, a schema dropped at the end), or `None` to skip (after
/// saying so on stderr). Use it once in a backend's test crate, which depends on tokio:
///
/// ```text
/// orgwarden_domain::conformance_tests!(fresh);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@each $fresh, 2, store => &*store;
            organization_round_trip,
            organization_names_are_unique,
            organization_update_keeps_or_replaces_fields,
            organization_delete,
            organization_settings_round_trip,
            organization_offset_listing_in_every_sort,
            organization_checkpoint_listing_in_every_sort,
            organization_search_by_name_or_display_name,
            organization_create_with_connections,
            organization_create_is_all_or_nothing,
            connection_round_trip_and_update,
            connection_names_are_unique,
            connection_listing_and_filters,
            connection_delete_removes_it_from_organizations,
            connection_organizations_using,
            enabled_connections_order_and_totals,
            enabled_connections_listing_sees_each_write_at_once,
            enabled_connection_not_found_cases,
            enabled_connection_signup_rule_on_merged_settings,
            enabled_connection_limit,
            client_round_trip_update_and_listing,
            client_delete_removes_its_grants,
            grants_unique_per_audience_and_filters,
            organization_grants_associate_and_cascade,
            user_round_trip_search_and_cascade,
            federated_users_have_no_password,
            members_add_list_and_cascade,
            roles_given_and_taken,
            role_users_and_user_permissions,
            invitations_expire_and_cascade,
            resource_server_round_trip_update_and_listing,
            resource_server_delete_removes_its_grants,
            signing_key_rotation,
            signing_key_revocation,
            signing_key_private_key_replacement,
            login_artifacts_expire_and_are_used_once
        );
        // The checks that need concurrent callers, on more threads.
        $crate::conformance_tests!(@each $fresh, 8, store => store;
            concurrent_enables_respect_the_limit,
            concurrent_creates_of_one_name,
            concurrent_consumes_of_one_code
        );
    };
    (@each $fresh:path, $threads:literal, $store:ident => $arg:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn $check() {
                let Some((_keep, $store)) = $fresh().await else {
                    return;
                };
                $crate::conformance::$check($arg).await;
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn ok<T>(result: Result<T>, what: &str) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("{what}: expected success, got {e:?}"),
    }
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T>, kind: NotFound, what: &str) {
    match result {
        Err(Error::NotFound(k)) if k == kind => {}
        other => panic!("{what}: expected NotFound({kind:?}), got {other:?}"),
    }
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T>, code: &str, what: &str) {
    match result {
        Err(Error::Conflict { code: c, .. }) if c == code => {}
        other => panic!("{what}: expected Conflict({code}), got {other:?}"),
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, message: &str, what: &str) {
    match result {
        Err(Error::Invalid(m)) if m == message => {}
        other => panic!("{what}: expected Invalid({message:?}), got {other:?}"),
    }
}

#[track_caller]
fn assert_limit<T: std::fmt::Debug>(result: Result<T>, what: &str) {
    match result {
        Err(Error::LimitReached(_)) => {}
        other => panic!("{what}: expected LimitReached, got {other:?}"),
    }
}

/// A name no other check or run uses: lowercase letters and digits after `prefix-`.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", random_alphanumeric(12).to_lowercase())
}

fn metadata(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

fn seconds(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).expect("a valid timestamp")
}

fn new_org(name: &str) -> NewOrganization {
    NewOrganization {
        name: name.to_owned(),
        display_name: None,
        branding: None,
        metadata: None,
        attributes: Default::default(),
        enabled_connections: Vec::new(),
    }
}

async fn create_org(store: &dyn Store, new: NewOrganization) -> Organization {
    let what = format!("create organization {}", new.name);
    ok(
        store.create_organization(OrgId::generate(), new).await,
        &what,
    )
    .0
}

async fn create_connection(store: &dyn Store, strategy: &str) -> Connection {
    let body = json!({"name": unique("conn"), "strategy": strategy});
    let connection = ok(NewConnection::from_json(&body), "connection body")
        .into_connection(ConnectionId::generate());
    ok(
        store.create_connection(connection).await,
        "create connection",
    )
}

fn enable_new(connection: &Connection, settings: SettingsPatch) -> NewEnabledConnection {
    NewEnabledConnection {
        connection_id: connection.id.clone(),
        settings,
    }
}

fn membership(assign: bool, signup: bool) -> SettingsPatch {
    SettingsPatch {
        assign_membership_on_login: Some(assign),
        is_signup_enabled: Some(signup),
        show_as_button: None,
    }
}

async fn create_client(store: &dyn Store, name: &str) -> Client {
    let (client, _secret) = NewClient::machine(name).into_client();
    ok(store.create_client(client).await, "create client")
}

fn new_grant(client: &ClientId, audience: &str, scope: &[&str]) -> ClientGrant {
    NewClientGrant {
        client_id: client.clone(),
        audience: audience.to_owned(),
        scope: scope.iter().map(|s| (*s).to_owned()).collect(),
        attributes: Map::new(),
    }
    .into_grant()
}

/// Every item of an offset-paged list, checking each page's `total` and `next`.
async fn all_offset_pages<T, F, Fut>(what: &str, per_page: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Listing<T>>>,
{
    let mut items = Vec::new();
    let mut total = None;
    for page in 0.. {
        let listing = ok(fetch(PageRequest::Offset { page, per_page }).await, what);
        assert_eq!(listing.next, None, "{what}: offset pages have no next");
        assert_eq!(
            *total.get_or_insert(listing.total),
            listing.total,
            "{what}: total changed between pages"
        );
        if listing.items.is_empty() {
            break;
        }
        assert!(
            listing.items.len() <= per_page as usize,
            "{what}: page {page} is longer than per_page"
        );
        items.extend(listing.items);
    }
    assert_eq!(
        Some(items.len() as u64),
        total,
        "{what}: total is the number of items"
    );
    items
}

/// Every item of a checkpoint-paged list, checking `total` and `next` on each page.
async fn all_checkpoint_pages<T, F, Fut>(what: &str, take: u32, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Listing<T>>>,
{
    let mut items = Vec::new();
    let mut from = None;
    loop {
        let listing = ok(
            fetch(PageRequest::Checkpoint {
                from: from.clone(),
                take,
            })
            .await,
            what,
        );
        assert_eq!(listing.total, 0, "{what}: checkpoint pages have total 0");
        let full = listing.items.len() == take as usize;
        assert!(
            listing.items.len() <= take as usize,
            "{what}: page longer than take"
        );
        assert_eq!(
            listing.next.is_some(),
            full,
            "{what}: next is given exactly when the page is full"
        );
        items.extend(listing.items);
        match listing.next {
            Some(next) => from = Some(next),
            None => return items,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Organizations

pub async fn organization_round_trip(store: &dyn Store) {
    let name = unique("round-trip");
    let new = NewOrganization {
        display_name: Some("Round Trip Inc.".into()),
        branding: Some(Branding {
            logo_url: Some("https://example.com/logo.svg".into()),
            colors: Some(Colors {
                primary: "#e3e2f0".into(),
                page_background: "#ffffff".into(),
            }),
        }),
        metadata: Some(metadata(&[("tier", "gold"), ("region", "eu")])),
        attributes: Default::default(),
        ..new_org(&name)
    };
    let id = OrgId::generate();
    let (created, enabled) = ok(
        store.create_organization(id.clone(), new.clone()).await,
        "create",
    );
    let expected = Organization {
        id: id.clone(),
        name: name.clone(),
        display_name: new.display_name,
        branding: new.branding,
        metadata: new.metadata,
        attributes: Default::default(),
    };
    assert_eq!(
        created, expected,
        "create returns the organization as given"
    );
    assert!(enabled.is_empty(), "no connections were asked for");
    assert_eq!(ok(store.get_organization(&id).await, "get"), expected);
    assert_eq!(
        ok(store.get_organization_by_name(&name).await, "get by name"),
        expected
    );

    let bare = create_org(store, new_org(&unique("bare"))).await;
    let got = ok(store.get_organization(&bare.id).await, "get bare");
    assert_eq!(
        (got.display_name, got.branding, got.metadata),
        (None, None, None),
        "absent fields stay absent"
    );

    assert_not_found(
        store.get_organization(&OrgId::generate()).await,
        NotFound::Organization,
        "get missing",
    );
    assert_not_found(
        store.get_organization_by_name(&unique("missing")).await,
        NotFound::Organization,
        "get missing by name",
    );
}

pub async fn organization_names_are_unique(store: &dyn Store) {
    let name = unique("taken");
    let first = create_org(store, new_org(&name)).await;
    let again = store
        .create_organization(OrgId::generate(), new_org(&name))
        .await;
    assert_conflict(again, "organization_conflict", "create with a taken name");

    let other = create_org(store, new_org(&unique("other"))).await;
    let patch = OrganizationPatch {
        name: Some(name.clone()),
        ..Default::default()
    };
    let renamed = store.update_organization(&other.id, patch).await;
    assert_conflict(renamed, "organization_conflict", "rename to a taken name");
    assert_eq!(
        ok(store.get_organization_by_name(&name).await, "get by name").id,
        first.id
    );
    assert_eq!(
        ok(store.get_organization(&other.id).await, "get other").name,
        other.name,
        "failed rename changed nothing"
    );
}

pub async fn organization_update_keeps_or_replaces_fields(store: &dyn Store) {
    let name = unique("update");
    let branding = Branding {
        logo_url: Some("https://example.com/a.png".into()),
        colors: None,
    };
    let org = create_org(
        store,
        NewOrganization {
            display_name: Some("Before".into()),
            branding: Some(branding.clone()),
            metadata: Some(metadata(&[("a", "1"), ("b", "2")])),
            attributes: Default::default(),
            ..new_org(&name)
        },
    )
    .await;

    let patch = OrganizationPatch {
        metadata: Some(Some(metadata(&[("c", "3")]))),
        attributes: Default::default(),
        ..Default::default()
    };
    let updated = ok(
        store.update_organization(&org.id, patch).await,
        "replace metadata",
    );
    assert_eq!(
        updated.metadata,
        Some(metadata(&[("c", "3")])),
        "metadata is replaced wholesale"
    );
    assert_eq!(
        updated.display_name.as_deref(),
        Some("Before"),
        "display_name kept"
    );
    assert_eq!(updated.branding.as_ref(), Some(&branding), "branding kept");
    assert_eq!(updated.name, name, "name kept");
    assert_eq!(
        ok(store.get_organization(&org.id).await, "get after update"),
        updated,
        "update is stored"
    );

    let new_name = unique("renamed");
    let patch = OrganizationPatch {
        name: Some(new_name.clone()),
        display_name: Some(None),
        metadata: Some(None),
        attributes: Default::default(),
        ..Default::default()
    };
    let updated = ok(
        store.update_organization(&org.id, patch).await,
        "rename and remove",
    );
    let expected = Organization {
        id: org.id.clone(),
        name: new_name.clone(),
        display_name: None,
        branding: Some(branding),
        metadata: None,
        attributes: Default::default(),
    };
    assert_eq!(updated, expected);
    assert_eq!(
        ok(
            store.get_organization_by_name(&new_name).await,
            "get by new name"
        ),
        expected
    );
    assert_not_found(
        store.get_organization_by_name(&name).await,
        NotFound::Organization,
        "old name is free",
    );

    let missing = store
        .update_organization(&OrgId::generate(), OrganizationPatch::default())
        .await;
    assert_not_found(missing, NotFound::Organization, "update missing");
}

pub async fn organization_delete(store: &dyn Store) {
    let connection = create_connection(store, "auth0").await;
    let name = unique("delete");
    let new = NewOrganization {
        enabled_connections: vec![enable_new(&connection, SettingsPatch::default())],
        ..new_org(&name)
    };
    let (org, _) = ok(
        store.create_organization(OrgId::generate(), new).await,
        "create",
    );
    ok(store.delete_organization(&org.id).await, "delete");
    assert_not_found(
        store.get_organization(&org.id).await,
        NotFound::Organization,
        "get deleted",
    );
    assert_not_found(
        store.get_organization_by_name(&name).await,
        NotFound::Organization,
        "get deleted by name",
    );
    assert_not_found(
        store.list_enabled_connections(&org.id, 0, 50).await,
        NotFound::Organization,
        "list deleted's connections",
    );
    assert_not_found(
        store.delete_organization(&org.id).await,
        NotFound::Organization,
        "delete twice",
    );
    ok(
        store.get_connection(&connection.id).await,
        "the connection itself stays",
    );
    // The name can be used again.
    create_org(store, new_org(&name)).await;
}

/// Five organizations made in an order that differs from their name and display-name orders,
/// with display-name ties and missing display names (which sort as '').
async fn sorting_fixture(store: &dyn Store) -> (String, Vec<Organization>) {
    let prefix = unique("sort");
    let specs = [
        ("c", Some("Beta")),
        ("a", None),
        ("e", Some("Alpha")),
        ("b", Some("Beta")),
        ("d", None),
    ];
    let mut made = Vec::new();
    for (suffix, display) in specs {
        let new = NewOrganization {
            display_name: display.map(str::to_owned),
            ..new_org(&format!("{prefix}-{suffix}"))
        };
        made.push(create_org(store, new).await);
    }
    (prefix, made)
}

/// The ids of `made` in the order `sort` must give: by the key, ties in creation order;
/// descending is the exact reverse.
fn expected_order(made: &[Organization], sort: Sort) -> Vec<OrgId> {
    let mut keyed: Vec<(String, usize, OrgId)> = made
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let key = match sort.field {
                SortField::CreatedAt => String::new(),
                SortField::Name => o.name.clone(),
                SortField::DisplayName => o.display_name.clone().unwrap_or_default(),
            };
            (key, i, o.id.clone())
        })
        .collect();
    keyed.sort();
    if !sort.ascending {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, _, id)| id).collect()
}

fn all_sorts() -> Vec<Sort> {
    [
        SortField::CreatedAt,
        SortField::Name,
        SortField::DisplayName,
    ]
    .into_iter()
    .flat_map(|field| [true, false].map(|ascending| Sort { field, ascending }))
    .collect()
}

fn ours(items: &[Organization], prefix: &str) -> Vec<OrgId> {
    items
        .iter()
        .filter(|o| o.name.starts_with(prefix))
        .map(|o| o.id.clone())
        .collect()
}

pub async fn organization_offset_listing_in_every_sort(store: &dyn Store) {
    let (prefix, made) = sorting_fixture(store).await;
    for sort in all_sorts() {
        let what = format!("offset listing sorted {sort:?}");
        let all = all_offset_pages(&what, 2, |page| store.list_organizations(sort, page)).await;
        assert_eq!(
            ours(&all, &prefix),
            expected_order(&made, sort),
            "{what}: order"
        );
        let mut ids: Vec<&OrgId> = all.iter().map(|o| &o.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "{what}: no organization twice");
        // A page is the slice at page * per_page.
        let third = ok(
            store
                .list_organizations(
                    sort,
                    PageRequest::Offset {
                        page: 1,
                        per_page: 3,
                    },
                )
                .await,
            &what,
        );
        let expected: Vec<&OrgId> = all.iter().skip(3).take(3).map(|o| &o.id).collect();
        assert_eq!(
            third.items.iter().map(|o| &o.id).collect::<Vec<_>>(),
            expected,
            "{what}: page 1 of 3"
        );
    }
    let past = PageRequest::Offset {
        page: 1_000_000,
        per_page: 50,
    };
    let listing = ok(
        store.list_organizations(Sort::default(), past).await,
        "a page past the end",
    );
    assert!(listing.items.is_empty(), "a page past the end is empty");
    assert!(
        listing.total >= made.len() as u64,
        "a page past the end still has the total"
    );
}

pub async fn organization_checkpoint_listing_in_every_sort(store: &dyn Store) {
    let (prefix, made) = sorting_fixture(store).await;
    for sort in all_sorts() {
        let what = format!("checkpoint listing sorted {sort:?}");
        let by_checkpoint =
            all_checkpoint_pages(&what, 2, |page| store.list_organizations(sort, page)).await;
        assert_eq!(
            ours(&by_checkpoint, &prefix),
            expected_order(&made, sort),
            "{what}: order"
        );
        let by_offset =
            all_offset_pages(&what, 50, |page| store.list_organizations(sort, page)).await;
        let ids = |v: &[Organization]| v.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&by_checkpoint),
            ids(&by_offset),
            "{what}: same order as offset paging"
        );
    }
    let bad = PageRequest::Checkpoint {
        from: Some("not a cursor".into()),
        take: 5,
    };
    assert_invalid(
        store.list_organizations(Sort::default(), bad).await,
        "Invalid from parameter",
        "bad from",
    );
}

pub async fn organization_search_by_name_or_display_name(store: &dyn Store) {
    let token = random_alphanumeric(10).to_lowercase();
    let with = |name: String, display: Option<String>| NewOrganization {
        display_name: display,
        ..new_org(&name)
    };
    let by_name = create_org(store, with(format!("{token}-alpha"), None)).await;
    let by_display = create_org(
        store,
        with(
            unique("search"),
            Some(format!("Big {} Co", token.to_uppercase())),
        ),
    )
    .await;
    let _unrelated = create_org(store, with(unique("search"), Some("Nothing".into()))).await;
    let literal = create_org(
        store,
        with(unique("search"), Some(format!("100%_{token}\\x"))),
    )
    .await;
    let lookalike = create_org(
        store,
        with(unique("search"), Some(format!("100ab{token}yx"))),
    )
    .await;
    let ids = |v: &[Organization]| v.iter().map(|o| o.id.clone()).collect::<Vec<_>>();
    let expected = ids(&[
        by_name.clone(),
        by_display.clone(),
        literal.clone(),
        lookalike.clone(),
    ]);

    for q in [token.clone(), token.to_uppercase()] {
        let what = format!("search {q}: offset pages");
        let found = all_offset_pages(&what, 3, |page| store.search_organizations(&q, page)).await;
        assert_eq!(ids(&found), expected, "{what}: matches in creation order");
        assert_eq!(found[0], by_name, "search returns whole organizations");
        let what = format!("search {q}: checkpoint pages");
        let found =
            all_checkpoint_pages(&what, 2, |page| store.search_organizations(&q, page)).await;
        assert_eq!(ids(&found), expected, "{what}: matches in creation order");
    }

    let only = |q: String, want: Vec<OrgId>| async move {
        let what = format!("search {q:?}");
        let found = all_offset_pages(&what, 50, |page| store.search_organizations(&q, page)).await;
        assert_eq!(ids(&found), want, "{what}");
    };
    only(format!("0%_{token}"), vec![literal.id.clone()]).await;
    only(format!("_{token}\\"), vec![literal.id.clone()]).await;
    only(format!("%{token}"), vec![]).await;
    only(format!("{token}-ALPHA"), vec![by_name.id.clone()]).await;
    only(format!("{token}-missing"), vec![]).await;

    let bad = PageRequest::Checkpoint {
        from: Some("not a cursor".into()),
        take: 5,
    };
    assert_invalid(
        store.search_organizations(&token, bad).await,
        "Invalid from parameter",
        "search with a bad from",
    );
}

pub async fn organization_create_with_connections(store: &dyn Store) {
    let enterprise = create_connection(store, "ad").await;
    let database = create_connection(store, "auth0").await;
    let new = NewOrganization {
        enabled_connections: vec![
            enable_new(
                &enterprise,
                SettingsPatch {
                    assign_membership_on_login: Some(true),
                    show_as_button: Some(false),
                    is_signup_enabled: None,
                },
            ),
            enable_new(&database, membership(true, true)),
        ],
        ..new_org(&unique("with-connections"))
    };
    let (org, enabled) = ok(
        store.create_organization(OrgId::generate(), new).await,
        "create with connections",
    );
    let expected = vec![
        EnabledConnection {
            connection_id: enterprise.id.clone(),
            settings: Settings {
                assign_membership_on_login: true,
                show_as_button: false,
                is_signup_enabled: false,
            },
            connection: crate::connection::ConnectionSummary {
                name: enterprise.name.clone(),
                strategy: "ad".into(),
            },
        },
        EnabledConnection {
            connection_id: database.id.clone(),
            settings: Settings {
                assign_membership_on_login: true,
                show_as_button: true,
                is_signup_enabled: true,
            },
            connection: crate::connection::ConnectionSummary {
                name: database.name.clone(),
                strategy: "auth0".into(),
            },
        },
    ];
    assert_eq!(
        enabled, expected,
        "create returns the enabled connections in the given order"
    );
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(
        listed,
        Listing {
            items: expected,
            total: 2,
            next: None
        },
        "they are stored in that order"
    );
}

pub async fn organization_create_is_all_or_nothing(store: &dyn Store) {
    let present = create_connection(store, "auth0").await;
    let missing = NewEnabledConnection {
        connection_id: ConnectionId::generate(),
        settings: SettingsPatch::default(),
    };

    let name = unique("atomic");
    let new = NewOrganization {
        enabled_connections: vec![enable_new(&present, SettingsPatch::default()), missing],
        ..new_org(&name)
    };
    let result = store.create_organization(OrgId::generate(), new).await;
    assert_not_found(
        result,
        NotFound::Connection,
        "create with a missing connection",
    );
    assert_not_found(
        store.get_organization_by_name(&name).await,
        NotFound::Organization,
        "no organization left behind",
    );

    let enterprise = create_connection(store, "okta").await;
    let new = NewOrganization {
        enabled_connections: vec![
            enable_new(&present, SettingsPatch::default()),
            enable_new(&enterprise, membership(true, true)),
        ],
        ..new_org(&name)
    };
    let result = store.create_organization(OrgId::generate(), new).await;
    assert_invalid(
        result,
        crate::enabled_connection::SIGNUP_RULE,
        "create breaking the sign-up rule",
    );
    assert_not_found(
        store.get_organization_by_name(&name).await,
        NotFound::Organization,
        "no organization left behind",
    );

    let mut too_many = Vec::new();
    for _ in 0..=MAX_PER_ORGANIZATION {
        too_many.push(enable_new(
            &create_connection(store, "auth0").await,
            SettingsPatch::default(),
        ));
    }
    let new = NewOrganization {
        enabled_connections: too_many,
        ..new_org(&name)
    };
    assert_limit(
        store.create_organization(OrgId::generate(), new).await,
        "create with 11 connections",
    );
    assert_not_found(
        store.get_organization_by_name(&name).await,
        NotFound::Organization,
        "no organization left behind",
    );

    // The name is still free, and the first connection was not enabled anywhere by mistake.
    let new = NewOrganization {
        enabled_connections: vec![enable_new(&present, SettingsPatch::default())],
        ..new_org(&name)
    };
    let (org, enabled) = ok(
        store.create_organization(OrgId::generate(), new).await,
        "create after failures",
    );
    assert_eq!(enabled.len(), 1);
    assert_eq!(
        ok(store.list_enabled_connections(&org.id, 0, 50).await, "list").total,
        1
    );
}

// ---------------------------------------------------------------------------------------------
// Connections

pub async fn connection_round_trip_and_update(store: &dyn Store) {
    let body = json!({
        "name": unique("Round-Trip"),
        "strategy": "auth0",
        "display_name": "Round trip",
        "options": {"requires_username": true, "custom": {"nested": [1, 2]}},
        "enabled_clients": ["b", "a"],
        "metadata": {"team": "identity"},
    });
    let connection =
        ok(NewConnection::from_json(&body), "body").into_connection(ConnectionId::generate());
    let created = ok(store.create_connection(connection.clone()).await, "create");
    assert_eq!(
        created, connection,
        "create returns the connection as given"
    );
    assert_eq!(
        ok(store.get_connection(&connection.id).await, "get"),
        connection,
        "stored as given"
    );

    let patch = ConnectionPatch {
        display_name: Some("Renamed".into()),
        options: Some(
            json!({"only": "this"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        ),
        show_as_button: Some(true),
        metadata: Some(None),
        authentication: Some(json!({"active": false})),
        ..Default::default()
    };
    let mut expected = connection.clone();
    ok(patch.clone().apply(&mut expected), "apply the patch");
    let updated = ok(
        store.update_connection(&connection.id, patch).await,
        "update",
    );
    assert_eq!(updated, expected, "update applies the patch");
    assert_eq!(updated.options.len(), 1, "options are replaced wholesale");
    assert_eq!(updated.metadata, None, "metadata removed");
    assert_eq!(
        updated.enabled_clients,
        vec!["a", "b"],
        "untouched fields are kept"
    );
    assert_eq!(
        ok(
            store.get_connection(&connection.id).await,
            "get after update"
        ),
        expected,
        "update is stored"
    );

    let missing = ConnectionId::generate();
    assert_not_found(
        store.get_connection(&missing).await,
        NotFound::Connection,
        "get missing",
    );
    let patch = ConnectionPatch {
        display_name: Some("x".into()),
        ..Default::default()
    };
    assert_not_found(
        store.update_connection(&missing, patch).await,
        NotFound::Connection,
        "update missing",
    );
}

pub async fn connection_names_are_unique(store: &dyn Store) {
    let first = create_connection(store, "auth0").await;
    let body = json!({"name": first.name, "strategy": "github"});
    let twin =
        ok(NewConnection::from_json(&body), "body").into_connection(ConnectionId::generate());
    assert_conflict(
        store.create_connection(twin.clone()).await,
        "connection_conflict",
        "create with a taken name",
    );
    assert_not_found(
        store.get_connection(&twin.id).await,
        NotFound::Connection,
        "the twin was not stored",
    );
}

pub async fn connection_listing_and_filters(store: &dyn Store) {
    let mut made = Vec::new();
    for strategy in ["okta", "samlp", "okta", "github", "samlp"] {
        made.push(create_connection(store, strategy).await);
    }
    let mine = |items: &[Connection]| -> Vec<ConnectionId> {
        items
            .iter()
            .filter(|c| made.iter().any(|m| m.id == c.id))
            .map(|c| c.id.clone())
            .collect()
    };
    let mut by_id: Vec<ConnectionId> = made.iter().map(|c| c.id.clone()).collect();
    by_id.sort();

    let everything = ConnectionFilter::default();
    let all = all_offset_pages("offset list", 2, |page| {
        store.list_connections(&everything, page)
    })
    .await;
    assert_eq!(mine(&all), by_id, "ordered by id");
    assert!(
        all.windows(2).all(|w| w[0].id < w[1].id),
        "the whole list is ordered by id"
    );
    let by_checkpoint = all_checkpoint_pages("checkpoint list", 2, |page| {
        store.list_connections(&everything, page)
    })
    .await;
    assert_eq!(
        by_checkpoint.iter().map(|c| &c.id).collect::<Vec<_>>(),
        all.iter().map(|c| &c.id).collect::<Vec<_>>(),
        "checkpoint paging gives the same list"
    );

    let by_name = ConnectionFilter {
        name: Some(made[3].name.clone()),
        strategies: Vec::new(),
    };
    let listing = ok(
        store
            .list_connections(&by_name, PageRequest::first(50))
            .await,
        "filter by name",
    );
    assert_eq!(
        listing,
        Listing {
            items: vec![made[3].clone()],
            total: 1,
            next: None
        },
        "filter by name"
    );

    let two = ConnectionFilter {
        name: None,
        strategies: vec!["okta".into(), "samlp".into()],
    };
    let filtered = all_offset_pages("filter by strategies", 3, |page| {
        store.list_connections(&two, page)
    })
    .await;
    assert!(
        filtered.iter().all(|c| two.matches(c)),
        "only the asked strategies"
    );
    let expected: Vec<ConnectionId> = by_id
        .iter()
        .filter(|id| **id != made[3].id)
        .cloned()
        .collect();
    assert_eq!(
        mine(&filtered),
        expected,
        "all of ours with those strategies, by id"
    );
    let filtered_cp = all_checkpoint_pages("filter by strategies, checkpoints", 1, |page| {
        store.list_connections(&two, page)
    })
    .await;
    assert_eq!(
        filtered_cp, filtered,
        "checkpoint paging applies the filter too"
    );

    let both = ConnectionFilter {
        name: Some(made[0].name.clone()),
        strategies: vec!["github".into()],
    };
    let listing = ok(
        store.list_connections(&both, PageRequest::first(50)).await,
        "name and other strategy",
    );
    assert_eq!(
        (listing.items.len(), listing.total),
        (0, 0),
        "filters combine with AND"
    );

    let bad = PageRequest::Checkpoint {
        from: Some("not a cursor".into()),
        take: 5,
    };
    assert_invalid(
        store.list_connections(&everything, bad).await,
        "Invalid from parameter",
        "bad from",
    );
}

pub async fn connection_delete_removes_it_from_organizations(store: &dyn Store) {
    let kept = create_connection(store, "auth0").await;
    let gone = create_connection(store, "auth0").await;
    let new = NewOrganization {
        enabled_connections: vec![
            enable_new(&gone, SettingsPatch::default()),
            enable_new(&kept, SettingsPatch::default()),
        ],
        ..new_org(&unique("conn-delete"))
    };
    let (org, _) = ok(
        store.create_organization(OrgId::generate(), new).await,
        "create",
    );

    let now = seconds(1_750_000_000);
    assert_eq!(
        ok(store.delete_connection(&gone.id, now).await, "delete"),
        Some(now),
        "delete returns when"
    );
    assert_not_found(
        store.get_connection(&gone.id).await,
        NotFound::Connection,
        "get deleted",
    );
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(listed.total, 1, "removed from the organization");
    assert_eq!(listed.items[0].connection_id, kept.id);
    let got = store.get_enabled_connection(&org.id, &gone.id).await;
    assert_not_found(
        got,
        NotFound::EnabledConnection,
        "deleted connection is not enabled",
    );
    assert_eq!(
        ok(store.delete_connection(&gone.id, now).await, "delete twice"),
        None,
        "second delete finds nothing"
    );
}

pub async fn connection_organizations_using(store: &dyn Store) {
    let used = create_connection(store, "auth0").await;
    let other = create_connection(store, "samlp").await;
    let unused = create_connection(store, "auth0").await;
    let first = create_org(store, new_org(&unique("using"))).await;
    let second = create_org(store, new_org(&unique("using"))).await;
    let third = create_org(store, new_org(&unique("using"))).await;
    // Enabled out of creation order; the list is in creation order all the same.
    for (org, c) in [(&third, &used), (&second, &other), (&first, &used)] {
        ok(
            store
                .enable_connection(&org.id, enable_new(c, SettingsPatch::default()))
                .await,
            "enable",
        );
    }
    let ids = |v: Vec<Organization>| v.into_iter().map(|o| o.id).collect::<Vec<_>>();
    let using = ok(store.organizations_using(&used.id, 50).await, "using");
    assert_eq!(
        ids(using),
        vec![first.id.clone(), third.id.clone()],
        "in creation order"
    );
    let using = ok(store.organizations_using(&used.id, 1).await, "using, 1");
    assert_eq!(ids(using), vec![first.id.clone()], "limit");
    let using = ok(store.organizations_using(&other.id, 50).await, "other");
    assert_eq!(ids(using), vec![second.id.clone()]);
    let using = ok(store.organizations_using(&unused.id, 50).await, "unused");
    assert!(using.is_empty(), "an unused connection is used by none");
    let using = ok(
        store
            .organizations_using(&ConnectionId::generate(), 50)
            .await,
        "missing",
    );
    assert!(using.is_empty(), "a missing connection is used by none");

    ok(store.delete_organization(&first.id).await, "delete org");
    let using = ok(
        store.organizations_using(&used.id, 50).await,
        "after delete",
    );
    assert_eq!(
        ids(using),
        vec![third.id.clone()],
        "deleted organization gone"
    );
}

// ---------------------------------------------------------------------------------------------
// Enabled connections

/// The guide's call may be answered from memory (a backend's read cache): each write that
/// changes it must show in the very next read, in every way it can change.
pub async fn enabled_connections_listing_sees_each_write_at_once(store: &dyn Store) {
    async fn listed(store: &dyn Store, org: &OrgId) -> Vec<(ConnectionId, bool)> {
        let all = ok(store.list_enabled_connections(org, 0, 50).await, "list");
        assert_eq!(all.total as usize, all.items.len());
        let ids = all.items.into_iter();
        ids.map(|e| (e.connection_id, e.settings.show_as_button))
            .collect()
    }
    let org = create_org(store, new_org(&unique("seen"))).await;
    let (a, b) = (
        create_connection(store, "samlp").await,
        create_connection(store, "auth0").await,
    );
    assert_eq!(listed(store, &org.id).await, vec![], "empty, read twice");
    assert_eq!(listed(store, &org.id).await, vec![]);
    for c in [&a, &b] {
        ok(
            store
                .enable_connection(&org.id, enable_new(c, SettingsPatch::default()))
                .await,
            "enable",
        );
    }
    let both = vec![(a.id.clone(), true), (b.id.clone(), true)];
    assert_eq!(listed(store, &org.id).await, both, "enable");
    assert_eq!(listed(store, &org.id).await, both, "read again");

    let patch = SettingsPatch {
        show_as_button: Some(false),
        ..Default::default()
    };
    ok(
        store.update_enabled_connection(&org.id, &a.id, patch).await,
        "update",
    );
    let want = vec![(a.id.clone(), false), (b.id.clone(), true)];
    assert_eq!(listed(store, &org.id).await, want, "update");

    ok(store.disable_connection(&org.id, &a.id).await, "disable");
    assert_eq!(
        listed(store, &org.id).await,
        vec![(b.id.clone(), true)],
        "disable"
    );

    let now = OffsetDateTime::now_utc();
    ok(
        store.delete_connection(&b.id, now).await,
        "delete connection",
    );
    assert_eq!(listed(store, &org.id).await, vec![], "connection deleted");

    ok(
        store.delete_organization(&org.id).await,
        "delete organization",
    );
    assert_not_found(
        store.list_enabled_connections(&org.id, 0, 50).await,
        NotFound::Organization,
        "organization deleted",
    );
}

pub async fn enabled_connections_order_and_totals(store: &dyn Store) {
    let org = create_org(store, new_org(&unique("enabled"))).await;
    let empty = ok(
        store.list_enabled_connections(&org.id, 0, 50).await,
        "empty list",
    );
    assert_eq!(
        empty,
        Listing {
            items: Vec::new(),
            total: 0,
            next: None
        }
    );

    // Enabled in an order unrelated to their ids.
    let mut connections = Vec::new();
    for strategy in ["samlp", "auth0", "google-oauth2", "auth0"] {
        connections.push(create_connection(store, strategy).await);
    }
    let mut enabled = Vec::new();
    for c in &connections {
        enabled.push(ok(
            store
                .enable_connection(&org.id, enable_new(c, SettingsPatch::default()))
                .await,
            "enable",
        ));
    }
    for (e, c) in enabled.iter().zip(&connections) {
        assert_eq!(e.connection_id, c.id);
        assert_eq!(e.settings, Settings::default(), "defaults");
        assert_eq!(
            (e.connection.name.as_str(), e.connection.strategy.as_str()),
            (c.name.as_str(), c.strategy.as_str())
        );
        assert_eq!(
            &ok(store.get_enabled_connection(&org.id, &c.id).await, "get"),
            e,
            "get returns it"
        );
    }

    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(
        listed,
        Listing {
            items: enabled.clone(),
            total: 4,
            next: None
        },
        "in the order enabled"
    );
    let page = ok(
        store.list_enabled_connections(&org.id, 1, 3).await,
        "second page",
    );
    assert_eq!(
        page,
        Listing {
            items: enabled[3..].to_vec(),
            total: 4,
            next: None
        },
        "page 1 of 3"
    );
    let past = ok(
        store.list_enabled_connections(&org.id, 5, 3).await,
        "past the end",
    );
    assert_eq!((past.items.len(), past.total), (0, 4), "past the end");

    let again = store
        .enable_connection(
            &org.id,
            enable_new(&connections[0], membership(true, false)),
        )
        .await;
    assert_conflict(again, "organization_connection_conflict", "enable twice");
    assert_eq!(
        ok(
            store
                .get_enabled_connection(&org.id, &connections[0].id)
                .await,
            "get"
        )
        .settings,
        Settings::default(),
        "the conflict changed nothing"
    );

    let patch = SettingsPatch {
        show_as_button: Some(false),
        ..Default::default()
    };
    let updated = ok(
        store
            .update_enabled_connection(&org.id, &connections[0].id, patch)
            .await,
        "update",
    );
    assert_eq!(
        updated.settings,
        Settings {
            show_as_button: false,
            ..Settings::default()
        }
    );
    assert_eq!(
        updated.connection, enabled[0].connection,
        "update keeps the summary"
    );

    ok(
        store.disable_connection(&org.id, &connections[1].id).await,
        "disable",
    );
    let got = store
        .get_enabled_connection(&org.id, &connections[1].id)
        .await;
    assert_not_found(got, NotFound::EnabledConnection, "get disabled");
    let listed = ok(
        store.list_enabled_connections(&org.id, 0, 50).await,
        "list after disable",
    );
    let ids: Vec<&ConnectionId> = listed.items.iter().map(|e| &e.connection_id).collect();
    assert_eq!(
        ids,
        vec![&connections[0].id, &connections[2].id, &connections[3].id],
        "order kept"
    );
    assert_eq!(listed.total, 3);
    assert_eq!(listed.items[0], updated, "the update is stored");

    // Enabled again, it goes last.
    ok(
        store
            .enable_connection(
                &org.id,
                enable_new(&connections[1], SettingsPatch::default()),
            )
            .await,
        "re-enable",
    );
    let listed = ok(
        store.list_enabled_connections(&org.id, 0, 50).await,
        "list after re-enable",
    );
    assert_eq!(
        listed.items.last().map(|e| &e.connection_id),
        Some(&connections[1].id),
        "re-enabled goes last"
    );
}

pub async fn enabled_connection_not_found_cases(store: &dyn Store) {
    let org = create_org(store, new_org(&unique("not-found"))).await;
    let connection = create_connection(store, "auth0").await;
    let missing_org = OrgId::generate();
    let missing_connection = ConnectionId::generate();
    let patch = SettingsPatch::default();

    assert_not_found(
        store.list_enabled_connections(&missing_org, 0, 50).await,
        NotFound::Organization,
        "list, org missing",
    );
    assert_not_found(
        store
            .get_enabled_connection(&missing_org, &connection.id)
            .await,
        NotFound::Organization,
        "get, org missing",
    );
    let enable = store
        .enable_connection(&missing_org, enable_new(&connection, patch))
        .await;
    assert_not_found(enable, NotFound::Organization, "enable, org missing");
    let update = store
        .update_enabled_connection(&missing_org, &connection.id, patch)
        .await;
    assert_not_found(update, NotFound::Organization, "update, org missing");
    assert_not_found(
        store.disable_connection(&missing_org, &connection.id).await,
        NotFound::Organization,
        "disable, org missing",
    );

    let enable = store
        .enable_connection(
            &org.id,
            NewEnabledConnection {
                connection_id: missing_connection.clone(),
                settings: patch,
            },
        )
        .await;
    assert_not_found(enable, NotFound::Connection, "enable, connection missing");

    assert_not_found(
        store.get_enabled_connection(&org.id, &connection.id).await,
        NotFound::EnabledConnection,
        "get, not enabled",
    );
    let update = store
        .update_enabled_connection(&org.id, &connection.id, patch)
        .await;
    assert_not_found(update, NotFound::EnabledConnection, "update, not enabled");
    assert_not_found(
        store.disable_connection(&org.id, &connection.id).await,
        NotFound::EnabledConnection,
        "disable, not enabled",
    );
    let get = store
        .get_enabled_connection(&org.id, &missing_connection)
        .await;
    assert_not_found(get, NotFound::EnabledConnection, "get, connection missing");
}

pub async fn enabled_connection_signup_rule_on_merged_settings(store: &dyn Store) {
    let org = create_org(store, new_org(&unique("signup"))).await;
    let database = create_connection(store, "auth0").await;
    let enterprise = create_connection(store, "okta").await;
    let rule = crate::enabled_connection::SIGNUP_RULE;

    let refused = store
        .enable_connection(&org.id, enable_new(&database, membership(false, true)))
        .await;
    assert_invalid(refused, rule, "sign-up without membership");
    let refused = store
        .enable_connection(&org.id, enable_new(&enterprise, membership(true, true)))
        .await;
    assert_invalid(refused, rule, "sign-up on a non-database connection");
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(listed.total, 0, "refused connections were not enabled");

    let on = ok(
        store
            .enable_connection(&org.id, enable_new(&database, membership(true, true)))
            .await,
        "enable with sign-up",
    );
    assert_eq!(
        on.settings,
        Settings {
            assign_membership_on_login: true,
            show_as_button: true,
            is_signup_enabled: true
        }
    );
    let other = ok(
        store
            .enable_connection(&org.id, enable_new(&enterprise, membership(true, false)))
            .await,
        "enable enterprise",
    );
    assert!(
        !other.settings.is_signup_enabled,
        "non-database connections store sign-up off"
    );

    // Membership off while sign-up stays on (from the stored settings): refused.
    let patch = SettingsPatch {
        assign_membership_on_login: Some(false),
        ..Default::default()
    };
    let refused = store
        .update_enabled_connection(&org.id, &database.id, patch)
        .await;
    assert_invalid(refused, rule, "merged settings break the rule");
    assert_eq!(
        ok(
            store.get_enabled_connection(&org.id, &database.id).await,
            "get"
        )
        .settings,
        on.settings,
        "unchanged"
    );

    // Sign-up on for the enterprise connection, whose membership is on: still refused.
    let patch = SettingsPatch {
        is_signup_enabled: Some(true),
        ..Default::default()
    };
    assert_invalid(
        store
            .update_enabled_connection(&org.id, &enterprise.id, patch)
            .await,
        rule,
        "sign-up on enterprise",
    );

    let both_off = ok(
        store
            .update_enabled_connection(&org.id, &database.id, membership(false, false))
            .await,
        "both off",
    );
    assert_eq!(
        both_off.settings,
        Settings {
            assign_membership_on_login: false,
            show_as_button: true,
            is_signup_enabled: false
        }
    );
    // Sign-up alone, with membership off in the stored settings: refused.
    let patch = SettingsPatch {
        is_signup_enabled: Some(true),
        ..Default::default()
    };
    assert_invalid(
        store
            .update_enabled_connection(&org.id, &database.id, patch)
            .await,
        rule,
        "sign-up without stored membership",
    );
    // Membership on in the stored settings, then sign-up alone: accepted.
    let patch = SettingsPatch {
        assign_membership_on_login: Some(true),
        ..Default::default()
    };
    ok(
        store
            .update_enabled_connection(&org.id, &database.id, patch)
            .await,
        "membership on",
    );
    let patch = SettingsPatch {
        is_signup_enabled: Some(true),
        ..Default::default()
    };
    let merged = ok(
        store
            .update_enabled_connection(&org.id, &database.id, patch)
            .await,
        "sign-up on",
    );
    assert_eq!(
        merged.settings, on.settings,
        "merged with the stored settings"
    );
    assert_eq!(
        ok(
            store.get_enabled_connection(&org.id, &database.id).await,
            "get"
        )
        .settings,
        on.settings,
        "stored"
    );
}

pub async fn enabled_connection_limit(store: &dyn Store) {
    let org = create_org(store, new_org(&unique("limit"))).await;
    let mut connections = Vec::new();
    for _ in 0..=MAX_PER_ORGANIZATION {
        connections.push(create_connection(store, "auth0").await);
    }
    for c in &connections[..MAX_PER_ORGANIZATION] {
        ok(
            store
                .enable_connection(&org.id, enable_new(c, SettingsPatch::default()))
                .await,
            "enable up to the limit",
        );
    }
    let eleventh = &connections[MAX_PER_ORGANIZATION];
    assert_limit(
        store
            .enable_connection(&org.id, enable_new(eleventh, SettingsPatch::default()))
            .await,
        "the 11th",
    );
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(
        listed.total, MAX_PER_ORGANIZATION as u64,
        "still at the limit"
    );
    // Already enabled is a conflict even at the limit.
    let again = store
        .enable_connection(
            &org.id,
            enable_new(&connections[0], SettingsPatch::default()),
        )
        .await;
    assert_conflict(
        again,
        "organization_connection_conflict",
        "enable twice at the limit",
    );

    ok(
        store.disable_connection(&org.id, &connections[0].id).await,
        "disable one",
    );
    ok(
        store
            .enable_connection(&org.id, enable_new(eleventh, SettingsPatch::default()))
            .await,
        "room again",
    );
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(listed.total, MAX_PER_ORGANIZATION as u64);
}

// ---------------------------------------------------------------------------------------------
// Clients and grants

pub async fn client_round_trip_update_and_listing(store: &dyn Store) {
    let prefix = unique("client");
    let (client, secret) = NewClient::machine(&format!("{prefix}-1")).into_client();
    let created = ok(store.create_client(client.clone()).await, "create");
    assert_eq!(created, client, "create returns the client as given");
    let got = ok(store.get_client(&client.client_id).await, "get");
    assert_eq!(got, client, "stored as given");
    assert!(
        got.verify_secret(&secret),
        "the stored hash verifies the secret"
    );

    let second = create_client(store, &format!("{prefix}-2")).await;
    let third = create_client(store, &format!("{prefix}-3")).await;
    let ours = |items: &[Client]| -> Vec<ClientId> {
        items
            .iter()
            .filter(|c| c.name.starts_with(&prefix))
            .map(|c| c.client_id.clone())
            .collect()
    };
    let in_creation_order = vec![
        client.client_id.clone(),
        second.client_id.clone(),
        third.client_id.clone(),
    ];
    let by_offset = all_offset_pages("list clients", 2, |page| store.list_clients(page)).await;
    assert_eq!(ours(&by_offset), in_creation_order, "in creation order");
    let by_checkpoint = all_checkpoint_pages("list clients, checkpoints", 2, |page| {
        store.list_clients(page)
    })
    .await;
    assert_eq!(
        by_checkpoint, by_offset,
        "checkpoint paging gives the same list"
    );
    let bad = PageRequest::Checkpoint {
        from: Some("not a cursor".into()),
        take: 5,
    };
    assert_invalid(
        store.list_clients(bad).await,
        "Invalid from parameter",
        "bad from",
    );

    let mut attributes = Map::new();
    attributes.insert("description".into(), json!("updated"));
    attributes.insert(
        "grant_types".into(),
        json!(["client_credentials", "refresh_token"]),
    );
    let patch = ClientPatch {
        name: Some(format!("{prefix}-renamed")),
        attributes,
        client_secret: Some("a new secret".into()),
    };
    let updated = ok(
        store.update_client(&client.client_id, patch).await,
        "update",
    );
    assert_eq!(updated.name, format!("{prefix}-renamed"));
    assert_eq!(
        updated.attributes["description"],
        json!("updated"),
        "attribute added"
    );
    assert_eq!(
        updated.attributes["app_type"],
        json!("non_interactive"),
        "other attributes kept"
    );
    assert_eq!(
        updated.attributes["grant_types"],
        json!(["client_credentials", "refresh_token"]),
        "attribute replaced"
    );
    let got = ok(
        store.get_client(&client.client_id).await,
        "get after update",
    );
    assert_eq!(got, updated, "update is stored");
    assert!(
        got.verify_secret("a new secret") && !got.verify_secret(&secret),
        "the secret was replaced"
    );

    let missing = ClientId::generate();
    assert_not_found(
        store.get_client(&missing).await,
        NotFound::Client,
        "get missing",
    );
    assert_not_found(
        store.update_client(&missing, ClientPatch::default()).await,
        NotFound::Client,
        "update missing",
    );
    assert_not_found(
        store.delete_client(&missing).await,
        NotFound::Client,
        "delete missing",
    );
}

pub async fn client_delete_removes_its_grants(store: &dyn Store) {
    let client = create_client(store, &unique("doomed")).await;
    let other = create_client(store, &unique("survivor")).await;
    let audience = format!("https://{}.example.com/", unique("api"));
    let grant = ok(
        store
            .create_grant(new_grant(&client.client_id, &audience, &["read:a"]))
            .await,
        "grant",
    );
    let kept = ok(
        store
            .create_grant(new_grant(&other.client_id, &audience, &["read:a"]))
            .await,
        "other grant",
    );

    ok(store.delete_client(&client.client_id).await, "delete");
    assert_not_found(
        store.get_client(&client.client_id).await,
        NotFound::Client,
        "get deleted",
    );
    assert_not_found(
        store.get_grant(&grant.id).await,
        NotFound::ClientGrant,
        "its grant is gone",
    );
    assert_eq!(
        ok(store.find_grant(&client.client_id, &audience).await, "find"),
        None,
        "its grant is gone"
    );
    let filter = GrantFilter {
        client_id: Some(client.client_id.to_string()),
        audience: None,
        ..GrantFilter::default()
    };
    let listed = ok(
        store.list_grants(&filter, PageRequest::first(50)).await,
        "list its grants",
    );
    assert_eq!(
        (listed.items.len(), listed.total),
        (0, 0),
        "no grants listed for it"
    );
    assert_eq!(
        ok(store.get_grant(&kept.id).await, "other client's grant"),
        kept,
        "other grants stay"
    );
    assert_not_found(
        store.delete_client(&client.client_id).await,
        NotFound::Client,
        "delete twice",
    );
}

fn new_resource_server(identifier: &str) -> ResourceServer {
    let body = json!({
        "identifier": identifier,
        "scopes": [{"value": "read:things", "description": "Read things"}],
        "token_lifetime": 600,
        "subject_type_authorization": {"user": {"policy": "allow_all"}}
    });
    ResourceServer::from(
        <orgwarden_proto::resource_servers::CreateResourceServer as orgwarden_proto::Request>::parse(
            &body,
        )
        .expect("a valid body"),
    )
}

pub async fn resource_server_round_trip_update_and_listing(store: &dyn Store) {
    let identifier = format!("https://{}.example.com/", unique("api"));
    let made = new_resource_server(&identifier);
    let created = ok(store.create_resource_server(made.clone()).await, "create");
    assert_eq!(created, made, "create answers what it stored");
    assert_eq!(
        ok(
            store.get_resource_server(made.id.as_str()).await,
            "get by id"
        ),
        made,
        "round trip by id"
    );
    assert_eq!(
        ok(
            store.get_resource_server(&identifier).await,
            "get by identifier"
        ),
        made,
        "round trip by identifier"
    );
    assert_conflict(
        store
            .create_resource_server(new_resource_server(&identifier))
            .await,
        "resource_server_conflict",
        "identifier taken",
    );
    assert_not_found(
        store
            .get_resource_server("https://nowhere.example.com/")
            .await,
        NotFound::ResourceServer,
        "get missing",
    );

    let patch = ResourceServerPatch {
        name: Some("Renamed".into()),
        fields: orgwarden_proto::resource_servers::ResourceServerFields {
            token_lifetime: Some(60),
            ..Default::default()
        },
    };
    let updated = ok(
        store.update_resource_server(&made.id, patch).await,
        "update",
    );
    assert_eq!(
        (updated.name.as_str(), updated.settings.token_lifetime),
        ("Renamed", 60),
        "update replaces what it names"
    );
    assert_eq!(
        updated.settings.scopes, made.settings.scopes,
        "update keeps the rest"
    );
    assert_eq!(
        ok(
            store.get_resource_server(made.id.as_str()).await,
            "get updated"
        ),
        updated,
        "update is stored"
    );
    assert_not_found(
        store
            .update_resource_server(
                &crate::resource_server::ResourceServerId::generate(),
                ResourceServerPatch::default(),
            )
            .await,
        NotFound::ResourceServer,
        "update missing",
    );

    let second = ok(
        store
            .create_resource_server(new_resource_server(&format!("{identifier}second")))
            .await,
        "create second",
    );
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = ok(store.list_resource_servers(offset, 1).await, "list");
        assert!(page.total >= 2, "the total counts both");
        if page.items.is_empty() {
            break;
        }
        offset += 1;
        all.extend(page.items);
    }
    let ours: Vec<_> = all
        .into_iter()
        .filter(|r| r.id == made.id || r.id == second.id)
        .map(|r| r.id)
        .collect();
    assert_eq!(
        ours,
        vec![made.id.clone(), second.id],
        "listed in creation order"
    );
}

pub async fn resource_server_delete_removes_its_grants(store: &dyn Store) {
    let identifier = format!("https://{}.example.com/", unique("api"));
    let rs = ok(
        store
            .create_resource_server(new_resource_server(&identifier))
            .await,
        "create",
    );
    let client = create_client(store, &unique("granted")).await;
    let grant = ok(
        store
            .create_grant(new_grant(&client.client_id, &identifier, &["read:things"]))
            .await,
        "grant on it",
    );
    let other = format!("https://{}.example.com/", unique("other"));
    let kept = ok(
        store
            .create_grant(new_grant(&client.client_id, &other, &["read:a"]))
            .await,
        "grant elsewhere",
    );

    assert!(ok(store.delete_resource_server(&rs.id).await, "delete"));
    assert_not_found(
        store.get_resource_server(&identifier).await,
        NotFound::ResourceServer,
        "get deleted",
    );
    assert_not_found(
        store.get_grant(&grant.id).await,
        NotFound::ClientGrant,
        "its grant is gone",
    );
    assert_eq!(
        ok(store.get_grant(&kept.id).await, "other grant"),
        kept,
        "other grants stay"
    );
    assert!(
        !ok(store.delete_resource_server(&rs.id).await, "delete twice"),
        "nothing to delete the second time"
    );
}

pub async fn grants_unique_per_audience_and_filters(store: &dyn Store) {
    let client = create_client(store, &unique("granted")).await;
    let other = create_client(store, &unique("also-granted")).await;
    let api = |n: u32| {
        format!(
            "https://{n}.{}.example.com/",
            random_alphanumeric(10).to_lowercase()
        )
    };
    let (a, b, c) = (api(1), api(2), api(3));

    let mut first = new_grant(&client.client_id, &a, &["read:things", "write:things"]);
    first
        .attributes
        .insert("organization_usage".into(), json!("allow"));
    assert_eq!(
        ok(store.create_grant(first.clone()).await, "create"),
        first,
        "create returns the grant"
    );
    assert_eq!(
        ok(store.get_grant(&first.id).await, "get"),
        first,
        "stored as given"
    );
    let twin = new_grant(&client.client_id, &a, &["read:things"]);
    assert_conflict(
        store.create_grant(twin.clone()).await,
        "client_grant_conflict",
        "second grant for an audience",
    );
    assert_not_found(
        store.get_grant(&twin.id).await,
        NotFound::ClientGrant,
        "the twin was not stored",
    );
    let orphan = new_grant(&ClientId::generate(), &a, &[]);
    assert_not_found(
        store.create_grant(orphan).await,
        NotFound::Client,
        "grant for a missing client",
    );

    let second = ok(
        store
            .create_grant(new_grant(&client.client_id, &b, &["read:b"]))
            .await,
        "another audience",
    );
    let third = ok(
        store
            .create_grant(new_grant(&client.client_id, &c, &[]))
            .await,
        "a third audience",
    );
    let elsewhere = ok(
        store
            .create_grant(new_grant(&other.client_id, &a, &["read:things"]))
            .await,
        "same audience, other client",
    );

    assert_eq!(
        ok(store.find_grant(&client.client_id, &a).await, "find"),
        Some(first.clone())
    );
    assert_eq!(
        ok(store.find_grant(&other.client_id, &b).await, "find none"),
        None
    );

    let by_client = GrantFilter {
        client_id: Some(client.client_id.to_string()),
        audience: None,
        ..GrantFilter::default()
    };
    let listed = all_offset_pages("grants of a client", 2, |page| {
        store.list_grants(&by_client, page)
    })
    .await;
    let mut expected = vec![first.clone(), second.clone(), third.clone()];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(listed, expected, "a client's grants, ordered by id");
    let by_checkpoint = all_checkpoint_pages("grants of a client, checkpoints", 1, |page| {
        store.list_grants(&by_client, page)
    })
    .await;
    assert_eq!(
        by_checkpoint, expected,
        "checkpoint paging gives the same list"
    );

    let by_audience = GrantFilter {
        client_id: None,
        audience: Some(a.clone()),
        ..GrantFilter::default()
    };
    let listed = ok(
        store
            .list_grants(&by_audience, PageRequest::first(50))
            .await,
        "grants for an audience",
    );
    let mut expected = vec![first.clone(), elsewhere.clone()];
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(
        listed,
        Listing {
            items: expected,
            total: 2,
            next: None
        },
        "grants for an audience"
    );
    let both = GrantFilter {
        client_id: Some(other.client_id.to_string()),
        audience: Some(a.clone()),
        ..GrantFilter::default()
    };
    let listed = ok(
        store.list_grants(&both, PageRequest::first(50)).await,
        "both filters",
    );
    assert_eq!(listed.items, vec![elsewhere], "filters combine with AND");
    let bad = PageRequest::Checkpoint {
        from: Some("not a cursor".into()),
        take: 5,
    };
    assert_invalid(
        store.list_grants(&by_client, bad).await,
        "Invalid from parameter",
        "bad from",
    );

    let mut attributes = Map::new();
    attributes.insert("subject_type".into(), json!("client"));
    let patch = ClientGrantPatch {
        scope: Some(vec!["read:things".into()]),
        attributes,
    };
    let updated = ok(store.update_grant(&first.id, patch).await, "update");
    assert_eq!(updated.scope, vec!["read:things"], "scope replaced");
    assert_eq!(
        updated.attributes["organization_usage"],
        json!("allow"),
        "attributes kept"
    );
    assert_eq!(
        updated.attributes["subject_type"],
        json!("client"),
        "attribute added"
    );
    assert_eq!(
        (updated.audience.as_str(), &updated.client_id),
        (a.as_str(), &client.client_id),
        "audience and client kept"
    );
    assert_eq!(
        ok(store.get_grant(&first.id).await, "get after update"),
        updated,
        "update is stored"
    );

    ok(store.delete_grant(&second.id).await, "delete");
    assert_not_found(
        store.get_grant(&second.id).await,
        NotFound::ClientGrant,
        "get deleted",
    );
    assert_not_found(
        store.delete_grant(&second.id).await,
        NotFound::ClientGrant,
        "delete twice",
    );
    let missing = GrantId::generate();
    assert_not_found(
        store
            .update_grant(&missing, ClientGrantPatch::default())
            .await,
        NotFound::ClientGrant,
        "update missing",
    );
    // The audience is free again.
    ok(
        store
            .create_grant(new_grant(&client.client_id, &b, &[]))
            .await,
        "grant again after delete",
    );
}

// ---------------------------------------------------------------------------------------------
// Signing keys

fn key(created: i64, current: bool) -> SigningKey {
    SigningKey {
        kid: random_alphanumeric(16),
        private_key: random_alphanumeric(64).into_bytes(),
        created_at: seconds(created),
        current,
        rotated_at: None,
        revoked_at: None,
    }
}

pub async fn signing_key_rotation(store: &dyn Store) {
    let find = |keys: &[SigningKey], kid: &str| -> SigningKey {
        keys.iter()
            .find(|k| k.kid == kid)
            .cloned()
            .unwrap_or_else(|| panic!("key {kid} is listed"))
    };
    let position = |keys: &[SigningKey], kid: &str| keys.iter().position(|k| k.kid == kid);

    let first = key(1_700_000_000, true);
    ok(
        store
            .add_signing_key(first.clone(), seconds(1_700_000_000))
            .await,
        "add the first key",
    );
    let keys = ok(store.signing_keys().await, "keys");
    assert_eq!(
        keys.first(),
        Some(&first),
        "the current key comes first, stored as given"
    );
    assert_eq!(
        keys.iter().filter(|k| k.current).count(),
        1,
        "exactly one current key"
    );

    let second = key(1_700_000_100, true);
    let rotated_at = seconds(1_700_000_200);
    ok(
        store.add_signing_key(second.clone(), rotated_at).await,
        "rotate",
    );
    let keys = ok(store.signing_keys().await, "keys after rotation");
    assert_eq!(
        keys.first(),
        Some(&second),
        "the new key is current and first"
    );
    let old = find(&keys, &first.kid);
    assert!(!old.current, "the previous key is no longer current");
    assert_eq!(
        old.rotated_at,
        Some(rotated_at),
        "the previous key is rotated out at the rotation"
    );
    assert_eq!(old.revoked_at, None, "rotating out is not revoking");
    assert_eq!(
        (old.private_key, old.created_at),
        (first.private_key.clone(), first.created_at),
        "and otherwise kept"
    );
    assert_eq!(
        keys.iter().filter(|k| k.current).count(),
        1,
        "exactly one current key"
    );

    let standby = key(1_700_000_300, false);
    ok(
        store
            .add_signing_key(standby.clone(), seconds(1_700_000_300))
            .await,
        "add a key that is not current",
    );
    let keys = ok(store.signing_keys().await, "keys after standby");
    assert_eq!(
        keys.first(),
        Some(&second),
        "a non-current key does not replace the current one"
    );
    assert_eq!(
        find(&keys, &standby.kid),
        standby,
        "stored as given, not revoked"
    );
    assert!(
        position(&keys, &standby.kid) < position(&keys, &first.kid),
        "after the current key, newest first"
    );
    assert_eq!(
        keys.iter().filter(|k| k.current).count(),
        1,
        "exactly one current key"
    );
}

/// A rotation to a fresh current key: returns (the rotated-out key, the new current key).
async fn rotated_pair(store: &dyn Store, at: i64) -> (SigningKey, SigningKey) {
    let old = key(at, true);
    ok(
        store.add_signing_key(old.clone(), seconds(at)).await,
        "add a key",
    );
    let new = key(at + 10, true);
    ok(
        store.add_signing_key(new.clone(), seconds(at + 20)).await,
        "rotate",
    );
    (old, new)
}

pub async fn signing_key_revocation(store: &dyn Store) {
    let (old, current) = rotated_pair(store, 1_700_001_000).await;
    let revoked_at = seconds(1_700_001_100);
    let expected = SigningKey {
        current: false,
        rotated_at: Some(seconds(1_700_001_020)),
        revoked_at: Some(revoked_at),
        ..old.clone()
    };
    assert_eq!(
        ok(
            store.revoke_signing_key(&old.kid, revoked_at).await,
            "revoke"
        ),
        Revocation::Revoked(expected.clone()),
        "a rotated-out key is revoked at the time given, and handed back as stored"
    );
    let keys = ok(store.signing_keys().await, "keys after revocation");
    assert_eq!(
        keys.iter().find(|k| k.kid == old.kid),
        Some(&expected),
        "the revoked key stays listed, revoked, its rotation time kept"
    );
    assert_eq!(keys.first(), Some(&current), "the current key is untouched");

    assert_eq!(
        ok(
            store
                .revoke_signing_key(&old.kid, seconds(1_700_001_200))
                .await,
            "revoke again"
        ),
        Revocation::AlreadyRevoked(expected.clone()),
        "revoking twice keeps the first revocation time"
    );

    assert_eq!(
        ok(
            store
                .revoke_signing_key(&current.kid, seconds(1_700_001_300))
                .await,
            "revoke the current key"
        ),
        Revocation::Current,
        "the current key is not revoked"
    );
    let keys = ok(store.signing_keys().await, "keys after refusing");
    assert_eq!(keys.first(), Some(&current), "and stays current, unrevoked");

    let standby = key(1_700_001_400, false);
    ok(
        store
            .add_signing_key(standby.clone(), seconds(1_700_001_400))
            .await,
        "add a key that was never current",
    );
    match ok(
        store
            .revoke_signing_key(&standby.kid, seconds(1_700_001_500))
            .await,
        "revoke a key never current",
    ) {
        Revocation::Revoked(k) => assert_eq!(
            (k.rotated_at, k.revoked_at),
            (None, Some(seconds(1_700_001_500))),
            "a key never current is revoked without a rotation time"
        ),
        other => panic!("revoke a key never current: expected Revoked, got {other:?}"),
    }

    assert_not_found(
        store
            .revoke_signing_key(&random_alphanumeric(16), seconds(1_700_001_600))
            .await,
        NotFound::SigningKey,
        "revoke an unknown key",
    );
}

pub async fn signing_key_private_key_replacement(store: &dyn Store) {
    let (old, current) = rotated_pair(store, 1_700_002_000).await;
    let sealed = random_alphanumeric(80).into_bytes();
    assert!(
        ok(
            store
                .replace_private_key(&old.kid, &old.private_key, sealed.clone())
                .await,
            "replace"
        ),
        "the private key is replaced when it still is the old one"
    );
    assert!(
        !ok(
            store
                .replace_private_key(&old.kid, &old.private_key, b"other".to_vec())
                .await,
            "replace from stale bytes"
        ),
        "and not when it changed meanwhile"
    );
    assert!(
        !ok(
            store
                .replace_private_key(&random_alphanumeric(16), b"x", b"y".to_vec())
                .await,
            "replace an unknown key"
        ),
        "nor when there is no such key"
    );
    let keys = ok(store.signing_keys().await, "keys after replacement");
    let stored = keys
        .iter()
        .find(|k| k.kid == old.kid)
        .expect("the key is listed");
    assert_eq!(
        stored,
        &SigningKey {
            private_key: sealed,
            current: false,
            rotated_at: Some(seconds(1_700_002_020)),
            ..old
        },
        "only the private key changed, byte for byte"
    );
    assert_eq!(keys.first(), Some(&current), "other keys are untouched");
}

// ---------------------------------------------------------------------------------------------
// Concurrency

pub async fn concurrent_enables_respect_the_limit(store: DynStore) {
    let org = create_org(&*store, new_org(&unique("race-limit"))).await;
    let mut connections = Vec::new();
    for _ in 0..MAX_PER_ORGANIZATION + 2 {
        connections.push(create_connection(&*store, "auth0").await);
    }
    let tasks: Vec<_> = connections
        .iter()
        .map(|c| {
            let (store, org, new) = (
                store.clone(),
                org.id.clone(),
                enable_new(c, SettingsPatch::default()),
            );
            tokio::spawn(async move { store.enable_connection(&org, new).await })
        })
        .collect();
    let mut enabled = 0;
    for task in tasks {
        match task.await.expect("an enable task panicked") {
            Ok(_) => enabled += 1,
            Err(Error::LimitReached(_)) => {}
            Err(e) => panic!("concurrent enable: expected success or LimitReached, got {e:?}"),
        }
    }
    assert_eq!(
        enabled, MAX_PER_ORGANIZATION,
        "exactly the limit succeeds under concurrency"
    );
    let listed = ok(store.list_enabled_connections(&org.id, 0, 50).await, "list");
    assert_eq!(
        listed.total, MAX_PER_ORGANIZATION as u64,
        "exactly the limit is stored"
    );
}

pub async fn concurrent_creates_of_one_name(store: DynStore) {
    for _ in 0..5 {
        let name = unique("race-name");
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (store, new) = (store.clone(), new_org(&name));
                tokio::spawn(async move { store.create_organization(OrgId::generate(), new).await })
            })
            .collect();
        let mut created = Vec::new();
        for task in tasks {
            match task.await.expect("a create task panicked") {
                Ok((org, _)) => created.push(org),
                Err(Error::Conflict {
                    code: "organization_conflict",
                    ..
                }) => {}
                Err(e) => panic!("concurrent create: expected success or Conflict, got {e:?}"),
            }
        }
        assert_eq!(
            created.len(),
            1,
            "exactly one of two concurrent creates of {name} succeeds"
        );
        assert_eq!(
            ok(store.get_organization_by_name(&name).await, "get").id,
            created[0].id,
            "and it is the stored one"
        );
    }
}

pub async fn organization_settings_round_trip(store: &dyn Store) {
    let settings = json!({
        "third_party_client_access": "allow",
        "token_quota": {"client_credentials": {"per_day": 100, "enforce": true}},
    });
    let new = NewOrganization {
        attributes: settings.as_object().cloned().unwrap(),
        ..new_org("settings-org")
    };
    let created = create_org(store, new).await;
    let got = ok(store.get_organization(&created.id).await, "get");
    assert_eq!(
        Value::Object(got.attributes.clone()),
        settings,
        "settings round-trip"
    );
    let mut removal = Map::new();
    removal.insert("token_quota".into(), Value::Null);
    let patch = OrganizationPatch {
        attributes: removal,
        ..Default::default()
    };
    let updated = ok(
        store.update_organization(&created.id, patch).await,
        "update",
    );
    assert_eq!(
        Value::Object(updated.attributes),
        json!({"third_party_client_access": "allow"}),
        "null removes one"
    );
    let got = ok(store.get_organization(&created.id).await, "get again");
    assert_eq!(
        Value::Object(got.attributes),
        json!({"third_party_client_access": "allow"}),
        "removal is stored"
    );
}

/// Associating grants with organizations: the rules, the filter, and what deleting either side
/// does.
pub async fn organization_grants_associate_and_cascade(store: &dyn Store) {
    let org = create_org(store, new_org(&unique("grants-org"))).await;
    let client = create_client(store, &unique("org-granted")).await;
    let audience = |n: u32| format!("urn:{n}:{}", random_alphanumeric(10));
    let mut allowed = new_grant(&client.client_id, &audience(1), &["read:x"]);
    allowed
        .attributes
        .insert("organization_usage".into(), json!("require"));
    let allowed = ok(store.create_grant(allowed).await, "an organization grant");
    let plain = ok(
        store
            .create_grant(new_grant(&client.client_id, &audience(2), &[]))
            .await,
        "a grant without organization_usage",
    );

    let got = ok(
        store
            .associate_organization_grant(&org.id, &allowed.id)
            .await,
        "associate",
    );
    assert_eq!(got, allowed, "the association answers the grant");
    assert_conflict(
        store
            .associate_organization_grant(&org.id, &allowed.id)
            .await,
        "organization_client_grant_conflict",
        "associated twice",
    );
    assert!(
        matches!(
            store.associate_organization_grant(&org.id, &plain.id).await,
            Err(Error::Invalid(_))
        ),
        "a grant that does not allow organizations"
    );
    assert_not_found(
        store
            .associate_organization_grant(&OrgId::generate(), &allowed.id)
            .await,
        NotFound::Organization,
        "a missing organization",
    );
    assert_not_found(
        store
            .associate_organization_grant(&org.id, &GrantId::generate())
            .await,
        NotFound::ClientGrant,
        "a missing grant",
    );
    let of_org = GrantFilter {
        organization: Some(org.id.clone()),
        ..GrantFilter::default()
    };
    let listed = ok(
        store.list_grants(&of_org, PageRequest::first(50)).await,
        "the organization's grants",
    );
    assert_eq!(listed.items, vec![allowed.clone()]);
    assert_eq!(
        ok(store.organization_grant_pairs().await, "pairs")
            .iter()
            .filter(|(o, _)| *o == org.id)
            .count(),
        1
    );

    // Deleting the grant ends the association; so does deleting the organization.
    ok(store.delete_grant(&allowed.id).await, "delete the grant");
    let listed = ok(
        store.list_grants(&of_org, PageRequest::first(50)).await,
        "after the grant is gone",
    );
    assert!(listed.items.is_empty());
    let mut again = new_grant(&client.client_id, &audience(3), &[]);
    again
        .attributes
        .insert("organization_usage".into(), json!("allow"));
    let again = ok(store.create_grant(again).await, "another grant");
    ok(
        store.associate_organization_grant(&org.id, &again.id).await,
        "associate again",
    );
    ok(
        store.delete_organization(&org.id).await,
        "delete the organization",
    );
    assert!(ok(store.organization_grant_pairs().await, "pairs")
        .iter()
        .all(|(o, _)| *o != org.id));
    assert_eq!(
        ok(store.get_grant(&again.id).await, "the grant stays"),
        again
    );
}

/// Federated users (`oidc|<connection>|<sub>`): stored without a password on a connection of
/// their strategy, refused on a database connection or with a hash, and never given one.
pub async fn federated_users_have_no_password(store: &dyn Store) {
    use crate::password::PasswordHash;
    use crate::user::{federated_profile, new_federated_user, UserPatch};

    let oidc = create_connection(store, "oidc").await;
    let db = create_connection(store, "auth0").await;
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let tag = random_alphanumeric(8).to_lowercase();
    let claims = json!({"email": format!("ann-{tag}@acme.example"), "name": "Ann"});
    let profile = federated_profile(claims.as_object().unwrap(), &tag);
    let ann = ok(
        new_federated_user(&oidc, &tag, profile, now),
        "a federated user",
    );
    assert_eq!(ann.id.as_str(), format!("oidc|{}|{tag}", oidc.name));
    let hash = PasswordHash::from_trusted("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    assert_not_found(
        store.create_user(ann.clone(), Some(hash.clone())).await,
        NotFound::Connection,
        "a federated user with a password",
    );
    let mut elsewhere = ann.clone();
    elsewhere.connection_id = db.id.clone();
    elsewhere.connection = db.name.clone();
    assert_not_found(
        store.create_user(elsewhere, None).await,
        NotFound::Connection,
        "a federated user on a database connection",
    );
    ok(store.create_user(ann.clone(), None).await, "create");
    assert_eq!(ok(store.get_user(&ann.id).await, "get"), ann);
    assert_eq!(ok(store.password_hash(&ann.id).await, "hash"), None);
    let patch = UserPatch {
        password_changed: true,
        ..UserPatch::default()
    };
    assert_invalid(
        store.update_user(&ann.id, patch, Some(hash), now).await,
        "Cannot update password for non-database connections",
        "a password for a federated user",
    );
    assert_eq!(ok(store.password_hash(&ann.id).await, "hash"), None);
}

/// Users: stored as given with their hash, one per email on a connection, searched with bound
/// values, updated in place, and gone with their connection.
pub async fn user_round_trip_search_and_cascade(store: &dyn Store) {
    use crate::password::PasswordHash;
    use crate::user::{new_user, UserPatch};
    use crate::user_search::{parse, Sort};
    use orgwarden_proto::users::{CreateUser, UpdateUser};

    let conn = create_connection(store, "auth0").await;
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let make = |email: &str| {
        new_user(
            CreateUser {
                connection: conn.name.clone(),
                email: Some(email.into()),
                password: Some("x".into()),
                name: Some(format!("Name of {email}")),
                ..CreateUser::default()
            },
            &conn,
            now,
        )
        .expect("a valid body")
        .0
    };
    let tag = random_alphanumeric(8).to_lowercase();
    let first = make(&format!("first-{tag}@example.com"));
    let hash = PasswordHash::from_trusted("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
    let stored = ok(
        store.create_user(first.clone(), Some(hash.clone())).await,
        "create",
    );
    assert_eq!(stored, first);
    assert_eq!(
        ok(store.get_user(&first.id).await, "get"),
        first,
        "stored as given"
    );
    assert_eq!(
        ok(store.password_hash(&first.id).await, "hash"),
        Some(hash.clone())
    );
    assert_conflict(
        store
            .create_user(
                make(&format!("FIRST-{tag}@example.com")),
                Some(hash.clone()),
            )
            .await,
        "auth0_idp_error",
        "the same email on the connection",
    );
    let second = ok(
        store
            .create_user(
                make(&format!("second-{tag}@example.com")),
                Some(hash.clone()),
            )
            .await,
        "another user",
    );

    let q = parse(&format!(
        "email:first-{tag}* OR name:\"name of second-{tag}@example.com\""
    ))
    .expect("a query");
    let found = ok(store.list_users(&q, Sort::default(), 0, 50).await, "search");
    assert_eq!(found.items, vec![first.clone(), second.clone()]);
    assert_eq!(found.total, 2);
    let page = ok(store.list_users(&q, Sort::default(), 1, 1).await, "page 2");
    assert_eq!(page.items, vec![second.clone()]);
    let injected = parse("email:\"' OR 1=1 --\"").expect("a query");
    assert!(ok(
        store.list_users(&injected, Sort::default(), 0, 50).await,
        "quoted"
    )
    .items
    .is_empty());
    assert_eq!(
        ok(
            store
                .users_by_email(&format!("SECOND-{tag}@example.com"))
                .await,
            "by email"
        ),
        vec![second.clone()]
    );

    let (patch, _) = UserPatch::from_body(UpdateUser {
        user_metadata: Some(json!({"a": 1}).as_object().cloned().unwrap()),
        blocked: Some(true),
        ..UpdateUser::default()
    })
    .unwrap();
    let later = now + time::Duration::seconds(60);
    let new_hash =
        PasswordHash::from_trusted("$argon2id$v=19$m=19456,t=2,p=1$c2FsdDI$aGFzaDI".into());
    let updated = ok(
        store
            .update_user(&second.id, patch, Some(new_hash.clone()), later)
            .await,
        "update",
    );
    assert!(updated.is_blocked());
    assert_eq!(updated.updated_at, later);
    assert_eq!(ok(store.get_user(&second.id).await, "read back"), updated);
    assert_eq!(
        ok(store.password_hash(&second.id).await, "new hash"),
        Some(new_hash)
    );
    assert_not_found(
        store
            .update_user(
                &crate::user::UserId::generate(),
                UserPatch::default(),
                None,
                later,
            )
            .await,
        NotFound::User,
        "update a missing user",
    );

    ok(store.delete_user(&first.id).await, "delete");
    assert_not_found(store.get_user(&first.id).await, NotFound::User, "deleted");
    assert_not_found(
        store.delete_user(&first.id).await,
        NotFound::User,
        "deleted twice",
    );
    ok(
        store.delete_connection(&conn.id, later).await,
        "delete the connection",
    );
    assert_not_found(
        store.get_user(&second.id).await,
        NotFound::User,
        "gone with its connection",
    );
}

/// Members: added once each, listed in joining order on both pagers, refused for a missing
/// user (nothing added), gone with their user or their organization.
pub async fn members_add_list_and_cascade(store: &dyn Store) {
    use crate::user::new_user;
    use orgwarden_proto::users::CreateUser;

    let org = create_org(store, new_org(&unique("members-org"))).await;
    let conn = create_connection(store, "auth0").await;
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let hash = crate::password::PasswordHash::from_trusted("$argon2id$x".into());
    let mut people = Vec::new();
    for i in 0..3 {
        let (u, _) = new_user(
            CreateUser {
                connection: conn.name.clone(),
                email: Some(format!(
                    "m{i}-{}@example.com",
                    random_alphanumeric(6).to_lowercase()
                )),
                password: Some("x".into()),
                ..CreateUser::default()
            },
            &conn,
            now,
        )
        .expect("a valid body");
        people.push(ok(store.create_user(u, Some(hash.clone())).await, "a user"));
    }
    let ids: Vec<_> = people.iter().map(|u| u.id.clone()).collect();

    let missing = crate::user::UserId::generate();
    assert!(
        matches!(
            store
                .add_members(&org.id, &[ids[0].clone(), missing.clone()])
                .await,
            Err(Error::Invalid(_))
        ),
        "a user that does not exist"
    );
    let none = ok(
        store.list_members(&org.id, PageRequest::first(50)).await,
        "after the refusal",
    );
    assert!(none.items.is_empty(), "nothing was added");
    assert_not_found(
        store.add_members(&OrgId::generate(), &ids).await,
        NotFound::Organization,
        "a missing organization",
    );

    ok(store.add_members(&org.id, &ids[..2]).await, "add two");
    ok(
        store
            .add_members(&org.id, &[ids[2].clone(), ids[0].clone()])
            .await,
        "add one more, one again",
    );
    let all = ok(
        store.list_members(&org.id, PageRequest::first(50)).await,
        "offset",
    );
    assert_eq!(all.items, people);
    assert_eq!(all.total, 3);
    let first = ok(
        store
            .list_members(
                &org.id,
                PageRequest::Checkpoint {
                    from: None,
                    take: 2,
                },
            )
            .await,
        "checkpoint 1",
    );
    assert_eq!(first.items, people[..2].to_vec());
    let rest = ok(
        store
            .list_members(
                &org.id,
                PageRequest::Checkpoint {
                    from: first.next.clone(),
                    take: 2,
                },
            )
            .await,
        "checkpoint 2",
    );
    assert_eq!(rest.items, people[2..].to_vec());
    assert_eq!(rest.next, None);
    let orgs = ok(
        store.user_organizations(&ids[1], 0, 50).await,
        "orgs of a user",
    );
    assert_eq!(
        orgs.items.iter().map(|o| o.id.clone()).collect::<Vec<_>>(),
        vec![org.id.clone()]
    );

    ok(store.remove_members(&org.id, &ids[1..2]).await, "remove");
    ok(store.delete_user(&ids[0]).await, "delete a member");
    let left = ok(
        store.list_members(&org.id, PageRequest::first(50)).await,
        "after",
    );
    assert_eq!(left.items, people[2..].to_vec());
    ok(
        store.delete_organization(&org.id).await,
        "delete the organization",
    );
    assert!(ok(store.member_pairs().await, "pairs")
        .iter()
        .all(|(o, _)| *o != org.id));
    let orgs = ok(store.user_organizations(&ids[2], 0, 50).await, "orgs after");
    assert!(orgs.items.is_empty());
}

/// Roles: stored and filtered by name, given to users and members once each, refused for a
/// missing role (nothing given), and gone from everyone with the role.
pub async fn roles_given_and_taken(store: &dyn Store) {
    use crate::role::{Holder, Role, RolePatch};
    use crate::user::new_user;
    use orgwarden_proto::roles::CreateRole;
    use orgwarden_proto::users::CreateUser;

    let tag = random_alphanumeric(8).to_lowercase();
    let admin = ok(
        store
            .create_role(Role::new(CreateRole {
                name: format!("admin-{tag}"),
                description: Some("Admins".into()),
            }))
            .await,
        "a role",
    );
    let viewer = ok(
        store
            .create_role(Role::new(CreateRole {
                name: format!("viewer-{tag}"),
                description: None,
            }))
            .await,
        "another role",
    );
    assert_eq!(ok(store.get_role(&admin.id).await, "get"), admin);
    let found = ok(
        store.list_roles(Some(&format!("ADMIN-{tag}")), 0, 50).await,
        "by name",
    );
    assert_eq!(found.items, vec![admin.clone()]);
    let renamed = ok(
        store
            .update_role(
                &viewer.id,
                RolePatch {
                    description: Some("Viewers".into()),
                    ..RolePatch::default()
                },
            )
            .await,
        "update",
    );
    assert_eq!(renamed.description.as_deref(), Some("Viewers"));

    let conn = create_connection(store, "auth0").await;
    let (u, _) = new_user(
        CreateUser {
            connection: conn.name.clone(),
            email: Some(format!("r-{tag}@example.com")),
            password: Some("x".into()),
            ..CreateUser::default()
        },
        &conn,
        OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    )
    .expect("a valid body");
    let u = ok(
        store
            .create_user(
                u,
                Some(crate::password::PasswordHash::from_trusted("h".into())),
            )
            .await,
        "a user",
    );
    let org = create_org(store, new_org(&unique("roles-org"))).await;
    let user = Holder::User(u.id.clone());
    let member = Holder::Member(org.id.clone(), u.id.clone());

    assert!(matches!(
        store
            .give_roles(&user, &[admin.id.clone(), crate::ids::RoleId::generate()])
            .await,
        Err(Error::Invalid(_))
    ));
    assert!(ok(store.roles_of(&user, 0, 50).await, "none given")
        .items
        .is_empty());
    ok(
        store
            .give_roles(&user, &[admin.id.clone(), viewer.id.clone()])
            .await,
        "give",
    );
    ok(
        store
            .give_roles(&user, std::slice::from_ref(&admin.id))
            .await,
        "give again",
    );
    ok(
        store
            .give_roles(&member, std::slice::from_ref(&viewer.id))
            .await,
        "member role",
    );
    let held = ok(store.roles_of(&user, 0, 50).await, "held");
    assert_eq!(held.items, vec![admin.clone(), renamed.clone()]);
    assert_eq!(held.total, 2);
    ok(
        store
            .take_roles(&user, std::slice::from_ref(&admin.id))
            .await,
        "take",
    );
    assert_eq!(
        ok(store.roles_of(&user, 0, 50).await, "after").items,
        vec![renamed.clone()]
    );

    ok(store.delete_role(&viewer.id).await, "delete the role");
    assert!(ok(store.roles_of(&user, 0, 50).await, "user")
        .items
        .is_empty());
    assert!(ok(store.roles_of(&member, 0, 50).await, "member")
        .items
        .is_empty());
    assert_not_found(store.delete_role(&viewer.id).await, NotFound::Role, "twice");
    assert_not_found(
        store
            .roles_of(&Holder::User(crate::user::UserId::generate()), 0, 50)
            .await,
        NotFound::User,
        "a missing user",
    );
}

/// A role's users (both pagers) and a user's permissions, direct and through roles, each with
/// its sources; gone with the API, the role or the user.
pub async fn role_users_and_user_permissions(store: &dyn Store) {
    use crate::paging::PageRequest;
    use crate::role::{Holder, PermissionRef, PermissionSource, Role};
    use crate::user::new_user;
    use orgwarden_proto::roles::CreateRole;
    use orgwarden_proto::users::CreateUser;

    let tag = random_alphanumeric(8).to_lowercase();
    let role = ok(
        store
            .create_role(Role::new(CreateRole {
                name: format!("editor-{tag}"),
                description: None,
            }))
            .await,
        "a role",
    );
    let conn = create_connection(store, "auth0").await;
    let mut users = Vec::new();
    for i in 0..3 {
        let (u, _) = new_user(
            CreateUser {
                connection: conn.name.clone(),
                email: Some(format!("ru{i}-{tag}@example.com")),
                password: Some("x".into()),
                ..CreateUser::default()
            },
            &conn,
            OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
        )
        .expect("a valid body");
        users.push(ok(
            store
                .create_user(
                    u,
                    Some(crate::password::PasswordHash::from_trusted("h".into())),
                )
                .await,
            "a user",
        ));
    }
    let ids: Vec<_> = users.iter().map(|u| u.id.clone()).collect();

    // All or none: a missing user gives the role to nobody.
    assert!(matches!(
        store
            .give_role_to_users(&role.id, &[ids[0].clone(), crate::user::UserId::generate()])
            .await,
        Err(Error::Invalid(_))
    ));
    assert_not_found(
        store
            .give_role_to_users(&crate::ids::RoleId::generate(), &ids)
            .await,
        NotFound::Role,
        "a missing role",
    );
    let none = ok(
        store.role_users(&role.id, PageRequest::first(50)).await,
        "none yet",
    );
    assert_eq!(none.total, 0);
    ok(store.give_role_to_users(&role.id, &ids).await, "give");
    ok(store.give_role_to_users(&role.id, &ids[..1]).await, "again");
    let listed = ok(
        store.role_users(&role.id, PageRequest::first(50)).await,
        "listed",
    );
    assert_eq!(
        listed
            .items
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    assert_eq!(listed.total, 3);
    // Checkpoint paging walks the same users, two at a time.
    let first = ok(
        store
            .role_users(
                &role.id,
                PageRequest::Checkpoint {
                    from: None,
                    take: 2,
                },
            )
            .await,
        "first page",
    );
    assert_eq!(first.items.len(), 2);
    let next = first.next.clone().expect("a next page");
    let second = ok(
        store
            .role_users(
                &role.id,
                PageRequest::Checkpoint {
                    from: Some(next),
                    take: 2,
                },
            )
            .await,
        "second page",
    );
    assert_eq!(
        second
            .items
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>(),
        ids[2..].to_vec()
    );
    assert_eq!(second.next, None);

    // Permissions: one direct, one through the role, one both ways.
    let identifier = format!("https://{}.example.com/", unique("perms"));
    let body = json!({
        "identifier": identifier,
        "name": format!("Perms {tag}"),
        "scopes": [
            {"value": "read:a", "description": "Read A"},
            {"value": "write:a"},
            {"value": "read:b", "description": "Read B"}
        ]
    });
    let api = ok(
        store
            .create_resource_server(ResourceServer::from(
                <orgwarden_proto::resource_servers::CreateResourceServer as orgwarden_proto::Request>::parse(&body)
                    .expect("a valid body"),
            ))
            .await,
        "an API",
    );
    let perm = |name: &str| PermissionRef {
        resource_server_identifier: identifier.clone(),
        permission_name: name.to_owned(),
    };
    assert!(matches!(
        store
            .add_user_permissions(&ids[0], &[perm("read:a"), perm("nope")])
            .await,
        Err(Error::Invalid(_))
    ));
    assert_not_found(
        store
            .add_user_permissions(&crate::user::UserId::generate(), &[perm("read:a")])
            .await,
        NotFound::User,
        "a missing user",
    );
    ok(
        store
            .add_user_permissions(&ids[0], &[perm("read:b"), perm("read:a")])
            .await,
        "direct",
    );
    ok(
        store
            .add_role_permissions(&role.id, &[perm("read:a"), perm("write:a")])
            .await,
        "through the role",
    );
    let got = ok(store.user_permissions(&ids[0], 0, 50).await, "listed");
    let role_source = PermissionSource::Role(role.id.clone(), role.name.clone());
    let seen: Vec<(String, Vec<PermissionSource>)> = got
        .items
        .iter()
        .map(|p| {
            (
                p.permission.permission.permission_name.clone(),
                p.sources.clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "read:a".to_owned(),
                vec![PermissionSource::Direct, role_source.clone()]
            ),
            ("read:b".to_owned(), vec![PermissionSource::Direct]),
            ("write:a".to_owned(), vec![role_source.clone()]),
        ]
    );
    assert_eq!(got.total, 3);
    assert_eq!(
        got.items[0].permission.description.as_deref(),
        Some("Read A")
    );
    assert_eq!(
        got.items[0].permission.resource_server_name,
        format!("Perms {tag}")
    );
    let page = ok(store.user_permissions(&ids[0], 1, 2).await, "second page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        ok(store.user_permission_pairs().await, "pairs")
            .into_iter()
            .filter(|(u, _)| *u == ids[0])
            .map(|(_, p)| p.permission_name)
            .collect::<Vec<_>>(),
        vec!["read:b".to_owned(), "read:a".to_owned()],
        "direct permissions in the order given"
    );

    ok(
        store
            .remove_user_permissions(&ids[0], &[perm("read:a"), perm("never:held")])
            .await,
        "take",
    );
    let after = ok(store.user_permissions(&ids[0], 0, 50).await, "after");
    assert_eq!(after.items[0].sources, vec![role_source.clone()]);
    // The role taken away takes its permissions with it.
    ok(
        store
            .take_roles(
                &Holder::User(ids[0].clone()),
                std::slice::from_ref(&role.id),
            )
            .await,
        "take the role",
    );
    let left = ok(store.user_permissions(&ids[0], 0, 50).await, "left");
    assert_eq!(
        left.items
            .iter()
            .map(|p| p.permission.permission.permission_name.as_str())
            .collect::<Vec<_>>(),
        vec!["read:b"]
    );
    // The API deleted takes the direct permissions too.
    ok(
        store.delete_resource_server(&api.id).await,
        "delete the API",
    );
    assert!(ok(store.user_permissions(&ids[0], 0, 50).await, "none")
        .items
        .is_empty());
    assert!(!ok(store.user_permission_pairs().await, "pairs after")
        .iter()
        .any(|(u, _)| *u == ids[0]));

    // A deleted user leaves the role's users.
    ok(store.delete_user(&ids[1]).await, "delete a user");
    let listed = ok(
        store.role_users(&role.id, PageRequest::first(50)).await,
        "after delete",
    );
    assert_eq!(
        listed
            .items
            .iter()
            .map(|u| u.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[2].clone()]
    );
    assert_not_found(
        store.user_permissions(&ids[1], 0, 50).await,
        NotFound::User,
        "a deleted user",
    );
    ok(store.delete_role(&role.id).await, "delete the role");
    assert_not_found(
        store.role_users(&role.id, PageRequest::first(50)).await,
        NotFound::Role,
        "a deleted role",
    );
}

/// Invitations: made by the rule (organization, client with a login URI, enabled connection,
/// roles), read until they expire, gone with their organization.
pub async fn invitations_expire_and_cascade(store: &dyn Store) {
    use crate::invitation::NewInvitation;
    use orgwarden_proto::invitations::CreateInvitation;

    let org = create_org(store, new_org(&unique("invite-org"))).await;
    let mut client = create_client(store, &unique("inviting")).await;
    let plain = create_client(store, &unique("no-login")).await;
    client.attributes.insert(
        "initiate_login_uri".into(),
        json!("https://app.example.com/login"),
    );
    let patch = ClientPatch {
        name: None,
        attributes: client.attributes.clone(),
        client_secret: None,
    };
    ok(
        store.update_client(&client.client_id, patch).await,
        "login uri",
    );
    let body = |client: &Client| -> NewInvitation {
        let raw: CreateInvitation = serde_json::from_value(json!({
            "inviter": {"name": "Ann"}, "invitee": {"email": "new@example.com"},
            "client_id": client.client_id.as_str(), "ttl_sec": 60
        }))
        .expect("a body");
        NewInvitation::try_from(raw).expect("valid")
    };
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    assert!(
        matches!(
            store.create_invitation(&org.id, body(&plain), now).await,
            Err(Error::Invalid(_))
        ),
        "a client with nowhere to log in"
    );
    let mut with_conn = body(&client);
    with_conn.connection_id = Some(create_connection(store, "samlp").await.id);
    assert!(
        matches!(
            store.create_invitation(&org.id, with_conn, now).await,
            Err(Error::Invalid(_))
        ),
        "a connection not enabled for the organization"
    );
    assert_not_found(
        store
            .create_invitation(&OrgId::generate(), body(&client), now)
            .await,
        NotFound::Organization,
        "a missing organization",
    );
    let inv = ok(
        store.create_invitation(&org.id, body(&client), now).await,
        "create",
    );
    assert!(inv
        .invitation_url
        .starts_with("https://app.example.com/login?invitation="));
    assert_eq!(
        ok(store.get_invitation(&org.id, &inv.id, now).await, "get"),
        inv
    );
    let later = now + time::Duration::seconds(61);
    assert_not_found(
        store.get_invitation(&org.id, &inv.id, later).await,
        NotFound::Invitation,
        "expired",
    );
    let listed = ok(
        store.list_invitations(&org.id, now, false, 0, 50).await,
        "list",
    );
    assert_eq!(listed.items, vec![inv.clone()]);
    assert!(ok(
        store.list_invitations(&org.id, later, false, 0, 50).await,
        "later"
    )
    .items
    .is_empty());
    ok(
        store.delete_organization(&org.id).await,
        "delete the organization",
    );
    assert!(ok(store.all_invitations().await, "all")
        .iter()
        .all(|i| i.id != inv.id));
}

// ---------------------------------------------------------------------------------------------
// Login artifacts

fn artifact(
    kind: crate::login::ArtifactKind,
    expires_at: OffsetDateTime,
) -> (String, crate::login::Artifact) {
    let (secret, key) = crate::login::artifact::new_secret();
    let a = crate::login::Artifact::new(
        kind,
        key,
        &serde_json::json!({"user_id": "auth0|1", "n": 1}),
        expires_at,
    )
    .expect("a payload");
    (secret, a)
}

pub async fn login_artifacts_expire_and_are_used_once(store: &dyn Store) {
    use crate::login::artifact::key_of;
    use crate::login::ArtifactKind::{Code, Session};
    let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    let later = now + time::Duration::seconds(60);
    let (secret, code) = artifact(Code, later);
    ok(store.put_artifact(code.clone(), now).await, "put a code");
    let key = key_of(&secret);
    let got = ok(store.get_artifact(Code, &key, now).await, "get").expect("the code");
    assert_eq!(got.payload, code.payload, "the payload round-trips");
    assert_eq!(got.expires_at, later);
    assert_eq!(got.consumed_at, None);
    assert_eq!(
        ok(
            store.get_artifact(Session, &key, now).await,
            "get by another kind"
        ),
        None,
        "kinds are apart"
    );
    let first = ok(store.consume_artifact(Code, &key, now).await, "consume").expect("the code");
    assert_eq!(first.consumed_at, None, "the first use finds it unused");
    let second = ok(
        store.consume_artifact(Code, &key, now).await,
        "consume again",
    )
    .expect("still there");
    assert_eq!(
        second.consumed_at,
        Some(now),
        "the second use sees the first"
    );
    assert_eq!(
        ok(store.get_artifact(Code, &key, later).await, "get at expiry"),
        None,
        "an artifact is gone at its expiry"
    );
    assert_eq!(
        ok(
            store.consume_artifact(Code, &key, later).await,
            "consume at expiry"
        ),
        None
    );
    assert_eq!(
        ok(store.consume_artifact(Code, "00", now).await, "unknown"),
        None
    );
    // A later put sweeps what expired; deleting says whether there was one.
    let (_, session) = artifact(Session, later + time::Duration::days(3));
    let session_key = session.key.clone();
    ok(
        store
            .put_artifact(session, later + time::Duration::seconds(1))
            .await,
        "put a session",
    );
    assert_eq!(
        ok(store.get_artifact(Code, &key, now).await, "swept"),
        None,
        "expired artifacts are swept"
    );
    // Copying an installation reads every live artifact, as stored.
    let at = later + time::Duration::seconds(1);
    let live = ok(store.live_artifacts(at).await, "live artifacts");
    assert_eq!(
        live.iter()
            .map(|a| (a.kind, a.key.as_str()))
            .collect::<Vec<_>>(),
        [(Session, session_key.as_str())],
        "the session, and not the expired code"
    );
    assert_eq!(live[0].consumed_at, None);
    assert!(ok(
        store.live_artifacts(later + time::Duration::days(4)).await,
        "live after every expiry"
    )
    .is_empty());
    assert!(ok(
        store.delete_artifact(Session, &session_key).await,
        "delete"
    ));
    assert!(!ok(
        store.delete_artifact(Session, &session_key).await,
        "delete again"
    ));
}

pub async fn concurrent_consumes_of_one_code(store: DynStore) {
    use crate::login::ArtifactKind::Code;
    let now = OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap();
    for _ in 0..10 {
        let (_, code) = artifact(Code, now + time::Duration::seconds(60));
        let key = code.key.clone();
        ok(store.put_artifact(code, now).await, "put");
        let tasks: Vec<_> = (0..4)
            .map(|_| {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move { store.consume_artifact(Code, &key, now).await })
            })
            .collect();
        let mut unused = 0;
        for t in tasks {
            let got = ok(t.await.expect("a consume task panicked"), "consume").expect("the code");
            if got.consumed_at.is_none() {
                unused += 1;
            }
        }
        assert_eq!(
            unused, 1,
            "exactly one of four concurrent uses finds the code unused"
        );
    }
}
