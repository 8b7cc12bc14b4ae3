"""Benchmark: transformers' own greedy CSM generation on CPU (and optionally the ONNX loop).

    python -m csm_export bench --checkpoint ~/csm-bundles/mid.hf [--bundle ~/csm-bundles/mid]
        [--frames 32] [--runs 5] [--warmup 1] [--threads 2]

Times ``CsmForConditionalGeneration.generate(do_sample=False, depth_decoder_do_sample=False)``
in PyTorch eager mode (no torch.compile) on the checkpoint the bundle was exported from.
Per run it records the wall time, the time to the first frame (prompt prefill + first
frame) and the steady-state time per frame (frames 2..N); the report gives medians.
With ``--bundle`` the Python onnxruntime loop over the bundle's graphs is timed the same
way, plus one Mimi decode of the generated frames.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path


def add_arguments(p) -> None:
    p.add_argument("--checkpoint", default=None, help="transformers checkpoint dir (save_pretrained); default: the bundle's")
    p.add_argument("--bundle", default=None, help="also time the ONNX Runtime loop over this bundle")
    p.add_argument("--frames", type=int, default=32, help="frames per generation (max_new_tokens)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (and onnxruntime threads)")
    p.add_argument("--speaker", type=int, default=0)
    p.add_argument("--text", default="Hello from Sesame. This is a benchmark of the speech engine.")
    p.add_argument("--attn", choices=["sdpa", "eager"], default="sdpa", help="transformers attention implementation")
    p.add_argument("--json", default=None, help="write the results here as JSON")
    p.add_argument("--skip-transformers", action="store_true")


class FrameClock:
    """A transformers streamer that timestamps every generated frame."""

    def __init__(self):
        self.times = []

    def put(self, value):
        self.times.append(time.perf_counter())

    def end(self):
        pass


def _summarize(runs) -> dict:
    def med(key):
        vals = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(vals) if vals else None

    return {
        "runs": runs,
        "median_ms_per_frame": med("ms_per_frame"),
        "median_first_frame_ms": med("first_frame_ms"),
        "median_steady_ms_per_frame": med("steady_ms_per_frame"),
        "median_frames": med("frames"),
    }


def _run_metrics(t0, stamps, frames) -> dict:
    total = (stamps[-1] - t0) if stamps else 0.0
    first = (stamps[0] - t0) if stamps else None
    steady = (stamps[-1] - stamps[0]) / (len(stamps) - 1) if len(stamps) > 1 else None
    return {
        "frames": frames,
        "total_ms": total * 1e3,
        "ms_per_frame": total * 1e3 / frames if frames else None,
        "first_frame_ms": first * 1e3 if first is not None else None,
        "steady_ms_per_frame": steady * 1e3 if steady is not None else None,
    }


def bench_transformers(ckpt: Path, ids, frames: int, runs: int, warmup: int, threads: int, attn: str, log=print) -> dict:
    import torch
    from transformers import CsmForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.set_num_threads(threads)
    model = CsmForConditionalGeneration.from_pretrained(str(ckpt), dtype=torch.float32, attn_implementation=attn).eval()
    input_ids = torch.tensor([ids], dtype=torch.long)
    results = []
    for i in range(warmup + runs):
        clock = FrameClock()
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                input_ids=input_ids,
                max_new_tokens=frames,
                do_sample=False,
                depth_decoder_do_sample=False,
                streamer=clock,
            )
        n = int(out.shape[1])
        # generate() first "streams" the prompt itself; keep the timestamps of the n frames
        stamps = clock.times[-n:] if n else []
        if i >= warmup:
            m = _run_metrics(t0, stamps, n)
            results.append(m)
            log(f"  transformers run {i - warmup}: {n} frames, {m['ms_per_frame']:.1f} ms/frame "
                f"(first frame {m['first_frame_ms']:.0f} ms, steady {m['steady_ms_per_frame'] or 0:.1f} ms/frame)")
    return _summarize(results)


def bench_onnx(bundle: Path, ids, frames: int, runs: int, warmup: int, threads: int, log=print) -> dict:
    from .ort_engine import OrtCsm

    eng = OrtCsm(bundle, threads=threads)
    results = []
    last = None
    for i in range(warmup + runs):
        stamps = []
        t0 = time.perf_counter()
        res = eng.generate(ids, frames, on_frame=lambda _i, _f: stamps.append(time.perf_counter()))
        n = int(res.frames.shape[0])
        if i >= warmup:
            m = _run_metrics(t0, stamps, n)
            results.append(m)
            log(f"  onnx loop run {i - warmup}: {n} frames, {m['ms_per_frame']:.1f} ms/frame "
                f"(first frame {m['first_frame_ms']:.0f} ms, steady {m['steady_ms_per_frame'] or 0:.1f} ms/frame)")
        last = res
    summary = _summarize(results)
    if last is not None and last.audio_frames.shape[0]:
        t = time.perf_counter()
        eng.decode(last.audio_frames)
        summary["mimi_decode_ms"] = (time.perf_counter() - t) * 1e3
        summary["mimi_decode_frames"] = int(last.audio_frames.shape[0])
        log(f"  mimi decode of {last.audio_frames.shape[0]} frames: {summary['mimi_decode_ms']:.0f} ms")
    return summary


def run(args) -> int:
    import os
    import platform

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from tokenizers import Tokenizer

    bundle = Path(args.bundle).expanduser() if args.bundle else None
    ckpt = Path(args.checkpoint).expanduser() if args.checkpoint else None
    if ckpt is None and bundle is not None:
        manifest = json.loads((bundle / "manifest.json").read_text())
        c = manifest.get("model", {}).get("checkpoint_dir")
        ckpt = Path(c) if c else None
    if ckpt is None and not args.skip_transformers:
        print("no --checkpoint given and the bundle's manifest names none")
        return 2
    tok_path = (ckpt / "tokenizer.json") if ckpt and (ckpt / "tokenizer.json").exists() else (bundle / "tokenizer.json")
    tok = Tokenizer.from_file(str(tok_path))
    ids = tok.encode(f"[{args.speaker}]{args.text}", add_special_tokens=True).ids
    print(f"prompt: {len(ids)} tokens, {args.frames} frames, {args.runs} runs after {args.warmup} warm-up, {args.threads} threads")
    report = {
        "frames": args.frames,
        "runs": args.runs,
        "warmup": args.warmup,
        "threads": args.threads,
        "prompt_tokens": len(ids),
        "machine": {"processor": platform.processor() or platform.machine(), "cpus": os.cpu_count()},
    }
    if not args.skip_transformers:
        print(f"transformers (PyTorch eager, CPU, greedy, attn={args.attn}) on {ckpt}:")
        report["transformers"] = bench_transformers(ckpt, ids, args.frames, args.runs, args.warmup, args.threads, args.attn)
        report["transformers"]["attn_implementation"] = args.attn
        print(f"  median {report['transformers']['median_ms_per_frame']:.1f} ms/frame overall, "
              f"{report['transformers']['median_steady_ms_per_frame']:.1f} ms/frame steady")
    if bundle is not None:
        print(f"onnxruntime Python loop on {bundle}:")
        report["onnx_python_loop"] = bench_onnx(bundle, ids, args.frames, args.runs, args.warmup, args.threads)
        print(f"  median {report['onnx_python_loop']['median_ms_per_frame']:.1f} ms/frame overall, "
              f"{report['onnx_python_loop']['median_steady_ms_per_frame']:.1f} ms/frame steady")
    import importlib.util

    if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
        import torch
        import transformers

        report["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0
