//! Yardstick: measures what business automations give back.
//!
//! The layers, top to bottom (dependencies point down):
//! `cli` and `http` (thin), `report` (one code path per question),
//! `ingest` (parse → validate → normalise), `metrics` (the pure analytics core),
//! `store` (the DuckDB file behind one type), and `model` (the data model).
//! See ARCHITECTURE.md for the map and its invariants.

pub mod auth;
pub mod cli;
pub mod dashboard;
pub mod engine;
pub mod gen;
pub mod http;
pub mod ingest;
pub mod keep;
pub mod lake;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod outcomes;
pub mod publish;
pub mod pull;
pub mod report;
pub mod schema;
pub mod segments;
pub mod store;
