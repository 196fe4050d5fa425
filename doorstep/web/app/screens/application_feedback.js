// 好差评 and 申请复核 on an application's page: rate it once it is finished (each department gets
// the rating); ask for a review of a refused part with a reason; follow the review's outcome and
// any rectification a poor rating opened. Everything comes from `application.feedback`.
import { gql } from '../core/api.js';
import { useAction } from '../../shared/busy.js';
import { html, useEffect, useState } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { RatingForm, ratingLabel } from '../core/rating.js';
import { Field, formatDate } from '../core/ui.js';

const FEEDBACK = `feedback { rating canRate tasks { taskId rating reviewOpenUntil
  rectification { status dueOn note }
  review { status statusLabel dueOn decisionReason } } }`;

function Rate({ number, onDone }) {
  const send = async (rating, comment) => {
    await gql('mutation ($n: String!, $r: Rating!, $c: String) { rateApplication(number: $n, rating: $r, comment: $c) { number } }', {
      n: number,
      r: rating,
      c: comment,
    });
    onDone();
  };
  return html`<${RatingForm} form="rate-application" legend=${t('feedback.rate')}
    commentLabel=${t('feedback.comment')} sendLabel=${t('feedback.send')} send=${send} />`;
}

function AskReview({ task, until, onDone }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const { act, working, error } = useAction(onDone);
  if (!open) {
    return html`<p><button type="button" class="secondary" data-ask-review=${task.id} onClick=${() => setOpen(true)}>
      ${t('feedback.ask_review', { item: task.itemName })}</button></p>`;
  }
  const submit = (event) => {
    event.preventDefault();
    act(() =>
      gql('mutation ($t: ID!, $r: String!) { requestTaskReview(taskId: $t, reason: $r) { number } }', {
        t: task.id,
        r: reason,
      }),
    );
  };
  return html`<form onSubmit=${submit} novalidate data-form="ask-review">
    <p class="card-meta">${t('feedback.review_until', { date: formatDate(until) })}</p>
    <${Field} label=${t('feedback.review_reason')} error=${error?.message}>
      ${(props) => html`<textarea ...${props} name="reason" rows="3" value=${reason}
        onInput=${(e) => setReason(e.currentTarget.value)}></textarea>`}
    <//>
    <button type="submit" class="primary" disabled=${working}>${t('feedback.review_send')}</button>
  </form>`;
}

function TaskNotes({ task, entry, reload }) {
  const { review, rectification, reviewOpenUntil } = entry;
  return html`<div data-feedback-task=${task.id}>
    ${review &&
    html`<p class="notice" data-review=${review.status}>${t('feedback.review', { item: task.itemName, status: review.statusLabel })}
      ${review.status === 'open'
        ? ` ${t('feedback.review_due', { date: formatDate(review.dueOn) })}`
        : review.decisionReason && ` ${t('feedback.review_reason_told', { reason: review.decisionReason })}`}</p>`}
    ${rectification &&
    html`<p class="notice" data-rectification=${rectification.status}>${rectification.status === 'open'
      ? t('feedback.rectifying', { unit: task.unitName, date: formatDate(rectification.dueOn) })
      : t('feedback.rectified', { unit: task.unitName, note: rectification.note || '' })}</p>`}
    ${reviewOpenUntil && html`<${AskReview} task=${task} until=${reviewOpenUntil} onDone=${reload} />`}
  </div>`;
}

// `version` changes whenever the application does (a live update): the feedback is read again
export function Feedback({ application, version }) {
  const [feedback, setFeedback] = useState(null);
  const load = () =>
    gql(`query ($n: String!) { application(number: $n) { ${FEEDBACK} } }`, { n: application.number })
      .then((data) => setFeedback(data.application.feedback))
      .catch(() => {});
  useEffect(() => {
    load();
  }, [application.number, version]);
  if (!feedback) return null;
  const byTask = new Map(feedback.tasks.map((entry) => [entry.taskId, entry]));
  return html`<section class="feedback" aria-label=${t('feedback.rate')}>
    ${application.tasks.map((task) => {
      const entry = byTask.get(task.id);
      return entry && html`<${TaskNotes} key=${task.id} task=${task} entry=${entry} reload=${load} />`;
    })}
    ${feedback.canRate && html`<${Rate} number=${application.number} onDone=${load} />`}
    ${feedback.rating && html`<p class="notice" data-rated=${feedback.rating}>${t('feedback.rated', { rating: ratingLabel(feedback.rating) })}</p>`}
  </section>`;
}
