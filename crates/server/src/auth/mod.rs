//! Tokens: the signing keys, the `/oauth/token` endpoint, and the bearer-token extractor.

pub mod assertion;
pub mod attempts;
pub mod cache;
pub mod code_grant;
pub mod keys;
pub mod password_grant;
pub mod person;
pub mod principal;
pub mod privilege;
pub mod refresh_grant;
pub mod rotation;
pub mod sealing;
pub mod token_endpoint;
pub mod tokens;
