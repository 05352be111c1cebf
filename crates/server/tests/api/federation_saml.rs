//! Sign-in through a `samlp` connection against a real SAML identity provider: pysaml2's IdP
//! (`tests-support/saml-idp/idp.py`, signing with Debian's xmlsec1) over HTTP on loopback, given
//! the metadata this server publishes at `/samlp/metadata`. The browser is played by hand, as in
//! `federation.rs`: the login page's SSO button, the redirect to the IdP, its login form, its
//! auto-posting form back to `/login/callback?connection=…`. Only built with `--features saml`;
//! the IdP's venv comes from `tests-support/saml-idp/install` (SKIPPED without it, failed under
//! `ORGWARDEN_REQUIRE_SERVICES=1`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use axum::http::StatusCode;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use orgwarden_domain::clock::ManualClock;
use serde_json::{json, Value};
use time::OffsetDateTime;

use crate::app::{claims_of, TestApp};
use crate::dashboard::{location, text};
use crate::login::{
    attr, authorize, client, exchange, hidden_fields, query_of, Person, Tenant, CALLBACK, VERIFIER,
};

const CONNECTION: &str = "acme-saml";
/// The ACS URL the IdP posts to (`TestApp` is `https://localhost:8443`).
const ACS: &str = "https://localhost:8443/login/callback?connection=acme-saml";
const ALICE: &str = "samlp|acme-saml|alice@example.org";

/// A running IdP, stopped when dropped.
struct Idp {
    child: Child,
    info: Value,
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
}

fn python() -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests-support/saml-idp/.venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    let what = "the SAML sign-in tests need tests-support/saml-idp/.venv (run tests-support/saml-idp/install)";
    assert!(
        !orgwarden_test_services::required(),
        "{what}, and ORGWARDEN_REQUIRE_SERVICES=1 says it must run"
    );
    eprintln!("SKIPPED: {what}");
    None
}

/// An IdP trusting the SP described by `metadata`.
fn start_idp(metadata: &str, flags: &[&str]) -> Option<Idp> {
    let python = python()?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sp.xml");
    std::fs::write(&path, metadata).unwrap();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-support/saml-idp/idp.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg("--sp-metadata")
        .arg(&path)
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
    let info: Value = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("the IdP's first line {line:?}: {e}"));
    Some(Idp {
        child,
        info,
        _dir: dir,
    })
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of a named form field in one of the IdP's pages.
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

/// The IdP's answer as the browser would post it to us.
struct Posted {
    saml_response: String,
    relay_state: String,
}

/// The tenant: a web client requiring organizations, the samlp connection pointing at a running
/// IdP (which was given our metadata), `acme` (membership on login) and `closed` (members only).
async fn saml_tenant(clock: Option<Arc<ManualClock>>) -> Option<(TestApp, Tenant, Idp)> {
    saml_tenant_with(clock, json!({}), &[]).await
}

/// The same, with more connection `options` (set before the metadata is read) and IdP flags.
async fn saml_tenant_with(
    clock: Option<Arc<ManualClock>>,
    options: Value,
    idp_flags: &[&str],
) -> Option<(TestApp, Tenant, Idp)> {
    python()?;
    let mut builder = TestApp::builder();
    if let Some(c) = clock {
        builder = builder.clock(c);
    }
    let app = builder.build().await;
    let (client_id, client_secret) = client(&app, json!({})).await;
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": CONNECTION, "display_name": "Acme SAML", "strategy": "samlp",
                   "enabled_clients": [client_id],
                   "options": {"signInEndpoint": "https://idp.invalid/sso"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let connection = r.body["id"].as_str().unwrap().to_owned();
    let mut opts = json!({"signInEndpoint": "https://idp.invalid/sso"});
    for (k, v) in options.as_object().unwrap() {
        opts[k] = v.clone();
    }
    let r = app
        .patch(
            &format!("/api/v2/connections/{connection}"),
            json!({ "options": opts }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The metadata the IdP's administrator loads: public, our entity id and ACS URL.
    let m = app
        .call(
            axum::http::Method::GET,
            "/samlp/metadata?connection=acme-saml",
            None,
            None,
        )
        .await;
    assert_eq!(m.status, StatusCode::OK);
    let metadata = String::from_utf8(m.raw.to_vec()).unwrap();
    assert!(
        metadata.contains("entityID=\"urn:auth0:localhost:acme-saml\""),
        "{metadata}"
    );
    assert!(metadata.contains(&ACS.replace('&', "&amp;")), "{metadata}");
    let idp = start_idp(&metadata, idp_flags)?;

    let post = opts["protocolBinding"] == json!("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    opts["signInEndpoint"] = json!(idp.url(if post { "sso_post" } else { "sso_redirect" }));
    opts["signingCert"] = json!(idp.url("cert_pem"));
    let r = app
        .patch(
            &format!("/api/v2/connections/{connection}"),
            json!({ "options": opts }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let org = org_with(&app, "acme", &connection, true).await;
    let closed = org_with(&app, "closed", &connection, false).await;
    Some((
        app,
        Tenant {
            client_id,
            client_secret,
            org,
            open_org: closed,
            ann: String::new(),
            connection,
        },
        idp,
    ))
}

async fn org_with(app: &TestApp, name: &str, connection: &str, assign: bool) -> String {
    let r = app
        .post(
            "/api/v2/organizations",
            json!({"name": name, "enabled_connections": [{"connection_id": connection,
                   "assign_membership_on_login": assign, "show_as_button": true}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().unwrap().to_owned()
}

/// From the organization's login page, through its SSO button, to the IdP's login form, signed
/// in there as `user`: the form the IdP hands the browser to post back to us.
async fn through_idp(p: &mut Person<'_>, idp: &Idp, client_id: &str, org: &str) -> Posted {
    let page = p.get(&authorize(client_id, &[("organization", org)])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", text(&page));
    let html = text(&page);
    assert!(html.contains("Continue with Acme SAML"), "{html}");
    let button = attr(&html, "<a class=\"button\" href=\"", "\"").expect("the SSO button");
    let r = p.get(&button).await;
    let http = reqwest::Client::new();
    let login_page = if r.status == StatusCode::FOUND {
        // HTTP-Redirect binding.
        let to = location(&r);
        assert!(to.starts_with(&idp.url("sso_redirect")), "{to}");
        let q = query_of(&to);
        assert!(q.contains_key("SAMLRequest"), "{q:?}");
        assert!(q["RelayState"].len() >= 43, "{q:?}");
        http.get(&to).send().await.unwrap()
    } else {
        // HTTP-POST binding: a page whose form the browser posts to the IdP, which its policy
        // allows.
        assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
        let html = text(&r);
        let action = attr(&html, "<form method=\"post\" action=\"", "\"").expect("a form");
        assert_eq!(action, idp.url("sso_post"));
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains(&idp.url("url")), "{csp}");
        let fields = hidden_fields(&html);
        assert!(fields.iter().any(|(k, _)| k == "SAMLRequest"), "{fields:?}");
        http.post(&action).form(&fields).send().await.unwrap()
    };
    assert_eq!(login_page.status(), 200);
    let login_page = login_page.text().await.unwrap();
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
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), "alice-password".into()));
    let answer = http
        .post(format!("{}/login", idp.url("url")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let answer = answer.text().await.unwrap();
    assert_eq!(form_action(&answer), ACS);
    Posted {
        saml_response: field(&answer, "SAMLResponse").expect("a SAMLResponse"),
        relay_state: field(&answer, "RelayState").expect("the RelayState back"),
    }
}

/// The post to our ACS URL.
async fn post_back(
    p: &mut Person<'_>,
    saml_response: &str,
    relay_state: &str,
) -> crate::app::Response {
    let path = ACS.strip_prefix("https://localhost:8443").unwrap();
    p.post(
        path,
        &[("SAMLResponse", saml_response), ("RelayState", relay_state)],
    )
    .await
}

/// Where the callback's page moves the browser on to.
fn onward(r: &crate::app::Response) -> String {
    assert_eq!(r.status, StatusCode::OK, "{}", text(r));
    let html = text(r);
    attr(&html, "<meta http-equiv=\"refresh\" content=\"0;url=", "\"")
        .unwrap_or_else(|| panic!("a page moving on: {html}"))
}

/// A refusal after the request was checked: an error page naming the connection, whose way back
/// takes `access_denied` to the application's registered callback, and no code anywhere.
fn refused_with(r: &crate::app::Response, why: &str) {
    let html = text(r);
    assert_ne!(r.status, StatusCode::OK, "{html}");
    assert!(r.headers.get("location").is_none(), "{html}");
    assert!(html.contains(CONNECTION), "{html}");
    assert!(html.contains(why), "expected {why:?} in {html}");
    assert!(!html.contains("code="), "{html}");
    let back = attr(&html, "href=\"https://app.test/callback", "\"")
        .unwrap_or_else(|| panic!("a way back: {html}"));
    assert!(back.contains("error=access_denied"), "{back}");
}

#[tokio::test]
async fn a_person_signs_in_to_an_organization_through_a_saml_idp() {
    let Some((app, t, idp)) = saml_tenant(None).await else {
        return;
    };
    let mut p = Person::new(&app);
    let posted = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let r = post_back(&mut p, &posted.saml_response, &posted.relay_state).await;
    let to_app = onward(&r);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    let answer = query_of(&to_app);
    assert_eq!(answer["state"], "st&te=1");
    let tokens = exchange(&app, &t, &answer["code"], VERIFIER).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let id = claims_of(tokens.body["id_token"].as_str().unwrap());
    assert_eq!(id["sub"], ALICE);
    assert_eq!(id["org_id"], t.org);
    assert_eq!(id["email"], "alice@example.org");
    let access = claims_of(tokens.body["access_token"].as_str().unwrap());
    assert_eq!(access["org_id"], t.org);

    let path = format!("/api/v2/users/{}", ALICE.replace('|', "%7C"));
    let u = app.get(&path).await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.body);
    assert_eq!(
        u.body["identities"],
        json!([{"connection": CONNECTION, "user_id": "acme-saml|alice@example.org",
                "provider": "samlp", "isSocial": false}])
    );
    assert_eq!(u.body["name"], "Alice Liddell");
    assert_eq!(u.body["given_name"], "Alice");
    assert_eq!(u.body["family_name"], "Liddell");
    let r = app
        .get(&format!("/api/v2/organizations/{}/members", t.org))
        .await;
    assert_eq!(
        r.body[0]["user_id"], ALICE,
        "a member by membership on login"
    );

    // The same post again (a replayed response): the request was used up.
    let again = post_back(&mut p, &posted.saml_response, &posted.relay_state).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(text(&again).contains("already used"), "{}", text(&again));

    // A second sign-in (another browser) finds the same user.
    let mut other = Person::new(&app);
    let second = through_idp(&mut other, &idp, &t.client_id, "acme").await;
    let r = post_back(&mut other, &second.saml_response, &second.relay_state).await;
    let code = query_of(&onward(&r))["code"].clone();
    let tokens = exchange(&app, &t, &code, VERIFIER).await;
    assert_eq!(
        claims_of(tokens.body["id_token"].as_str().unwrap())["sub"],
        ALICE
    );
    let all = app.get("/api/v2/users?q=email:alice@example.org").await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(1), "{}", all.body);
}

#[tokio::test]
async fn forged_misdirected_and_unsolicited_responses_are_refused() {
    let Some((app, t, idp)) = saml_tenant(None).await else {
        return;
    };
    let mut p = Person::new(&app);

    // A response for another request: the first sign-in's answer posted with the RelayState of
    // a second one (InResponseTo names the first request).
    let first = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let second = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let r = post_back(&mut p, &first.saml_response, &second.relay_state).await;
    refused_with(&r, "InResponseTo");

    // One changed byte in the signed assertion.
    let third = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let xml = String::from_utf8(STANDARD.decode(&third.saml_response).unwrap()).unwrap();
    assert!(xml.contains("alice@example.org"));
    let forged = STANDARD.encode(xml.replacen("alice@example.org", "alicf@example.org", 1));
    let r = post_back(&mut p, &forged, &third.relay_state).await;
    refused_with(&r, "invalid signature");

    // IdP-initiated (no RelayState): refused, on a page only.
    let fourth = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let path = ACS.strip_prefix("https://localhost:8443").unwrap();
    let r = p
        .post(path, &[("SAMLResponse", fourth.saml_response.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(text(&r).contains("IdP-initiated"), "{}", text(&r));
    assert!(r.headers.get("location").is_none());

    // Taken to another browser (login CSRF): refused there.
    let mut victim = Person::new(&app);
    let r = post_back(&mut victim, &fourth.saml_response, &fourth.relay_state).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", text(&r));

    // A certificate that is not the IdP's.
    let other = rcgen::generate_simple_self_signed(vec!["other.example".into()])
        .unwrap()
        .cert
        .pem();
    let r = app
        .patch(
            &format!("/api/v2/connections/{}", t.connection),
            json!({"options": {"signInEndpoint": idp.url("sso_redirect"), "signingCert": other}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fifth = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    let r = post_back(&mut p, &fifth.saml_response, &fifth.relay_state).await;
    refused_with(&r, "invalid signature");

    // Nobody was created by any of this.
    let all = app.get("/api/v2/users?q=email:alice@example.org").await;
    assert_eq!(all.body.as_array().map(Vec::len), Some(0), "{}", all.body);
}

#[tokio::test]
async fn expired_responses_and_non_members_are_refused() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let Some((app, t, idp)) = saml_tenant(Some(clock.clone())).await else {
        return;
    };
    let mut p = Person::new(&app);

    // `closed` admits members only: Alice signs in at the IdP but is refused here.
    let posted = through_idp(&mut p, &idp, &t.client_id, "closed").await;
    let r = post_back(&mut p, &posted.saml_response, &posted.relay_state).await;
    let to_app = onward(&r);
    let q = query_of(&to_app);
    assert!(to_app.starts_with(CALLBACK), "{to_app}");
    assert_eq!(q["error"], "access_denied", "{q:?}");
    assert!(!q.contains_key("code"));

    // The IdP's assertions live 5 minutes; read 7 minutes later (past the 60 s skew, within
    // the pending request's 10 minutes), the response has expired. (Last: our clock stays ahead
    // of the IdP's from here on.)
    let posted = through_idp(&mut p, &idp, &t.client_id, "acme").await;
    clock.advance(time::Duration::minutes(7));
    let r = post_back(&mut p, &posted.saml_response, &posted.relay_state).await;
    refused_with(&r, "expired");
}

#[tokio::test]
async fn metadata_is_served_for_samlp_connections_only() {
    let app = TestApp::new().await;
    for path in [
        "/samlp/metadata",
        "/samlp/metadata?connection=nope",
        "/samlp/metadata?connection=Username-Password-Authentication",
    ] {
        let r = app.call(axum::http::Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body["statusCode"], 404, "{path}: {}", r.body);
        assert!(
            r.body["message"].as_str().unwrap().contains("SAML"),
            "{path}"
        );
    }
    let r = app
        .post(
            "/api/v2/connections",
            json!({"name": "corp", "strategy": "samlp",
                   "options": {"signInEndpoint": "https://idp.invalid/sso",
                               "entityId": "urn:corp:sp"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    {
        let path = "/samlp/metadata?connection=corp";
        let r = app.call(axum::http::Method::GET, path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        let xml = String::from_utf8(r.raw.to_vec()).unwrap();
        assert!(xml.contains("entityID=\"urn:corp:sp\""), "{xml}");
        assert!(
            xml.contains("Location=\"https://localhost:8443/login/callback?connection=corp\""),
            "{xml}"
        );
        assert!(xml.contains("AuthnRequestsSigned=\"false\""), "{xml}");
    }
}

#[tokio::test]
async fn signed_requests_by_both_bindings_satisfy_an_idp_that_wants_them() {
    for binding in [
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
    ] {
        // The IdP is given our metadata, whose certificate is the tenant's signing key's, and
        // refuses an AuthnRequest that key did not sign.
        let Some((app, t, idp)) = saml_tenant_with(
            None,
            json!({"signSAMLRequest": true, "protocolBinding": binding}),
            &["--want-signed-requests"],
        )
        .await
        else {
            return;
        };
        let m = app
            .call(
                axum::http::Method::GET,
                "/samlp/metadata?connection=acme-saml",
                None,
                None,
            )
            .await;
        let metadata = String::from_utf8(m.raw.to_vec()).unwrap();
        assert!(
            metadata.contains("AuthnRequestsSigned=\"true\"")
                && metadata.contains("<KeyDescriptor use=\"signing\">"),
            "{metadata}"
        );
        let mut p = Person::new(&app);
        let posted = through_idp(&mut p, &idp, &t.client_id, "acme").await;
        let r = post_back(&mut p, &posted.saml_response, &posted.relay_state).await;
        let code = query_of(&onward(&r))["code"].clone();
        let tokens = exchange(&app, &t, &code, VERIFIER).await;
        assert_eq!(
            claims_of(tokens.body["id_token"].as_str().unwrap())["sub"],
            ALICE,
            "{binding}"
        );
    }
}
