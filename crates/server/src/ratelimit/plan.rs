//! Named plans (`ORGWARDEN_RATE_LIMIT`): which buckets a request draws from.
//!
//! Numbers are Auth0's published ones (see shared/reference/auth0-management-api.md §5):
//! - `free`: Management API 2 burst, 2/s; `/oauth/token` 30 burst, 30/s.
//! - `enterprise`: Management API 50 burst, 16/s (production), plus the endpoint groups below;
//!   `/oauth/token` 100 burst, 100/s.
//! - `dev` (the default): 1000 burst, 500/s; generous, with the same headers.
//! - `off`: no limiting; headers show a very high limit.
//! - `<burst>/<per-second>`: one global bucket of that size (also per client on `/oauth/token`).

use std::str::FromStr;

use super::{Bucket, Limit};

/// Auth0's endpoint groups, named as in its 429 messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    OrganizationsRead,
    OrganizationByIdRead,
    OrganizationByNameRead,
    OrganizationsWrite,
    OrganizationConnectionsRead,
    OrganizationConnectionsWrite,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::OrganizationsRead => "organizations_read",
            Group::OrganizationByIdRead => "organization_by_id_read",
            Group::OrganizationByNameRead => "organization_by_name_read",
            Group::OrganizationsWrite => "organizations_write",
            Group::OrganizationConnectionsRead => "organization_connections_read",
            Group::OrganizationConnectionsWrite => "organization_connections_write",
        }
    }

    /// Declares, where a route is defined, that its requests draw from this group's bucket
    /// (besides the tenant's): `get(list.layer(Group::OrganizationsRead.layer()))`. The
    /// bearer-token extractor reads it once the caller is authenticated.
    pub fn layer(self) -> axum::Extension<Group> {
        axum::Extension(self)
    }
}

fn per_minute(burst: u32, per_minute: u32) -> Limit {
    Limit {
        burst,
        per_second: f64::from(per_minute) / 60.0,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    /// The tenant's Management API bucket.
    pub global: Option<Limit>,
    pub groups: Vec<(Group, Limit)>,
    /// `/oauth/token`, per client.
    pub token: Option<Limit>,
}

pub const ACCEPTED: &str = "free, enterprise, dev, off, or <burst>/<per-second> such as 10/2";

impl FromStr for Plan {
    type Err = String;

    fn from_str(s: &str) -> Result<Plan, String> {
        let plan = |name: &str, global, groups, token| Plan {
            name: name.into(),
            global,
            groups,
            token,
        };
        match s {
            "free" => Ok(plan(
                "free",
                Some(Limit {
                    burst: 2,
                    per_second: 2.0,
                }),
                vec![],
                Some(Limit {
                    burst: 30,
                    per_second: 30.0,
                }),
            )),
            "enterprise" => Ok(plan(
                "enterprise",
                Some(Limit {
                    burst: 50,
                    per_second: 16.0,
                }),
                vec![
                    (Group::OrganizationsRead, per_minute(10, 100)),
                    (Group::OrganizationByIdRead, per_minute(10, 100)),
                    (Group::OrganizationByNameRead, per_minute(20, 200)),
                    (Group::OrganizationsWrite, per_minute(5, 150)),
                    (Group::OrganizationConnectionsRead, per_minute(10, 100)),
                    (Group::OrganizationConnectionsWrite, per_minute(5, 150)),
                ],
                Some(Limit {
                    burst: 100,
                    per_second: 100.0,
                }),
            )),
            "dev" => Ok(plan(
                "dev",
                Some(Limit {
                    burst: 1000,
                    per_second: 500.0,
                }),
                vec![],
                Some(Limit {
                    burst: 1000,
                    per_second: 500.0,
                }),
            )),
            "off" => Ok(plan("off", None, vec![], None)),
            custom => {
                let parsed = custom.split_once('/').and_then(|(b, r)| {
                    Some((b.trim().parse::<u32>().ok()?, r.trim().parse::<f64>().ok()?))
                });
                match parsed {
                    Some((burst, rate)) if burst >= 1 && rate > 0.0 && rate.is_finite() => {
                        let l = Limit {
                            burst,
                            per_second: rate,
                        };
                        Ok(plan(custom, Some(l.clone()), vec![], Some(l)))
                    }
                    _ => Err(format!(
                        "unknown rate-limit plan {custom:?}: use {ACCEPTED}"
                    )),
                }
            }
        }
    }
}

impl Default for Plan {
    fn default() -> Plan {
        "dev".parse().expect("the dev plan parses")
    }
}

impl Plan {
    /// The buckets a Management API call draws from: the global one first, then those of the
    /// group its route declares (see [`Group::layer`]).
    pub fn api_buckets(&self, group: Option<Group>) -> Vec<Bucket> {
        let mut out = Vec::new();
        if let Some(l) = &self.global {
            out.push(Bucket {
                key: "api:global".into(),
                name: "global".into(),
                limit: l.clone(),
            });
        }
        if let Some(g) = group {
            if let Some((_, l)) = self.groups.iter().find(|(x, _)| *x == g) {
                out.push(Bucket {
                    key: format!("api:{}", g.name()),
                    name: g.name().into(),
                    limit: l.clone(),
                });
            }
        }
        out
    }

    /// The bucket of one client on `/oauth/token`.
    pub fn token_buckets(&self, client_id: &str) -> Vec<Bucket> {
        self.token
            .iter()
            .map(|l| Bucket {
                key: format!("token:{client_id}"),
                name: "oauth_token".into(),
                limit: l.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse_and_unknown_ones_say_what_is_accepted() {
        assert_eq!(
            "free".parse::<Plan>().unwrap().global,
            Some(Limit {
                burst: 2,
                per_second: 2.0
            })
        );
        assert_eq!(
            "10/2.5".parse::<Plan>().unwrap().global,
            Some(Limit {
                burst: 10,
                per_second: 2.5
            })
        );
        assert!("off"
            .parse::<Plan>()
            .unwrap()
            .api_buckets(Some(Group::OrganizationsRead))
            .is_empty());
        let err = "gold".parse::<Plan>().unwrap_err();
        assert!(err.contains("free, enterprise, dev, off"), "{err}");
        assert!("0/1".parse::<Plan>().is_err());
        assert!("5/-1".parse::<Plan>().is_err());
    }

    #[test]
    fn a_group_adds_its_bucket_after_the_global_one_where_the_plan_has_it() {
        let names = |plan: &str, group| -> Vec<String> {
            let plan: Plan = plan.parse().unwrap();
            plan.api_buckets(group)
                .into_iter()
                .map(|b| b.name)
                .collect()
        };
        assert_eq!(
            names("enterprise", Some(Group::OrganizationConnectionsRead)),
            ["global", "organization_connections_read"]
        );
        assert_eq!(names("enterprise", None), ["global"]);
        assert_eq!(names("free", Some(Group::OrganizationsWrite)), ["global"]);
    }
}
