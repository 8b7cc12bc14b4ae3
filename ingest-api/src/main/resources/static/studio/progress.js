// Progress of a job or a narration from its status view: how far (percent), how long still (ETA), what to say.

export const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED']);

/**
 * A job's progress: frames done of frames_max. The pace is frames per second between the job's start and its newest
 * event (both server times, so the browser's clock does not matter). Speech may stop before frames_max, so the ETA
 * is an upper bound. The bar shows 100 only once the audio is stored.
 */
export function jobProgress(view) {
  const p = view.progress || {};
  const done = p.frames_done || 0;
  const max = p.frames_max || 0;
  if (view.state === 'SUCCEEDED') {
    return { percent: 100, text: `done: ${seconds(p.audio_seconds)} of audio` };
  }
  const percent = max > 0 ? Math.min(99, Math.floor((done * 100) / max)) : 0;
  let text = max > 0 ? `${done} of at most ${max} frames, ${seconds(p.audio_seconds)} of audio` : '';
  if (view.state === 'RUNNING' && done > 0 && view.started_at && view.updated_at) {
    const elapsed = (Date.parse(view.updated_at) - Date.parse(view.started_at)) / 1000;
    if (elapsed > 0) {
      const left = Math.max(0, Math.round((max - done) / (done / elapsed)));
      text += `; at most ${duration(left)} left`;
    }
  }
  return { percent, text };
}

/** A narration's progress: segments finished of all, and the API's estimate of the time left. */
export function narrationProgress(view) {
  const s = view.segments || { total: 0, done: 0, failed: 0, cancelled: 0 };
  if (view.state === 'SUCCEEDED') {
    return { percent: 100, text: `done: ${s.total} segments` };
  }
  const finished = s.done + s.failed + s.cancelled;
  const percent = s.total > 0 ? Math.min(99, Math.floor((finished * 100) / s.total)) : 0;
  let text = `${s.done} of ${s.total} segments done`;
  if (s.running) {
    text += `, ${s.running} running`;
  }
  if (view.state === 'ASSEMBLING') {
    text += '; joining them into one file';
  } else if (view.estimated_remaining_seconds != null) {
    text += `; about ${duration(view.estimated_remaining_seconds)} left`;
  }
  return { percent, text };
}

function seconds(s) {
  return `${(s || 0).toFixed(1)} s`;
}

export function duration(totalSeconds) {
  const t = Math.round(totalSeconds);
  if (t < 60) {
    return `${t} s`;
  }
  const m = Math.floor(t / 60);
  return `${m} min ${t % 60} s`;
}

/** m:ss.t of a time in milliseconds, for segment times. */
export function clock(ms) {
  const tenths = Math.floor(ms / 100);
  const m = Math.floor(tenths / 600);
  const s = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
  return `${m}:${s}`;
}
