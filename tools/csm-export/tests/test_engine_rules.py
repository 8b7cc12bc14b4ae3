"""Frame-loop rules of the Python reference loop (numpy only)."""

import numpy as np

from csm_export.ort_engine import audio_frame, context_prompt_frames, prompt_frames, sanitize_codes, stop_rule


def test_stop_rule_is_codebooks_0_to_30():
    frame = np.zeros(32, dtype=np.int64)
    assert stop_rule(frame)
    frame[31] = 1228  # transformers ignores codebook 31
    assert stop_rule(frame)
    frame[30] = 1
    assert not stop_rule(frame)
    frame[:] = 0
    frame[0] = 5
    assert not stop_rule(frame)


def test_sanitize_replaces_non_audio_codes_with_zero():
    codes = np.array([[0, 1, 2047, 2048, 2049, 2050, -1]])
    assert sanitize_codes(codes).tolist() == [[0, 1, 2047, 0, 0, 0, 0]]


def test_prompt_and_audio_frames():
    tokens, mask = prompt_frames([502, 10, 503])
    assert tokens.shape == (1, 3, 33) and mask.dtype == bool
    assert tokens[0, :, 32].tolist() == [502, 10, 503]
    assert not tokens[0, :, :32].any()
    assert mask[0, :, 32].all() and not mask[0, :, :32].any()
    codes = np.arange(32)
    tokens, mask = audio_frame(codes)
    assert tokens.shape == (1, 1, 33)
    assert tokens[0, 0, :32].tolist() == list(range(32)) and tokens[0, 0, 32] == 0
    assert mask[0, 0, :32].all() and not mask[0, 0, 32]


def test_context_segment_is_text_then_audio_then_end_of_audio_then_utterance():
    codes = np.arange(64).reshape(2, 32) + 1
    tokens, mask = context_prompt_frames([([502, 7, 503], codes)], [502, 9, 503])
    assert tokens.shape == (1, 3 + 2 + 1 + 3, 33)
    t, m = tokens[0], mask[0]
    assert t[:3, 32].tolist() == [502, 7, 503] and m[:3, 32].all() and not m[:3, :32].any()
    assert t[3:5, :32].tolist() == codes.tolist() and m[3:6, :32].all() and not m[3:6, 32].any()
    assert not t[5].any()  # end of audio: every code 0, text column 0
    assert t[6:, 32].tolist() == [502, 9, 503] and not m[6:, :32].any()
