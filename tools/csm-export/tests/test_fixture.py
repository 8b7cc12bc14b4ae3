"""The committed tiny fixture (csm-engine/src/test/resources): no torch needed."""

import json
import shutil

import numpy as np
import pytest

from conftest import BUNDLE_DIR, FIXTURE_DIR, REFERENCE_DIR
from csm_export.manifest import verify_files

# bundle (four graphs, with the Mimi encoder) plus references
MAX_BYTES = 16 * 1000 * 1000  # 14 MB + the streaming Mimi decoder, which repeats the decoder's 1.6 MB of weights


def _read_f32(meta):
    data = np.frombuffer((REFERENCE_DIR / meta["file"]).read_bytes(), dtype="<f4")
    return data.reshape(meta["shape"])


def test_manifest_sha256_matches_files(fixture_manifest):
    assert verify_files(FIXTURE_DIR, fixture_manifest) == []


def test_every_bundle_file_is_listed(fixture_manifest):
    on_disk = {p.name for p in FIXTURE_DIR.iterdir() if p.is_file()} - {"manifest.json"}
    assert on_disk == set(fixture_manifest["files"])
    assert {"backbone.onnx", "depth_decoder.onnx", "mimi_decoder.onnx", "mimi_encoder.onnx", "mimi_decoder_stream.onnx"} <= on_disk


def test_size_limit():
    total = sum(p.stat().st_size for d in (FIXTURE_DIR, REFERENCE_DIR) for p in d.rglob("*") if p.is_file())
    assert total <= MAX_BYTES, total
    bundle = sum(p.stat().st_size for p in BUNDLE_DIR.iterdir() if p.is_file())
    assert bundle <= 12 * 2**20, f"the committed bundle folder is {bundle} bytes, over 12 MiB"


def test_committed_bundle_without_the_stream_graph_is_the_full_manifest_less_that_graph(fixture_manifest):
    small = json.loads((BUNDLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert set(small["graphs"]) == set(fixture_manifest["graphs"]) - {"mimi_decoder_stream"}
    assert set(small["files"]) == set(fixture_manifest["files"]) - {"mimi_decoder_stream.onnx"}
    assert verify_files(BUNDLE_DIR, small) == []


def test_manifest_contract(fixture_manifest):
    m = fixture_manifest
    assert m["format_version"] == 2 and m["exporter_version"]
    assert m["model"]["kind"] == "tiny-random"
    a = m["audio"]
    assert (a["num_codebooks"], a["audio_vocab_size"], a["sample_rate"], a["samples_per_frame"]) == (32, 2051, 24000, 1920)
    assert a["frame_rate"] == 12.5
    g = m["graphs"]
    assert [i["name"] for i in g["backbone"]["inputs"]] == ["tokens", "tokens_mask", "position_ids", "attention_mask", "past_kv"]
    assert [o["name"] for o in g["backbone"]["outputs"]] == ["logits", "last_hidden", "new_kv"]
    assert [i["name"] for i in g["depth_decoder"]["inputs"]] == ["last_hidden", "tokens", "past_kv"]
    assert [o["name"] for o in g["depth_decoder"]["outputs"]] == ["logits", "new_kv"]
    assert g["mimi_decoder"]["inputs"][0]["shape"] == ["batch", 32, "frames"]
    assert g["mimi_decoder"]["outputs"][0]["shape"] == ["batch", 1, "samples"]
    assert g["mimi_encoder"]["inputs"] == [{"name": "pcm", "dtype": "float32", "shape": ["batch", 1, "samples"]}]
    assert [(o["name"], o["dtype"]) for o in g["mimi_encoder"]["outputs"]] == [("codes", "int64"), ("latents", "float32")]
    assert g["mimi_encoder"]["outputs"][0]["shape"] == ["batch", 32, "frames"]
    assert m["self_check"]["graphs"]["mimi_encoder"]["failed"] == 0
    st = g["mimi_decoder_stream"]
    assert st["inputs"][0] == {"name": "codes", "dtype": "int64", "shape": ["batch", 32, "frames"]}
    assert [o["name"] for o in st["outputs"]] == ["pcm"] + [i["name"] + "_out" for i in st["inputs"][1:]]
    assert [i["name"] for i in st["inputs"][1:3]] == ["position", "kv"] and st["max_chunk_frames"] >= 5
    assert m["self_check"]["graphs"]["mimi_decoder_stream"]["failed"] == 0
    bb = m["backbone"]
    assert g["backbone"]["inputs"][4]["shape"] == ["past_seq", bb["num_layers"], 2, "batch", bb["num_kv_heads"], bb["head_dim"]]
    assert m["self_check"]["passed"] is True
    for versions_key in ("torch", "transformers", "onnx", "onnxruntime"):
        assert m["versions"][versions_key]


def test_reference_layout(reference, fixture_manifest):
    prompts = reference["prompts"]
    assert len(prompts) >= 3
    assert len({p["speaker"] for p in prompts}) >= 2 and len({p["text"] for p in prompts}) == len(prompts)
    assert reference["bundle_manifest_files"] == {k: v["sha256"] for k, v in fixture_manifest["files"].items()}
    bos, eos = fixture_manifest["text"]["bos_token_id"], fixture_manifest["text"]["eos_token_id"]
    stops = 0
    non_audio_reaching_mimi = 0
    for p in prompts:
        frames = np.asarray(p["frames"])
        assert frames.shape == (p["num_frames"], 32)
        assert p["token_ids"][0] == bos and p["token_ids"][-1] == eos
        if p["stopped_early"]:
            stops += 1
            assert p["num_frames"] < p["max_new_frames"] and p["num_audio_frames"] == p["num_frames"] - 1
            assert not frames[-1, :31].any()
        else:
            assert p["num_frames"] == p["max_new_frames"] == p["num_audio_frames"]
        assert not any((not f[:31].any()) for f in frames[: p["num_audio_frames"]])
        non_audio_reaching_mimi += int((frames[: p["num_audio_frames"]] >= 2048).sum())
        pcm = _read_f32(p["pcm"])
        assert pcm.shape == (p["num_audio_frames"] * 1920,)
        assert np.isfinite(pcm).all() and np.abs(pcm).max() > 0.05
    assert stops >= 1, "the fixture must exercise the stop rule"
    assert non_audio_reaching_mimi >= 1, "the fixture must exercise codes 2048..2050 before Mimi"
    dbg = prompts[0]["debug"]
    assert _read_f32(dbg["backbone_logits"]).shape == (prompts[0]["num_frames"], 2051)
    assert _read_f32(dbg["depth_logits_frame0"]).shape == (31, 2051)


def test_tokenizer_reproduces_reference_ids(reference):
    tokenizers = pytest.importorskip("tokenizers")
    tok = tokenizers.Tokenizer.from_file(str(FIXTURE_DIR / "tokenizer.json"))
    for p in reference["prompts"]:
        assert tok.encode(p["prompt"], add_special_tokens=True).ids == p["token_ids"]


def test_onnx_loop_reproduces_reference(reference):
    pytest.importorskip("onnxruntime")
    from csm_export.ort_engine import OrtCsm

    eng = OrtCsm(FIXTURE_DIR, threads=2)
    tol = reference["tolerances"]
    for p in reference["prompts"]:
        res = eng.generate(p["token_ids"], p["max_new_frames"])
        assert res.frames.tolist() == p["frames"]
        assert res.stopped_early == p["stopped_early"]
        pcm = eng.decode(res.audio_frames)
        ref = _read_f32(p["pcm"])
        assert pcm.shape == ref.shape
        assert float(np.max(np.abs(pcm - ref))) <= tol["pcm_max_abs_diff"]


def test_onnx_debug_values_match_reference(reference):
    pytest.importorskip("onnxruntime")
    from csm_export.ort_engine import OrtCsm, prompt_frames

    eng = OrtCsm(FIXTURE_DIR, threads=2, load_mimi=False)
    p = reference["prompts"][0]
    dbg = p["debug"]
    tokens, mask = prompt_frames(p["token_ids"])
    s = tokens.shape[1]
    past = eng._empty(eng.bb_kv_shape)
    logits, hidden, _ = eng.backbone_step(
        tokens, mask, np.arange(s, dtype=np.int64)[None], np.ones((1, s), dtype=np.int64), past
    )
    tol = reference["tolerances"]["logits_max_abs_diff"]
    assert np.max(np.abs(logits[0] - _read_f32(dbg["backbone_logits"])[0])) <= tol
    assert np.max(np.abs(hidden[0] - _read_f32(dbg["last_hidden"])[0])) <= tol
    assert int(np.argmax(logits[0])) == dbg["frame0_backbone_top5"][0]["id"] == p["frames"][0][0]
    recorded = []
    codes = eng.depth_frame(hidden, p["frames"][0][0], record_logits=recorded)
    assert codes == p["frames"][0]
    assert np.max(np.abs(np.stack(recorded) - _read_f32(dbg["depth_logits_frame0"]))) <= tol


def test_verify_detects_tampering(tmp_path):
    from csm_export.cli import main

    copy = tmp_path / "bundle"
    shutil.copytree(FIXTURE_DIR, copy)
    assert main(["verify", "--bundle", str(copy)]) == 0
    data = bytearray((copy / "mimi_decoder.onnx").read_bytes())
    data[-1] ^= 0xFF
    (copy / "mimi_decoder.onnx").write_bytes(bytes(data))
    assert main(["verify", "--bundle", str(copy)]) == 1
    manifest = json.loads((copy / "manifest.json").read_text())
    assert verify_files(copy, manifest) == ["mimi_decoder.onnx: sha256 mismatch"]


def test_context_reference_layout(reference, fixture_manifest):
    clips = {c["name"]: c for c in reference["clips"]}
    assert clips and all(c["samples"] % 1920 != 0 for c in clips.values())
    for c in clips.values():
        assert _read_f32(c["pcm"]).shape == (c["samples"],)
        assert c["num_frames"] == -(-c["samples"] // 1920) == len(c["codes"])
        assert all(0 <= code < 2048 for frame in c["codes"] for code in frame)
    prompts = reference["context_prompts"]
    assert sorted({len(p["context"]) for p in prompts}) == [1, 2]
    text = fixture_manifest["text"]
    for p in prompts:
        tokens, mask = np.asarray(p["grid_tokens"]), np.asarray(p["grid_mask"]).astype(bool)
        assert tokens.shape == mask.shape == (p["prompt_positions"], 33)
        assert p["embedding_max_abs_diff"] == 0.0
        # transformers' ids: per segment its text, one <|AUDIO|> per frame, <|audio_eos|>; then the utterance
        expected = []
        for seg in p["context"]:
            expected += seg["token_ids"] + [text["audio_token_id"]] * clips[seg["clip"]]["num_frames"] + [text["audio_eos_token_id"]]
        assert p["input_ids"] == expected + p["token_ids"]
        assert p["context_frames"] == sum(clips[seg["clip"]]["num_frames"] for seg in p["context"])
        audio_rows = mask[:, :32].all(axis=1) & ~mask[:, 32]
        text_rows = ~mask[:, :32].any(axis=1) & mask[:, 32]
        assert (audio_rows | text_rows).all()
        assert int(audio_rows.sum()) == p["context_frames"] + len(p["context"])
        assert _read_f32(p["pcm"]).shape == (p["num_audio_frames"] * 1920,)


def test_onnx_encoder_reproduces_clip_codes(reference):
    pytest.importorskip("onnxruntime")
    from csm_export.ort_engine import OrtCsm

    eng = OrtCsm(FIXTURE_DIR, threads=2)
    for c in reference["clips"]:
        assert eng.encode(_read_f32(c["pcm"])).tolist() == c["codes"], c["name"]


def test_onnx_loop_reproduces_context_reference(reference):
    pytest.importorskip("onnxruntime")
    from csm_export.ort_engine import OrtCsm, context_prompt_frames

    eng = OrtCsm(FIXTURE_DIR, threads=2)
    clips = {c["name"]: np.asarray(c["codes"]) for c in reference["clips"]}
    tol = reference["tolerances"]["pcm_max_abs_diff"]
    for p in reference["context_prompts"]:
        context = [(seg["token_ids"], clips[seg["clip"]]) for seg in p["context"]]
        tokens, mask = context_prompt_frames(context, p["token_ids"])
        assert tokens[0].tolist() == p["grid_tokens"] and mask[0].astype(int).tolist() == p["grid_mask"]
        res = eng.generate(p["token_ids"], p["max_new_frames"], context=context)
        assert res.frames.tolist() == p["frames"] and res.stopped_early == p["stopped_early"]
        pcm = eng.decode(res.audio_frames)
        assert float(np.max(np.abs(pcm - _read_f32(p["pcm"])))) <= tol


def test_stream_out_splits_a_bundle_into_the_committed_layout(tmp_path):
    from csm_export.cli import _split_stream_graph
    from conftest import STREAM_DIR

    bundle = tmp_path / "tiny-csm"
    shutil.copytree(FIXTURE_DIR, bundle)
    _split_stream_graph(bundle, tmp_path / "tiny-csm-stream")
    for name in ("manifest.json",):
        assert (bundle / name).read_bytes() == (BUNDLE_DIR / name).read_bytes()
    for p in STREAM_DIR.iterdir():
        assert (tmp_path / "tiny-csm-stream" / p.name).read_bytes() == p.read_bytes(), p.name
    assert not (bundle / "mimi_decoder_stream.onnx").exists()
