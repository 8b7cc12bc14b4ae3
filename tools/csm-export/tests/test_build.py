"""The export tool itself (needs torch/transformers: run in the csm-export venv)."""

import json

import numpy as np
import pytest

from conftest import FIXTURE_DIR, REFERENCE_DIR

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from csm_export.manifest import verify_files  # noqa: E402
from csm_export.pipeline import check_codec_sensitivity  # noqa: E402
from csm_export.random_model import build_random_model  # noqa: E402
from csm_export.text_tokenizer import (  # noqa: E402
    build_tiny_tokenizer,
    has_csm_template,
    make_processor,
    prompt_ids_generator_style,
    prompt_ids_transformers_style,
    special_ids,
)


@pytest.fixture(scope="module")
def tok():
    return build_tiny_tokenizer()


def test_tokenizer_is_deterministic_and_wraps_bos_eos(tok):
    assert build_tiny_tokenizer().to_str() == tok.to_str()
    assert has_csm_template(tok)
    sp = special_ids(tok)
    assert sp == {"bos": 502, "eos": 503, "audio": 504, "audio_eos": 505}
    ids = tok.encode("[0]Hello", add_special_tokens=True).ids
    assert ids[0] == sp["bos"] and ids[-1] == sp["eos"]
    assert tok.encode("[0]Hello", add_special_tokens=False).ids == ids[1:-1]


@pytest.mark.parametrize("speaker,text", [(0, "Hello from Sesame."), (1, "What time is it? 42!"), (3, "ünïcode ✓")])
def test_original_generator_and_transformers_prompts_agree(tok, speaker, text):
    processor = make_processor(tok)
    assert prompt_ids_generator_style(tok, speaker, text) == prompt_ids_transformers_style(processor, speaker, text)


def test_random_model_is_deterministic_for_a_seed(tok):
    a = build_random_model("tiny", 4, 512, special_ids(tok)).state_dict()
    b = build_random_model("tiny", 4, 512, special_ids(tok)).state_dict()
    c = build_random_model("tiny", 5, 512, special_ids(tok)).state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_different_codes_give_different_audio(tok):
    model = build_random_model("tiny", 4, 512, special_ids(tok))
    info = check_codec_sensitivity(model, log=lambda *_: None)
    assert min(info["pcm_change_per_codebook"].values()) > 1e-2
    # transformers' own initialization (zero codebooks) must be rejected
    from transformers.models.mimi.modeling_mimi import MimiEuclideanCodebook

    with torch.no_grad():
        for m in model.codec_model.modules():
            if isinstance(m, MimiEuclideanCodebook):
                m.embed_sum.zero_()
                m._embed = None
    with pytest.raises(AssertionError):
        check_codec_sensitivity(model, log=lambda *_: None)


def test_rebuilt_fixture_passes_self_check(rebuilt_tiny):
    bundle, _ = rebuilt_tiny
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert verify_files(bundle, manifest) == []
    sc = manifest["self_check"]
    assert sc["passed"] and sc["greedy_loop"]["mismatched_frames"] == 0
    for graph in ("backbone", "depth_decoder", "mimi_decoder", "mimi_encoder", "mimi_decoder_stream"):
        assert sc["graphs"][graph]["failed"] == 0
    assert sc["greedy_loop"]["prompts"] == 3  # two text prompts and one with a context segment


def test_rebuilt_fixture_matches_committed(rebuilt_tiny, fixture_manifest):
    """Same seed, same versions -> byte-identical files; other versions -> same codes, close audio."""
    bundle, ref = rebuilt_tiny
    new_manifest = json.loads((bundle / "manifest.json").read_text())
    new_ref = json.loads((ref / "reference.json").read_text())
    old_ref = json.loads((REFERENCE_DIR / "reference.json").read_text())
    for a, b in zip(new_ref["prompts"], old_ref["prompts"]):
        assert a["token_ids"] == b["token_ids"]
        assert a["frames"] == b["frames"]
        pa = np.frombuffer((ref / a["pcm"]["file"]).read_bytes(), "<f4")
        pb = np.frombuffer((REFERENCE_DIR / b["pcm"]["file"]).read_bytes(), "<f4")
        assert np.max(np.abs(pa - pb)) <= 1e-4
    if new_manifest["versions"] == fixture_manifest["versions"]:
        for name in list(fixture_manifest["files"]) + ["manifest.json"]:
            assert (bundle / name).read_bytes() == (FIXTURE_DIR / name).read_bytes(), name
        for p in REFERENCE_DIR.iterdir():
            assert (ref / p.name).read_bytes() == p.read_bytes(), p.name


def test_export_random_init_checkpoint_roundtrip(tmp_path):
    """`export --random-init` saves a checkpoint; `export --model <checkpoint>` (the pretrained
    code path) and `self-check` work from it and give the same codes."""
    from csm_export.cli import main
    from csm_export.ort_engine import OrtCsm

    a, ckpt, b = tmp_path / "a", tmp_path / "a.hf", tmp_path / "b"
    assert main(["export", "--random-init", "--config", "tiny", "--seed", "11", "--out", str(a), "--greedy-frames", "4"]) == 0
    assert (ckpt / "config.json").exists() and (ckpt / "tokenizer.json").exists()
    assert main(["export", "--model", str(ckpt), "--out", str(b), "--greedy-frames", "4"]) == 0
    mb = json.loads((b / "manifest.json").read_text())
    assert mb["model"]["kind"] == "pretrained" and mb["self_check"]["passed"]
    assert main(["self-check", "--bundle", str(a), "--checkpoint", str(ckpt), "--greedy-frames", "3"]) == 0
    ids = [502, 58, 15, 60, 428, 503]
    ra = OrtCsm(a, load_mimi=False).generate(ids, 3).frames
    rb = OrtCsm(b, load_mimi=False).generate(ids, 3).frames
    assert np.array_equal(ra, rb)


def test_self_check_of_a_mismatched_model_raises_parity_error_naming_each_output(rebuilt_tiny, tok, tmp_path):
    """A bundle checked against other weights fails with a typed error listing the max |diff| per output."""
    import shutil

    from csm_export.pipeline import self_check_bundle
    from csm_export.selfcheck import ParityError

    bundle = tmp_path / "bundle"
    shutil.copytree(rebuilt_tiny[0], bundle)
    manifest = json.loads((bundle / "manifest.json").read_text())
    other = build_random_model("tiny", 5, 512, special_ids(tok))
    with pytest.raises(ParityError) as err:
        self_check_bundle(other, bundle, manifest, [], 0, log=lambda *_: None)
    failed = {(f["graph"], f["check"]) for f in err.value.failures}
    assert {g for g, _ in failed} >= {"backbone", "depth_decoder", "mimi_decoder", "mimi_encoder", "mimi_decoder_stream"}
    assert all(f["max_abs_diff"] > f["bound"] for f in err.value.failures if "bound" in f)
    assert "max|diff|" in str(err.value) and "backbone" in str(err.value)
    assert json.loads((bundle / "manifest.json").read_text())["self_check"]["passed"] is False
