// Copy an invite link to the clipboard from the L&D invite page.

for (const button of document.querySelectorAll('[data-copy]')) {
  const input = document.getElementById(button.dataset.copy);
  const status = document.getElementById('copy-status');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = 'Link copied.';
    } catch {
      input.select();
      status.textContent = 'Select the link above and copy it.';
    }
  });
}
