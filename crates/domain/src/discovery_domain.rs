//! Discovery domains of an organization: the domain, whether it is verified, and the DNS TXT
//! record (`verification_host`, `verification_txt`) that proves it. orgwarden does not query
//! DNS; the status is set through the API, as Auth0 allows.

/// A change of status or use (the wire body: it has no rules beyond its schema).
pub use orgwarden_proto::discovery_domains::UpdateDiscoveryDomain;
use orgwarden_proto::discovery_domains::{self as wire, is_domain, CreateDiscoveryDomain};

use crate::ids::{DiscoveryDomainId, OrgId};
use crate::{Error, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryDomain {
    pub id: DiscoveryDomainId,
    pub organization_id: OrgId,
    /// Lowercased.
    pub domain: String,
    pub verified: bool,
    pub verification_txt: String,
    pub use_for_organization_discovery: Option<bool>,
}

impl DiscoveryDomain {
    pub fn new(org: &OrgId, body: CreateDiscoveryDomain) -> Result<DiscoveryDomain> {
        if !is_domain(&body.domain) {
            return Err(Error::invalid_field(
                "domain",
                format!("Payload validation error: 'String does not match pattern ^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$: {}' on property domain (The domain name to associate with the organization e.g. acme.com.).", body.domain),
            ));
        }
        let mut txt = [0u8; 16];
        aws_lc_rs::rand::fill(&mut txt).map_err(|_| anyhow::anyhow!("no randomness"))?;
        Ok(DiscoveryDomain {
            id: DiscoveryDomainId::from_trusted(format!(
                "{}{}",
                DiscoveryDomainId::PREFIX,
                crate::ids::random_alphanumeric(22)
            )),
            organization_id: org.clone(),
            domain: body.domain.to_lowercase(),
            verified: body.status.as_deref() == Some("verified"),
            verification_txt: txt.iter().map(|b| format!("{b:02x}")).collect(),
            use_for_organization_discovery: body.use_for_organization_discovery,
        })
    }

    pub fn apply(&mut self, patch: UpdateDiscoveryDomain) {
        if let Some(s) = patch.status {
            self.verified = s == "verified";
        }
        if let Some(u) = patch.use_for_organization_discovery {
            self.use_for_organization_discovery = Some(u);
        }
    }

    pub fn to_wire(&self) -> wire::DiscoveryDomain {
        wire::DiscoveryDomain {
            id: self.id.as_str().to_owned(),
            domain: self.domain.clone(),
            status: if self.verified { "verified" } else { "pending" }.to_owned(),
            verification_host: format!(
                "_ss-verification.{}.{}",
                self.organization_id.as_str(),
                self.domain
            ),
            verification_txt: self.verification_txt.clone(),
            use_for_organization_discovery: self.use_for_organization_discovery,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth0s_shape() {
        let org = OrgId::generate();
        let d = DiscoveryDomain::new(
            &org,
            CreateDiscoveryDomain {
                domain: "Test-Domain-794.com".into(),
                status: None,
                use_for_organization_discovery: None,
            },
        )
        .unwrap();
        let w = d.to_wire();
        assert!(w.id.starts_with("ord_") && w.id.len() == 26);
        assert_eq!(w.domain, "test-domain-794.com");
        assert_eq!(w.status, "pending");
        assert_eq!(
            w.verification_host,
            format!("_ss-verification.{}.test-domain-794.com", org.as_str())
        );
        assert_eq!(w.verification_txt.len(), 32);
    }
}
