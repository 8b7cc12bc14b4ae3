#!/usr/bin/env python3
"""Time transformers' own greedy CSM generation (CPU, PyTorch eager) on a bundle's source weights.

Equivalent to ``python -m csm_export bench ...``; run from tools/csm-export in the venv:

    ~/.venvs/csm-export/bin/python bench_reference.py --checkpoint ~/csm-bundles/mid.hf \
        --bundle ~/csm-bundles/mid --frames 32 --runs 5 --threads 2
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from csm_export.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
