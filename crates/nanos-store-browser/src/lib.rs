//! The browser bundle: the store's library built with its `hydrate` feature, whose entry points
//! (`hydrate`, and the validator's `validateZip`) this WebAssembly module exports.

pub use nanos_store::{hydrate, wasm_memory_bytes};
