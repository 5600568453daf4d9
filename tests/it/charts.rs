//! Chart rendering: every chart kind as SVG and PNG.
