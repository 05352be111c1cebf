//! `/api/v2/organizations/{id}/invitations`: invitations to join an organization. orgwarden
//! sends no email: the link is in the answer. The rules are in
//! `orgwarden_domain::rules::invitations`.

use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use orgwarden_domain::ids::InvitationId;
use orgwarden_domain::invitation::{Invitation, NewInvitation};
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::validate::{message, Origin};
use orgwarden_domain::{Error, NotFound};
use orgwarden_proto::invitations::CreateInvitation;
use orgwarden_proto::Request;
use serde_json::{json, Value};

use super::fields::{FieldsParam, Selection};
use super::json::{no_content, to_json, JsonBody, Reply};
use super::path::{self, Path};
use super::query::{Paging, Query};
use crate::auth::principal::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ratelimit::plan::Group::{OrganizationsRead, OrganizationsWrite};
use crate::state::AppState;
use crate::tenant::Tenant;

pub const READ: &[&str] = &["read:organization_invitations"];
pub const CREATE: &[&str] = &["create:organization_invitations"];
pub const DELETE: &[&str] = &["delete:organization_invitations"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/organizations/{id}/invitations",
            get(list.layer(OrganizationsRead.layer()))
                .post(create.layer(OrganizationsWrite.layer())),
        )
        .route(
            "/organizations/{id}/invitations/{invitation_id}",
            get(read.layer(OrganizationsRead.layer()))
                .delete(remove.layer(OrganizationsWrite.layer())),
        )
}

fn invitation_id(s: &str) -> ApiResult<InvitationId> {
    InvitationId::parse(s).ok_or(ApiError::Domain(Error::NotFound(NotFound::Invitation)))
}

/// `fields` and `include_fields` (this endpoint's description says the default).
const FIELDS: FieldsParam = FieldsParam {
    include_desc:
        "Whether specified fields are to be included (true) or excluded (false). Defaults to true.",
    ..FieldsParam::any(1000)
};

fn shown(i: &Invitation, f: &Selection) -> Value {
    f.apply(to_json(&i.to_wire()))
}

async fn list(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let paging = Paging::offset(&q)?;
    let PageRequest::Offset { page, per_page } = paging.request else {
        unreachable!("offset paging")
    };
    let descending = match q.str("sort").filter(|s| !s.is_empty()) {
        None | Some("created_at:1") => false,
        Some("created_at:-1") => true,
        Some(other) => {
            return Err(ApiError::InvalidQuery(message(
                Origin::Query,
                &format!("String does not match pattern ^(([a-zA-Z0-9_\\.]+))\\:(1|-1)$: {other}"),
                "sort",
                "Field to sort by. Use field:order where order is 1 for ascending and -1 for descending Defaults to created_at:-1.",
            )))
        }
    };
    let f = Selection::read(&q, &FIELDS)?;
    let listing = state
        .store
        .list_invitations(&org, state.clock.now(), descending, page, per_page)
        .await?;
    let items: Vec<Value> = listing.items.iter().map(|i| shown(i, &f)).collect();
    if paging.include_totals {
        // Auth0's envelope for invitations has no total.
        Ok(Reply::ok(json!({
            "start": u64::from(page) * u64::from(per_page),
            "limit": per_page,
            "invitations": items,
        })))
    } else {
        Ok(Reply::ok(Value::Array(items)))
    }
}

async fn create(
    State(state): State<Tenant>,
    p: Principal,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Reply> {
    p.require(CREATE)?;
    let org = path::org_id(&id)?;
    let new = NewInvitation::try_from(CreateInvitation::parse(&body)?)?;
    let invitation = state
        .store
        .create_invitation(&org, new, state.clock.now())
        .await?;
    Ok(Reply::created(invitation.to_wire()))
}

async fn read(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, invitation)): Path<(String, String)>,
    q: Query,
) -> ApiResult<Reply> {
    p.require(READ)?;
    let org = path::org_id(&id)?;
    let f = Selection::read(&q, &FIELDS)?;
    let invitation = state
        .store
        .get_invitation(&org, &invitation_id(&invitation)?, state.clock.now())
        .await?;
    Ok(Reply::ok(shown(&invitation, &f)))
}

async fn remove(
    State(state): State<Tenant>,
    p: Principal,
    Path((id, invitation)): Path<(String, String)>,
) -> ApiResult<Response> {
    p.require(DELETE)?;
    let org = path::org_id(&id)?;
    state
        .store
        .delete_invitation(&org, &invitation_id(&invitation)?)
        .await?;
    Ok(no_content())
}
