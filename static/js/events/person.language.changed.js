// person.language.changed: the locale the learner chose on this phone. The app speaks it
// at the next draw, offline too (the router reads the person's locale from the state).

export const type = 'person.language.changed';
export const remakesPlan = true; // the plan's items and mentors follow the language

export function apply(shown, { data }) {
  return shown.person ? { ...shown, person: { ...shown.person, locale: data.locale } } : shown;
}
