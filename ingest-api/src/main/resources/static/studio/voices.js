// Voices: the built-in speakers and the tenant's stored voices in the picker; uploading a clip with its transcript
// and following it until the worker has encoded it (READY) or could not (FAILED).

import * as api from './api.js';

/** Speakers 0..10 answer to the OpenAI voice names too (see the README). */
const OPENAI_NAMES = ['alloy', 'echo', 'fable', 'onyx', 'nova', 'shimmer', 'ash', 'ballad', 'coral', 'sage', 'verse'];
const SPEAKERS = 32;
const POLL_MS = 500;

export class Voices {
  constructor({ picker, form, status, list, onError }) {
    this.picker = picker;
    this.form = form;
    this.status = status;
    this.list = list;
    this.onError = onError;
    this.voices = [];
    this.polling = null;
    this.asked = 0;
    form.addEventListener('submit', e => {
      e.preventDefault();
      this.upload();
    });
    this.renderPicker();
  }

  /** The chosen voice as request fields: {speaker_id} or {voice}. */
  choice() {
    const [kind, value] = this.picker.value.split(':');
    return kind === 'voice' ? { voice: value } : { speaker_id: Number(value) };
  }

  async refresh() {
    const asked = ++this.asked; // an older answer arriving late must not replace a newer one
    let voices = [];
    try {
      const answer = await api.call('GET', '/v1/voices');
      voices = answer.voices || [];
    } catch (e) {
      if (asked !== this.asked) {
        return;
      }
      if (e.status === 401) {
        this.onError(e);
      } else {
        this.status.textContent = `Stored voices are not available: ${e.message}`;
      }
    }
    if (asked !== this.asked) {
      return;
    }
    this.voices = voices;
    this.renderList();
    this.renderPicker();
    const pending = this.voices.some(v => v.state === 'QUEUED' || v.state === 'RUNNING');
    clearTimeout(this.polling);
    if (pending) {
      this.polling = setTimeout(() => this.refresh(), POLL_MS);
    }
  }

  async upload() {
    const file = this.form.elements.file.files[0];
    const transcript = this.form.elements.transcript.value.trim();
    const missing = [];
    if (!file) {
      missing.push(this.form.elements.file);
    }
    if (!transcript) {
      missing.push(this.form.elements.transcript);
    }
    for (const el of [this.form.elements.file, this.form.elements.transcript]) {
      el.setAttribute('aria-invalid', String(missing.includes(el)));
    }
    if (missing.length > 0) {
      this.status.textContent = 'Choose a WAV clip and type what it says.';
      missing[0].focus();
      return;
    }
    const data = new FormData();
    data.append('file', file);
    data.append('transcript', transcript);
    const name = this.form.elements.name.value.trim();
    if (name) {
      data.append('name', name);
    }
    const speaker = this.form.elements.speaker_id.value.trim();
    if (speaker) {
      data.append('speaker_id', speaker);
    }
    this.status.textContent = `Uploading ${file.name}…`;
    try {
      const accepted = await api.call('POST', '/v1/voices', data);
      this.status.textContent = `Uploaded; a worker is encoding "${accepted.name || accepted.id}"…`;
      this.form.reset();
      await this.refresh();
      const ready = await this.awaitEnd(accepted.id);
      if (ready.state === 'READY') {
        this.picker.value = `voice:${ready.id}`;
        this.status.textContent = `Voice "${ready.name || ready.id}" is ready and chosen in the Voice picker.`;
      } else {
        this.status.textContent = `Voice "${ready.name || ready.id}" failed: `
          + `${ready.error ? ready.error.message : 'no reason given'}`;
      }
    } catch (e) {
      this.status.textContent = '';
      this.onError(e);
    }
  }

  async awaitEnd(id) {
    for (;;) {
      const v = await api.call('GET', `/v1/voices/${encodeURIComponent(id)}`);
      if (v.state === 'READY' || v.state === 'FAILED') {
        await this.refresh();
        return v;
      }
      await new Promise(resolve => setTimeout(resolve, POLL_MS));
    }
  }

  async remove(voice) {
    try {
      await api.call('DELETE', `/v1/voices/${encodeURIComponent(voice.id)}`);
      this.status.textContent = `Voice "${voice.name || voice.id}" deleted.`;
      await this.refresh();
    } catch (e) {
      this.onError(e);
    }
  }

  renderList() {
    this.list.replaceChildren(...this.voices.map(v => {
      const li = document.createElement('li');
      li.dataset.id = v.id;
      li.dataset.state = v.state;
      const label = document.createElement('span');
      label.className = 'name';
      label.textContent = v.name || v.id;
      const state = document.createElement('span');
      state.className = `badge state-${v.state.toLowerCase()}`;
      state.textContent = v.state + (v.duration_ms ? ` · ${(v.duration_ms / 1000).toFixed(1)} s` : '');
      li.append(label, state);
      if (v.state === 'READY') {
        li.append(button('Use', `Use voice ${v.name || v.id}`, () => {
          this.picker.value = `voice:${v.id}`;
          this.picker.focus();
        }));
      }
      if (v.state === 'FAILED' && v.error) {
        const why = document.createElement('span');
        why.className = 'help';
        why.textContent = v.error.message;
        li.append(why);
      }
      li.append(button('Delete', `Delete voice ${v.name || v.id}`, () => this.remove(v)));
      return li;
    }));
  }

  renderPicker() {
    const chosen = this.picker.value;
    const stored = document.createElement('optgroup');
    stored.label = 'Your voices';
    for (const v of this.voices.filter(x => x.state === 'READY')) {
      stored.append(new Option(v.name || v.id, `voice:${v.id}`));
    }
    const builtIn = document.createElement('optgroup');
    builtIn.label = 'Built-in speakers';
    for (let i = 0; i < SPEAKERS; i++) {
      builtIn.append(new Option(`Speaker ${i}${OPENAI_NAMES[i] ? ` (${OPENAI_NAMES[i]})` : ''}`, `speaker:${i}`));
    }
    this.picker.replaceChildren(...(stored.children.length > 0 ? [stored] : []), builtIn);
    const still = [...this.picker.options].some(o => o.value === chosen);
    this.picker.value = still ? chosen : 'speaker:0';
  }
}

function button(text, label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.setAttribute('aria-label', label);
  b.addEventListener('click', onClick);
  return b;
}
