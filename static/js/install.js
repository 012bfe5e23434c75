// "Install the app": a button where the browser offers it, short steps on iPhone and iPad.

const slot = document.getElementById('install');
let offer = null;

function isStandalone() {
  return window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
}

// Appear only once the app has drawn its first view, so nothing below moves.
const whenReady = (fn) => {
  const app = document.getElementById('app');
  if (!app || app.dataset.ready) fn();
  else document.addEventListener('app-ready', fn, { once: true });
};

function showButton() {
  slot.innerHTML = '<button type="button" class="button">Install Skillpath on this phone</button>'
    + '<p class="hint">Opens like an app and works without signal.</p>';
  slot.querySelector('button').addEventListener('click', async () => {
    if (!offer) return;
    offer.prompt();
    await offer.userChoice;
    offer = null;
    slot.innerHTML = '';
  });
}

if (slot && !isStandalone()) {
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    offer = event;
    whenReady(showButton);
  });
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) && !window.MSStream;
  if (ios) {
    whenReady(() => {
      slot.innerHTML = '<p class="hint">To install: tap <strong>Share</strong>, then <strong>Add to Home Screen</strong>.</p>';
    });
  }
  window.addEventListener('appinstalled', () => { slot.innerHTML = ''; });
}
