//! `POST /dbconnections/signup`: Auth0's sign-up on a database connection without a page (SDKs'
//! `signUp`/`database.signup`), for a client the connection is enabled for, unless the
//! connection has `disable_signup`; and `POST /dbconnections/change_password`. Answers in the
//! Authentication API's own shapes.

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::login::PasswordTicket;
use orgwarden_domain::password;
use orgwarden_domain::Error;
use orgwarden_proto::login::{
    AuthApiError, ChangePasswordRequest, SignupRequest, SignupResponse, CHANGE_PASSWORD_SENT,
};
use orgwarden_proto::tickets::DEFAULT_TTL_SEC;
use orgwarden_proto::users::CreateUser;
use serde_json::Value;

use super::Login;
use crate::accounts::MAX_CREDENTIAL_CHARS;
use crate::api::json::{json_response, read_limited};
use crate::auth::attempts;
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

pub async fn signup(State(l): State<Login>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = read_limited(body).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            "invalid_body",
            "Request body too large.",
        );
    };
    let Ok(body) = serde_json::from_slice::<SignupRequest>(&body) else {
        return bad(
            "invalid_body",
            "The body must be a JSON object with client_id, connection, email and password.",
        );
    };
    for (field, value) in [
        ("client_id", &body.client_id),
        ("connection", &body.connection),
        ("email", &body.email),
        ("password", &body.password),
    ] {
        if value.is_empty() {
            return bad(
                "invalid_parameter",
                format!("Missing required parameter: {field}"),
            );
        }
    }
    let store = &l.tenant.store;
    let client = match ClientId::parse(&body.client_id) {
        Some(id) => store.get_client(&id).await.ok(),
        None => None,
    };
    let Some(client) = client else {
        return error(
            StatusCode::UNAUTHORIZED,
            "UnauthorizedError",
            "unauthorized_client",
            "Unknown client.",
        );
    };
    let connection = match crate::accounts::connection_named(store, &body.connection).await {
        Ok(c) if c.is_database() && c.enabled_clients.iter().any(|id| id == client.client_id.as_str()) => c,
        Ok(_) | Err(Error::Invalid(_)) => {
            return bad("invalid_connection", "The connection does not exist, is not a database connection, or is not enabled for this client.")
        }
        Err(e) => return internal(e),
    };
    if connection
        .options
        .get("disable_signup")
        .and_then(Value::as_bool)
        == Some(true)
    {
        return bad("operation_not_allowed", "public signup is disabled");
    }
    let source = attempts::source(&parts.extensions);
    let now = now_ms(l.tenant.clock.as_ref());
    if let Some(wait) = l.attempts.signup_per_source.blocked(&source, now) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            "too_many_attempts",
            format!("Too many sign-ups from this address; retry in {wait} seconds."),
        );
    }
    l.attempts.signup_per_source.record(&source, now);
    if let Err(Error::Invalid(i)) = password::check_policy(&connection.options, &body.password) {
        return json_response(
            StatusCode::BAD_REQUEST,
            &AuthApiError {
                name: "PasswordStrengthError".into(),
                message: Some("Password is too weak".into()),
                code: "invalid_password".into(),
                description: i.to_string(),
                status_code: 400,
            },
        );
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
    match crate::accounts::create_user(store, l.tenant.clock.as_ref(), create).await {
        Ok(user) => {
            tracing::info!(user = user.id.as_str(), connection = %connection.name, "signed up through /dbconnections/signup");
            json_response(
                StatusCode::OK,
                &SignupResponse {
                    id: user.id.local().to_owned(),
                    email: user.profile.email.clone().unwrap_or_default(),
                    username: user.profile.username.clone(),
                    email_verified: user.profile.email_verified,
                },
            )
        }
        Err(Error::Conflict { .. }) => bad("invalid_signup", "Invalid sign up"),
        Err(Error::Invalid(i)) => bad("invalid_parameter", i.to_string()),
        Err(e) => internal(e),
    }
}

/// `POST /dbconnections/change_password`: Auth0 emails a link; orgwarden sends no email, so
/// the link (a password-change ticket) is logged at info for whoever runs the server. The
/// answer is the same whether or not the email belongs to someone.
pub async fn change_password(State(l): State<Login>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = read_limited(body).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            "invalid_body",
            "Request body too large.",
        );
    };
    let Ok(body) = serde_json::from_slice::<ChangePasswordRequest>(&body) else {
        return bad(
            "invalid_body",
            "The body must be a JSON object with email and connection (and client_id).",
        );
    };
    for (field, value) in [("email", &body.email), ("connection", &body.connection)] {
        if value.is_empty() {
            return bad(
                "invalid_parameter",
                format!("Missing required parameter: {field}"),
            );
        }
    }
    if body.email.len() > MAX_CREDENTIAL_CHARS {
        return bad("invalid_parameter", "email is too long");
    }
    let store = &l.tenant.store;
    let client = match body.client_id.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(id) => {
            let found = match ClientId::parse(id) {
                Some(id) => match store.get_client(&id).await {
                    Ok(c) => Some(c),
                    Err(Error::NotFound(_)) => None,
                    Err(e) => return internal(e),
                },
                None => None,
            };
            let Some(client) = found else {
                return error(
                    StatusCode::UNAUTHORIZED,
                    "UnauthorizedError",
                    "unauthorized_client",
                    "Unknown client.",
                );
            };
            Some(client)
        }
    };
    let connection = match crate::accounts::connection_named(store, &body.connection).await {
        Ok(c)
            if c.is_database()
                && client.as_ref().is_none_or(|cl| {
                    c.enabled_clients.iter().any(|id| id == cl.client_id.as_str())
                }) =>
        {
            c
        }
        Ok(_) | Err(Error::Invalid(_)) => {
            return bad("invalid_connection", "The connection does not exist, is not a database connection, or is not enabled for this client.")
        }
        Err(e) => return internal(e),
    };
    let source = attempts::source(&parts.extensions);
    let now = now_ms(l.tenant.clock.as_ref());
    if let Some(wait) = l.attempts.reset_per_source.blocked(&source, now) {
        return error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsError",
            "too_many_attempts",
            format!(
                "Too many password-change requests from this address; retry in {wait} seconds."
            ),
        );
    }
    l.attempts.reset_per_source.record(&source, now);
    let email = body.email.trim().to_lowercase();
    let user = match store.users_by_email(&email).await {
        Ok(users) => users.into_iter().find(|u| u.connection_id == connection.id),
        Err(e) => return internal(e),
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
            Err(e) => return internal(e),
        }
    }
    // Auth0 answers the sentence as text (SDKs read it raw), not as a JSON string.
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        CHANGE_PASSWORD_SENT,
    )
        .into_response()
}

fn internal(e: Error) -> Response {
    tracing::error!(error = ?e, "sign-up failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "server_error",
        "Internal error",
    )
}
