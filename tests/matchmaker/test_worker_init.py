"""What a Celery worker process does once, when it starts."""

import gc

from matchmaker import tasks


def test_a_worker_process_freezes_what_it_holds_after_warming_up() -> None:
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        tasks._warm_worker()
        # Django's, Celery's and jieba's objects leave the collector's full passes.
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
