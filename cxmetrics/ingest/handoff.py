"""A command's load of a file, done by the app that hosts the DuckDB store file
(store/handoff.py), so that the app's readers never wait for the command's write.

The request names the file (an absolute path: the app reads it itself) and the load's
options, as JSON; the reply is the load's report, or the error it raised, which the command
raises as its own. The app declines a file it cannot read (another user's, say): the
command then loads it itself, taking turns for the store file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cxmetrics.ingest.load import load_batch
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.reports import BatchReport
from cxmetrics.store import Store
from cxmetrics.store import errors as store_errors

LOAD = "load"
HANDED_NOTE = "the app that has the store open loads the file"
# The errors a load raises for the user (one-line messages), raised again by the command.
RAISED = {
    "UnreadableFile": UnreadableFile,
    "ValueError": ValueError,
    **{
        name: error
        for name, error in vars(store_errors).items()
        if isinstance(error, type) and issubclass(error, store_errors.StoreError)
    },
}


def answer(store: Store, request: dict) -> dict:
    """The host's side: load the file a command named, as `load_batch` would have for it;
    {"report": …}, {"error": …} with the one-line message of a load that failed, or
    {"declined": why} when this process cannot read the file."""
    if request.get("what") != LOAD:
        return {"declined": f"unknown request {request.get('what')!r}"}
    path = Path(request["file"])
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        return {"declined": f"the app cannot read {path.name}: {exc.strerror or exc}"}
    try:
        report = load_batch(
            store,
            request["kind"],
            path,
            mapping=request.get("mapping"),
            template=request.get("template"),
            dayfirst=request.get("dayfirst"),
            uploaded_by=request.get("uploaded_by"),
        )
    except (UnreadableFile, ValueError) as exc:  # the one-line messages of a failed load
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}
    return {"report": report.to_dict()}


def load_by_host(
    store: Store,
    kind: str,
    path: str | Path,
    *,
    mapping: dict[str, str | None] | None = None,
    template: str | None = None,
    dayfirst: bool | None = None,
    uploaded_by: str | None = None,
    waiting: Callable[[int], None] | None = None,
) -> BatchReport | None:
    """Have the process hosting this DuckDB store file (the app) load `path`; its report,
    or None when no other process hosts it or it could not do it (load it yourself).
    Raises what the load raised there (UnreadableFile, ValueError, a StoreError)."""
    request = {
        "what": LOAD,
        "kind": kind,
        "file": str(Path(path).resolve()),
        "mapping": mapping,
        "template": template,
        "dayfirst": dayfirst,
        "uploaded_by": uploaded_by,
    }
    reply = store.hand_off(request, waiting)
    if reply is None:
        return None
    if "error" in reply:
        error = reply["error"]
        raised = RAISED.get(error["type"])
        if raised is None:
            raise RuntimeError(f"the app failed to load the file: {error['message']}")
        raise raised(error["message"])
    found = reply["report"]
    return BatchReport(
        **{
            **found,
            "rejected_sample": [tuple(pair) for pair in found["rejected_sample"]],
            "duplicate_sample": [tuple(pair) for pair in found["duplicate_sample"]],
        }
    )
