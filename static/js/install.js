// "Install the app": a button where the browser offers it, short steps on iPhone and iPad.

import { onLanguage, t } from './i18n.js';
import { esc } from './ui/html.js';

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

let drawn = null; // what the slot shows: drawn again in a new language
onLanguage(() => drawn?.());

function showButton() {
  drawn = showButton;
  slot.innerHTML = `<button type="button" class="button">${esc(t('install.button'))}</button>
    <p class="hint">${esc(t('install.hint'))}</p>`;
  slot.querySelector('button').addEventListener('click', async () => {
    if (!offer) return;
    offer.prompt();
    await offer.userChoice;
    offer = null;
    drawn = null;
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
    const showSteps = () => {
      drawn = showSteps;
      slot.innerHTML = `<p class="hint">${esc(t('install.ios'))}</p>`;
    };
    whenReady(showSteps);
  }
  window.addEventListener('appinstalled', () => { drawn = null; slot.innerHTML = ''; });
}
