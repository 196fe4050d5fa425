// Pieces the administration tabs share: a form that sends once and says the server's refusal,
// a multi-line text field, the units to choose from, lists typed as text, and the table of
// what a tab holds.
import { html, useEffect, useState } from '../../shared/html.js';
import { useBusy } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Field } from '../core/ui.js';

// "110105001, 110105002" or one a line -> ['110105001', '110105002']
export const words = (text) => (text || '').split(/[\s,，、;；]+/).filter(Boolean);

export function useUnits() {
  const [units, setUnits] = useState([]);
  useEffect(() => {
    gql(`{ adminUnits { code name } }`)
      .then((d) => setUnits(d.adminUnits))
      .catch(() => {});
  }, []);
  return units;
}

// what a tab has a form open for (null: none) and its form's `done`: close it, read the tab again
export function useEditing(read) {
  const [editing, setEditing] = useState(null);
  const done = () => {
    setEditing(null);
    read();
  };
  return [editing, setEditing, done];
}

// a form that sends once however often it is pressed, and says the server's refusal
export function AdminForm({ name, title, submit, onSubmit, onCancel, children }) {
  const { run, working, error } = useBusy();
  const send = (event) => {
    event.preventDefault();
    run(onSubmit);
  };
  return html`<form class="card admin-form" data-form=${name} onSubmit=${send} novalidate>
    <h2>${title}</h2>
    <div class="grid">${children}</div>
    <${ErrorLine} error=${error} />
    <div class="row">
      <button type="submit" class="primary" disabled=${working}>${submit}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

export function Lines({ values, set, name, label, hint, rows = 4 }) {
  return html`<${Field} label=${label} hint=${hint}>
    ${(props) => html`<textarea ...${props} name=${name} rows=${rows} value=${values[name] ?? ''}
      onInput=${(e) => set({ ...values, [name]: e.currentTarget.value })}></textarea>`}
  <//>`;
}

// a tab's table: its caption for screen readers, a column a heading, and a last column (its
// heading read, not shown) for each row's edit button; `children` are the rows
export function AdminTable({ caption, columns, children }) {
  return html`<table class="admin">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr>
      ${columns.map((column) => html`<th scope="col">${column}</th>`)}
      <th scope="col"><span class="visually-hidden">${t('admin.edit')}</span></th>
    </tr></thead>
    <tbody>${children}</tbody>
  </table>`;
}
