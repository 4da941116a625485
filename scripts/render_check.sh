#!/usr/bin/env bash
# Render check of a preclin HTML report in headless Chromium (Debian's `chromium`).
#
#   scripts/render_check.sh OUT/report.html SHOT.png [WIDTHxHEIGHT] [--pdf FILE.pdf]
#
# Takes a screenshot of the report at a laptop size (default 1366x900) and, with --pdf, prints
# it to PDF (print CSS: page breaks before sections, figures not split). Fails (exit 1) when no
# screenshot is written. Installs chromium with apt-get when absent (needs root). Not part of CI.
# Network is off for the page: --disable-background-networking etc.; the report needs none.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 REPORT.html SHOT.png [WIDTHxHEIGHT] [--pdf FILE.pdf]" >&2
  exit 2
fi
report=$1
shot=$2
shift 2
size=1366,900
pdf=
while [[ $# -gt 0 ]]; do
  case $1 in
    --pdf) pdf=$2; shift 2 ;;
    *x*) size=${1/x/,}; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -f $report ]] || { echo "$report: no such file" >&2; exit 1; }

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "chromium not found: installing Debian's chromium" >&2
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  browser=$(command -v chromium)
fi

url="file://$(realpath "$report")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars --user-data-dir="$profile")

rm -f "$shot"
timeout 120 "$browser" "${flags[@]}" --window-size="$size" --screenshot="$(realpath -m "$shot")" "$url" \
  >/dev/null 2>&1 || true
if [[ ! -s $shot ]]; then
  echo "FAIL: no screenshot written to $shot" >&2
  exit 1
fi
echo "screenshot: $shot ($(stat -c %s "$shot") bytes)"

if [[ -n $pdf ]]; then
  rm -f "$pdf"
  timeout 120 "$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$(realpath -m "$pdf")" "$url" \
    >/dev/null 2>&1 || true
  if [[ ! -s $pdf ]]; then
    echo "FAIL: no PDF written to $pdf" >&2
    exit 1
  fi
  echo "pdf: $pdf ($(stat -c %s "$pdf") bytes)"
fi
