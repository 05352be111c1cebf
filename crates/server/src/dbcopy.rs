//! `orgwarden db-copy --from URL --to URL`: moves a whole installation between storage
//! backends through the storage traits (so any pair of backends works), keeping ids, secrets'
//! hashes, keys (encrypted ones stay encrypted, byte for byte), the live login artifacts
//! (sessions, refresh tokens, password links) and the order things were created in; then
//! compares the counts.

use anyhow::{ensure, Context};
use orgwarden_domain::client::GrantFilter;
use orgwarden_domain::connection::ConnectionFilter;
use orgwarden_domain::enabled_connection::{NewEnabledConnection, SettingsPatch};
use orgwarden_domain::keys::SigningKey;
use orgwarden_domain::organization::{NewOrganization, Sort};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::resource_server::ResourceServer;
use orgwarden_domain::role::Role;
use orgwarden_domain::store::Store;
use orgwarden_domain::user::User;
use orgwarden_domain::user_search::{Query, Sort as UserSort};

const PAGE: u32 = 100;
const EVERY_GRANT: GrantFilter = GrantFilter {
    client_id: None,
    audience: None,
    organization: None,
    ids: None,
};

/// How many of each kind of thing a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub organizations: usize,
    pub connections: usize,
    pub enabled_connections: usize,
    pub clients: usize,
    pub grants: usize,
    pub organization_grants: usize,
    pub resource_servers: usize,
    pub users: usize,
    pub members: usize,
    pub roles: usize,
    pub role_holdings: usize,
    pub invitations: usize,
    pub discovery_domains: usize,
    pub keys: usize,
}

/// Every role, in creation order.
async fn all_roles(store: &dyn Store) -> anyhow::Result<Vec<Role>> {
    let mut out = Vec::new();
    for page in 0.. {
        let listing = store.list_roles(None, page, PAGE).await?;
        let n = listing.items.len();
        out.extend(listing.items);
        if n < PAGE as usize {
            break;
        }
    }
    Ok(out)
}

/// Every user, in creation order.
async fn all_users(store: &dyn Store) -> anyhow::Result<Vec<User>> {
    let everyone = Query::default();
    let mut out = Vec::new();
    for page in 0.. {
        let listing = store
            .list_users(&everyone, UserSort::default(), page, PAGE)
            .await?;
        let n = listing.items.len();
        out.extend(listing.items);
        if n < PAGE as usize {
            break;
        }
    }
    Ok(out)
}

/// Every stored resource server, in creation order (their list has offset paging only).
async fn all_resource_servers(store: &dyn Store) -> anyhow::Result<Vec<ResourceServer>> {
    let mut out = Vec::new();
    loop {
        let page = store.list_resource_servers(out.len() as u64, PAGE).await?;
        let done = page.items.len() < PAGE as usize;
        out.extend(page.items);
        if done {
            return Ok(out);
        }
    }
}

/// Reads every page of a checkpoint-paged list.
async fn all<T, F, Fut>(mut page: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = orgwarden_domain::Result<Listing<T>>>,
{
    let mut out = Vec::new();
    let mut from = None;
    loop {
        let listing = page(PageRequest::Checkpoint {
            from: from.take(),
            take: PAGE,
        })
        .await?;
        out.extend(listing.items);
        match listing.next {
            Some(n) => from = Some(n),
            None => return Ok(out),
        }
    }
}

pub async fn counts(store: &dyn Store) -> anyhow::Result<Counts> {
    let every_connection = ConnectionFilter::default();
    let orgs = all(|p| store.list_organizations(Sort::default(), p)).await?;
    let mut enabled = 0;
    for o in &orgs {
        enabled += store.list_enabled_connections(&o.id, 0, 100).await?.total as usize;
    }
    Ok(Counts {
        organizations: orgs.len(),
        connections: all(|p| store.list_connections(&every_connection, p))
            .await?
            .len(),
        enabled_connections: enabled,
        clients: all(|p| store.list_clients(p)).await?.len(),
        grants: all(|p| store.list_grants(&EVERY_GRANT, p)).await?.len(),
        organization_grants: store.organization_grant_pairs().await?.len(),
        resource_servers: all_resource_servers(store).await?.len(),
        users: all_users(store).await?.len(),
        members: store.member_pairs().await?.len(),
        roles: all_roles(store).await?.len(),
        role_holdings: store.role_holdings().await?.len()
            + store.role_permission_pairs().await?.len(),
        invitations: store.all_invitations().await?.len(),
        discovery_domains: store.all_discovery_domains().await?.len(),
        keys: store.signing_keys().await?.len(),
    })
}

/// Copies everything from `from` into the empty `to`, then checks the counts agree.
pub async fn copy(from: &dyn Store, to: &dyn Store) -> anyhow::Result<Counts> {
    let every_connection = ConnectionFilter::default();
    ensure!(
        counts(to).await? == Counts::default(),
        "the target database is not empty; db-copy only fills an empty one"
    );

    for c in all(|p| from.list_connections(&every_connection, p)).await? {
        to.create_connection(c)
            .await
            .context("copying a connection")?;
    }
    for o in all(|p| from.list_organizations(Sort::default(), p)).await? {
        let new = NewOrganization {
            name: o.name.clone(),
            display_name: o.display_name.clone(),
            branding: o.branding.clone(),
            metadata: o.metadata.clone(),
            attributes: o.attributes.clone(),
            enabled_connections: Vec::new(),
        };
        to.create_organization(o.id.clone(), new)
            .await
            .context("copying an organization")?;
        for e in from.list_enabled_connections(&o.id, 0, 100).await?.items {
            let settings = SettingsPatch {
                assign_membership_on_login: Some(e.settings.assign_membership_on_login),
                show_as_button: Some(e.settings.show_as_button),
                is_signup_enabled: Some(e.settings.is_signup_enabled),
            };
            let new = NewEnabledConnection {
                connection_id: e.connection_id,
                settings,
            };
            to.enable_connection(&o.id, new)
                .await
                .context("copying an enabled connection")?;
        }
    }
    for rs in all_resource_servers(from).await? {
        to.create_resource_server(rs)
            .await
            .context("copying a resource server")?;
    }
    for c in all(|p| from.list_clients(p)).await? {
        to.create_client(c).await.context("copying a client")?;
    }
    for g in all(|p| from.list_grants(&EVERY_GRANT, p)).await? {
        to.create_grant(g).await.context("copying a client grant")?;
    }
    // Users after connections, each with its password hash as stored (federated users have
    // none).
    for u in all_users(from).await? {
        let hash = from.password_hash(&u.id).await?;
        if hash.is_none() && !u.id.is_federated() {
            anyhow::bail!("the database user {} has no password hash", u.id);
        }
        to.create_user(u, hash).await.context("copying a user")?;
    }
    for (org, user) in from.member_pairs().await? {
        to.add_members(&org, &[user])
            .await
            .context("copying a membership")?;
    }
    // Roles after resource servers (their permissions name APIs) and users (who hold them).
    for r in all_roles(from).await? {
        to.create_role(r).await.context("copying a role")?;
    }
    for (role, permission) in from.role_permission_pairs().await? {
        to.add_role_permissions(&role, &[permission])
            .await
            .context("copying a role's permission")?;
    }
    for (holder, role) in from.role_holdings().await? {
        to.give_roles(&holder, &[role])
            .await
            .context("copying a role holding")?;
    }
    for (user, permission) in from.user_permission_pairs().await? {
        to.add_user_permissions(&user, &[permission])
            .await
            .context("copying a user's permission")?;
    }
    // Invitations as they are (ids, tickets and times kept: sent links keep working).
    for i in from.all_invitations().await? {
        to.import_invitation(i)
            .await
            .context("copying an invitation")?;
    }
    for d in from.all_discovery_domains().await? {
        to.create_discovery_domain(d)
            .await
            .context("copying a discovery domain")?;
    }
    for (org, grant) in from.organization_grant_pairs().await? {
        to.associate_organization_grant(&org, &grant)
            .await
            .context("copying an organization's client grant")?;
    }
    // Older keys first, the current one last, so it ends up current; each one as stored (its
    // private key sealed or not, its rotation and revocation times).
    let mut keys = from.signing_keys().await?;
    keys.sort_by_key(|k| (k.current, k.created_at));
    for k in keys {
        let at = k.rotated_at.unwrap_or(k.created_at);
        to.add_signing_key(k, at)
            .await
            .context("copying a signing key")?;
    }

    // Login artifacts last (nothing refers to them): sessions, refresh tokens, password links
    // and used assertion ids move with everything else, each as stored.
    let now = time::OffsetDateTime::now_utc();
    let artifacts = from.live_artifacts(now).await?;
    for a in &artifacts {
        to.put_artifact(a.clone(), now)
            .await
            .context("copying a login artifact")?;
    }
    ensure!(
        to.live_artifacts(now).await?.len() == artifacts.len(),
        "the login artifacts differ after the copy"
    );

    let (source, target) = (counts(from).await?, counts(to).await?);
    ensure!(
        source == target,
        "counts differ after the copy: source {source:?}, target {target:?}"
    );
    let key_states = |keys: Vec<SigningKey>| -> Vec<_> {
        keys.into_iter()
            .map(|k| {
                let (rotated, revoked) = (k.rotated_at.is_some(), k.revoked_at.is_some());
                (k.kid, k.private_key, k.current, rotated, revoked)
            })
            .collect()
    };
    ensure!(
        key_states(from.signing_keys().await?) == key_states(to.signing_keys().await?),
        "the signing keys differ after the copy"
    );
    Ok(target)
}
