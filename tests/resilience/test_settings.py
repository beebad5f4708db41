"""The fault-handling settings come from the environment and keep their promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests import live

PROBE = """
import json
from config.settings import base as s
print(json.dumps({
    "transport": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "retry": s.CELERY_TASK_PUBLISH_RETRY_POLICY,
    "alive": s.CELERY_WORKER_PROC_ALIVE_TIMEOUT,
    "sweeps": {k: v["schedule"].total_seconds() for k, v in s.CELERY_BEAT_SCHEDULE.items() if k.startswith("sweep-")},
}))
"""


def _settings(**env: str) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "MATCHMAKER_SWEEP"))}
    base.update({"DJANGO_SECRET_KEY": "settings-probe-key-0123456789abcdefghijklmnop", "DJANGO_DEBUG": "0", **env})
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=live.ROOT, env=base, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_bound_a_publish_and_keep_a_long_visibility_timeout():
    values = _settings()
    transport = values["transport"]
    assert transport["visibility_timeout"] == 3600
    assert transport["socket_connect_timeout"] <= 1 and transport["socket_timeout"] <= 1
    # Worst case on a dead broker: (retries + 1) socket timeouts plus the pauses.
    retry = values["retry"]
    worst = (retry["max_retries"] + 1) * transport["socket_timeout"] + retry["max_retries"] * retry["interval_max"]
    assert retry["max_retries"] >= 1 and worst <= 3
    assert values["alive"] >= 10
    assert values["sweeps"] == {"sweep-unprepared-text": 300.0, "sweep-unmatched-needs": 300.0}


def test_the_environment_sets_visibility_restore_and_sweep_intervals():
    values = _settings(
        CELERY_VISIBILITY_TIMEOUT="20", CELERY_UNACKED_RESTORE_INTERVAL="1", MATCHMAKER_SWEEP_SECONDS="2"
    )
    assert values["transport"]["visibility_timeout"] == 20
    assert values["transport"]["unacked_restore_interval"] == 1
    assert set(values["sweeps"].values()) == {2.0}
