//! Reference compound table.
