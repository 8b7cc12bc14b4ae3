// The public API as the page uses it: the key from session storage on every call, JSON errors turned into
// sentences for people, and Server-Sent Events read with fetch (EventSource cannot send an Authorization header).

const KEY_STORAGE = 'csm-studio.api-key';

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) || '';
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, key);
  } else {
    sessionStorage.removeItem(KEY_STORAGE);
  }
}

function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** An API answer that was not 2xx: its status, the API's code and message, and each field it names. */
export class ApiError extends Error {
  constructor(status, code, detail, fields, retryAfter) {
    super(explain(status, code, detail, fields, retryAfter));
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.fields = fields;
  }
}

/** What to tell a person for each status, before the API's own sentence. */
function explain(status, code, detail, fields, retryAfter) {
  const said = detail ? ` The server said: ${detail}` : '';
  switch (status) {
    case 401:
      return (apiKey() ? 'The API key was refused (401).' : 'This server needs an API key (401).')
        + ' Type a valid key in "API key" above and press "Use key".' + said;
    case 404:
      return 'Not found (404): it does not exist, or it belongs to another API key.' + said;
    case 413:
      return 'Too large (413): send less text or a shorter clip.' + said;
    case 429:
      return `Too many requests (429): wait ${retryAfter ? retryAfter + ' s' : 'a moment'} and try again.` + said;
    case 503:
      return 'The pipeline cannot take this right now (503): a service it needs is down or restarting; '
        + 'try again in a few seconds.' + said;
    default: {
      const named = (fields || []).map(f => `${f.field} ${f.reason}`).join('; ');
      if (named) {
        return `The request was refused (${status}): ${named}.`;
      }
      return `The request failed (${status}${code ? ' ' + code : ''}).` + said;
    }
  }
}

async function errorOf(response) {
  let body = {};
  try {
    body = await response.json();
  } catch (e) {
    // not JSON: keep the status alone
  }
  // Our errors are {error, message, fields}; the OpenAI-compatible ones are {error: {message, code}}.
  const nested = body && typeof body.error === 'object' && body.error !== null ? body.error : null;
  const code = nested ? nested.code : body.error;
  const message = nested ? nested.message : body.message;
  return new ApiError(response.status, code, message, body.fields, response.headers.get('Retry-After'));
}

/** Calls the API; resolves to the JSON body (null for 204), rejects with an ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json', ...authHeaders() };
  const init = { method, headers };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.status === 204 ? null : response.json();
}

/** Fetches binary content (audio) with the key; resolves to a Blob. */
export async function blob(path) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.blob();
}

/**
 * Follows a Server-Sent Events stream, calling onEvent(name, data) for each event, until the server ends it or
 * signal aborts it.
 */
export async function follow(path, onEvent, signal) {
  const response = await fetch(path, { headers: { Accept: 'text/event-stream', ...authHeaders() }, signal });
  if (!response.ok) {
    throw await errorOf(response);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      dispatch(block, onEvent);
    }
  }
}

function dispatch(block, onEvent) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      continue; // comment
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      name = value;
    } else if (field === 'data') {
      data.push(value);
    }
  }
  if (data.length > 0) {
    onEvent(name, JSON.parse(data.join('\n')));
  }
}
