"""Bundle building shared by `export` and `make-tiny`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import torch

from .export_onnx import OPSET, export_graphs, graph_specs, onnx_io, verify_io
from .manifest import (
    TOKENIZER_FILE,
    build_manifest,
    default_sampling_from,
    verify_files,
    write_manifest,
)
from .selfcheck import ParityError, run_self_check


def check_codec_sensitivity(model, seed: int = 0, log=print) -> dict:
    """Different codes must give different audio (guards against zero Mimi codebooks).

    Decodes a random code sequence, then the same sequence with one codebook changed
    (codebooks 0, 1 and 31 in turn); every change must move the waveform.
    """
    g = torch.Generator().manual_seed(seed)
    codes = torch.randint(0, 2048, (1, 32, 6), generator=g)
    with torch.no_grad():
        base = model.codec_model.decode(codes).audio_values
        scale = float(base.abs().max())
        if not np.isfinite(scale) or scale == 0.0:
            raise AssertionError("Mimi decodes to silence or non-finite values")
        diffs = {}
        for cb in (0, 1, 31):
            other = codes.clone()
            other[:, cb, :] = (other[:, cb, :] + 1 + torch.randint(0, 2046, (1, 6), generator=g)) % 2048
            d = float((model.codec_model.decode(other).audio_values - base).abs().max())
            diffs[f"codebook_{cb}"] = d
            if not d > 1e-3 * scale:
                raise AssertionError(f"changing codebook {cb} barely changes the audio ({d} vs scale {scale})")
    log(
        "codec sensitivity: max|pcm|=%.3g, change of codebook 0/1/31 moves pcm by %s"
        % (scale, ", ".join(f"{v:.3g}" for v in diffs.values()))
    )
    return {"pcm_max_abs": scale, "pcm_change_per_codebook": diffs}


def export_bundle(
    model,
    tokenizer,
    out_dir: Path,
    model_info: dict,
    dtype: str = "fp32",
    verbose: bool = False,
    log=print,
) -> dict:
    """Write tokenizer.json, the three graphs and manifest.json into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tdt = torch.float16 if dtype == "fp16" else torch.float32
    dtype_name = "float16" if dtype == "fp16" else "float32"
    tokenizer.save(str(out_dir / TOKENIZER_FILE), pretty=True)
    files = export_graphs(model, out_dir, dtype=tdt, verbose=verbose, log=log)
    specs = graph_specs(model.config, tdt, codec_model=model.codec_model)
    for key, spec in specs.items():
        problems = verify_io(spec, onnx_io(out_dir / spec["file"]))
        if problems:
            raise AssertionError(f"{spec['file']} does not match its contract: {problems}")
    gc = getattr(model, "generation_config", None)
    max_new = getattr(gc, "max_new_tokens", None) if gc is not None else None
    manifest = build_manifest(
        model,
        tokenizer,
        out_dir,
        files,
        specs,
        {**model_info, "dtype": dtype_name},
        dtype_name,
        OPSET,
        default_sampling_from(model),
        int(max_new) if max_new else None,
    )
    write_manifest(manifest, out_dir)
    problems = verify_files(out_dir, manifest)
    if problems:
        raise AssertionError(f"manifest file check failed: {problems}")
    return manifest


def self_check_bundle(model, out_dir: Path, manifest: dict, prompts_ids, greedy_frames: int, log=print) -> dict:
    """Runs the self-check, records it in the manifest (passed or not), and raises
    :class:`ParityError` (each failed output with its max |diff|) when it failed."""
    dtype_name = manifest["model"]["dtype"]
    summary = run_self_check(model, Path(out_dir), dtype_name, prompts_ids, greedy_frames, log=log)
    manifest["self_check"] = summary
    write_manifest(manifest, out_dir)
    if not summary["passed"]:
        raise ParityError(summary["failures"])
    return summary


def save_checkpoint(model, tokenizer, ckpt_dir: Path, info: dict, log=print) -> None:
    """save_pretrained + tokenizer.json, so transformers can be benchmarked on the same weights."""
    ckpt_dir = Path(ckpt_dir)
    if ckpt_dir.exists():
        shutil.rmtree(ckpt_dir)
    ckpt_dir.mkdir(parents=True)
    model.save_pretrained(str(ckpt_dir))
    tokenizer.save(str(ckpt_dir / TOKENIZER_FILE), pretty=True)
    (ckpt_dir / "csm_export_source.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log(f"saved PyTorch checkpoint to {ckpt_dir}")


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
