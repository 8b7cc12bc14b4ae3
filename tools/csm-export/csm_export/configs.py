"""Model configurations for random-weight CSM models.

All presets share the structure of sesame/csm-1b: 32 codebooks, an audio vocabulary
of 2051 ids per codebook, a Llama-style backbone and depth decoder with Llama-3 RoPE
scaling, and a Mimi codec with 32 quantizers of 2048 entries. Only widths, depths and
the text vocabulary differ.
"""

from __future__ import annotations

from dataclasses import dataclass

NUM_CODEBOOKS = 32
AUDIO_VOCAB_SIZE = 2051  # ids 0..2047 are Mimi codes, 2048..2050 are not audio
MIMI_CODEBOOK_SIZE = 2048

# RoPE parameters of sesame/csm-1b as written by transformers' conversion script
# (Llama-3 scaling, rewritten for max_position_embeddings 2048 resp. 33).
ROPE_BACKBONE = {
    "rope_type": "llama3",
    "rope_theta": 500000.0,
    "factor": 32.0,
    "high_freq_factor": 0.5,
    "low_freq_factor": 0.125,
    "original_max_position_embeddings": 1024,
}
ROPE_DEPTH_DECODER = {
    "rope_type": "llama3",
    "rope_theta": 500000.0,
    "factor": 32.0,
    "high_freq_factor": 0.0078125,
    "low_freq_factor": 0.001953125,
    "original_max_position_embeddings": 16,
}


@dataclass(frozen=True)
class Preset:
    name: str
    backbone: dict
    depth_decoder: dict
    codec: dict | None  # None = transformers' default MimiConfig (the real Mimi size)
    description: str


PRESETS: dict[str, Preset] = {
    "tiny": Preset(
        name="tiny",
        backbone=dict(
            hidden_size=8,
            intermediate_size=24,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
        ),
        depth_decoder=dict(
            hidden_size=8,
            intermediate_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
        ),
        codec=dict(
            hidden_size=16,
            num_filters=4,
            codebook_dim=4,
            vector_quantization_hidden_dimension=4,
            upsample_groups=16,
            num_hidden_layers=2,
            intermediate_size=32,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=8,
            # shorter than the real 250 so that a 24-frame fixture (48 Mimi transformer
            # positions) exercises the sliding-window attention mask
            sliding_window=24,
        ),
        description="test fixture: a few layers, widths 8-16, same structure as csm-1b",
    ),
    "mid": Preset(
        name="mid",
        backbone=dict(
            hidden_size=512,
            intermediate_size=2048,
            num_hidden_layers=8,
            num_attention_heads=8,
            num_key_value_heads=2,
        ),
        depth_decoder=dict(
            hidden_size=512,
            intermediate_size=2048,
            num_hidden_layers=4,
            num_attention_heads=8,
            num_key_value_heads=2,
        ),
        codec=None,
        description="CPU benchmark model: ~147M CSM parameters plus a full-size Mimi",
    ),
    "csm-1b": Preset(
        name="csm-1b",
        backbone=dict(
            hidden_size=2048,
            intermediate_size=8192,
            num_hidden_layers=16,
            num_attention_heads=32,
            num_key_value_heads=8,
        ),
        depth_decoder=dict(
            hidden_size=1024,
            intermediate_size=8192,
            num_hidden_layers=4,
            num_attention_heads=8,
            num_key_value_heads=2,
        ),
        codec=None,
        description="full CSM-1B architecture (random weights): same cost as the real model",
    ),
}


def build_config(preset: str, text_vocab_size: int, special_ids: dict[str, int]):
    """Return a transformers ``CsmConfig`` for ``preset``.

    ``text_vocab_size`` is the number of rows of the text embedding; ``special_ids``
    holds ``bos``, ``eos``, ``audio`` and ``audio_eos`` token ids of the tokenizer.
    """
    from transformers import CsmConfig, CsmDepthDecoderConfig, MimiConfig

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    p = PRESETS[preset]
    codec = MimiConfig(**p.codec) if p.codec is not None else MimiConfig()
    if codec.num_quantizers != NUM_CODEBOOKS or codec.codebook_size != MIMI_CODEBOOK_SIZE:
        raise AssertionError("Mimi must have 32 quantizers of 2048 entries")
    depth = CsmDepthDecoderConfig(
        num_codebooks=NUM_CODEBOOKS,
        backbone_hidden_size=p.backbone["hidden_size"],
        vocab_size=AUDIO_VOCAB_SIZE,
        max_position_embeddings=NUM_CODEBOOKS + 1,
        rope_parameters=dict(ROPE_DEPTH_DECODER),
        **p.depth_decoder,
    )
    cfg = CsmConfig(
        num_codebooks=NUM_CODEBOOKS,
        vocab_size=AUDIO_VOCAB_SIZE,
        text_vocab_size=text_vocab_size,
        max_position_embeddings=2048,
        rope_parameters=dict(ROPE_BACKBONE),
        bos_token_id=special_ids["bos"],
        eos_token_id=None,
        pad_token_id=special_ids["audio"],
        audio_token_id=special_ids["audio"],
        audio_eos_token_id=special_ids["audio_eos"],
        codebook_pad_token_id=2050,
        codebook_eos_token_id=0,
        depth_decoder_config=depth,
        codec_config=codec,
        **p.backbone,
    )
    return cfg
