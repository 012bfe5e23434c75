// JSON calls to our API with the CSRF token the page carries (or a fresh one).

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** An API error in the one shape: code, error, message, details. */
export class ApiError extends Error {
  constructor(body, status) {
    super(body?.message ?? `The server answered ${status}.`);
    this.status = status;
    this.error = body?.error ?? 'http_error';
    this.details = body?.details ?? {};
  }
}

/** Fetch a fresh CSRF token (tokens expire after an hour). */
export async function refreshCsrf() {
  const res = await fetch('/api/v1/auth/csrf', { credentials: 'same-origin' });
  if (!res.ok) throw new ApiError(await safeJson(res), res.status);
  csrfToken = (await res.json()).csrf_token;
  return csrfToken;
}

/** POST (or another method) JSON and return the decoded answer; throws ApiError. */
export async function send(path, body = {}, method = 'POST') {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken },
    body: JSON.stringify(body),
  });
  const data = await safeJson(res);
  if (!res.ok) throw new ApiError(data, res.status);
  if (data?.csrf_token) csrfToken = data.csrf_token; // a new session brings a new token
  return data;
}

async function safeJson(res) {
  try {
    return await res.json();
  } catch {
    return null;
  }
}
