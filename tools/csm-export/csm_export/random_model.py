"""Random-weight CSM models (no Hub access needed)."""

from __future__ import annotations

import torch

from .configs import build_config


def randomize_mimi_codebooks(codec_model, generator: torch.Generator, std: float = 1.0) -> None:
    """Give every Mimi quantizer codebook random centroids.

    transformers initializes ``embed_sum`` to zeros (with ``cluster_usage`` ones), so a
    freshly initialized Mimi decodes every code to the same vector and the waveform does
    not depend on the codes. The cached ``_embed`` must be dropped after the change.
    """
    from transformers.models.mimi.modeling_mimi import MimiEuclideanCodebook

    n = 0
    with torch.no_grad():
        for module in codec_model.modules():
            if isinstance(module, MimiEuclideanCodebook):
                shape = module.embed_sum.shape
                module.embed_sum.copy_(torch.randn(shape, generator=generator) * std)
                module.cluster_usage.fill_(1.0)
                module._embed = None
                n += 1
    if n != codec_model.config.num_quantizers:
        raise AssertionError(f"expected {codec_model.config.num_quantizers} codebooks, found {n}")


def normalize_mimi_output(codec_model, generator: torch.Generator) -> float:
    """Scale Mimi's last convolution by a power of two so that random codes decode to a
    waveform peaking around 1 (real audio lies in [-1, 1]; a random SEANet decoder
    otherwise peaks in the tens, which would make absolute waveform tolerances loose).
    A power of two keeps the scaling exact. Returns the factor."""
    import math

    codes = torch.randint(0, 2048, (1, codec_model.config.num_quantizers, 8), generator=generator)
    with torch.no_grad():
        peak = float(codec_model.decode(codes).audio_values.abs().max())
        if not math.isfinite(peak) or peak == 0.0:
            raise AssertionError("Mimi decodes to silence or non-finite values")
        factor = 2.0 ** -round(math.log2(peak))
        last = codec_model.decoder.layers[-1].conv
        last.weight.mul_(factor)
        if last.bias is not None:
            last.bias.mul_(factor)
    return factor


def build_random_model(preset: str, seed: int, text_vocab_size: int, special_ids: dict[str, int]):
    """Build a ``CsmForConditionalGeneration`` with random weights, deterministic for ``seed``."""
    from transformers import CsmForConditionalGeneration

    config = build_config(preset, text_vocab_size, special_ids)
    torch.manual_seed(seed)
    model = CsmForConditionalGeneration(config)
    model.eval()
    gen = torch.Generator().manual_seed(seed + 1)
    randomize_mimi_codebooks(model.codec_model, gen)
    normalize_mimi_output(model.codec_model, gen)
    # greedy by default for random models; the sampling defaults of csm-1b are recorded
    # in the manifest regardless.
    model.generation_config.do_sample = False
    model.generation_config.max_new_tokens = 125  # as in sesame/csm-1b's generation config
    return model


def count_parameters(model) -> dict[str, int]:
    def n(mod):
        return sum(p.numel() for p in mod.parameters())

    codec = n(model.codec_model)
    total = n(model)
    return {
        "total": total,
        "without_codec": total - codec,
        "codec": codec,
        "backbone_layers": n(model.backbone_model.layers),
        "depth_decoder_layers": n(model.depth_decoder.model.layers),
    }


# ----------------------------------------------------------------------------------
# Stop trigger for the tiny fixture.
#
# A random CSM practically never emits a frame whose codebooks 0..30 are all 0, so the
# stop path would go untested. The tiny fixture therefore reserves the last hidden
# dimension of the backbone and of the depth decoder as an isolated "stop channel":
# no layer reads it and nothing writes it, so the model computes exactly as a random
# CSM on the other dimensions. Only three things touch the channel:
#   * backbone: the codebook-0 embedding of one trigger code X carries a value there,
#     and lm_head's row for code 0 reads it -> the frame after X has codebook 0 = 0;
#   * depth decoder: the embeddings of code 0 (codebooks 0..30) carry a value there,
#     and the heads of codebooks 1..30 read it for code 0 -> after a 0 comes a 0;
#   * codebook 31's head does not read it, so the stop frame is 0 x 31 followed by a
#     non-zero codebook 31 (transformers stops on codebooks 0..30, see the docs).
# ----------------------------------------------------------------------------------


# How strongly the armed trigger writes and reads the stop channel. The channel's embedding value is
# TRIGGER_RMS_MULTIPLE x the typical residual RMS (measured on a short greedy run), which after the final
# RMSNorm gives a normed channel value of about NORMED_CHANNEL_VALUE. The head weight beta reading it makes
# code 0 win by HEAD_MARGIN_MULTIPLE x the largest codebook-0 logit seen, with that logit taken as at least
# MIN_LOGIT_SCALE (random weights can have tiny logits).
TRIGGER_RMS_MULTIPLE = 1.77
NORMED_CHANNEL_VALUE = 1.5
HEAD_MARGIN_MULTIPLE = 20.0
MIN_LOGIT_SCALE = 0.05


def install_stop_trigger(model, tok, processor, frames: int, log=print) -> dict:
    """Isolate the stop channel, pick a trigger code from a first greedy run, arm it.

    Returns the manifest's ``model.stop_trigger`` record (with ``frames_before_arming``, which
    :func:`verify_stop_trigger` consumes)."""
    from .reference import DEFAULT_PROMPTS, choose_stop_trigger, generate_reference
    from .text_tokenizer import prompt_ids_generator_style

    channels = isolate_stop_channel(model)
    before = generate_reference(model, tok, processor, DEFAULT_PROMPTS, frames)
    pick = choose_stop_trigger(before, min_frame=frames // 3, max_frame=frames - 6)
    if pick is None:
        raise SystemExit("no usable stop-trigger code for this seed: try another --seed")
    p, k, x = pick
    scales = residual_scales(model, prompt_ids_generator_style(tok, *DEFAULT_PROMPTS[0]))
    eb = TRIGGER_RMS_MULTIPLE * scales["backbone_rms"]
    ed = TRIGGER_RMS_MULTIPLE * scales["depth_rms"]
    beta = HEAD_MARGIN_MULTIPLE * max(scales["backbone_logit_max"], MIN_LOGIT_SCALE) / NORMED_CHANNEL_VALUE
    arm_stop_trigger(model, x, (eb, beta), (ed, beta))
    trig = {
        "description": "isolated stop channel (see csm_export/random_model.py): codebook-0 code "
        f"{x} makes the next frame a stop frame",
        "code": int(x),
        "prompt_index": int(p),
        "trigger_frame": int(k),
        "expected_stop_frame": int(k + 1),
        "channels": channels,
        "backbone_strength": [eb, beta],
        "depth_decoder_strength": [ed, beta],
        "frames_before_arming": [r["frames"].tolist() for r in before],
    }
    log(f"stop trigger: code {x} (codebook 0 of frame {k} of prompt {p}) -> stop at frame {k + 1}")
    return trig


def verify_stop_trigger(results, trig) -> None:
    """The armed trigger stops its prompt one frame after the trigger and changes nothing else."""
    import numpy as np

    p, k = trig["prompt_index"], trig["trigger_frame"]
    before = trig.pop("frames_before_arming")
    for q, r in enumerate(results):
        ref = np.asarray(before[q])
        if q == p:
            if not (r["stopped_early"] and r["frames"].shape[0] == k + 2):
                raise AssertionError(f"prompt {p} did not stop at frame {k + 1}")
            if not np.array_equal(r["frames"][: k + 1], ref[: k + 1]):
                raise AssertionError("arming the stop trigger changed frames before the trigger")
        elif not np.array_equal(r["frames"], ref) or r["stopped_early"]:
            raise AssertionError(f"arming the stop trigger changed prompt {q}")


def _zero_channel_io(layers, c: int) -> None:
    for layer in layers:
        a = layer.self_attn
        for lin in (a.q_proj, a.k_proj, a.v_proj, layer.mlp.gate_proj, layer.mlp.up_proj):
            lin.weight[:, c] = 0.0
        for lin in (a.o_proj, layer.mlp.down_proj):
            lin.weight[c, :] = 0.0


def isolate_stop_channel(model) -> dict:
    """Make the last hidden dimension of backbone and depth decoder an unused channel."""
    cb = model.config.hidden_size - 1
    cd = model.config.depth_decoder_config.hidden_size - 1
    with torch.no_grad():
        model.embed_text_tokens.weight[:, cb] = 0.0
        model.backbone_model.embed_tokens.embed_audio_tokens.weight[:, cb] = 0.0
        _zero_channel_io(model.backbone_model.layers, cb)
        model.lm_head.weight[:, cb] = 0.0
        dd = model.depth_decoder
        dd.model.embed_tokens.weight[:, cb] = 0.0
        proj = dd.model.inputs_embeds_projector.weight  # (Hd, Hb)
        proj[cd, :] = 0.0
        proj[:, cb] = 0.0
        proj[cd, cb] = 1.0
        _zero_channel_io(dd.model.layers, cd)
        dd.codebooks_head.weight[:, cd, :] = 0.0
    return {"backbone_channel": cb, "depth_decoder_channel": cd}


def arm_stop_trigger(model, trigger_code: int, backbone_strength: tuple[float, float], depth_strength: tuple[float, float]) -> None:
    """Write the trigger into the isolated channel (see module comment).

    ``*_strength`` = (embedding value E, head weight beta).
    """
    from .configs import AUDIO_VOCAB_SIZE, NUM_CODEBOOKS

    cb = model.config.hidden_size - 1
    cd = model.config.depth_decoder_config.hidden_size - 1
    eb, bb = backbone_strength
    ed, bd = depth_strength
    with torch.no_grad():
        model.backbone_model.embed_tokens.embed_audio_tokens.weight[trigger_code, cb] = eb  # codebook 0 row
        model.lm_head.weight[0, cb] = bb
        dd = model.depth_decoder
        for k in range(NUM_CODEBOOKS - 1):  # code 0 of codebooks 0..30 (inputs of positions 1..31)
            dd.model.embed_tokens.weight[k * AUDIO_VOCAB_SIZE, cb] = ed
        for k in range(NUM_CODEBOOKS - 2):  # heads of codebooks 1..30 (not 31)
            dd.codebooks_head.weight[k, cd, 0] = bd


def residual_scales(model, token_ids, frames: int = 4) -> dict:
    """RMS of the inputs of the final norms (backbone, depth decoder) during a short greedy run."""
    stats = {"backbone": [], "depth": [], "backbone_logits": [], "depth_logits": []}

    def hook(name):
        def fn(_mod, inp):
            x = inp[0].detach().float()
            stats[name].append(float(x[:, -1].pow(2).mean().sqrt()))

        return fn

    h1 = model.backbone_model.norm.register_forward_pre_hook(hook("backbone"))
    h2 = model.depth_decoder.model.norm.register_forward_pre_hook(hook("depth"))
    try:
        with torch.no_grad():
            out = model.generate(
                input_ids=torch.tensor([token_ids]),
                max_new_tokens=frames,
                do_sample=False,
                depth_decoder_do_sample=False,
                return_dict_in_generate=True,
                output_logits=True,
            )
    finally:
        h1.remove()
        h2.remove()
    import numpy as np

    return {
        "backbone_rms": float(np.median(stats["backbone"])),
        "depth_rms": float(np.median(stats["depth"])),
        "backbone_logit_max": float(max(float(lg.abs().max()) for lg in out.logits)),
    }
