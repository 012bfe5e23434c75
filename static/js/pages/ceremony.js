// Shared wiring of a button that runs a passkey ceremony and reports progress.

import { t } from './words.js';
import { explain, passkeysSupported } from './webauthn.js';

/** Enable `button`; on activation run `action`, then go to `next` or report. */
export function wireCeremony({ button, status, form = null, busyText, action, next }) {
  if (!passkeysSupported()) {
    status.textContent = t('passkey.unsupported');
    status.classList.add('error');
    return;
  }
  button.disabled = false;
  const run = async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.classList.remove('error');
    status.textContent = busyText;
    try {
      await action();
      status.textContent = t('passkey.done');
      window.location.assign(next());
    } catch (error) {
      status.textContent = explain(error);
      status.classList.add('error');
      button.disabled = false;
    }
  };
  (form ?? button).addEventListener(form ? 'submit' : 'click', run);
}
