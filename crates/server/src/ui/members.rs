//! An organization's Members: who belongs to it and the roles they hold there; adding an
//! existing user (by email or user id), removing one, giving and taking member roles. Every
//! change goes through the same store calls (and domain rules) as the Management API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use orgwarden_domain::ids::{OrgId, RoleId};
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::role::{Holder, Role};
use orgwarden_domain::user::{User, UserId};
use serde::Deserialize;

use super::csrf::Posted;
use super::organizations::org_id;
use super::pages::Pages;
use super::paths;
use super::{ok, render, see_other, url_with, Errors, FormError, Page, SignedIn, UiResult};
use crate::state::AppState;

/// Members per page.
const PAGE_SIZE: u32 = 50;
/// Roles listed per member and offered in the picker.
const ROLES_MAX: u32 = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ORG_MEMBERS, axum::routing::get(show).post(add))
        .route(paths::REMOVE_ORG_MEMBER, post(remove))
        .route(paths::ORG_MEMBER_ROLES, post(change_roles))
}

fn user_id(id: &str) -> UiResult<UserId> {
    UserId::parse(id)
        .ok_or_else(|| orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::User).into())
}

/// One member as shown.
pub struct Row {
    pub user: User,
    pub roles: Vec<Role>,
    /// Tenant roles the member does not hold here yet.
    pub others: Vec<Role>,
}

#[derive(Template)]
#[template(path = "org_members.html")]
struct MembersPage {
    page: Page,
    org: Organization,
    tab: &'static str,
    rows: Vec<Row>,
    total: u64,
    next: Option<String>,
    previous: Option<String>,
    user: String,
    errors: Errors,
    has_roles: bool,
}

#[derive(Deserialize)]
struct ShowQuery {
    #[serde(default)]
    page: u32,
    notice: Option<String>,
}

async fn page(
    state: &Pages,
    who: &SignedIn,
    org: Organization,
    at: u32,
    user: String,
    errors: Errors,
    notice: Option<&str>,
) -> UiResult<MembersPage> {
    let listing = state
        .store
        .list_members(
            &org.id,
            PageRequest::Offset {
                page: at,
                per_page: PAGE_SIZE,
            },
        )
        .await?;
    let tenant_roles = state.store.list_roles(None, 0, ROLES_MAX).await?.items;
    let mut rows = Vec::new();
    for u in listing.items {
        let holder = Holder::Member(org.id.clone(), u.id.clone());
        let roles = state.store.roles_of(&holder, 0, ROLES_MAX).await?.items;
        let others = tenant_roles
            .iter()
            .filter(|r| !roles.iter().any(|h| h.id == r.id))
            .cloned()
            .collect();
        rows.push(Row {
            user: u,
            roles,
            others,
        });
    }
    let shown = u64::from(at) * u64::from(PAGE_SIZE) + rows.len() as u64;
    let members = paths::org_members(org.id.as_str());
    let link = |p: u32| url_with(&members, &[("page", &p.to_string())]);
    Ok(MembersPage {
        page: Page::new(who, format!("{} · Members", org.name), "organizations")
            .with_notice(notice),
        next: (shown < listing.total).then(|| link(at + 1)),
        previous: (at > 0).then(|| link(at - 1)),
        total: listing.total,
        org,
        tab: "members",
        rows,
        user,
        errors,
        has_roles: !tenant_roles.is_empty(),
    })
}

async fn show(
    State(state): State<Pages>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult<Response> {
    let org = state.store.get_organization(&org_id(&id)?).await?;
    let t = page(
        &state,
        &who,
        org,
        q.page,
        String::new(),
        Errors::none(),
        q.notice.as_deref(),
    )
    .await?;
    Ok(ok(&t))
}

/// The user typed: a user id (`auth0|…`) or an email that names exactly one user; a form
/// error when it names none or several.
async fn find_user(state: &Pages, typed: &str) -> UiResult<Result<UserId, FormError>> {
    let field = |m: &str| FormError {
        field: Some("user"),
        message: m.to_owned(),
    };
    if typed.is_empty() {
        return Ok(Err(field(
            "Enter the email or user id of an existing user.",
        )));
    }
    if typed.contains('|') {
        return Ok(UserId::parse(typed).ok_or_else(|| field("No user has this id.")));
    }
    let found = state.store.users_by_email(typed).await?;
    Ok(match found.as_slice() {
        [] => Err(field(
            "No user has this email. Create them on the Users page first, or invite them.",
        )),
        [one] => Ok(one.id.clone()),
        _ => Err(field(
            "Several users have this email (on different connections): enter the user id.",
        )),
    })
}

async fn add(
    State(state): State<Pages>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let typed = posted.form.get("user").trim().to_owned();
    let result = match find_user(&state, &typed).await? {
        Ok(user) => match state.store.add_members(&id, &[user]).await {
            Ok(()) => Ok(()),
            Err(e) => Err(FormError::from_domain(e, &[("members", "user")])?),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=added",
            paths::org_members(id.as_str())
        ))),
        Err(e) => {
            let t = page(&state, &posted.who, org, 0, typed, Errors(Some(e)), None).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

async fn remove(
    State(state): State<Pages>,
    Path((id, uid)): Path<(String, String)>,
    _posted: Posted,
) -> UiResult<Response> {
    let (id, uid) = (org_id(&id)?, user_id(&uid)?);
    state.store.remove_members(&id, &[uid]).await?;
    Ok(see_other(&format!(
        "{}?notice=removed",
        paths::org_members(id.as_str())
    )))
}

/// `action=give` or `action=take`, with `role` (a role id).
async fn change_roles(
    State(state): State<Pages>,
    Path((id, uid)): Path<(String, String)>,
    posted: Posted,
) -> UiResult<Response> {
    let (id, uid): (OrgId, UserId) = (org_id(&id)?, user_id(&uid)?);
    let f = &posted.form;
    let role = RoleId::parse(f.get("role")).ok_or_else(|| {
        super::UiError::page(StatusCode::BAD_REQUEST, "Not possible", "Choose a role.")
    })?;
    let holder = Holder::Member(id.clone(), uid);
    match f.get("action") {
        "take" => state.store.take_roles(&holder, &[role]).await?,
        _ => state.store.give_roles(&holder, &[role]).await?,
    }
    Ok(see_other(&format!(
        "{}?notice=roles",
        paths::org_members(id.as_str())
    )))
}
