//! An organization's colours on its login pages. The pages' policy allows no inline styles, so
//! the colours travel in a stylesheet's URL (`/u/brand.css?primary=%23RRGGBB&page_background=…`)
//! and this answers it: nothing is read from storage, a colour that is not `#rgb`/`#rrggbb` is
//! refused, and the same URL always gives the same sheet (so browsers may keep it).

use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orgwarden_proto::organizations::{is_html_color, Colors};
use serde::Deserialize;

pub const PATH: &str = "/u/brand.css";

#[derive(Debug, Deserialize)]
pub struct BrandQuery {
    primary: Option<String>,
    page_background: Option<String>,
}

/// The stylesheet's URL for these colours.
pub fn href(colors: &Colors) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("primary", &colors.primary)
        .append_pair("page_background", &colors.page_background)
        .finish();
    format!("{PATH}?{query}")
}

pub async fn stylesheet(
    query: Result<Query<BrandQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return refused();
    };
    let mut css = String::new();
    if let Some(p) = q.primary {
        if !is_html_color(&p) {
            return refused();
        }
        let fg = if is_light(&p) { "#000000" } else { "#ffffff" };
        css.push_str(&format!(
            "body.login {{ --accent: {p}; --accent-fg: {fg}; }}\n"
        ));
    }
    if let Some(b) = q.page_background {
        if !is_html_color(&b) {
            return refused();
        }
        let fg = if is_light(&b) { "#1f2328" } else { "#f6f8fa" };
        css.push_str(&format!(
            "html, body.login {{ background: {b}; }}\nbody.login .login-brand {{ color: {fg}; }}\n"
        ));
    }
    let mut resp = (StatusCode::OK, css).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn refused() -> Response {
    (StatusCode::BAD_REQUEST, "colours are #rgb or #rrggbb").into_response()
}

/// Whether text on this colour reads better dark (WCAG relative luminance above the point
/// where black and white contrast equally).
fn is_light(color: &str) -> bool {
    let hex = color.trim_start_matches('#');
    let channel = |i: usize| -> f64 {
        let v = if hex.len() == 3 {
            u8::from_str_radix(&hex[i..i + 1], 16).map(|d| d * 17)
        } else {
            u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
        }
        .unwrap_or(0);
        let c = f64::from(v) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    l > 0.179
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_contrasts_with_its_colour() {
        assert!(is_light("#ffffff"));
        assert!(is_light("#fff"));
        assert!(is_light("#e3e2f0"));
        assert!(!is_light("#000"));
        assert!(!is_light("#0b5cad"));
    }
}
