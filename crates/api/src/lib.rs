//! Recon Agent's application API: every operation the desktop app offers, as plain Rust over
//! the engine and the store, with typed requests and replies ([`dto`]) and typed errors. The
//! Tauri shell only adapts these (one command per function); the CLI calls the same functions
//! for import, processing, verification and export; tests call them directly.
//!
//! One module per domain: [`breaks`], [`runs`] (and [`batch`], the pipelined batch), [`review`],
//! [`dashboard`], [`audit`], [`policies`]; [`Core`] holds the store and the policies in force.

#![deny(missing_docs)]

pub mod audit;
pub mod batch;
pub mod breaks;
pub mod connection;
mod core;
pub mod dashboard;
pub mod dto;
mod error;
pub mod policies;
pub mod progress;
pub mod review;
pub mod runs;

pub use crate::core::{team_policies, Core};
pub use error::{ApiError, ApiResult, ErrorCode};
