// The English words of the reminders view: loaded with that view.
// One entry per line, `'key': ...`, as in en.js.

export default {
  'reminders.title': 'Reminders',
  'reminders.intro': 'A short reminder on this phone when it helps: at the time you choose, never at night, at most one a day of each kind.',
  'reminders.turn_on': 'Remind me on this phone',
  'reminders.asking': 'Your phone will ask whether Skillpath may show notifications.',
  'reminders.on_here': 'Reminders are on for this phone.',
  'reminders.devices': 'Phones and browsers that get your reminders',
  'reminders.no_devices': 'No phone gets your reminders yet.',
  'reminders.this_device': '{device} (this phone)',
  'reminders.since': 'Since {date}',
  'reminders.last_sent': 'Last reminder {date}',
  'reminders.remove': 'Stop reminders to {device}',
  'reminders.removed': 'Reminders to that phone are off.',
  'reminders.blocked': 'Notifications are blocked for Skillpath in this browser. If you want reminders, allow notifications for this site in your browser’s settings, then come back here.',
  'reminders.refused': 'No reminders, then. You can turn them on here at any time.',
  'reminders.unsupported': 'This browser cannot show reminders from Skillpath.',
  'reminders.ios_home_screen': 'On an iPhone or iPad, reminders work once Skillpath is on your Home Screen:',
  'reminders.ios_step_share': 'Tap the Share button in Safari.',
  'reminders.ios_step_add': 'Choose “Add to Home Screen”, then “Add”.',
  'reminders.ios_step_open': 'Open Skillpath from your Home Screen and come back to this page.',
  'reminders.not_set_up': 'Reminders are not set up on this server yet. Your L&D team can turn them on.',
  'reminders.offline': 'You are offline. Turning reminders on needs a connection; try again when you have signal.',
  'reminders.failed': 'That did not work: {reason} Please try again.',
  'reminders.back': 'Back to your practice',
};
