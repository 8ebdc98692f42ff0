#!/usr/bin/env bash
# Set up and serve: install, ingest the documents folder(s) given (default: ../shared/corpus
# beside the checkout), then serve http://127.0.0.1:5000 . Re-running skips what is ingested.
# Environment: PRECEDENT_LIBRARY (default ./library), HOST, PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ "$#" -eq 0 ] && [ -d ../shared/corpus ]; then
  set -- ../shared/corpus
fi
if [ "$#" -gt 0 ]; then
  # a non-zero exit here only means some files were unreadable; they are listed above
  .venv/bin/precedent ingest "$@" || echo "(some inputs could not be read; see the list above)" >&2
fi
.venv/bin/precedent themes rebuild --if-missing
exec .venv/bin/precedent serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
