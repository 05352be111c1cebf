//! SAML 2.0 service-provider building blocks for `samlp` connections, knowing nothing of HTTP
//! frameworks or SQL: the caller brings the connection's options, the clock and the storage.
//!
//! - [`ServiceProvider`]: who we are (entity id, ACS URL) and the metadata document
//!   ([`ServiceProvider::metadata`]).
//! - [`ServiceProvider::authn_request`]: an AuthnRequest by the redirect or POST binding, signed
//!   when `signSAMLRequest` is set; its `id` is stored for `InResponseTo`.
//! - [`ServiceProvider::verify_response`]: a posted `SAMLResponse` verified (signatures by
//!   libxmlsec1 through samael; see [`response`] for what is read from where) into a
//!   [`SamlIdentity`]; the caller refuses replays by remembering `assertion_id` until
//!   `not_on_or_after`.
//! - [`mapping`]: `fieldsMap` applied to that identity, Auth0's defaults included.
//!
//! Verification and signing are synchronous CPU work in libxml2/libxmlsec1: call them from a
//! blocking thread in async code.
//!
//! XML canonicalization and signatures are libxmlsec1's; this crate only writes fixed-shape XML
//! (requests, metadata) with escaped values.

mod cert;
mod error;
pub mod mapping;
mod request;
pub mod response;
mod sp;
mod xml;

pub use cert::IdpCertificates;
pub use error::SamlError;
pub use mapping::{fields_map, map_profile, SamlProfile};
pub use request::{AuthnRequest, Binding, RequestOptions, Send, RSA_SHA256};
pub use response::{Expected, SamlIdentity, MAX_RESPONSE_BASE64};
pub use sp::{ServiceProvider, SpSigningKey, BINDING_POST, BINDING_REDIRECT};
