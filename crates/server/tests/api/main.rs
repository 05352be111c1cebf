//! The server's integration tests: one binary, one module per area.

mod app;
mod authorization;
mod bad_input;
mod binary;
mod brute_force;
mod clients;
mod connections;
mod dashboard;
mod db_copy;
mod durability;
mod enabled_connections;
mod key_storage;
mod multi_instance;
mod openapi;
mod operations;
mod organizations;
mod privileges;
mod rate_limits;
mod replay;
mod schema;
mod served;
mod signing_keys;
mod slow_clients;
mod spawn;
mod storage_busy;
mod tokens;
