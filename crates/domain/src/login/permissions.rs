//! Which permissions a person's access token carries for an API that enforces RBAC.
//!
//! As Auth0: signed in through an organization, the roles given to them *as a member of that
//! organization*; signed in without one, their own roles and direct permissions. The two never
//! mix (a tenant role does not follow a person into an organization's tokens, nor a member role
//! out of it).

use std::collections::HashSet;

use crate::ids::OrgId;
use crate::role::Holder;
use crate::store::RoleStore;
use crate::user::UserId;
use crate::Result;

/// How many permissions (and roles) are read for one token, at most.
pub const MAX_READ: u32 = 1000;
const PER_PAGE: u32 = 100;

/// The names of `user`'s permissions on the API `identifier`, in the order found, each once.
pub async fn for_token<S: RoleStore + ?Sized>(
    store: &S,
    user: &UserId,
    organization: Option<&OrgId>,
    identifier: &str,
) -> Result<Vec<String>> {
    let mut found = Found::new(identifier);
    match organization {
        None => {
            for page in 0..MAX_READ / PER_PAGE {
                let listed = store.user_permissions(user, page, PER_PAGE).await?;
                let last = listed.items.len() < PER_PAGE as usize;
                found.add(listed.items.into_iter().map(|p| p.permission.permission));
                if last {
                    break;
                }
            }
        }
        Some(org) => {
            let holder = Holder::Member(org.clone(), user.clone());
            let mut budget = MAX_READ / PER_PAGE;
            'roles: for page in 0..MAX_READ / PER_PAGE {
                let roles = store.roles_of(&holder, page, PER_PAGE).await?;
                let last = roles.items.len() < PER_PAGE as usize;
                for role in roles.items {
                    for p in 0..MAX_READ / PER_PAGE {
                        if budget == 0 {
                            break 'roles;
                        }
                        budget -= 1;
                        let listed = store.list_role_permissions(&role.id, p, PER_PAGE).await?;
                        let done = listed.items.len() < PER_PAGE as usize;
                        found.add(listed.items.into_iter().map(|p| p.permission));
                        if done {
                            break;
                        }
                    }
                }
                if last {
                    break;
                }
            }
        }
    }
    Ok(found.names)
}

/// Permission names on one API, without repeats.
struct Found<'a> {
    api: &'a str,
    seen: HashSet<String>,
    names: Vec<String>,
}

impl<'a> Found<'a> {
    fn new(api: &'a str) -> Self {
        Self {
            api,
            seen: HashSet::new(),
            names: Vec::new(),
        }
    }

    fn add(&mut self, refs: impl Iterator<Item = crate::role::PermissionRef>) {
        for p in refs {
            if p.resource_server_identifier == self.api
                && self.seen.insert(p.permission_name.clone())
            {
                self.names.push(p.permission_name);
            }
        }
    }
}
