#!/usr/bin/env python3
"""Time transformers' own greedy CSM generation (PyTorch eager, CPU) the way EngineBench times the Java engine.

Same prompt text, speaker, frame count and thread count as EngineBench; reports per run the wall time per frame
(prefill included), the steady-state time per frame (frames 2..N, from a streamer's timestamps) and the process CPU
time per frame, then the medians, as JSON on stdout's last line (and in --json).

    ~/.venvs/csm-export/bin/python tools/bench/pytorch_generate_bench.py --checkpoint ~/csm-bundles/mid.hf \
        --frames 32 --runs 3 --warmup 1 --threads 2
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "csm-export"))
from csm_export.bench import FrameClock  # noqa: E402  (the exporter's streamer, shared, not copied)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--frames", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--speaker", type=int, default=0)
    ap.add_argument("--text", default="Hello from Sesame. This is a benchmark of the speech engine.")
    ap.add_argument("--attn", choices=["sdpa", "eager"], default="sdpa")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    import torch
    from tokenizers import Tokenizer
    from transformers import CsmForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    ckpt = os.path.expanduser(args.checkpoint)
    tok = Tokenizer.from_file(os.path.join(ckpt, "tokenizer.json"))
    ids = tok.encode(f"[{args.speaker}]{args.text}", add_special_tokens=True).ids
    model = CsmForConditionalGeneration.from_pretrained(ckpt, dtype=torch.float32,
                                                        attn_implementation=args.attn).eval()
    input_ids = torch.tensor([ids], dtype=torch.long)
    runs = []
    for i in range(args.warmup + args.runs):
        clock = FrameClock()
        c0 = time.process_time()
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(input_ids=input_ids, max_new_tokens=args.frames, do_sample=False,
                                 depth_decoder_do_sample=False, streamer=clock)
        t1 = time.perf_counter()
        cpu = time.process_time() - c0
        n = int(out.shape[1])
        stamps = clock.times[-n:]  # generate() first streams the prompt itself
        if i < args.warmup:
            continue
        run = {
            "frames": n,
            "ms_per_frame": (t1 - t0) * 1e3 / n,
            "steady_ms_per_frame": (stamps[-1] - stamps[0]) * 1e3 / (n - 1) if n > 1 else None,
            "first_frame_ms": (stamps[0] - t0) * 1e3,
            "cpu_ms_per_frame": cpu * 1e3 / n,
        }
        runs.append(run)
        print(f"  pytorch run {len(runs) - 1}: {n} frames, {run['ms_per_frame']:.1f} ms/frame (steady "
              f"{run['steady_ms_per_frame']:.1f}, cpu {run['cpu_ms_per_frame']:.1f}), first frame "
              f"{run['first_frame_ms']:.0f} ms", flush=True)

    def med(key):
        return statistics.median(r[key] for r in runs)

    report = {
        "engine": "transformers (PyTorch eager, CPU, greedy, attn=%s)" % args.attn,
        "checkpoint": ckpt, "prompt_tokens": len(ids), "frames": runs[0]["frames"], "threads": args.threads,
        "runs": args.runs, "median_ms_per_frame": med("ms_per_frame"),
        "median_steady_ms_per_frame": med("steady_ms_per_frame"), "median_first_frame_ms": med("first_frame_ms"),
        "median_cpu_ms_per_frame": med("cpu_ms_per_frame"), "runs_ms_per_frame": [r["ms_per_frame"] for r in runs],
        "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__},
    }
    print(f"  median {report['median_ms_per_frame']:.1f} ms/frame overall, {report['median_steady_ms_per_frame']:.1f} "
          f"steady, cpu {report['median_cpu_ms_per_frame']:.1f} ms/frame", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
