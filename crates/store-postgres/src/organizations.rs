//! Organizations: the SQL of the domain's `OrganizationsTx` (its rules, such as creating one
//! with its first enabled connections, are in `orgwarden_domain::rules::organizations`), and
//! the lists.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use orgwarden_domain::enabled_connection::EnabledConnection;
use orgwarden_domain::ids::OrgId;
use orgwarden_domain::organization::{
    cursor, NewOrganization, Organization, OrganizationPatch, Sort, SortField,
};
use orgwarden_domain::paging::{Listing, PageRequest};
use orgwarden_domain::rules::organizations::{self, OrganizationsTx};
use orgwarden_domain::store::OrganizationStore;
use orgwarden_domain::{Error, NotFound, Result};
use tokio_postgres::types::{Json, ToSql};
use tokio_postgres::Row;

use crate::columns::{count, json_opt};
use crate::db::{execute, query, query_opt};
use crate::errors::DbResult;
use crate::paging::{checkpoint, limit_offset};
use crate::tx::Pg;
use crate::PostgresStore;

pub(crate) const COLUMNS: &str = "id, name, display_name, branding, metadata, seq, attributes";

pub(crate) fn from_row(row: &Row) -> Result<(Organization, i64), tokio_postgres::Error> {
    let org = Organization {
        id: OrgId::from_trusted(row.try_get(0)?),
        name: row.try_get(1)?,
        display_name: row.try_get(2)?,
        branding: json_opt(row, 3)?,
        metadata: json_opt(row, 4)?,
        attributes: json_opt(row, 6)?.unwrap_or_default(),
    };
    Ok((org, row.try_get(5)?))
}

/// How an organization is looked up.
enum By<'a> {
    Id(&'a OrgId),
    Name(&'a str),
}

async fn find(c: &impl GenericClient, by: By<'_>) -> DbResult<Organization> {
    let (column, value) = match by {
        By::Id(id) => ("id", id.as_str()),
        By::Name(name) => ("name", name),
    };
    // PostgreSQL text cannot hold NUL, so no stored organization has it.
    if value.contains('\0') {
        return Err(Error::NotFound(NotFound::Organization).into());
    }
    let sql = format!("SELECT {COLUMNS} FROM organizations WHERE {column} = $1");
    match query_opt(c, &sql, &[&value]).await? {
        Some(row) => Ok(from_row(&row)?.0),
        None => Err(Error::NotFound(NotFound::Organization).into()),
    }
}

pub(crate) async fn exists(c: &impl GenericClient, id: &OrgId) -> DbResult<bool> {
    let sql = "SELECT 1 FROM organizations WHERE id = $1";
    Ok(query_opt(c, sql, &[&id.as_str()]).await?.is_some())
}

impl<C: GenericClient> OrganizationsTx for Pg<'_, C> {
    async fn insert_organization(&self, org: &Organization) -> DbResult<()> {
        let sql = "INSERT INTO organizations (id, name, display_name, branding, metadata, created_at, attributes)
                   VALUES ($1, $2, $3, $4, $5, now(), $6)";
        execute(
            self.0,
            sql,
            &[
                &org.id.as_str(),
                &org.name,
                &org.display_name,
                &org.branding.as_ref().map(Json),
                &org.metadata.as_ref().map(Json),
                &Json(&org.attributes),
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_organization_to_update(&self, id: &OrgId) -> DbResult<Option<Organization>> {
        let sql = format!("SELECT {COLUMNS} FROM organizations WHERE id = $1 FOR NO KEY UPDATE");
        let row = query_opt(self.0, &sql, &[&id.as_str()]).await?;
        Ok(row.as_ref().map(from_row).transpose()?.map(|(org, _)| org))
    }

    async fn update_organization(&self, org: &Organization) -> DbResult<()> {
        let sql =
            "UPDATE organizations SET name = $2, display_name = $3, branding = $4, metadata = $5,
                   attributes = $6 WHERE id = $1";
        execute(
            self.0,
            sql,
            &[
                &org.id.as_str(),
                &org.name,
                &org.display_name,
                &org.branding.as_ref().map(Json),
                &org.metadata.as_ref().map(Json),
                &Json(&org.attributes),
            ],
        )
        .await?;
        Ok(())
    }

    /// Its enabled connections go by the foreign key's cascade.
    async fn delete_organization(&self, id: &OrgId) -> DbResult<bool> {
        let sql = "DELETE FROM organizations WHERE id = $1";
        Ok(execute(self.0, sql, &[&id.as_str()]).await? > 0)
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

fn order_by(sort: Sort) -> String {
    let dir = if sort.ascending { "ASC" } else { "DESC" };
    match sort_key(sort.field) {
        Some(k) => format!("{k} {dir}, seq {dir}"),
        None => format!("seq {dir}"),
    }
}

/// The `ILIKE` pattern matching `query` anywhere, with `%`, `_` and `\` taken literally.
fn contains_pattern(query: &str) -> String {
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
    format!("(name ILIKE ${n} ESCAPE '\\' OR display_name ILIKE ${n} ESCAPE '\\')")
}

/// An organization list in `sort` order; with `pattern`, only the organizations matching it.
async fn offset_page(
    tx: &Transaction<'_>,
    sort: Sort,
    page: u32,
    per_page: u32,
    pattern: Option<String>,
) -> DbResult<Listing<Organization>> {
    let (limit, offset) = limit_offset(page, per_page);
    let mut args: Vec<&(dyn ToSql + Sync)> = vec![&limit, &offset];
    let (total, filter) = match &pattern {
        Some(p) => {
            let sql = format!(
                "SELECT count(*) FROM organizations WHERE {}",
                search_condition(1)
            );
            let total = count(tx, &sql, &[p]).await?;
            args.push(p);
            (total, format!("WHERE {}", search_condition(3)))
        }
        None => (
            count(tx, "SELECT count(*) FROM organizations", &[]).await?,
            String::new(),
        ),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations {filter} ORDER BY {} LIMIT $1 OFFSET $2",
        order_by(sort)
    );
    let items = query(tx, &sql, &args)
        .await?
        .iter()
        .map(|r| from_row(r).map(|(org, _)| org))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Listing::offset(items, total))
}

async fn checkpoint_page(
    c: &impl GenericClient,
    sort: Sort,
    from: Option<String>,
    take: u32,
    pattern: Option<String>,
) -> DbResult<Listing<Organization>> {
    let after = from
        .as_deref()
        .map(|f| cursor::decode(f, sort))
        .transpose()?;
    let cmp = if sort.ascending { ">" } else { "<" };
    let limit = i64::from(take);
    let mut args: Vec<&(dyn ToSql + Sync)> = vec![&limit];
    let mut conditions = Vec::new();
    match (&after, sort_key(sort.field)) {
        (None, _) => {}
        (Some((_, seq)), None) => {
            args.push(seq);
            conditions.push(format!("seq {cmp} $2"));
        }
        (Some((value, seq)), Some(k)) => {
            args.extend([value as &(dyn ToSql + Sync), seq]);
            conditions.push(format!("({k}, seq) {cmp} ($2, $3)"));
        }
    }
    if let Some(p) = &pattern {
        args.push(p);
        conditions.push(search_condition(args.len()));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations {filter} ORDER BY {} LIMIT $1",
        order_by(sort)
    );
    let rows = query(c, &sql, &args)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(checkpoint(
        rows,
        take,
        |(org, seq)| cursor::encode(sort, org, *seq),
        |(org, _)| org,
    ))
}

/// The organizations that have `connection` enabled, in creation order.
pub(crate) async fn using_connection(
    c: &impl GenericClient,
    connection: &str,
    limit: u32,
) -> DbResult<Vec<Organization>> {
    if connection.contains('\0') {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM organizations
         WHERE id IN (SELECT org_id FROM organization_connections WHERE connection_id = $1)
         ORDER BY seq LIMIT $2"
    );
    let limit = i64::from(limit);
    Ok(query(c, &sql, &[&connection, &limit])
        .await?
        .iter()
        .map(|r| from_row(r).map(|(org, _)| org))
        .collect::<Result<Vec<_>, _>>()?)
}

impl PostgresStore {
    async fn list(
        &self,
        sort: Sort,
        page: PageRequest,
        pattern: Option<String>,
    ) -> Result<Listing<Organization>> {
        match page {
            PageRequest::Offset { page, per_page } => {
                self.db
                    .snapshot(|tx| Box::pin(offset_page(tx, sort, page, per_page, pattern.clone())))
                    .await
            }
            PageRequest::Checkpoint { from, take } => {
                let client = self.db.client().await?;
                Ok(checkpoint_page(&client, sort, from, take, pattern).await?)
            }
        }
    }
}

#[async_trait]
impl OrganizationStore for PostgresStore {
    async fn create_organization(
        &self,
        id: OrgId,
        new: NewOrganization,
    ) -> Result<(Organization, Vec<EnabledConnection>)> {
        self.db
            .write(|tx| {
                let (id, new) = (id.clone(), new.clone());
                Box::pin(async move { organizations::create(&Pg(tx), id, &new).await })
            })
            .await
    }

    async fn get_organization(&self, id: &OrgId) -> Result<Organization> {
        let client = self.db.client().await?;
        Ok(find(&client, By::Id(id)).await?)
    }

    async fn get_organization_by_name(&self, name: &str) -> Result<Organization> {
        let client = self.db.client().await?;
        Ok(find(&client, By::Name(name)).await?)
    }

    async fn update_organization(
        &self,
        id: &OrgId,
        patch: OrganizationPatch,
    ) -> Result<Organization> {
        self.db
            .write(|tx| {
                let (id, patch) = (id.clone(), patch.clone());
                Box::pin(async move { organizations::update(&Pg(tx), &id, patch).await })
            })
            .await
    }

    async fn delete_organization(&self, id: &OrgId) -> Result<()> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { organizations::delete(&Pg(tx), &id).await })
            })
            .await
    }

    async fn list_organizations(
        &self,
        sort: Sort,
        page: PageRequest,
    ) -> Result<Listing<Organization>> {
        self.list(sort, page, None).await
    }

    async fn search_organizations(
        &self,
        query: &str,
        page: PageRequest,
    ) -> Result<Listing<Organization>> {
        // PostgreSQL text cannot hold NUL, so no organization matches one.
        if query.contains('\0') {
            return Ok(Listing {
                items: Vec::new(),
                total: 0,
                next: None,
            });
        }
        self.list(Sort::default(), page, Some(contains_pattern(query)))
            .await
    }
}
