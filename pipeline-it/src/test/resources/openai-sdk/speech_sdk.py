"""Drives /v1/audio/speech with the official OpenAI Python SDK, unchanged, as a user would.

Usage: speech_sdk.py BASE_URL OUT_DIR. Writes one file per case into OUT_DIR and one JSON line per case to stdout:
{"case", "file", "bytes", "content_type", "ignored"} or, for a refused request, {"case", "status", "param"}.
"""
import base64
import json
import sys

import openai

base_url, out_dir = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key="not-needed-locally", max_retries=0, timeout=120)


def report(case, name, data, headers):
    path = f"{out_dir}/{name}"
    with open(path, "wb") as f:
        f.write(data)
    print(json.dumps({"case": case, "file": path, "bytes": len(data),
                      "content_type": headers.get("content-type"),
                      "ignored": headers.get("x-ignored-fields"), "job": headers.get("x-job-id")}), flush=True)


for fmt in ["mp3", "opus", "flac", "wav", "pcm"]:
    r = client.audio.speech.create(model="csm-1b", voice="alloy", input="Hello from the Python SDK.",
                                   response_format=fmt)
    report("format-" + fmt, "python." + fmt, r.content, r.response.headers)

# the SDK's default format (mp3), with speed and instructions
r = client.audio.speech.create(model="tts-1", voice="nova", input="Same words, twice as fast.", speed=2.0,
                               instructions="Speak cheerfully.")
report("default-speed-instructions", "python-default.mp3", r.content, r.response.headers)

for speed in [1.0, 2.0]:
    r = client.audio.speech.create(model="csm-1b", voice="echo", input="Same words.", response_format="wav",
                                   speed=speed)
    report(f"speed-{speed}", f"python-speed-{speed}.wav", r.content, r.response.headers)

with client.audio.speech.with_streaming_response.create(model="csm-1b", voice="alloy",
                                                        input="Streamed to the caller.",
                                                        response_format="opus") as streamed:
    data = b"".join(streamed.iter_bytes(chunk_size=1024))
    report("streaming-opus", "python-streamed.opus", data, streamed.headers)

# streamed as it is generated: raw pcm bytes, and OpenAI's SSE events (speech.audio.delta, speech.audio.done)
with client.audio.speech.with_streaming_response.create(model="csm-1b", voice="alloy",
                                                        input="Heard while it is generated.",
                                                        response_format="pcm") as streamed:
    data = b"".join(streamed.iter_bytes(chunk_size=1920))
    report("streaming-pcm", "python-streamed.pcm", data, streamed.headers)

with client.audio.speech.with_streaming_response.create(model="csm-1b", voice="alloy",
                                                        input="Heard as server-sent events.",
                                                        response_format="pcm", stream_format="sse") as streamed:
    audio, types = b"", []
    for line in streamed.iter_lines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            types.append(event["type"])
            if event["type"] == "speech.audio.delta":
                audio += base64.b64decode(event["audio"])
    report("sse-pcm", "python-sse.pcm", audio, streamed.headers)
    print(json.dumps({"case": "sse-types", "first": types[0], "last": types[-1], "count": len(types)}), flush=True)

try:
    client.audio.speech.create(model="csm-1b", voice="alloy", input="x", response_format="aac")
    print(json.dumps({"case": "aac", "status": 200}), flush=True)
except openai.BadRequestError as e:
    print(json.dumps({"case": "aac", "status": e.status_code, "param": e.param, "message": e.message}),
          flush=True)
