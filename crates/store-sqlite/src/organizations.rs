//! Organizations: the SQL of the domain's `OrganizationsTx` (its rules, such as creating one
//! with its first enabled connections, are in `orgwarden_domain::rules::organizations`), and
//! the lists.

use async_trait::async_trait;
use orgwarden_domain::enabled_connection::EnabledConnection;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::{
    cursor, NewOrganization, Organization, OrganizationPatch, Sort, SortField,
};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::organizations::{self, OrganizationsTx};
use orgwarden_domain::store::OrganizationStore;
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::columns::{json_opt, nanos, to_json, to_json_opt, unique_violation};
use crate::db::{DbError, DbResult};
use crate::paging::{checkpoint, limit_offset};
use crate::tx::{run, Sql};
use crate::SqliteStore;

pub(crate) const COLUMNS: &str = "id, name, display_name, branding, metadata, seq, attributes";

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<(Organization, i64)> {
    let org = Organization {
        id: OrgId::from_trusted(row.get(0)?),
        name: row.get(1)?,
        display_name: row.get(2)?,
        branding: json_opt(row, 3)?,
        metadata: json_opt(row, 4)?,
        attributes: json_opt(row, 6)?.unwrap_or_default(),
    };
    Ok((org, row.get(5)?))
}

/// How an organization is looked up.
enum By<'a> {
    Id(&'a OrgId),
    Name(&'a str),
}

fn find(conn: &Connection, by: By<'_>) -> DbResult<Option<Organization>> {
    let (column, value) = match by {
        By::Id(id) => ("id", id.as_str()),
        By::Name(name) => ("name", name),
    };
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE {column} = ?1");
    let found = conn
        .prepare_cached(&sql)?
        .query_row([value], from_row)
        .optional()?;
    Ok(found.map(|(org, _)| org))
}

/// The organization, or NotFound.
fn get(conn: &Connection, by: By<'_>) -> DbResult<Organization> {
    find(conn, by)?.ok_or(DbError(Error::NotFound(NotFound::Organization)))
}

pub(crate) fn exists(conn: &Connection, id: &OrgId) -> DbResult<bool> {
    let sql = "SELECT 1 FROM organizations WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id.as_str()], |_| Ok(()))
        .optional()?
        .is_some())
}

fn name_taken(e: rusqlite::Error) -> DbError {
    match unique_violation(&e) {
        Some("organizations.name") => Error::organization_name_taken().into(),
        _ => e.into(),
    }
}

impl OrganizationsTx for Sql<'_> {
    async fn insert_organization(&self, org: &Organization) -> DbResult<()> {
        let sql = "INSERT INTO organizations (id, name, display_name, branding, metadata, created_at, attributes)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
        self.0
            .prepare_cached(sql)?
            .execute(params![
                org.id.as_str(),
                org.name,
                org.display_name,
                to_json_opt(org.branding.as_ref())?,
                to_json_opt(org.metadata.as_ref())?,
                nanos(OffsetDateTime::now_utc())?,
                to_json(&org.attributes)?,
            ])
            .map_err(name_taken)?;
        Ok(())
    }

    /// The writer's transaction keeps every other writer out: a plain read.
    async fn find_organization_to_update(&self, id: &OrgId) -> DbResult<Option<Organization>> {
        find(self.0, By::Id(id))
    }

    async fn update_organization(&self, org: &Organization) -> DbResult<()> {
        let sql = "UPDATE organizations SET name = ?2, display_name = ?3, branding = ?4, metadata = ?5, attributes = ?6
                   WHERE id = ?1";
        self.0
            .prepare_cached(sql)?
            .execute(params![
                org.id.as_str(),
                org.name,
                org.display_name,
                to_json_opt(org.branding.as_ref())?,
                to_json_opt(org.metadata.as_ref())?,
                to_json(&org.attributes)?,
            ])
            .map_err(name_taken)?;
        Ok(())
    }

    async fn delete_organization(&self, id: &OrgId) -> DbResult<bool> {
        let deleted = self
            .0
            .prepare_cached("DELETE FROM organizations WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(deleted > 0)
    }
}

/// The `ORDER BY` key of a sort field; creation order is `seq` alone.
fn sort_key(field: SortField) -> Option<&'static str> {
    match field {
        SortField::CreatedAt => None,
        SortField::Name => Some("name"),
        SortField::DisplayName => Some("coalesce(display_name, '')"),
    }
}

/// The `LIKE` pattern matching `query` anywhere, with `%`, `_` and `\` taken literally.
pub(crate) fn contains_pattern(query: &str) -> String {
    let mut p = String::with_capacity(query.len() + 2);
    p.push('%');
    for c in query.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The condition of a search, on the argument numbered `n`.
fn search_condition(n: usize) -> String {
    format!("(name LIKE ?{n} ESCAPE '\\' OR display_name LIKE ?{n} ESCAPE '\\')")
}

/// Lists organizations in `sort` order; with `search`, only those whose name or display name
/// contains it (case-insensitively).
fn list(
    conn: &Connection,
    sort: Sort,
    page: PageRequest,
    search: Option<&str>,
) -> DbResult<Listing<Organization>> {
    let dir = if sort.ascending { "ASC" } else { "DESC" };
    let key = sort_key(sort.field);
    let order = match key {
        Some(k) => format!("{k} {dir}, seq {dir}"),
        None => format!("seq {dir}"),
    };
    let pattern = search.map(contains_pattern);
    match page {
        PageRequest::Offset { page, per_page } => {
            let tx = conn.unchecked_transaction()?;
            let (limit, offset) = limit_offset(page, per_page);
            let mut args = vec![Value::Integer(limit), Value::Integer(offset)];
            let (count_sql, filter) = match &pattern {
                Some(p) => {
                    args.push(Value::Text(p.clone()));
                    (
                        format!(
                            "SELECT count(*) FROM organizations WHERE {}",
                            search_condition(1)
                        ),
                        format!("WHERE {}", search_condition(3)),
                    )
                }
                None => (
                    "SELECT count(*) FROM organizations".to_owned(),
                    String::new(),
                ),
            };
            let total = tx
                .prepare_cached(&count_sql)?
                .query_row(params_from_iter(pattern.iter()), |r| r.get(0))?;
            let sql = format!(
                "SELECT {COLUMNS} FROM organizations {filter} ORDER BY {order} LIMIT +?1 OFFSET +?2"
            );
            let items = tx
                .prepare_cached(&sql)?
                .query_map(params_from_iter(args), |r| from_row(r).map(|(org, _)| org))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(Listing::offset(items, total))
        }
        PageRequest::Checkpoint { from, take } => {
            let mut args = vec![Value::Integer(i64::from(take))];
            let after = from
                .as_deref()
                .map(|f| cursor::decode(f, sort))
                .transpose()?;
            let cmp = if sort.ascending { ">" } else { "<" };
            let mut conditions = Vec::new();
            match (after, key) {
                (None, _) => {}
                (Some((_, seq)), None) => {
                    args.push(Value::Integer(seq));
                    conditions.push(format!("seq {cmp} ?2"));
                }
                (Some((value, seq)), Some(k)) => {
                    args.extend([Value::Text(value), Value::Integer(seq)]);
                    conditions.push(format!("({k}, seq) {cmp} (?2, ?3)"));
                }
            }
            if let Some(p) = pattern {
                args.push(Value::Text(p));
                conditions.push(search_condition(args.len()));
            }
            let filter = if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            };
            let sql =
                format!("SELECT {COLUMNS} FROM organizations {filter} ORDER BY {order} LIMIT +?1");
            let rows = conn
                .prepare_cached(&sql)?
                .query_map(params_from_iter(args), from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(checkpoint(
                rows,
                take,
                |(org, seq)| cursor::encode(sort, org, *seq),
                |(org, _)| org,
            ))
        }
    }
}

/// The organizations that have `connection` enabled, in creation order.
pub(crate) fn using_connection(
    conn: &Connection,
    connection: &str,
    limit: u32,
) -> DbResult<Vec<Organization>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations
         WHERE id IN (SELECT org_id FROM organization_connections WHERE connection_id = ?1)
         ORDER BY seq LIMIT +?2"
    );
    let items = conn
        .prepare_cached(&sql)?
        .query_map(params![connection, i64::from(limit)], |r| {
            from_row(r).map(|(org, _)| org)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(items)
}

#[async_trait]
impl OrganizationStore for SqliteStore {
    async fn create_organization(
        &self,
        id: OrgId,
        new: NewOrganization,
    ) -> Result<(Organization, Vec<EnabledConnection>)> {
        self.db
            .write(move |tx| run(organizations::create(&Sql(tx), id, &new)))
            .await
    }

    async fn get_organization(&self, id: &OrgId) -> Result<Organization> {
        let id = id.clone();
        self.db.read_now(move |conn| get(conn, By::Id(&id))).await
    }

    async fn get_organization_by_name(&self, name: &str) -> Result<Organization> {
        let name = name.to_owned();
        self.db
            .read_now(move |conn| get(conn, By::Name(&name)))
            .await
    }

    async fn update_organization(
        &self,
        id: &OrgId,
        patch: OrganizationPatch,
    ) -> Result<Organization> {
        let id = id.clone();
        self.db
            .write(move |tx| run(organizations::update(&Sql(tx), &id, patch)))
            .await
    }

    async fn delete_organization(&self, id: &OrgId) -> Result<()> {
        let id = id.clone();
        self.db
            .write(move |tx| run(organizations::delete(&Sql(tx), &id)))
            .await
    }

    async fn list_organizations(
        &self,
        sort: Sort,
        page: PageRequest,
    ) -> Result<Listing<Organization>> {
        match page {
            // An index range of at most `take` rows: short enough to run inline.
            PageRequest::Checkpoint { .. } => {
                self.db
                    .read_now(move |conn| list(conn, sort, page, None))
                    .await
            }
            // Counts the whole tenant.
            PageRequest::Offset { .. } => {
                self.db.read(move |conn| list(conn, sort, page, None)).await
            }
        }
    }

    async fn search_organizations(
        &self,
        query: &str,
        page: PageRequest,
    ) -> Result<Listing<Organization>> {
        let query = query.to_owned();
        self.db
            .read(move |conn| list(conn, Sort::default(), page, Some(&query)))
            .await
    }
}
