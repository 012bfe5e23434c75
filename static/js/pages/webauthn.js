// Passkey ceremonies: options from the server, the browser's prompt, the answer back.

import { send } from '../data/http.js';
import { t } from './words.js';

const b64urlToBuffer = (value) => {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
};

const bufferToB64url = (buffer) => {
  const bytes = new Uint8Array(buffer);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

export const passkeysSupported = () =>
  typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) {
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: b64urlToBuffer(json.challenge),
    user: { ...json.user, id: b64urlToBuffer(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map((c) => ({ ...c, id: b64urlToBuffer(c.id) })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) {
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  }
  return {
    ...json,
    challenge: b64urlToBuffer(json.challenge),
    allowCredentials: (json.allowCredentials ?? []).map((c) => ({ ...c, id: b64urlToBuffer(c.id) })),
  };
}

function credentialJson(cred) {
  if (typeof cred.toJSON === 'function') return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: bufferToB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = bufferToB64url(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  }
  if (r.authenticatorData) response.authenticatorData = bufferToB64url(r.authenticatorData);
  if (r.signature) response.signature = bufferToB64url(r.signature);
  if (r.userHandle) response.userHandle = bufferToB64url(r.userHandle);
  return {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    response,
    clientExtensionResults: cred.getClientExtensionResults?.() ?? {},
    authenticatorAttachment: cred.authenticatorAttachment ?? null,
  };
}

/** Create a passkey, by invite (token) or for the signed-in person (no token). */
export async function registerPasskey({ inviteToken = null, name = '' } = {}) {
  const payload = inviteToken ? { invite_token: inviteToken } : {};
  const options = await send('/api/v1/auth/register/options', payload);
  const cred = await navigator.credentials.create({ publicKey: creationOptions(options) });
  return send('/api/v1/auth/register/verify', {
    ...payload,
    name: name || defaultDeviceName(),
    credential: credentialJson(cred),
  });
}

/** Sign in with any passkey this device holds for us (discoverable credential). */
export async function signInWithPasskey() {
  const options = await send('/api/v1/auth/login/options', {});
  const cred = await navigator.credentials.get({ publicKey: requestOptions(options) });
  try {
    return await send('/api/v1/auth/login/verify', { credential: credentialJson(cred) });
  } catch (error) {
    if (error.error === 'unknown_passkey' && PublicKeyCredential.signalUnknownCredential) {
      // Let the password manager forget a passkey this site no longer knows.
      PublicKeyCredential.signalUnknownCredential({ rpId: options.rpId, credentialId: cred.id })
        .catch(() => {});
    }
    throw error;
  }
}

/** A readable default name such as "Android phone" or "iPhone". */
export function defaultDeviceName() {
  const ua = navigator.userAgent;
  if (/iPhone/.test(ua)) return t('device.iphone');
  if (/iPad/.test(ua)) return t('device.ipad');
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? t('device.android_phone') : t('device.android_tablet');
  if (/Macintosh/.test(ua)) return t('device.mac');
  if (/Windows/.test(ua)) return t('device.windows');
  if (/Linux/.test(ua)) return t('device.linux');
  return t('device.other');
}

/** Words a person understands for what went wrong during a ceremony. */
export function explain(error) {
  if (error?.name === 'NotAllowedError') {
    return t('passkey.cancelled');
  }
  if (error?.name === 'InvalidStateError') {
    return t('passkey.exists');
  }
  if (error?.name === 'SecurityError') {
    return t('passkey.wrong_address');
  }
  return error?.message || t('passkey.failed');
}
