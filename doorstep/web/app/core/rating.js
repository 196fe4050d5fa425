// The five 好差评 levels as the citizen gives them, to an application or to a ticket: the
// levels, a comment, and one request however often the button is pressed. `form` names the
// form (data-form, and its error's id); send(rating, comment) records it.
import { useBusy } from '../../shared/busy.js';
import { html, useState } from '../../shared/html.js';
import { t } from './i18n.js';
import { Field } from './ui.js';

const RATINGS = ['VERY_SATISFIED', 'SATISFIED', 'BASICALLY_SATISFIED', 'DISSATISFIED', 'VERY_DISSATISFIED'];

export const ratingLabel = (rating) => t(`rating.${rating.toLowerCase()}`);

export function RatingForm({ form, legend, commentLabel, sendLabel, send }) {
  const [rating, setRating] = useState(null);
  const [comment, setComment] = useState('');
  const { run, working, error } = useBusy();
  const submit = (event) => {
    event.preventDefault();
    run(() => send(rating, comment.trim() || null));
  };
  return html`<form onSubmit=${submit} novalidate data-form=${form}>
    <fieldset class="ratings" aria-describedby=${error ? `${form}-error` : undefined}>
      <legend>${legend}</legend>
      ${RATINGS.map(
        (r) => html`<label class="check" key=${r}>
          <input type="radio" name="rating" value=${r} checked=${rating === r} onChange=${() => setRating(r)} />
          <span>${ratingLabel(r)}</span>
        </label>`,
      )}
    </fieldset>
    <${Field} label=${commentLabel}>
      ${(props) => html`<textarea ...${props} name="comment" rows="2" value=${comment}
        onInput=${(e) => setComment(e.currentTarget.value)}></textarea>`}
    <//>
    ${error && html`<p class="error" id=${`${form}-error`} role="alert">${error.message}</p>`}
    <button type="submit" class="primary" disabled=${working || !rating}>${sendLabel}</button>
  </form>`;
}
