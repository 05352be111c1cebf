//! The server's integration tests: one binary, one module per area.

mod app;
mod bad_input;
mod binary;
mod clients;
mod connections;
mod dashboard;
mod db_copy;
mod durability;
mod enabled_connections;
mod multi_instance;
mod operations;
mod organizations;
mod rate_limits;
mod replay;
mod signing_keys;
mod spawn;
mod tokens;
