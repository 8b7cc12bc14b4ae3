// The player: loads a finished job's or narration's audio (with the key, so as a Blob), offers it for download, and
// for a narration lists the manifest's segments, marks the one being played, and seeks to a segment on click.

import * as api from './api.js';
import { clock } from './progress.js';

export class Player {
  constructor({ audio, download, nowPlaying, segmentsTitle, segments }) {
    this.audio = audio;
    this.download = download;
    this.nowPlaying = nowPlaying;
    this.segmentsTitle = segmentsTitle;
    this.segments = segments;
    this.entries = [];
    this.objectUrl = null;
    this.current = -1;
    const mark = () => this.mark(this.indexAt(this.audio.currentTime * 1000));
    audio.addEventListener('timeupdate', mark);
    audio.addEventListener('seeked', mark);
  }

  /**
   * Loads the audio of a finished job or narration (its status view) in `format`; for a narration also its
   * manifest. Resolves once the player has the audio's metadata.
   */
  async load(kind, view, format, label) {
    const suffix = format && format !== 'wav' ? `?format=${encodeURIComponent(format)}` : '';
    const [audio, manifest] = await Promise.all([
      api.blob(view.audio_url + suffix),
      kind === 'narration' ? api.call('GET', view.manifest_url) : Promise.resolve(null),
    ]);
    this.clear();
    this.objectUrl = URL.createObjectURL(audio);
    const loaded = new Promise((resolve, reject) => {
      this.audio.addEventListener('loadedmetadata', resolve, { once: true });
      this.audio.addEventListener('error', () => reject(new Error('the browser could not decode the audio')),
        { once: true });
    });
    this.audio.src = this.objectUrl;
    this.download.href = this.objectUrl;
    this.download.download = `${view.id}.${format || 'wav'}`;
    this.download.textContent = `Download ${this.download.download}`;
    this.download.hidden = false;
    this.nowPlaying.textContent = label;
    this.showSegments(manifest ? manifest.segments : []);
    await loaded;
  }

  clear() {
    this.audio.pause();
    this.audio.removeAttribute('src');
    this.audio.load();
    if (this.objectUrl) {
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
    this.download.hidden = true;
    this.showSegments([]);
  }

  showSegments(entries) {
    this.entries = entries;
    this.current = -1;
    this.segments.replaceChildren(...entries.map((e, i) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'segment';
      const time = document.createElement('span');
      time.className = 'time';
      time.textContent = e.gap ? `${clock(e.start_ms)} (gap)` : `${clock(e.start_ms)}–${clock(e.end_ms)}`;
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = e.text;
      button.append(time, text);
      button.setAttribute('aria-label', `Play from ${clock(e.start_ms)}: ${e.text}`);
      button.addEventListener('click', () => this.seek(i));
      li.append(button);
      return li;
    }));
    this.segmentsTitle.hidden = entries.length === 0;
  }

  /** Plays from the start of segment i. */
  seek(i) {
    this.audio.currentTime = this.entries[i].start_ms / 1000;
    this.mark(i);
    this.audio.play().catch(() => { /* the user can press play */ });
  }

  /** The segment sounding at `ms`: the last one that starts at or before it (a pause belongs to the one before). */
  indexAt(ms) {
    let found = -1;
    for (let i = 0; i < this.entries.length && this.entries[i].start_ms <= ms; i++) {
      found = i;
    }
    return found;
  }

  mark(i) {
    if (i === this.current) {
      return;
    }
    const items = this.segments.children;
    if (this.current >= 0 && items[this.current]) {
      items[this.current].classList.remove('current');
      items[this.current].firstElementChild.removeAttribute('aria-current');
    }
    this.current = i;
    if (i >= 0 && items[i]) {
      items[i].classList.add('current');
      items[i].firstElementChild.setAttribute('aria-current', 'true');
      items[i].scrollIntoView({ block: 'nearest' });
    }
  }
}
