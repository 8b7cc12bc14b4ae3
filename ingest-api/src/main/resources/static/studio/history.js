// History: the tenant's recent jobs (GET /v1/jobs) and narrations (GET /v1/narrations), newest first, each playable
// once it succeeded. The API does not return a job's text, so the page remembers what it submitted in this tab.

import * as api from './api.js';

const LIMIT = 20;
const TEXTS = 'csm-studio.texts';

/** Remembers the start of the text submitted as `id`, to show it in the history. */
export function rememberText(id, text) {
  const texts = JSON.parse(sessionStorage.getItem(TEXTS) || '{}');
  texts[id] = text.length > 90 ? `${text.slice(0, 90)}…` : text;
  const ids = Object.keys(texts).sort().reverse().slice(0, 200);
  sessionStorage.setItem(TEXTS, JSON.stringify(Object.fromEntries(ids.map(k => [k, texts[k]]))));
}

export class History {
  constructor({ list, onPlay, onError }) {
    this.list = list;
    this.onPlay = onPlay;
    this.onError = onError;
    this.asked = 0;
  }

  async refresh() {
    const asked = ++this.asked; // an older answer arriving late must not replace a newer one
    let jobs;
    let narrations;
    try {
      [jobs, narrations] = await Promise.all([
        api.call('GET', `/v1/jobs?limit=${LIMIT}`),
        api.call('GET', `/v1/narrations?limit=${LIMIT}`),
      ]);
    } catch (e) {
      if (asked === this.asked) {
        this.onError(e);
      }
      return;
    }
    if (asked !== this.asked) {
      return;
    }
    // The job list holds narrations' own rows too; they are listed once, as narrations.
    const items = [
      ...jobs.jobs.filter(j => j.kind !== 'NARRATION').map(view => ({ kind: 'job', view })),
      ...narrations.narrations.map(view => ({ kind: 'narration', view })),
    ].sort((a, b) => (a.view.id < b.view.id ? 1 : -1)).slice(0, LIMIT); // version-7 ids sort by age
    const texts = JSON.parse(sessionStorage.getItem(TEXTS) || '{}');
    this.list.replaceChildren(...items.map(item => this.render(item, texts[item.view.id])));
    if (items.length === 0) {
      const li = document.createElement('li');
      li.className = 'help';
      li.textContent = 'Nothing yet.';
      this.list.replaceChildren(li);
    }
  }

  render({ kind, view }, text) {
    const li = document.createElement('li');
    li.dataset.id = view.id;
    li.dataset.kind = kind;
    li.dataset.state = view.state;
    const what = document.createElement('span');
    what.className = 'kind';
    what.textContent = kind === 'job' ? 'Job' : `Narration (${view.segments.total} segment${view.segments.total === 1 ? '' : 's'})`;
    const when = document.createElement('time');
    when.dateTime = view.created_at;
    when.textContent = new Date(view.created_at).toLocaleString();
    const state = document.createElement('span');
    state.className = `badge state-${view.state.toLowerCase()}`;
    state.textContent = view.state;
    li.append(what, when, state);
    const seconds = view.result ? view.result.duration_ms / 1000 : null;
    if (seconds != null) {
      const length = document.createElement('span');
      length.textContent = `${seconds.toFixed(1)} s`;
      li.append(length);
    }
    const words = document.createElement('span');
    words.className = 'snippet';
    words.textContent = text || view.id;
    li.append(words);
    if (view.state === 'SUCCEEDED') {
      const play = document.createElement('button');
      play.type = 'button';
      play.textContent = 'Play';
      play.setAttribute('aria-label', `Play ${what.textContent.toLowerCase()} of ${when.textContent}`);
      play.addEventListener('click', () => this.onPlay(kind, view));
      li.append(play);
    }
    return li;
  }
}
