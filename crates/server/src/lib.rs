//! orgwarden's server: the Auth0-compatible Management API, the token endpoint, and serving
//! them. `main.rs` only parses the command line and calls into here.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod auth;
pub mod bootstrap;
pub mod commands;
pub mod config;
pub mod dbcopy;
pub mod error;
pub mod faults;
pub mod files;
pub mod login;
pub mod observability;
pub mod operations;
pub mod ratelimit;
pub mod server;
pub mod serving;
pub mod state;
pub mod tenant;
pub mod tls;
pub mod ui;
pub mod upstream;
pub mod well_known;
