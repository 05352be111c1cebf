//! Organizations: a searchable list paged by checkpoints (fast at any size), create, edit
//! (name, display name, branding, metadata), delete after a confirmation page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::{NewOrganization, Organization, OrganizationPatch, Sort};
use orgwarden_domain::paging::PageRequest;
use orgwarden_proto::organizations::{Branding, Colors, CreateOrganization, UpdateOrganization};
use orgwarden_proto::Request;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::csrf::Posted;
use super::paths;
use super::{ok, render, see_other, url_with, Errors, FormData, FormError, Page, SignedIn};
use super::{UiError, UiResult};
use crate::state::AppState;
use crate::tenant::Tenant;

const PAGE_SIZE: u32 = 50;
/// Empty metadata rows offered for new keys.
const EXTRA_ROWS: usize = 3;

/// API property → form field.
const FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("display_name", "display_name"),
    ("branding.logo_url", "logo_url"),
    ("branding.colors.primary", "primary"),
    ("branding.colors.page_background", "page_background"),
    ("branding.colors", "primary"),
    ("metadata", "metadata"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(paths::ORGANIZATIONS, get(list).post(create))
        .route(paths::NEW_ORGANIZATION, get(new_form))
        .route(paths::ORGANIZATION, get(edit_form).post(update))
        .route(paths::DELETE_ORGANIZATION, get(confirm_delete).post(delete))
}

pub(super) fn org_id(id: &str) -> UiResult<OrgId> {
    OrgId::parse(id).ok_or_else(|| {
        orgwarden_domain::Error::NotFound(orgwarden_domain::NotFound::Organization).into()
    })
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    from: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct ListPage {
    page: Page,
    q: String,
    orgs: Vec<Organization>,
    next: Option<String>,
    first: Option<String>,
    error: Option<String>,
}

async fn list(
    State(state): State<Tenant>,
    who: SignedIn,
    Query(query): Query<ListQuery>,
) -> UiResult<Response> {
    let q = query.q.trim().to_owned();
    let request = PageRequest::Checkpoint {
        from: query.from.clone().filter(|f| !f.is_empty()),
        take: PAGE_SIZE,
    };
    let listing = if q.is_empty() {
        state
            .store
            .list_organizations(Sort::default(), request)
            .await
    } else {
        state.store.search_organizations(&q, request).await
    };
    let (orgs, next, error) = match listing {
        Ok(l) => (l.items, l.next, None),
        Err(orgwarden_domain::Error::Invalid(m)) => (Vec::new(), None, Some(m.message)),
        Err(e) => return Err(e.into()),
    };
    let t = ListPage {
        page: Page::new(&who, "Organizations", "organizations")
            .with_notice(query.notice.as_deref()),
        next: next.map(|n| url_with(&paths::organizations(), &[("q", &q), ("from", &n)])),
        first: query
            .from
            .is_some()
            .then(|| url_with(&paths::organizations(), &[("q", &q)])),
        q,
        orgs,
        error,
    };
    Ok(ok(&t))
}

/// One metadata row of the form.
#[derive(Debug, Clone, Default)]
pub struct MetaRow {
    pub key: String,
    pub value: String,
}

/// What the organization form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct OrgForm {
    pub name: String,
    pub display_name: String,
    pub logo_url: String,
    pub primary: String,
    pub page_background: String,
    pub metadata: Vec<MetaRow>,
}

impl OrgForm {
    fn from_org(org: &Organization) -> Self {
        let branding = org.branding.clone().unwrap_or_default();
        let colors = branding.colors.clone();
        OrgForm {
            name: org.name.clone(),
            display_name: org.display_name.clone().unwrap_or_default(),
            logo_url: branding.logo_url.unwrap_or_default(),
            primary: colors
                .as_ref()
                .map(|c| c.primary.clone())
                .unwrap_or_default(),
            page_background: colors.map(|c| c.page_background).unwrap_or_default(),
            metadata: org
                .metadata
                .iter()
                .flatten()
                .map(|(k, v)| MetaRow {
                    key: k.clone(),
                    value: v.as_str().unwrap_or_default().to_owned(),
                })
                .collect(),
        }
    }

    fn from_posted(form: &FormData) -> Self {
        let keys = form.all("meta_key");
        let values = form.all("meta_value");
        let metadata = keys
            .iter()
            .enumerate()
            .map(|(i, k)| MetaRow {
                key: k.trim().to_owned(),
                value: values.get(i).copied().unwrap_or("").to_owned(),
            })
            .filter(|r| !r.key.is_empty() || !r.value.is_empty())
            .collect();
        OrgForm {
            name: form.get("name").trim().to_owned(),
            display_name: form.get("display_name").trim().to_owned(),
            logo_url: form.get("logo_url").trim().to_owned(),
            primary: form.get("primary").trim().to_owned(),
            page_background: form.get("page_background").trim().to_owned(),
            metadata,
        }
    }

    /// The form's rows plus empty ones for new keys.
    pub fn rows(&self) -> Vec<MetaRow> {
        let mut rows = self.metadata.clone();
        rows.extend(std::iter::repeat_n(MetaRow::default(), EXTRA_ROWS));
        rows
    }

    fn branding(&self) -> Option<Branding> {
        let b = Branding {
            logo_url: (!self.logo_url.is_empty()).then(|| self.logo_url.clone()),
            colors: (!self.primary.is_empty() || !self.page_background.is_empty()).then(|| {
                Colors {
                    primary: self.primary.clone(),
                    page_background: self.page_background.clone(),
                }
            }),
        };
        (!b.is_empty()).then_some(b)
    }

    /// The metadata object; a key without a name is an error the API would not see.
    fn metadata(&self) -> Result<Map<String, Value>, FormError> {
        let mut m = Map::new();
        for row in &self.metadata {
            if row.key.is_empty() {
                return Err(FormError {
                    field: Some("metadata"),
                    message: "Every metadata value needs a key.".into(),
                });
            }
            if m.insert(row.key.clone(), Value::String(row.value.clone()))
                .is_some()
            {
                return Err(FormError {
                    field: Some("metadata"),
                    message: format!("The metadata key {} is given twice.", row.key),
                });
            }
        }
        Ok(m)
    }

    fn display_name(&self) -> Option<String> {
        (!self.display_name.is_empty()).then(|| self.display_name.clone())
    }

    /// The body of `POST /api/v2/organizations`.
    fn create_body(&self) -> Result<CreateOrganization, FormError> {
        let metadata = self.metadata()?;
        Ok(CreateOrganization {
            name: self.name.clone(),
            display_name: self.display_name(),
            branding: self.branding(),
            metadata: (!metadata.is_empty()).then_some(metadata),
            ..Default::default()
        })
    }

    /// The body of `PATCH /api/v2/organizations/{id}`: empty branding and metadata remove
    /// them; an empty display name keeps the current one (the API cannot remove it).
    fn update_body(&self) -> Result<UpdateOrganization, FormError> {
        Ok(UpdateOrganization {
            name: Some(self.name.clone()),
            display_name: self.display_name(),
            branding: Some(self.branding()),
            metadata: Some(Some(self.metadata()?)),
            ..Default::default()
        })
    }
}

#[derive(Template)]
#[template(path = "organization_form.html")]
struct FormPage {
    page: Page,
    /// None: creating.
    org: Option<Organization>,
    form: OrgForm,
    errors: Errors,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.org {
            Some(o) => paths::organization(o.id.as_str()),
            None => paths::organizations(),
        }
    }
}

async fn new_form(who: SignedIn) -> Response {
    ok(&FormPage {
        page: Page::new(&who, "New organization", "organizations"),
        org: None,
        form: OrgForm::default(),
        errors: Errors::none(),
    })
}

async fn create(State(state): State<Tenant>, posted: Posted) -> UiResult<Response> {
    let form = OrgForm::from_posted(&posted.form);
    let result = match form.create_body() {
        Ok(body) => match body
            .validated()
            .map_err(Into::into)
            .and_then(NewOrganization::try_from)
        {
            Ok(new) => state
                .store
                .create_organization(OrgId::generate(), new)
                .await
                .map_err(|e| FormError::from_domain(e, FIELDS)),
            Err(e) => Err(FormError::from_domain(e, FIELDS)),
        },
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok((org, _)) => Ok(see_other(&format!(
            "{}?notice=created",
            paths::org_connections(org.id.as_str())
        ))),
        Err(e) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                page: Page::new(&posted.who, "New organization", "organizations"),
                org: None,
                form,
                errors: Errors(Some(e?)),
            },
        )),
    }
}

#[derive(Deserialize)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn edit_form(
    State(state): State<Tenant>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> UiResult<Response> {
    let org = state.store.get_organization(&org_id(&id)?).await?;
    Ok(ok(&FormPage {
        page: Page::new(&who, format!("Organization {}", org.name), "organizations")
            .with_notice(q.notice.as_deref()),
        form: OrgForm::from_org(&org),
        org: Some(org),
        errors: Errors::none(),
    }))
}

async fn update(
    State(state): State<Tenant>,
    Path(id): Path<String>,
    posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let form = OrgForm::from_posted(&posted.form);
    let result = match form.update_body() {
        Ok(body) => match body.validated().map(OrganizationPatch::from) {
            Ok(patch) => state
                .store
                .update_organization(&id, patch)
                .await
                .map_err(|e| FormError::from_domain(e, FIELDS)),
            Err(e) => Err(FormError::from_domain(e.into(), FIELDS)),
        },
        Err(e) => Err(Ok(e)),
    };
    match result {
        Ok(org) => Ok(see_other(&format!(
            "{}?notice=saved",
            paths::organization(org.id.as_str())
        ))),
        Err(e) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                page: Page::new(
                    &posted.who,
                    format!("Organization {}", org.name),
                    "organizations",
                ),
                org: Some(org),
                form,
                errors: Errors(Some(e?)),
            },
        )),
    }
}

#[derive(Template)]
#[template(path = "organization_delete.html")]
struct DeletePage {
    page: Page,
    org: Organization,
    connections: u64,
}

async fn confirm_delete(
    State(state): State<Tenant>,
    who: SignedIn,
    Path(id): Path<String>,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    let org = state.store.get_organization(&id).await?;
    let connections = state.store.list_enabled_connections(&id, 0, 1).await?.total;
    Ok(ok(&DeletePage {
        page: Page::new(&who, format!("Delete {}", org.name), "organizations"),
        org,
        connections,
    }))
}

async fn delete(
    State(state): State<Tenant>,
    Path(id): Path<String>,
    _posted: Posted,
) -> UiResult<Response> {
    let id = org_id(&id)?;
    match state.store.delete_organization(&id).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=deleted",
            paths::organizations()
        ))),
        Err(e) => Err(UiError::from(e)),
    }
}
