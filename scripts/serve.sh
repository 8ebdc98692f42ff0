#!/usr/bin/env bash
# Set up and serve: install, then serve http://127.0.0.1:5000 at once while the documents
# folder(s) given (default: ../shared/corpus beside the checkout) are ingested in the
# background; every page shows the progress and /status.json reports it. Re-running skips
# what is already ingested. Environment: PRECEDENT_LIBRARY (default ./library), HOST, PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ "$#" -eq 0 ] && [ -d ../shared/corpus ]; then
  set -- ../shared/corpus
fi
exec .venv/bin/precedent serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" "$@"
