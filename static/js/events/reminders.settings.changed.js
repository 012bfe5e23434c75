// reminders.settings.changed: the learner's reminder time, days, quiet hours, kinds and time
// zone, all of them in each event. The settings shown are the event's; the time zone is the
// learner's own, so today's practice counts its day in it at once, as the server will.

export const type = 'reminders.settings.changed';

export function apply(shown, { data }) {
  const reminders = { ...(shown.reminders ?? { suggested_usual: null }), settings: { ...data }, saved: true };
  const practice = shown.practice && { ...shown.practice, timeZone: data.time_zone };
  return { ...shown, reminders, practice };
}
