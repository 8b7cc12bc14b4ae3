"""Export wrappers: the CSM step functions with plain-tensor key/value caches.

The wrappers reuse the transformers model's own sub-modules (embeddings, projections,
norms, MLPs, rotary embeddings, heads) and only re-implement the glue: the masked
33-column frame embedding, attention over a plain concatenated key/value cache, and
the attention masks. See docs/BUNDLE-FORMAT.md for the contract they implement.

KV cache layout (both transformers, backbone and depth decoder):

    past_kv: (past_seq, num_layers, 2, batch, num_kv_heads, head_dim)
    new_kv:  (seq,      num_layers, 2, batch, num_kv_heads, head_dim)

Sequence-major so that the caller appends ``new_kv`` to its cache buffer with a plain
contiguous copy (index 0 of the third axis = keys after RoPE, 1 = values).
"""

from __future__ import annotations

import torch
from torch import nn

from .configs import AUDIO_VOCAB_SIZE, MIMI_CODEBOOK_SIZE, NUM_CODEBOOKS


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def _apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # x: (B, H, S, D); cos/sin: (B or 1, S, D)
    return x * cos.unsqueeze(1) + _rotate_half(x) * sin.unsqueeze(1)


def _repeat_kv(x: torch.Tensor, n_rep: int) -> torch.Tensor:
    if n_rep == 1:
        return x
    b, h, t, d = x.shape
    return x[:, :, None, :, :].expand(b, h, n_rep, t, d).reshape(b, h * n_rep, t, d)


def _attention(attn, x, cos, sin, add_mask, past_k, past_v, head_dim, n_rep, scaling):
    """Self-attention of one Csm layer over [past ; current] keys/values.

    Returns (output (B,S,hidden), k_new (B,Hkv,S,D), v_new (B,Hkv,S,D)).
    """
    b, s, _ = x.shape
    q = attn.q_proj(x).view(b, s, -1, head_dim).transpose(1, 2)
    k = attn.k_proj(x).view(b, s, -1, head_dim).transpose(1, 2)
    v = attn.v_proj(x).view(b, s, -1, head_dim).transpose(1, 2)
    q = _apply_rope(q, cos, sin)
    k = _apply_rope(k, cos, sin)
    if past_k is None:
        keys, values = k, v
    else:
        keys = torch.cat([past_k, k], dim=2)
        values = torch.cat([past_v, v], dim=2)
    keys = _repeat_kv(keys, n_rep)
    values = _repeat_kv(values, n_rep)
    scores = torch.matmul(q, keys.transpose(2, 3)) * scaling
    scores = scores + add_mask
    probs = torch.softmax(scores.float(), dim=-1).to(q.dtype)
    out = torch.matmul(probs, values).transpose(1, 2).reshape(b, s, -1)
    return attn.o_proj(out), k, v


def _run_layers(layers, h, cos, sin, add_mask, past_kv, cfg):
    head_dim = cfg.head_dim
    n_rep = cfg.num_attention_heads // cfg.num_key_value_heads
    scaling = head_dim**-0.5
    new_kv = []
    for i, layer in enumerate(layers):
        # past_kv[:, i, j]: (P, B, Hkv, D) -> (B, Hkv, P, D)
        past_k = past_kv[:, i, 0].permute(1, 2, 0, 3)
        past_v = past_kv[:, i, 1].permute(1, 2, 0, 3)
        residual = h
        x = layer.input_layernorm(h)
        attn_out, k, v = _attention(layer.self_attn, x, cos, sin, add_mask, past_k, past_v, head_dim, n_rep, scaling)
        h = residual + attn_out
        residual = h
        h = residual + layer.mlp(layer.post_attention_layernorm(h))
        new_kv.append(torch.stack([k, v], dim=0))  # (2, B, Hkv, S, D)
    kv = torch.stack(new_kv, dim=0)  # (L, 2, B, Hkv, S, D)
    kv = kv.permute(4, 0, 1, 2, 3, 5)  # (S, L, 2, B, Hkv, D)
    return h, kv


class BackboneStep(nn.Module):
    """One backbone call: prompt prefill (seq > 1) or one generated frame (seq = 1)."""

    def __init__(self, model, logits_dtype=torch.float32):
        super().__init__()
        cfg = model.config
        self.cfg = cfg
        self.text_embed = model.embed_text_tokens
        self.audio_embed = model.backbone_model.embed_tokens.embed_audio_tokens
        self.layers = model.backbone_model.layers
        self.norm = model.backbone_model.norm
        self.rotary = model.backbone_model.rotary_emb
        self.lm_head = model.lm_head
        self.logits_dtype = logits_dtype
        self.register_buffer(
            "offsets", torch.arange(NUM_CODEBOOKS, dtype=torch.long) * AUDIO_VOCAB_SIZE, persistent=False
        )

    def forward(self, tokens, tokens_mask, position_ids, attention_mask, past_kv):
        dtype = self.lm_head.weight.dtype
        # (B, S, 32, H) audio embeddings with per-codebook offsets, (B, S, 1, H) text
        audio = self.audio_embed(tokens[:, :, :NUM_CODEBOOKS] + self.offsets)
        text = self.text_embed(tokens[:, :, NUM_CODEBOOKS]).unsqueeze(2)
        emb = torch.cat([audio, text], dim=2) * tokens_mask.unsqueeze(-1).to(dtype)
        h = emb.sum(dim=2)

        s = tokens.shape[1]
        p = past_kv.shape[0]
        # mask over keys [past ; current]: causal within the window, padding from attention_mask
        q_idx = torch.arange(s, device=tokens.device) + p
        k_idx = torch.arange(p + s, device=tokens.device)
        causal = k_idx[None, :] <= q_idx[:, None]  # (S, T)
        allowed = causal[None, :, :] & (attention_mask[:, None, :] != 0)  # (B, S, T)
        zero = torch.zeros((), dtype=dtype)
        neg = torch.full((), torch.finfo(dtype).min, dtype=dtype)
        add_mask = torch.where(allowed, zero, neg).unsqueeze(1)  # (B, 1, S, T)

        cos, sin = self.rotary(h, position_ids)
        h, new_kv = _run_layers(self.layers, h, cos, sin, add_mask, past_kv, self.cfg)
        h = self.norm(h)
        last = h[:, -1, :]
        logits = self.lm_head(last).to(self.logits_dtype)
        return logits, last, new_kv


class DepthDecoderStep(nn.Module):
    """One depth-decoder call over absolute positions past_seq .. past_seq+seq-1 (0..31).

    Position 0 is the backbone's last hidden state; position p >= 1 embeds the code of
    codebook p-1 (``tokens[:, i]``) with offset (p-1)*2051. The logits are those of the
    last position p_last, i.e. for codebook p_last (head ``weight[p_last - 1]``).
    """

    def __init__(self, model, logits_dtype=torch.float32):
        super().__init__()
        dd = model.depth_decoder
        self.cfg = dd.config
        self.embed = dd.model.embed_tokens
        self.projector = dd.model.inputs_embeds_projector
        self.layers = dd.model.layers
        self.norm = dd.model.norm
        self.rotary = dd.model.rotary_emb
        self.head_weight = dd.codebooks_head.weight  # (31, hidden, 2051)
        self.logits_dtype = logits_dtype

    def forward(self, last_hidden, tokens, past_kv):
        dtype = self.head_weight.dtype
        s = tokens.shape[1]
        p = past_kv.shape[0]
        pos = torch.arange(s, device=tokens.device) + p  # (S,)
        codebook = torch.clamp(pos - 1, min=0)
        emb = self.embed(tokens + (codebook * AUDIO_VOCAB_SIZE)[None, :])  # (B, S, Hb)
        is_first = (pos == 0)[None, :, None]
        emb = torch.where(is_first, last_hidden.to(dtype)[:, None, :], emb)
        h = self.projector(emb)

        k_idx = torch.arange(p + s, device=tokens.device)
        allowed = k_idx[None, :] <= pos[:, None]  # (S, T)
        zero = torch.zeros((), dtype=dtype)
        neg = torch.full((), torch.finfo(dtype).min, dtype=dtype)
        add_mask = torch.where(allowed, zero, neg)[None, None, :, :]  # (1, 1, S, T)

        cos, sin = self.rotary(h, pos[None, :])
        h, new_kv = _run_layers(self.layers, h, cos, sin, add_mask, past_kv, self.cfg)
        h = self.norm(h)
        last = h[:, -1, :]
        # head of codebook p_last = weight[p_last - 1]; index_select with a tensor index keeps
        # the export free of data-dependent Python integers (p_last = 0 is not a valid call)
        head = torch.clamp(pos[-1:] - 1, min=0)
        w = torch.index_select(self.head_weight, 0, head)[0]  # (hidden, 2051)
        logits = torch.matmul(last, w).to(self.logits_dtype)
        return logits, new_kv


class MimiDecode(nn.Module):
    """Mimi codes (B, 32, F) -> PCM (B, 1, F*1920), full-sequence (non-streaming) decode.

    Codes outside 0..2047 (the non-audio ids 2048..2050 CSM can emit) are replaced by 0
    before the codebook lookup. The decoder transformer's sliding-window causal mask is
    built here explicitly (key j visible to query i iff i - window < j <= i).
    """

    def __init__(self, codec_model):
        super().__init__()
        self.codec = codec_model
        self.cfg = codec_model.config

    def forward(self, codes):
        codes = torch.where((codes >= 0) & (codes < MIMI_CODEBOOK_SIZE), codes, torch.zeros_like(codes))
        emb = self.codec.quantizer.decode(codes)  # (B, hidden, F)
        emb = self.codec.upsample(emb)  # (B, hidden, 2F)
        h = emb.transpose(1, 2)
        h = _sliding_window_transformer(self.codec.decoder_transformer, self.cfg, h)
        return _seanet(self.codec.decoder.layers, h.transpose(1, 2), _decoder_conv)


class MimiEncode(nn.Module):
    """24 kHz mono PCM (B, 1, samples) -> Mimi codes (B, 32, frames), transformers' ``codec_model.encode``,
    and the latents the quantizer reads (B, hidden, frames; for the self-check's max |diff|).

    ``frames = ceil(samples / 1920)``: every strided convolution pads its input on the right up to a whole
    number of strides (a partial last frame is zero-padded), exactly as ``MimiConv1d`` does. The paddings are
    computed here from the symbolic length with integer arithmetic (transformers derives them from tensors,
    which the exporter cannot trace), and the encoder transformer's sliding-window causal mask is built
    explicitly as in :class:`MimiDecode`. The quantizer is transformers' own (nearest codebook entry by
    Euclidean distance, semantic codebook first, then the 31 acoustic residual levels).
    """

    def __init__(self, codec_model):
        super().__init__()
        self.codec = codec_model
        self.cfg = codec_model.config

    def forward(self, pcm):
        h = _seanet(self.codec.encoder.layers, pcm, _causal_conv)
        h = _sliding_window_transformer(self.codec.encoder_transformer, self.cfg, h.transpose(1, 2)).transpose(1, 2)
        latents = _causal_conv(self.codec.downsample, h)  # (B, hidden, frames)
        codes = self.codec.quantizer.encode(latents)  # (32, B, frames)
        return codes.transpose(0, 1), latents


def _causal_conv(layer, h):
    """``MimiConv1d.forward`` for a causal convolution: left pad ``padding_total``, right pad up to a whole
    number of strides (``extra``), then the convolution."""
    c = layer.conv
    k, d, s = c.kernel_size[0], c.dilation[0], c.stride[0]
    if not layer.causal:
        raise AssertionError("Mimi's encoder convolutions are causal")
    effective = (k - 1) * d + 1
    total = effective - s
    length = h.shape[-1]
    # transformers: n = ceil((length - effective + total) / s + 1) - 1, ideal = n*s + effective - total,
    # extra = ideal - length; with total = effective - s that is ceil(length / s) * s - length. Written with
    # non-negative operands only: ONNX integer division truncates where Python's floors.
    extra = (length + s - 1) // s * s - length
    h = torch.nn.functional.pad(h, (total, extra), mode=layer.pad_mode)
    return c(h)


def _decoder_conv(layer, h):
    """``MimiConv1d.forward`` in Mimi's SEANet decoder, with the causal padding of its stride-1 convolutions
    computed from Python integers (transformers derives it from tensors, which some torch.export versions
    cannot trace). Same arithmetic: left pad (k-1)*d + 1 - s, no extra right pad for stride 1. Other
    convolutions run as transformers writes them."""
    c = layer.conv
    k, d, s = c.kernel_size[0], c.dilation[0], c.stride[0]
    if s != 1 or not layer.causal or layer.pad_mode != "constant":
        return layer(h)
    h = torch.nn.functional.pad(h, ((k - 1) * d + 1 - s, 0))
    return c(h)


def _seanet(layers, h, conv):
    """Mimi's SEANet layers (encoder or decoder) in order, with ``conv`` standing in for ``MimiConv1d.forward``
    everywhere, inside the residual blocks too."""
    from transformers.models.mimi.modeling_mimi import MimiConv1d, MimiResnetBlock

    for layer in layers:
        if isinstance(layer, MimiConv1d):
            h = conv(layer, h)
        elif isinstance(layer, MimiResnetBlock):
            h = _resnet_block(layer, h, conv)
        else:
            h = layer(h)
    return h


def _resnet_block(res, h, conv):
    from transformers.models.mimi.modeling_mimi import MimiConv1d

    y = h
    for layer in res.block:
        y = conv(layer, y) if isinstance(layer, MimiConv1d) else layer(y)
    short = conv(res.shortcut, h) if isinstance(res.shortcut, MimiConv1d) else res.shortcut(h)
    return short + y


def _sliding_window_transformer(tr, cfg, h):
    """A Mimi transformer (encoder or decoder) over the whole sequence with the causal sliding-window mask
    (key j visible to query i iff i - window < j <= i)."""
    b, t, _ = h.shape
    pos = torch.arange(t, device=h.device)
    cos, sin = tr.rotary_emb(h, pos[None, :])
    allowed = (pos[None, :] <= pos[:, None]) & (pos[None, :] > pos[:, None] - cfg.sliding_window)
    dtype = h.dtype
    add_mask = torch.where(
        allowed, torch.zeros((), dtype=dtype), torch.full((), torch.finfo(dtype).min, dtype=dtype)
    )[None, None]
    head_dim = cfg.head_dim
    n_rep = cfg.num_attention_heads // cfg.num_key_value_heads
    scaling = head_dim**-0.5
    for layer in tr.layers:
        residual = h
        x = layer.input_layernorm(h)
        attn_out, _, _ = _attention(layer.self_attn, x, cos, sin, add_mask, None, None, head_dim, n_rep, scaling)
        h = residual + layer.self_attn_layer_scale(attn_out)
        residual = h
        h = residual + layer.mlp_layer_scale(layer.mlp(layer.post_attention_layernorm(h)))
    return h


def empty_kv(num_layers: int, batch: int, kv_heads: int, head_dim: int, dtype=torch.float32) -> torch.Tensor:
    return torch.zeros((0, num_layers, 2, batch, kv_heads, head_dim), dtype=dtype)
