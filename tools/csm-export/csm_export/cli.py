"""Command line: python -m csm_export {export,make-tiny,self-check,verify,bench} ..."""

from __future__ import annotations

import argparse
import json
import shutil
import os
import sys
import time
from pathlib import Path

DEFAULT_TINY_SEED = 4
DEFAULT_TINY_FRAMES = 24
SELF_CHECK_PROMPTS = [(0, "Hello from Sesame."), (1, "How are you today? I am fine, thank you.")]
GREEDY_FRAMES = {"tiny": 32, "mid": 12, "csm-1b": 4, "pretrained": 8}

TINY_REGEN = (
    "cd tools/csm-export && ~/.venvs/csm-export/bin/python -m csm_export make-tiny --seed {seed} --frames {frames}"
    " --out ../../csm-engine/src/test/resources/tiny-csm --ref-out ../../csm-engine/src/test/resources/tiny-csm-reference"
)


def _log(msg: str) -> None:
    print(msg, flush=True)


def _quiet_libraries() -> None:
    import logging

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # `verify` runs without transformers
        hf_logging = None
    if hf_logging is not None:
        hf_logging.set_verbosity_error()
    for name in ("torch.onnx", "torch.onnx._internal.exporter._registration", "onnxscript"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _prompt_ids(tok, prompts):
    from .text_tokenizer import prompt_ids_generator_style

    return [prompt_ids_generator_style(tok, s, t) for s, t in prompts]


def _threads(n: int | None) -> None:
    import torch

    if n:
        torch.set_num_threads(n)


# --------------------------------------------------------------------------- export
def cmd_export(args) -> int:
    import torch

    from .pipeline import check_codec_sensitivity, dir_size, export_bundle, save_checkpoint, self_check_bundle
    from .random_model import build_random_model, count_parameters
    from .text_tokenizer import build_tiny_tokenizer, has_csm_template, install_csm_template, special_ids

    _threads(args.threads)
    out = Path(args.out).expanduser()
    t0 = time.time()
    if args.random_init:
        preset = args.config
        tok = build_tiny_tokenizer()
        text_vocab = 128256 if preset == "csm-1b" else tok.get_vocab_size()
        _log(f"building random-init CSM (preset {preset}, seed {args.seed}) ...")
        model = build_random_model(preset, args.seed, text_vocab, special_ids(tok))
        check_codec_sensitivity(model, log=_log)
        info = {
            "name": f"random-init-{preset}",
            "kind": "tiny-random" if preset == "tiny" else "random-init",
            "preset": preset,
            "seed": args.seed,
            "source": "random weights (transformers initialization, Mimi codebooks randomized)",
            "tokenizer": "tiny byte-level BPE (no Hub access): token ids < 512",
            "parameters": count_parameters(model),
        }
        greedy = GREEDY_FRAMES[preset] if args.greedy_frames is None else args.greedy_frames
    else:
        from transformers import CsmForConditionalGeneration

        token = os.environ.get("HF_TOKEN")
        _log(f"loading {args.model} (revision {args.revision or 'default'}) ...")
        model = CsmForConditionalGeneration.from_pretrained(
            args.model, revision=args.revision, token=token, dtype=torch.float32
        )
        model.eval()
        tok = _load_tokenizer(args.model, args.revision, token)
        if not has_csm_template(tok):
            _log("tokenizer.json lacks the <|begin_of_text|> $A <|end_of_text|> post-processor: installing it")
            install_csm_template(tok)
        info = {
            "name": args.model,
            "kind": "pretrained",
            "revision": args.revision or getattr(model.config, "_commit_hash", None),
            "source": "Hugging Face checkpoint",
            "parameters": count_parameters(model),
        }
        greedy = GREEDY_FRAMES["pretrained"] if args.greedy_frames is None else args.greedy_frames
    _log("parameters: " + json.dumps(info["parameters"]))

    if args.random_init and not args.no_checkpoint:
        ckpt = Path(args.checkpoint_dir).expanduser() if args.checkpoint_dir else out.with_name(out.name + ".hf")
        save_checkpoint(model, tok, ckpt, info, log=_log)
        info["checkpoint_dir"] = str(ckpt)

    manifest = export_bundle(model, tok, out, info, dtype=args.dtype, verbose=args.verbose, log=_log)
    _log(f"bundle written to {out} ({dir_size(out) / 1e6:.1f} MB) in {time.time() - t0:.0f} s")
    rc = 0
    if not args.no_self_check:
        summary = self_check_bundle(model, out, manifest, _prompt_ids(tok, SELF_CHECK_PROMPTS), greedy, log=_log)
        rc = 0 if summary["passed"] else 1
    _log(f"done in {time.time() - t0:.0f} s")
    return rc


def _load_tokenizer(model_id: str, revision, token):
    from tokenizers import Tokenizer

    p = Path(model_id).expanduser()
    if p.is_dir():
        return Tokenizer.from_file(str(p / "tokenizer.json"))
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(model_id, "tokenizer.json", revision=revision, token=token)
    return Tokenizer.from_file(path)


# ------------------------------------------------------------------------- make-tiny
def cmd_make_tiny(args) -> int:
    from .pipeline import check_codec_sensitivity, dir_size, export_bundle, save_checkpoint, self_check_bundle
    from .random_model import build_random_model, count_parameters, install_stop_trigger, verify_stop_trigger
    from .reference import (
        DEFAULT_PROMPTS,
        describe,
        describe_context,
        generate_context_reference,
        generate_reference,
        CONTEXT_FRAMES,
        onnx_vs_context_reference,
        onnx_vs_reference,
        write_reference,
    )
    from .text_tokenizer import build_tiny_tokenizer, make_processor, special_ids

    _threads(args.threads)
    t0 = time.time()
    out = Path(args.out).expanduser()
    tok = build_tiny_tokenizer()
    model = build_random_model(args.preset, args.seed, tok.get_vocab_size(), special_ids(tok))
    codec_info = check_codec_sensitivity(model, log=_log)
    processor = make_processor(tok)
    trigger = None
    results = None
    if args.ref_out:
        if args.preset == "tiny" and not args.no_stop_trigger:
            trigger = install_stop_trigger(model, tok, processor, args.frames, log=_log)
        _log(f"computing transformers reference outputs ({len(DEFAULT_PROMPTS)} prompts x {args.frames} frames) ...")
        results = generate_reference(model, tok, processor, DEFAULT_PROMPTS, args.frames)
        for line in describe(results):
            _log(line)
        if trigger is not None:
            verify_stop_trigger(results, trigger)
        _log(f"computing transformers reference outputs with context (clips encoded by transformers' Mimi) ...")
        ctx_results, ctx_clips, ctx_encoded = generate_context_reference(model, tok, processor)
        for line in describe_context(ctx_results):
            _log(line)
        gap = min(m for _, m in ctx_encoded.values())
        _log(f"smallest nearest/second-nearest codebook distance gap of the clips: {gap:.2e}")
        margin = min(min(r["min_margin_backbone"], r["min_margin_depth"]) for r in results + ctx_results)
        _log(f"smallest top-1/top-2 logit margin over all greedy choices: {margin:.2e} (required >= {args.min_margin:g})")
        if margin < args.min_margin:
            _log("a greedy choice is too close to a tie for a robust token-exact fixture: try another --seed")
            return 1
    info = {
        "name": "tiny-random" if args.preset == "tiny" else f"random-init-{args.preset}",
        "kind": "tiny-random" if args.preset == "tiny" else "random-init",
        "preset": args.preset,
        "seed": args.seed,
        "source": "random weights (transformers initialization, Mimi codebooks randomized)",
        "tokenizer": "tiny byte-level BPE with Llama 3 special tokens and CSM's template",
        "parameters": count_parameters(model),
        "codec_sensitivity": codec_info,
    }
    if trigger is not None:
        info["stop_trigger"] = trigger
    _log("parameters: " + json.dumps(info["parameters"]))
    if args.checkpoint_dir:
        save_checkpoint(model, tok, Path(args.checkpoint_dir).expanduser(), info, log=_log)
    manifest = export_bundle(model, tok, out, info, dtype="fp32", verbose=args.verbose, log=_log)
    _log(f"bundle written to {out} ({dir_size(out) / 1e6:.2f} MB)")

    greedy = GREEDY_FRAMES.get(args.preset, 16) if args.greedy_frames is None else args.greedy_frames
    summary = self_check_bundle(model, out, manifest, _prompt_ids(tok, SELF_CHECK_PROMPTS), greedy, log=_log)
    if not summary["passed"]:
        return 1
    if args.ref_out:
        ref_dir = Path(args.ref_out).expanduser()
        onnx = onnx_vs_reference(out, results, args.frames)
        for i, o in enumerate(onnx):
            _log(f"  onnx loop vs reference, prompt {i}: codes equal {o['codes_equal']}, pcm max|diff| {o['pcm_max_abs_diff']:.3e}")
        ctx_onnx = onnx_vs_context_reference(out, ctx_results, ctx_clips, ctx_encoded, CONTEXT_FRAMES)
        _log(f"  onnx encoder vs transformers on the clips: codes equal {ctx_onnx['clip_codes_equal']}")
        for i, o in enumerate(ctx_onnx["prompts"]):
            _log(f"  onnx loop vs reference, context prompt {i}: codes equal {o['codes_equal']}, pcm max|diff| {o['pcm_max_abs_diff']:.3e}")
        onnx_all = onnx + ctx_onnx["prompts"]
        regen = TINY_REGEN.format(seed=args.seed, frames=args.frames)
        context = {"results": ctx_results, "clips": ctx_clips, "encoded": ctx_encoded, "onnx": ctx_onnx}
        write_reference(results, ref_dir, manifest, args.frames, args.seed, onnx, regen, context)
        _write_regenerate_md(ref_dir, args.seed, args.frames)
        ok = all(o["codes_equal"] and o["pcm_max_abs_diff"] <= 1e-4 for o in onnx_all)
        ok = ok and all(ctx_onnx["clip_codes_equal"].values())
        _log(f"reference written to {ref_dir} ({dir_size(ref_dir) / 1e6:.2f} MB)")
        if not ok:
            _log("ONNX loop does not reproduce the reference")
            return 1
    if args.stream_out:
        _split_stream_graph(out, Path(args.stream_out).expanduser())
    _log(f"done in {time.time() - t0:.0f} s")
    return 0


STREAM_FILE = "mimi_decoder_stream.onnx"
STREAM_MANIFEST = "manifest.stream.json"


def _split_stream_graph(bundle: Path, stream_dir: Path) -> None:
    """Moves the streaming Mimi decoder beside the bundle (the committed fixture's folder is held under 12 MB).

    ``stream_dir`` gets the graph and the full manifest (``manifest.stream.json``); the bundle keeps a manifest
    without the streaming graph, which is still a valid bundle (the graph is optional). The engine's tests join the
    two (csm-engine ``TinyStreamBundle``).
    """
    from .manifest import write_manifest
    stream_dir.mkdir(parents=True, exist_ok=True)
    full = json.loads((bundle / "manifest.json").read_text())
    shutil.move(str(bundle / STREAM_FILE), str(stream_dir / STREAM_FILE))
    shutil.copyfile(bundle / "manifest.json", stream_dir / STREAM_MANIFEST)
    full["graphs"].pop("mimi_decoder_stream", None)
    full["files"].pop(STREAM_FILE, None)
    write_manifest(full, bundle)
    from .pipeline import dir_size
    _log(f"streaming decoder moved to {stream_dir} (bundle {dir_size(bundle) / 1e6:.2f} MB)")


def _write_regenerate_md(ref_dir: Path, seed: int, frames: int) -> None:
    text = f"""# Regenerating the tiny CSM fixtures

`../tiny-csm/` (the ONNX bundle) and this directory (transformers' reference outputs)
are generated together, deterministically from the seed, by one command run from the
repository root in the csm-export virtual environment (see `tools/csm-export/README.md`):

```bash
cd tools/csm-export && ~/.venvs/csm-export/bin/python -m csm_export make-tiny \\
    --seed {seed} --frames {frames} \\
    --out ../../csm-engine/src/test/resources/tiny-csm \\
    --ref-out ../../csm-engine/src/test/resources/tiny-csm-reference \\
    --stream-out ../../csm-engine/src/test/resources/tiny-csm-stream
```

`--stream-out` keeps the bundle folder under the fixture's 12 MB: the streaming Mimi decoder (which repeats the
decoder's weights) and the manifest that lists it go to `../tiny-csm-stream/`; csm-engine's tests join them.

The command builds the tiny random CSM, exports the bundle, runs the self-check (every
graph against the PyTorch modules, and a greedy ONNX loop against transformers'
`generate`), then computes the reference outputs with transformers and checks that the
ONNX loop reproduces them. The file layout is described in `docs/BUNDLE-FORMAT.md`
("Reference outputs"). Versions used are recorded in `reference.json` and in
`../tiny-csm/manifest.json`.
"""
    (ref_dir / "REGENERATE.md").write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------ self-check
def cmd_self_check(args) -> int:
    import torch
    from transformers import CsmForConditionalGeneration

    from .ort_engine import load_manifest
    from .pipeline import self_check_bundle
    from .text_tokenizer import build_tiny_tokenizer
    from tokenizers import Tokenizer

    _threads(args.threads)
    bundle = Path(args.bundle).expanduser()
    manifest = load_manifest(bundle)
    model = CsmForConditionalGeneration.from_pretrained(args.checkpoint, dtype=torch.float32).eval()
    tok = Tokenizer.from_file(str(bundle / "tokenizer.json")) if (bundle / "tokenizer.json").exists() else build_tiny_tokenizer()
    summary = self_check_bundle(model, bundle, manifest, _prompt_ids(tok, SELF_CHECK_PROMPTS), args.greedy_frames, log=_log)
    return 0 if summary["passed"] else 1


# ---------------------------------------------------------------------------- check-mimi-stream
def cmd_check_mimi_stream(args) -> int:
    """A preset's Mimi alone with random weights (``mid``: the full-size codec): export the one-shot and the streaming
    decoder, then the streaming self-check (chunks 1, 2, 5 and a mix against the one-shot graph and transformers)."""
    import torch
    from transformers import MimiConfig, MimiModel

    from .configs import PRESETS
    from .export_onnx import export_mimi_decoders
    from .random_model import normalize_mimi_output, randomize_mimi_codebooks
    from .selfcheck import TOLERANCES, Check, _diff, stream_checks

    _threads(args.threads)
    preset = PRESETS[args.config]
    torch.manual_seed(args.seed)
    codec = MimiModel(MimiConfig(**preset.codec) if preset.codec is not None else MimiConfig()).eval()
    gen = torch.Generator().manual_seed(args.seed + 1)
    randomize_mimi_codebooks(codec, gen)
    normalize_mimi_output(codec, gen)
    out = Path(args.out).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    specs = export_mimi_decoders(codec, out, log=_log)
    checks = []

    def add(graph, name, got, ref, kind):
        d, sc = _diff(got, ref)
        c = Check(graph, name, d, sc, TOLERANCES["float32"][kind])
        checks.append(c)
        _log(c.line())

    stream_checks(_MimiOnly(out, specs, args.threads or 2), _CodecHolder(codec), add)
    failed = [c for c in checks if not c.ok]
    _log(f"check-mimi-stream {args.config}: {len(checks) - len(failed)}/{len(checks)} ok")
    return 1 if failed else 0


class _MimiOnly:
    """The two Mimi decoder sessions of a directory, shaped like ``OrtCsm`` for :func:`selfcheck.stream_checks`."""

    def __init__(self, out: Path, specs: dict, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        self.manifest = {"graphs": specs}
        self.mimi = ort.InferenceSession(str(out / specs["mimi_decoder"]["file"]), opts, providers=["CPUExecutionProvider"])
        self.stream = ort.InferenceSession(str(out / specs["mimi_decoder_stream"]["file"]), opts, providers=["CPUExecutionProvider"])


class _CodecHolder:
    """``model.codec_model`` and ``model.config.codec_config`` of a bare MimiModel."""

    def __init__(self, codec):
        from types import SimpleNamespace

        self.codec_model = codec
        self.config = SimpleNamespace(codec_config=codec.config)


# ---------------------------------------------------------------------------- verify
def cmd_verify(args) -> int:
    from .manifest import verify_files

    bundle = Path(args.bundle).expanduser()
    problems = verify_files(bundle)
    if problems:
        for p in problems:
            _log("  " + p)
        _log("verify FAILED")
        return 1
    _log("verify ok: every file listed in manifest.json has the recorded size and sha256")
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m csm_export", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)

    e = sub.add_parser("export", help="export a CSM checkpoint (or a random-init CSM) to an ONNX bundle")
    e.add_argument("--model", default="sesame/csm-1b", help="Hub id or local directory (token from HF_TOKEN)")
    e.add_argument("--revision", default=None)
    e.add_argument("--out", required=True)
    e.add_argument("--dtype", choices=["fp32", "fp16"], default="fp32", help="backbone/depth decoder precision (Mimi stays fp32)")
    e.add_argument("--random-init", action="store_true", help="random weights instead of --model (no Hub access)")
    e.add_argument("--config", choices=["tiny", "mid", "csm-1b"], default="csm-1b", help="architecture for --random-init")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--checkpoint-dir", default=None, help="where --random-init saves its PyTorch checkpoint (default OUT.hf)")
    e.add_argument("--no-checkpoint", action="store_true", help="do not save the random model's PyTorch checkpoint")
    e.add_argument("--greedy-frames", type=int, default=None, help="frames of the greedy code-for-code self-check (0 = skip)")
    e.add_argument("--no-self-check", action="store_true")
    e.add_argument("--threads", type=int, default=None, help="torch threads")
    e.add_argument("--verbose", action="store_true")
    e.set_defaults(func=cmd_export)

    t = sub.add_parser("make-tiny", help="build the tiny random CSM bundle and transformers reference outputs")
    t.add_argument("--seed", type=int, default=DEFAULT_TINY_SEED)
    t.add_argument("--out", required=True)
    t.add_argument("--ref-out", default=None, help="directory for the reference outputs (tiny preset)")
    t.add_argument("--stream-out", default=None, help="move the streaming Mimi decoder and the manifest listing it "
                   "here, keeping the bundle folder small (the committed fixture: tiny-csm-stream)")
    t.add_argument("--frames", type=int, default=DEFAULT_TINY_FRAMES, help="frames generated per reference prompt")
    t.add_argument("--preset", choices=["tiny", "mid"], default="tiny")
    t.add_argument("--checkpoint-dir", default=None, help="also save the PyTorch checkpoint here (not for the committed fixture)")
    t.add_argument("--greedy-frames", type=int, default=None)
    t.add_argument("--no-stop-trigger", action="store_true", help="do not arm the stop trigger of the tiny fixture")
    t.add_argument("--min-margin", type=float, default=2e-6, help="fail when a greedy choice has a smaller top-1/top-2 logit margin")
    t.add_argument("--threads", type=int, default=None)
    t.add_argument("--verbose", action="store_true")
    t.set_defaults(func=cmd_make_tiny)

    s = sub.add_parser("self-check", help="re-run the self-check of a bundle against a saved PyTorch checkpoint")
    s.add_argument("--bundle", required=True)
    s.add_argument("--checkpoint", required=True)
    s.add_argument("--greedy-frames", type=int, default=8)
    s.add_argument("--threads", type=int, default=None)
    s.set_defaults(func=cmd_self_check)

    m = sub.add_parser("check-mimi-stream", help="export a preset's Mimi decoders (random weights) and check streaming against one-shot")
    m.add_argument("--config", choices=["tiny", "mid"], default="mid", help="mid: the full-size Mimi")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--out", required=True, help="directory for mimi_decoder.onnx and mimi_decoder_stream.onnx")
    m.add_argument("--threads", type=int, default=None)
    m.set_defaults(func=cmd_check_mimi_stream)

    v = sub.add_parser("verify", help="check the sha256 and size of every file listed in a bundle's manifest")
    v.add_argument("--bundle", required=True)
    v.set_defaults(func=cmd_verify)

    b = sub.add_parser("bench", help="time transformers' greedy generation (and optionally the ONNX loop)")
    from .bench import add_arguments

    add_arguments(b)
    b.set_defaults(func=None)
    return ap


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if args.command == "bench":
        from .bench import run

        return run(args)
    _quiet_libraries()
    from .selfcheck import ParityError

    try:
        return args.func(args)
    except ParityError as e:
        _log(f"self-check FAILED: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
