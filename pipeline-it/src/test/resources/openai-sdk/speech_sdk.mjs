// Drives /v1/audio/speech with the official OpenAI Node SDK, unchanged, as a user would.
// Usage: node speech_sdk.mjs SDK_DIR BASE_URL OUT_DIR. Same output as speech_sdk.py.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const [sdkDir, baseURL, outDir] = process.argv.slice(2);
const require = createRequire(sdkDir + '/');
const OpenAI = require('openai').default;
const client = new OpenAI({ baseURL, apiKey: 'not-needed-locally', maxRetries: 0, timeout: 120_000 });

function report(caseName, name, data, headers) {
  const path = `${outDir}/${name}`;
  writeFileSync(path, data);
  console.log(JSON.stringify({ case: caseName, file: path, bytes: data.length,
    content_type: headers.get('content-type'), ignored: headers.get('x-ignored-fields') }));
}

async function speech(params) {
  const { data, response } = await client.audio.speech.create(params).withResponse();
  return { bytes: Buffer.from(await data.arrayBuffer()), headers: response.headers };
}

for (const fmt of ['mp3', 'opus', 'flac', 'wav', 'pcm']) {
  const r = await speech({ model: 'csm-1b', voice: 'alloy', input: 'Hello from the Node SDK.', response_format: fmt });
  report('format-' + fmt, 'node.' + fmt, r.bytes, r.headers);
}

let r = await speech({ model: 'tts-1', voice: 'nova', input: 'Same words, twice as fast.', speed: 2.0,
  instructions: 'Speak cheerfully.' });
report('default-speed-instructions', 'node-default.mp3', r.bytes, r.headers);

for (const speed of [1.0, 2.0]) {
  r = await speech({ model: 'csm-1b', voice: 'echo', input: 'Same words.', response_format: 'wav', speed });
  report(`speed-${speed.toFixed(1)}`, `node-speed-${speed}.wav`, r.bytes, r.headers);
}

// streamed read of the body, chunk by chunk
const streamed = await client.audio.speech.create({ model: 'csm-1b', voice: 'alloy', input: 'Streamed to the caller.',
  response_format: 'opus' }).asResponse();
const chunks = [];
for await (const chunk of streamed.body) {
  chunks.push(Buffer.from(chunk));
}
report('streaming-opus', 'node-streamed.opus', Buffer.concat(chunks), streamed.headers);

try {
  await client.audio.speech.create({ model: 'csm-1b', voice: 'alloy', input: 'x', response_format: 'aac' });
  console.log(JSON.stringify({ case: 'aac', status: 200 }));
} catch (e) {
  if (!(e instanceof OpenAI.BadRequestError)) throw e;
  console.log(JSON.stringify({ case: 'aac', status: e.status, param: e.param, message: e.message }));
}
