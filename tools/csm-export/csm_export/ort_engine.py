"""A reference frame loop over a bundle's ONNX graphs (numpy + onnxruntime, no torch).

This is the Python twin of the Java engine described in docs/BUNDLE-FORMAT.md. It is
used by the self-check (code-for-code comparison with transformers' ``generate``), by
the tests, and by the benchmark.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NUM_CODEBOOKS = 32
MIMI_CODEBOOK_SIZE = 2048


def load_manifest(bundle_dir) -> dict:
    with open(Path(bundle_dir) / "manifest.json", encoding="utf-8") as f:
        return json.load(f)


@dataclass
class FrameLoopResult:
    frames: np.ndarray  # (n_frames, 32) int64, every frame generated, stop frame included
    stopped_early: bool  # True when the last frame met the stop rule
    audio_frames: np.ndarray = field(default=None)  # frames that reach Mimi (stop frame excluded)


def stop_rule(frame: np.ndarray) -> bool:
    """transformers' rule: codebooks 0..30 all equal codebook_eos_token_id (0)."""
    return bool(np.all(frame[: NUM_CODEBOOKS - 1] == 0))


def sanitize_codes(codes: np.ndarray) -> np.ndarray:
    """Codes outside 0..2047 are not Mimi codes; they are replaced by 0."""
    codes = np.asarray(codes, dtype=np.int64)
    return np.where((codes >= 0) & (codes < MIMI_CODEBOOK_SIZE), codes, 0)


def prompt_frames(token_ids) -> tuple[np.ndarray, np.ndarray]:
    """(1, S, 33) tokens and mask for a text-only prompt: text in column 32, columns 0..31 masked."""
    ids = np.asarray(token_ids, dtype=np.int64)
    s = ids.shape[0]
    tokens = np.zeros((1, s, NUM_CODEBOOKS + 1), dtype=np.int64)
    mask = np.zeros((1, s, NUM_CODEBOOKS + 1), dtype=bool)
    tokens[0, :, NUM_CODEBOOKS] = ids
    mask[0, :, NUM_CODEBOOKS] = True
    return tokens, mask


def audio_frame(codes) -> tuple[np.ndarray, np.ndarray]:
    """(1, 1, 33) tokens and mask feeding a generated frame back: codes in 0..31, text masked."""
    tokens = np.zeros((1, 1, NUM_CODEBOOKS + 1), dtype=np.int64)
    mask = np.zeros((1, 1, NUM_CODEBOOKS + 1), dtype=bool)
    tokens[0, 0, :NUM_CODEBOOKS] = codes
    mask[0, 0, :NUM_CODEBOOKS] = True
    return tokens, mask


def end_of_audio_frame() -> tuple[np.ndarray, np.ndarray]:
    """(1, 1, 33) the frame closing a context clip: all codes 0 (codebook_eos_token_id), mask on the codebooks."""
    return audio_frame(np.zeros(NUM_CODEBOOKS, dtype=np.int64))


def segment_frames(text_ids, codes) -> tuple[np.ndarray, np.ndarray]:
    """(1, T + F + 1, 33) one context segment: its text frames, one audio frame per code frame of its clip
    (``codes`` (F, 32)), then the end-of-audio frame."""
    parts = [prompt_frames(text_ids)]
    parts += [audio_frame(frame) for frame in np.asarray(codes, dtype=np.int64)]
    parts.append(end_of_audio_frame())
    return np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts], axis=1)


def context_prompt_frames(segments, utterance_ids) -> tuple[np.ndarray, np.ndarray]:
    """(1, P, 33) the whole prompt: every context segment ``(text_ids, codes)`` oldest first, then the
    utterance's text frames (Sesame's generator and transformers' processor build the same grid)."""
    parts = [segment_frames(ids, codes) for ids, codes in segments] + [prompt_frames(utterance_ids)]
    return np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts], axis=1)


class OrtCsm:
    def __init__(self, bundle_dir, threads: int = 2, load_mimi: bool = True):
        import onnxruntime as ort

        self.dir = Path(bundle_dir)
        self.manifest = load_manifest(self.dir)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        g = self.manifest["graphs"]

        def sess(key):
            return ort.InferenceSession(str(self.dir / g[key]["file"]), opts, providers=["CPUExecutionProvider"])

        self.backbone = sess("backbone")
        self.depth = sess("depth_decoder")
        self.mimi = sess("mimi_decoder") if load_mimi else None
        self.encoder = sess("mimi_encoder") if load_mimi and "mimi_encoder" in g else None
        self.stream = sess("mimi_decoder_stream") if load_mimi and "mimi_decoder_stream" in g else None
        bb = g["backbone"]["inputs"][4]["shape"]  # past_kv
        dd = g["depth_decoder"]["inputs"][2]["shape"]
        self.kv_dtype = np.float16 if g["backbone"]["inputs"][4]["dtype"] == "float16" else np.float32
        self.bb_kv_shape = tuple(bb[1:3]) + (bb[4], bb[5])  # layers, 2, kv_heads, head_dim
        self.dd_kv_shape = tuple(dd[1:3]) + (dd[4], dd[5])

    def _empty(self, shape, batch=1):
        layers, two, heads, hd = shape
        return np.zeros((0, layers, two, batch, heads, hd), dtype=self.kv_dtype)

    def backbone_step(self, tokens, mask, positions, attention_mask, past):
        logits, last_hidden, new_kv = self.backbone.run(
            None,
            {
                "tokens": tokens,
                "tokens_mask": mask,
                "position_ids": positions,
                "attention_mask": attention_mask,
                "past_kv": past,
            },
        )
        return logits, last_hidden, new_kv

    def depth_frame(self, last_hidden, c0: int, choose=None, record_logits=None) -> list[int]:
        """Codebooks 1..31 for one frame given codebook 0 (greedy unless ``choose`` is given)."""
        choose = choose or (lambda logits: int(np.argmax(logits[0])))
        past = self._empty(self.dd_kv_shape)
        codes = [int(c0)]
        tokens = np.array([[0, c0]], dtype=np.int64)  # position 0 placeholder, position 1 = c0
        for _ in range(1, NUM_CODEBOOKS):
            logits, new_kv = self.depth.run(None, {"last_hidden": last_hidden, "tokens": tokens, "past_kv": past})
            past = np.concatenate([past, new_kv], axis=0)
            if record_logits is not None:
                record_logits.append(logits[0].copy())
            c = choose(logits)
            codes.append(c)
            tokens = np.array([[c]], dtype=np.int64)
        return codes

    def generate(self, token_ids, max_frames: int, choose=None, on_frame=None, context=()) -> FrameLoopResult:
        """Greedy (or ``choose``-driven) frame loop, batch 1, reproducing transformers' generate.

        ``context``: segments ``(text_ids, codes (F, 32))`` placed before the utterance."""
        tokens, mask = context_prompt_frames(context, token_ids) if context else prompt_frames(token_ids)
        return self.generate_from_frames(tokens, mask, max_frames, choose, on_frame)

    def generate_from_frames(self, tokens, mask, max_frames: int, choose=None, on_frame=None) -> FrameLoopResult:
        """The frame loop from a prompt grid (1, P, 33) and its mask."""
        choose = choose or (lambda logits: int(np.argmax(logits[0])))
        s = tokens.shape[1]
        positions = np.arange(s, dtype=np.int64)[None, :]
        past = self._empty(self.bb_kv_shape)
        frames = []
        stopped = False
        for _ in range(max_frames):
            attn = np.ones((1, past.shape[0] + tokens.shape[1]), dtype=np.int64)
            logits, last_hidden, new_kv = self.backbone_step(tokens, mask, positions, attn, past)
            past = np.concatenate([past, new_kv], axis=0)
            c0 = choose(logits)
            frame = self.depth_frame(last_hidden, c0, choose)
            frames.append(frame)
            if on_frame is not None:
                on_frame(len(frames) - 1, frame)
            if stop_rule(np.asarray(frame)):
                stopped = True
                break
            tokens, mask = audio_frame(frame)
            positions = positions[:, -1:] + 1
        arr = np.asarray(frames, dtype=np.int64).reshape(-1, NUM_CODEBOOKS)
        audio = arr[:-1] if stopped else arr
        return FrameLoopResult(frames=arr, stopped_early=stopped, audio_frames=audio)

    def decode(self, frames: np.ndarray) -> np.ndarray:
        """(n_frames, 32) codes -> (n_frames*1920,) float32 PCM (codes sanitized first)."""
        codes = sanitize_codes(frames).T[None, :, :]  # (1, 32, F)
        (pcm,) = self.mimi.run(None, {"codes": np.ascontiguousarray(codes)})
        return pcm[0, 0]

    def encode(self, pcm) -> np.ndarray:
        """(samples,) 24 kHz mono float32 -> (ceil(samples / 1920), 32) Mimi codes."""
        if self.encoder is None:
            raise ValueError(f"{self.dir} has no mimi_encoder graph (format_version 1): re-export the bundle")
        x = np.ascontiguousarray(np.asarray(pcm, dtype=np.float32)[None, None, :])
        codes, _ = self.encoder.run(None, {"pcm": x})
        return codes[0].T.copy()
