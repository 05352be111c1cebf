//! Verifying a Response posted to the ACS URL.
//!
//! The order matters. The message is decoded (bounded) and its root must be a SAML 2.0
//! `Response`; a DTD is refused outright (SAML forbids them, and they are the XML bomb's door).
//! The IdP's status is read first, because a failure is often unsigned: an unsigned Status can
//! only make us refuse, never accept. Then libxmlsec1 (through samael) verifies **every**
//! signature in the document against the configured certificates, and the document is *reduced
//! to what the signatures cover*: every element and attribute no verified reference digested is
//! removed, and the covered element becomes the root. Everything this module then reads about
//! the person comes from that reduced document only, never from the document as posted. That is
//! the defence against signature wrapping: an injected, unsigned Assertion beside (or around) the
//! signed one is not in the reduced document, so it cannot be the one we read; and if a second
//! assertion or any other element carries the same ID, the reduction refuses the document. On top
//! of that, the signed element must be the one the document presents (the root Response, or its
//! one Assertion, by ID): a valid signature over an element hidden elsewhere (in `Extensions`, in
//! an `Advice`) is refused as [`SamlError::SignatureWrapping`] rather than read around.
//!
//! Checks on the signed part: Recipient (and Destination) is our ACS URL; an Audience names our
//! entity id; `NotBefore`/`NotOnOrAfter` hold at `now` within the clock skew; `InResponseTo`
//! names the request we sent (at least one signed `InResponseTo` must, and none may differ), or
//! is absent for an IdP-initiated response. What is *not* checked here is replay: the caller
//! stores `assertion_id` until `not_on_or_after` and refuses an id it has seen.

use std::collections::BTreeMap;

use samael::crypto::{AllowedSignatureAlgorithm, Crypto, CryptoError, CryptoProvider, ReduceMode};
use samael::schema::{Assertion, Response};
use time::OffsetDateTime;

use crate::cert::decode_base64;
use crate::sp::{ASSERTION_NS, PROTOCOL_NS};
use crate::{IdpCertificates, SamlError, ServiceProvider};

/// The largest `SAMLResponse` form value accepted (base64 text). Real responses are a few KiB;
/// a bound keeps a hostile post from costing parse time and memory.
pub const MAX_RESPONSE_BASE64: usize = 256 * 1024;

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// SHA-1 is refused: RSA or ECDSA over SHA-256 and up, with a digest of the same family.
const ALLOWED: &[AllowedSignatureAlgorithm] = &[
    AllowedSignatureAlgorithm::RsaSha256,
    AllowedSignatureAlgorithm::RsaSha384,
    AllowedSignatureAlgorithm::RsaSha512,
    AllowedSignatureAlgorithm::EcdsaSha256,
    AllowedSignatureAlgorithm::EcdsaSha384,
    AllowedSignatureAlgorithm::EcdsaSha512,
];

/// What the caller expects of this Response.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The id of the AuthnRequest this login sent; `None` for an IdP-initiated response (which
    /// the caller accepts only when the connection allows it: `options.idpinitiated.enabled`).
    pub in_response_to: Option<&'a str>,
    /// The time to check validity windows against.
    pub now: OffsetDateTime,
}

/// Who the IdP says signed in, from the signed part of the Response only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlIdentity {
    /// The assertion's `Issuer` (the IdP's entity id).
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// Attribute `Name` → its values, in document order.
    pub attributes: BTreeMap<String, Vec<String>>,
    pub session_index: Option<String>,
    /// Store it until `not_on_or_after` and refuse it a second time: that is replay protection.
    pub assertion_id: String,
    /// The earliest of the assertion's and the bearer confirmation's `NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
}

impl ServiceProvider {
    /// Verifies the `SAMLResponse` form value (base64) posted to the ACS URL.
    pub fn verify_response(
        &self,
        idp: &IdpCertificates,
        saml_response: &str,
        expected: Expected<'_>,
    ) -> Result<SamlIdentity, SamlError> {
        if saml_response.len() > MAX_RESPONSE_BASE64 {
            return Err(SamlError::Malformed(format!(
                "SAMLResponse is larger than {} KiB",
                MAX_RESPONSE_BASE64 / 1024
            )));
        }
        let bytes = decode_base64(saml_response)
            .map_err(|_| SamlError::Malformed("SAMLResponse is not base64".into()))?;
        let xml = String::from_utf8(bytes)
            .map_err(|_| SamlError::Malformed("SAMLResponse is not UTF-8 XML".into()))?;
        self.verify_response_xml(idp, &xml, expected)
    }

    /// Verifies a Response given as XML text (the decoded `SAMLResponse`).
    pub fn verify_response_xml(
        &self,
        idp: &IdpCertificates,
        xml: &str,
        expected: Expected<'_>,
    ) -> Result<SamlIdentity, SamlError> {
        if xml.len() > MAX_RESPONSE_BASE64 {
            return Err(SamlError::Malformed("the response is too large".into()));
        }
        if xml.contains("<!DOCTYPE") || xml.contains("<!ENTITY") {
            return Err(SamlError::Malformed(
                "a DTD is not allowed in SAML messages".into(),
            ));
        }
        match root(xml)? {
            Root::Response => {}
            _ => {
                return Err(SamlError::Malformed(
                    "the root element is not a SAML 2.0 Response".into(),
                ))
            }
        }
        let posted: Response = xml
            .parse()
            .map_err(|e| SamlError::Malformed(format!("not a SAML 2.0 Response ({e})")))?;

        // The status first: an error answer is usually unsigned, and can only refuse.
        let status = posted
            .status
            .as_ref()
            .ok_or_else(|| SamlError::Malformed("the Response has no Status".into()))?;
        let code = status.status_code.value.clone().unwrap_or_default();
        if code != SUCCESS {
            return Err(SamlError::IdpStatus {
                code,
                message: status.status_message.as_ref().and_then(|m| m.value.clone()),
            });
        }
        if posted.encrypted_assertion.is_some() {
            return Err(SamlError::Unsupported {
                option: "EncryptedAssertion",
                value: "encrypted assertions are not supported".into(),
            });
        }
        let any_signature = posted.signature.is_some()
            || posted
                .assertion
                .as_ref()
                .is_some_and(|a| a.signature.is_some());
        if !any_signature {
            return Err(SamlError::Unsigned);
        }

        // Every signature verified, and the document cut down to what they cover.
        let signed_xml = Crypto::reduce_xml_to_signed_with_allowed_algorithms(
            xml,
            &idp.0,
            ReduceMode::ValidateAndMarkNoAncestors,
            Some(ALLOWED),
        )
        .map_err(|e| match e {
            CryptoError::XmlMissingRootElement => SamlError::Malformed("empty document".into()),
            _ => SamlError::BadSignature,
        })?;

        let (assertion, signed_response) = match root(&signed_xml)? {
            Root::Response => {
                let response: Response = signed_xml
                    .parse()
                    .map_err(|e| SamlError::Malformed(format!("signed Response ({e})")))?;
                let assertion = response.assertion.clone().ok_or_else(|| {
                    SamlError::Malformed("the signed Response holds no Assertion".into())
                })?;
                (assertion, Some(response))
            }
            Root::Assertion => {
                let assertion: Assertion = signed_xml
                    .parse()
                    .map_err(|e| SamlError::Malformed(format!("signed Assertion ({e})")))?;
                (assertion, None)
            }
            Root::Other => return Err(SamlError::Unsigned),
        };
        // Belt and braces: what is signed must be what the document presents where a reader
        // looks. A signed element elsewhere (an XSW attempt) is refused, not read around.
        let presented = match &signed_response {
            Some(r) => r.id == posted.id,
            None => posted
                .assertion
                .as_ref()
                .is_some_and(|a| a.id == assertion.id),
        };
        if !presented {
            return Err(SamlError::SignatureWrapping);
        }
        self.check(&posted, signed_response.as_ref(), assertion, expected)
    }

    fn check(
        &self,
        posted: &Response,
        signed_response: Option<&Response>,
        assertion: Assertion,
        expected: Expected<'_>,
    ) -> Result<SamlIdentity, SamlError> {
        let now = expected.now;
        let skew = self.clock_skew;

        // Destination: the signed one when the Response is signed; otherwise the posted one can
        // only refuse (Recipient below is signed either way).
        let response_level = signed_response.unwrap_or(posted);
        if let Some(dest) = response_level.destination.as_deref() {
            if dest != self.acs_url {
                return Err(SamlError::WrongRecipient {
                    expected: self.acs_url.clone(),
                    got: dest.to_owned(),
                });
            }
        }

        let subject = assertion
            .subject
            .as_ref()
            .ok_or_else(|| SamlError::Malformed("the Assertion has no Subject".into()))?;
        let name_id = subject
            .name_id
            .as_ref()
            .filter(|n| !n.value.trim().is_empty())
            .ok_or_else(|| SamlError::Malformed("the Subject has no NameID".into()))?;
        let confirmation = subject
            .subject_confirmations
            .iter()
            .flatten()
            .find(|c| c.method.as_deref() == Some(BEARER))
            .and_then(|c| c.subject_confirmation_data.as_ref())
            .ok_or_else(|| {
                SamlError::Malformed("the Subject has no bearer SubjectConfirmationData".into())
            })?;
        let recipient = confirmation.recipient.as_deref().unwrap_or("none");
        if recipient != self.acs_url {
            return Err(SamlError::WrongRecipient {
                expected: self.acs_url.clone(),
                got: recipient.to_owned(),
            });
        }

        // InResponseTo: every value present must be ours, and a signed one must say so.
        let signed_irt = [
            confirmation.in_response_to.as_deref(),
            signed_response.and_then(|r| r.in_response_to.as_deref()),
        ];
        let posted_irt = posted.in_response_to.as_deref();
        match expected.in_response_to {
            Some(want) => {
                let stray = signed_irt
                    .iter()
                    .chain(std::iter::once(&posted_irt))
                    .flatten()
                    .find(|got| **got != want);
                let confirmed = signed_irt.iter().flatten().any(|got| *got == want);
                if stray.is_some() || !confirmed {
                    return Err(SamlError::UnexpectedInResponseTo {
                        expected: Some(want.to_owned()),
                        got: stray
                            .or(signed_irt.iter().flatten().next())
                            .map(|s| (*s).to_owned()),
                    });
                }
            }
            None => {
                if let Some(got) = signed_irt.iter().flatten().next().copied().or(posted_irt) {
                    return Err(SamlError::UnexpectedInResponseTo {
                        expected: None,
                        got: Some(got.to_owned()),
                    });
                }
            }
        }

        let conditions = assertion
            .conditions
            .as_ref()
            .ok_or_else(|| SamlError::Malformed("the Assertion has no Conditions".into()))?;
        for not_before in [conditions.not_before, confirmation.not_before]
            .into_iter()
            .flatten()
        {
            let not_before = instant(not_before.timestamp())?;
            if now + skew < not_before {
                return Err(SamlError::NotYetValid { not_before });
            }
        }
        let mut not_on_or_after: Option<OffsetDateTime> = None;
        for limit in [conditions.not_on_or_after, confirmation.not_on_or_after]
            .into_iter()
            .flatten()
        {
            let limit = instant(limit.timestamp())?;
            if now - skew >= limit {
                return Err(SamlError::Expired {
                    not_on_or_after: limit,
                });
            }
            not_on_or_after = Some(not_on_or_after.map_or(limit, |l| l.min(limit)));
        }
        let not_on_or_after = not_on_or_after.ok_or_else(|| {
            SamlError::Malformed(
                "the Assertion sets no NotOnOrAfter: it could be replayed forever".into(),
            )
        })?;

        // Each AudienceRestriction must name us (SAML core §2.5.1.4), and there must be one.
        let restrictions = conditions
            .audience_restrictions
            .as_deref()
            .unwrap_or_default();
        let stranger = restrictions
            .iter()
            .find(|r| !r.audience.iter().any(|a| a.trim() == self.entity_id));
        if restrictions.is_empty() || stranger.is_some() {
            return Err(SamlError::WrongAudience {
                expected: self.entity_id.clone(),
                got: stranger
                    .map(|r| r.audience.join(" "))
                    .unwrap_or_else(|| "none".into()),
            });
        }

        let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for statement in assertion.attribute_statements.iter().flatten() {
            for attribute in &statement.attributes {
                let Some(name) = attribute
                    .name
                    .clone()
                    .or_else(|| attribute.friendly_name.clone())
                else {
                    continue;
                };
                attributes
                    .entry(name)
                    .or_default()
                    .extend(attribute.values.iter().filter_map(|v| v.value.clone()));
            }
        }
        let session_index = assertion
            .authn_statements
            .iter()
            .flatten()
            .find_map(|s| s.session_index.clone());

        Ok(SamlIdentity {
            issuer: assertion.issuer.value.clone().unwrap_or_default(),
            name_id: name_id.value.trim().to_owned(),
            name_id_format: name_id.format.clone(),
            attributes,
            session_index,
            assertion_id: assertion.id.clone(),
            not_on_or_after,
        })
    }
}

enum Root {
    Response,
    Assertion,
    Other,
}

/// The root element, by local name *and* namespace, read by libxml2.
fn root(xml: &str) -> Result<Root, SamlError> {
    let doc = libxml::parser::Parser::default()
        .parse_string(xml)
        .map_err(|_| SamlError::Malformed("not well-formed XML".into()))?;
    let element = doc
        .get_root_element()
        .ok_or_else(|| SamlError::Malformed("empty document".into()))?;
    let ns = element
        .get_namespace()
        .map(|n| n.get_href())
        .unwrap_or_default();
    Ok(match (element.get_name().as_str(), ns.as_str()) {
        ("Response", PROTOCOL_NS) => Root::Response,
        ("Assertion", ASSERTION_NS) => Root::Assertion,
        _ => Root::Other,
    })
}

/// A time from samael (chrono) as unix seconds, to `time`.
fn instant(unix_seconds: i64) -> Result<OffsetDateTime, SamlError> {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .map_err(|_| SamlError::Malformed("a time is out of range".into()))
}
