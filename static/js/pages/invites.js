// Copy an invite link to the clipboard from the L&D invite page.

import { t } from './words.js';

for (const button of document.querySelectorAll('[data-copy]')) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById('copy-status');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = t('invites.copied');
    } catch {
      input.select();
      status.textContent = t('invites.copy_by_hand');
    }
  });
}
