"""manifest.json: the bundle's self-description (see docs/BUNDLE-FORMAT.md)."""

from __future__ import annotations

import hashlib
import json
import platform
import re
from pathlib import Path

from . import EXPORTER_VERSION, FORMAT_VERSION
from .configs import AUDIO_VOCAB_SIZE, MIMI_CODEBOOK_SIZE, NUM_CODEBOOKS

MANIFEST_FILE = "manifest.json"
GRAPH_KEYS = ("backbone", "depth_decoder", "mimi_decoder", "mimi_encoder", "mimi_decoder_stream")
TOKENIZER_FILE = "tokenizer.json"

# sesame/csm-1b's generation defaults (its generation_config.json and Sesame's generator)
CSM_DEFAULT_SAMPLING = {
    "do_sample": True,
    "temperature": 0.9,
    "top_k": 50,
    "depth_decoder_do_sample": True,
    "depth_decoder_temperature": 0.9,
    "depth_decoder_top_k": 50,
}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict:
    import onnx
    import onnxruntime
    import onnxscript
    import tokenizers
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "onnxscript": onnxscript.__version__,
        "tokenizers": tokenizers.__version__,
        "python": platform.python_version(),
    }


def _rope(cfg) -> dict:
    rp = dict(cfg.rope_parameters or {})
    return {k: rp[k] for k in sorted(rp)}


def default_sampling_from(model) -> dict:
    """Sampling defaults recorded in the model's generation config, else csm-1b's."""
    gc = getattr(model, "generation_config", None)
    out = dict(CSM_DEFAULT_SAMPLING)
    if gc is not None and getattr(gc, "do_sample", False):
        out["do_sample"] = True
        if getattr(gc, "temperature", None) is not None:
            out["temperature"] = float(gc.temperature)
        if getattr(gc, "top_k", None) is not None:
            out["top_k"] = int(gc.top_k)
        dgc = getattr(getattr(model, "depth_decoder", None), "generation_config", None)
        if dgc is not None and getattr(dgc, "do_sample", False):
            if getattr(dgc, "temperature", None) is not None:
                out["depth_decoder_temperature"] = float(dgc.temperature)
            if getattr(dgc, "top_k", None) is not None:
                out["depth_decoder_top_k"] = int(dgc.top_k)
    return out


def build_manifest(
    model,
    tokenizer,
    out_dir: Path,
    graph_files: dict,
    specs: dict,
    model_info: dict,
    dtype_name: str,
    opset: int,
    default_sampling: dict,
    max_new_frames_default: int | None,
) -> dict:
    from .text_tokenizer import special_ids

    cfg = model.config
    dd = cfg.depth_decoder_config
    codec = cfg.codec_config
    sp = special_ids(
        tokenizer,
        {"bos": cfg.bos_token_id, "audio": cfg.audio_token_id, "audio_eos": cfg.audio_eos_token_id},
    )
    out_dir = Path(out_dir)

    graphs = {}
    for key, spec in specs.items():
        g = {k: v for k, v in spec.items()}
        g["files"] = list(graph_files[key])
        g["dtype"] = "float32" if key in ("mimi_decoder", "mimi_encoder", "mimi_decoder_stream") else dtype_name
        graphs[key] = g

    all_files = [TOKENIZER_FILE] + [f for key in GRAPH_KEYS for f in graph_files.get(key, [])]
    files = {}
    for name in all_files:
        p = out_dir / name
        files[name] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}

    samples_per_frame = int(codec.frame_size)
    manifest = {
        "format_version": FORMAT_VERSION,
        "exporter_version": EXPORTER_VERSION,
        "exporter": "csm-export (tools/csm-export)",
        "model": model_info,
        "versions": {**versions(), "onnx_opset": opset},
        "text": {
            "tokenizer_file": TOKENIZER_FILE,
            "vocab_size": int(cfg.text_vocab_size),
            "tokenizer_vocab_size": int(tokenizer.get_vocab_size()),
            "bos_token_id": sp["bos"],
            "eos_token_id": sp["eos"],
            "audio_token_id": sp["audio"],
            "audio_eos_token_id": sp["audio_eos"],
            "prompt_format": "[{speaker}]{text}",
            "add_special_tokens": True,
            "template": "<|begin_of_text|> $A <|end_of_text|> (tokenizer.json post_processor)",
        },
        "backbone": {
            "num_layers": int(cfg.num_hidden_layers),
            "hidden_size": int(cfg.hidden_size),
            "intermediate_size": int(cfg.intermediate_size),
            "num_attention_heads": int(cfg.num_attention_heads),
            "num_kv_heads": int(cfg.num_key_value_heads),
            "head_dim": int(cfg.head_dim),
            "max_position_embeddings": int(cfg.max_position_embeddings),
            "rms_norm_eps": float(cfg.rms_norm_eps),
            "rope": _rope(cfg),
        },
        "depth_decoder": {
            "num_layers": int(dd.num_hidden_layers),
            "hidden_size": int(dd.hidden_size),
            "backbone_hidden_size": int(dd.backbone_hidden_size),
            "intermediate_size": int(dd.intermediate_size),
            "num_attention_heads": int(dd.num_attention_heads),
            "num_kv_heads": int(dd.num_key_value_heads),
            "head_dim": int(dd.head_dim),
            "max_position_embeddings": int(dd.max_position_embeddings),
            "rms_norm_eps": float(dd.rms_norm_eps),
            "rope": _rope(dd),
            "positions_per_frame": NUM_CODEBOOKS,
        },
        "audio": {
            "num_codebooks": NUM_CODEBOOKS,
            "audio_vocab_size": AUDIO_VOCAB_SIZE,
            "mimi_codebook_size": MIMI_CODEBOOK_SIZE,
            "codebook_offset_rule": "embedding row = code + codebook_index * audio_vocab_size",
            "frame_columns": NUM_CODEBOOKS + 1,
            "text_column": NUM_CODEBOOKS,
            "codebook_eos_token_id": int(cfg.codebook_eos_token_id),
            "codebook_pad_token_id": int(cfg.codebook_pad_token_id),
            "non_audio_code_range": [MIMI_CODEBOOK_SIZE, AUDIO_VOCAB_SIZE - 1],
            "non_audio_code_policy": "replace_with_0_before_mimi",
            "sample_rate": int(codec.sampling_rate),
            "frame_rate": float(codec.frame_rate),
            "samples_per_frame": samples_per_frame,
            "mimi": {
                "num_quantizers": int(codec.num_quantizers),
                "codebook_dim": int(codec.codebook_dim),
                "hidden_size": int(codec.hidden_size),
                "num_transformer_layers": int(codec.num_hidden_layers),
                "sliding_window": int(codec.sliding_window),
                "decode_mode": "full-sequence (non-streaming)",
                "encode_mode": "full-sequence (non-streaming)",
                "encoder_frames_rule": "ceil(samples / samples_per_frame): the last partial frame is zero-padded",
            },
        },
        "generation": {
            "reference": "transformers CsmForConditionalGeneration.generate (see docs/BUNDLE-FORMAT.md)",
            "default_sampling": default_sampling,
            "sampling_order": "logits / temperature -> keep top_k -> softmax -> multinomial",
            "greedy": "argmax, first index on ties (equivalent to top_k = 1)",
            "max_seq_len": int(cfg.max_position_embeddings),
            "max_audio_length_ms_default": 90000,
            "max_frames_rule": "floor(max_audio_length_ms / 80)",
            "max_new_frames_default_transformers": max_new_frames_default,
            "prompt_limit_rule": "prompt_positions + max_frames <= max_seq_len",
            "context": {
                "layout": "per context segment: its text frames ([speaker]text with bos/eos), one audio frame per "
                "Mimi frame, then the end-of-audio frame; then the utterance's text frames; positions 0..P-1",
                "end_of_audio_frame": "codes all codebook_eos_token_id (0), mask true on the codebook columns "
                "(transformers' <|audio_eos|>)",
                "frame_cap_policy": "fit: the frame cap shrinks to max_seq_len - prompt_positions; asked: a cap "
                "that does not fit is refused; no room for one frame is refused either way",
            },
            "stop_rule": "stop after a frame whose codebooks 0..30 are all codebook_eos_token_id (0)",
            "stop_frame_policy": "the stop frame is emitted in the code sequence but never decoded by Mimi",
            "depth_decoder_calls_per_frame": NUM_CODEBOOKS - 1,
        },
        "graphs": graphs,
        "files": files,
    }
    return manifest


def dump_json(obj) -> str:
    """Indented JSON with every innermost list of numbers/strings kept on one line."""
    text = json.dumps(obj, indent=2)
    item = r'(?:-?[0-9][0-9.eE+-]*|"[^"\\\n]*")'
    pattern = re.compile(r"\[\s*(" + item + r"(?:,\s*" + item + r")*)\s*\]")
    return pattern.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text) + "\n"


def write_manifest(manifest: dict, out_dir: Path) -> Path:
    p = Path(out_dir) / MANIFEST_FILE
    p.write_text(dump_json(manifest), encoding="utf-8")
    return p


def verify_files(out_dir: Path, manifest: dict | None = None) -> list[str]:
    """Problems with the manifest's file list (missing file, size or sha256 mismatch)."""
    out_dir = Path(out_dir)
    if manifest is None:
        manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    problems = []
    for name, meta in manifest["files"].items():
        p = out_dir / name
        if not p.exists():
            problems.append(f"missing {name}")
            continue
        if p.stat().st_size != meta["bytes"]:
            problems.append(f"{name}: size {p.stat().st_size} != {meta['bytes']}")
        if sha256_file(p) != meta["sha256"]:
            problems.append(f"{name}: sha256 mismatch")
    return problems
