// The sync status line: always in view, it says what waits on this phone and why.

import { removeMany } from './data/idb.js';
import { describe } from './data/sync.js';
import { onLanguage, t } from './i18n.js';
import { esc } from './ui/html.js';

const bar = document.getElementById('sync-status');

function say(tone, html) {
  bar.dataset.tone = tone;
  bar.innerHTML = html;
}

let shown = null; // the last status: said again when the language changes
onLanguage(() => shown && showStatus(shown));

export function showStatus(status) {
  shown = status;
  const { waiting, refused, online, problem, checking } = status;
  if (checking) {
    say('ok', esc(t('status.checking')));
  } else if (refused.length) {
    say('error', `${esc(t('status.refused', { count: refused.length, reason: refused[0].message }))}
      ${esc(t('status.refused_help'))}
      <button type="button" class="button small" id="dismiss-refused">${esc(t('status.ok'))}</button>`);
    bar.querySelector('#dismiss-refused').addEventListener('click', async () => {
      await removeMany('refused', refused.map((r) => r.id));
      showStatus(await describe());
    });
  } else if (problem === 'signin') {
    say('warn', `${esc(t('status.signin', { count: waiting }))} <a href="/signin?next=/app">${esc(t('status.signin_link'))}</a>`);
  } else if (!online || problem === 'offline') {
    say('warn', esc(t('status.offline', { count: waiting })));
  } else if (waiting) {
    say('warn', esc(t(problem === 'server' ? 'status.waiting_retry' : 'status.waiting', { count: waiting })));
  } else {
    say('ok', esc(t('status.saved')));
  }
}

/** A problem the learner must know about now (e.g. signing out needs signal). */
export const showProblem = (text) => say('error', esc(text));
