import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"


def shared_data() -> Path:
    "The real data folder: $SLUMBERNET_DATA, else ../shared/data beside the repository."
    return Path(os.environ.get("SLUMBERNET_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared():
    path = shared_data()
    if not path.exists():
        pytest.skip(f"real data folder {path} is absent (set SLUMBERNET_DATA to use it)")
    return path
