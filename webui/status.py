"""/status and /status.json: what the background ingest is doing and how much of the
library meaning search covers; and the progress banner every page shows while it runs."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

from index.ingest.worker import status_dict

from webui.pages import library

bp = Blueprint("status", __name__)


def current_status() -> dict:
    return status_dict(library(), current_app.config.get("INGEST_WORKER"))


@bp.route("/status")
@bp.route("/status.json")
def status():
    data = current_status()
    if request.path.endswith(".json"):
        return jsonify(data)
    return render_template("status.html", data=data)


@bp.app_context_processor
def ingest_banner():
    """``ingest_status()`` for templates: the ingest dict while one runs in this server, else None."""
    def ingest_status():
        worker = current_app.config.get("INGEST_WORKER")
        if worker is None or not worker.status()["running"]:
            return None
        return current_status()["ingest"]
    return {"ingest_status": ingest_status}
