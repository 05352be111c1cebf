//! Users: the tenant's people, searched with the Management API's query syntax; creating one
//! on a database connection (the connection's password policy, argon2id off the runtime, as
//! `POST /api/v2/users`), blocking or unblocking, and deleting after a confirmation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use orgwarden_domain::connection::{Connection, ConnectionFilter};
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::user::{User, UserId, UserPatch};
use orgwarden_domain::user_search::{self, Sort};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::users::{CreateUser, UpdateUser};
use orgwarden_proto::Request;
use serde::Deserialize;
use serde_json::json;

use super::csrf::Posted;
use super::pages::Pages;
use super::paths;
use super::{ok, render, see_other, url_with, Errors, FormError, Page, SignedIn, UiResult};
use crate::accounts;
use crate::state::AppState;

const PAGE_SIZE: u32 = 50;
/// As the API: a search answers at most its first 1000 users.
const MAX_RESULTS: u64 = 1000;

const FIELDS: &[(&str, &str)] = &[
    ("connection", "connection"),
    ("email", "email"),
    ("password", "password"),
    ("name", "name"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::USERS, get(list).post(create))
        .route(paths::BLOCK_USER, post(block))
        .route(paths::DELETE_USER, get(confirm_delete).post(delete))
}

fn user_id(id: &str) -> UiResult<UserId> {
    UserId::parse(id).ok_or_else(|| Error::NotFound(NotFound::User).into())
}

/// The create form, as typed (the password is never sent back).
#[derive(Default)]
pub struct Form {
    pub connection: String,
    pub email: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    q: String,
    users: Vec<User>,
    total: u64,
    search_error: Option<String>,
    next: Option<String>,
    previous: Option<String>,
    databases: Vec<Connection>,
    form: Form,
    errors: Errors,
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: u32,
    notice: Option<String>,
}

async fn databases(state: &Pages) -> UiResult<Vec<Connection>> {
    let filter = ConnectionFilter {
        strategies: vec!["auth0".to_owned()],
        ..ConnectionFilter::default()
    };
    Ok(state
        .store
        .list_connections(&filter, PageRequest::first(100))
        .await?
        .items)
}

async fn page(
    state: &Pages,
    who: &SignedIn,
    q: String,
    at: u32,
    form: Form,
    errors: Errors,
    notice: Option<&str>,
) -> UiResult<UsersPage> {
    let at = at.min(u32::try_from(MAX_RESULTS / u64::from(PAGE_SIZE)).unwrap_or(0) - 1);
    let (users, total, search_error) = match user_search::parse(&q) {
        Ok(query) => {
            let listing = state
                .store
                .list_users(&query, Sort::default(), at, PAGE_SIZE)
                .await?;
            (listing.items, listing.total, None)
        }
        Err(Error::Invalid(i)) => (Vec::new(), 0, Some(i.message)),
        Err(e) => return Err(e.into()),
    };
    let shown = u64::from(at) * u64::from(PAGE_SIZE) + users.len() as u64;
    let link = |p: u32| url_with(&paths::users(), &[("q", &q), ("page", &p.to_string())]);
    Ok(UsersPage {
        page: Page::new(who, "Users", "users").with_notice(notice),
        next: (shown < total.min(MAX_RESULTS)).then(|| link(at + 1)),
        previous: (at > 0).then(|| link(at - 1)),
        q,
        users,
        total,
        search_error,
        databases: databases(state).await?,
        form,
        errors,
    })
}

async fn list(
    State(state): State<Pages>,
    who: SignedIn,
    Query(query): Query<ListQuery>,
) -> UiResult<Response> {
    let t = page(
        &state,
        &who,
        query.q.trim().to_owned(),
        query.page,
        Form::default(),
        Errors::none(),
        query.notice.as_deref(),
    )
    .await?;
    Ok(ok(&t))
}

async fn create(State(state): State<Pages>, posted: Posted) -> UiResult<Response> {
    let f = &posted.form;
    let form = Form {
        connection: f.get("connection").to_owned(),
        email: f.get("email").trim().to_owned(),
        name: f.get("name").trim().to_owned(),
    };
    let mut body = json!({
        "connection": form.connection,
        "email": form.email,
        "password": f.get("password"),
    });
    if !form.name.is_empty() {
        body["name"] = json!(form.name);
    }
    let made = match CreateUser::parse(&body) {
        Ok(b) => accounts::create_user(&state.store, state.clock.as_ref(), b).await,
        Err(e) => Err(e.into()),
    };
    match made {
        Ok(_) => Ok(see_other(&format!("{}?notice=created", paths::users()))),
        Err(e) => {
            let e = FormError::from_domain(e, FIELDS)?;
            let t = page(
                &state,
                &posted.who,
                String::new(),
                0,
                form,
                Errors(Some(e)),
                None,
            )
            .await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
    }
}

/// `blocked=true` blocks, anything else unblocks.
async fn block(
    State(state): State<Pages>,
    Path(uid): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let uid = user_id(&uid)?;
    let blocked = posted.form.get("blocked") == "true";
    let (patch, _) = UserPatch::from_body(UpdateUser {
        blocked: Some(blocked),
        ..UpdateUser::default()
    })?;
    state
        .store
        .update_user(&uid, patch, None, state.clock.now())
        .await?;
    let notice = if blocked { "blocked" } else { "unblocked" };
    Ok(see_other(&format!("{}?notice={notice}", paths::users())))
}

#[derive(Template)]
#[template(path = "user_delete.html")]
struct DeletePage {
    page: Page,
    user: User,
    organizations: u64,
}

async fn confirm_delete(
    State(state): State<Pages>,
    who: SignedIn,
    Path(uid): Path<String>,
) -> UiResult<Response> {
    let uid = user_id(&uid)?;
    let user = state.store.get_user(&uid).await?;
    let organizations = state.store.user_organizations(&uid, 0, 1).await?.total;
    Ok(ok(&DeletePage {
        page: Page::new(&who, format!("Delete {}", user.profile.name), "users"),
        user,
        organizations,
    }))
}

async fn delete(
    State(state): State<Pages>,
    Path(uid): Path<String>,
    _posted: Posted,
) -> UiResult<Response> {
    let uid = user_id(&uid)?;
    state.store.delete_user(&uid).await?;
    Ok(see_other(&format!("{}?notice=deleted", paths::users())))
}
