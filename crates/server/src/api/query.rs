//! Query strings, read the way Auth0 validates them: a bad value is a 400
//! `invalid_query_string` that names the property.

use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use base64::Engine;
use orgwarden_domain::paging::PageRequest;
use orgwarden_domain::validate::{message, Origin};

use crate::error::{ApiError, ApiResult};

/// The raw `(name, value)` pairs, repeated names kept (`strategy=ad&strategy=auth0`).
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
        Ok(Query(pairs))
    }
}

fn invalid(template: String, name: &str, description: &str) -> ApiError {
    ApiError::InvalidQuery(message(Origin::Query, &template, name, description))
}

impl Query {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Query(pairs)
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn int(
        &self,
        name: &str,
        min: i64,
        max: i64,
        default: i64,
        description: &str,
    ) -> ApiResult<i64> {
        let Some(raw) = self.str(name) else {
            return Ok(default);
        };
        let raw = raw.trim();
        let v: i64 = match raw.parse() {
            Ok(v) => v,
            // A whole number too large for 64 bits is still a number: say it is out of range.
            Err(_)
                if !raw.is_empty()
                    && raw
                        .trim_start_matches('-')
                        .bytes()
                        .all(|b| b.is_ascii_digit()) =>
            {
                let bound = if raw.starts_with('-') { min } else { max };
                let word = if raw.starts_with('-') {
                    "less than minimum"
                } else {
                    "greater than maximum"
                };
                return Err(invalid(
                    format!("Value {raw} is {word} {bound}"),
                    name,
                    description,
                ));
            }
            Err(_) => {
                return Err(invalid(
                    "Expected type integer but found type string".into(),
                    name,
                    description,
                ))
            }
        };
        if v < min {
            return Err(invalid(
                format!("Value {v} is less than minimum {min}"),
                name,
                description,
            ));
        }
        if v > max {
            return Err(invalid(
                format!("Value {v} is greater than maximum {max}"),
                name,
                description,
            ));
        }
        Ok(v)
    }

    pub fn bool(&self, name: &str, default: bool, description: &str) -> ApiResult<bool> {
        match self.str(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(invalid(
                "Expected type boolean but found type string".into(),
                name,
                description,
            )),
        }
    }

    pub fn string(&self, name: &str, max: usize, description: &str) -> ApiResult<Option<&str>> {
        match self.str(name) {
            Some(v) if v.chars().count() > max => Err(invalid(
                format!(
                    "String is too long ({} chars), maximum {max}",
                    v.chars().count()
                ),
                name,
                description,
            )),
            other => Ok(other),
        }
    }
}

const PAGE_DESC: &str = "Page index of the results to return. First page is 0.";
const PER_PAGE_DESC: &str = "Number of results per page. Defaults to 50.";
const TOTALS_DESC: &str = "Return results inside an object that contains the total result count (true) or as a direct array of results (false, default).";
const FROM_DESC: &str = "Optional Id from which to start selection.";
const TAKE_DESC: &str = "Number of results per page. Defaults to 50.";

/// How the list should be shaped, read from `page`/`per_page`/`include_totals`/`from`/`take`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    pub request: PageRequest,
    pub include_totals: bool,
}

impl Paging {
    /// Offset-only lists (enabled connections).
    pub fn offset(q: &Query) -> ApiResult<Paging> {
        let page = q.int("page", 0, i64::from(u32::MAX), 0, PAGE_DESC)? as u32;
        let per_page = q.int("per_page", 1, 100, 50, PER_PAGE_DESC)? as u32;
        let include_totals = q.bool("include_totals", false, TOTALS_DESC)?;
        Ok(Paging {
            request: PageRequest::Offset { page, per_page },
            include_totals,
        })
    }

    /// Lists with both styles: `from` or `take` present means checkpoint paging (as Auth0,
    /// even with `include_totals`). Offset paging stops at 1000 records.
    pub fn either(q: &Query) -> ApiResult<Paging> {
        if q.has("from") || q.has("take") {
            let take = q.int("take", 1, 100, 50, TAKE_DESC)? as u32;
            let from = match q.str("from").filter(|s| !s.is_empty()) {
                Some(token) => Some(decode_cursor(token)?),
                None => None,
            };
            // Still validate the offset parameters the caller sent.
            Paging::offset(q)?;
            return Ok(Paging {
                request: PageRequest::Checkpoint { from, take },
                include_totals: false,
            });
        }
        let paging = Paging::offset(q)?;
        if let PageRequest::Offset { page, per_page } = paging.request {
            if u64::from(page) * u64::from(per_page) >= 1000 {
                return Err(ApiError::InvalidPaging);
            }
        }
        Ok(paging)
    }
}

/// `next` values are the store's cursor, base64url-encoded so clients treat them as opaque.
pub fn encode_cursor(raw: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_bytes())
}

pub fn decode_cursor(token: &str) -> ApiResult<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            invalid(
                format!("Object didn't pass validation for format checkpoint: {token}"),
                "from",
                FROM_DESC,
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query(form_urlencoded::parse(s.as_bytes()).into_owned().collect())
    }

    #[test]
    fn per_page_over_100_is_refused_with_auth0s_message() {
        let err = Paging::offset(&q("per_page=101")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Query validation error: 'Value 101 is greater than maximum 100' on property per_page (Number of results per page. Defaults to 50.)."
        );
    }

    #[test]
    fn huge_numbers_are_out_of_range_not_strings() {
        let err = Paging::offset(&q("per_page=99999999999999999999")).unwrap_err();
        assert!(
            err.to_string()
                .contains("'Value 99999999999999999999 is greater than maximum 100'"),
            "{err}"
        );
        let err = Paging::offset(&q("page=abc")).unwrap_err();
        assert!(
            err.to_string()
                .contains("Expected type integer but found type string"),
            "{err}"
        );
    }

    #[test]
    fn from_or_take_selects_checkpoints() {
        let p = Paging::either(&q("include_totals=true&per_page=50&take=2")).unwrap();
        assert_eq!(
            p.request,
            PageRequest::Checkpoint {
                from: None,
                take: 2
            }
        );
        let next = encode_cursor("abc");
        let p = Paging::either(&q(&format!("from={next}&take=2"))).unwrap();
        assert_eq!(
            p.request,
            PageRequest::Checkpoint {
                from: Some("abc".into()),
                take: 2
            }
        );
        assert!(matches!(
            Paging::either(&q("page=20&per_page=50")),
            Err(ApiError::InvalidPaging)
        ));
    }
}
