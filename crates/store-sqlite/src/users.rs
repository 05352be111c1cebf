//! Users: the SQL of the domain's `UsersTx` (its rules are in `orgwarden_domain::rules::users`),
//! the reads, and the search query translated to SQL (bound parameters only).

use async_trait::async_trait;
use orgwarden_domain::ids::ConnectionId;
use orgwarden_domain::paging::Listing;
use orgwarden_domain::password::PasswordHash;
use orgwarden_domain::rules::users::{self, UsersTx};
use orgwarden_domain::store::UserStore;
use orgwarden_domain::user::{Profile, User, UserId, UserPatch};
use orgwarden_domain::user_search::{Field, Query, Sort, SortField, Term};
use orgwarden_domain::{Error, NotFound, Result};
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::OffsetDateTime;

use crate::columns::{json, nanos, time_at, time_opt, to_json, unique_violation};
use crate::db::{DbError, DbResult};
use crate::filter::Where;
use crate::tx::{run, Sql};
use crate::SqliteStore;

pub(crate) const COLUMNS: &str =
    "id, connection_id, connection, profile, created_at, updated_at, last_password_reset";

/// The columns of `from_row`, of the table named `alias` in a join.
pub(crate) fn prefixed_columns(alias: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId::from_trusted(row.get(0)?),
        connection_id: ConnectionId::from_trusted(row.get(1)?),
        connection: row.get(2)?,
        profile: json::<Profile>(row, 3)?,
        created_at: time_at(row, 4)?,
        updated_at: time_at(row, 5)?,
        last_password_reset: time_opt(row, 6)?,
    })
}

fn find(conn: &Connection, id: &UserId) -> DbResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.as_str()], from_row)
        .optional()?)
}

fn conflict(e: rusqlite::Error) -> DbError {
    match unique_violation(&e) {
        Some(_) => Error::user_exists().into(),
        None => DbError::from(e),
    }
}

/// The writer's transaction keeps every other writer out: the "lock" reads are plain reads.
impl UsersTx for Sql<'_> {
    async fn lock_connection(&self, id: &ConnectionId) -> DbResult<Option<String>> {
        let sql = "SELECT strategy FROM connections WHERE id = ?1";
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row([id.as_str()], |r| r.get(0))
            .optional()?)
    }

    /// A user without a password (a federated one) has an empty `password_hash`, which no
    /// password matches and which is read back as none.
    async fn insert_user(&self, u: &User, hash: Option<&PasswordHash>) -> DbResult<()> {
        let sql =
            "INSERT INTO users (id, connection_id, connection, email, username, password_hash,
                                      profile, created_at, updated_at, last_password_reset)
                   VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
        self.0
            .prepare_cached(sql)?
            .execute(params![
                u.id.as_str(),
                u.connection_id.as_str(),
                u.connection,
                u.profile.email,
                u.profile.username,
                hash.map_or("", PasswordHash::as_stored),
                to_json(&u.profile)?,
                nanos(u.created_at)?,
                nanos(u.updated_at)?,
                u.last_password_reset.map(nanos).transpose()?,
            ])
            .map_err(conflict)?;
        Ok(())
    }

    async fn find_user_to_update(&self, id: &UserId) -> DbResult<Option<User>> {
        find(self.0, id)
    }

    async fn update_user(&self, u: &User, hash: Option<&PasswordHash>) -> DbResult<()> {
        let sql = "UPDATE users SET email = ?2, username = ?3, profile = ?4, updated_at = ?5,
                          last_password_reset = ?6, password_hash = coalesce(?7, password_hash)
                   WHERE id = ?1";
        self.0
            .prepare_cached(sql)?
            .execute(params![
                u.id.as_str(),
                u.profile.email,
                u.profile.username,
                to_json(&u.profile)?,
                nanos(u.updated_at)?,
                u.last_password_reset.map(nanos).transpose()?,
                hash.map(PasswordHash::as_stored),
            ])
            .map_err(conflict)?;
        Ok(())
    }

    async fn delete_user(&self, id: &UserId) -> DbResult<bool> {
        let n = self
            .0
            .prepare_cached("DELETE FROM users WHERE id = ?1")?
            .execute([id.as_str()])?;
        Ok(n > 0)
    }
}

/// The SQL of a field, lowercased for text comparisons.
fn column(field: Field) -> &'static str {
    match field {
        Field::Email => "email",
        Field::UserId => "lower(id)",
        Field::Connection => "lower(connection)",
        Field::Username => "lower(username)",
        Field::Name => "lower(json_extract(profile, '$.name'))",
        Field::Nickname => "lower(json_extract(profile, '$.nickname'))",
        Field::GivenName => "lower(json_extract(profile, '$.given_name'))",
        Field::FamilyName => "lower(json_extract(profile, '$.family_name'))",
        Field::EmailVerified => "coalesce(json_extract(profile, '$.email_verified'), 0)",
        Field::Blocked => "coalesce(json_extract(profile, '$.blocked'), 0)",
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
                    let p = w.arg(i64::from(*value));
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
        SortField::Name => "json_extract(profile, '$.name')",
        SortField::Nickname => "json_extract(profile, '$.nickname')",
        SortField::Username => "username",
        SortField::CreatedAt => "seq",
        SortField::UpdatedAt => "updated_at",
        SortField::UserId => "id",
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir}, seq {dir}")
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: User, hash: Option<PasswordHash>) -> Result<User> {
        self.db
            .write(move |tx| run(users::create(&Sql(tx), user, hash.as_ref())))
            .await
    }

    async fn get_user(&self, id: &UserId) -> Result<User> {
        let id = id.clone();
        self.db
            .read(move |conn| find(conn, &id)?.ok_or(DbError(Error::NotFound(NotFound::User))))
            .await
    }

    async fn list_users(
        &self,
        query: &Query,
        sort: Sort,
        page: u32,
        per_page: u32,
    ) -> Result<Listing<User>> {
        let query = query.clone();
        self.db
            .read(move |conn| {
                let tx = conn.unchecked_transaction()?;
                let mut w = search(&query);
                let filter = w.sql();
                let total: u64 = tx.query_row(
                    &format!("SELECT count(*) FROM users {filter}"),
                    rusqlite::params_from_iter(w.args.iter()),
                    |r| r.get(0),
                )?;
                let limit = w.arg(i64::from(per_page));
                let offset = w.arg(i64::from(page) * i64::from(per_page));
                let sql = format!(
                    "SELECT {COLUMNS} FROM users {filter} {} LIMIT +{limit} OFFSET +{offset}",
                    order(sort)
                );
                let items = tx
                    .prepare(&sql)?
                    .query_map(rusqlite::params_from_iter(w.args.iter()), from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Listing::offset(items, total))
            })
            .await
    }

    async fn users_by_email(&self, email: &str) -> Result<Vec<User>> {
        let email = email.to_lowercase();
        self.db
            .read(move |conn| {
                let sql =
                    format!("SELECT {COLUMNS} FROM users WHERE email = ?1 ORDER BY seq LIMIT 100");
                Ok(conn
                    .prepare_cached(&sql)?
                    .query_map([email], from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }

    async fn update_user(
        &self,
        id: &UserId,
        patch: UserPatch,
        hash: Option<PasswordHash>,
        now: OffsetDateTime,
    ) -> Result<User> {
        let id = id.clone();
        self.db
            .write(move |tx| run(users::update(&Sql(tx), &id, patch, hash.as_ref(), now)))
            .await
    }

    async fn delete_user(&self, id: &UserId) -> Result<()> {
        let id = id.clone();
        self.db
            .write(move |tx| run(users::delete(&Sql(tx), &id)))
            .await
    }

    async fn password_hash(&self, id: &UserId) -> Result<Option<PasswordHash>> {
        let id = id.clone();
        self.db
            .read(move |conn| {
                Ok(conn
                    .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
                    .query_row([id.as_str()], |r| r.get::<_, String>(0))
                    .optional()?
                    .filter(|h| !h.is_empty())
                    .map(PasswordHash::from_trusted))
            })
            .await
    }
}
