#[path = "api/app.rs"]
mod app;
#[path = "api/replay.rs"]
mod replay;
