//! Users: the SQL of the domain's `UsersTx` (its rules are in `orgwarden_domain::rules::users`),
//! the reads, and the search query translated to SQL (bound parameters only).

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::paging::Listing;
use orgwarden_domain::password::PasswordHash;
use orgwarden_domain::rules::users::{self, UsersTx};
use orgwarden_domain::store::UserStore;
use orgwarden_domain::user::{Profile, User, UserId, UserPatch};
use orgwarden_domain::user_search::{Field, Query, Sort, SortField, Term};
use orgwarden_domain::{Error, NotFound, Result};
use time::OffsetDateTime;
use tokio_postgres::types::Json;
use tokio_postgres::Row;

use crate::db::{execute, query, query_one, query_opt};
use crate::errors::DbResult;
use crate::filter::Where;
use crate::tx::Pg;
use crate::PostgresStore;

pub(crate) const COLUMNS: &str =
    "id, connection_id, connection, profile, created_at, updated_at, last_password_reset";

pub(crate) fn from_row(row: &Row) -> DbResult<User> {
    let Json(profile): Json<Profile> = row.try_get(3)?;
    Ok(User {
        id: UserId::from_trusted(row.try_get(0)?),
        connection_id: ConnectionId::from_trusted(row.try_get(1)?),
        connection: row.try_get(2)?,
        profile,
        created_at: row.try_get(4)?,
        updated_at: row.try_get(5)?,
        last_password_reset: row.try_get(6)?,
    })
}

/// PostgreSQL text cannot hold NUL: no stored value has one.
fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

async fn find(c: &impl GenericClient, id: &UserId, lock: &str) -> DbResult<Option<User>> {
    if has_nul(id.as_str()) {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 {lock}");
    query_opt(c, &sql, &[&id.as_str()])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

impl<C: GenericClient> UsersTx for Pg<'_, C> {
    /// The connection's row stays until the transaction ends (`FOR KEY SHARE`).
    async fn lock_connection(&self, id: &ConnectionId) -> DbResult<Option<String>> {
        let sql = "SELECT strategy FROM connections WHERE id = $1 FOR KEY SHARE";
        match query_opt(self.0, sql, &[&id.as_str()]).await? {
            Some(row) => Ok(Some(
                row.try_get::<_, String>(0)
                    .map_err(crate::errors::DbError::from)?,
            )),
            None => Ok(None),
        }
    }

    /// A user without a password (a federated one) has an empty `password_hash`, which no
    /// password matches and which is read back as none.
    async fn insert_user(&self, u: &User, hash: Option<&PasswordHash>) -> DbResult<()> {
        let sql =
            "INSERT INTO users (id, connection_id, connection, email, username, password_hash,
                                      profile, created_at, updated_at, last_password_reset)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        execute(
            self.0,
            sql,
            &[
                &u.id.as_str(),
                &u.connection_id.as_str(),
                &u.connection,
                &u.profile.email,
                &u.profile.username,
                &hash.map_or("", PasswordHash::as_stored),
                &Json(&u.profile),
                &u.created_at,
                &u.updated_at,
                &u.last_password_reset,
            ],
        )
        .await?;
        Ok(())
    }

    async fn find_user_to_update(&self, id: &UserId) -> DbResult<Option<User>> {
        find(self.0, id, "FOR NO KEY UPDATE").await
    }

    async fn update_user(&self, u: &User, hash: Option<&PasswordHash>) -> DbResult<()> {
        let sql = "UPDATE users SET email = $2, username = $3, profile = $4, updated_at = $5,
                          last_password_reset = $6, password_hash = coalesce($7, password_hash)
                   WHERE id = $1";
        execute(
            self.0,
            sql,
            &[
                &u.id.as_str(),
                &u.profile.email,
                &u.profile.username,
                &Json(&u.profile),
                &u.updated_at,
                &u.last_password_reset,
                &hash.map(PasswordHash::as_stored),
            ],
        )
        .await?;
        Ok(())
    }

    async fn delete_user(&self, id: &UserId) -> DbResult<bool> {
        if has_nul(id.as_str()) {
            return Ok(false);
        }
        Ok(execute(self.0, "DELETE FROM users WHERE id = $1", &[&id.as_str()]).await? > 0)
    }
}

/// The SQL of a field, lowercased for text comparisons.
fn column(field: Field) -> &'static str {
    match field {
        Field::Email => "email",
        Field::UserId => "lower(id)",
        Field::Connection => "lower(connection)",
        Field::Username => "lower(username)",
        Field::Name => "lower(profile->>'name')",
        Field::Nickname => "lower(profile->>'nickname')",
        Field::GivenName => "lower(profile->>'given_name')",
        Field::FamilyName => "lower(profile->>'family_name')",
        Field::EmailVerified => "coalesce((profile->>'email_verified')::boolean, false)",
        Field::Blocked => "coalesce((profile->>'blocked')::boolean, false)",
    }
}

const BARE: [Field; 4] = [Field::Email, Field::Name, Field::Nickname, Field::Username];

fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn text(w: &mut Where, field: Field, value: &str, prefix: bool) -> String {
    if has_nul(value) {
        return "FALSE".into();
    }
    if prefix {
        let p = w.arg(like_escaped(value));
        format!("{} LIKE {p} ESCAPE '\\'", column(field))
    } else {
        let p = w.arg(value.to_owned());
        format!("{} = {p}", column(field))
    }
}

fn search(q: &Query) -> Where {
    let mut w = Where::default();
    if q.any_of.is_empty() {
        return w;
    }
    let mut groups = Vec::new();
    for group in &q.any_of {
        let mut all = Vec::new();
        for term in group {
            all.push(match term {
                Term::Text {
                    field: Some(f),
                    value,
                    prefix,
                } => text(&mut w, *f, value, *prefix),
                Term::Text {
                    field: None,
                    value,
                    prefix,
                } => {
                    let any: Vec<String> = BARE
                        .iter()
                        .map(|f| text(&mut w, *f, value, *prefix))
                        .collect();
                    format!("({})", any.join(" OR "))
                }
                Term::Flag { field, value } => {
                    let p = w.arg(*value);
                    format!("{} = {p}", column(*field))
                }
            });
        }
        groups.push(format!("({})", all.join(" AND ")));
    }
    w.and(format!("({})", groups.join(" OR ")));
    w
}

fn order(sort: Sort) -> String {
    let column = match sort.field {
        SortField::Email => "email",
        SortField::Name => "profile->>'name'",
        SortField::Nickname => "profile->>'nickname'",
        SortField::Username => "username",
        SortField::CreatedAt => "seq",
        SortField::UpdatedAt => "updated_at",
        SortField::UserId => "id",
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir} NULLS LAST, seq {dir}")
}

#[async_trait]
impl UserStore for PostgresStore {
    async fn create_user(&self, user: User, hash: Option<PasswordHash>) -> Result<User> {
        self.db
            .write(|tx| {
                let (user, hash) = (user.clone(), hash.clone());
                Box::pin(async move { users::create(&Pg(tx), user, hash.as_ref()).await })
            })
            .await
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        let c = self.db.client().await?;
        find(&c, id, "")
            .await?
            .ok_or(Error::NotFound(NotFound::User))
    }

    async fn list_users(
        &self,
        search_query: &Query,
        sort: Sort,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<User>> {
        self.db
            .snapshot(|tx| {
                let wanted = search_query.clone();
                Box::pin(async move {
                    let mut w = search(&wanted);
                    let filter = w.sql();
                    let total: i64 = query_one(
                        tx,
                        &format!("SELECT count(*) FROM users {filter}"),
                        &w.params(),
                    )
                    .await?
                    .try_get(0)?;
                    let limit = w.arg(i64::from(per_page));
                    let offset = w.arg(i64::from(page) * i64::from(per_page));
                    let sql = format!(
                        "SELECT {COLUMNS} FROM users {filter} {} LIMIT {limit} OFFSET {offset}",
                        order(sort)
                    );
                    let rows = query(tx, &sql, &w.params()).await?;
                    let items = rows.iter().map(from_row).collect::<DbResult<_>>()?;
                    Ok(Listing::offset(items, u64::try_from(total).unwrap_or(0)))
                })
            })
            .await
    }

    async fn users_by_email(&self, email: &str) -> Result<Vec<User>> {
        let email = email.to_lowercase();
        if has_nul(&email) {
            return Ok(Vec::new());
        }
        let c = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1 ORDER BY seq LIMIT 100");
        let rows = query(&c, &sql, &[&email]).await?;
        Ok(rows.iter().map(from_row).collect::<DbResult<_>>()?)
    }

    async fn update_user(
        &self,
        id: &UserId,
        patch: UserPatch,
        hash: Option<PasswordHash>,
        now: OffsetDateTime,
    ) -> Result<User> {
        self.db
            .write(|tx| {
                let (id, patch, hash) = (id.clone(), patch.clone(), hash.clone());
                Box::pin(
                    async move { users::update(&Pg(tx), &id, patch, hash.as_ref(), now).await },
                )
            })
            .await
    }

    async fn delete_user(&self, id: &UserId) -> Result<()> {
        self.db
            .write(|tx| {
                let id = id.clone();
                Box::pin(async move { users::delete(&Pg(tx), &id).await })
            })
            .await
    }

    async fn password_hash(&self, id: &UserId) -> Result<Option<PasswordHash>> {
        if has_nul(id.as_str()) {
            return Ok(None);
        }
        let c = self.db.client().await?;
        let row = query_opt(
            &c,
            "SELECT password_hash FROM users WHERE id = $1",
            &[&id.as_str()],
        )
        .await?;
        let hash = row
            .map(|r| r.try_get::<_, String>(0))
            .transpose()
            .map_err(crate::errors::DbError::from)?;
        Ok(hash
            .filter(|h| !h.is_empty())
            .map(PasswordHash::from_trusted))
    }
}
