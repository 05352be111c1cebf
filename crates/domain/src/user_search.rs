//! The subset of Auth0's user search (search engine v3, Lucene syntax) orgwarden answers:
//! `field:value`, `field:"quoted value"`, a trailing `*` for a prefix, bare terms (matched
//! against email, name, nickname and username), `AND` (also implied between terms) and `OR`.
//! Anything else (parentheses, `NOT`, ranges, leading wildcards) is a 400 that says so. Each
//! backend translates a [`Query`] to SQL with bound parameters; nothing here knows SQL.

use crate::{Error, Result};

/// Longest `q` accepted, and most terms in it.
pub const MAX_QUERY_LEN: usize = 2000;
pub const MAX_TERMS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Name,
    Nickname,
    Username,
    GivenName,
    FamilyName,
    UserId,
    EmailVerified,
    Blocked,
    /// `identities.connection`: the connection's name.
    Connection,
}

impl Field {
    pub fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "email" => Field::Email,
            "name" => Field::Name,
            "nickname" => Field::Nickname,
            "username" => Field::Username,
            "given_name" => Field::GivenName,
            "family_name" => Field::FamilyName,
            "user_id" => Field::UserId,
            "email_verified" => Field::EmailVerified,
            "blocked" => Field::Blocked,
            "identities.connection" => Field::Connection,
            _ => return None,
        })
    }

    pub fn is_bool(self) -> bool {
        matches!(self, Field::EmailVerified | Field::Blocked)
    }
}

/// One condition. Text values compare case-insensitively (they are lowercased here).
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `None`: a bare term, any of email, name, nickname, username.
    Text {
        field: Option<Field>,
        value: String,
        prefix: bool,
    },
    Flag {
        field: Field,
        value: bool,
    },
}

/// Terms joined by AND, those groups joined by OR.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub any_of: Vec<Vec<Term>>,
}

fn unsupported(what: &str) -> Error {
    Error::invalid(format!(
        "Query validation error: {what} (orgwarden supports field:value terms, quoted values, a trailing * and AND/OR)."
    ))
}

/// Splits on whitespace, keeping quoted values (with their field) together.
fn tokens(q: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if quoted {
        return Err(unsupported("an unclosed quote"));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn term(token: &str) -> Result<Term> {
    if token.starts_with('(') || token.ends_with(')') || token == "NOT" || token.starts_with('-') {
        return Err(unsupported("parentheses and NOT are not supported"));
    }
    let (field, raw) = match token.split_once(':') {
        Some((f, v)) if !f.starts_with('"') => {
            let field = Field::parse(f)
                .ok_or_else(|| unsupported(&format!("'{f}' is not a field orgwarden searches")))?;
            (Some(field), v)
        }
        _ => (None, token),
    };
    let (value, prefix) =
        if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            (inner.to_owned(), false)
        } else if raw.contains('"') {
            return Err(unsupported("a misplaced quote"));
        } else if let Some(stem) = raw.strip_suffix('*') {
            (stem.to_owned(), true)
        } else {
            (raw.to_owned(), false)
        };
    if value.contains('*') || value.contains('?') {
        return Err(unsupported(
            "wildcards are supported only at the end of a term",
        ));
    }
    if value.is_empty() {
        return Err(unsupported("an empty term"));
    }
    if value.contains(['[', ']', '{', '}', '~', '^']) {
        return Err(unsupported(
            "ranges, fuzzy and boosted terms are not supported",
        ));
    }
    match field {
        Some(f) if f.is_bool() => match (value.as_str(), prefix) {
            ("true", false) => Ok(Term::Flag {
                field: f,
                value: true,
            }),
            ("false", false) => Ok(Term::Flag {
                field: f,
                value: false,
            }),
            _ => Err(unsupported("a flag is true or false")),
        },
        _ => Ok(Term::Text {
            field,
            value: value.to_lowercase(),
            prefix,
        }),
    }
}

pub fn parse(q: &str) -> Result<Query> {
    if q.len() > MAX_QUERY_LEN {
        return Err(unsupported(&format!(
            "the query is longer than {MAX_QUERY_LEN} characters"
        )));
    }
    let mut query = Query::default();
    let mut group = Vec::new();
    let mut expect_term = true;
    let mut count = 0;
    for t in tokens(q)? {
        match t.as_str() {
            "AND" | "&&" if !expect_term => expect_term = true,
            "OR" | "||" if !expect_term => {
                query.any_of.push(std::mem::take(&mut group));
                expect_term = true;
            }
            "AND" | "OR" | "&&" | "||" => return Err(unsupported("an operator without a term")),
            _ => {
                count += 1;
                if count > MAX_TERMS {
                    return Err(unsupported(&format!("more than {MAX_TERMS} terms")));
                }
                group.push(term(&t)?);
                expect_term = false;
            }
        }
    }
    if expect_term && count > 0 {
        return Err(unsupported("an operator without a term"));
    }
    if !group.is_empty() {
        query.any_of.push(group);
    }
    Ok(query)
}

/// `sort=field:1` (ascending) or `field:-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Email,
    Name,
    Nickname,
    Username,
    CreatedAt,
    UpdatedAt,
    UserId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Default for Sort {
    /// Creation order.
    fn default() -> Self {
        Sort {
            field: SortField::CreatedAt,
            descending: false,
        }
    }
}

pub fn parse_sort(s: &str) -> Option<Sort> {
    let (f, dir) = s.split_once(':')?;
    let field = match f {
        "email" => SortField::Email,
        "name" => SortField::Name,
        "nickname" => SortField::Nickname,
        "username" => SortField::Username,
        "created_at" => SortField::CreatedAt,
        "updated_at" => SortField::UpdatedAt,
        "user_id" => SortField::UserId,
        _ => return None,
    };
    let descending = match dir {
        "1" => false,
        "-1" => true,
        _ => return None,
    };
    Some(Sort { field, descending })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(field: Option<Field>, value: &str, prefix: bool) -> Term {
        Term::Text {
            field,
            value: value.into(),
            prefix,
        }
    }

    #[test]
    fn fields_quotes_wildcards_and_operators() {
        assert_eq!(
            parse(r#"username:"test-user998""#).unwrap().any_of,
            vec![vec![text(Some(Field::Username), "test-user998", false)]]
        );
        assert_eq!(
            parse("email:Chuck* AND email_verified:true OR name:\"Jane Doe\"")
                .unwrap()
                .any_of,
            vec![
                vec![
                    text(Some(Field::Email), "chuck", true),
                    Term::Flag {
                        field: Field::EmailVerified,
                        value: true
                    }
                ],
                vec![text(Some(Field::Name), "jane doe", false)]
            ]
        );
        assert_eq!(
            parse("jane identities.connection:users").unwrap().any_of,
            vec![vec![
                text(None, "jane", false),
                text(Some(Field::Connection), "users", false)
            ]]
        );
        assert_eq!(parse("").unwrap(), Query::default());
    }

    #[test]
    fn the_rest_is_refused_clearly() {
        for bad in [
            "(a OR b)",
            "NOT email:x",
            "email:*x",
            "email:a*b",
            "password:x",
            "email_verified:maybe",
            "AND email:x",
            "email:x OR",
            "email:\"open",
            "created_at:[2020 TO 2021]",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.to_string().starts_with("Query validation error"),
                "{bad}: {e}"
            );
        }
        assert!(parse(&"a ".repeat(MAX_TERMS + 1)).is_err());
        assert!(parse(&"a".repeat(MAX_QUERY_LEN + 1)).is_err());
    }

    #[test]
    fn sorts() {
        assert_eq!(
            parse_sort("email:-1"),
            Some(Sort {
                field: SortField::Email,
                descending: true
            })
        );
        assert_eq!(parse_sort("email"), None);
        assert_eq!(parse_sort("password:1"), None);
    }
}
