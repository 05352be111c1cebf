//! Signed Responses for the tests, made the way an IdP makes them: an XML signature template in
//! the document, filled by libxmlsec1 (samael's `sign_xml`) with a key made by openssl.

#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use samael::crypto::{Crypto, CryptoProvider};
use time::macros::datetime;
use time::OffsetDateTime;

pub const ACS: &str = "https://tenant.example.com/login/callback?connection=acme-saml";
pub const ENTITY: &str = "urn:auth0:tenant:acme-saml";
pub const IDP: &str = "https://idp.example.org/saml";
pub const REQUEST_ID: &str = "_0f1e2d3c4b5a69788796a5b4c3d2e1f00112233";
pub const NOW: OffsetDateTime = datetime!(2026-01-01 12:00:00 UTC);

/// An RSA key (PKCS#8 DER) and its self-signed certificate.
pub struct Keys {
    pub pkcs8: Vec<u8>,
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
}

/// The IdP's key, and another that the SP does not trust.
pub fn idp_keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| make_keys("test idp"))
}
pub fn other_keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| make_keys("someone else"))
}

fn make_keys(cn: &str) -> Keys {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key.pem");
    let cert = dir.path().join("cert.pem");
    let der = dir.path().join("key.der");
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (k, c, d) = (
        key.to_str().unwrap(),
        cert.to_str().unwrap(),
        der.to_str().unwrap(),
    );
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        k,
        "-out",
        c,
        "-days",
        "3650",
        "-subj",
        &format!("/CN={cn}"),
    ]);
    run(&[
        "pkcs8", "-topk8", "-nocrypt", "-in", k, "-outform", "DER", "-out", d,
    ]);
    let cert_pem = std::fs::read_to_string(&cert).unwrap();
    let b64: String = cert_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    Keys {
        pkcs8: std::fs::read(&der).unwrap(),
        cert_der: STANDARD.decode(b64).unwrap(),
        cert_pem,
    }
}

/// A Response, every part adjustable.
#[derive(Clone)]
pub struct Fixture {
    pub response_id: String,
    pub assertion_id: String,
    pub destination: Option<String>,
    pub response_in_response_to: Option<String>,
    pub confirmation_in_response_to: Option<String>,
    pub recipient: String,
    pub audience: String,
    pub not_before: String,
    pub not_on_or_after: String,
    pub name_id: String,
    pub status: String,
    pub sign_response: bool,
    pub sign_assertion: bool,
    pub attributes: Vec<(String, Vec<String>)>,
}

impl Default for Fixture {
    fn default() -> Self {
        Self {
            response_id: "_resp1".into(),
            assertion_id: "_assert1".into(),
            destination: Some(ACS.into()),
            response_in_response_to: Some(REQUEST_ID.into()),
            confirmation_in_response_to: Some(REQUEST_ID.into()),
            recipient: ACS.into(),
            audience: ENTITY.into(),
            not_before: "2026-01-01T11:59:00Z".into(),
            not_on_or_after: "2026-01-01T12:05:00Z".into(),
            name_id: "alice@example.org".into(),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".into(),
            sign_response: false,
            sign_assertion: true,
            attributes: vec![
                (
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
                    vec!["alice@example.org".into()],
                ),
                (
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname".into(),
                    vec!["Alice".into()],
                ),
                ("groups".into(), vec!["admins".into(), "staff".into()]),
            ],
        }
    }
}

pub fn template(id: &str) -> String {
    format!(
        concat!(
            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>",
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
            "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
            "<ds:Reference URI=\"#{}\"><ds:Transforms>",
            "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
            "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>",
            "</ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>",
            "<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"
        ),
        id
    )
}

impl Fixture {
    /// The assertion alone, with a signature template when `sign_assertion`.
    pub fn assertion(&self) -> String {
        let irt = self
            .confirmation_in_response_to
            .as_deref()
            .map(|v| format!(" InResponseTo=\"{v}\""))
            .unwrap_or_default();
        let attrs: String = self
            .attributes
            .iter()
            .map(|(name, values)| {
                let vs: String = values
                    .iter()
                    .map(|v| format!("<saml:AttributeValue>{v}</saml:AttributeValue>"))
                    .collect();
                format!("<saml:Attribute Name=\"{name}\">{vs}</saml:Attribute>")
            })
            .collect();
        format!(
            concat!(
                "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T12:00:00Z\">",
                "<saml:Issuer>{idp}</saml:Issuer>{sig}",
                "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\">{name}</saml:NameID>",
                "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">",
                "<saml:SubjectConfirmationData NotOnOrAfter=\"{noa}\" Recipient=\"{recipient}\"{irt}/>",
                "</saml:SubjectConfirmation></saml:Subject>",
                "<saml:Conditions NotBefore=\"{nb}\" NotOnOrAfter=\"{noa}\">",
                "<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>",
                "<saml:AuthnStatement AuthnInstant=\"2026-01-01T12:00:00Z\" SessionIndex=\"sess-1\">",
                "<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>",
                "<saml:AttributeStatement>{attrs}</saml:AttributeStatement>",
                "</saml:Assertion>"
            ),
            id = self.assertion_id,
            idp = IDP,
            sig = if self.sign_assertion { template(&self.assertion_id) } else { String::new() },
            name = self.name_id,
            noa = self.not_on_or_after,
            nb = self.not_before,
            recipient = self.recipient,
            irt = irt,
            audience = self.audience,
            attrs = attrs,
        )
    }

    /// The Response around `assertion`, with a signature template when `sign_response`.
    pub fn response_around(&self, assertion: &str) -> String {
        let dest = self
            .destination
            .as_deref()
            .map(|d| format!(" Destination=\"{d}\""))
            .unwrap_or_default();
        let irt = self
            .response_in_response_to
            .as_deref()
            .map(|v| format!(" InResponseTo=\"{v}\""))
            .unwrap_or_default();
        format!(
            concat!(
                "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
                "ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T12:00:00Z\"{dest}{irt}>",
                "<saml:Issuer>{idp}</saml:Issuer>{sig}",
                "<samlp:Status><samlp:StatusCode Value=\"{status}\"/></samlp:Status>",
                "{assertion}</samlp:Response>"
            ),
            id = self.response_id,
            dest = dest,
            irt = irt,
            idp = IDP,
            sig = if self.sign_response { template(&self.response_id) } else { String::new() },
            status = self.status,
            assertion = assertion,
        )
    }

    /// The Response, signed as asked with `keys`.
    pub fn signed_with(&self, keys: &Keys) -> String {
        let mut assertion = self.assertion();
        if self.sign_assertion {
            assertion = strip_declaration(
                &Crypto::sign_xml(&assertion, &keys.pkcs8).expect("xmlsec signs"),
            );
        }
        let response = self.response_around(&assertion);
        if self.sign_response {
            strip_declaration(&Crypto::sign_xml(&response, &keys.pkcs8).expect("xmlsec signs"))
        } else {
            response
        }
    }

    pub fn signed(&self) -> String {
        self.signed_with(idp_keys())
    }
}

fn strip_declaration(xml: &str) -> String {
    match xml.strip_prefix("<?xml") {
        Some(rest) => rest[rest.find("?>").unwrap() + 2..].trim_start().to_owned(),
        None => xml.to_owned(),
    }
}

pub fn b64(xml: &str) -> String {
    STANDARD.encode(xml)
}
