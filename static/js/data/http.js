// JSON calls to our API, and the one way to get a CSRF token: the app, sync and the
// server-rendered pages all use it, so a token is never fetched two different ways.

import { t } from '../i18n.js';

let csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** An API error in the one shape: code, error, message, details. */
export class ApiError extends Error {
  constructor(body, status) {
    super(body?.message ?? t('http.failed', { status }));
    this.status = status;
    this.error = body?.error ?? 'http_error';
    this.details = body?.details ?? {};
  }
}

/** A fresh CSRF token: tokens expire after an hour, so a long-lived app never reuses one. */
export async function freshCsrf() {
  const res = await fetch('/api/v1/auth/csrf', { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new ApiError(await safeJson(res), res.status);
  csrfToken = (await res.json()).csrf_token;
  return csrfToken;
}

/** Who is signed in (``{signed_in, person, csrf_token}``), with a fresh CSRF token. */
export async function session() {
  const res = await fetch('/api/v1/auth/session', { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new ApiError(await safeJson(res), res.status);
  const answer = await res.json();
  csrfToken = answer.csrf_token;
  return answer;
}

/** POST (or another method) JSON with the CSRF token and return the raw response. */
export async function post(path, body = {}, { method = 'POST', token = null } = {}) {
  if (!token && !csrfToken) await freshCsrf();
  return fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token ?? csrfToken },
    body: JSON.stringify(body),
  });
}

/** POST JSON and return the decoded answer; throws ApiError. */
export async function send(path, body = {}, method = 'POST') {
  const res = await post(path, body, { method });
  const data = await safeJson(res);
  if (!res.ok) throw new ApiError(data, res.status);
  if (data?.csrf_token) csrfToken = data.csrf_token; // a new session brings a new token
  return data;
}

/** End the session: with a fresh token, since the app may have been open for hours. */
export async function signOut() {
  await freshCsrf();
  return send('/api/v1/auth/signout', {});
}

/** The JSON body of a response, or null when it has none (a proxy's page, an empty body). */
export async function safeJson(res) {
  try {
    return await res.json();
  } catch {
    return null;
  }
}
