"""Index artifacts: built from the database, saved atomically, loaded by every worker.

The newest IndexBuild row of a kind names the artifact in force. A process keeps the
index it loaded and reloads when that row changes; a build whose corpus no longer
matches the database (rows added, edited or withdrawn since) is rebuilt on demand.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

from matchmaker import engine
from matchmaker.documents import need_doc, outcome_doc
from matchmaker.lexicon_sync import sync_lexicon
from matchmaker.models import IndexBuild
from needs.models import Need
from outcomes.models import Outcome

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[str, tuple[str, object]] = {}


def index_dir() -> Path:
    path = Path(settings.MATCHMAKER_INDEX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def indexed_outcomes():
    """Outcomes a need may be matched with."""
    return Outcome.objects.available()


def indexed_needs():
    """Needs a new outcome may be matched with."""
    return Need.objects.open()


def _queryset(kind: str):
    return indexed_outcomes() if kind == IndexBuild.Kind.OUTCOMES else indexed_needs()


def corpus_signature(kind: str) -> str:
    """A fingerprint of the indexed rows, in one aggregate query; any add, edit or withdrawal changes it."""
    agg = _queryset(kind).aggregate(n=Count("id"), edited=Max("updated_at"), prepared=Max("text_prepared_at"))
    edited = agg["edited"].isoformat() if agg["edited"] else "-"
    prepared = agg["prepared"].isoformat() if agg["prepared"] else "-"
    return f"{agg['n']}|{edited}|{prepared}|{engine.lexicon_version()}|{engine.FORMAT_VERSION}"


def build_index(kind: str) -> IndexBuild:
    """Build the index of `kind` from the database, save it atomically, and record it."""
    lexicon = sync_lexicon()
    started = time.perf_counter()
    signature = corpus_signature(kind)
    if kind == IndexBuild.Kind.OUTCOMES:
        docs = [outcome_doc(o) for o in indexed_outcomes().select_related("institution").iterator(chunk_size=2000)]
        index = engine.OutcomeIndex.build(docs, settings.MATCHMAKER_ENGINE_SETTINGS)
    else:
        docs = [need_doc(n) for n in indexed_needs().iterator(chunk_size=2000)]
        index = engine.NeedIndex.build(docs, settings.MATCHMAKER_ENGINE_SETTINGS)
    version = uuid.uuid4().hex
    path = index_dir() / f"{kind}-{version}.pkl"
    # Write to a temporary file and rename it: a reader never sees half an artifact.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pkl")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    build = IndexBuild.objects.create(
        kind=kind,
        version=version,
        path=str(path),
        format_version=engine.FORMAT_VERSION,
        lexicon_version=lexicon,
        sklearn_version=_sklearn_version(),
        doc_count=len(docs),
        corpus_signature=signature,
        seconds=time.perf_counter() - started,
    )
    with _lock:
        _loaded[kind] = (version, index)
    _prune(kind, keep=build)
    logger.info("built %s index %s: %d documents in %.2fs", kind, version, len(docs), build.seconds)
    return build


def _sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


def _prune(kind: str, keep: IndexBuild, keep_last: int = 3) -> None:
    """Delete old artifacts; the last few stay so a worker mid-load never loses its file."""
    old = IndexBuild.objects.filter(kind=kind).exclude(pk=keep.pk).order_by("-built_at", "-id")[keep_last - 1 :]
    for build in old:
        Path(build.path).unlink(missing_ok=True)
        build.delete()


def _compatible(build: IndexBuild) -> bool:
    return build.format_version == engine.FORMAT_VERSION and build.sklearn_version == _sklearn_version()


def current_index(kind: str):
    """The index in force for `kind`, fresh for the database as it is now.

    Loads the newest artifact when this process holds another version, and rebuilds
    when there is none, it is incompatible (engine or scikit-learn upgraded), or the
    corpus changed since it was built.
    """
    sync_lexicon()
    build = IndexBuild.objects.filter(kind=kind).order_by("-built_at", "-id").first()
    if build is None or not _compatible(build) or build.corpus_signature != corpus_signature(kind):
        build = build_index(kind)
    with _lock:
        held = _loaded.get(kind)
        if held is not None and held[0] == build.version:
            return held[1]
    try:
        with open(build.path, "rb") as fh:
            index = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, engine.IncompatibleIndexError, AttributeError, ModuleNotFoundError):
        logger.warning("index artifact %s unreadable; rebuilding", build.path, exc_info=True)
        build = build_index(kind)
        return _loaded[kind][1]
    with _lock:
        _loaded[kind] = (build.version, index)
    return index


def current_outcome_index() -> engine.OutcomeIndex:
    return current_index(IndexBuild.Kind.OUTCOMES)


def current_need_index() -> engine.NeedIndex:
    return current_index(IndexBuild.Kind.NEEDS)


def current_version(kind: str) -> str:
    with _lock:
        held = _loaded.get(kind)
    return held[0] if held else ""


def forget_loaded() -> None:
    """Drop the in-process copies (tests, and workers after a fork)."""
    with _lock:
        _loaded.clear()
