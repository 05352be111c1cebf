//! `/api/v2/organizations/{id}/discovery-domains`: email domains that lead people to an
//! organization at sign-in, once verified through a DNS TXT record.

use serde::{Deserialize, Serialize};

use crate::validate::{string, ObjectSchema, Schema};
use crate::Request;

pub const STATUSES: &[&str] = &["pending", "verified"];

/// A discovery domain as shown (Auth0's key order, recorded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryDomain {
    pub id: String,
    pub domain: String,
    pub status: String,
    pub verification_host: String,
    pub verification_txt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_for_organization_discovery: Option<bool>,
}

/// `POST /organizations/{id}/discovery-domains`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateDiscoveryDomain {
    pub domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_for_organization_discovery: Option<bool>,
}

/// `PATCH /organizations/{id}/discovery-domains/{discovery_domain_id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpdateDiscoveryDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_for_organization_discovery: Option<bool>,
}

const USE_DESC: &str = "Indicates whether this domain should be used for organization discovery.";

impl Request for CreateDiscoveryDomain {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "domain",
                "The domain name to associate with the organization e.g. acme.com.",
                string(3, 255),
            )
            .prop(
                "status",
                "The verification status of the discovery domain.",
                Schema::Enum(STATUSES),
            )
            .prop("use_for_organization_discovery", USE_DESC, Schema::Bool)
            .required(&["domain"])
            .build()
    }
}

impl Request for UpdateDiscoveryDomain {
    fn schema() -> Schema {
        ObjectSchema::new()
            .prop(
                "status",
                "The verification status of the discovery domain.",
                Schema::Enum(STATUSES),
            )
            .prop("use_for_organization_discovery", USE_DESC, Schema::Bool)
            .build()
    }
}

/// Auth0's pattern for a domain: dot-separated labels of letters, digits and inner hyphens.
pub fn is_domain(s: &str) -> bool {
    (3..=255).contains(&s.len())
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_and_domains() {
        assert!(CreateDiscoveryDomain::parse(&json!({"domain": "acme.com"})).is_ok());
        assert!(
            CreateDiscoveryDomain::parse(&json!({"domain": "acme.com", "status": "done"})).is_err()
        );
        assert!(UpdateDiscoveryDomain::parse(&json!({"domain": "x.com"})).is_err());
        assert!(is_domain("test-domain-794.com"));
        for bad in [
            "-acme.com",
            "acme..com",
            "ac me.com",
            "a",
            "acme.com.",
            "acme_corp.com",
        ] {
            assert!(!is_domain(bad), "{bad}");
        }
    }
}
