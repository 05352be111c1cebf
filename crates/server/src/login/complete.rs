//! The end of a sign-in: once a person has authenticated through one of the flow's
//! connections, the organization's admission rule (member, invitation, membership on login),
//! the membership it grants, the session, and the code sent to the application.

use axum::http::HeaderValue;
use axum::response::Response;
use orgwarden_domain::client::OrganizationPrompt;
use orgwarden_domain::enabled_connection::Settings;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::invitation::Invitation;
use orgwarden_domain::login::admission::{admit, Admission, Facts, Refusal};
use orgwarden_domain::login::artifact::{new_secret, CODE_LIFETIME_SECS};
use orgwarden_domain::login::{Artifact, ArtifactKind, CodeGrant, LoginSession, PersonGrant};
use orgwarden_domain::organization::Organization;
use orgwarden_domain::role::Holder;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::Result;
use time::Duration;

use super::answer;
use super::flow::{Door, Flow, FlowError, Target};
use super::session;
use crate::tenant::Tenant;

/// How many of a person's organizations are searched for a membership.
const MAX_MEMBERSHIPS: u32 = 1000;
/// How many of a person's organizations the post-login prompt offers.
const MAX_CHOICES: u32 = 100;

/// Whether `user` is a member of `org`.
pub async fn is_member(tenant: &Tenant, org: &OrgId, user: &UserId) -> Result<bool> {
    let per_page = 100;
    for page in 0..MAX_MEMBERSHIPS / per_page {
        let listed = tenant
            .store
            .user_organizations(user, page, per_page)
            .await?;
        if listed.items.iter().any(|o| &o.id == org) {
            return Ok(true);
        }
        if listed.items.len() < per_page as usize {
            break;
        }
    }
    Ok(false)
}

/// Lets `user` into the flow's organization (or refuses), making them a member when the rules
/// say so; the invitation they used is used up.
pub async fn enter(
    tenant: &Tenant,
    flow: &Flow,
    user: &User,
    door: &Door,
) -> std::result::Result<(), FlowError> {
    let Some(org) = &flow.org else {
        return Ok(());
    };
    admit_to(tenant, org, user, &door.settings, flow.invitation.as_ref())
        .await?
        .map_err(|refusal| FlowError::redirect(&flow.authz, "access_denied", refusal.description()))
}

/// The admission rule for `user` entering `org` through a connection with `settings`, and
/// what it grants (membership, the invitation's roles; the invitation used up).
pub async fn admit_to(
    tenant: &Tenant,
    org: &Organization,
    user: &User,
    settings: &Settings,
    invitation: Option<&Invitation>,
) -> Result<std::result::Result<(), Refusal>> {
    let facts = Facts {
        org: &org.id,
        user_id: user.id.as_str(),
        email: user.profile.email.as_deref(),
        is_member: is_member(tenant, &org.id, &user.id).await?,
        settings,
        invitation,
        now: tenant.clock.now(),
    };
    match admit(&facts) {
        Ok(Admission::Member) => Ok(Ok(())),
        Ok(Admission::Join { roles, invitation }) => {
            let store = &tenant.store;
            if !facts.is_member {
                store
                    .add_members(&org.id, std::slice::from_ref(&user.id))
                    .await?;
            }
            if !roles.is_empty() {
                store
                    .give_roles(&Holder::Member(org.id.clone(), user.id.clone()), &roles)
                    .await?;
            }
            if let Some(inv) = invitation {
                match store.delete_invitation(&org.id, &inv).await {
                    Ok(()) | Err(orgwarden_domain::Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            tracing::info!(
                org = org.id.as_str(),
                user = user.id.as_str(),
                "joined an organization at sign-in"
            );
            Ok(Ok(()))
        }
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// Issues the code for `session` and sends it to the application, setting `cookie` if given.
pub async fn issue(
    tenant: &Tenant,
    flow: &Flow,
    session: &LoginSession,
    cookie: Option<HeaderValue>,
) -> std::result::Result<Response, FlowError> {
    let a = &flow.authz;
    let grant = CodeGrant {
        grant: PersonGrant {
            client_id: a.client_id.clone(),
            user_id: session.user_id.clone(),
            org_id: flow.org.as_ref().map(|o| o.id.as_str().to_owned()),
            org_name: flow.org.as_ref().map(|o| o.name.clone()),
            scope: a.scope.clone(),
            audience: a.audience.clone(),
            nonce: a.nonce.clone(),
            auth_time: session.auth_time,
            sid: Some(session.sid.clone()),
        },
        redirect_uri: a.redirect_uri.clone(),
        code_challenge: a.code_challenge.clone(),
    };
    let now = tenant.clock.now();
    let (code, key) = new_secret();
    let artifact = Artifact::new(
        ArtifactKind::Code,
        key,
        &grant,
        now + Duration::seconds(CODE_LIFETIME_SECS),
    )?;
    tenant.store.put_artifact(artifact, now).await?;
    let mut resp = answer::code(&Target::of(a), &code);
    session::set(&mut resp, cookie);
    Ok(resp)
}

/// After authenticating `user` through `door`: admission, a new session, the code.
pub async fn signed_in(
    tenant: &Tenant,
    flow: &Flow,
    user: &User,
    door: &Door,
) -> std::result::Result<Response, FlowError> {
    enter(tenant, flow, user, door).await?;
    let (session, cookie) = session::start(tenant, user.id.as_str(), &door.connection.name).await?;
    if flow.authz.organization_prompt == Some(OrganizationPrompt::AfterLogin) {
        return pick_organization(tenant, flow, user, Some(cookie)).await;
    }
    issue(tenant, flow, &session, Some(cookie)).await
}

/// `post_login_prompt`: the person, signed in, chooses one of their organizations; the choice
/// goes back to `/authorize` with `organization`, where the session and the admission rule
/// answer it as any other request (a forged choice is refused there like any non-member).
pub async fn pick_organization(
    tenant: &Tenant,
    flow: &Flow,
    user: &User,
    cookie: Option<HeaderValue>,
) -> std::result::Result<Response, FlowError> {
    let theirs = tenant
        .store
        .user_organizations(&user.id, 0, MAX_CHOICES)
        .await?;
    if theirs.items.is_empty() {
        return Err(FlowError::redirect(
            &flow.authz,
            "access_denied",
            format!("user {} is not part of any organization", user.id),
        ));
    }
    let mut resp = super::pages::pick_organization(flow, &theirs.items);
    session::set(&mut resp, cookie);
    Ok(resp)
}
