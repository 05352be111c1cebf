//! This side of the exchange: the service provider a samlp connection makes of the tenant, and
//! the metadata document an IdP administrator loads to trust it.

use aws_lc_rs::signature::RsaKeyPair;

use crate::cert::base64_lines;
use crate::xml::escape;
use crate::SamlError;

/// SAML 2.0 protocol namespace.
pub const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 assertion namespace.
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The HTTP-POST binding.
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// The HTTP-Redirect binding.
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

/// The service provider one samlp connection makes: who we are to the IdP and where it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProvider {
    /// Our entity id: the `Issuer` of our requests and the `Audience` we require. Auth0's is
    /// `urn:auth0:{tenant}:{connection}` unless the connection sets `options.entityId`.
    pub entity_id: String,
    /// The Assertion Consumer Service URL: where the IdP posts its Response, and the value we
    /// require in `Destination` and `Recipient`. Auth0's is
    /// `https://{domain}/login/callback?connection={connection}`.
    pub acs_url: String,
    /// How far a clock may be off either way when `NotBefore`/`NotOnOrAfter` are compared.
    pub clock_skew: time::Duration,
}

impl ServiceProvider {
    /// The service provider Auth0 makes of connection `connection` on tenant `tenant`, served at
    /// `base_url` (scheme and host, e.g. `https://acme.example.com`). `entity_id` is the
    /// connection's `options.entityId` when it sets one.
    pub fn auth0(base_url: &str, tenant: &str, connection: &str, entity_id: Option<&str>) -> Self {
        let entity_id = match entity_id {
            Some(id) if !id.trim().is_empty() => id.to_owned(),
            _ => format!("urn:auth0:{tenant}:{connection}"),
        };
        let connection_q: String =
            url::form_urlencoded::byte_serialize(connection.as_bytes()).collect();
        Self {
            entity_id,
            acs_url: format!(
                "{}/login/callback?connection={connection_q}",
                base_url.trim_end_matches('/')
            ),
            clock_skew: time::Duration::seconds(60),
        }
    }

    /// The SP metadata (`GET /samlp/metadata?connection=NAME`), in Auth0's shape: an
    /// `EntityDescriptor` whose `SPSSODescriptor` wants signed assertions, names the three
    /// NameID formats Auth0 lists, and one HTTP-POST Assertion Consumer Service. With a signing
    /// key, its certificate is published for `use="signing"` and `AuthnRequestsSigned` is true.
    ///
    /// No `encryption` key and no `SingleLogoutService` are published: encrypted assertions and
    /// SAML logout are not supported yet, and advertising them would invite what we would refuse.
    pub fn metadata(&self, signing: Option<&SpSigningKey>) -> String {
        let mut key = String::new();
        if let Some(k) = signing {
            key = format!(
                "    <KeyDescriptor use=\"signing\">\n      <KeyInfo xmlns=\"http://www.w3.org/2000/09/xmldsig#\">\n        <X509Data>\n          <X509Certificate>{}</X509Certificate>\n        </X509Data>\n      </KeyInfo>\n    </KeyDescriptor>\n",
                base64_lines(&k.certificate_der)
            );
        }
        format!(
            concat!(
                "<?xml version=\"1.0\"?>\n",
                "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\n",
                "  <SPSSODescriptor protocolSupportEnumeration=\"{proto}\" AuthnRequestsSigned=\"{signed}\" WantAssertionsSigned=\"true\">\n",
                "{key}",
                "    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>\n",
                "    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>\n",
                "    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>\n",
                "    <AssertionConsumerService Binding=\"{post}\" Location=\"{acs}\" index=\"0\" isDefault=\"true\"/>\n",
                "  </SPSSODescriptor>\n",
                "</EntityDescriptor>\n"
            ),
            entity = escape(&self.entity_id),
            proto = PROTOCOL_NS,
            signed = signing.is_some(),
            key = key,
            post = BINDING_POST,
            acs = escape(&self.acs_url),
        )
    }
}

/// The key our AuthnRequests are signed with (`signSAMLRequest`): an RSA private key as PKCS#8
/// DER and the X.509 certificate published for it in the metadata.
pub struct SpSigningKey {
    pub(crate) pkcs8_der: Vec<u8>,
    pub(crate) key_pair: RsaKeyPair,
    pub(crate) certificate_der: Vec<u8>,
}

impl std::fmt::Debug for SpSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("SpSigningKey").finish_non_exhaustive()
    }
}

impl SpSigningKey {
    /// Refuses a key that is not RSA PKCS#8.
    pub fn new(pkcs8_der: Vec<u8>, certificate_der: Vec<u8>) -> Result<Self, SamlError> {
        let key_pair = RsaKeyPair::from_pkcs8(&pkcs8_der)
            .map_err(|e| SamlError::BadSigningKey(format!("not an RSA PKCS#8 key ({e})")))?;
        Ok(Self {
            pkcs8_der,
            key_pair,
            certificate_der,
        })
    }
}
