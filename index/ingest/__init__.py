"""Ingest: files become documents, passages, findings and actions with their vectors, committed
batch by batch. ``pipeline.ingest`` embeds and commits while ``reader`` reads, chunks and
extracts in a reader process; ``boilerplate`` keeps paragraphs many documents repeat out of
meaning search; ``worker`` runs an ingest behind a server with progress for /status;
``finish`` runs the cross-document steps after the commits (linking responses, keeping themes
current), marked per document so an interrupted ingest is finished by the next one; ``sources``
makes a document's source its identity (an edited file replaces its old version) and removes
documents (``remove_documents``, ``gone_under`` for ``ingest --sync``); each step
reported to ``progress``; ``eta`` estimates the time left from the recent rate of commits."""
from index.ingest.boilerplate import BoilerplateDetector
from index.ingest.eta import EtaEstimator
from index.ingest.finish import STEP_LABELS, STEPS, finish_pending, mark_done, pending, relink, step_detail
from index.ingest.pipeline import IngestReport, finding_vector_keys, ingest
from index.ingest.sources import documents_for, gone_under, remove_documents, source_key, what_became_of
from index.ingest.reader import Prepared, ReaderProcess, prepare, read_files
from index.ingest.worker import IngestWorker, coverage, failed_file, status_dict

__all__ = [
    "BoilerplateDetector", "EtaEstimator", "IngestReport", "IngestWorker", "Prepared", "ReaderProcess", "STEPS",
    "STEP_LABELS", "coverage", "documents_for", "failed_file", "finding_vector_keys", "finish_pending", "gone_under",
    "ingest", "mark_done", "pending", "prepare", "read_files", "relink", "remove_documents", "source_key",
    "status_dict", "step_detail", "what_became_of",
]
