//! The tenant's connections: a list with a strategy filter, create, which organizations use
//! one, and delete (after a page listing the organizations it will be removed from).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::connection::{Connection, ConnectionFilter, NewConnection, STRATEGIES};
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::organization::Organization;
use orgwarden_domain::paging::PageRequest;
use orgwarden_proto::connections::CreateConnection;
use orgwarden_proto::Request;
use serde::Deserialize;

use super::csrf::Posted;
use super::paths;
use super::{ok, render, see_other, url_with, Errors, FormError, Page, SignedIn, UiResult};
use crate::state::AppState;
use crate::tenant::Tenant;

const PAGE_SIZE: u32 = 50;
/// Organizations listed on a connection's page.
const USING_MAX: u32 = 100;

const FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("strategy", "strategy"),
    ("display_name", "display_name"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::CONNECTIONS, get(list).post(create))
        .route(paths::NEW_CONNECTION, get(new_form))
        .route(paths::CONNECTION, get(view))
        .route(paths::DELETE_CONNECTION, get(confirm_delete).post(delete))
}

fn connection_id(id: &str) -> UiResult<ConnectionId> {
    ConnectionId::parse(id).ok_or_else(|| {
        orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Connection).into()
    })
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    strategy: String,
    from: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "connections.html")]
struct ListPage {
    page: Page,
    strategy: String,
    strategies: &'static [&'static str],
    connections: Vec<Connection>,
    next: Option<String>,
    first: Option<String>,
    error: Option<String>,
}

async fn list(
    State(state): State<Tenant>,
    who: SignedIn,
    Query(q): Query<ListQuery>,
) -> UiResult<Response> {
    let strategy = if STRATEGIES.contains(&q.strategy.as_str()) {
        q.strategy.clone()
    } else {
        String::new()
    };
    let filter = ConnectionFilter {
        name: None,
        strategies: if strategy.is_empty() {
            Vec::new()
        } else {
            vec![strategy.clone()]
        },
    };
    let request = PageRequest::Checkpoint {
        from: q.from.clone().filter(|f| !f.is_empty()),
        take: PAGE_SIZE,
    };
    let (connections, next, error) = match state.store.list_connections(&filter, request).await {
        Ok(l) => (l.items, l.next, None),
        Err(orgwarden_domain::Error::Invalid(m)) => (Vec::new(), None, Some(m.message)),
        Err(e) => return Err(e.into()),
    };
    Ok(ok(&ListPage {
        page: Page::new(&who, "Connections", "connections").with_notice(q.notice.as_deref()),
        next: next.map(|n| {
            url_with(
                &paths::connections(),
                &[("strategy", &strategy), ("from", &n)],
            )
        }),
        first: q
            .from
            .is_some()
            .then(|| url_with(&paths::connections(), &[("strategy", &strategy)])),
        strategy,
        strategies: STRATEGIES,
        connections,
        error,
    }))
}

#[derive(Default)]
struct ConnForm {
    name: String,
    strategy: String,
    display_name: String,
}

#[derive(Template)]
#[template(path = "connection_form.html")]
struct FormPage {
    page: Page,
    form: ConnForm,
    strategies: &'static [&'static str],
    errors: Errors,
}

async fn new_form(who: SignedIn) -> Response {
    ok(&FormPage {
        page: Page::new(&who, "New connection", "connections"),
        form: ConnForm {
            strategy: "auth0".into(),
            ..Default::default()
        },
        strategies: STRATEGIES,
        errors: Errors::none(),
    })
}

async fn create(State(state): State<Tenant>, posted: Posted) -> UiResult<Response> {
    let f = &posted.form;
    let form = ConnForm {
        name: f.get("name").trim().to_owned(),
        strategy: f.get("strategy").to_owned(),
        display_name: f.get("display_name").trim().to_owned(),
    };
    let body = CreateConnection {
        name: form.name.clone(),
        strategy: form.strategy.clone(),
        display_name: (!form.display_name.is_empty()).then(|| form.display_name.clone()),
        ..Default::default()
    };
    let checked = body.validated().map_err(Into::into);
    let result = match checked.and_then(NewConnection::try_from) {
        Ok(new) => {
            state
                .store
                .create_connection(new.into_connection(ConnectionId::generate()))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(see_other(&format!(
            "{}?notice=created",
            paths::connection(c.id.as_str())
        ))),
        Err(e) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                page: Page::new(&posted.who, "New connection", "connections"),
                errors: Errors(Some(FormError::from_domain(e, FIELDS)?)),
                form,
                strategies: STRATEGIES,
            },
        )),
    }
}

#[derive(Template)]
#[template(path = "connection.html")]
struct ViewPage {
    page: Page,
    connection: Connection,
    orgs: Vec<Organization>,
    more: bool,
    deleting: bool,
}

async fn load(state: &Tenant, id: &str) -> UiResult<(Connection, Vec<Organization>, bool)> {
    let id = connection_id(id)?;
    let connection = state.store.get_connection(&id).await?;
    let mut orgs = state.store.organizations_using(&id, USING_MAX + 1).await?;
    let more = orgs.len() > USING_MAX as usize;
    orgs.truncate(USING_MAX as usize);
    Ok((connection, orgs, more))
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn view(
    State(state): State<Tenant>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> UiResult<Response> {
    let (connection, orgs, more) = load(&state, &id).await?;
    Ok(ok(&ViewPage {
        page: Page::new(
            &who,
            format!("Connection {}", connection.name),
            "connections",
        )
        .with_notice(q.notice.as_deref()),
        connection,
        orgs,
        more,
        deleting: false,
    }))
}

async fn confirm_delete(
    State(state): State<Tenant>,
    who: SignedIn,
    Path(id): Path<String>,
) -> UiResult<Response> {
    let (connection, orgs, more) = load(&state, &id).await?;
    Ok(ok(&ViewPage {
        page: Page::new(&who, format!("Delete {}", connection.name), "connections"),
        connection,
        orgs,
        more,
        deleting: true,
    }))
}

async fn delete(
    State(state): State<Tenant>,
    Path(id): Path<String>,
    _posted: Posted,
) -> UiResult<Response> {
    let id = connection_id(&id)?;
    state
        .store
        .delete_connection(&id, state.clock.now())
        .await?;
    Ok(see_other(&format!(
        "{}?notice=deleted",
        paths::connections()
    )))
}
