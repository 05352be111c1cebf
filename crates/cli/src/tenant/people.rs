//! People: users of database connections (matched by connection and email; a new one gets an
//! unguessable password of its own, to be reset, since passwords cannot be read), roles'
//! permissions, organizations' members and their member roles.

use std::collections::HashMap;
use std::io::Write;

use orgwarden_proto::members::Member;
use orgwarden_proto::roles::{PermissionRef, Role, RoleIds, RolePermission};
use orgwarden_proto::users::{CreateUser, UpdateUser, User};

use super::{Copy, PAGE};
use crate::Failure;

/// The password a copied user starts with: random, never shown; they set their own through a
/// password-change link (`orgwarden` answers `POST /tickets/password-change`).
fn unusable_password() -> Result<String, Failure> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| Failure::Local(format!("no randomness for a password: {e}")))?;
    // Letters, digits and a symbol from each byte: any policy's character classes.
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("Cp-{hex}-Z9"))
}

/// The database connection a user belongs to (the first identity's).
fn connection_of(u: &User) -> Option<&str> {
    u.identities
        .first()
        .filter(|i| i.provider == "auth0")
        .map(|i| i.connection.as_str())
}

fn key(connection: &str, email: &str) -> (String, String) {
    (connection.to_owned(), email.to_lowercase())
}

impl<W: Write> Copy<'_, W> {
    pub(super) async fn users(&mut self) -> Result<(), Failure> {
        let theirs: Vec<User> = self.theirs(self.source.users().search(None, PAGE)).await?;
        let ours: Vec<User> = self.ours(self.target.users().search(None, PAGE)).await?;
        let by_key: HashMap<(String, String), &User> = ours
            .iter()
            .filter_map(|u| Some((key(connection_of(u)?, u.email.as_deref()?), u)))
            .collect();
        let mut skipped = 0;
        for u in &theirs {
            let (Some(connection), Some(email)) = (connection_of(u), u.email.as_deref()) else {
                skipped += 1; // a social or enterprise identity: it signs in where it came from
                continue;
            };
            let same = |o: &User| {
                o.name == u.name
                    && o.nickname == u.nickname
                    && o.given_name == u.given_name
                    && o.family_name == u.family_name
                    && o.picture == u.picture
                    && o.email_verified == u.email_verified
                    && o.blocked == u.blocked
                    && o.user_metadata == u.user_metadata
                    && o.app_metadata == u.app_metadata
            };
            match by_key.get(&key(connection, email)) {
                Some(o) => {
                    self.users.insert(u.user_id.clone(), o.user_id.clone());
                    if same(o) {
                        self.tally.unchanged += 1;
                        continue;
                    }
                    self.say(format!("update user {email}"))?;
                    if !self.dry_run {
                        let body = UpdateUser {
                            name: Some(u.name.clone()),
                            nickname: Some(u.nickname.clone()),
                            given_name: u.given_name.clone(),
                            family_name: u.family_name.clone(),
                            picture: Some(u.picture.clone()),
                            email_verified: Some(u.email_verified),
                            blocked: u.blocked,
                            user_metadata: u.user_metadata.clone(),
                            app_metadata: u.app_metadata.clone(),
                            ..UpdateUser::default()
                        };
                        self.target
                            .users()
                            .update(&o.user_id, &body)
                            .await
                            .map_err(self.at_target())?;
                    }
                    self.tally.updated += 1;
                }
                None => {
                    self.say(format!("create user {email} ({connection})"))?;
                    if !self.dry_run {
                        let body = CreateUser {
                            connection: connection.to_owned(),
                            email: Some(email.to_owned()),
                            password: Some(unusable_password()?),
                            username: u.username.clone(),
                            email_verified: Some(u.email_verified),
                            blocked: u.blocked,
                            name: Some(u.name.clone()),
                            given_name: u.given_name.clone(),
                            family_name: u.family_name.clone(),
                            nickname: Some(u.nickname.clone()),
                            picture: Some(u.picture.clone()),
                            user_metadata: u.user_metadata.clone(),
                            app_metadata: u.app_metadata.clone(),
                            ..CreateUser::default()
                        };
                        let made = self
                            .target
                            .users()
                            .create(&body)
                            .await
                            .map_err(self.at_target())?;
                        self.users.insert(u.user_id.clone(), made.user_id);
                    }
                    self.tally.created += 1;
                    self.tally.new_users += 1;
                }
            }
        }
        if skipped > 0 {
            self.say(format!(
                "leave {skipped} users of social or enterprise connections: they sign in there"
            ))?;
        }
        Ok(())
    }

    /// Each role's permissions (the target's extra ones are kept).
    pub(super) async fn role_permissions(&mut self) -> Result<(), Failure> {
        // The roles copied (or matched) by `roles`; one only planned in a dry run is not there.
        for (source_role, target_role) in self.roles.clone() {
            let wanted: Vec<RolePermission> = self
                .theirs(self.source.roles().permissions(&source_role, PAGE))
                .await?;
            let have: Vec<RolePermission> = self
                .ours(self.target.roles().permissions(&target_role, PAGE))
                .await?;
            let missing: Vec<PermissionRef> = wanted
                .into_iter()
                .map(|p| PermissionRef {
                    resource_server_identifier: p.resource_server_identifier,
                    permission_name: p.permission_name,
                })
                .filter(|p| {
                    !have.iter().any(|h| {
                        h.resource_server_identifier == p.resource_server_identifier
                            && h.permission_name == p.permission_name
                    })
                })
                .collect();
            if missing.is_empty() {
                continue;
            }
            self.say(format!(
                "give role {} {} permissions",
                target_role,
                missing.len()
            ))?;
            if !self.dry_run {
                self.target
                    .roles()
                    .add_permissions(&target_role, missing)
                    .await
                    .map_err(self.at_target())?;
            }
            self.tally.updated += 1;
        }
        Ok(())
    }

    /// An organization's members (copied users) and their member roles (by name).
    pub(super) async fn members(
        &mut self,
        source_org: &str,
        target_org: &str,
        name: &str,
    ) -> Result<(), Failure> {
        let theirs: Vec<Member> = self
            .theirs(self.source.organization(source_org).members(PAGE))
            .await?;
        if theirs.is_empty() {
            return Ok(());
        }
        let ours: Vec<Member> = self
            .ours(self.target.organization(target_org).members(PAGE))
            .await?;
        for m in theirs {
            let Some(user) = self.users.get(&m.user_id).cloned() else {
                continue; // not copied (another kind of connection)
            };
            if !ours.iter().any(|o| o.user_id == user) {
                self.say(format!(
                    "add member {} to organization {name}",
                    m.email.as_deref().unwrap_or(&m.user_id)
                ))?;
                if !self.dry_run {
                    self.target
                        .organization(target_org)
                        .add_members(&[&user])
                        .await
                        .map_err(self.at_target())?;
                }
                self.tally.created += 1;
            }
            let wanted: Vec<Role> = self
                .theirs(
                    self.source
                        .organization(source_org)
                        .member_roles(&m.user_id, PAGE),
                )
                .await?;
            let have: Vec<Role> = self
                .ours(
                    self.target
                        .organization(target_org)
                        .member_roles(&user, PAGE),
                )
                .await?;
            let missing: Vec<String> = wanted
                .iter()
                .filter_map(|w| self.roles.get(&w.id))
                .filter(|id| !have.iter().any(|h| &h.id == *id))
                .cloned()
                .collect();
            if !missing.is_empty() {
                self.say(format!(
                    "give a member of organization {name} {} roles",
                    missing.len()
                ))?;
                let body = RoleIds { roles: missing };
                if !self.dry_run {
                    self.target
                        .organization(target_org)
                        .give_member_roles(&user, &body)
                        .await
                        .map_err(self.at_target())?;
                }
                self.tally.updated += 1;
            }
        }
        Ok(())
    }
}
