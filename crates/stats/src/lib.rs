//! preclin-stats
