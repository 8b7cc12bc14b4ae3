"""Streaming Mimi decoder: the one-shot :class:`~csm_export.wrappers.MimiDecode` split into chunks of frames,
with every piece of state the decoder carries from one frame to the next as an explicit input and output.

Mimi's decoder is causal end to end, so the samples of frame ``t`` depend only on frames ``<= t`` and a chunked
decode can reproduce the one-shot decode exactly (up to float summation order). The state is:

* ``position`` (1,) int64: decoder-transformer positions consumed so far (2 per frame, after the 2x upsample);
  it drives RoPE and the sliding-window mask.
* ``kv`` (layers, 2, batch, kv_heads, window - 1, head_dim): the decoder transformer's keys (after RoPE) and
  values of the last ``window - 1`` positions, oldest first; slots before position 0 are zeros and masked.
* one ``conv_<i>`` (batch, channels, (kernel - 1) * dilation) per stride-1 causal convolution with a kernel
  wider than 1: the last inputs it saw (the one-shot decode left-pads with zeros, so the initial state is zeros).
* one ``convtr_<i>`` (batch, out_channels, kernel - stride) per transposed convolution (the 2x upsample and the
  SEANet upsampling layers): the part of the last chunk's output that overlaps the next chunk, without bias
  (the one-shot decode trims exactly these ``kernel - stride`` samples at the right end).

A call takes ``frames >= 1`` frames and returns ``frames * 1920`` samples; all state starts as zeros.
"""

from __future__ import annotations

import torch
from torch import nn

from .configs import MIMI_CODEBOOK_SIZE
from .wrappers import _attention


def _conv_layers(codec):
    """The decoder's stateful layers in execution order: ("conv", MimiConv1d) / ("convtr", MimiConvTranspose1d)."""
    from transformers.models.mimi.modeling_mimi import MimiConv1d, MimiConvTranspose1d, MimiResnetBlock

    def stateful_conv(layer):
        c = layer.conv
        if c.stride[0] != 1 or not layer.causal or layer.pad_mode != "constant":
            raise AssertionError("streaming assumes causal, zero-padded, stride-1 decoder convolutions")
        return (c.kernel_size[0] - 1) * c.dilation[0] > 0

    out = []
    for layer in codec.decoder.layers:
        if isinstance(layer, MimiConv1d):
            if stateful_conv(layer):
                out.append(("conv", layer))
        elif isinstance(layer, MimiConvTranspose1d):
            out.append(("convtr", layer))
        elif isinstance(layer, MimiResnetBlock):
            for sub in list(layer.block) + [layer.shortcut]:
                if isinstance(sub, MimiConv1d) and stateful_conv(sub):
                    out.append(("conv", sub))
    return out


def state_specs(codec, batch="batch"):
    """[(name, dtype, shape)] of the state inputs after ``codes`` (outputs carry the same names + ``_out``)."""
    cfg = codec.config
    tr = cfg
    specs = [
        ("position", "int64", [1]),
        ("kv", "float32", [tr.num_hidden_layers, 2, batch, tr.num_key_value_heads, tr.sliding_window - 1, tr.head_dim]),
    ]
    if not isinstance(codec.upsample.conv, nn.ConvTranspose1d):
        raise AssertionError("expected a transposed-convolution upsample")
    layers = [("convtr", codec.upsample)] + _conv_layers(codec)
    for i, (kind, layer) in enumerate(layers):
        c = layer.conv
        if kind == "conv":
            specs.append((f"conv_{i}", "float32", [batch, c.in_channels, (c.kernel_size[0] - 1) * c.dilation[0]]))
        else:
            specs.append((f"convtr_{i}", "float32", [batch, c.out_channels, c.kernel_size[0] - c.stride[0]]))
    return specs


def zero_state(codec, batch: int):
    return [
        torch.zeros([batch if d == "batch" else d for d in shape], dtype=torch.int64 if dt == "int64" else torch.float32)
        for _, dt, shape in state_specs(codec)
    ]


class MimiDecodeStream(nn.Module):
    """(codes (B, 32, n), position, kv, *conv states) -> (pcm (B, 1, n*1920), position', kv', *conv states')."""

    def __init__(self, codec_model):
        super().__init__()
        self.codec = codec_model
        self.cfg = codec_model.config
        self.layers = [("convtr", codec_model.upsample)] + _conv_layers(codec_model)
        self.index = {id(layer): i for i, (_, layer) in enumerate(self.layers)}

    def forward(self, codes, position, kv, *states):
        from transformers.models.mimi.modeling_mimi import MimiConv1d, MimiConvTranspose1d, MimiResnetBlock

        states = list(states)
        new_states = [None] * len(states)

        def run(layer, h):
            i = self.index.get(id(layer))
            if i is None:
                return layer(h)  # a kernel-1 convolution or an activation: no state
            if isinstance(layer, MimiConvTranspose1d):
                return self._convtr(layer, h, i, states, new_states)
            return self._conv(layer, h, i, states, new_states)

        codes = torch.where((codes >= 0) & (codes < MIMI_CODEBOOK_SIZE), codes, torch.zeros_like(codes))
        emb = self.codec.quantizer.decode(codes)  # (B, hidden, n)
        emb = run(self.codec.upsample, emb)  # (B, hidden, 2n)
        h, position_out, kv_out = self._transformer(emb.transpose(1, 2), position, kv)
        x = h.transpose(1, 2)
        for layer in self.codec.decoder.layers:
            if isinstance(layer, MimiResnetBlock):
                y = x
                for sub in layer.block:
                    y = run(sub, y)
                x = run(layer.shortcut, x) + y
            else:
                x = run(layer, x)
        return (x, position_out, kv_out, *new_states)

    @staticmethod
    def _conv(layer, h, i, states, new_states):
        """Causal stride-1 convolution: prepend the remembered inputs, keep the last ones for the next call."""
        c = layer.conv
        keep = (c.kernel_size[0] - 1) * c.dilation[0]
        full = torch.cat([states[i], h], dim=-1)
        new_states[i] = full[..., full.shape[-1] - keep :]
        return c(full)

    @staticmethod
    def _convtr(layer, h, i, states, new_states):
        """Transposed convolution: add the previous chunk's overhang, emit n*stride samples, carry the rest."""
        c = layer.conv
        s = c.stride[0]
        over = c.kernel_size[0] - s
        y = torch.nn.functional.conv_transpose1d(h, c.weight, None, stride=s, groups=c.groups)  # (B, C, n*s + over)
        emit = h.shape[-1] * s
        y = torch.cat([y[..., :over] + states[i], y[..., over:]], dim=-1)
        new_states[i] = y[..., emit:]
        out = y[..., :emit]
        if c.bias is not None:
            out = out + c.bias[None, :, None]
        return out

    def _transformer(self, h, position, kv):
        tr = self.codec.decoder_transformer
        cfg = self.cfg
        w = cfg.sliding_window
        b, m, _ = h.shape
        q_pos = position + torch.arange(m, device=h.device)  # (m,) absolute positions of this chunk
        cos, sin = tr.rotary_emb(h, q_pos[None, :])
        k_pos = position - (w - 1) + torch.arange(w - 1 + m, device=h.device)  # cached slots, then this chunk
        allowed = (k_pos[None, :] >= 0) & (k_pos[None, :] <= q_pos[:, None]) & (k_pos[None, :] > q_pos[:, None] - w)
        dtype = h.dtype
        add_mask = torch.where(
            allowed, torch.zeros((), dtype=dtype), torch.full((), torch.finfo(dtype).min, dtype=dtype)
        )[None, None]
        head_dim = cfg.head_dim
        n_rep = cfg.num_attention_heads // cfg.num_key_value_heads
        scaling = head_dim**-0.5
        new_kv = []
        for li, layer in enumerate(tr.layers):
            past_k, past_v = kv[li, 0], kv[li, 1]  # (B, Hkv, w-1, D)
            residual = h
            x = layer.input_layernorm(h)
            attn_out, k, v = _attention(layer.self_attn, x, cos, sin, add_mask, past_k, past_v, head_dim, n_rep, scaling)
            h = residual + layer.self_attn_layer_scale(attn_out)
            residual = h
            h = residual + layer.mlp_layer_scale(layer.mlp(layer.post_attention_layernorm(h)))
            keys = torch.cat([past_k, k], dim=2)
            values = torch.cat([past_v, v], dim=2)
            total = keys.shape[2]
            new_kv.append(torch.stack([keys[:, :, total - (w - 1) :], values[:, :, total - (w - 1) :]], dim=0))
        return h, position + m, torch.stack(new_kv, dim=0)
