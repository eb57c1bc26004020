//! Recon Agent's engine: classify a reconciliation break, plan which agents look at it from the
//! routing policies, run them as a DAG with early exit, and return the execution graph.
//!
//! Nothing here knows about Tauri, SQL or a window; the CLI, the store and the desktop app
//! build on it.

pub mod agents;
pub mod classify;
pub mod cost;
pub mod currency;
pub mod dag;
pub mod error;
pub mod evidence;
pub mod execute;
pub mod gate;
pub mod graph;
pub mod import;
pub mod llm;
pub mod model;
pub mod orchestrate;
pub mod policy;
pub mod refdata;
pub mod safety;
pub mod sample;
pub mod secrets;
pub mod simulate;

pub use model::*;
