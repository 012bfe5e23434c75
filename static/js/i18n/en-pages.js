// The English words of the server pages' scripts (sign-in, enrolment, passkeys, invites):
// loaded by static/js/pages/words.js, never with the app. One entry per line, as in en.js.

export default {
  'passkey.unsupported': 'This browser cannot use passkeys. Open the link in Chrome, Safari, Edge or Firefox.',
  'passkey.follow_prompt': 'Follow the prompt on your device…',
  'passkey.waiting': 'Waiting for your passkey…',
  'passkey.done': 'Done. Opening Skillpath…',
  'passkey.cancelled': 'The passkey prompt was closed or timed out. Nothing was changed; try again.',
  'passkey.exists': 'This device already holds a passkey for you. Sign in with it instead.',
  'passkey.wrong_address': 'Passkeys only work on the address your team gave you. Check the link.',
  'passkey.failed': 'Something went wrong. Try again.',
  'invites.copied': 'Link copied.',
  'invites.copy_by_hand': 'Select the link above and copy it.',
  'device.iphone': 'iPhone',
  'device.ipad': 'iPad',
  'device.android_phone': 'Android phone',
  'device.android_tablet': 'Android tablet',
  'device.mac': 'Mac',
  'device.windows': 'Windows computer',
  'device.linux': 'Linux computer',
  'device.other': 'This device',
};
