//! The database connection's forms: `POST /u/login` (email and password) and `POST /u/signup`.
//! Each resolves the carried `/authorize` parameters again, checks the form's CSRF token, and
//! counts failures per source and per account (Auth0's brute-force protection); a wrong email
//! and a wrong password get the same answer, after the same work.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;
use orgwarden_domain::login::admission::may_sign_up;
use orgwarden_domain::login::AuthorizeParams;
use orgwarden_domain::Error;
use orgwarden_proto::users::CreateUser;
use serde::Deserialize;

use super::flow::{resolve, Door, Flow, FlowError};
use super::{answer, complete, pages, session, Login};
use crate::accounts::MAX_CREDENTIAL_CHARS;
use crate::auth::attempts::{self, Account};
use crate::ratelimit::limits::now_ms;

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    db: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A form step's outcome: the next response, or the form again with a message.
enum Step {
    Done(Response),
    Again { status: StatusCode, message: String },
}

fn again(status: StatusCode, message: &str) -> Step {
    Step::Again {
        status,
        message: message.to_owned(),
    }
}

pub async fn login(
    State(l): State<Login>,
    parts: Parts,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    handle(&l, &parts, form, false).await
}

pub async fn signup(
    State(l): State<Login>,
    parts: Parts,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    handle(&l, &parts, form, true).await
}

async fn handle(
    l: &Login,
    parts: &Parts,
    form: Result<Form<LoginForm>, FormRejection>,
    signup: bool,
) -> Response {
    let headers = &parts.headers;
    let Ok(Form(form)) = form else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "Invalid request",
            "The form could not be read.",
            "invalid_request",
            &answer::request_id(headers),
        );
    };
    let flow = match resolve(&l.tenant, form.params.clone()).await {
        Ok(f) => f,
        Err(e) => return answer::failure(e, headers),
    };
    let step = if !session::csrf_matches(headers, &form.csrf) {
        Ok(again(
            StatusCode::FORBIDDEN,
            "This form expired (or cookies are off for this site). Please try again.",
        ))
    } else if signup {
        sign_up(l, parts, &flow, &form).await
    } else {
        log_in(l, parts, &flow, &form).await
    };
    match step {
        Ok(Step::Done(resp)) => resp,
        Ok(Step::Again { status, message }) => {
            let (csrf, cookie) = session::csrf(&l.tenant, headers);
            let typed = if signup { &form.email } else { &form.username };
            let again = pages::Again {
                error: Some(message),
                connection: Some(&form.db),
                email: Some(typed.trim())
                    .filter(|e| !e.is_empty() && e.len() <= MAX_CREDENTIAL_CHARS),
                identified: true,
            };
            let mut resp = pages::login(&flow, signup, &csrf, again);
            *resp.status_mut() = status;
            session::set(&mut resp, cookie);
            resp
        }
        Err(e) => answer::failure(e, headers),
    }
}

/// The database connection the form names, if the flow offers it.
fn door<'a>(flow: &'a Flow, name: &str) -> Option<&'a Door> {
    flow.doors.iter().find(|d| {
        d.is_database()
            && d.connection.name == name
            && flow.authz.connection.as_ref().is_none_or(|c| c == name)
    })
}

/// The email (trimmed, lowercase), if both it and the password are given and not too long.
fn credentials(email: &str, password: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let fits = |s: &str| !s.is_empty() && s.len() <= MAX_CREDENTIAL_CHARS;
    (fits(&email) && fits(password)).then_some(email)
}

async fn log_in(
    l: &Login,
    parts: &Parts,
    flow: &Flow,
    form: &LoginForm,
) -> Result<Step, FlowError> {
    let Some(door) = door(flow, &form.db) else {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Choose a connection to log in with.",
        ));
    };
    let Some(email) = credentials(&form.username, &form.password) else {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Enter your email address and password.",
        ));
    };
    let source = attempts::source(&parts.extensions);
    let account = Account {
        source: &source,
        connection: &door.connection.name,
        email: &email,
    };
    let now = now_ms(l.tenant.clock.as_ref());
    if let Some(wait) = l.attempts.password_blocked(&account, now) {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many failed attempts to log in. Try again in {wait} seconds."),
        ));
    }
    let found = crate::accounts::authenticate(
        &l.tenant.store,
        &door.connection,
        &email,
        form.password.clone(),
    )
    .await?;
    let Some(user) = found else {
        l.attempts.password_failed(&account, now);
        return Ok(again(StatusCode::UNAUTHORIZED, "Wrong email or password."));
    };
    if user.profile.blocked == Some(true) {
        return Ok(again(StatusCode::UNAUTHORIZED, "user is blocked"));
    }
    tracing::info!(user = user.id.as_str(), connection = %door.connection.name, "signed in with a password");
    complete::signed_in(&l.tenant, flow, &user, door)
        .await
        .map(Step::Done)
}

async fn sign_up(
    l: &Login,
    parts: &Parts,
    flow: &Flow,
    form: &LoginForm,
) -> Result<Step, FlowError> {
    let Some(door) = door(flow, &form.db) else {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Choose a connection to sign up with.",
        ));
    };
    if !may_sign_up(&door.settings, flow.invitation.is_some()) {
        return Ok(again(
            StatusCode::FORBIDDEN,
            "Sign-ups are not allowed here: ask for an invitation.",
        ));
    }
    let Some(email) = credentials(&form.email, &form.password) else {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Enter your email address and a password.",
        ));
    };
    if let Some(inv) = &flow.invitation {
        if !inv.invitee_email.eq_ignore_ascii_case(&email) {
            return Ok(again(
                StatusCode::FORBIDDEN,
                "This invitation was sent to a different email address.",
            ));
        }
    }
    let source = attempts::source(&parts.extensions);
    let now = now_ms(l.tenant.clock.as_ref());
    if let Some(wait) = l.attempts.signup_per_source.blocked(&source, now) {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too many sign-ups from this address. Try again in {wait} seconds."),
        ));
    }
    l.attempts.signup_per_source.record(&source, now);
    let body = CreateUser {
        connection: door.connection.name.clone(),
        email: Some(email),
        password: Some(form.password.clone()),
        ..CreateUser::default()
    };
    let user =
        match crate::accounts::create_user(&l.tenant.store, l.tenant.clock.as_ref(), body).await {
            Ok(u) => u,
            Err(Error::Conflict { .. }) => {
                return Ok(again(StatusCode::CONFLICT, "The user already exists."))
            }
            Err(Error::Invalid(i)) => return Ok(again(StatusCode::BAD_REQUEST, &i.to_string())),
            Err(e) => return Err(e.into()),
        };
    tracing::info!(user = user.id.as_str(), connection = %door.connection.name, "signed up");
    complete::signed_in(&l.tenant, flow, &user, door)
        .await
        .map(Step::Done)
}
