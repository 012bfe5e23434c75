// The English words of the language view: loaded with that view.
// One entry per line, `'key': ...`, as in en.js.

export default {
  'language.title': 'Language',
  'language.intro': 'The language Skillpath speaks to you in. It changes at once, even with no signal, and on your other devices once this phone syncs.',
  'language.choose': 'Choose your language',
  'language.content': 'Lessons and profiles are shown in your language where their authors have translated them, and as written otherwise.',
  'language.saved': 'Saved. Skillpath now speaks {language}.',
};
