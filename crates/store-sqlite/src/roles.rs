//! Roles: the SQL of the domain's `RolesTx` (its rules are in `orgwarden_domain::rules::roles`),
//! and the reads.

use async_trait::async_trait;
use orgwarden_domain::ids::{OrgId, RoleId};
use std::collections::HashMap;

use orgwarden_domain::paging::{limit_offset, page_of, Listing, PageRequest};
use orgwarden_domain::resource_server::Settings;
use orgwarden_domain::role::{
    user_permissions, Holder, PermissionRef, PermissionSource, Role, RolePatch, RolePermission,
    UserPermission,
};
use orgwarden_domain::rules::roles::{self, RolesTx};
use orgwarden_domain::store::RoleStore;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound, Result};

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::{DbError, DbResult};
use crate::paging::{seq_after, seq_checkpoint};
use crate::tx::{run, Sql};
use crate::{organizations, users, SqliteStore};

const COLUMNS: &str = "id, name, description";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Role> {
    Ok(Role {
        id: RoleId::from_trusted(row.get(0)?),
        name: row.get(1)?,
        description: row.get(2)?,
    })
}

fn find(conn: &Connection, id: &RoleId) -> DbResult<Option<Role>> {
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_str()], from_row)
        .optional()?)
}

fn user_exists(conn: &Connection, id: &UserId) -> DbResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
        .query_row([id.as_str()], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The API's settings document, if the API exists.
fn api_settings(conn: &Connection, identifier: &str) -> DbResult<Option<(String, Settings)>> {
    let row: Option<(String, String)> = conn
        .prepare_cached("SELECT name, settings FROM resource_servers WHERE identifier = ?1")?
        .query_row([identifier], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((name, doc)) = row else {
        return Ok(None);
    };
    let doc = serde_json::from_str(&doc)?;
    Ok(Some((name, Settings::from_document(doc)?)))
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl RolesTx for Sql<'_> {
    async fn insert_role(&self, r: &Role) -> DbResult<()> {
        let sql = format!("INSERT INTO roles ({COLUMNS}) VALUES (?1, ?2, ?3)");
        self.0
            .prepare_cached(&sql)?
            .execute(params![r.id.as_str(), r.name, r.description])?;
        Ok(())
    }

    async fn find_role_to_update(&self, id: &RoleId) -> DbResult<Option<Role>> {
        find(self.0, id)
    }

    async fn update_role(&self, r: &Role) -> DbResult<()> {
        self.0
            .prepare_cached("UPDATE roles SET name = ?2, description = ?3 WHERE id = ?1")?
            .execute(params![r.id.as_str(), r.name, r.description])?;
        Ok(())
    }

    async fn delete_role(&self, id: &RoleId) -> DbResult<bool> {
        let n = self
            .0
            .prepare_cached("DELETE FROM roles WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(n > 0)
    }

    async fn scope_exists(&self, p: &PermissionRef) -> DbResult<bool> {
        Ok(api_settings(self.0, &p.resource_server_identifier)?
            .is_some_and(|(_, s)| s.scopes.iter().any(|x| x.value == p.permission_name)))
    }

    async fn insert_permissions(&self, role: &RoleId, ps: &[PermissionRef]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO role_permissions (role_id, resource_server_identifier, permission_name)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?;
        for p in ps {
            stmt.execute(params![
                role.as_str(),
                p.resource_server_identifier,
                p.permission_name
            ])?;
        }
        Ok(())
    }

    async fn delete_permissions(&self, role: &RoleId, ps: &[PermissionRef]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "DELETE FROM role_permissions
             WHERE role_id = ?1 AND resource_server_identifier = ?2 AND permission_name = ?3",
        )?;
        for p in ps {
            stmt.execute(params![
                role.as_str(),
                p.resource_server_identifier,
                p.permission_name
            ])?;
        }
        Ok(())
    }

    async fn lock_holder(&self, holder: &Holder) -> DbResult<bool> {
        Ok(match holder {
            Holder::User(u) => user_exists(self.0, u)?,
            Holder::Member(o, u) => organizations::exists(self.0, o)? && user_exists(self.0, u)?,
        })
    }

    async fn first_missing_role(&self, ids: &[RoleId]) -> DbResult<Option<RoleId>> {
        for id in ids {
            if find(self.0, id)?.is_none() {
                return Ok(Some(id.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_holdings(&self, holder: &Holder, ids: &[RoleId]) -> DbResult<()> {
        for id in ids {
            match holder {
                Holder::User(u) => self.0.prepare_cached(
                    "INSERT INTO user_roles (user_id, role_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                )?
                .execute([u.as_str(), id.as_str()])?,
                Holder::Member(o, u) => self.0.prepare_cached(
                    "INSERT INTO member_roles (org_id, user_id, role_id) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING",
                )?
                .execute([o.as_str(), u.as_str(), id.as_str()])?,
            };
        }
        Ok(())
    }

    async fn first_missing_user(&self, ids: &[UserId]) -> DbResult<Option<UserId>> {
        for id in ids {
            if !user_exists(self.0, id)? {
                return Ok(Some(id.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_user_permissions(&self, user: &UserId, ps: &[PermissionRef]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "INSERT INTO user_permissions (user_id, resource_server_identifier, permission_name)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        )?;
        for p in ps {
            stmt.execute(params![
                user.as_str(),
                p.resource_server_identifier,
                p.permission_name
            ])?;
        }
        Ok(())
    }

    async fn delete_user_permissions(&self, user: &UserId, ps: &[PermissionRef]) -> DbResult<()> {
        let mut stmt = self.0.prepare_cached(
            "DELETE FROM user_permissions
             WHERE user_id = ?1 AND resource_server_identifier = ?2 AND permission_name = ?3",
        )?;
        for p in ps {
            stmt.execute(params![
                user.as_str(),
                p.resource_server_identifier,
                p.permission_name
            ])?;
        }
        Ok(())
    }

    async fn delete_holdings(&self, holder: &Holder, ids: &[RoleId]) -> DbResult<()> {
        for id in ids {
            match holder {
                Holder::User(u) => self
                    .0
                    .prepare_cached("DELETE FROM user_roles WHERE user_id = ?1 AND role_id = ?2")?
                    .execute([u.as_str(), id.as_str()])?,
                Holder::Member(o, u) => self
                    .0
                    .prepare_cached(
                        "DELETE FROM member_roles WHERE org_id = ?1 AND user_id = ?2 AND role_id = ?3",
                    )?
                    .execute([o.as_str(), u.as_str(), id.as_str()])?,
            };
        }
        Ok(())
    }
}

fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[async_trait]
impl RoleStore for SqliteStore {
    async fn create_role(&self, role: Role) -> Result<Role> {
        self.db
            .write(move |tx| {
                run(async {
                    Sql(tx).insert_role(&role).await?;
                    Ok::<_, DbError>(role)
                })
            })
            .await
    }

    async fn get_role(&self, id: &RoleId) -> Result<Role> {
        let id = id.clone();
        self.db
            .read(move |conn| find(conn, &id)?.ok_or(DbError(Error::NotFound(NotFound::Role))))
            .await
    }

    async fn list_roles(
        &self,
        name_filter: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Role>> {
        let pattern = like_pattern(name_filter.unwrap_or(""));
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let total: u64 = tx.query_row(
                    "SELECT count(*) FROM roles WHERE lower(name) LIKE ?1 ESCAPE '\\'",
                    [&pattern],
                    |r| r.get(0),
                )?;
                let (limit, offset) = limit_offset(page, per_page);
                let sql = format!(
                    "SELECT {COLUMNS} FROM roles WHERE lower(name) LIKE ?1 ESCAPE '\\'
                     ORDER BY seq LIMIT +?2 OFFSET +?3"
                );
                let items = tx
                    .prepare_cached(&sql)?
                    .query_map(params![pattern, limit, offset], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Listing::offset(items, total))
            })
            .await
    }

    async fn update_role(&self, id: &RoleId, patch: RolePatch) -> Result<Role> {
        let id = id.clone();
        self.db
            .write(move |tx| run(roles::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn delete_role(&self, id: &RoleId) -> Result<()> {
        let id = id.clone();
        self.db
            .write(move |tx| run(roles::delete(&Sql(tx), &id)))
            .await
    }

    async fn add_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()> {
        let (role, p) = (role.clone(), p.to_vec());
        self.db
            .write(move |tx| run(roles::add_permissions(&Sql(tx), &role, &p)))
            .await
    }

    async fn remove_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()> {
        let (role, p) = (role.clone(), p.to_vec());
        self.db
            .write(move |tx| run(roles::remove_permissions(&Sql(tx), &role, &p)))
            .await
    }

    async fn list_role_permissions(
        &self,
        role: &RoleId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<RolePermission>> {
        let role = role.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if find(&tx, &role)?.is_none() {
                    return Err(DbError(Error::NotFound(NotFound::Role)));
                }
                let rows: Vec<(String, String)> = tx
                    .prepare_cached(
                        "SELECT p.resource_server_identifier, p.permission_name
                         FROM role_permissions p
                         JOIN resource_servers rs ON rs.identifier = p.resource_server_identifier
                         WHERE p.role_id = ?1 ORDER BY p.seq",
                    )?
                    .query_map([role.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                // Only scopes the API still has (a scope removed from an API leaves no
                // permission behind).
                let mut all = Vec::new();
                for (identifier, name) in rows {
                    if let Some((rs_name, settings)) = api_settings(&tx, &identifier)? {
                        if let Some(scope) = settings.scopes.iter().find(|s| s.value == name) {
                            all.push(RolePermission {
                                permission: PermissionRef {
                                    resource_server_identifier: identifier,
                                    permission_name: name,
                                },
                                description: scope.description.clone(),
                                resource_server_name: rs_name,
                            });
                        }
                    }
                }
                Ok(page_of(all, page, per_page))
            })
            .await
    }

    async fn give_roles(&self, holder: &Holder, ids: &[RoleId]) -> Result<()> {
        let (holder, ids) = (holder.clone(), ids.to_vec());
        self.db
            .write(move |tx| run(roles::give(&Sql(tx), &holder, &ids)))
            .await
    }

    async fn take_roles(&self, holder: &Holder, ids: &[RoleId]) -> Result<()> {
        let (holder, ids) = (holder.clone(), ids.to_vec());
        self.db
            .write(move |tx| run(roles::take(&Sql(tx), &holder, &ids)))
            .await
    }

    async fn roles_of(&self, holder: &Holder, page: u32, per_page: u32) -> Result<Listing<Role>> {
        let holder = holder.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let (limit, offset) = limit_offset(page, per_page);
                let (total, items) = match &holder {
                    Holder::User(u) => {
                        if !user_exists(&tx, u)? {
                            return Err(DbError(Error::NotFound(NotFound::User)));
                        }
                        let total: u64 = tx.query_row(
                            "SELECT count(*) FROM user_roles WHERE user_id = ?1",
                            [u.as_str()],
                            |r| r.get(0),
                        )?;
                        let items = tx
                            .prepare_cached(
                                "SELECT r.id, r.name, r.description
                                 FROM user_roles h JOIN roles r ON r.id = h.role_id
                                 WHERE h.user_id = ?1 ORDER BY h.seq LIMIT +?2 OFFSET +?3",
                            )?
                            .query_map(params![u.as_str(), limit, offset], from_row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        (total, items)
                    }
                    Holder::Member(o, u) => {
                        if !organizations::exists(&tx, o)? {
                            return Err(DbError(Error::NotFound(NotFound::Organization)));
                        }
                        if !user_exists(&tx, u)? {
                            return Err(DbError(Error::NotFound(NotFound::User)));
                        }
                        let total: u64 = tx.query_row(
                            "SELECT count(*) FROM member_roles WHERE org_id = ?1 AND user_id = ?2",
                            [o.as_str(), u.as_str()],
                            |r| r.get(0),
                        )?;
                        let items = tx
                            .prepare_cached(
                                "SELECT r.id, r.name, r.description
                                 FROM member_roles h JOIN roles r ON r.id = h.role_id
                                 WHERE h.org_id = ?1 AND h.user_id = ?2
                                 ORDER BY h.seq LIMIT +?3 OFFSET +?4",
                            )?
                            .query_map(params![o.as_str(), u.as_str(), limit, offset], from_row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        (total, items)
                    }
                };
                Ok(Listing::offset(items, total))
            })
            .await
    }

    async fn role_holdings(&self) -> Result<Vec<(Holder, RoleId)>> {
        self.db
            .read(|conn| {
                let mut out = Vec::new();
                let mut users =
                    conn.prepare("SELECT user_id, role_id FROM user_roles ORDER BY seq")?;
                for row in
                    users.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                {
                    let (u, role) = row?;
                    out.push((
                        Holder::User(UserId::from_trusted(u)),
                        RoleId::from_trusted(role),
                    ));
                }
                let mut members =
                    conn.prepare("SELECT org_id, user_id, role_id FROM member_roles ORDER BY seq")?;
                for row in members.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })? {
                    let (o, u, role) = row?;
                    out.push((
                        Holder::Member(OrgId::from_trusted(o), UserId::from_trusted(u)),
                        RoleId::from_trusted(role),
                    ));
                }
                Ok(out)
            })
            .await
    }

    async fn role_permission_pairs(&self) -> Result<Vec<(RoleId, PermissionRef)>> {
        self.db
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT role_id, resource_server_identifier, permission_name
                     FROM role_permissions ORDER BY seq",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        RoleId::from_trusted(r.get(0)?),
                        PermissionRef {
                            resource_server_identifier: r.get(1)?,
                            permission_name: r.get(2)?,
                        },
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }

    async fn role_users(&self, role: &RoleId, page: PageRequest) -> Result<Listing<User>> {
        let role = role.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if find(&tx, &role)?.is_none() {
                    return Err(DbError(Error::NotFound(NotFound::Role)));
                }
                let select = format!(
                    "SELECT {}, h.seq FROM user_roles h JOIN users u ON u.id = h.user_id
                     WHERE h.role_id = ?1",
                    users::prefixed_columns("u")
                );
                let row = |r: &Row<'_>| Ok((users::from_row(r)?, r.get::<_, i64>(7)?));
                match page {
                    PageRequest::Offset { page, per_page } => {
                        let total: u64 = tx.query_row(
                            "SELECT count(*) FROM user_roles WHERE role_id = ?1",
                            [role.as_str()],
                            |r| r.get(0),
                        )?;
                        let (limit, offset) = limit_offset(page, per_page);
                        let sql = format!("{select} ORDER BY h.seq LIMIT +?2 OFFSET +?3");
                        let rows = tx
                            .prepare_cached(&sql)?
                            .query_map(params![role.as_str(), limit, offset], row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        Ok(Listing::offset(
                            rows.into_iter().map(|(u, _)| u).collect(),
                            total,
                        ))
                    }
                    PageRequest::Checkpoint { from, take } => {
                        let after = seq_after(from.as_deref())?;
                        let sql = format!("{select} AND h.seq > ?2 ORDER BY h.seq LIMIT +?3");
                        let rows = tx
                            .prepare_cached(&sql)?
                            .query_map(params![role.as_str(), after, i64::from(take)], row)?
                            .collect::<rusqlite::Result<Vec<_>>>()?;
                        Ok(seq_checkpoint(rows, take))
                    }
                }
            })
            .await
    }

    async fn give_role_to_users(&self, role: &RoleId, users: &[UserId]) -> Result<()> {
        let (role, users) = (role.clone(), users.to_vec());
        self.db
            .write(move |tx| run(roles::give_to_users(&Sql(tx), &role, &users)))
            .await
    }

    async fn add_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()> {
        let (user, p) = (user.clone(), p.to_vec());
        self.db
            .write(move |tx| run(roles::give_user_permissions(&Sql(tx), &user, &p)))
            .await
    }

    async fn remove_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()> {
        let (user, p) = (user.clone(), p.to_vec());
        self.db
            .write(move |tx| run(roles::take_user_permissions(&Sql(tx), &user, &p)))
            .await
    }

    async fn user_permissions(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<UserPermission>> {
        let user = user.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                if !user_exists(&tx, &user)? {
                    return Err(DbError(Error::NotFound(NotFound::User)));
                }
                let mut rows = Vec::new();
                let mut direct = tx.prepare_cached(
                    "SELECT resource_server_identifier, permission_name FROM user_permissions
                     WHERE user_id = ?1 ORDER BY seq",
                )?;
                for r in direct.query_map([user.as_str()], |r| {
                    Ok(PermissionRef {
                        resource_server_identifier: r.get(0)?,
                        permission_name: r.get(1)?,
                    })
                })? {
                    rows.push((r?, PermissionSource::Direct));
                }
                let mut via_roles = tx.prepare_cached(
                    "SELECT p.resource_server_identifier, p.permission_name, r.id, r.name
                     FROM user_roles h JOIN roles r ON r.id = h.role_id
                     JOIN role_permissions p ON p.role_id = h.role_id
                     WHERE h.user_id = ?1 ORDER BY h.seq, p.seq",
                )?;
                for r in via_roles.query_map([user.as_str()], |r| {
                    Ok((
                        PermissionRef {
                            resource_server_identifier: r.get(0)?,
                            permission_name: r.get(1)?,
                        },
                        PermissionSource::Role(RoleId::from_trusted(r.get(2)?), r.get(3)?),
                    ))
                })? {
                    rows.push(r?);
                }
                let mut apis = HashMap::new();
                for (p, _) in &rows {
                    let id = &p.resource_server_identifier;
                    if !apis.contains_key(id) {
                        apis.insert(id.clone(), api_settings(&tx, id)?);
                    }
                }
                let all = user_permissions(rows, |id| apis.get(id).cloned().flatten());
                Ok(page_of(all, page, per_page))
            })
            .await
    }

    async fn user_permission_pairs(&self) -> Result<Vec<(UserId, PermissionRef)>> {
        self.db
            .read(|conn| {
                let mut stmt = conn.prepare(
                    "SELECT user_id, resource_server_identifier, permission_name
                     FROM user_permissions ORDER BY seq",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        UserId::from_trusted(r.get(0)?),
                        PermissionRef {
                            resource_server_identifier: r.get(1)?,
                            permission_name: r.get(2)?,
                        },
                    ))
                })?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }
}
