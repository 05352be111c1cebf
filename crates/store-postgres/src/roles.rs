//! Roles: the SQL of the domain's `RolesTx` (its rules are in `orgwarden_domain::rules::roles`),
//! and the reads.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::ids::{OrgId, RoleId};
use std::collections::HashMap;

use orgwarden_domain::paging::{
    limit_offset, page_of, seq_after, seq_checkpoint, Listing, PageRequest,
};
use orgwarden_domain::resource_server::Settings;
use orgwarden_domain::role::{
    user_permissions, Holder, PermissionRef, PermissionSource, Role, RolePatch, RolePermission,
    UserPermission,
};
use orgwarden_domain::rules::roles::{self, RolesTx};
use orgwarden_domain::store::RoleStore;
use orgwarden_domain::user::{User, UserId};
use orgwarden_domain::{Error, NotFound, Result};
use serde_json::Value;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::columns::prefixed;
use crate::db::{execute, query, query_one, query_opt};
use crate::errors::DbResult;
use crate::tx::Pg;
use crate::{users, PostgresStore};

const COLUMNS: &str = "id, name, description";

fn from_row(row: &Row) -> DbResult<Role> {
    Ok(Role {
        id: RoleId::from_trusted(row.try_get(0)?),
        name: row.try_get(1)?,
        description: row.try_get(2)?,
    })
}

/// PostgreSQL text cannot hold NUL: no stored value has one.
fn clean(s: &str) -> Option<&str> {
    (!s.contains('\0')).then_some(s)
}

async fn find(c: &impl GenericClient, id: &RoleId, lock: &str) -> DbResult<Option<Role>> {
    let Some(id) = clean(id.as_str()) else {
        return Ok(None);
    };
    let sql = format!("SELECT {COLUMNS} FROM roles WHERE id = $1 {lock}");
    query_opt(c, &sql, &[&id])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

async fn exists(c: &impl GenericClient, sql: &str, id: &str) -> DbResult<bool> {
    let Some(id) = clean(id) else {
        return Ok(false);
    };
    Ok(query_opt(c, sql, &[&id]).await?.is_some())
}

async fn user_exists(c: &impl GenericClient, u: &UserId, lock: &str) -> DbResult<bool> {
    exists(
        c,
        &format!("SELECT 1 FROM users WHERE id = $1 {lock}"),
        u.as_str(),
    )
    .await
}

async fn org_exists(c: &impl GenericClient, o: &OrgId, lock: &str) -> DbResult<bool> {
    exists(
        c,
        &format!("SELECT 1 FROM organizations WHERE id = $1 {lock}"),
        o.as_str(),
    )
    .await
}

/// The API's name and settings, if it exists.
async fn api_settings(
    c: &impl GenericClient,
    identifier: &str,
    lock: &str,
) -> DbResult<Option<(String, Settings)>> {
    let Some(identifier) = clean(identifier) else {
        return Ok(None);
    };
    let sql = format!("SELECT name, settings FROM resource_servers WHERE identifier = $1 {lock}");
    let Some(row) = query_opt(c, &sql, &[&identifier]).await? else {
        return Ok(None);
    };
    let Json(doc): Json<Value> = row.try_get(1)?;
    Ok(Some((row.try_get(0)?, Settings::from_document(doc)?)))
}

impl<C: GenericClient> RolesTx for Pg<'_, C> {
    async fn insert_role(&self, r: &Role) -> DbResult<()> {
        let sql = format!("INSERT INTO roles ({COLUMNS}) VALUES ($1, $2, $3)");
        execute(self.0, &sql, &[&r.id.as_str(), &r.name, &r.description]).await?;
        Ok(())
    }

    async fn find_role_to_update(&self, id: &RoleId) -> DbResult<Option<Role>> {
        find(self.0, id, "FOR NO KEY UPDATE").await
    }

    async fn update_role(&self, r: &Role) -> DbResult<()> {
        let sql = "UPDATE roles SET name = $2, description = $3 WHERE id = $1";
        execute(self.0, sql, &[&r.id.as_str(), &r.name, &r.description]).await?;
        Ok(())
    }

    async fn delete_role(&self, id: &RoleId) -> DbResult<bool> {
        let Some(id) = clean(id.as_str()) else {
            return Ok(false);
        };
        Ok(execute(self.0, "DELETE FROM roles WHERE id = $1", &[&id]).await? > 0)
    }

    /// The API's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn scope_exists(&self, p: &PermissionRef) -> DbResult<bool> {
        Ok(
            api_settings(self.0, &p.resource_server_identifier, "FOR KEY SHARE")
                .await?
                .is_some_and(|(_, s)| s.scopes.iter().any(|x| x.value == p.permission_name)),
        )
    }

    async fn insert_permissions(&self, role: &RoleId, ps: &[PermissionRef]) -> DbResult<()> {
        let sql =
            "INSERT INTO role_permissions (role_id, resource_server_identifier, permission_name)
                   VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        for p in ps {
            execute(
                self.0,
                sql,
                &[
                    &role.as_str(),
                    &p.resource_server_identifier,
                    &p.permission_name,
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn delete_permissions(&self, role: &RoleId, ps: &[PermissionRef]) -> DbResult<()> {
        let sql = "DELETE FROM role_permissions
                   WHERE role_id = $1 AND resource_server_identifier = $2 AND permission_name = $3";
        for p in ps {
            if clean(&p.resource_server_identifier).is_none() || clean(&p.permission_name).is_none()
            {
                continue;
            }
            execute(
                self.0,
                sql,
                &[
                    &role.as_str(),
                    &p.resource_server_identifier,
                    &p.permission_name,
                ],
            )
            .await?;
        }
        Ok(())
    }

    /// The rows stay until the transaction ends (`FOR KEY SHARE`).
    async fn lock_holder(&self, holder: &Holder) -> DbResult<bool> {
        Ok(match holder {
            Holder::User(u) => user_exists(self.0, u, "FOR KEY SHARE").await?,
            Holder::Member(o, u) => {
                org_exists(self.0, o, "FOR KEY SHARE").await?
                    && user_exists(self.0, u, "FOR KEY SHARE").await?
            }
        })
    }

    async fn first_missing_role(&self, ids: &[RoleId]) -> DbResult<Option<RoleId>> {
        for id in ids {
            if find(self.0, id, "FOR KEY SHARE").await?.is_none() {
                return Ok(Some(id.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_holdings(&self, holder: &Holder, ids: &[RoleId]) -> DbResult<()> {
        for id in ids {
            match holder {
                Holder::User(u) => {
                    let sql = "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)
                               ON CONFLICT DO NOTHING";
                    execute(self.0, sql, &[&u.as_str(), &id.as_str()]).await?
                }
                Holder::Member(o, u) => {
                    let sql =
                        "INSERT INTO member_roles (org_id, user_id, role_id) VALUES ($1, $2, $3)
                               ON CONFLICT DO NOTHING";
                    execute(self.0, sql, &[&o.as_str(), &u.as_str(), &id.as_str()]).await?
                }
            };
        }
        Ok(())
    }

    async fn first_missing_user(&self, ids: &[UserId]) -> DbResult<Option<UserId>> {
        for id in ids {
            if !user_exists(self.0, id, "FOR KEY SHARE").await? {
                return Ok(Some(id.clone()));
            }
        }
        Ok(None)
    }

    async fn insert_user_permissions(&self, user: &UserId, ps: &[PermissionRef]) -> DbResult<()> {
        let sql =
            "INSERT INTO user_permissions (user_id, resource_server_identifier, permission_name)
                   VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        for p in ps {
            execute(
                self.0,
                sql,
                &[
                    &user.as_str(),
                    &p.resource_server_identifier,
                    &p.permission_name,
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn delete_user_permissions(&self, user: &UserId, ps: &[PermissionRef]) -> DbResult<()> {
        let sql = "DELETE FROM user_permissions
                   WHERE user_id = $1 AND resource_server_identifier = $2 AND permission_name = $3";
        for p in ps {
            if clean(&p.resource_server_identifier).is_none() || clean(&p.permission_name).is_none()
            {
                continue;
            }
            execute(
                self.0,
                sql,
                &[
                    &user.as_str(),
                    &p.resource_server_identifier,
                    &p.permission_name,
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn delete_holdings(&self, holder: &Holder, ids: &[RoleId]) -> DbResult<()> {
        for id in ids {
            let Some(id) = clean(id.as_str()) else {
                continue;
            };
            match holder {
                Holder::User(u) => {
                    let sql = "DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2";
                    execute(self.0, sql, &[&u.as_str(), &id]).await?
                }
                Holder::Member(o, u) => {
                    let sql =
                        "DELETE FROM member_roles WHERE org_id = $1 AND user_id = $2 AND role_id = $3";
                    execute(self.0, sql, &[&o.as_str(), &u.as_str(), &id]).await?
                }
            };
        }
        Ok(())
    }
}

fn like_pattern(s: &str) -> String {
    let mut out = String::from("%");
    for c in s.to_lowercase().chars().filter(|c| *c != '\0') {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[async_trait]
impl RoleStore for PostgresStore {
    async fn create_role(&self, role: Role) -> Result<Role> {
        self.db
            .write(|tx| {
                let role = role.clone();
                Box::pin(async move {
                    Pg(tx).insert_role(&role).await?;
                    Ok(role)
                })
            })
            .await
    }

    async fn get_role(&self, id: &RoleId) -> Result<Role> {
        let c = self.db.client().await?;
        find(&c, id, "")
            .await?
            .ok_or(Error::NotFound(NotFound::Role))
    }

    async fn list_roles(
        &self,
        name_filter: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<Role>> {
        let pattern = like_pattern(name_filter.unwrap_or(""));
        self.db
            .snapshot(|tx| {
                let pattern = pattern.clone();
                Box::pin(async move {
                    let total: i64 = query_one(
                        tx,
                        "SELECT count(*) FROM roles WHERE lower(name) LIKE $1 ESCAPE '\\'",
                        &[&pattern],
                    )
                    .await?
                    .try_get(0)?;
                    let (limit, offset) = limit_offset(page, per_page);
                    let sql = format!(
                        "SELECT {COLUMNS} FROM roles WHERE lower(name) LIKE $1 ESCAPE '\\'
                         ORDER BY seq LIMIT $2 OFFSET $3"
                    );
                    let rows = query(tx, &sql, &[&pattern, &limit, &offset]).await?;
                    let items = rows.iter().map(from_row).collect::<DbResult<_>>()?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn update_role(&self, id: &RoleId, patch: RolePatch) -> Result<Role> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { roles::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn delete_role(&self, id: &RoleId) -> Result<()> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { roles::delete(&Pg(tx), &id).await })
            })
            .await
    }

    async fn add_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()> {
        self.db
            .write(|tx| {
                let (role, p) = (role.clone(), p.to_vec());
                Box::pin(async move { roles::add_permissions(&Pg(tx), &role, &p).await })
            })
            .await
    }

    async fn remove_role_permissions(&self, role: &RoleId, p: &[PermissionRef]) -> Result<()> {
        self.db
            .write(|tx| {
                let (role, p) = (role.clone(), p.to_vec());
                Box::pin(async move { roles::remove_permissions(&Pg(tx), &role, &p).await })
            })
            .await
    }

    async fn list_role_permissions(
        &self,
        role: &RoleId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<RolePermission>> {
        self.db
            .snapshot(|tx| {
                let role = role.clone();
                Box::pin(async move {
                    if find(tx, &role, "").await?.is_none() {
                        return Err(Error::NotFound(NotFound::Role).into());
                    }
                    let rows = query(
                        tx,
                        "SELECT p.resource_server_identifier, p.permission_name
                         FROM role_permissions p
                         JOIN resource_servers rs ON rs.identifier = p.resource_server_identifier
                         WHERE p.role_id = $1 ORDER BY p.seq",
                        &[&role.as_str()],
                    )
                    .await?;
                    // Only scopes the API still has.
                    let mut all = Vec::new();
                    for r in &rows {
                        let (identifier, name): (String, String) = (r.try_get(0)?, r.try_get(1)?);
                        if let Some((rs_name, settings)) = api_settings(tx, &identifier, "").await?
                        {
                            if let Some(scope) = settings.scopes.iter().find(|s| s.value == name) {
                                all.push(RolePermission {
                                    description: scope.description.clone(),
                                    permission: PermissionRef {
                                        resource_server_identifier: identifier,
                                        permission_name: name,
                                    },
                                    resource_server_name: rs_name,
                                });
                            }
                        }
                    }
                    Ok(page_of(all, page, per_page))
                })
            })
            .await
    }

    async fn give_roles(&self, holder: &Holder, ids: &[RoleId]) -> Result<()> {
        self.db
            .write(|tx| {
                let (holder, ids) = (holder.clone(), ids.to_vec());
                Box::pin(async move { roles::give(&Pg(tx), &holder, &ids).await })
            })
            .await
    }

    async fn take_roles(&self, holder: &Holder, ids: &[RoleId]) -> Result<()> {
        self.db
            .write(|tx| {
                let (holder, ids) = (holder.clone(), ids.to_vec());
                Box::pin(async move { roles::take(&Pg(tx), &holder, &ids).await })
            })
            .await
    }

    async fn roles_of(&self, holder: &Holder, page: u32, per_page: u32) -> Result<Listing<Role>> {
        self.db
            .snapshot(|tx| {
                let holder = holder.clone();
                Box::pin(async move {
                    let (limit, offset) = limit_offset(page, per_page);
                    let (total, rows) = match &holder {
                        Holder::User(u) => {
                            if !user_exists(tx, u, "").await? {
                                return Err(Error::NotFound(NotFound::User).into());
                            }
                            let total: i64 = query_one(
                                tx,
                                "SELECT count(*) FROM user_roles WHERE user_id = $1",
                                &[&u.as_str()],
                            )
                            .await?
                            .try_get(0)?;
                            let rows = query(
                                tx,
                                "SELECT r.id, r.name, r.description
                                 FROM user_roles h JOIN roles r ON r.id = h.role_id
                                 WHERE h.user_id = $1 ORDER BY h.seq LIMIT $2 OFFSET $3",
                                &[&u.as_str(), &limit, &offset],
                            )
                            .await?;
                            (total, rows)
                        }
                        Holder::Member(o, u) => {
                            if !org_exists(tx, o, "").await? {
                                return Err(Error::NotFound(NotFound::Organization).into());
                            }
                            if !user_exists(tx, u, "").await? {
                                return Err(Error::NotFound(NotFound::User).into());
                            }
                            let total: i64 = query_one(
                                tx,
                                "SELECT count(*) FROM member_roles WHERE org_id = $1 AND user_id = $2",
                                &[&o.as_str(), &u.as_str()],
                            )
                            .await?
                            .try_get(0)?;
                            let rows = query(
                                tx,
                                "SELECT r.id, r.name, r.description
                                 FROM member_roles h JOIN roles r ON r.id = h.role_id
                                 WHERE h.org_id = $1 AND h.user_id = $2
                                 ORDER BY h.seq LIMIT $3 OFFSET $4",
                                &[&o.as_str(), &u.as_str(), &limit, &offset],
                            )
                            .await?;
                            (total, rows)
                        }
                    };
                    let items = rows.iter().map(from_row).collect::<DbResult<_>>()?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn role_holdings(&self) -> Result<Vec<(Holder, RoleId)>> {
        let c = self.db.client().await?;
        let mut out = Vec::new();
        for r in query(
            &c,
            "SELECT user_id, role_id FROM user_roles ORDER BY seq",
            &[],
        )
        .await?
        {
            out.push((
                Holder::User(UserId::from_trusted(r.get(0))),
                RoleId::from_trusted(r.get(1)),
            ));
        }
        let sql = "SELECT org_id, user_id, role_id FROM member_roles ORDER BY seq";
        for r in query(&c, sql, &[]).await? {
            out.push((
                Holder::Member(
                    OrgId::from_trusted(r.get(0)),
                    UserId::from_trusted(r.get(1)),
                ),
                RoleId::from_trusted(r.get(2)),
            ));
        }
        Ok(out)
    }

    async fn role_permission_pairs(&self) -> Result<Vec<(RoleId, PermissionRef)>> {
        let c = self.db.client().await?;
        let sql = "SELECT role_id, resource_server_identifier, permission_name
                   FROM role_permissions ORDER BY seq";
        Ok(query(&c, sql, &[])
            .await?
            .iter()
            .map(|r| {
                (
                    RoleId::from_trusted(r.get(0)),
                    PermissionRef {
                        resource_server_identifier: r.get(1),
                        permission_name: r.get(2),
                    },
                )
            })
            .collect())
    }

    async fn role_users(&self, role: &RoleId, page: PageRequest) -> Result<Listing<User>> {
        self.db
            .snapshot(|tx| {
                let (role, page) = (role.clone(), page.clone());
                Box::pin(async move {
                    if find(tx, &role, "").await?.is_none() {
                        return Err(Error::NotFound(NotFound::Role).into());
                    }
                    let select = format!(
                        "SELECT {}, h.seq FROM user_roles h JOIN users u ON u.id = h.user_id
                         WHERE h.role_id = $1",
                        prefixed(users::COLUMNS, "u")
                    );
                    match page {
                        PageRequest::Offset { page, per_page } => {
                            let total: i64 = query_one(
                                tx,
                                "SELECT count(*) FROM user_roles WHERE role_id = $1",
                                &[&role.as_str()],
                            )
                            .await?
                            .try_get(0)?;
                            let (limit, offset) = limit_offset(page, per_page);
                            let sql = format!("{select} ORDER BY h.seq LIMIT $2 OFFSET $3");
                            let rows = query(tx, &sql, &[&role.as_str(), &limit, &offset]).await?;
                            let items =
                                rows.iter().map(users::from_row).collect::<DbResult<_>>()?;
                            Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                        }
                        PageRequest::Checkpoint { from, take } => {
                            let after = seq_after(from.as_deref())?;
                            let sql = format!("{select} AND h.seq > $2 ORDER BY h.seq LIMIT $3");
                            let rows = query(tx, &sql, &[&role.as_str(), &after, &i64::from(take)])
                                .await?;
                            let items = rows
                                .iter()
                                .map(|r| Ok((users::from_row(r)?, r.try_get::<_, i64>(7)?)))
                                .collect::<DbResult<Vec<_>>>()?;
                            Ok(seq_checkpoint(items, take))
                        }
                    }
                })
            })
            .await
    }

    async fn give_role_to_users(&self, role: &RoleId, users: &[UserId]) -> Result<()> {
        self.db
            .write(|tx| {
                let (role, users) = (role.clone(), users.to_vec());
                Box::pin(async move { roles::give_to_users(&Pg(tx), &role, &users).await })
            })
            .await
    }

    async fn add_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()> {
        self.db
            .write(|tx| {
                let (user, p) = (user.clone(), p.to_vec());
                Box::pin(async move { roles::give_user_permissions(&Pg(tx), &user, &p).await })
            })
            .await
    }

    async fn remove_user_permissions(&self, user: &UserId, p: &[PermissionRef]) -> Result<()> {
        self.db
            .write(|tx| {
                let (user, p) = (user.clone(), p.to_vec());
                Box::pin(async move { roles::take_user_permissions(&Pg(tx), &user, &p).await })
            })
            .await
    }

    async fn user_permissions(
        &self,
        user: &UserId,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<UserPermission>> {
        self.db
            .snapshot(|tx| {
                let user = user.clone();
                Box::pin(async move {
                    if !user_exists(tx, &user, "").await? {
                        return Err(Error::NotFound(NotFound::User).into());
                    }
                    let permission = |r: &Row| -> DbResult<PermissionRef> {
                        Ok(PermissionRef {
                            resource_server_identifier: r.try_get(0)?,
                            permission_name: r.try_get(1)?,
                        })
                    };
                    let mut rows = Vec::new();
                    for r in query(
                        tx,
                        "SELECT resource_server_identifier, permission_name FROM user_permissions
                         WHERE user_id = $1 ORDER BY seq",
                        &[&user.as_str()],
                    )
                    .await?
                    .iter()
                    {
                        rows.push((permission(r)?, PermissionSource::Direct));
                    }
                    for r in query(
                        tx,
                        "SELECT p.resource_server_identifier, p.permission_name, r.id, r.name
                         FROM user_roles h JOIN roles r ON r.id = h.role_id
                         JOIN role_permissions p ON p.role_id = h.role_id
                         WHERE h.user_id = $1 ORDER BY h.seq, p.seq",
                        &[&user.as_str()],
                    )
                    .await?
                    .iter()
                    {
                        let source = PermissionSource::Role(
                            RoleId::from_trusted(r.try_get(2)?),
                            r.try_get(3)?,
                        );
                        rows.push((permission(r)?, source));
                    }
                    let mut apis = HashMap::new();
                    for (p, _) in &rows {
                        let id = &p.resource_server_identifier;
                        if !apis.contains_key(id) {
                            apis.insert(id.clone(), api_settings(tx, id, "").await?);
                        }
                    }
                    let all = user_permissions(rows, |id| apis.get(id).cloned().flatten());
                    Ok(page_of(all, page, per_page))
                })
            })
            .await
    }

    async fn user_permission_pairs(&self) -> Result<Vec<(UserId, PermissionRef)>> {
        let c = self.db.client().await?;
        let sql = "SELECT user_id, resource_server_identifier, permission_name
                   FROM user_permissions ORDER BY seq";
        Ok(query(&c, sql, &[])
            .await?
            .iter()
            .map(|r| {
                (
                    UserId::from_trusted(r.get(0)),
                    PermissionRef {
                        resource_server_identifier: r.get(1),
                        permission_name: r.get(2),
                    },
                )
            })
            .collect())
    }
}
