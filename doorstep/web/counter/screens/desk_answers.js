// At the counter or on the hotline, for someone without the app: the caller's answer to a
// ticket's follow-up (回访 by phone: solved closes it, not solved reopens it) and a review
// (申请复核) of a refused application, asked for in person or by phone. Each form sends once
// however often it is pressed; a refusal is the server's message in the clerk's language.
import { html } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { Check, Done, Input, useDeskForm } from '../core/form.js';
import { ErrorLine, formatDate } from '../core/ui.js';

async function recordAnswer(values, solved) {
  const d = await gql(
    `mutation ($n: String!, $s: Boolean!) { recordFollowUpAnswer(number: $n, solved: $s)
      { number solved } }`,
    { n: (values.number || '').trim(), s: solved },
  );
  return d.recordFollowUpAnswer;
}

export function FollowUp() {
  const { values, set, made, again, working, error, sendNow } = useDeskForm({}, recordAnswer);
  if (made) {
    const done = made.solved ? 'desk.followup.done_solved' : 'desk.followup.done_reopened';
    return html`<${Done} onAgain=${again}>${t(done, { number: made.number })}
      <a href=${`#/ticket/${made.number}`}>${t('desk.open_ticket')}</a><//>`;
  }
  const p = { values, set };
  // two buttons, one per answer: the clerk presses what the caller said
  return html`<form data-form="followup" onSubmit=${(e) => e.preventDefault()} novalidate class="desk-form">
    <p class="hint">${t('desk.followup.intro')}</p>
    <${Input} ...${p} name="number" inputmode="numeric" autocomplete="off"
      label=${t('desk.followup.number')} />
    <${ErrorLine} error=${error} />
    <div class="actions">
      <button type="button" class="primary" data-answer="solved" disabled=${working}
        onClick=${() => sendNow(true)}>${t('desk.followup.solved')}</button>
      <button type="button" class="secondary" data-answer="not_solved" disabled=${working}
        onClick=${() => sendNow(false)}>${t('desk.followup.not_solved')}</button>
    </div>
  </form>`;
}

async function fileReview(values) {
  const d = await gql(
    `mutation ($n: String!, $r: String!, $i: Boolean!, $c: String) {
      recordTaskReviewRequest(number: $n, reason: $r, identityChecked: $i, itemCode: $c)
      { number itemName dueOn } }`,
    {
      n: (values.number || '').trim(),
      r: values.reason || '',
      i: Boolean(values.identityChecked),
      c: (values.itemCode || '').trim() || null,
    },
  );
  return d.recordTaskReviewRequest;
}

export function ReviewRequest() {
  const { values, set, made, again, working, error, submit } = useDeskForm({}, fileReview);
  if (made) {
    return html`<${Done} onAgain=${again}>${t('desk.review.done', {
      number: made.number,
      item: made.itemName,
      due: formatDate(made.dueOn),
    })}
      <a href=${`#/application/${made.number}`}>${t('desk.open_application')}</a><//>`;
  }
  const p = { values, set };
  return html`<form data-form="review" onSubmit=${submit} novalidate class="desk-form">
    <p class="hint">${t('desk.review.intro')}</p>
    <div class="grid">
      <${Input} ...${p} name="number" inputmode="numeric" autocomplete="off"
        label=${t('desk.review.number')} />
      <${Input} ...${p} name="itemCode" autocomplete="off" label=${t('desk.review.item')}
        hint=${t('desk.review.item_hint')} />
    </div>
    <${Input} ...${p} name="reason" label=${t('desk.review.reason')} />
    <fieldset class="checks"><legend>${t('desk.checks')}</legend>
      <${Check} ...${p} name="identityChecked" label=${t('desk.review.identity_checked')} />
    </fieldset>
    <${ErrorLine} error=${error} />
    <button type="submit" class="primary" disabled=${working}>${t('desk.review.submit')}</button>
  </form>`;
}
