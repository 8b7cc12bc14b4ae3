"""Reference outputs computed by transformers itself (generate + codec), for the Java engine's tests.

Layout (all little-endian; shapes in reference.json):
    reference.json
    ref_p{i}_pcm.f32                     waveform of prompt i (float32, (samples,))
    ref_p0_backbone_logits.f32           codebook-0 logits of every frame of prompt 0 (float32, (frames, 2051))
    ref_p0_last_hidden.f32               backbone last hidden state of every frame of prompt 0 (float32, (frames, hidden))
    ref_p0_f0_depth_logits.f32           depth-decoder logits of frame 0 of prompt 0, codebooks 1..31 (float32, (31, 2051))
    ref_clip_{name}.f32                  a synthetic context clip (float32, (samples,)), 24 kHz mono
    ref_c{i}_pcm.f32                     waveform of context prompt i (float32, (samples,))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .configs import NUM_CODEBOOKS
from .manifest import dump_json
from .ort_engine import OrtCsm, sanitize_codes, stop_rule
from .selfcheck import synthetic_clip, transformers_context_inputs, transformers_greedy, transformers_greedy_inputs
from .text_tokenizer import prompt_ids_generator_style, prompt_ids_transformers_style

REFERENCE_FILE = "reference.json"

# (speaker, text) pairs of the committed fixture
DEFAULT_PROMPTS = [
    (0, "Hello from Sesame."),
    (1, "How are you today? I am fine, thank you."),
    (0, "Testing, testing, one, two, three."),
    (1, "The quick brown fox jumps over the lazy dog."),
]

# synthetic context clips (name -> samples, seed): lengths that are not multiples of 1920 samples
CONTEXT_CLIPS = {"a": (6 * 1920 + 1000, 1), "b": (4 * 1920 + 333, 5)}

# prompts conditioned on context segments (speaker, text, clip) before the utterance (speaker, text)
CONTEXT_PROMPTS = [
    {"context": [(0, "Hello from Sesame.", "a")], "utterance": (0, "How are you today?")},
    {
        "context": [(0, "Hello from Sesame.", "a"), (1, "Testing, testing, one, two.", "b")],
        "utterance": (0, "Thank you very much."),
    },
]
CONTEXT_FRAMES = 16

PCM_TOLERANCE = 1e-4
LOGITS_TOLERANCE = 1e-4


def _write_f32(path: Path, arr) -> dict:
    a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
    path.write_bytes(a.tobytes())
    return {"file": path.name, "dtype": "float32", "byte_order": "little", "shape": list(a.shape)}


def _top2_margin(logits: np.ndarray) -> float:
    part = np.sort(np.asarray(logits, dtype=np.float64))[-2:]
    return float(part[1] - part[0])


def _topk(logits: np.ndarray, k: int = 5) -> list[dict]:
    idx = np.argsort(-np.asarray(logits), kind="stable")[:k]
    return [{"id": int(i), "logit": float(logits[i])} for i in idx]


def depth_logits_teacher_forced(model, hidden: torch.Tensor, frame: np.ndarray) -> np.ndarray:
    """transformers' depth decoder on (placeholder, c0..c30): logits of codebooks 1..31, (31, 2051)."""
    ids = torch.tensor([[0] + [int(c) for c in frame[: NUM_CODEBOOKS - 1]]], dtype=torch.long)
    with torch.no_grad():
        out = model.depth_decoder(input_ids=ids, backbone_last_hidden_state=hidden)
    return out.logits[0].float().numpy()


def generate_reference(model, tokenizer, processor, prompts, max_frames: int) -> list[dict]:
    """Run transformers for every prompt; returns per-prompt dicts with numpy payloads."""
    results = []
    for speaker, text in prompts:
        ids_gen = prompt_ids_generator_style(tokenizer, speaker, text)
        ids_tf = prompt_ids_transformers_style(processor, speaker, text)
        if ids_gen != ids_tf:
            raise AssertionError(f"prompt ids differ between generator and chat template: {ids_gen} vs {ids_tf}")
        frames, out = transformers_greedy(model, ids_tf, max_frames)
        results.append(
            {
                "speaker": speaker,
                "text": text,
                "prompt": f"[{speaker}]{text}",
                "token_ids": ids_tf,
                **_greedy_result(model, frames, out),
            }
        )
    return results


def _greedy_result(model, frames: np.ndarray, out) -> dict:
    """Frames, stop, Mimi waveform (transformers' decode) and logit margins of one greedy generation."""
    n = frames.shape[0]
    stopped = bool(n > 0 and stop_rule(frames[-1]))
    audio_frames = frames[:-1] if stopped else frames
    clean = sanitize_codes(audio_frames)
    with torch.no_grad():
        if clean.shape[0] > 0:
            pcm = model.codec_model.decode(torch.from_numpy(clean.T[None].copy())).audio_values[0, 0].numpy()
        else:
            pcm = np.zeros((0,), dtype=np.float32)
    backbone_logits = np.stack([lg[0].float().numpy() for lg in out.logits])  # (n, 2051)
    hiddens = [hs[-1][:, -1, :] for hs in out.hidden_states]  # normed last hidden per frame
    depth_margins = []
    depth_f0 = None
    for f in range(n):
        dl = depth_logits_teacher_forced(model, hiddens[f], frames[f])
        if f == 0:
            depth_f0 = dl
        # the teacher-forced argmax must reproduce the generated codes
        if not np.array_equal(np.argmax(dl, axis=-1), frames[f][1:]):
            raise AssertionError(f"teacher-forced depth decoder disagrees with generate at frame {f}")
        depth_margins.extend(_top2_margin(row) for row in dl)
    if not np.array_equal(np.argmax(backbone_logits, axis=-1), frames[:, 0]):
        raise AssertionError("backbone logits disagree with generated codebook 0")
    return {
        "frames": frames,
        "stopped_early": stopped,
        "audio_frames": audio_frames,
        "mimi_codes": clean,
        "pcm": pcm.astype(np.float32),
        "backbone_logits": backbone_logits,
        "last_hidden": torch.cat(hiddens, dim=0).float().numpy(),
        "depth_logits_f0": depth_f0,
        "min_margin_backbone": min(_top2_margin(r) for r in backbone_logits),
        "min_margin_depth": min(depth_margins),
    }


def context_clips(sample_rate: int = 24000) -> dict:
    """The synthetic clips of the context fixture, by name."""
    return {name: synthetic_clip(n, sample_rate, seed) for name, (n, seed) in CONTEXT_CLIPS.items()}


def encode_clip(model, pcm: np.ndarray) -> tuple[np.ndarray, float]:
    """transformers' ``codec_model.encode`` of a clip: codes (frames, 32), and the smallest gap between the
    nearest and second-nearest codebook entry over all its quantizer choices (a near-tie guard)."""
    from .selfcheck import transformers_encoder_latents

    x = torch.from_numpy(pcm)[None, None, :]
    with torch.no_grad():
        codes = model.codec_model.encode(x).audio_codes[0].numpy().T.astype(np.int64)  # (frames, 32)
        latents = transformers_encoder_latents(model.codec_model, x)
        margin = _quantizer_margin(model.codec_model.quantizer, latents)
    return codes, margin


def _quantizer_margin(quantizer, latents) -> float:
    """Smallest (second-nearest - nearest) Euclidean distance over every residual level of both RVQs."""
    gaps = []
    for rvq in (quantizer.semantic_residual_vector_quantizer, quantizer.acoustic_residual_vector_quantizer):
        x = rvq.input_proj(latents) if rvq.input_proj is not None else latents
        residual = x
        for layer in rvq.layers:
            h = residual.permute(0, 2, 1).reshape(-1, residual.shape[1])
            d = torch.cdist(h[None].float(), layer.codebook.embed[None].float())[0]
            two = torch.topk(d, 2, dim=-1, largest=False).values
            gaps.append(float((two[:, 1] - two[:, 0]).min()))
            residual = residual - layer.decode(layer.encode(residual))
    return min(gaps)


def transformers_prompt_grid(model, input_ids: torch.Tensor, clip_codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The (P, 33) token grid and mask equivalent to transformers' prompt: a text token -> text frame; each
    ``<|AUDIO|>`` -> the next Mimi frame of the clips (codebook columns); ``<|audio_eos|>`` -> all-zero codes
    on the codebook columns. Checked against transformers' own embedding of the prompt."""
    cfg = model.config
    ids = input_ids[0].tolist()
    frames = iter(np.concatenate(clip_codes, axis=0))
    tokens = np.zeros((len(ids), NUM_CODEBOOKS + 1), dtype=np.int64)
    mask = np.zeros((len(ids), NUM_CODEBOOKS + 1), dtype=bool)
    for p, t in enumerate(ids):
        if t == cfg.audio_token_id:
            tokens[p, :NUM_CODEBOOKS] = next(frames)
            mask[p, :NUM_CODEBOOKS] = True
        elif t == cfg.audio_eos_token_id:
            mask[p, :NUM_CODEBOOKS] = True
        else:
            tokens[p, NUM_CODEBOOKS] = t
            mask[p, NUM_CODEBOOKS] = True
    if next(frames, None) is not None:
        raise AssertionError("more Mimi frames than <|AUDIO|> tokens in the prompt")
    return tokens, mask


def grid_embedding_diff(model, inputs: dict, tokens: np.ndarray, mask: np.ndarray) -> float:
    """max |transformers' prompt embedding - the grid's masked-sum embedding| (must be ~0)."""
    from .wrappers import BackboneStep

    bb = BackboneStep(model)
    with torch.no_grad():
        merged = model._merge_input_ids_with_input_values(
            inputs["input_ids"], inputs["input_values"], inputs["input_values_cutoffs"]
        )["inputs_embeds"]
        t = torch.from_numpy(tokens)[None]
        m = torch.from_numpy(mask)[None]
        audio = bb.audio_embed(t[:, :, :NUM_CODEBOOKS] + bb.offsets)
        text = bb.text_embed(t[:, :, NUM_CODEBOOKS]).unsqueeze(2)
        ours = (torch.cat([audio, text], dim=2) * m.unsqueeze(-1).float()).sum(dim=2)
    return float((merged - ours).abs().max())


def generate_context_reference(model, tokenizer, processor, max_frames: int = CONTEXT_FRAMES):
    """transformers' greedy generation for the context prompts, from the processor's conversation input."""
    from .ort_engine import context_prompt_frames

    clips = context_clips(int(model.config.codec_config.sampling_rate))
    encoded = {name: encode_clip(model, pcm) for name, pcm in clips.items()}
    results = []
    for spec in CONTEXT_PROMPTS:
        conversation = [
            {"role": f"{spk}", "content": [{"type": "text", "text": text}, {"type": "audio", "path": name}]}
            for spk, text, name in spec["context"]
        ]
        u_spk, u_text = spec["utterance"]
        conversation.append({"role": f"{u_spk}", "content": [{"type": "text", "text": u_text}]})
        rendered = processor.apply_chat_template(conversation, tokenize=False)
        inputs = processor(text=rendered, audio=[clips[name] for _, _, name in spec["context"]], return_tensors="pt")
        seg_ids = [prompt_ids_generator_style(tokenizer, spk, text) for spk, text, _ in spec["context"]]
        utt_ids = prompt_ids_generator_style(tokenizer, u_spk, u_text)
        direct = transformers_context_inputs(model, [(ids, clips[n]) for ids, (_, _, n) in zip(seg_ids, spec["context"])], utt_ids)
        if inputs["input_ids"].tolist() != direct["input_ids"].tolist():
            raise AssertionError("the processor's prompt ids differ from the documented layout")
        if not torch.equal(inputs["input_values_cutoffs"], direct["input_values_cutoffs"]):
            raise AssertionError("the processor's audio cutoffs differ from the clips' lengths")
        codes = [encoded[name][0] for _, _, name in spec["context"]]
        tokens, mask = transformers_prompt_grid(model, inputs["input_ids"], codes)
        ours_tokens, ours_mask = context_prompt_frames(list(zip(seg_ids, codes)), utt_ids)
        if not (np.array_equal(tokens, ours_tokens[0]) and np.array_equal(mask, ours_mask[0])):
            raise AssertionError("the documented context layout differs from transformers' prompt")
        emb_diff = grid_embedding_diff(model, inputs, tokens, mask)
        if emb_diff > 1e-5:
            raise AssertionError(f"the grid's embedding differs from transformers' prompt embedding by {emb_diff}")
        frames, out = transformers_greedy_inputs(
            model, {k: inputs[k] for k in ("input_ids", "attention_mask", "input_values", "input_values_cutoffs")}, max_frames
        )
        results.append(
            {
                "context": [
                    {"speaker": spk, "text": text, "clip": name, "token_ids": ids}
                    for (spk, text, name), ids in zip(spec["context"], seg_ids)
                ],
                "speaker": u_spk,
                "text": u_text,
                "token_ids": utt_ids,
                "input_ids": inputs["input_ids"][0].tolist(),
                "grid_tokens": tokens,
                "grid_mask": mask,
                "embedding_max_abs_diff": emb_diff,
                **_greedy_result(model, frames, out),
            }
        )
    return results, clips, encoded


def describe_context(results) -> list[str]:
    lines = []
    for i, r in enumerate(results):
        lines.append(
            f"  context prompt {i}: {len(r['context'])} segment(s), {r['grid_tokens'].shape[0]} positions,"
            f" {r['frames'].shape[0]} frames, stopped_early={r['stopped_early']}, min top-2 margin backbone"
            f" {r['min_margin_backbone']:.2e} depth {r['min_margin_depth']:.2e},"
            f" embedding max|diff| {r['embedding_max_abs_diff']:.1e}"
        )
    return lines


def onnx_vs_context_reference(bundle_dir: Path, results, clips, encoded, max_frames: int) -> dict:
    """The ONNX encoder on the clips and the ONNX loop on the context prompts vs transformers."""
    eng = OrtCsm(bundle_dir, threads=2)
    clips_equal = {name: bool(np.array_equal(eng.encode(pcm), encoded[name][0])) for name, pcm in clips.items()}
    prompts = []
    for r in results:
        context = [(seg["token_ids"], encoded[seg["clip"]][0]) for seg in r["context"]]
        got = eng.generate(r["token_ids"], max_frames, context=context)
        codes_equal = bool(np.array_equal(got.frames, r["frames"])) and got.stopped_early == r["stopped_early"]
        pcm = eng.decode(got.audio_frames) if got.audio_frames.shape[0] else np.zeros((0,), np.float32)
        diff = float(np.max(np.abs(pcm - r["pcm"]))) if pcm.shape == r["pcm"].shape and pcm.size else float("inf")
        prompts.append({"codes_equal": codes_equal, "pcm_max_abs_diff": diff})
    return {"clip_codes_equal": clips_equal, "prompts": prompts}


def describe(results) -> list[str]:
    lines = []
    for i, r in enumerate(results):
        frames = r["frames"]
        non_audio = int(np.sum(frames >= 2048)) if frames.size else 0
        non_audio_mimi = int(np.sum(r["audio_frames"] >= 2048)) if r["audio_frames"].size else 0
        distinct = len({tuple(f) for f in frames.tolist()})
        lines.append(
            f"  prompt {i} {r['prompt']!r}: {len(r['token_ids'])} tokens, {frames.shape[0]} frames"
            f" ({distinct} distinct), stopped_early={r['stopped_early']}, codes>=2048: {non_audio}"
            f" (reaching Mimi: {non_audio_mimi}), min top-2 margin backbone {r['min_margin_backbone']:.2e}"
            f" depth {r['min_margin_depth']:.2e}, pcm {r['pcm'].shape[0]} samples"
        )
    return lines


def onnx_vs_reference(bundle_dir: Path, results, max_frames: int) -> list[dict]:
    """Run the bundle's ONNX loop on the reference prompts and compare (codes exact, pcm |diff|)."""
    eng = OrtCsm(bundle_dir, threads=2)
    out = []
    for r in results:
        got = eng.generate(r["token_ids"], max_frames)
        codes_equal = bool(np.array_equal(got.frames, r["frames"])) and got.stopped_early == r["stopped_early"]
        pcm = eng.decode(got.audio_frames) if got.audio_frames.shape[0] else np.zeros((0,), np.float32)
        pcm_diff = float(np.max(np.abs(pcm - r["pcm"]))) if pcm.shape == r["pcm"].shape and pcm.size else (
            0.0 if pcm.shape == r["pcm"].shape else float("inf")
        )
        out.append({"codes_equal": codes_equal, "pcm_max_abs_diff": pcm_diff})
    return out


def _context_entries(ref_dir: Path, context: dict) -> tuple[list, list]:
    """reference.json's ``clips`` and ``context_prompts`` (and their f32 files)."""
    clips = []
    for name, pcm in context["clips"].items():
        codes, margin = context["encoded"][name]
        clips.append(
            {
                "name": name,
                "samples": int(pcm.shape[0]),
                "pcm": _write_f32(ref_dir / f"ref_clip_{name}.f32", pcm),
                "num_frames": int(codes.shape[0]),
                "frames_rule": "ceil(samples / 1920)",
                "codes": codes.astype(int).tolist(),
                "codes_source": "transformers codec_model.encode(pcm[None, None, :]).audio_codes, transposed to (frames, 32)",
                "min_quantizer_distance_gap": margin,
                "onnx_codes_equal": context["onnx"]["clip_codes_equal"][name],
            }
        )
    prompts = []
    for i, r in enumerate(context["results"]):
        prompts.append(
            {
                "index": i,
                "context": r["context"],
                "speaker": r["speaker"],
                "text": r["text"],
                "token_ids": [int(t) for t in r["token_ids"]],
                "input_ids": [int(t) for t in r["input_ids"]],
                "input_ids_source": "transformers CsmProcessor(apply_chat_template(conversation with audio), audio=clips): "
                "<|AUDIO|> per Mimi frame, <|audio_eos|> after each clip",
                "prompt_positions": int(r["grid_tokens"].shape[0]),
                "context_frames": int(sum(len(context["encoded"][seg["clip"]][0]) for seg in r["context"])),
                "grid_tokens": r["grid_tokens"].astype(int).tolist(),
                "grid_mask": r["grid_mask"].astype(int).tolist(),
                "grid_note": "row p = backbone position p: 33 tokens and mask (1 = true); equals transformers' prompt "
                "embedding (max |diff| in embedding_max_abs_diff)",
                "embedding_max_abs_diff": r["embedding_max_abs_diff"],
                "max_new_frames": CONTEXT_FRAMES,
                "num_frames": int(r["frames"].shape[0]),
                "stopped_early": r["stopped_early"],
                "frames": r["frames"].astype(int).tolist(),
                "num_audio_frames": int(r["audio_frames"].shape[0]),
                "pcm": _write_f32(ref_dir / f"ref_c{i}_pcm.f32", r["pcm"]),
                "min_top2_margin": {"backbone": r["min_margin_backbone"], "depth_decoder": r["min_margin_depth"]},
                "onnx_python_loop": context["onnx"]["prompts"][i],
            }
        )
    return clips, prompts


def write_reference(results, ref_dir: Path, bundle_manifest: dict, max_frames: int, seed: int, onnx_check, regen_cmd: str,
                    context: dict | None = None) -> dict:
    ref_dir = Path(ref_dir)
    ref_dir.mkdir(parents=True, exist_ok=True)
    for old in ref_dir.glob("ref_*.f32"):
        old.unlink()
    prompts = []
    for i, r in enumerate(results):
        entry = {
            "index": i,
            "speaker": r["speaker"],
            "text": r["text"],
            "prompt": r["prompt"],
            "token_ids": [int(t) for t in r["token_ids"]],
            "token_ids_source": "transformers CsmProcessor.apply_chat_template (identical to tokenizer.json encode of 'prompt' with special tokens)",
            "max_new_frames": max_frames,
            "num_frames": int(r["frames"].shape[0]),
            "stopped_early": r["stopped_early"],
            "stop_frame_index": int(r["frames"].shape[0] - 1) if r["stopped_early"] else None,
            "frames": r["frames"].astype(int).tolist(),
            "num_audio_frames": int(r["audio_frames"].shape[0]),
            "non_audio_codes": [
                {"frame": int(f), "codebook": int(c), "code": int(r["frames"][f, c])}
                for f, c in zip(*np.nonzero(r["frames"] >= 2048))
            ],
            "mimi_codes_note": "mimi input = frames[:num_audio_frames] with codes >= 2048 replaced by 0, transposed to (1, 32, num_audio_frames)",
            "pcm": _write_f32(ref_dir / f"ref_p{i}_pcm.f32", r["pcm"]),
            "pcm_stats": {
                "max_abs": float(np.max(np.abs(r["pcm"]))) if r["pcm"].size else 0.0,
                "rms": float(np.sqrt(np.mean(r["pcm"].astype(np.float64) ** 2))) if r["pcm"].size else 0.0,
            },
            "min_top2_margin": {"backbone": r["min_margin_backbone"], "depth_decoder": r["min_margin_depth"]},
            "onnx_python_loop": onnx_check[i] if onnx_check else None,
        }
        if i == 0:
            entry["debug"] = {
                "backbone_logits": _write_f32(ref_dir / "ref_p0_backbone_logits.f32", r["backbone_logits"]),
                "backbone_logits_note": "row f = codebook-0 logits (backbone lm_head) when generating frame f",
                "last_hidden": _write_f32(ref_dir / "ref_p0_last_hidden.f32", r["last_hidden"]),
                "last_hidden_note": "row f = backbone output 'last_hidden' (normed) when generating frame f",
                "depth_logits_frame0": _write_f32(ref_dir / "ref_p0_f0_depth_logits.f32", r["depth_logits_f0"]),
                "depth_logits_frame0_note": "row k = logits for codebook k+1 of frame 0 (transformers depth decoder, teacher-forced on the generated codes)",
                "frame0_backbone_top5": _topk(r["backbone_logits"][0]),
                "frame0_codebook1_top5": _topk(r["depth_logits_f0"][0]),
            }
        prompts.append(entry)
    reference = {
        "format_version": 1,
        "description": "Greedy reference outputs of the tiny random CSM, computed by Hugging Face transformers "
        "(CsmForConditionalGeneration.generate with do_sample=False, depth_decoder_do_sample=False, and "
        "codec_model.decode). The bundle is ../tiny-csm.",
        "regenerate": regen_cmd,
        "seed": seed,
        "bundle_model": bundle_manifest.get("model"),
        "bundle_manifest_files": {k: v["sha256"] for k, v in bundle_manifest["files"].items()},
        "versions": bundle_manifest.get("versions"),
        "generation": {
            "mode": "greedy (argmax, first index on ties) for codebook 0 and for codebooks 1..31",
            "max_new_frames": max_frames,
            "stop_rule": "transformers: stop after the frame whose codebooks 0..30 are all 0; that frame is listed in 'frames' but not decoded",
            "non_audio_code_policy": "codes 2048..2050 are replaced by 0 before Mimi",
        },
        "tolerances": {
            "codes": "exact",
            "pcm_max_abs_diff": PCM_TOLERANCE,
            "logits_max_abs_diff": LOGITS_TOLERANCE,
            "last_hidden_max_abs_diff": LOGITS_TOLERANCE,
        },
        "prompts": prompts,
    }
    if context is not None:
        reference["format_version"] = 2
        reference["clips"], reference["context_prompts"] = _context_entries(ref_dir, context)
        reference["context_generation"] = {
            "mode": "greedy, as for prompts; transformers generate(input_ids, input_values, input_values_cutoffs)",
            "layout": "per segment: text frames, one audio frame per Mimi frame, the end-of-audio frame; then the "
            "utterance's text frames (docs/BUNDLE-FORMAT.md section 3)",
        }
    (ref_dir / REFERENCE_FILE).write_text(dump_json(reference), encoding="utf-8")
    return reference


def choose_stop_trigger(results, min_frame: int, max_frame: int):
    """Pick (prompt index, frame k, code X): X is codebook 0 of frame k of that prompt and
    appears as codebook 0 nowhere else (earlier in that prompt or in any other prompt).
    Prefers the latest prompt and a frame near the middle of [min_frame, max_frame]."""
    c0 = [r["frames"][:, 0].tolist() for r in results]
    mid = (min_frame + max_frame) / 2
    for p in reversed(range(len(results))):
        candidates = []
        for k in range(min_frame, min(max_frame, len(c0[p]) - 1) + 1):
            x = c0[p][k]
            if x == 0 or x >= 2048:
                continue
            if x in c0[p][:k]:
                continue
            if any(x in c0[q] for q in range(len(results)) if q != p):
                continue
            candidates.append((abs(k - mid), k, x))
        if candidates:
            _, k, x = min(candidates)
            return p, k, x
    return None
