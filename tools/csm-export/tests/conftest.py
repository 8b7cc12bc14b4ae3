import json
import sys
from pathlib import Path

import pytest

TOOL_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TOOL_DIR.parents[1]
FIXTURE_DIR = REPO_ROOT / "csm-engine" / "src" / "test" / "resources" / "tiny-csm"
REFERENCE_DIR = REPO_ROOT / "csm-engine" / "src" / "test" / "resources" / "tiny-csm-reference"

if str(TOOL_DIR) not in sys.path:
    sys.path.insert(0, str(TOOL_DIR))


@pytest.fixture(scope="session")
def fixture_manifest():
    return json.loads((FIXTURE_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def reference():
    return json.loads((REFERENCE_DIR / "reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rebuilt_tiny(tmp_path_factory, reference):
    """The tiny fixture rebuilt from scratch with the committed seed (needs torch; ~2-3 min)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from csm_export.cli import main

    out = tmp_path_factory.mktemp("tiny")
    bundle, ref = out / "tiny-csm", out / "tiny-csm-reference"
    frames = reference["prompts"][0]["max_new_frames"]
    rc = main(
        ["make-tiny", "--seed", str(reference["seed"]), "--frames", str(frames), "--out", str(bundle), "--ref-out", str(ref)]
    )
    assert rc == 0
    return bundle, ref
