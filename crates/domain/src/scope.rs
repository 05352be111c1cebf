//! The Management API scopes: part of the wire contract, so they are defined in
//! `orgwarden_proto::scopes`; re-exported here for the domain's rules on them.

pub use orgwarden_proto::scopes::*;
