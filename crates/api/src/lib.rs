//! Recon Agent's application API: every operation the desktop app offers, as plain Rust over
//! the engine and the store, with typed requests and replies ([`dto`]) and typed errors. The
//! Tauri shell only adapts these (one command per function); tests call them directly.

pub mod batch;
pub mod dto;
mod error;
mod ops;
pub mod policies;

pub use error::{ApiError, ApiResult, ErrorCode};
pub use ops::Core;
