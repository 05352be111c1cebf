//! Against a real SAML identity provider: pysaml2's IdP (tests-support/saml-idp/idp.py, signing
//! through Debian's xmlsec1), driven as a browser would drive it. Its venv comes from
//! `tests-support/saml-idp/install`; without it the test says SKIPPED, or fails under
//! `ORGWARDEN_REQUIRE_SERVICES=1`.

mod fixtures;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use orgwarden_saml::{
    fields_map, map_profile, Binding, Expected, IdpCertificates, RequestOptions, SamlError,
    SamlIdentity, Send, ServiceProvider, SpSigningKey,
};
use time::OffsetDateTime;

const CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/";

fn sp() -> ServiceProvider {
    ServiceProvider::auth0("https://tenant.example.com", "tenant", "acme-saml", None)
}

/// A running IdP, stopped when dropped.
struct Idp {
    child: Child,
    info: serde_json::Value,
    _dir: tempfile::TempDir,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Idp {
    fn url(&self, key: &str) -> String {
        self.info[key].as_str().unwrap().to_owned()
    }
    fn certs(&self) -> IdpCertificates {
        IdpCertificates::parse(self.info["cert_pem"].as_str().unwrap()).unwrap()
    }
}

fn python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests-support/saml-idp/.venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    let what =
        "the SAML IdP test needs tests-support/saml-idp/.venv (run tests-support/saml-idp/install)";
    assert!(
        !orgwarden_test_services::required(),
        "{what}, and ORGWARDEN_REQUIRE_SERVICES=1 says it must run"
    );
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}");
    None
}

fn start_idp(flags: &[&str]) -> Option<Idp> {
    start_idp_trusting(flags, None)
}

/// An IdP that knows our metadata, with `key`'s certificate in it when given.
fn start_idp_trusting(flags: &[&str], key: Option<&SpSigningKey>) -> Option<Idp> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let metadata = dir.path().join("sp.xml");
    std::fs::write(&metadata, sp().metadata(key)).unwrap();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-support/saml-idp/idp.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg("--sp-metadata")
        .arg(&metadata)
        .args(flags)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the IdP starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the IdP's first line {line:?}: {e}"));
    Some(Idp {
        child,
        info,
        _dir: dir,
    })
}

/// One HTTP/1.0 exchange on loopback: (status, body).
fn http(method: &str, url: &str, form: Option<&[(&str, &str)]>) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(host).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let body = form
        .map(|f| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(f)
                .finish()
        })
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of a named form field (`name="X" value="Y"`) or attribute in a page.
fn field(page: &str, name: &str) -> Option<String> {
    let at = page.find(&format!("name=\"{name}\""))?;
    let tag_start = page[..at].rfind('<')?;
    let tag = &page[tag_start..tag_start + page[tag_start..].find('>')?];
    let v = tag.find("value=\"")? + 7;
    Some(unescape(&tag[v..v + tag[v..].find('"')?]))
}

fn form_action(page: &str) -> String {
    let at = page.find("<form").unwrap();
    let a = page[at..].find("action=\"").unwrap() + at + 8;
    unescape(&page[a..a + page[a..].find('"').unwrap()])
}

/// A sign-in as a browser does it: the request to the IdP, its login form posted back, the
/// auto-posting form it answers with. Returns (the AuthnRequest id, the ACS form's action,
/// SAMLResponse, RelayState).
fn sign_in(
    idp: &Idp,
    binding: Binding,
    user: &str,
    password: &str,
) -> (String, u16, String, Option<String>, Option<String>) {
    sign_in_signed(idp, binding, None, user, password)
}

fn sign_in_signed(
    idp: &Idp,
    binding: Binding,
    key: Option<&SpSigningKey>,
    user: &str,
    password: &str,
) -> (String, u16, String, Option<String>, Option<String>) {
    let endpoint = idp.url(if binding == Binding::Post {
        "sso_post"
    } else {
        "sso_redirect"
    });
    let req = sp()
        .authn_request(&RequestOptions {
            sign_in_endpoint: &endpoint,
            binding,
            signing_key: key,
            relay_state: Some("xyz-relay"),
            now: OffsetDateTime::now_utc(),
        })
        .unwrap();
    let (status, login_page) = match &req.send {
        Send::Redirect { url } => http("GET", url, None),
        Send::Post { action, fields } => {
            let f: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            http("POST", action, Some(&f))
        }
    };
    if status != 200 {
        return (req.id, status, login_page, None, None);
    }
    assert!(login_page.contains("name=\"password\""), "{login_page}");
    // The form's hidden fields, as a browser posts them back.
    let mut form: Vec<(String, String)> = [
        "SAMLRequest",
        "RelayState",
        "binding",
        "SigAlg",
        "Signature",
    ]
    .iter()
    .filter_map(|n| Some(((*n).to_owned(), field(&login_page, n)?)))
    .collect();
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, answer) = http("POST", &format!("{}/login", idp.url("url")), Some(&f));
    if status != 200 {
        return (req.id, status, answer, None, None);
    }
    let action = form_action(&answer);
    (
        req.id,
        status,
        action,
        field(&answer, "SAMLResponse"),
        field(&answer, "RelayState"),
    )
}

fn verify(
    idp: &Idp,
    response: &str,
    request_id: &str,
    now: OffsetDateTime,
) -> Result<SamlIdentity, SamlError> {
    sp().verify_response(
        &idp.certs(),
        response,
        Expected {
            in_response_to: Some(request_id),
            now,
        },
    )
}

#[test]
fn a_sign_in_through_pysaml2_by_the_redirect_binding() {
    let Some(idp) = start_idp(&[]) else { return };
    let (id, status, action, response, relay) =
        sign_in(&idp, Binding::Redirect, "alice", "alice-password");
    assert_eq!(status, 200);
    assert_eq!(action, sp().acs_url, "the IdP posts to our ACS URL");
    assert_eq!(relay.as_deref(), Some("xyz-relay"));
    let response = response.expect("a SAMLResponse field");
    let now = OffsetDateTime::now_utc();
    let identity = verify(&idp, &response, &id, now).unwrap();
    assert_eq!(identity.name_id, "alice@example.org");
    assert_eq!(identity.issuer, idp.url("entity_id"));
    assert_eq!(
        identity.attributes[&format!("{CLAIMS}givenname")],
        vec!["Alice".to_owned()]
    );
    assert_eq!(
        identity.attributes["groups"],
        vec!["admins".to_owned(), "staff".to_owned()]
    );
    assert!(identity.not_on_or_after > now);
    let profile = map_profile(
        &identity,
        &fields_map(Some(
            &serde_json::json!({"department": "department", "groups": "groups"}),
        ))
        .unwrap(),
    );
    assert_eq!(profile.user_id, "alice@example.org");
    assert_eq!(profile.email.as_deref(), Some("alice@example.org"));
    assert_eq!(profile.name.as_deref(), Some("Alice Liddell"));
    assert_eq!(profile.given_name.as_deref(), Some("Alice"));
    assert_eq!(profile.family_name.as_deref(), Some("Liddell"));
    assert_eq!(profile.groups, vec!["admins", "staff"]);
    assert_eq!(profile.other["department"], serde_json::json!("Wonderland"));

    // Replay: the same response verifies to the same assertion id, which the caller stores until
    // not_on_or_after and refuses the second time; a new sign-in has a new one.
    let again = verify(&idp, &response, &id, now).unwrap();
    assert_eq!(again.assertion_id, identity.assertion_id);
    let (id2, _, _, response2, _) = sign_in(&idp, Binding::Redirect, "alice", "alice-password");
    let second = verify(&idp, &response2.unwrap(), &id2, now).unwrap();
    assert_ne!(second.assertion_id, identity.assertion_id);
    // ...and a response is bound to its own request.
    assert!(matches!(
        verify(&idp, &response, &id2, now),
        Err(SamlError::UnexpectedInResponseTo { .. })
    ));

    // Expired: the same response, read after its NotOnOrAfter (plus the skew).
    let later = identity.not_on_or_after + time::Duration::seconds(61);
    assert_eq!(
        verify(&idp, &response, &id, later),
        Err(SamlError::Expired {
            not_on_or_after: identity.not_on_or_after
        })
    );

    // Forged: one byte of the signed assertion changed.
    let xml = String::from_utf8(STANDARD.decode(&response).unwrap()).unwrap();
    let forged = xml.replacen(">Alice<", ">Alicf<", 1);
    assert_ne!(forged, xml);
    assert_eq!(
        verify(&idp, &STANDARD.encode(forged), &id, now),
        Err(SamlError::BadSignature)
    );

    // Another IdP's certificate does not verify it.
    let Some(other) = start_idp(&[]) else { return };
    assert_eq!(
        sp().verify_response(
            &other.certs(),
            &response,
            Expected {
                in_response_to: Some(&id),
                now
            }
        ),
        Err(SamlError::BadSignature)
    );
}

#[test]
fn a_sign_in_by_the_post_binding_with_a_signed_response() {
    let Some(idp) = start_idp(&["--sign-response"]) else {
        return;
    };
    let (id, status, _, response, _) = sign_in(&idp, Binding::Post, "bob", "bob-password");
    assert_eq!(status, 200);
    let response = response.unwrap();
    let xml = String::from_utf8(STANDARD.decode(&response).unwrap()).unwrap();
    assert_eq!(
        xml.matches("SignatureValue>").count(),
        4,
        "both the Response and the Assertion are signed"
    );
    let identity = verify(&idp, &response, &id, OffsetDateTime::now_utc()).unwrap();
    assert_eq!(identity.name_id, "bob@example.org");
    assert_eq!(
        identity.attributes[&format!("{CLAIMS}givenname")],
        vec!["Bob".to_owned()]
    );
}

#[test]
fn refusals_from_the_real_idp() {
    let Some(idp) = start_idp(&["--sha1"]) else {
        return;
    };
    // A wrong password gets no response at all.
    let (_, status, _, response, _) = sign_in(&idp, Binding::Redirect, "alice", "wrong");
    assert_eq!((status, response), (401, None));
    // RSA-SHA1 is refused even with the right certificate.
    let (id, _, _, response, _) = sign_in(&idp, Binding::Redirect, "alice", "alice-password");
    let response = response.unwrap();
    assert!(String::from_utf8(STANDARD.decode(&response).unwrap())
        .unwrap()
        .contains("xmldsig#rsa-sha1"));
    assert_eq!(
        verify(&idp, &response, &id, OffsetDateTime::now_utc()),
        Err(SamlError::BadSignature)
    );
    // An unsigned answer is refused.
    let Some(unsigned) = start_idp(&["--no-sign-assertion"]) else {
        return;
    };
    let (id, _, _, response, _) = sign_in(&unsigned, Binding::Redirect, "alice", "alice-password");
    assert_eq!(
        verify(
            &unsigned,
            &response.unwrap(),
            &id,
            OffsetDateTime::now_utc()
        ),
        Err(SamlError::Unsigned)
    );
}

/// `signSAMLRequest`: pysaml2, told to want signed requests and given our metadata with the
/// signing certificate, refuses an unsigned request and accepts ours by both bindings.
#[test]
fn signed_requests_are_accepted_by_an_idp_that_wants_them() {
    let keys = fixtures::idp_keys();
    let key = SpSigningKey::new(keys.pkcs8.clone(), keys.cert_der.clone()).unwrap();
    let Some(idp) = start_idp_trusting(&["--want-signed-requests"], Some(&key)) else {
        return;
    };
    for binding in [Binding::Redirect, Binding::Post] {
        let (_, status, _, response, _) = sign_in(&idp, binding, "alice", "alice-password");
        assert_eq!((status, response), (400, None), "{binding:?} unsigned");
        let (id, status, _, response, _) =
            sign_in_signed(&idp, binding, Some(&key), "alice", "alice-password");
        assert_eq!(status, 200, "{binding:?} signed");
        let identity = verify(&idp, &response.unwrap(), &id, OffsetDateTime::now_utc()).unwrap();
        assert_eq!(identity.name_id, "alice@example.org");
    }
    // Signed by a key the IdP does not know: refused.
    let other = fixtures::other_keys();
    let stranger = SpSigningKey::new(other.pkcs8.clone(), other.cert_der.clone()).unwrap();
    let (_, status, _, _, _) = sign_in_signed(
        &idp,
        Binding::Redirect,
        Some(&stranger),
        "alice",
        "alice-password",
    );
    assert_eq!(status, 400);
}
