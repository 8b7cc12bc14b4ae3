"""ONNX export of the four CSM graphs (dynamo exporter, opset 18)."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import torch

from .configs import AUDIO_VOCAB_SIZE, NUM_CODEBOOKS
from .mimi_stream import MimiDecodeStream, state_specs, zero_state
from .wrappers import BackboneStep, DepthDecoderStep, MimiDecode, MimiEncode

OPSET = 18
# graphs whose weights exceed this are written with ONNX external data (protobuf limit is 2 GiB)
EXTERNAL_DATA_THRESHOLD = 1_800_000_000

BACKBONE_FILE = "backbone.onnx"
DEPTH_DECODER_FILE = "depth_decoder.onnx"
MIMI_FILE = "mimi_decoder.onnx"
MIMI_ENCODER_FILE = "mimi_encoder.onnx"
MIMI_STREAM_FILE = "mimi_decoder_stream.onnx"
# the streaming decoder's chunk axis: 1 to 64 frames per call
MIMI_STREAM_MAX_FRAMES = 64
# the encoder graph's sample axis: at least one frame, at most 4096 frames (327 s)
MIMI_ENCODER_MAX_FRAMES = 4096


def _dtype_name(dtype: torch.dtype) -> str:
    return {torch.float32: "float32", torch.float16: "float16"}[dtype]


def graph_specs(config, dtype: torch.dtype, codec_model=None) -> dict:
    """The canonical I/O contract of each graph (names, dtypes, shapes with named axes); the streaming Mimi
    decoder's entry needs ``codec_model`` (its state follows the decoder's layers)."""
    bb_layers = config.num_hidden_layers
    bb_kv = config.num_key_value_heads
    bb_hd = config.head_dim
    dd = config.depth_decoder_config
    ft = _dtype_name(dtype)
    specs = {
        "backbone": {
            "file": BACKBONE_FILE,
            "inputs": [
                {"name": "tokens", "dtype": "int64", "shape": ["batch", "seq", NUM_CODEBOOKS + 1]},
                {"name": "tokens_mask", "dtype": "bool", "shape": ["batch", "seq", NUM_CODEBOOKS + 1]},
                {"name": "position_ids", "dtype": "int64", "shape": ["batch", "seq"]},
                {"name": "attention_mask", "dtype": "int64", "shape": ["batch", "total_seq"]},
                {"name": "past_kv", "dtype": ft, "shape": ["past_seq", bb_layers, 2, "batch", bb_kv, bb_hd]},
            ],
            "outputs": [
                {"name": "logits", "dtype": "float32", "shape": ["batch", AUDIO_VOCAB_SIZE]},
                {"name": "last_hidden", "dtype": ft, "shape": ["batch", config.hidden_size]},
                {"name": "new_kv", "dtype": ft, "shape": ["seq", bb_layers, 2, "batch", bb_kv, bb_hd]},
            ],
            "axes": {
                "batch": "batch size",
                "seq": "frames (positions) in this call: prompt length for the prefill, 1 per generated frame",
                "past_seq": "positions already in the cache (0 on the first call)",
                "total_seq": "past_seq + seq",
            },
        },
        "depth_decoder": {
            "file": DEPTH_DECODER_FILE,
            "inputs": [
                {"name": "last_hidden", "dtype": ft, "shape": ["batch", config.hidden_size]},
                {"name": "tokens", "dtype": "int64", "shape": ["batch", "seq"]},
                {
                    "name": "past_kv",
                    "dtype": ft,
                    "shape": ["past_seq", dd.num_hidden_layers, 2, "batch", dd.num_key_value_heads, dd.head_dim],
                },
            ],
            "outputs": [
                {"name": "logits", "dtype": "float32", "shape": ["batch", AUDIO_VOCAB_SIZE]},
                {
                    "name": "new_kv",
                    "dtype": ft,
                    "shape": ["seq", dd.num_hidden_layers, 2, "batch", dd.num_key_value_heads, dd.head_dim],
                },
            ],
            "axes": {
                "batch": "batch size",
                "seq": "depth positions in this call (2 on the first call of a frame, then 1)",
                "past_seq": "depth positions already in the cache (0 on the first call of a frame)",
            },
        },
        "mimi_decoder": {
            "file": MIMI_FILE,
            "inputs": [{"name": "codes", "dtype": "int64", "shape": ["batch", NUM_CODEBOOKS, "frames"]}],
            "outputs": [{"name": "pcm", "dtype": "float32", "shape": ["batch", 1, "samples"]}],
            "axes": {"batch": "batch size", "frames": "audio frames", "samples": "frames * 1920"},
        },
        "mimi_encoder": {
            "file": MIMI_ENCODER_FILE,
            "inputs": [{"name": "pcm", "dtype": "float32", "shape": ["batch", 1, "samples"]}],
            "outputs": [
                {"name": "codes", "dtype": "int64", "shape": ["batch", NUM_CODEBOOKS, "frames"]},
                {"name": "latents", "dtype": "float32", "shape": ["batch", config.codec_config.hidden_size, "frames"]},
            ],
            "axes": {
                "batch": "batch size",
                "samples": "24 kHz mono samples, at least 1920",
                "frames": "ceil(samples / 1920): a partial last frame is zero-padded",
            },
        },
    }
    if codec_model is not None:
        specs["mimi_decoder_stream"] = stream_spec(codec_model)
    return specs


def _state_dynamic_shapes(spec: dict, batch) -> tuple:
    """Dynamic shapes of (position, kv, conv states): the batch axis of each; the conv states are ``forward``'s
    ``*states``, one nested tuple for torch.export."""
    dims = [{i: batch for i, d in enumerate(inp["shape"]) if d == "batch"} or None for inp in spec["inputs"][1:]]
    return (dims[0], dims[1], tuple(dims[2:]))


def stream_spec(codec_model) -> dict:
    """The streaming Mimi decoder: codes of a chunk of frames plus the carried state in, PCM plus state out."""
    state = state_specs(codec_model)
    return {
        "file": MIMI_STREAM_FILE,
        "inputs": [{"name": "codes", "dtype": "int64", "shape": ["batch", NUM_CODEBOOKS, "frames"]}]
        + [{"name": n, "dtype": dt, "shape": sh} for n, dt, sh in state],
        "outputs": [{"name": "pcm", "dtype": "float32", "shape": ["batch", 1, "samples"]}]
        + [{"name": n + "_out", "dtype": dt, "shape": sh} for n, dt, sh in state],
        "axes": {
            "batch": "batch size",
            "frames": f"frames in this chunk, 1 to {MIMI_STREAM_MAX_FRAMES}",
            "samples": "frames * 1920",
        },
        "state": "every input after codes starts as zeros and is replaced by the output of the same name + _out",
        "max_chunk_frames": MIMI_STREAM_MAX_FRAMES,
    }


def _quiet():
    """Silence the exporter's progress chatter (errors still propagate)."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(warnings.catch_warnings())
    warnings.simplefilter("ignore")
    return stack


def _param_bytes(module: torch.nn.Module) -> int:
    seen = set()
    total = 0
    for p in list(module.parameters()) + list(module.buffers()):
        if p.data_ptr() in seen:
            continue
        seen.add(p.data_ptr())
        total += p.numel() * p.element_size()
    return total


def _export(module, args, path: Path, input_names, output_names, dynamic_shapes, verbose=False) -> list[str]:
    """Export ``module`` to ``path``; returns the list of files written (graph first)."""
    big = _param_bytes(module) > EXTERNAL_DATA_THRESHOLD
    for stale in (path, path.with_name(path.name + ".data")):
        if stale.exists():
            stale.unlink()
    ctx = contextlib.nullcontext() if verbose else _quiet()
    with ctx, torch.no_grad():
        program = torch.onnx.export(
            module,
            args,
            dynamo=True,
            opset_version=OPSET,
            input_names=input_names,
            output_names=output_names,
            dynamic_shapes=dynamic_shapes,
            external_data=big,
            optimize=True,
        )
        program.save(str(path), external_data=big)
    _strip_source_locations(path)
    files = [path.name]
    data = path.with_name(path.name + ".data")
    if big:
        if not data.exists():
            raise AssertionError(f"expected external data file {data}")
        files.append(data.name)
    return files


# node metadata holding the exporter's Python stack traces: they contain absolute source paths, which would make
# the graph bytes depend on where the repository is checked out
SOURCE_LOCATION_KEYS = ("pkg.torch.onnx.stack_trace",)


def _strip_source_locations(path: Path) -> None:
    """Remove stack-trace metadata from every node, so a bundle's bytes depend only on the model and the versions."""
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    graphs = [m.graph] + [f for f in m.functions]
    for g in graphs:
        for node in g.node:
            keep = [p for p in node.metadata_props if p.key not in SOURCE_LOCATION_KEYS]
            del node.metadata_props[:]
            node.metadata_props.extend(keep)
    onnx.save(m, str(path))


def export_graphs(model, out_dir: Path, dtype: torch.dtype = torch.float32, verbose: bool = False, log=print):
    """Export backbone, depth decoder, Mimi decoder and Mimi encoder graphs into ``out_dir``.

    ``model`` is a ``CsmForConditionalGeneration`` (fp32). For ``dtype`` float16 the
    backbone and depth decoder are exported from a half-precision copy; Mimi stays fp32.
    Returns {graph key: [files]}.
    """
    from torch.export import Dim

    out_dir = Path(out_dir)
    cfg = model.config
    ddc = cfg.depth_decoder_config
    files = {}

    lm = model
    if dtype == torch.float16:
        import copy

        lm = copy.deepcopy(model)
        lm.codec_model = None
        lm.half()

    batch = Dim("batch", min=1, max=1024)
    seq = Dim("seq", min=1, max=cfg.max_position_embeddings)
    past_seq = Dim("past_seq", min=0, max=cfg.max_position_embeddings)
    total_seq = Dim("total_seq", min=1, max=2 * cfg.max_position_embeddings)

    # --- backbone -------------------------------------------------------------------
    log(f"exporting {BACKBONE_FILE} ...")
    b, s, p = 2, 3, 4
    args = (
        torch.randint(0, 2, (b, s, NUM_CODEBOOKS + 1)),
        torch.ones(b, s, NUM_CODEBOOKS + 1, dtype=torch.bool),
        torch.arange(p, p + s).repeat(b, 1),
        torch.ones(b, p + s, dtype=torch.long),
        torch.zeros(p, cfg.num_hidden_layers, 2, b, cfg.num_key_value_heads, cfg.head_dim, dtype=dtype),
    )
    files["backbone"] = _export(
        BackboneStep(lm).eval(),
        args,
        out_dir / BACKBONE_FILE,
        ["tokens", "tokens_mask", "position_ids", "attention_mask", "past_kv"],
        ["logits", "last_hidden", "new_kv"],
        {
            "tokens": {0: batch, 1: seq},
            "tokens_mask": {0: batch, 1: seq},
            "position_ids": {0: batch, 1: seq},
            "attention_mask": {0: batch, 1: total_seq},
            "past_kv": {0: past_seq, 3: batch},
        },
        verbose,
    )

    # --- depth decoder --------------------------------------------------------------
    log(f"exporting {DEPTH_DECODER_FILE} ...")
    dseq = Dim("seq", min=1, max=NUM_CODEBOOKS)
    dpast = Dim("past_seq", min=0, max=NUM_CODEBOOKS)
    b, s, p = 2, 2, 3
    args = (
        torch.zeros(b, cfg.hidden_size, dtype=dtype),
        torch.randint(0, 2, (b, s)),
        torch.zeros(p, ddc.num_hidden_layers, 2, b, ddc.num_key_value_heads, ddc.head_dim, dtype=dtype),
    )
    files["depth_decoder"] = _export(
        DepthDecoderStep(lm).eval(),
        args,
        out_dir / DEPTH_DECODER_FILE,
        ["last_hidden", "tokens", "past_kv"],
        ["logits", "new_kv"],
        {"last_hidden": {0: batch}, "tokens": {0: batch, 1: dseq}, "past_kv": {0: dpast, 3: batch}},
        verbose,
    )

    # --- Mimi decoder (always fp32) ---------------------------------------------------
    log(f"exporting {MIMI_FILE} ...")
    frames = Dim("frames", min=1, max=4096)
    args = (torch.randint(0, 2048, (2, NUM_CODEBOOKS, 3)),)
    files["mimi_decoder"] = _export(
        MimiDecode(model.codec_model).eval(),
        args,
        out_dir / MIMI_FILE,
        ["codes"],
        ["pcm"],
        {"codes": {0: batch, 2: frames}},
        verbose,
    )

    # --- streaming Mimi decoder (always fp32) --------------------------------------------
    log(f"exporting {MIMI_STREAM_FILE} ...")
    chunk = Dim("frames", min=1, max=MIMI_STREAM_MAX_FRAMES)
    spec = stream_spec(model.codec_model)
    state = zero_state(model.codec_model, 2)
    args = (torch.randint(0, 2048, (2, NUM_CODEBOOKS, 3)), *state)
    dyn = ({0: batch, 2: chunk},) + _state_dynamic_shapes(spec, batch)
    files["mimi_decoder_stream"] = _export(
        MimiDecodeStream(model.codec_model).eval(),
        args,
        out_dir / MIMI_STREAM_FILE,
        [i["name"] for i in spec["inputs"]],
        [o["name"] for o in spec["outputs"]],
        dyn,
        verbose,
    )

    # --- Mimi encoder (always fp32) ---------------------------------------------------
    log(f"exporting {MIMI_ENCODER_FILE} ...")
    spf = int(model.config.codec_config.frame_size)
    samples = Dim("samples", min=spf, max=spf * MIMI_ENCODER_MAX_FRAMES)
    args = (torch.randn(2, 1, 3 * spf + 7, generator=torch.Generator().manual_seed(0)),)
    files["mimi_encoder"] = _export(
        MimiEncode(model.codec_model).eval(),
        args,
        out_dir / MIMI_ENCODER_FILE,
        ["pcm"],
        ["codes", "latents"],
        {"pcm": {0: batch, 2: samples}},
        verbose,
    )
    return files


def export_mimi_decoders(codec_model, out_dir: Path, log=print) -> dict:
    """The one-shot and the streaming Mimi decoder of a bare ``MimiModel`` (``check-mimi-stream``); returns their
    specs as in ``graph_specs``."""
    from torch.export import Dim

    out_dir = Path(out_dir)
    batch = Dim("batch", min=1, max=1024)
    log(f"exporting {MIMI_FILE} ...")
    _export(MimiDecode(codec_model).eval(), (torch.randint(0, 2048, (2, NUM_CODEBOOKS, 3)),), out_dir / MIMI_FILE,
            ["codes"], ["pcm"], {"codes": {0: batch, 2: Dim("frames", min=1, max=4096)}})
    log(f"exporting {MIMI_STREAM_FILE} ...")
    spec = stream_spec(codec_model)
    args = (torch.randint(0, 2048, (2, NUM_CODEBOOKS, 3)), *zero_state(codec_model, 2))
    dyn = ({0: batch, 2: Dim("frames", min=1, max=MIMI_STREAM_MAX_FRAMES)},) + _state_dynamic_shapes(spec, batch)
    _export(MimiDecodeStream(codec_model).eval(), args, out_dir / MIMI_STREAM_FILE,
            [i["name"] for i in spec["inputs"]], [o["name"] for o in spec["outputs"]], dyn)
    return {"mimi_decoder": {"file": MIMI_FILE}, "mimi_decoder_stream": spec}


def onnx_io(path: Path) -> dict:
    """Read the declared inputs/outputs of an ONNX file (without loading weights)."""
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    elem = {1: "float32", 10: "float16", 7: "int64", 9: "bool", 6: "int32"}

    def dims(vi):
        out = []
        for d in vi.type.tensor_type.shape.dim:
            out.append(d.dim_value if d.HasField("dim_value") else (d.dim_param or "?"))
        return out

    init_names = {i.name for i in m.graph.initializer}
    return {
        "inputs": [
            {"name": i.name, "dtype": elem.get(i.type.tensor_type.elem_type, str(i.type.tensor_type.elem_type)), "shape": dims(i)}
            for i in m.graph.input
            if i.name not in init_names
        ],
        "outputs": [
            {"name": o.name, "dtype": elem.get(o.type.tensor_type.elem_type, str(o.type.tensor_type.elem_type)), "shape": dims(o)}
            for o in m.graph.output
        ],
        "opset": max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=None),
    }


def verify_io(spec: dict, actual: dict) -> list[str]:
    """Compare a graph's canonical spec with what the ONNX file declares; returns problems."""
    problems = []
    for kind in ("inputs", "outputs"):
        want = spec[kind]
        got = actual[kind]
        if [w["name"] for w in want] != [g["name"] for g in got]:
            problems.append(f"{kind} names {[g['name'] for g in got]} != {[w['name'] for w in want]}")
            continue
        for w, g in zip(want, got):
            if w["dtype"] != g["dtype"]:
                problems.append(f"{w['name']}: dtype {g['dtype']} != {w['dtype']}")
            if len(w["shape"]) != len(g["shape"]):
                problems.append(f"{w['name']}: rank {len(g['shape'])} != {len(w['shape'])}")
                continue
            for wd, gd in zip(w["shape"], g["shape"]):
                if isinstance(wd, int) and wd != gd:
                    problems.append(f"{w['name']}: dim {gd} != {wd}")
                if isinstance(wd, str) and isinstance(gd, int):
                    problems.append(f"{w['name']}: axis {wd} is fixed ({gd}) in the graph, expected dynamic")
    return problems


def file_size(path: Path) -> int:
    return os.path.getsize(path)
