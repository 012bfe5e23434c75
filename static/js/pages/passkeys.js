import { t } from './words.js';
import { registerPasskey } from './webauthn.js';
import { wireCeremony } from './ceremony.js';

const form = document.getElementById('add-passkey');

wireCeremony({
  button: form.querySelector('button'),
  status: document.getElementById('passkey-status'),
  form,
  busyText: t('passkey.follow_prompt'),
  action: () => registerPasskey({ name: form.device_name.value.trim() }),
  next: () => '/account/passkeys',
});
