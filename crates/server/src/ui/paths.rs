//! Every address of the dashboard, in one place: the route patterns the router mounts
//! (relative to [`BASE`], where [`super::router`] is nested) and the URLs that handlers
//! redirect to and templates link to. Each URL is built from its route's pattern, so a link
//! cannot point where no route answers.
//!
//! Ids go into URLs as they are: the dashboard only builds URLs of ids it read from the store
//! (ids are made of `[A-Za-z0-9_]`), except user ids, whose `|` is percent-encoded.

/// The one spelling of the dashboard's prefix (a macro, so constants can be made of it).
macro_rules! base {
    () => {
        "/dashboard"
    };
}

/// Where the dashboard lives (also the path of its session cookie).
pub const BASE: &str = base!();

/// `/dashboard/`: the same as [`BASE`] (mounted by the server's router, outside the nest).
pub const BASE_SLASH: &str = concat!(base!(), "/");

pub const HOME: &str = "/";
pub const ASSET: &str = "/assets/{version}/{name}";
pub const SIGN_IN: &str = "/sign-in";
pub const SIGN_OUT: &str = "/sign-out";
pub const ORGANIZATIONS: &str = "/organizations";
pub const NEW_ORGANIZATION: &str = "/organizations/new";
pub const ORGANIZATION: &str = "/organizations/{id}";
pub const DELETE_ORGANIZATION: &str = "/organizations/{id}/delete";
pub const ORG_CONNECTIONS: &str = "/organizations/{id}/connections";
pub const ORG_CONNECTION: &str = "/organizations/{id}/connections/{cid}";
pub const DISABLE_ORG_CONNECTION: &str = "/organizations/{id}/connections/{cid}/disable";
pub const ORG_MEMBERS: &str = "/organizations/{id}/members";
pub const REMOVE_ORG_MEMBER: &str = "/organizations/{id}/members/{uid}/remove";
pub const ORG_MEMBER_ROLES: &str = "/organizations/{id}/members/{uid}/roles";
pub const ORG_INVITATIONS: &str = "/organizations/{id}/invitations";
pub const REVOKE_ORG_INVITATION: &str = "/organizations/{id}/invitations/{iid}/revoke";
pub const USERS: &str = "/users";
pub const BLOCK_USER: &str = "/users/{uid}/block";
pub const DELETE_USER: &str = "/users/{uid}/delete";
pub const CONNECTIONS: &str = "/connections";
pub const NEW_CONNECTION: &str = "/connections/new";
pub const CONNECTION: &str = "/connections/{id}";
pub const DELETE_CONNECTION: &str = "/connections/{id}/delete";
pub const CLIENTS: &str = "/clients";
pub const CLIENT: &str = "/clients/{id}";
pub const ROTATE_CLIENT: &str = "/clients/{id}/rotate";
pub const GRANT_CLIENT: &str = "/clients/{id}/grant";

/// The URL of `route` (one of the patterns above): [`BASE`], then the pattern with its
/// `{…}` parameters replaced by `args`, in order.
fn at(route: &str, args: &[&str]) -> String {
    let mut url = String::from(BASE);
    let mut rest = route;
    let mut args = args.iter();
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("a closed route parameter");
        url.push_str(&rest[..open]);
        url.push_str(args.next().expect("an argument per route parameter"));
        rest = &rest[close + 1..];
    }
    debug_assert!(
        args.next().is_none(),
        "more arguments than parameters in {route}"
    );
    url.push_str(rest);
    url
}

pub fn asset(version: &str, name: &str) -> String {
    at(ASSET, &[version, name])
}

pub fn sign_in() -> String {
    at(SIGN_IN, &[])
}

pub fn sign_out() -> String {
    at(SIGN_OUT, &[])
}

pub fn organizations() -> String {
    at(ORGANIZATIONS, &[])
}

pub fn new_organization() -> String {
    at(NEW_ORGANIZATION, &[])
}

pub fn organization(id: &str) -> String {
    at(ORGANIZATION, &[id])
}

pub fn delete_organization(id: &str) -> String {
    at(DELETE_ORGANIZATION, &[id])
}

pub fn org_connections(org: &str) -> String {
    at(ORG_CONNECTIONS, &[org])
}

pub fn org_connection(org: &str, connection: &str) -> String {
    at(ORG_CONNECTION, &[org, connection])
}

pub fn disable_org_connection(org: &str, connection: &str) -> String {
    at(DISABLE_ORG_CONNECTION, &[org, connection])
}

/// A user id as a path segment (`auth0|abc` → `auth0%7Cabc`).
fn user_segment(id: &str) -> String {
    id.replace('%', "%25").replace('|', "%7C")
}

pub fn org_members(org: &str) -> String {
    at(ORG_MEMBERS, &[org])
}

pub fn remove_org_member(org: &str, user: &str) -> String {
    at(REMOVE_ORG_MEMBER, &[org, &user_segment(user)])
}

pub fn org_member_roles(org: &str, user: &str) -> String {
    at(ORG_MEMBER_ROLES, &[org, &user_segment(user)])
}

pub fn org_invitations(org: &str) -> String {
    at(ORG_INVITATIONS, &[org])
}

pub fn revoke_org_invitation(org: &str, invitation: &str) -> String {
    at(REVOKE_ORG_INVITATION, &[org, invitation])
}

pub fn users() -> String {
    at(USERS, &[])
}

pub fn block_user(user: &str) -> String {
    at(BLOCK_USER, &[&user_segment(user)])
}

pub fn delete_user(user: &str) -> String {
    at(DELETE_USER, &[&user_segment(user)])
}

pub fn connections() -> String {
    at(CONNECTIONS, &[])
}

pub fn new_connection() -> String {
    at(NEW_CONNECTION, &[])
}

pub fn connection(id: &str) -> String {
    at(CONNECTION, &[id])
}

pub fn delete_connection(id: &str) -> String {
    at(DELETE_CONNECTION, &[id])
}

pub fn clients() -> String {
    at(CLIENTS, &[])
}

pub fn client(id: &str) -> String {
    at(CLIENT, &[id])
}

pub fn rotate_client(id: &str) -> String {
    at(ROTATE_CLIENT, &[id])
}

pub fn grant_client(id: &str) -> String {
    at(GRANT_CLIENT, &[id])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_fill_their_routes_under_the_base() {
        assert_eq!(BASE_SLASH, format!("{BASE}/"));
        assert_eq!(asset("v1", "app.css"), "/dashboard/assets/v1/app.css");
        assert_eq!(sign_in(), "/dashboard/sign-in");
        assert_eq!(sign_out(), "/dashboard/sign-out");
        assert_eq!(organizations(), "/dashboard/organizations");
        assert_eq!(new_organization(), "/dashboard/organizations/new");
        assert_eq!(organization("org_1"), "/dashboard/organizations/org_1");
        assert_eq!(
            delete_organization("org_1"),
            "/dashboard/organizations/org_1/delete"
        );
        assert_eq!(
            org_connections("org_1"),
            "/dashboard/organizations/org_1/connections"
        );
        assert_eq!(
            org_connection("org_1", "con_2"),
            "/dashboard/organizations/org_1/connections/con_2"
        );
        assert_eq!(
            disable_org_connection("org_1", "con_2"),
            "/dashboard/organizations/org_1/connections/con_2/disable"
        );
        assert_eq!(
            org_members("org_1"),
            "/dashboard/organizations/org_1/members"
        );
        assert_eq!(
            remove_org_member("org_1", "auth0|a%b"),
            "/dashboard/organizations/org_1/members/auth0%7Ca%25b/remove"
        );
        assert_eq!(
            org_member_roles("org_1", "auth0|a"),
            "/dashboard/organizations/org_1/members/auth0%7Ca/roles"
        );
        assert_eq!(
            org_invitations("org_1"),
            "/dashboard/organizations/org_1/invitations"
        );
        assert_eq!(
            revoke_org_invitation("org_1", "uinv_2"),
            "/dashboard/organizations/org_1/invitations/uinv_2/revoke"
        );
        assert_eq!(users(), "/dashboard/users");
        assert_eq!(block_user("auth0|a"), "/dashboard/users/auth0%7Ca/block");
        assert_eq!(delete_user("auth0|a"), "/dashboard/users/auth0%7Ca/delete");
        assert_eq!(connections(), "/dashboard/connections");
        assert_eq!(new_connection(), "/dashboard/connections/new");
        assert_eq!(connection("con_2"), "/dashboard/connections/con_2");
        assert_eq!(
            delete_connection("con_2"),
            "/dashboard/connections/con_2/delete"
        );
        assert_eq!(clients(), "/dashboard/clients");
        assert_eq!(client("abc"), "/dashboard/clients/abc");
        assert_eq!(rotate_client("abc"), "/dashboard/clients/abc/rotate");
        assert_eq!(grant_client("abc"), "/dashboard/clients/abc/grant");
    }
}
