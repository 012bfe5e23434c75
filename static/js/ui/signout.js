// Sign out from the account page, as its form does without scripts; changes still
// waiting are mentioned first, since they can only be sent while someone is signed in.
// The page loads this module itself; the service worker keeps it, for offline.

import { signOut } from '../data/http.js';
import { get } from '../data/idb.js';
import { pending } from '../data/outbox.js';
import { forgetBundle } from '../data/sync.js';
import { t } from '../i18n.js';
import { showProblem } from '../status.js';

export async function signOutHere() {
  const bundle = await get('kv', 'bootstrap');
  const waiting = (await pending(bundle?.person?.id)).length;
  if (waiting && !window.confirm(t('signout.confirm', { count: waiting }))) return;
  try {
    await signOut();
  } catch {
    showProblem(t('signout.failed'));
    return;
  }
  await forgetBundle();
  window.location.assign('/signin');
}

document.getElementById('sign-out')?.addEventListener('submit', (event) => {
  event.preventDefault();
  signOutHere();
});
