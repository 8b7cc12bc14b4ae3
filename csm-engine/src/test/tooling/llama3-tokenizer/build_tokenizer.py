"""CSM-1B's tokenizer.json from the Llama 3 vocabulary that llama3-tokenizer-js ships, and reference ids.

    python build_tokenizer.py JS_DUMP CORPUS OUT_DIR

Runs in the tooling's virtual environment (make_tokenizer.py creates it; no torch). JS_DUMP is what
js_reference.mjs wrote. OUT_DIR receives:

- ``tokenizer.json``: the tokenizer of sesame/csm-1b as transformers' conversion script builds it: Llama 3.2's
  tokenizer (128,000 byte-level BPE ranks, the Llama 3 split pattern, 256 special tokens at 128000..128255) with
  128002/128003 named ``<|AUDIO|>``/``<|audio_eos|>`` and the post-processor ``<|begin_of_text|> $A <|end_of_text|>``
  of Sesame's generator. Built with transformers' ``TikTokenConverter``.
- ``tokenizer-bos-only.json``: the same with Llama 3.2's own post-processor (bos only, no eos): what a bundle
  would hold if Llama 3.2's file were copied in without CSM's template.
- ``reference-ids.json``: per corpus entry the prompt ``[speaker]text`` and its ids from transformers' fast tokenizer,
  from tiktoken (raw BPE, wrapped in bos/eos as Meta's Llama 3 tokenizer does with bos=True, eos=True) and from
  llama3-tokenizer-js.
"""

from __future__ import annotations

import base64
import json
import sys
from importlib.metadata import version
from pathlib import Path

# Llama 3's pre-tokenizer split pattern, as Meta's tokenizer.py and Llama 3.2's tokenizer.json spell it.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
NUM_BPE_RANKS = 128_000
NUM_SPECIAL_TOKENS = 256
BOS, EOS = "<|begin_of_text|>", "<|end_of_text|>"
# transformers' convert_csm.py renames two of Llama 3.2's reserved tokens for csm-1b.
CSM_RENAMED = {128002: "<|AUDIO|>", 128003: "<|audio_eos|>"}


def fail(message: str) -> None:
    raise SystemExit(f"build_tokenizer.py: {message}")


def write_tiktoken_ranks(vocab: list[str], path: Path) -> None:
    """The BPE ranks in tiktoken's file format: base64(token bytes) SPACE rank, one per line (rank = token id)."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    byte_of_char = {c: b for b, c in bytes_to_unicode().items()}
    lines = []
    for rank, token in enumerate(vocab[:NUM_BPE_RANKS]):
        try:
            raw = bytes(byte_of_char[c] for c in token)
        except KeyError as e:
            fail(f"token {rank} {token!r} holds {e} which is not a byte-level character")
        lines.append(f"{base64.b64encode(raw).decode('ascii')} {rank}\n")
    path.write_text("".join(lines), encoding="ascii")


def csm_special_tokens(vocab: list[str]) -> list[str]:
    specials = vocab[NUM_BPE_RANKS:]
    if len(specials) != NUM_SPECIAL_TOKENS or specials[0] != BOS or specials[1] != EOS:
        fail(f"expected {NUM_SPECIAL_TOKENS} special tokens starting {BOS}, {EOS}; the package has "
             f"{len(specials)} starting {specials[:2]}")
    for token_id, name in CSM_RENAMED.items():
        specials[token_id - NUM_BPE_RANKS] = name
    return specials


def convert(ranks_file: Path, specials: list[str]):
    """transformers' tiktoken converter: BPE with merges derived from the ranks, Split + ByteLevel, the specials."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    return TikTokenConverter(vocab_file=str(ranks_file), pattern=LLAMA3_PATTERN,
                             extra_special_tokens=specials).converted()


def with_post_processor(tokenizer, single: str, pair: str):
    from tokenizers import Tokenizer, processors

    copy = Tokenizer.from_str(tokenizer.to_str())
    specials = [(t, copy.token_to_id(t)) for t in (BOS, EOS) if t in single or t in pair]
    copy.post_processor = processors.TemplateProcessing(single=single, pair=pair, special_tokens=specials)
    return copy


def check_structure(tokenizer, js_merges: list[str]) -> None:
    """Ids of the specials, vocabulary size, and the derived merges equal to the package's own merge list."""
    if tokenizer.get_vocab_size() != NUM_BPE_RANKS + NUM_SPECIAL_TOKENS:
        fail(f"vocabulary size {tokenizer.get_vocab_size()}, expected {NUM_BPE_RANKS + NUM_SPECIAL_TOKENS}")
    expected = {BOS: 128000, EOS: 128001, "<|AUDIO|>": 128002, "<|audio_eos|>": 128003, "<|eot_id|>": 128009,
                "<|reserved_special_token_247|>": 128255}
    for token, token_id in expected.items():
        if tokenizer.token_to_id(token) != token_id:
            fail(f"{token} has id {tokenizer.token_to_id(token)}, expected {token_id}")
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    if merges != js_merges:
        first = next((i for i, (a, b) in enumerate(zip(merges, js_merges)) if a != b), min(len(merges), len(js_merges)))
        fail(f"merges derived from the ranks ({len(merges)}) differ from llama3-tokenizer-js's ({len(js_merges)}) "
             f"first at {first}")


def reference_ids(tokenizer_file: Path, ranks_file: Path, specials: list[str], corpus: list[dict],
                  js_ids: list[list[int]]) -> list[dict]:
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(tokenizer_file=str(tokenizer_file), bos_token=BOS, eos_token=EOS)
    raw_bpe = tiktoken.Encoding(name="llama3", pat_str=LLAMA3_PATTERN, mergeable_ranks=load_tiktoken_bpe(str(ranks_file)),
                                special_tokens={t: NUM_BPE_RANKS + i for i, t in enumerate(specials)})
    entries = []
    for entry, js in zip(corpus, js_ids, strict=True):
        prompt = f"[{entry['speaker']}]{entry['text']}"
        bpe = raw_bpe.encode(prompt, allowed_special=set(), disallowed_special=())
        entries.append({
            "speaker": entry["speaker"],
            "text": entry["text"],
            "prompt": prompt,
            "transformers": fast(prompt, add_special_tokens=True)["input_ids"],
            "tiktoken": [128000, *bpe, 128001],
            "llama3_tokenizer_js": js,
        })
    return entries


def main(js_dump: Path, corpus_file: Path, out_dir: Path) -> None:
    js = json.loads(js_dump.read_text(encoding="utf-8"))
    corpus = json.loads(corpus_file.read_text(encoding="utf-8"))["entries"]
    out_dir.mkdir(parents=True, exist_ok=True)
    ranks_file = out_dir / "llama3.tiktoken"
    write_tiktoken_ranks(js["vocab"], ranks_file)
    specials = csm_special_tokens(js["vocab"])

    csm = with_post_processor(convert(ranks_file, specials), single=f"{BOS}:0 $A:0 {EOS}:0",
                              pair=f"{BOS}:0 $A:0 {EOS}:0 {BOS}:1 $B:1 {EOS}:1")
    check_structure(csm, js["merges"])
    csm.save(str(out_dir / "tokenizer.json"), pretty=False)
    bos_only = with_post_processor(csm, single=f"{BOS}:0 $A:0", pair=f"{BOS}:0 $A:0 {BOS}:1 $B:1")
    bos_only.save(str(out_dir / "tokenizer-bos-only.json"), pretty=False)

    entries = reference_ids(out_dir / "tokenizer.json", ranks_file, specials, corpus, js["ids"])
    versions = {name: version(name) for name in ("transformers", "tokenizers", "tiktoken")}
    versions["llama3-tokenizer-js"] = js["version"]
    versions["python"] = sys.version.split()[0]
    versions["node"] = js["node"]
    (out_dir / "reference-ids.json").write_text(
        json.dumps({"versions": versions, "entries": entries}, ensure_ascii=True, indent=1), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit("usage: python build_tokenizer.py JS_DUMP CORPUS OUT_DIR")
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
