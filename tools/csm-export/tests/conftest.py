import json
import sys
from pathlib import Path

import pytest

TOOL_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TOOL_DIR.parents[1]
RESOURCES = REPO_ROOT / "csm-engine" / "src" / "test" / "resources"
# The committed bundle folder is held under 12 MB: its streaming Mimi decoder and the manifest that lists it lie
# beside it (make-tiny --stream-out). The tests read the whole fixture, the two joined as the exporter writes them.
BUNDLE_DIR = RESOURCES / "tiny-csm"
STREAM_DIR = RESOURCES / "tiny-csm-stream"
REFERENCE_DIR = RESOURCES / "tiny-csm-reference"


def _joined_fixture() -> Path:
    import shutil
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="tiny-csm-joined-"))
    for p in BUNDLE_DIR.iterdir():
        if p.is_file() and p.name != "manifest.json":
            shutil.copyfile(p, d / p.name)
    shutil.copyfile(STREAM_DIR / "mimi_decoder_stream.onnx", d / "mimi_decoder_stream.onnx")
    shutil.copyfile(STREAM_DIR / "manifest.stream.json", d / "manifest.json")
    return d


FIXTURE_DIR = _joined_fixture()

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
    return bundle, ref  # the whole bundle in one folder, as FIXTURE_DIR joins the committed one
