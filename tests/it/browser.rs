//! The real-browser test of the dashboards.
