//! Dashboards: pages defined as TOML files, their panels computed from the
//! one report code path, drawn as charts and exported.

pub mod chart;
