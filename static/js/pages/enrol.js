import { t } from './words.js';
import { registerPasskey } from './webauthn.js';
import { wireCeremony } from './ceremony.js';

const form = document.getElementById('enrol');

wireCeremony({
  button: form.querySelector('button'),
  status: document.getElementById('enrol-status'),
  form,
  busyText: t('passkey.follow_prompt'),
  action: () => registerPasskey({ inviteToken: form.dataset.token, name: form.device_name.value.trim() }),
  next: () => '/',
});
