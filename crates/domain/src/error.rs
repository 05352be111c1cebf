//! The one domain error type. The HTTP layer maps each kind to Auth0's error body in one place.

use orgwarden_proto::error::code;
pub use orgwarden_proto::Invalid;

/// Which kind of thing was not found; each has its own Auth0 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotFound {
    Organization,
    Connection,
    /// A connection that exists but is not enabled for the organization.
    EnabledConnection,
    Client,
    ClientGrant,
    SigningKey,
    ResourceServer,
    User,
    Role,
    Invitation,
    DiscoveryDomain,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input breaks a rule. The message is Auth0's wording, ready for the client; the field
    /// (property path) it is about, when there is one, is beside it as data.
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{0:?} not found")]
    NotFound(NotFound),
    /// A uniqueness rule was broken. `code` is Auth0's `errorCode`.
    #[error("{message}")]
    Conflict { message: String, code: &'static str },
    /// An entity limit (such as 10 connections per organization) would be exceeded.
    #[error("{0}")]
    LimitReached(String),
    /// The storage cannot take the work now (every pooled connection stayed busy past the
    /// wait): a passing overload, worth a retry, unlike [`Error::Internal`]. The cause is for
    /// the log, never shown to clients.
    #[error("storage unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Anything else: a storage failure, a bug. Never shown to clients.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Invalid> for Error {
    fn from(i: Invalid) -> Self {
        Error::Invalid(i)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::Invalid(Invalid::new(message))
    }

    /// A rule broken by the property at `path` (e.g. `options.attributes`).
    pub fn invalid_field(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(Invalid::on(path, message))
    }

    pub fn organization_name_taken() -> Self {
        Error::Conflict {
            message: "An organization with the same name already exists.".into(),
            code: code::ORGANIZATION_CONFLICT,
        }
    }

    pub fn connection_name_taken() -> Self {
        Error::Conflict {
            message: "A connection with the same name already exists".into(),
            code: code::CONNECTION_CONFLICT,
        }
    }

    pub fn connection_already_enabled() -> Self {
        Error::Conflict {
            message: "The organization connection already exists.".into(),
            code: code::ORGANIZATION_CONNECTION_CONFLICT,
        }
    }

    pub fn resource_server_identifier_taken() -> Self {
        Error::Conflict {
            message: "A resource server with the same identifier already exists".into(),
            code: code::RESOURCE_SERVER_CONFLICT,
        }
    }

    pub fn organization_grant_exists() -> Self {
        Error::Conflict {
            message: "The client grant has already been added to this organization.".into(),
            code: code::ORGANIZATION_CLIENT_GRANT_CONFLICT,
        }
    }

    pub fn discovery_domain_taken() -> Self {
        Error::Conflict {
            message: "An organization discovery domain with this domain is already registered to this organization.".into(),
            code: code::DISCOVERY_DOMAIN_CONFLICT,
        }
    }

    pub fn user_exists() -> Self {
        Error::Conflict {
            message: "The user already exists.".into(),
            code: code::AUTH0_IDP_ERROR,
        }
    }

    pub fn client_grant_exists() -> Self {
        Error::Conflict {
            message:
                "A resource server with the same identifier already has a grant for this client."
                    .into(),
            code: code::CLIENT_GRANT_CONFLICT,
        }
    }
}
