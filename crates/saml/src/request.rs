//! AuthnRequests: the message that sends a person to the IdP, by the HTTP-Redirect binding
//! (deflated, base64, in the query; signed per SAML Bindings §3.4.4.1 when asked) or the
//! HTTP-POST binding (base64 in an auto-submitting form; signed as an enveloped XML signature
//! by libxmlsec1 when asked).

use std::io::Write;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use samael::crypto::{Crypto, CryptoProvider};
use time::OffsetDateTime;

use crate::sp::{ASSERTION_NS, BINDING_POST, BINDING_REDIRECT, PROTOCOL_NS};
use crate::xml::{escape, fresh_id, instant};
use crate::{SamlError, ServiceProvider, SpSigningKey};

/// The redirect binding's signature algorithm (`SigAlg`), and the POST signature's.
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// How the AuthnRequest travels to the IdP (`options.protocolBinding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Redirect,
    Post,
}

impl Binding {
    /// Reads `protocolBinding`: absent or empty is the redirect binding, as in Auth0.
    pub fn from_option(protocol_binding: Option<&str>) -> Result<Self, SamlError> {
        match protocol_binding.map(str::trim) {
            None | Some("") => Ok(Self::Redirect),
            Some(BINDING_REDIRECT) => Ok(Self::Redirect),
            Some(BINDING_POST) => Ok(Self::Post),
            Some(other) => Err(SamlError::Unsupported {
                option: "protocolBinding",
                value: other.to_owned(),
            }),
        }
    }
}

/// What to send and how: the IdP's SSO URL (`options.signInEndpoint`), the binding, the key when
/// `signSAMLRequest` is set, the `RelayState` to carry, and the time to stamp.
#[derive(Debug)]
pub struct RequestOptions<'a> {
    pub sign_in_endpoint: &'a str,
    pub binding: Binding,
    pub signing_key: Option<&'a SpSigningKey>,
    pub relay_state: Option<&'a str>,
    pub now: OffsetDateTime,
}

/// A built AuthnRequest. The caller stores `id` with the login transaction and passes it back as
/// the expected `InResponseTo` when the Response arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    pub send: Send,
}

/// How the browser carries the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Send {
    /// Redirect the browser (302) to this URL.
    Redirect { url: String },
    /// Render a form that posts these fields to `action` and submits itself.
    Post {
        action: String,
        fields: Vec<(String, String)>,
    },
}

impl ServiceProvider {
    /// Builds an AuthnRequest asking for a Response by HTTP-POST to our ACS URL.
    pub fn authn_request(&self, opts: &RequestOptions<'_>) -> Result<AuthnRequest, SamlError> {
        let id = fresh_id();
        let unsigned = self.request_xml(&id, opts, false);
        let send = match opts.binding {
            Binding::Redirect => {
                let mut deflater =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                deflater
                    .write_all(unsigned.as_bytes())
                    .map_err(|e| SamlError::Malformed(format!("deflate: {e}")))?;
                let deflated = deflater
                    .finish()
                    .map_err(|e| SamlError::Malformed(format!("deflate: {e}")))?;
                let mut query = format!("SAMLRequest={}", form(&STANDARD.encode(deflated)));
                if let Some(rs) = opts.relay_state {
                    query.push_str(&format!("&RelayState={}", form(rs)));
                }
                if let Some(key) = opts.signing_key {
                    // §3.4.4.1: the signature covers the query as sent, in this order.
                    query.push_str(&format!("&SigAlg={}", form(RSA_SHA256)));
                    let mut sig = vec![0u8; key.key_pair.public_modulus_len()];
                    key.key_pair
                        .sign(
                            &RSA_PKCS1_SHA256,
                            &SystemRandom::new(),
                            query.as_bytes(),
                            &mut sig,
                        )
                        .map_err(|e| SamlError::BadSigningKey(e.to_string()))?;
                    query.push_str(&format!("&Signature={}", form(&STANDARD.encode(sig))));
                }
                let sep = if opts.sign_in_endpoint.contains('?') {
                    '&'
                } else {
                    '?'
                };
                Send::Redirect {
                    url: format!("{}{sep}{query}", opts.sign_in_endpoint),
                }
            }
            Binding::Post => {
                let xml = match opts.signing_key {
                    Some(key) => {
                        Crypto::sign_xml(self.request_xml(&id, opts, true), &key.pkcs8_der)
                            .map_err(|e| SamlError::BadSigningKey(e.to_string()))?
                    }
                    None => unsigned,
                };
                let mut fields = vec![("SAMLRequest".to_owned(), STANDARD.encode(xml))];
                if let Some(rs) = opts.relay_state {
                    fields.push(("RelayState".to_owned(), rs.to_owned()));
                }
                Send::Post {
                    action: opts.sign_in_endpoint.to_owned(),
                    fields,
                }
            }
        };
        Ok(AuthnRequest { id, send })
    }

    /// The request; with `signature_template`, an empty enveloped signature for xmlsec to fill
    /// (SAML core's schema puts it right after `Issuer`).
    fn request_xml(&self, id: &str, opts: &RequestOptions<'_>, signature_template: bool) -> String {
        let template = if signature_template {
            format!(
                concat!(
                    "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
                    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                    "<ds:SignatureMethod Algorithm=\"{alg}\"/>",
                    "<ds:Reference URI=\"#{id}\"><ds:Transforms>",
                    "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
                    "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
                    "</ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
                    "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"
                ),
                alg = RSA_SHA256,
                id = id
            )
        } else {
            String::new()
        };
        format!(
            concat!(
                "<samlp:AuthnRequest xmlns:samlp=\"{p}\" xmlns:saml=\"{a}\" ID=\"{id}\" Version=\"2.0\" ",
                "IssueInstant=\"{at}\" Destination=\"{dest}\" ProtocolBinding=\"{post}\" ",
                "AssertionConsumerServiceURL=\"{acs}\">",
                "<saml:Issuer>{issuer}</saml:Issuer>{template}",
                "</samlp:AuthnRequest>"
            ),
            p = PROTOCOL_NS,
            a = ASSERTION_NS,
            id = id,
            at = instant(opts.now),
            dest = escape(opts.sign_in_endpoint),
            post = BINDING_POST,
            acs = escape(&self.acs_url),
            issuer = escape(&self.entity_id),
            template = template,
        )
    }
}

fn form(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
