//! preclin-report
