// Boot: the router draws from IndexedDB, always; sync only refreshes it in the background.

import { onWrite } from './data/outbox.js';
import { describe, onStatus, startSync, syncSoon } from './data/sync.js';
import { refresh, start } from './router.js';
import { showStatus } from './status.js';

let lastWaiting = null;
onStatus((status) => {
  showStatus(status);
  // The outbox shrank or grew: what the view shows may have changed.
  if (lastWaiting !== null && status.waiting !== lastWaiting) refresh();
  lastWaiting = status.waiting;
});
onWrite(syncSoon);
start(document.getElementById('app')).then(() => describe().then(showStatus));
startSync(refresh);
