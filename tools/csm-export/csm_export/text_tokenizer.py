"""Text tokenizers: a tiny Llama-3-style BPE for random models, and template checks.

sesame/csm-1b uses the Llama 3.2 tokenizer with a post-processor that wraps every
encoded text as ``<|begin_of_text|> $A <|end_of_text|>`` (Llama 3 itself only adds
the begin token). The tiny tokenizer built here has the same pipeline: the Llama 3
pre-tokenizer split regex, byte-level BPE, the first ten Llama 3 special tokens in the
same order (with ids 2 and 3 of that block renamed ``<|AUDIO|>``/``<|audio_eos|>`` as
in csm-1b), and the same post-processor. Only the merges and the vocabulary size
differ, so ``tokenizer.json`` is consumed in exactly the same way.
"""

from __future__ import annotations

# The split pattern of Llama 3's pre-tokenizer (a fact of that tokenizer's format).
LLAMA3_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
    r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

BOS_TOKEN = "<|begin_of_text|>"
EOS_TOKEN = "<|end_of_text|>"
AUDIO_TOKEN = "<|AUDIO|>"
AUDIO_EOS_TOKEN = "<|audio_eos|>"

# Same order as the first ten entries of Llama 3's special-token block
# (128000..128009); csm-1b renames the reserved tokens 0 and 1 to AUDIO/audio_eos.
SPECIAL_TOKENS = [
    BOS_TOKEN,
    EOS_TOKEN,
    AUDIO_TOKEN,
    AUDIO_EOS_TOKEN,
    "<|reserved_special_token_2|>",
    "<|reserved_special_token_3|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|reserved_special_token_4|>",
    "<|eot_id|>",
]

TINY_TEXT_VOCAB_SIZE = 512  # BPE pieces + special tokens; also the embedding rows

# A small English corpus written for this tool; it only has to give the BPE trainer
# enough pairs to learn a few hundred merges.
_CORPUS = """
Hello from Sesame. This is a tiny test voice speaking for the engine.
The quick brown fox jumps over the lazy dog while the cat watches from the window.
Good morning! How are you today? I am fine, thank you, and you?
We are testing a speech pipeline that reads messages from a queue and writes audio.
Numbers like 1, 2, 3, 42, 100 and 2048 appear in text as well as dates like 2025-05-20.
Please call me back at your convenience; I will be at the office until five o'clock.
The weather is nice, the sun is shining, and the birds are singing in the trees.
Speech synthesis turns written words into sound, one frame after another.
Each frame holds thirty-two codes, and the codec turns the codes back into a waveform.
She said that she'd rather walk home, but they're going to drive instead.
It's a small world after all; we've seen it, you'll see it, and I'd say it's true.
Listen carefully: the first speaker asks a question and the second speaker answers it.
What time is it? It is half past three in the afternoon, time for a cup of tea.
Thank you for calling. Your request has been received and will be processed soon.
A long sentence can be split into several shorter ones when the speaker needs to breathe.
The engine must produce the same tokens as the reference, token by token, frame by frame.
Questions, answers, greetings and farewells: everything a conversation needs.
Can you hear me now? Yes, I can hear you loud and clear.
The river flows to the sea, and the mountains stand still under the open sky.
Testing, testing, one, two, three. Is this thing on?
"""


def build_tiny_tokenizer(vocab_size: int = TINY_TEXT_VOCAB_SIZE):
    """Build the deterministic tiny byte-level BPE tokenizer (a ``tokenizers.Tokenizer``)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(LLAMA3_SPLIT_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    n_special = len(SPECIAL_TOKENS)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - n_special,
        min_frequency=1,
        show_progress=False,
        special_tokens=[],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    lines = [line for line in _CORPUS.strip().splitlines() if line.strip()]
    tok.train_from_iterator(lines, trainer=trainer)
    base = tok.get_vocab_size()
    if base != vocab_size - n_special:
        raise AssertionError(f"tiny BPE learned {base} pieces, expected {vocab_size - n_special}")
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    install_csm_template(tok)
    if tok.get_vocab_size() != vocab_size:
        raise AssertionError("unexpected tiny tokenizer size")
    return tok


def install_csm_template(tok) -> None:
    """Set the post-processor CSM expects: ``<bos> $A <eos>`` (pair: both segments wrapped)."""
    from tokenizers import processors

    bos_id = tok.token_to_id(BOS_TOKEN)
    eos_id = tok.token_to_id(EOS_TOKEN)
    if bos_id is None or eos_id is None:
        raise ValueError("tokenizer lacks <|begin_of_text|>/<|end_of_text|>")
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS_TOKEN}:0 $A:0 {EOS_TOKEN}:0",
        pair=f"{BOS_TOKEN}:0 $A:0 {EOS_TOKEN}:0 {BOS_TOKEN}:1 $B:1 {EOS_TOKEN}:1",
        special_tokens=[(BOS_TOKEN, bos_id), (EOS_TOKEN, eos_id)],
    )


def has_csm_template(tok) -> bool:
    """True when ``encode('[0]x')`` with special tokens is wrapped in begin/end-of-text."""
    bos_id = tok.token_to_id(BOS_TOKEN)
    eos_id = tok.token_to_id(EOS_TOKEN)
    ids = tok.encode("[0]x", add_special_tokens=True).ids
    plain = tok.encode("[0]x", add_special_tokens=False).ids
    return len(ids) == len(plain) + 2 and ids[0] == bos_id and ids[-1] == eos_id and ids[1:-1] == plain


def special_ids(tok, fallback: dict | None = None) -> dict[str, int]:
    """bos/eos/audio/audio_eos ids from the tokenizer (``fallback`` fills tokens it lacks)."""
    out = {
        "bos": tok.token_to_id(BOS_TOKEN),
        "eos": tok.token_to_id(EOS_TOKEN),
        "audio": tok.token_to_id(AUDIO_TOKEN),
        "audio_eos": tok.token_to_id(AUDIO_EOS_TOKEN),
    }
    for k, v in (fallback or {}).items():
        if out.get(k) is None and v is not None:
            out[k] = int(v)
    missing = [k for k, v in out.items() if v is None]
    if missing:
        raise ValueError(f"tokenizer lacks special tokens: {missing}")
    return out


# Jinja chat template equivalent to the one sesame/csm-1b's processor uses for a
# text-only conversation: every message becomes
#   <|begin_of_text|>[<speaker>]<text><|end_of_text|>
# followed by <|AUDIO|><|audio_eos|> when the message carries audio.
CSM_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{- bos_token -}}"
    "{{- '[' + message['role'] + ']' -}}"
    "{{- message['content'][0]['text'] -}}"
    "{{- eos_token -}}"
    "{%- if message['content'] | length > 1 -%}{{- '<|AUDIO|><|audio_eos|>' -}}{%- endif -%}"
    "{%- endfor -%}"
)


def make_processor(tok):
    """A transformers ``CsmProcessor`` around ``tok`` (used to produce reference prompts)."""
    from transformers import CsmProcessor, EncodecFeatureExtractor, PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=EOS_TOKEN,
    )
    fe = EncodecFeatureExtractor(feature_size=1, sampling_rate=24000, padding_value=0.0)
    return CsmProcessor(feature_extractor=fe, tokenizer=fast, chat_template=CSM_CHAT_TEMPLATE)


def prompt_ids_generator_style(tok, speaker: int, text: str) -> list[int]:
    """Token ids as Sesame's original generator builds them: encode('[speaker]text') with the template."""
    return tok.encode(f"[{speaker}]{text}", add_special_tokens=True).ids


def prompt_ids_transformers_style(processor, speaker: int, text: str) -> list[int]:
    """Token ids as transformers builds them: the processor's chat template, tokenized without extra specials."""
    conversation = [{"role": f"{speaker}", "content": [{"type": "text", "text": text}]}]
    enc = processor.apply_chat_template(conversation, tokenize=True, return_dict=True)
    ids = enc["input_ids"]
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    if ids and isinstance(ids[0], list):
        ids = ids[0]
    return [int(i) for i in ids]
