import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import pickle, sys
import matchmaker.engine as engine
from matchmaker import evaluate
index = engine.OutcomeIndex.build([engine.OutcomeDoc(id=1, title="碳化矽模組", abstract="SiC 功率模組封裝")])
ranking = pickle.loads(pickle.dumps(index)).rank(engine.NeedDoc(id=1, title="SiC模块", description="封装"))
assert ranking.proposals[0].id == 1, ranking
engine.NeedIndex.build([engine.NeedDoc(id=1, title="SiC模块", description="封装")])
loaded = sorted(name for name in sys.modules if name == "django" or name.startswith("django."))
print(",".join(loaded))
"""


def test_engine_and_evaluate_import_nothing_from_django() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
