//! `POST /dbconnections/signup`: Auth0's sign-up on a database connection without a page (SDKs'
//! `signUp`/`database.signup`), for a client the connection is enabled for, unless the
//! connection has `disable_signup`; and `POST /dbconnections/change_password`. Answers in the
//! Authentication API's own shapes.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::client::Client;
use orgwarden_domain::connection::Connection;
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::login::PasswordTicket;
use orgwarden_domain::password;
use orgwarden_domain::Error;
use orgwarden_proto::login::{
    AuthApiError, ChangePasswordRequest, SignupRequest, SignupResponse, CHANGE_PASSWORD_SENT,
};
use orgwarden_proto::tickets::DEFAULT_TTL_SEC;
use orgwarden_proto::users::CreateUser;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Login;
use crate::accounts::MAX_CREDENTIAL_CHARS;
use crate::api::json::{json_response, read_limited};
use crate::auth::attempts::{self, FailedAttempts};
use crate::ratelimit::limits::now_ms;

fn error(status: StatusCode, name: &str, code: &str, description: impl Into<String>) -> Response {
    json_response(
        status,
        &AuthApiError {
            name: name.to_owned(),
            message: None,
            code: code.to_owned(),
            description: description.into(),
            status_code: status.as_u16(),
        },
    )
}

fn bad(code: &str, description: impl Into<String>) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequestError",
        code,
        description,
    )
}

/// A step's refusal, already in the Authentication API's shape.
type Refused = Box<Response>;

/// The JSON body as `T`; `shape` says what a body must be when it is not.
async fn read_body<T: DeserializeOwned>(body: Body, shape: &str) -> Result<T, Refused> {
    let Ok(bytes) = read_limited(body).await else {
        return Err(Box::new(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            "invalid_body",
            "Request body too large.",
        )));
    };
    serde_json::from_slice(&bytes).map_err(|_| Box::new(bad("invalid_body", shape)))
}

/// Auth0's "Missing required parameter" for the first empty one.
fn required(fields: &[(&str, &str)]) -> Result<(), Refused> {
    match fields.iter().find(|(_, value)| value.is_empty()) {
        Some((field, _)) => Err(Box::new(bad(
            "invalid_parameter",
            format!("Missing required parameter: {field}"),
        ))),
        None => Ok(()),
    }
}

/// The client `id` names; `unauthorized_client` when there is none.
async fn client(l: &Login, id: &str) -> Result<Client, Refused> {
    let unknown = || {
        Box::new(error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedError",
            "unauthorized_client",
            "Unknown client.",
        ))
    };
    let id = ClientId::parse(id).ok_or_else(unknown)?;
    match l.tenant.store.get_client(&id).await {
        Ok(c) => Ok(c),
        Err(Error::NotFound(_)) => Err(unknown()),
        Err(e) => Err(Box::new(internal(e))),
    }
}

/// The database connection called `name`, enabled for `client` when there is one.
async fn database(l: &Login, name: &str, client: Option<&Client>) -> Result<Connection, Refused> {
    let enabled = |c: &Connection| {
        client.is_none_or(|cl| {
            c.enabled_clients
                .iter()
                .any(|id| id == cl.client_id.as_str())
        })
    };
    match crate::accounts::connection_named(&l.tenant.store, name).await {
        Ok(c) if c.is_database() && enabled(&c) => Ok(c),
        Ok(_) | Err(Error::Invalid(_)) => Err(Box::new(bad(
            "invalid_connection",
            "The connection does not exist, is not a database connection, or is not enabled for this client.",
        ))),
        Err(e) => Err(Box::new(internal(e))),
    }
}

/// Counts one request from the caller's address against `limit`, refusing it when none are
/// left; `what` names the requests in the message.
fn spend(l: &Login, parts: &Parts, limit: &FailedAttempts, what: &str) -> Result<(), Refused> {
    let source = attempts::source(&parts.extensions);
    let now = now_ms(l.tenant.clock.as_ref());
    if let Some(wait) = limit.blocked(&source, now) {
        return Err(Box::new(error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            "too_many_attempts",
            format!("Too many {what} from this address; retry in {wait} seconds."),
        )));
    }
    limit.record(&source, now);
    Ok(())
}

pub async fn signup(State(l): State<Login>, req: Request) -> Response {
    sign_up(&l, req).await.unwrap_or_else(|refused| *refused)
}

async fn sign_up(l: &Login, req: Request) -> Result<Response, Refused> {
    let (parts, body) = req.into_parts();
    let body: SignupRequest = read_body(
        body,
        "The body must be a JSON object with client_id, connection, email and password.",
    )
    .await?;
    required(&[
        ("client_id", &body.client_id),
        ("connection", &body.connection),
        ("email", &body.email),
        ("password", &body.password),
    ])?;
    let client = client(l, &body.client_id).await?;
    let connection = database(l, &body.connection, Some(&client)).await?;
    if connection
        .options
        .get("disable_signup")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return Err(Box::new(bad(
            "operation_not_allowed",
            "public signup is disabled",
        )));
    }
    spend(l, &parts, &l.attempts.signup_per_source, "sign-ups")?;
    if let Err(Error::Invalid(i)) = password::check_policy(&connection.options, &body.password) {
        return Err(Box::new(json_response(
            StatusCode::BAD_REQUEST,
            &AuthApiError {
                name: "PasswordStrengthError".into(),
                message: Some("Password is too weak".into()),
                code: "invalid_password".into(),
                description: i.to_string(),
                status_code: 400,
            },
        )));
    }
    let create = CreateUser {
        connection: connection.name.clone(),
        email: Some(body.email.clone()),
        password: Some(body.password.clone()),
        username: body.username.clone(),
        given_name: body.given_name.clone(),
        family_name: body.family_name.clone(),
        name: body.name.clone(),
        nickname: body.nickname.clone(),
        picture: body.picture.clone(),
        user_metadata: body.user_metadata.clone(),
        ..CreateUser::default()
    };
    match crate::accounts::create_user(&l.tenant.store, l.tenant.clock.as_ref(), create).await {
        Ok(user) => {
            tracing::info!(user = user.id.as_str(), connection = %connection.name, "signed up through /dbconnections/signup");
            Ok(json_response(
                StatusCode::OK,
                &SignupResponse {
                    id: user.id.local().to_owned(),
                    email: user.profile.email.clone().unwrap_or_default(),
                    username: user.profile.username.clone(),
                    email_verified: user.profile.email_verified,
                },
            ))
        }
        Err(Error::Conflict { .. }) => Err(Box::new(bad("invalid_signup", "Invalid sign up"))),
        Err(Error::Invalid(i)) => Err(Box::new(bad("invalid_parameter", i.to_string()))),
        Err(e) => Err(Box::new(internal(e))),
    }
}

/// `POST /dbconnections/change_password`: Auth0 emails a link; orgwarden sends no email, so
/// the link (a password-change ticket) is logged at info for whoever runs the server. The
/// answer is the same whether or not the email belongs to someone.
pub async fn change_password(State(l): State<Login>, req: Request) -> Response {
    ask_for_a_link(&l, req)
        .await
        .unwrap_or_else(|refused| *refused)
}

async fn ask_for_a_link(l: &Login, req: Request) -> Result<Response, Refused> {
    let (parts, body) = req.into_parts();
    let body: ChangePasswordRequest = read_body(
        body,
        "The body must be a JSON object with email and connection (and client_id).",
    )
    .await?;
    required(&[("email", &body.email), ("connection", &body.connection)])?;
    if body.email.len() > MAX_CREDENTIAL_CHARS {
        return Err(Box::new(bad("invalid_parameter", "email is too long")));
    }
    let client = match body.client_id.as_deref().filter(|c| !c.is_empty()) {
        Some(id) => Some(client(l, id).await?),
        None => None,
    };
    let connection = database(l, &body.connection, client.as_ref()).await?;
    spend(
        l,
        &parts,
        &l.attempts.reset_per_source,
        "password-change requests",
    )?;
    let email = body.email.trim().to_lowercase();
    let user = match l.tenant.store.users_by_email(&email).await {
        Ok(users) => users.into_iter().find(|u| u.connection_id == connection.id),
        Err(e) => return Err(Box::new(internal(e))),
    };
    if let Some(user) = user {
        let ticket = PasswordTicket {
            user_id: user.id.as_str().to_owned(),
            result_url: None,
            client_id: client.map(|c| c.client_id.as_str().to_owned()),
            organization_id: body.organization.filter(|o| !o.is_empty() && o.len() <= 64),
            mark_email_as_verified: true,
            include_email_in_redirect: false,
        };
        match super::reset::issue(&l.tenant, &ticket, DEFAULT_TTL_SEC).await {
            Ok(url) => tracing::info!(
                user = user.id.as_str(),
                connection = %connection.name,
                %url,
                "password-change link (orgwarden sends no email; give this link to the person)"
            ),
            Err(e) => return Err(Box::new(internal(e))),
        }
    }
    // Auth0 answers the sentence as text (SDKs read it raw), not as a JSON string.
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        CHANGE_PASSWORD_SENT,
    )
        .into_response())
}

fn internal(e: Error) -> Response {
    tracing::error!(error = ?e, "a database connection request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "server_error",
        "Internal error",
    )
}
