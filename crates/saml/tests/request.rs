//! AuthnRequests by both bindings, signed and not; the SP metadata; the attribute mapping.

mod fixtures;

use std::io::Read;

use aws_lc_rs::signature::{KeyPair, RsaKeyPair, UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use fixtures::*;
use orgwarden_saml::{
    fields_map, map_profile, Binding, RequestOptions, SamlError, SamlIdentity, Send,
    ServiceProvider, SpSigningKey,
};
use samael::crypto::{CertificateDer, Crypto, CryptoProvider};

fn sp() -> ServiceProvider {
    ServiceProvider::auth0("https://tenant.example.com", "tenant", "acme-saml", None)
}

const SSO: &str = "https://idp.example.org/sso?tenant=7";

fn opts(binding: Binding, key: Option<&SpSigningKey>) -> RequestOptions<'_> {
    RequestOptions {
        sign_in_endpoint: SSO,
        binding,
        signing_key: key,
        relay_state: Some("state&1"),
        now: NOW,
    }
}

fn query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn inflate(b64: &str) -> String {
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(STANDARD.decode(b64).unwrap().as_slice())
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[test]
fn binding_follows_protocol_binding() {
    assert_eq!(Binding::from_option(None).unwrap(), Binding::Redirect);
    assert_eq!(Binding::from_option(Some("")).unwrap(), Binding::Redirect);
    assert_eq!(
        Binding::from_option(Some(orgwarden_saml::BINDING_POST)).unwrap(),
        Binding::Post
    );
    assert!(matches!(
        Binding::from_option(Some("urn:x")),
        Err(SamlError::Unsupported { .. })
    ));
}

#[test]
fn a_redirect_request_is_deflated_and_names_us() {
    let req = sp().authn_request(&opts(Binding::Redirect, None)).unwrap();
    let Send::Redirect { url } = &req.send else {
        panic!("{req:?}")
    };
    assert!(
        url.starts_with("https://idp.example.org/sso?tenant=7&SAMLRequest="),
        "{url}"
    );
    let q = query(url);
    assert_eq!(param(&q, "RelayState"), Some("state&1"));
    assert_eq!(param(&q, "Signature"), None);
    let xml = inflate(param(&q, "SAMLRequest").unwrap());
    assert!(xml.contains(&format!("ID=\"{}\"", req.id)), "{xml}");
    assert!(xml.contains("AssertionConsumerServiceURL=\"https://tenant.example.com/login/callback?connection=acme-saml\""));
    assert!(xml.contains(&format!("<saml:Issuer>{ENTITY}</saml:Issuer>")));
    assert!(xml.contains("IssueInstant=\"2026-01-01T12:00:00Z\""));
    assert!(xml.contains("Destination=\"https://idp.example.org/sso?tenant=7\""));
    // Each request has its own id.
    let again = sp().authn_request(&opts(Binding::Redirect, None)).unwrap();
    assert_ne!(req.id, again.id);
    assert!(req.id.starts_with('_') && req.id.len() == 41);
}

#[test]
fn a_signed_redirect_request_verifies_per_the_bindings_spec() {
    let keys = idp_keys();
    let key = SpSigningKey::new(keys.pkcs8.clone(), keys.cert_der.clone()).unwrap();
    let req = sp()
        .authn_request(&opts(Binding::Redirect, Some(&key)))
        .unwrap();
    let Send::Redirect { url } = &req.send else {
        panic!()
    };
    let q = query(url);
    assert_eq!(param(&q, "SigAlg"), Some(orgwarden_saml::RSA_SHA256));
    // §3.4.4.1: the signed octets are the query as sent, SAMLRequest, RelayState, SigAlg.
    let raw = url.split_once("&SAMLRequest=").unwrap().1;
    let signed = format!("SAMLRequest={}", raw.split_once("&Signature=").unwrap().0);
    let sig = STANDARD.decode(param(&q, "Signature").unwrap()).unwrap();
    let public = RsaKeyPair::from_pkcs8(&keys.pkcs8).unwrap();
    let verifier =
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public.public_key().as_ref());
    verifier
        .verify(signed.as_bytes(), &sig)
        .expect("the signature verifies");
    let mut tampered = signed.clone().into_bytes();
    tampered[20] ^= 1;
    assert!(verifier.verify(&tampered, &sig).is_err());
}

#[test]
fn a_post_request_is_a_form_and_signed_by_xmlsec_when_asked() {
    let req = sp().authn_request(&opts(Binding::Post, None)).unwrap();
    let Send::Post { action, fields } = &req.send else {
        panic!()
    };
    assert_eq!(action, SSO);
    assert_eq!(fields[1], ("RelayState".to_owned(), "state&1".to_owned()));
    let xml = String::from_utf8(STANDARD.decode(&fields[0].1).unwrap()).unwrap();
    assert!(xml.contains(&req.id) && !xml.contains("Signature"));

    let keys = idp_keys();
    let key = SpSigningKey::new(keys.pkcs8.clone(), keys.cert_der.clone()).unwrap();
    let req = sp()
        .authn_request(&opts(Binding::Post, Some(&key)))
        .unwrap();
    let Send::Post { fields, .. } = &req.send else {
        panic!()
    };
    let xml = String::from_utf8(STANDARD.decode(&fields[0].1).unwrap()).unwrap();
    assert!(
        xml.contains("<ds:SignatureValue>") && xml.contains(&format!("URI=\"#{}\"", req.id)),
        "{xml}"
    );
    let cert = CertificateDer::from(keys.cert_der.clone());
    Crypto::verify_signed_xml(&xml, &cert, Some("ID")).expect("xmlsec verifies our request");
    let other = CertificateDer::from(other_keys().cert_der.clone());
    assert!(Crypto::verify_signed_xml(&xml, &other, Some("ID")).is_err());
}

#[test]
fn a_signing_key_that_is_not_rsa_pkcs8_is_refused() {
    assert!(matches!(
        SpSigningKey::new(vec![1, 2, 3], vec![]),
        Err(SamlError::BadSigningKey(_))
    ));
}

#[test]
fn metadata_has_auth0s_shape() {
    let sp = ServiceProvider::auth0("https://tenant.example.com", "tenant", "a&b", None);
    let xml = sp.metadata(None);
    assert!(
        xml.contains("entityID=\"urn:auth0:tenant:a&amp;b\""),
        "{xml}"
    );
    assert!(
        xml.contains("Location=\"https://tenant.example.com/login/callback?connection=a%26b\""),
        "{xml}"
    );
    assert!(xml.contains("AuthnRequestsSigned=\"false\" WantAssertionsSigned=\"true\""));
    assert!(!xml.contains("KeyDescriptor"));
    let keys = idp_keys();
    let key = SpSigningKey::new(keys.pkcs8.clone(), keys.cert_der.clone()).unwrap();
    let xml = sp.metadata(Some(&key));
    assert!(xml.contains("AuthnRequestsSigned=\"true\""));
    assert!(xml.contains("<KeyDescriptor use=\"signing\">"));
    let b64 = STANDARD.encode(&keys.cert_der);
    assert!(xml.replace('\n', "").contains(&b64));
    // Well-formed, with the metadata namespace at the root.
    let doc = libxml::parser::Parser::default()
        .parse_string(&xml)
        .unwrap();
    let root = doc.get_root_element().unwrap();
    assert_eq!(root.get_name(), "EntityDescriptor");
    assert_eq!(
        root.get_namespace().unwrap().get_href(),
        "urn:oasis:names:tc:SAML:2.0:metadata"
    );
}

fn identity(attrs: &[(&str, &[&str])]) -> SamlIdentity {
    SamlIdentity {
        issuer: IDP.into(),
        name_id: "nameid-123".into(),
        name_id_format: None,
        attributes: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
            .collect(),
        session_index: None,
        assertion_id: "_a".into(),
        not_on_or_after: NOW,
    }
}

const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";

#[test]
fn default_mapping_reads_the_ws_federation_claims() {
    let id = identity(&[
        (&format!("{CLAIMS}emailaddress"), &["a@example.org"]),
        (&format!("{CLAIMS}name"), &["Ada Lovelace"]),
        (&format!("{CLAIMS}givenname"), &["Ada"]),
        (&format!("{CLAIMS}surname"), &["Lovelace"]),
        ("http://schemas.xmlsoap.org/claims/Group", &["a", "b"]),
    ]);
    let p = map_profile(&id, &fields_map(None).unwrap());
    assert_eq!(p.email.as_deref(), Some("a@example.org"));
    assert_eq!(p.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(p.given_name.as_deref(), Some("Ada"));
    assert_eq!(p.family_name.as_deref(), Some("Lovelace"));
    assert_eq!(p.groups, vec!["a", "b"]);
    // No nameidentifier/upn attribute: the user id is the NameID.
    assert_eq!(p.user_id, "nameid-123");
    // upn is the fallback for the email.
    let p = map_profile(
        &identity(&[(&format!("{CLAIMS}upn"), &["u@corp"])]),
        &fields_map(None).unwrap(),
    );
    assert_eq!(p.email.as_deref(), Some("u@corp"));
    assert_eq!(p.user_id, "nameid-123");
    let p = map_profile(
        &identity(&[(&format!("{CLAIMS}nameidentifier"), &["S-1-5-21"])]),
        &fields_map(None).unwrap(),
    );
    assert_eq!(p.user_id, "S-1-5-21");
}

#[test]
fn fields_map_overrides_and_adds() {
    let map = fields_map(Some(&serde_json::json!({
        "email": ["mail", "email"],
        "given_name": "first",
        "department": "dept",
        "roles": "role",
    })))
    .unwrap();
    let id = identity(&[
        ("email", &["second@x"]),
        ("first", &["Grace"]),
        ("dept", &["R&D"]),
        ("role", &["a", "b"]),
        (&format!("{CLAIMS}givenname"), &["ignored: replaced"]),
    ]);
    let p = map_profile(&id, &map);
    assert_eq!(
        p.email.as_deref(),
        Some("second@x"),
        "the fallback is used when the first is absent"
    );
    assert_eq!(p.given_name.as_deref(), Some("Grace"));
    assert_eq!(p.other["department"], serde_json::json!("R&D"));
    assert_eq!(p.other["roles"], serde_json::json!(["a", "b"]));
    assert_eq!(p.user_id, "nameid-123");
}

#[test]
fn a_fields_map_outside_auth0s_schema_is_refused() {
    for bad in [
        serde_json::json!("email"),
        serde_json::json!({"email": 3}),
        serde_json::json!({"email": ["a", "b", "c", "d", "e"]}),
        serde_json::json!({"email": [1]}),
        serde_json::json!({"email": "x".repeat(2049)}),
    ] {
        assert!(
            matches!(
                fields_map(Some(&bad)),
                Err(SamlError::Unsupported {
                    option: "fieldsMap",
                    ..
                })
            ),
            "{bad}"
        );
    }
    let many: serde_json::Map<_, _> = (0..45)
        .map(|i| (format!("f{i}"), serde_json::json!("a")))
        .collect();
    assert!(fields_map(Some(&serde_json::Value::Object(many))).is_err());
    assert!(fields_map(Some(&serde_json::Value::Null)).is_ok());
}
