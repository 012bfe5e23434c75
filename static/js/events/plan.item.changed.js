// plan.item.changed: the learner accepted, pinned (at a position), dropped, finished or
// restored an item, or chose one of its alternatives (a swap: the alternative takes the
// dropped item's place).

export const type = 'plan.item.changed';
export const remakesPlan = true;

const same = (d) => (line) => line.item === d.item && line.competency === d.competency;

export function apply(shown, { data: d }) {
  const { plan } = shown;
  if (!plan) return shown;
  let { lines, done, dropped } = plan;
  const at = lines.findIndex(same(d));
  let line = lines[at] ?? done.find(same(d)) ?? dropped.find(same(d));
  let place = at;
  const droppedAt = new Map(plan.droppedAt); // where a dropped line stood, for the item swapped in
  if (!line) { // an alternative chosen in a swap
    const parent = [...lines, ...dropped].find((l) => l.competency === d.competency
      && l.alternatives?.some((a) => a.item === d.item));
    if (!parent) return shown;
    line = { ...parent, ...parent.alternatives.find((a) => a.item === d.item), alternatives: [] };
    place = droppedAt.get(d.competency) ?? lines.indexOf(parent);
  }
  lines = lines.filter((l) => !same(d)(l));
  done = done.filter((l) => !same(d)(l));
  dropped = dropped.filter((l) => !same(d)(l));
  const state = d.state === 'restored' ? (line.origin ? 'accepted' : 'suggested') : d.state;
  line = { ...line, state, pending: true };
  if (d.state === 'dropped') {
    droppedAt.set(d.competency, at);
    dropped = [...dropped, line];
  } else if (d.state === 'done') done = [...done, line];
  else {
    const where = d.state === 'pinned' ? d.position : place >= 0 ? place : lines.length;
    lines = [...lines.slice(0, where), line, ...lines.slice(where)];
  }
  return { ...shown, plan: { ...plan, lines, done, dropped, droppedAt } };
}
