#!/usr/bin/env bash
# Fuzz the FCS reader (and Gating-ML / matrix-file parsers) for a fixed time.
# Usage: bash fuzz/run_fcs.sh [SECONDS]   (default 300; outside CI)
# Seeds: every FCS file of tests/data/flow (copied into the corpus once).
# Needs cargo-fuzz (`cargo install cargo-fuzz`); stable Rust, no sanitizer.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-300}"
mkdir -p corpus/fcs
if [ -z "$(ls -A corpus/fcs)" ]; then
  find ../tests/data/flow -type f \( -name '*.fcs' -o -name '*.lmd' -o -name '*.B08' -o -name '*.001' -o -name '*.xml' \) \
    -size -1000k -exec cp {} corpus/fcs/ \;
fi
cargo fuzz run -s none fcs corpus/fcs -- -max_total_time="$secs" -max_len=1048576 -rss_limit_mb=4096
