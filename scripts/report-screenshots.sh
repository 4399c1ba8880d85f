#!/usr/bin/env bash
# Regenerates docs/images/report-run.png and docs/images/report-gate.png: the HTML reports of the
# browser test (__tests__/report/html-browser.test.ts), screenshotted by headless chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
CONVGATE_SCREENSHOT_DIR=docs/images NODE_OPTIONS=--experimental-vm-modules \
  npx jest __tests__/report/html-browser.test.ts "$@"
