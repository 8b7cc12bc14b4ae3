// The studio page: speak a text as a job or a narration, follow its progress, cancel it, listen, pick or upload a
// voice, replay the history. It speaks only the public API, with the key the user typed.

import * as api from './api.js';
import { ENDED, jobProgress, narrationProgress } from './progress.js';
import { Player } from './player.js';
import { Voices } from './voices.js';
import { History, rememberText } from './history.js';

/**
 * The audio formats offered, each one the browser's player can play (the API also serves raw pcm, which an audio
 * element cannot play: download it with curl or the SDKs).
 */
const FORMATS = ['wav', 'mp3', 'opus', 'flac'];
/** Longer texts go as a narration by default: one job speaks at most 90 s, and a narration runs in parallel. */
const NARRATION_ABOVE_CHARS = 600;
/** A job may speak about twice as long as natural speech (70 ms a character) plus 2 s, within the API's limit. */
const maxAudioMs = text => Math.min(90_000, 2_000 + text.length * 140);
const POLL_MS = 1000;

const $ = id => document.getElementById(id);
const el = {
  error: $('error'),
  notice: $('server-notice'),
  keyForm: $('key-form'),
  key: $('api-key'),
  keyForget: $('key-forget'),
  speakForm: $('speak-form'),
  text: $('text'),
  count: $('text-count'),
  format: $('format'),
  modeNote: $('mode-note'),
  state: $('state'),
  progress: $('progress'),
  progressText: $('progress-text'),
  cancel: $('cancel'),
};

function showError(e) {
  el.error.textContent = e instanceof Error ? e.message : String(e);
  el.error.hidden = false;
}

function clearError() {
  el.error.hidden = true;
  el.error.textContent = '';
}

const player = new Player({
  audio: $('player'), download: $('download'), nowPlaying: $('now-playing'), segmentsTitle: $('segments-title'),
  segments: $('segments'),
});
const voices = new Voices({
  picker: $('voice'), form: $('voice-form'), status: $('voice-status'), list: $('voice-list'), onError: showError,
});
const history = new History({ list: $('history-list'), onPlay: play, onError: showError });
$('history-refresh').addEventListener('click', () => history.refresh());

// ---- API key ----

el.key.value = api.apiKey();
el.keyForm.addEventListener('submit', e => {
  e.preventDefault();
  api.setApiKey(el.key.value.trim());
  clearError();
  refreshAll();
});
el.keyForget.addEventListener('click', () => {
  api.setApiKey('');
  el.key.value = '';
  el.key.focus();
});

// ---- mode: one job, or a narration for long text ----

let wasLong = false;
let switchedByLength = false;

function mode() {
  return el.speakForm.elements.mode.value;
}

function setMode(value) {
  el.speakForm.elements.mode.value = value;
}

function onTextChanged() {
  const length = el.text.value.trim().length;
  el.count.textContent = `${length} character${length === 1 ? '' : 's'}`;
  const long = length > NARRATION_ABOVE_CHARS;
  if (long && !wasLong && mode() === 'job') {
    setMode('narration');
    switchedByLength = true;
  } else if (!long && wasLong && switchedByLength) {
    setMode('job');
    switchedByLength = false;
  }
  wasLong = long;
  describeMode();
}

function describeMode() {
  const length = el.text.value.trim().length;
  if (switchedByLength && mode() === 'narration') {
    el.modeNote.textContent = `Long text (${length} characters, over ${NARRATION_ABOVE_CHARS}): switched to a `
      + 'narration, split at sentences and synthesized in parallel.';
  } else if (length > NARRATION_ABOVE_CHARS && mode() === 'job') {
    el.modeNote.textContent = 'One job speaks at most 90 seconds of audio; a narration suits long text better.';
  } else {
    el.modeNote.textContent = '';
  }
}

el.text.addEventListener('input', onTextChanged);
for (const radio of el.speakForm.elements.mode) {
  radio.addEventListener('change', () => {
    switchedByLength = false;
    describeMode();
  });
}
el.text.addEventListener('keydown', e => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    el.speakForm.requestSubmit();
  }
});

for (const f of FORMATS) {
  el.format.append(new Option(f.toUpperCase(), f));
}

// ---- speak, follow, cancel ----

let current = null; // { kind, view, abort, format }

el.speakForm.addEventListener('submit', async e => {
  e.preventDefault();
  clearError();
  const text = el.text.value.trim();
  el.text.setAttribute('aria-invalid', String(!text));
  if (!text) {
    showError('Type some text to speak first.');
    el.text.focus();
    return;
  }
  const kind = mode();
  const format = el.format.value;
  const body = { text, ...voices.choice() };
  if (format !== 'wav') {
    body.format = format;
  }
  if (kind === 'job') {
    body.max_audio_length_ms = maxAudioMs(text);
  }
  try {
    const view = await api.call('POST', kind === 'job' ? '/v1/jobs' : '/v1/narrations', body);
    rememberText(view.id, text);
    track(kind, view, format);
  } catch (err) {
    showError(err);
  }
});

el.cancel.addEventListener('click', async () => {
  if (!current) {
    return;
  }
  el.cancel.disabled = true;
  el.state.textContent = `${label(current.kind)}: cancelling…`;
  try {
    show(current.kind, await api.call('DELETE', current.view.status_url));
  } catch (e) {
    showError(e);
  }
});

async function track(kind, view, format) {
  if (current) {
    current.abort.abort();
  }
  const mine = { kind, view, format, abort: new AbortController() };
  current = mine;
  player.clear();
  el.cancel.disabled = false;
  show(kind, view);
  try {
    await api.follow(view.events_url, (name, data) => {
      if (current === mine) {
        show(kind, data);
      }
    }, mine.abort.signal);
  } catch (e) {
    if (mine.abort.signal.aborted) {
      return;
    }
    if (e instanceof api.ApiError) {
      showError(e);
    }
    // else the stream broke (network): polling below carries on
  }
  while (current === mine && !ENDED.has(current.view.state)) {
    await new Promise(resolve => setTimeout(resolve, POLL_MS));
    try {
      show(kind, await api.call('GET', view.status_url));
    } catch (e) {
      showError(e);
      if (e instanceof api.ApiError && e.status !== 503) {
        break; // a refused key or a vanished job does not get better by asking again
      }
    }
  }
  if (current !== mine) {
    return;
  }
  el.cancel.disabled = true;
  history.refresh();
  if (current.view.state === 'SUCCEEDED') {
    await play(kind, current.view, format);
  }
}

function label(kind) {
  return kind === 'job' ? 'Job' : 'Narration';
}

const SAY = {
  QUEUED: 'queued, waiting for a worker',
  RUNNING: 'running',
  ASSEMBLING: 'assembling the final audio',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired: its audio was removed by the retention policy',
};

/** Shows a status view: the state sentence, the bar, and what is left. */
function show(kind, view) {
  if (current && current.view.id === view.id) {
    current.view = view;
  }
  let sentence = `${label(kind)} ${view.id.slice(0, 8)}: ${SAY[view.state] || view.state}`;
  if (view.state === 'RUNNING' && view.worker_id) {
    sentence += ` on ${view.worker_id}`;
  }
  if (view.error) {
    sentence += `: ${view.error.message}`;
  }
  el.state.textContent = `${sentence}.`;
  el.state.dataset.state = view.state;
  el.state.dataset.id = view.id;
  const p = kind === 'job' ? jobProgress(view) : narrationProgress(view);
  el.progress.value = p.percent;
  el.progress.textContent = `${p.percent}%`;
  el.progressText.textContent = `${p.percent}%${p.text ? ' · ' + p.text : ''}`;
  if (view.notice) {
    showNotice(view.notice);
  }
}

async function play(kind, view, format = el.format.value) {
  clearError();
  try {
    await player.load(kind, view, format, `${label(kind)} ${view.id.slice(0, 8)}, `
      + `${(view.result.duration_ms / 1000).toFixed(1)} s`);
  } catch (e) {
    showError(e);
  }
}

// ---- server notice, first load ----

function showNotice(text) {
  el.notice.textContent = text;
  el.notice.hidden = false;
}

async function checkHealth() {
  try {
    const response = await fetch('/health', { headers: { Accept: 'application/json' } });
    const health = await response.json();
    if (health.status !== 'healthy') {
      showNotice(`The pipeline is not ready: ${(health.problems || []).join('; ') || health.status}`);
    } else if (health.notice) {
      showNotice(health.notice);
    } else {
      el.notice.hidden = true;
    }
  } catch (e) {
    showNotice('The server does not answer /health.');
  }
}

function refreshAll() {
  voices.refresh();
  history.refresh();
}

onTextChanged();
checkHealth();
refreshAll();
