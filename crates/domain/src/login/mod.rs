//! Signing people in to an organization (Auth0's Authentication API), without HTTP or SQL:
//! what an `/authorize` request may ask of a client ([`authorize`]), PKCE ([`pkce`]), who may
//! enter an organization through which connection ([`admission`]), which permissions their
//! tokens carry ([`permissions`]), which enterprise connection an email belongs to
//! ([`home_realm`]), and the short-lived,
//! one-time things the flow stores: authorization codes and login sessions ([`artifact`]).

pub mod admission;
pub mod artifact;
pub mod authorize;
pub mod claims;
pub mod home_realm;
pub mod permissions;
pub mod pkce;

pub use admission::{admit, Admission, Refusal};
pub use artifact::{
    Artifact, ArtifactKind, CodeGrant, LoginSession, PasswordTicket, PersonGrant, RefreshGrant,
};
pub use authorize::{Authorization, AuthorizeError, AuthorizeParams, ResponseMode};
