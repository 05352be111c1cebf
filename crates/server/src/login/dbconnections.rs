//! `POST /dbconnections/signup`: Auth0's sign-up on a database connection without a page (SDKs'
//! `signUp`/`database.signup`), for a client the connection is enabled for, unless the
//! connection has `disable_signup`. Answers in the Authentication API's own shapes.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use orgwarden_domain::ids::ClientId;
use orgwarden_domain::password;
use orgwarden_domain::Error;
use orgwarden_proto::login::{AuthApiError, SignupRequest, SignupResponse};
use orgwarden_proto::users::CreateUser;
use serde_json::Value;

use super::Login;
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

fn internal(e: Error) -> Response {
    tracing::error!(error = ?e, "sign-up failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "server_error",
        "Internal error",
    )
}
