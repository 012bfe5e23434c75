// The practice player: one item at a time, for one hand and a keyboard. A new lesson
// shows its cards (one a screen, next and back), then its questions; a review asks its
// question. Each answer is judged at once (the lesson's answer key is in the bundle: no
// network), recorded as card.reviewed, and said in a live region with its explanation.
// The place is kept by learner and day (data/position.js): a pause resumes there.
//
// The player draws itself as the learner goes (drawsItself: a sync finishing does not
// redraw it under their thumb) and reads the state again when it moves on.

import { keepPosition, readPosition } from '../data/position.js';
import { record } from '../data/outbox.js';
import { addWords, formatLanguages, t } from '../i18n.js';
import words from '../i18n/en-practice.js';
import { extraRound, practiceToday } from '../practice-day.js';
import { loadState } from '../state.js';
import { esc } from '../ui/html.js';
import { langOf, originalNote } from '../ui/original.js';

addWords('practice', words);

export const drawsItself = true;

let run = null; // the learner's place: see fresh()
let shown = { at: 0, for: null, hiddenAt: null }; // when the current question appeared

const idOf = (entry) => (entry.kind === 'review' ? `${entry.item_key}:${entry.question}` : `lesson:${entry.item_key}`);

/**
 * A new run on `day`: `extra` lists the entries of an extra round (null: today's queue),
 * `entry` the item in hand, `step` its card or question (a lesson: cards first), `hinted`
 * whether the hint was opened, `feedback` the answer to the question on screen, `done`
 * the items finished in this run, `answered` the questions answered in it.
 */
const fresh = (day, extra = null) => ({ day, extra, entry: null, step: 0, hinted: false, feedback: null, done: [], answered: 0, lessonAnswered: {} });

function queue(state) {
  const list = run.extra ?? practiceToday(state).entries;
  return list.filter((e) => !run.done.includes(idOf(e)));
}

const lessonOf = (state, entry) => state.practice.lessons[entry.item_key] ?? null;

/** The question on screen (its lesson, its place), or null on a card. */
function questionAt(state) {
  const lesson = lessonOf(state, run.entry);
  if (run.entry.kind === 'review') return { lesson, index: run.entry.question, question: lesson.questions[run.entry.question] };
  const index = run.step - lesson.cards.length;
  return index >= 0 ? { lesson, index, question: lesson.questions[index] } : null;
}

/** Take the next item of the queue when none is in hand; false when the queue is empty. */
function settle(state) {
  if (run.entry && !lessonOf(state, run.entry)) run.entry = null; // its lesson is gone from the phone
  if (run.entry?.kind === 'review' && !lessonOf(state, run.entry).questions[run.entry.question]) run.entry = null;
  if (run.entry) return true;
  const [next] = queue(state);
  if (!next || !lessonOf(state, next)) return false;
  run.entry = next;
  run.hinted = false;
  run.feedback = null;
  const lesson = lessonOf(state, next);
  // A lesson begun on another phone (or before the place was lost) goes on at its next question.
  const begun = Object.values(state.practice.progress).find((p) => p.key === next.item_key)?.started ?? 0;
  run.step = next.kind === 'lesson' && begun ? lesson.cards.length + Math.min(begun, lesson.questions.length - 1) : 0;
  return true;
}

/** Questions answered in this run, and all there are: "3 of 6". */
function tally(state) {
  const here = run.entry && idOf(run.entry);
  const toAnswer = (e) => (e.kind === 'review' ? (idOf(e) === here && run.feedback ? 0 : 1)
    : Math.max(0, (lessonOf(state, e)?.questions.length ?? 0) - (run.lessonAnswered[e.item_key] ?? 0)));
  const others = queue(state).filter((e) => idOf(e) !== here);
  const left = [...others, ...(run.entry ? [run.entry] : [])].reduce((sum, e) => sum + toAnswer(e), 0);
  return { answered: run.answered, total: run.answered + left };
}

/** "Only in English": the note after a part the learner reads in the original's words. */
const onlyIn = (lesson, part) => originalNote(lesson, part, t('play.only_in', { language: formatLanguages([lesson.language ?? 'en']) }));

const titleHtml = (lesson) => `<h1 tabindex="-1"${langOf(lesson, 'title')}>${esc(lesson.title)}</h1>${onlyIn(lesson, 'title')}`;

const cardHtml = (lesson, card, i) => `<div class="card-step"><p${langOf(lesson, `cards.${i}`)}>${esc(card.text)}</p>${onlyIn(lesson, `cards.${i}`)}${card.image ? `<img src="${esc(card.image)}" alt="">` : ''}</div>`;

function cardScreen(state) {
  const lesson = lessonOf(state, run.entry);
  const card = lesson.cards[run.step];
  return `<p class="meta">${esc(t('play.card', { index: run.step + 1, total: lesson.cards.length }))}</p>
    ${titleHtml(lesson)}
    ${run.step === 0 && lesson.summary ? `<p class="hint"${langOf(lesson, 'summary')}>${esc(lesson.summary)}</p>${onlyIn(lesson, 'summary')}` : ''}${cardHtml(lesson, card, run.step)}
    <div class="player-actions">
      ${run.step > 0 ? `<button type="button" class="button" data-back>${esc(t('play.back'))}</button>` : ''}
      <button type="button" class="button primary" id="play-next" data-next>${esc(t('play.next'))}</button></div>`;
}

function optionText(question, text, i) {
  return question.kind === 'true_false' ? t(i === 0 ? 'play.true' : 'play.false') : text;
}

function questionScreen(state) {
  const { lesson, index, question } = questionAt(state);
  const part = `questions.${index}`;
  const lang = langOf(lesson, part);
  const { answered, total } = tally(state);
  const multiple = question.kind === 'multiple_choice';
  const fb = run.feedback;
  const options = question.options.map((text, i) => {
    const chosen = fb ? fb.chosen.includes(i) : false;
    const right = question.correct.includes(i);
    const mark = fb && (right || chosen) ? `<span class="mark ${right ? 'mark-right' : 'mark-wrong'}">${esc(t(right ? 'play.mark_right' : 'play.mark_wrong'))}</span>` : '';
    return `<label class="descriptor option${fb && right ? ' right' : ''}${fb && chosen && !right ? ' wrong' : ''}">
      <input type="${multiple ? 'checkbox' : 'radio'}" name="answer" value="${i}"${chosen ? ' checked' : ''}${fb ? ' disabled' : ''}>
      <span>${question.kind === 'true_false' || !lang ? esc(optionText(question, text, i)) : `<span${lang}>${esc(text)}</span>`}${mark}</span></label>`;
  }).join('');
  const hint = lesson.cards.length ? `<details class="hint-cards" id="hint"${run.hinted ? ' open' : ''}><summary>${esc(t('play.hint'))}</summary>
      <div class="cards">${lesson.cards.map((card, i) => cardHtml(lesson, card, i)).join('')}</div></details>` : '';
  return `<p class="meta">${esc(t('play.progress', { index: Math.min(answered + (fb ? 0 : 1), total), total }))}</p>
    <progress max="${total}" value="${answered}"></progress>
    ${titleHtml(lesson)}
    <form id="answer" class="stack" novalidate>
      <fieldset class="descriptors"><legend${lang}>${esc(question.prompt)}</legend>${onlyIn(lesson, part)}
      <p class="hint">${esc(t(multiple ? 'play.choose_all' : 'play.choose_one'))}</p>${options}</fieldset>
      ${fb ? '' : `${hint}<button type="submit" class="button primary" id="play-check">${esc(t('play.check'))}</button>`}
    </form>`;
}

function feedbackHtml(state) {
  const fb = run.feedback;
  if (!fb) return run.nothingChosen ? `<p class="notice notice-error">${esc(t('play.choose_first'))}</p>` : '';
  const { lesson, index, question } = questionAt(state);
  const answer = question.correct.map((i) => optionText(question, question.options[i], i)).join(', ');
  return `<p class="verdict ${fb.correct ? 'verdict-right' : 'verdict-wrong'}">${esc(t(fb.correct ? 'play.right' : 'play.not_quite'))}</p>
    ${fb.correct ? '' : `<p>${esc(t('play.the_answer', { answer }))}</p>`}
    ${question.explanation ? `<p${langOf(lesson, `questions.${index}`)}>${esc(question.explanation)}</p>` : ''}`;
}

function actionsHtml() {
  const next = run.feedback ? `<button type="button" class="button primary" id="play-next" data-next>${esc(t('play.next'))}</button>` : '';
  return `${next}<p><a class="standalone" href="#/practice">${esc(t('play.pause'))}</a></p>`;
}

function finishedHtml(state) {
  const day = practiceToday(state);
  const said = run.answered ? t('play.finished_answers', { count: run.answered }) : t('play.finished_nothing');
  return `<h1 tabindex="-1">${esc(t(run.extra ? 'play.finished_extra' : 'play.finished'))}</h1>
    <p>${esc(said)}</p>${day.week.met ? `<p>${esc(t('practice.week_met'))}</p>` : ''}
    <p><a class="button primary" href="#/practice">${esc(t('play.back_to_practice'))}</a></p>`;
}

/** The screen for the run as it stands: what render() draws, and each step after. */
function screen(state) {
  if (!run.entry && !settle(state)) return { body: finishedHtml(state), feedback: '', actions: '' };
  const onQuestion = run.entry.kind === 'review' || run.step >= lessonOf(state, run.entry).cards.length;
  return onQuestion
    ? { body: questionScreen(state), feedback: feedbackHtml(state), actions: actionsHtml() }
    : { body: cardScreen(state), feedback: '', actions: actionsHtml() };
}

function begin(state, params) {
  const { day } = practiceToday(state);
  const extra = params.mode === 'extra';
  if (run && run.day === day && Boolean(run.extra) === extra) return; // in hand
  const kept = readPosition(state.bundle.person.id, day);
  run = kept && Boolean(kept.extra) === extra ? kept : fresh(day, extra ? extraRound(state) : null);
  if (extra && !run.entry && !queue(state).length) run = fresh(day, extraRound(state)); // a new round
}

const keep = (state) => keepPosition(state.bundle.person.id, run.day, run);

export function render(state, params) {
  if (!state.practice) return `<h1 tabindex="-1">${esc(t('practice.title'))}</h1><p>${esc(t('practice.none'))}</p>`;
  begin(state, params);
  const { body, feedback, actions } = screen(state);
  return `<section id="screen" class="player">${body}</section>
    <div id="feedback" class="feedback" role="status" aria-live="polite">${feedback}</div>
    <div id="player-actions" class="player-actions">${actions}</div>`;
}

/** Time on the question on screen, the time the app was hidden left out. */
const MAX_RESPONSE_MS = 3_600_000; // as the server takes it (engine/practice.py)

function responseMs() {
  return Math.min(MAX_RESPONSE_MS, Math.max(0, Math.round(performance.now() - shown.at)));
}

function startClock() {
  const key = run.entry ? `${run.day}:${idOf(run.entry)}:${run.step}` : null;
  if (shown.for !== key) shown = { at: performance.now(), for: key, hiddenAt: null };
}

/** The grade the server gives too (engine/practice.py): Again, Hard, Good, Easy. */
function gradeOf(state, correct, hinted, ms, id) {
  const { slow_ms: slow, fast_ms: fast, mature_days: mature } = state.practice.thresholds;
  if (!correct) return 1;
  if (hinted || ms > slow) return 2;
  if (ms < fast && (state.practice.cards[id]?.stability ?? 0) >= mature) return 4;
  return 3;
}

export function mount(root, { state, params, signal }) {
  if (!state.practice) return;
  let current = state;
  signal.addEventListener('abort', () => { shown.for = null; }); // a pause: the clock starts again on return

  function paint({ focus = 'h1', announce = true } = {}) {
    const { body, feedback, actions } = screen(current);
    root.querySelector('#screen').innerHTML = body;
    if (announce) root.querySelector('#feedback').innerHTML = feedback;
    root.querySelector('#player-actions').innerHTML = actions;
    startClock();
    keep(current);
    root.querySelector(focus === 'h1' ? 'h1' : `#${focus}`)?.focus({ preventScroll: focus !== 'h1' });
    if (focus === 'h1') window.scrollTo(0, 0);
  }

  async function moveOn() {
    const lesson = lessonOf(current, run.entry);
    const last = run.entry.kind === 'review' || run.step >= lesson.cards.length + lesson.questions.length - 1;
    if (!last) {
      run.step += 1;
      run.feedback = null;
      run.hinted = false;
    } else {
      if (run.entry.kind === 'lesson') {
        await record('lesson.completed', { item: run.entry.item_key, revision: lesson.revision });
      }
      run.done.push(idOf(run.entry));
      run.entry = null;
      current = await loadState(); // what the outbox and a sync meanwhile changed
      if (signal.aborted) return;
    }
    paint();
  }

  async function answer(form) {
    const { lesson, index, question } = questionAt(current);
    const chosen = [...form.querySelectorAll('input[name="answer"]:checked')].map((box) => Number(box.value)).sort((a, b) => a - b);
    if (!chosen.length) {
      run.nothingChosen = true;
      root.querySelector('#feedback').innerHTML = feedbackHtml(current);
      run.nothingChosen = false;
      form.querySelector('input')?.focus();
      return;
    }
    const ms = responseMs();
    const right = [...question.correct].sort((a, b) => a - b);
    const correct = chosen.length === right.length && chosen.every((c, i) => c === right[i]);
    const hinted = run.hinted;
    const grade = gradeOf(current, correct, hinted, ms, `${run.entry.item_key}:${index}`);
    run.feedback = { chosen, correct };
    run.answered += 1;
    if (run.entry.kind === 'lesson') run.lessonAnswered[run.entry.item_key] = (run.lessonAnswered[run.entry.item_key] ?? 0) + 1;
    keep(current);
    // The revision is the lesson's the learner saw (a review's entry names none).
    await record('card.reviewed', { item: run.entry.item_key, revision: lesson.revision, question: index,
      answer: chosen, correct, hinted, grade, response_ms: ms });
    if (signal.aborted) return;
    paint({ focus: 'play-next' });
  }

  root.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button || !run?.entry) return;
    if (button.hasAttribute('data-next')) {
      moveOn();
    } else if (button.hasAttribute('data-back') && run.step > 0) {
      run.step -= 1;
      paint();
    }
  }, { signal });
  root.addEventListener('toggle', (event) => {
    if (event.target.id === 'hint' && event.target.open && !run.feedback) {
      run.hinted = true; // the answer counts as helped
      keep(current);
    }
  }, { signal, capture: true });
  root.addEventListener('submit', (event) => {
    if (event.target.id !== 'answer') return;
    event.preventDefault();
    answer(event.target);
  }, { signal });
  // Time away from the app is not time spent on the question.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') shown.hiddenAt = performance.now();
    else if (shown.hiddenAt !== null) {
      shown.at += performance.now() - shown.hiddenAt;
      shown.hiddenAt = null;
    }
  }, { signal });
  startClock();
  keep(current);
}
