// The English words of the privacy view (who sees your ratings): loaded with that view.
// One entry per line, `'key': ...`, as in en.js.

export default {
  'privacy.yours': 'Your ratings',
  'privacy.only_you': 'Only you see your ratings and the notes you write with them. Not your manager, not L&D, not the authors of your role’s profile.',
  'privacy.ld': 'What L&D sees',
  'privacy.weekly': 'Once a week L&D gets counts of groups of people.',
  'privacy.every_days': { one: 'Once a day L&D gets counts of groups of people.', other: 'Every {count} days L&D gets counts of groups of people.' },
  'privacy.now_and_then': 'From time to time L&D gets counts of groups of people.',
  'privacy.noise': 'A little noise is added to them, so that nobody, not even L&D, can work out one person’s answers.',
  'privacy.counted': 'The counts say how many people rated themselves at each level, and add up the time and fees that plans ask for. No names are in them.',
  'privacy.threshold': { one: 'A group of fewer than {count} person shows as “too few people to show”.', other: 'A group of fewer than {count} people shows as “too few people to show”.' },
  'privacy.last_release': 'The last release was on {date}.',
  'privacy.no_release': 'There has been no release yet.',
  'privacy.not_loaded': 'Connect once to the internet to see when the last release was.',
  'privacy.others': 'Your plan and mentors',
  'privacy.plan': 'Your plan is yours: nobody else sees it. A colleague can suggest something for it, but never sees your ratings or the rest of your plan.',
  'privacy.mentor': 'A mentor learns what you want help with only when you ask that mentor, and sees your rating only if you tick the box to share it in that request.',
  'privacy.offer': 'If you offer to mentor, colleagues see what you offer help with, never your ratings.',
  'privacy.records': 'Other systems',
  'privacy.records_sent': 'Your organisation’s learning record system gets each lesson you finish and each practice answer (right or wrong, and how long it took), under a code instead of your name. Your ratings, your plan and your mentoring never leave Skillpath.',
  'privacy.records_none': 'Nothing you do in Skillpath is sent to another system.',
  'privacy.data': 'Your data',
  'privacy.export': 'In Account you can download everything Skillpath holds about you, or delete your account. Releases made after you delete it no longer count you.',
  'privacy.data_link': 'Download or delete your data',
  'privacy.back': 'Back to your self-assessment',
};
