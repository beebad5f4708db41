"""Index artifacts: built from the database, saved atomically, loaded by every worker.

The newest IndexBuild row of a kind names the artifact in force. A process keeps the
index it loaded and reloads when that row changes. Rows added, edited or withdrawn
since the build are applied to the loaded index incrementally (`OutcomeIndex.add` /
`.remove`, under the build's vocabulary and IDF), so a committed outcome is matchable
at the next query without a rebuild; every process applies the same changes from the
database. The nightly full build (Celery beat) refreshes vocabulary and weights, and
is the same as building from scratch. An incompatible or unreadable artifact, other matching
settings, another lexicon, a large batch of changes or hard-deleted rows mean a full rebuild.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from matchmaker import engine
from matchmaker.documents import need_doc, outcome_doc
from matchmaker.lexicon_sync import sync_lexicon
from matchmaker.models import IndexBuild
from needs.models import Need
from outcomes.models import Outcome

logger = logging.getLogger(__name__)

_lock = threading.RLock()
# When this process last made sure each kind's index matched the database (time.monotonic()).
_checked: dict[str, float] = {}


@dataclass
class _Held:
    version: str  # the IndexBuild (artifact) the index started from
    index: object
    signature: str  # corpus_signature() the index is up to date with


_loaded: dict[str, _Held] = {}
# Past this many changed rows since the build, a full rebuild is cheaper than adding them one by one.
INCREMENTAL_LIMIT = 5000
# Below this many rows a full rebuild takes about a second and is exact (fresh vocabulary and IDF),
# so small libraries keep rebuilding on every change; larger ones are updated incrementally.
INCREMENTAL_MIN_DOCS = 20000


def engine_settings() -> engine.MatchSettings:
    """The matcher's settings: the engine's defaults with MATCHMAKER_ENGINE_SETTINGS applied."""
    return engine.settings_with(settings.MATCHMAKER_ENGINE_SETTINGS)


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
    """A fingerprint of the indexed rows; any add, edit or withdrawal changes it.

    Three small queries rather than one aggregate: the newest edit and preparation are each an
    index lookup (the (status, updated_at) and (status, text_prepared_at) indexes, read from the
    newest end), where one COUNT + MAX + MAX statement scanned the whole library (140–335 ms at
    106,000 rows on SQLite).
    """
    rows = _queryset(kind)
    count = rows.count()
    edited = rows.order_by("-updated_at").values_list("updated_at", flat=True).first()
    prepared = (
        rows.filter(text_prepared_at__isnull=False)
        .order_by("-text_prepared_at")
        .values_list("text_prepared_at", flat=True)
        .first()
    )
    edited_mark = edited.isoformat() if edited else "-"
    prepared_mark = prepared.isoformat() if prepared else "-"
    return f"{count}|{edited_mark}|{prepared_mark}|{engine.lexicon_version()}|{engine.FORMAT_VERSION}"


def build_index(kind: str) -> IndexBuild:
    """Build the index of `kind` from the database, save it atomically, and record it."""
    lexicon = sync_lexicon()
    started = time.perf_counter()
    signature = corpus_signature(kind)
    match_settings = engine_settings()
    if kind == IndexBuild.Kind.OUTCOMES:
        docs = [outcome_doc(o) for o in indexed_outcomes().select_related("institution").iterator(chunk_size=2000)]
        index = engine.OutcomeIndex.build(docs, match_settings)
    else:
        docs = [need_doc(n) for n in indexed_needs().iterator(chunk_size=2000)]
        index = engine.NeedIndex.build(docs, match_settings)
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
        settings_digest=match_settings.digest(),
        doc_count=len(docs),
        corpus_signature=signature,
        seconds=time.perf_counter() - started,
    )
    with _lock:
        _loaded[kind] = _Held(version, index, signature)
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
    return (
        build.format_version == engine.FORMAT_VERSION
        and build.sklearn_version == _sklearn_version()
        and build.settings_digest == engine_settings().digest()
    )


def mark_stale(kind: str | None = None) -> None:
    """This process changed rows of `kind` (all kinds with None): check freshness on the next use."""
    with _lock:
        if kind is None:
            _checked.clear()
        else:
            _checked.pop(kind, None)


def current_index(kind: str):
    """The index in force for `kind`, fresh for the database as it is now.

    Loads the newest artifact when this process holds another version, rebuilds when
    there is none or it is incompatible (engine, libraries, matching settings or lexicon changed), and
    applies rows changed since then incrementally. The check costs a count over the library
    and two index lookups (about 12 ms at 106,000 rows on SQLite), so a process repeats it at
    most every MATCHMAKER_INDEX_FRESHNESS_MS; its own writes mark the index stale at once.
    """
    window = settings.MATCHMAKER_INDEX_FRESHNESS_MS / 1000
    with _lock:
        held = _loaded.get(kind)
        if held is not None and window > 0 and time.monotonic() - _checked.get(kind, -window) < window:
            return held.index
    lexicon = sync_lexicon()
    build = IndexBuild.objects.filter(kind=kind).order_by("-built_at", "-id").first()
    if build is None or not _compatible(build) or build.lexicon_version != lexicon:
        build = build_index(kind)
    with _lock:
        held = _loaded.get(kind)
        if held is None or held.version != build.version:
            held = _load(kind, build)
        signature = corpus_signature(kind)
        if held.signature != signature and not _apply_changes(kind, held, signature):
            build_index(kind)
            held = _loaded[kind]
        _checked[kind] = time.monotonic()
        return held.index


def _load(kind: str, build: IndexBuild) -> _Held:
    try:
        with open(build.path, "rb") as fh:
            index = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, engine.IncompatibleIndexError, AttributeError, ModuleNotFoundError):
        logger.warning("index artifact %s unreadable; rebuilding", build.path, exc_info=True)
        build_index(kind)
        return _loaded[kind]
    held = _loaded[kind] = _Held(build.version, index, build.corpus_signature)
    return held


def _marks(signature: str) -> tuple[str, str]:
    _, edited, prepared, *_ = signature.split("|")
    return edited, prepared


def _apply_changes(kind: str, held: _Held, signature: str) -> bool:
    """Bring `held` up to `signature` by re-adding rows edited or prepared since; False: rebuild instead."""
    model = Outcome if kind == IndexBuild.Kind.OUTCOMES else Need
    edited, prepared = _marks(held.signature)
    changed = Q()
    # ">=": rows stamped in the same instant as the mark are applied again, which is harmless.
    if edited != "-":
        changed |= Q(updated_at__gte=edited)
    if prepared != "-":
        changed |= Q(text_prepared_at__gte=prepared)
    # Every status spelled out, so each (status, updated_at / text_prepared_at) index serves the
    # ranges instead of a scan of the library (withdrawn rows count: they must leave the index).
    rows = model.objects.filter(status__in=model.Status.values)
    rows = rows.filter(changed) if changed else rows
    ids = list(rows.values_list("pk", flat=True)[: INCREMENTAL_LIMIT + 1])
    if len(ids) > INCREMENTAL_LIMIT or len(held.index) < INCREMENTAL_MIN_DOCS:  # type: ignore[arg-type]
        return False
    # By primary key, the status checked here: a status filter in the query makes SQLite walk the
    # status index over the whole library.
    if kind == IndexBuild.Kind.OUTCOMES:
        outcomes = Outcome.objects.filter(pk__in=ids).select_related("institution")
        docs = [outcome_doc(o) for o in outcomes if o.is_available()]
    else:
        docs = [need_doc(n) for n in Need.objects.filter(pk__in=ids) if n.is_open()]
    index = held.index
    gone = set(ids) - {doc.id for doc in docs}
    index.remove(sorted(gone))  # type: ignore[attr-defined]
    if docs:
        if not len(index):  # type: ignore[arg-type]
            return False  # nothing to take the vocabulary from
        index.add(docs)  # type: ignore[attr-defined]
    count = int(signature.split("|", 1)[0])
    if len(index) != count:  # type: ignore[arg-type]
        return False  # rows deleted outright, or a change the marks cannot see
    held.signature = signature
    logger.info("applied %d changed %s rows to index %s", len(ids), kind, held.version)
    return True


def current_outcome_index() -> engine.OutcomeIndex:
    return current_index(IndexBuild.Kind.OUTCOMES)


def current_need_index() -> engine.NeedIndex:
    return current_index(IndexBuild.Kind.NEEDS)


def current_version(kind: str) -> str:
    with _lock:
        held = _loaded.get(kind)
    return held.version if held else ""


def forget_loaded() -> None:
    """Drop the in-process copies (tests, and workers after a fork)."""
    with _lock:
        _loaded.clear()
        _checked.clear()
