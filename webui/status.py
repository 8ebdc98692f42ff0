"""/status and /status.json: what the background ingest is doing and how much of the
library meaning search covers; and the progress banner every page shows while it runs."""
from __future__ import annotations

from flask import Blueprint, current_app

from index.ingest import status_dict

from webui.pages import library, respond

bp = Blueprint("status", __name__)


def current_status() -> dict:
    return status_dict(library(), current_app.config.get("INGEST_WORKER"))


def status(fmt: str | None = None):
    return respond("status.html", current_status(), fmt == "json")


@bp.app_context_processor
def ingest_banner():
    """``ingest_status()`` for templates: the ingest dict while one runs in this server, else None."""
    def ingest_status():
        worker = current_app.config.get("INGEST_WORKER")
        if worker is None or not worker.status()["running"]:
            return None
        return current_status()["ingest"]
    return {"ingest_status": ingest_status}
