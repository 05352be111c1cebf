//! The one error type of the client, so a caller (a CLI choosing its exit code) can tell a
//! refusal by the server from a network failure, a TLS failure, or a body it could not read.

use orgwarden_proto::tokens::OAuthError;
use orgwarden_proto::ErrorBody;

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Management API answered with an error status and Auth0's error body. A body that
    /// is not Auth0's shape (a proxy's HTML page) is kept as the `message`, with the status's
    /// reason as `error` and no `errorCode`. (Boxed: it keeps `Result`s small.)
    #[error("{status}: {}", body.message)]
    Api { status: u16, body: Box<ErrorBody> },
    /// `/oauth/token` refused to issue a token (`access_denied`, `invalid_request`, …).
    #[error("token request refused ({status}): {}: {}", body.error, body.error_description)]
    OAuth { status: u16, body: Box<OAuthError> },
    /// The server could not be reached, or the connection broke.
    #[error("network: {0}")]
    Network(#[source] reqwest::Error),
    /// The TLS handshake failed (untrusted certificate, wrong name), or the CA file given to
    /// the builder could not be read.
    #[error("TLS: {0}")]
    Tls(String),
    /// A success response whose body is not what the endpoint promises.
    #[error("could not decode the response of {what}: {detail}")]
    Decode { what: String, detail: String },
    /// The builder was given settings it cannot use (no domain, a malformed URL).
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// The HTTP status of a refusal, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::OAuth { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Auth0's `errorCode` of a refusal (`inexistent_connection`, `too_many_requests`, …).
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Error::Api { body, .. } => body.error_code.as_deref(),
            _ => None,
        }
    }

    /// Sorts a transport failure: a TLS failure anywhere in its causes makes it `Tls`.
    pub(crate) fn transport(e: reqwest::Error) -> Error {
        match tls_cause(&e) {
            Some(why) => Error::Tls(format!("{e}: {why}")),
            None => Error::Network(e),
        }
    }
}

/// The rustls error among the causes of `e`. `io::Error` hides the error it wraps from
/// `source()` (and wraps io errors in io errors), so those are unwrapped as well.
fn tls_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        let mut inner = Some(c);
        while let Some(i) = inner {
            if let Some(t) = i.downcast_ref::<rustls::Error>() {
                return Some(t.to_string());
            }
            inner = i
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .map(|e| e as &(dyn std::error::Error + 'static));
        }
        cause = c.source();
    }
    None
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
