// The English catalogue: whole sentences with named {placeholders}. An entry with
// plural forms is an object ({zero?, one, other}) chosen by the `count` variable.
// One entry per line, `'key': ...`: the string check reads the keys from here.

export default {
  'app.loading': 'Loading…',
  'app.not_loaded': 'This phone has not loaded your profile yet. Connect once to the internet, then it works without signal.',
  'app.sign_in': 'Sign in',
  'app.title': 'Self-assessment · Skillpath',
  'app.skip': 'Skip to content',
  'nav.main': 'Main',
  'nav.home': 'Home',
  'nav.practice': 'Practice',
  'nav.plan': 'Plan',
  'nav.assess': 'Assess',
  'nav.account': 'Account',

  'privacy.ratings': 'Only you see your ratings.',
  'privacy.title': 'Who sees your ratings',

  'content.original_only': 'Only in English',
  'content.partly_original': 'Partly only in English',

  'assess.title': 'Your self-assessment',
  'assess.no_profile': 'Your role has no Success Profile yet.',
  'assess.meta': '{role} · version {version}',
  'assess.levels_explained': 'Each competency has levels from {min} (just starting) to {max} (you could teach it). The target is the level your role needs. Pick the description that sounds most like you today: being below the target is fine, it shows where to learn next.',
  'assess.progress': '{done} of {total} rated',
  'assess.start': 'Start',
  'assess.continue': 'Continue',
  'assess.review_submit': 'Review and submit',
  'assess.submit_again': 'Review and submit again',
  'assess.change_answer': 'Change an answer',
  'assess.submitted': 'You submitted your self-assessment on {when}.',
  'assess.submitted_waiting': 'It is kept on this phone and is sent when there is signal.',
  'assess.changed_since': { one: 'You changed 1 answer since.', other: 'You changed {count} answers since.' },
  'assess.see_results': 'See your results',
  'assess.other_role': 'Rate yourself against {role}',
  'assess.competencies': 'Competencies',
  'assess.not_rated': 'Not rated yet',
  'assess.rate_again': 'Changed since you rated it: please rate again',
  'assess.profile_changed': 'The profile of {role} changed',
  'assess.profile_published': 'Version {version} was published on {when}.',
  'assess.look_again': { one: 'Look again at 1 competency you rated before it changed.', other: 'Look again at {count} competencies you rated before they changed.' },
  'assess.look_again_link': { one: 'Rate it again', other: 'Rate them again' },
  'assess.your_level': 'You: level {level}',
  'assess.row_state': '{state} · target {target}',

  'status.saved': 'All saved',
  'status.checking': 'Checking…',
  'status.waiting': { one: '1 change waiting to sync', other: '{count} changes waiting to sync' },
  'status.waiting_retry': { one: '1 change waiting to sync: Skillpath did not answer, trying again soon', other: '{count} changes waiting to sync: Skillpath did not answer, trying again soon' },
  'status.offline': { zero: 'Offline — your changes will be kept on this phone', one: 'Offline — 1 change kept on this phone', other: 'Offline — {count} changes kept on this phone' },
  'status.signin': { zero: 'Sign in again to save your changes.', one: 'Sign in again to save your change. It is kept on this phone.', other: 'Sign in again to save your {count} changes. They are kept on this phone.' },
  'status.signin_link': 'Sign in',
  'status.refused': { one: '1 change could not be saved: {reason}', other: '{count} changes could not be saved: {reason}' },
  'status.refused_help': 'Make it again if it still matters; the app team keeps a copy to fix the cause.',
  'status.ok': 'OK',

  'signout.confirm': { one: '1 change has not been sent yet. It stays on this phone and is sent when you sign in here again. Sign out anyway?', other: '{count} changes have not been sent yet. They stay on this phone and are sent when you sign in here again. Sign out anyway?' },
  'signout.failed': 'Signing out needs a connection. Try again when there is signal.',

  'update.ready': 'Update ready — tap to reload',
  'install.button': 'Install Skillpath on this phone',
  'install.hint': 'Opens like an app and works without signal.',
  'install.ios': 'To install: tap Share, then Add to Home Screen.',

  'http.failed': 'Skillpath answered with an error ({status}). Try again.',
};
