//! nanos-store: a self-hostable store for nanos world packages and asset packs.
//!
//! One crate builds both halves: with the `ssr` feature the server (axum, sqlx, the command line),
//! with `hydrate` the browser bundle that takes over the server-rendered pages.

// Leptos views are deeply nested types; the larger pages (the upload wizard) need more room.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod access;
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
#[cfg(feature = "ssr")]
pub mod bench_seed;
#[cfg(feature = "ssr")]
pub mod bundle;
#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
pub mod client;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod connections;
pub mod dates;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod download_counts;
pub mod error;
pub mod files;
#[cfg(feature = "ssr")]
pub mod form_posts;
#[cfg(test)]
mod layers;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod moderation;
#[cfg(feature = "ssr")]
pub mod observability;
pub mod resources;
#[cfg(feature = "ssr")]
pub mod secrets;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod storage;
pub mod teams;
pub mod tokens;
pub mod ui;
/// The release zip validator, its own crate (crates/nanos-validate); re-exported under its old
/// module path.
pub use nanos_validate as validate;

/// Entry point of the browser bundle: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

/// Bytes of WASM linear memory in use by the bundle (for the wizard's memory measurement).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}
