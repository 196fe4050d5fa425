// Work running late: tasks past their deadline, and those due within the next working days,
// for the unit (supervisors: the region), each linking to its application.
import { html, useEffect, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { download, toCsv } from '../core/chart.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Screen, formatDate } from '../core/ui.js';

const FIELDS = 'id applicationNumber itemName unitName status dueOn';
const WATCH = `query ($days: Int!) { overdueTasks(first: 200) { ${FIELDS} }
  dueSoon(workingDays: $days, first: 200) { ${FIELDS} } }`;

function List({ id, title, tasks, file }) {
  const header = [t('queue.number'), t('queue.item'), t('tickets.unit'), t('queue.status'), t('queue.due')];
  const rows = tasks.map((k) => [k.applicationNumber, k.itemName, k.unitName, t(`status.${k.status.toLowerCase()}`), k.dueOn]);
  return html`<section aria-labelledby=${id} data-list=${id}>
    <h2 id=${id}>${title} <span class="count">(${tasks.length})</span></h2>
    ${tasks.length === 0
      ? html`<p class="empty">${t('watch.none')}</p>`
      : html`<table class="queue">
          <thead><tr>${header.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
          <tbody>${tasks.map(
            (k) => html`<tr key=${k.id} data-task=${k.id}>
              <td data-label=${header[0]}><a href=${`#/application/${k.applicationNumber}`}>${k.applicationNumber}</a></td>
              <td data-label=${header[1]}>${k.itemName}</td><td data-label=${header[2]}>${k.unitName}</td>
              <td data-label=${header[3]}>${t(`status.${k.status.toLowerCase()}`)}</td>
              <td data-label=${header[4]}>${formatDate(k.dueOn)}</td></tr>`,
          )}</tbody>
        </table>
        <button type="button" class="secondary" data-csv=${file} onClick=${() => download(file, toCsv(header, rows))}>${t('figures.csv')}</button>`}
  </section>`;
}

export function Watch() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(WATCH, { days: 2 }).then(setData).catch(setError);
  }, []);
  return html`<${Screen} title=${t('watch.title')}>
    <${ErrorLine} error=${error} />
    ${data === null && !error && html`<p>${t('loading')}</p>`}
    ${data &&
    html`<${List} id="overdue" title=${t('watch.overdue')} tasks=${data.overdueTasks} file="overdue.csv" />
      <${List} id="due-soon" title=${t('watch.due_soon')} tasks=${data.dueSoon} file="due-soon.csv" />`}
  <//>`;
}
