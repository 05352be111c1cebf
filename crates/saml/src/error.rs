//! Why a SAML message was refused: one variant per reason, each with a message a person can act
//! on. The messages never carry the assertion itself, only the value that did not match.

use time::OffsetDateTime;

/// A refusal. `Malformed` is the catch-all for input that is not a SAML Response at all; every
/// check after parsing has its own variant so callers (and logs) can tell them apart.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SamlError {
    /// Not base64, not XML, not a SAML 2.0 Response, too large, or missing a required element.
    #[error("malformed SAML response: {0}")]
    Malformed(String),
    /// The configured IdP certificate (`signingCert`) could not be read.
    #[error("invalid IdP signing certificate: {0}")]
    BadCertificate(String),
    /// No signature covers the Response or the Assertion.
    #[error("the SAML response is not signed: neither the Response nor the Assertion carries a signature")]
    Unsigned,
    /// A signature did not verify with the configured certificate (a changed byte, another key,
    /// a disallowed algorithm).
    #[error(
        "invalid signature: the SAML response was not signed by the configured IdP certificate"
    )]
    BadSignature,
    /// The signature is valid but covers another element than the Response or Assertion the
    /// document presents: a signature-wrapping attempt.
    #[error("signature wrapping: the signature covers another element than the posted Response or Assertion")]
    SignatureWrapping,
    /// The IdP answered with a status other than Success.
    #[error("the IdP refused the sign-in (status {code}{})", .message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    IdpStatus {
        code: String,
        message: Option<String>,
    },
    /// `Conditions/@NotOnOrAfter` or `SubjectConfirmationData/@NotOnOrAfter` has passed.
    #[error("the SAML assertion expired at {not_on_or_after}")]
    Expired { not_on_or_after: OffsetDateTime },
    /// `Conditions/@NotBefore` (or the confirmation's) is still ahead.
    #[error("the SAML assertion is not valid before {not_before}")]
    NotYetValid { not_before: OffsetDateTime },
    /// No `Audience` names this service provider's entity id.
    #[error("the SAML assertion is meant for another audience (expected {expected}, got {got})")]
    WrongAudience { expected: String, got: String },
    /// `Response/@Destination` or `SubjectConfirmationData/@Recipient` is not this ACS URL.
    #[error("the SAML response is meant for another recipient (expected {expected}, got {got})")]
    WrongRecipient { expected: String, got: String },
    /// `InResponseTo` names another request, or is missing when a request was sent, or is
    /// present on an IdP-initiated response.
    #[error("unexpected InResponseTo (expected {}, got {})", .expected.as_deref().unwrap_or("none"), .got.as_deref().unwrap_or("none"))]
    UnexpectedInResponseTo {
        expected: Option<String>,
        got: Option<String>,
    },
    /// The SP's own signing key could not be used (signing an AuthnRequest).
    #[error("invalid service provider signing key: {0}")]
    BadSigningKey(String),
    /// A connection option has a value this crate does not support.
    #[error("unsupported option {option}: {value}")]
    Unsupported { option: &'static str, value: String },
}
