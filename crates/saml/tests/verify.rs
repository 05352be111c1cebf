//! Response verification: what is accepted, and every refusal the SP must make.

mod fixtures;

use fixtures::*;
use orgwarden_saml::{Expected, IdpCertificates, SamlError, ServiceProvider};
use time::Duration;

fn sp() -> ServiceProvider {
    ServiceProvider::auth0("https://tenant.example.com", "tenant", "acme-saml", None)
}

fn trust() -> IdpCertificates {
    IdpCertificates::parse(&idp_keys().cert_pem).unwrap()
}

fn verify_at(
    xml: &str,
    now: time::OffsetDateTime,
    irt: Option<&str>,
) -> Result<orgwarden_saml::SamlIdentity, SamlError> {
    sp().verify_response(
        &trust(),
        &b64(xml),
        Expected {
            in_response_to: irt,
            now,
        },
    )
}

fn verify(xml: &str) -> Result<orgwarden_saml::SamlIdentity, SamlError> {
    verify_at(xml, NOW, Some(REQUEST_ID))
}

#[test]
fn the_auth0_service_provider_names() {
    let sp = sp();
    assert_eq!(sp.entity_id, ENTITY);
    assert_eq!(sp.acs_url, ACS);
    let custom = ServiceProvider::auth0(
        "https://t.example.com/",
        "t",
        "c d",
        Some("https://sp.example/x"),
    );
    assert_eq!(custom.entity_id, "https://sp.example/x");
    assert_eq!(
        custom.acs_url,
        "https://t.example.com/login/callback?connection=c+d"
    );
}

#[test]
fn a_signed_assertion_yields_the_identity() {
    let id = verify(&Fixture::default().signed()).unwrap();
    assert_eq!(id.name_id, "alice@example.org");
    assert_eq!(
        id.name_id_format.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    assert_eq!(id.issuer, IDP);
    assert_eq!(id.assertion_id, "_assert1");
    assert_eq!(id.session_index.as_deref(), Some("sess-1"));
    assert_eq!(
        id.not_on_or_after,
        time::macros::datetime!(2026-01-01 12:05:00 UTC)
    );
    assert_eq!(
        id.attributes["groups"],
        vec!["admins".to_owned(), "staff".to_owned()]
    );
    assert_eq!(
        id.attributes["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
        vec!["Alice".to_owned()]
    );
}

#[test]
fn a_signed_response_and_a_doubly_signed_one_are_accepted() {
    let response_only = Fixture {
        sign_response: true,
        sign_assertion: false,
        ..Fixture::default()
    };
    assert_eq!(
        verify(&response_only.signed()).unwrap().name_id,
        "alice@example.org"
    );
    let both = Fixture {
        sign_response: true,
        ..Fixture::default()
    };
    assert_eq!(verify(&both.signed()).unwrap().name_id, "alice@example.org");
}

#[test]
fn a_changed_byte_in_a_signed_assertion_is_refused() {
    let xml = Fixture::default().signed().replace(
        "alice@example.org</saml:NameID>",
        "alicf@example.org</saml:NameID>",
    );
    assert!(xml.contains("alicf@"), "the fixture was changed");
    assert_eq!(verify(&xml), Err(SamlError::BadSignature));
    // The same inside a signed Response.
    let f = Fixture {
        sign_response: true,
        sign_assertion: false,
        ..Fixture::default()
    };
    let xml = f
        .signed()
        .replace("<saml:AttributeValue>admins<", "<saml:AttributeValue>root<");
    assert!(xml.contains(">root<"));
    assert_eq!(verify(&xml), Err(SamlError::BadSignature));
}

#[test]
fn an_assertion_signed_by_another_key_is_refused() {
    let xml = Fixture::default().signed_with(other_keys());
    assert_eq!(verify(&xml), Err(SamlError::BadSignature));
    // Trusting the other key as well accepts it: the refusal was the key, not the document.
    let both = IdpCertificates::parse(&format!("{}{}", idp_keys().cert_pem, other_keys().cert_pem))
        .unwrap();
    let ok = sp().verify_response(
        &both,
        &b64(&xml),
        Expected {
            in_response_to: Some(REQUEST_ID),
            now: NOW,
        },
    );
    assert_eq!(ok.unwrap().name_id, "alice@example.org");
}

#[test]
fn an_unsigned_response_is_refused() {
    let f = Fixture {
        sign_assertion: false,
        ..Fixture::default()
    };
    assert_eq!(verify(&f.signed()), Err(SamlError::Unsigned));
}

#[test]
fn an_expired_assertion_is_refused_past_the_skew() {
    let xml = Fixture::default().signed();
    let limit = time::macros::datetime!(2026-01-01 12:05:00 UTC);
    // Within the 60 s allowance: accepted.
    assert!(verify_at(&xml, limit + Duration::seconds(30), Some(REQUEST_ID)).is_ok());
    assert_eq!(
        verify_at(&xml, limit + Duration::seconds(60), Some(REQUEST_ID)),
        Err(SamlError::Expired {
            not_on_or_after: limit
        })
    );
}

#[test]
fn an_assertion_not_yet_valid_is_refused() {
    let f = Fixture {
        not_before: "2026-01-01T12:10:00Z".into(),
        not_on_or_after: "2026-01-01T12:20:00Z".into(),
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::NotYetValid {
            not_before: time::macros::datetime!(2026-01-01 12:10:00 UTC)
        })
    );
    // 30 s early is within the allowance.
    assert!(verify_at(
        &f.signed(),
        time::macros::datetime!(2026-01-01 12:09:30 UTC),
        Some(REQUEST_ID)
    )
    .is_ok());
}

#[test]
fn another_audience_is_refused() {
    let f = Fixture {
        audience: "urn:auth0:tenant:other-connection".into(),
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::WrongAudience {
            expected: ENTITY.into(),
            got: "urn:auth0:tenant:other-connection".into()
        })
    );
}

#[test]
fn another_recipient_or_destination_is_refused() {
    let other = "https://evil.example/login/callback?connection=acme-saml";
    let f = Fixture {
        recipient: other.into(),
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::WrongRecipient {
            expected: ACS.into(),
            got: other.into()
        })
    );
    let f = Fixture {
        destination: Some(other.into()),
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::WrongRecipient {
            expected: ACS.into(),
            got: other.into()
        })
    );
}

#[test]
fn in_response_to_must_name_our_request() {
    let xml = Fixture::default().signed();
    assert_eq!(
        verify_at(&xml, NOW, Some("_another_request")),
        Err(SamlError::UnexpectedInResponseTo {
            expected: Some("_another_request".into()),
            got: Some(REQUEST_ID.into())
        })
    );
    // A solicited login refuses a response that names no request (an unsolicited one replayed).
    let f = Fixture {
        response_in_response_to: None,
        confirmation_in_response_to: None,
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::UnexpectedInResponseTo {
            expected: Some(REQUEST_ID.into()),
            got: None
        })
    );
    // The unsigned Response-level value alone does not confirm it.
    let f = Fixture {
        confirmation_in_response_to: None,
        ..Fixture::default()
    };
    assert!(matches!(
        verify(&f.signed()),
        Err(SamlError::UnexpectedInResponseTo { .. })
    ));
    // IdP-initiated: no InResponseTo expected, and one present is refused.
    assert_eq!(
        verify_at(&xml, NOW, None),
        Err(SamlError::UnexpectedInResponseTo {
            expected: None,
            got: Some(REQUEST_ID.into())
        })
    );
    let f = Fixture {
        response_in_response_to: None,
        confirmation_in_response_to: None,
        ..Fixture::default()
    };
    assert_eq!(
        verify_at(&f.signed(), NOW, None).unwrap().name_id,
        "alice@example.org"
    );
}

#[test]
fn an_idp_failure_status_is_reported() {
    let f = Fixture {
        status: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
        sign_assertion: false,
        ..Fixture::default()
    };
    assert_eq!(
        verify(&f.signed()),
        Err(SamlError::IdpStatus {
            code: "urn:oasis:names:tc:SAML:2.0:status:Responder".into(),
            message: None
        })
    );
}

/// Signature wrapping: the signed assertion stays, and an unsigned one naming someone else is
/// put where a careless SP would read it.
#[test]
fn an_injected_unsigned_assertion_is_never_read() {
    let good = Fixture::default();
    let signed_assertion = {
        let full = good.signed();
        let start = full.find("<saml:Assertion").unwrap();
        let end = full.rfind("</samlp:Response>").unwrap();
        full[start..end].to_owned()
    };
    let evil = Fixture {
        assertion_id: "_evil".into(),
        name_id: "mallory@example.org".into(),
        sign_assertion: false,
        ..Fixture::default()
    }
    .assertion();

    // 1. The evil assertion first, the signed one after it.
    let xml = good.response_around(&format!("{evil}{signed_assertion}"));
    let result = verify(&xml);
    assert!(
        matches!(result, Err(SamlError::Malformed(_))),
        "two assertions must be refused, got {result:?}"
    );

    // 2. The signed one hidden inside the evil one (in its Advice), the evil one where the
    //    assertion belongs: whatever happens, mallory never comes out.
    let wrapped = evil.replace(
        "<saml:Subject>",
        &format!("<saml:Advice>{signed_assertion}</saml:Advice><saml:Subject>"),
    );
    let xml = good.response_around(&wrapped);
    // The assertion where it belongs carries no signature: refused before any is looked for.
    assert_eq!(verify(&xml), Err(SamlError::Unsigned));

    // 3. A signed Response whose signature is moved onto an unsigned copy with another ID.
    let signed_response = Fixture {
        sign_response: true,
        sign_assertion: false,
        ..Fixture::default()
    }
    .signed();
    let evil_response = signed_response
        .replacen("ID=\"_resp1\"", "ID=\"_resp2\"", 1)
        .replace("alice@example.org", "mallory@example.org");
    assert_eq!(verify(&evil_response), Err(SamlError::BadSignature));

    // 4. The classic wrapping: a new, unsigned Response for mallory carries the original
    //    signature, and the original signed Response hides in its Extensions. The signature
    //    verifies (it covers the hidden original), so only what it covers may be read: alice.
    let sig_start = signed_response.find("<ds:Signature").unwrap();
    let sig_end = signed_response.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed_response[sig_start..sig_end];
    let mallory = Fixture {
        response_id: "_evil".into(),
        assertion_id: "_evil_assertion".into(),
        name_id: "mallory@example.org".into(),
        sign_assertion: false,
        ..Fixture::default()
    };
    let outer = mallory.response_around(&mallory.assertion()).replacen(
        "<samlp:Status>",
        &format!(
            "{signature}<samlp:Extensions>{}</samlp:Extensions><samlp:Status>",
            signed_response.replacen(signature, "", 1)
        ),
        1,
    );
    assert_eq!(verify(&outer), Err(SamlError::SignatureWrapping));

    // 5. The same with a signed Assertion: mallory's unsigned assertion presented, carrying the
    //    signature of alice's, which hides in its Advice.
    let signed_assertion_xml = good.signed();
    let sig_start = signed_assertion_xml.find("<ds:Signature").unwrap();
    let sig_end = signed_assertion_xml.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &signed_assertion_xml[sig_start..sig_end];
    let hidden = signed_assertion.replacen(signature, "", 1);
    let evil =
        mallory
            .assertion()
            .replacen("</saml:Issuer>", &format!("</saml:Issuer>{signature}"), 1);
    let evil = evil.replacen(
        "<saml:Subject>",
        &format!("<saml:Advice>{hidden}</saml:Advice><saml:Subject>"),
        1,
    );
    let xml = good.response_around(&evil);
    assert_eq!(verify(&xml), Err(SamlError::SignatureWrapping));
}

#[test]
fn hostile_input_is_refused_cheaply() {
    let sp = sp();
    let e = Expected {
        in_response_to: Some(REQUEST_ID),
        now: NOW,
    };
    assert!(matches!(
        sp.verify_response(&trust(), "not base64!", e),
        Err(SamlError::Malformed(_))
    ));
    let huge = "A".repeat(orgwarden_saml::MAX_RESPONSE_BASE64 + 4);
    assert!(
        matches!(sp.verify_response(&trust(), &huge, e), Err(SamlError::Malformed(m)) if m.contains("larger"))
    );
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">&b;</samlp:Response>";
    assert!(
        matches!(sp.verify_response(&trust(), &b64(bomb), e), Err(SamlError::Malformed(m)) if m.contains("DTD"))
    );
    assert!(matches!(
        sp.verify_response(&trust(), &b64("<a>"), e),
        Err(SamlError::Malformed(_))
    ));
    // An Assertion posted alone is not a Response.
    let lone = Fixture::default().assertion();
    assert!(matches!(
        sp.verify_response(&trust(), &b64(&lone), e),
        Err(SamlError::Malformed(_))
    ));
}

#[test]
fn the_signing_certificate_is_read_in_each_spelling() {
    use base64::Engine;
    let pem = &idp_keys().cert_pem;
    let der_b64 = base64::engine::general_purpose::STANDARD.encode(&idp_keys().cert_der);
    let pem_b64 = base64::engine::general_purpose::STANDARD.encode(pem);
    let a = IdpCertificates::parse(pem).unwrap();
    assert_eq!(a, IdpCertificates::parse(&der_b64).unwrap());
    assert_eq!(a, IdpCertificates::parse(&pem_b64).unwrap());
    assert_eq!(a.ders().next().unwrap(), idp_keys().cert_der.as_slice());
    for bad in [
        "",
        "not a cert",
        "aGVsbG8=",
        "-----BEGIN CERTIFICATE-----\nAAAA",
    ] {
        assert!(
            matches!(
                IdpCertificates::parse(bad),
                Err(SamlError::BadCertificate(_))
            ),
            "{bad:?}"
        );
    }
}
