//! The little XML writing this crate does itself (requests and metadata are fixed shapes; only
//! values are inserted, always escaped). Reading and canonicalization are libxml2's and
//! libxmlsec1's, never ours.

/// Escapes text for an attribute value or element content.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A fresh SAML message id: an NCName (it starts with `_`), 160 random bits.
pub(crate) fn fresh_id() -> String {
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).expect("the system random source failed");
    let mut id = String::with_capacity(41);
    id.push('_');
    for b in bytes {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

/// `2026-12-04T07:30:00Z`: SAML's xs:dateTime in UTC, whole seconds.
pub(crate) fn instant(t: time::OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
