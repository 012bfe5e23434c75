import { t } from './words.js';
import { signInWithPasskey } from './webauthn.js';
import { wireCeremony } from './ceremony.js';

const next = () => {
  const target = new URLSearchParams(window.location.search).get('next') ?? '/';
  return target.startsWith('/') && !target.startsWith('//') ? target : '/';
};

wireCeremony({
  button: document.getElementById('signin'),
  status: document.getElementById('signin-status'),
  busyText: t('passkey.waiting'),
  action: signInWithPasskey,
  next,
});
