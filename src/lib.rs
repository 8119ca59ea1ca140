//! nanos-store: a self-hostable store for nanos world packages and asset packs.
//!
//! One crate builds both halves: with the `ssr` feature the server (axum, sqlx, the command line),
//! with `hydrate` the browser bundle that takes over the server-rendered pages.

// Leptos views are deeply nested types; the larger pages (the upload wizard) need more room.
#![recursion_limit = "256"]

pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod connections;
#[cfg(feature = "ssr")]
pub mod db;
pub mod error;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod resources;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod storage;
pub mod teams;
pub mod tokens;
pub mod ui;
pub mod validate;

/// Entry point of the browser bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
