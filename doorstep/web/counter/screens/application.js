// One application as a clerk handles it: its tasks with the clock and the actions the task's
// status allows, the materials, and the timeline. Every action is one request however often
// the button is pressed; a reason the citizen will read is asked for where the law wants one.
import { html, useEffect, useState } from '../../shared/html.js';
import { TASK_FIELDS, gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { ActionBar, Clock, ErrorLine, Screen, formatDate } from '../core/ui.js';

const APPLICATION = `number bundleName status statusLabel createdAt
  tasks { ${TASK_FIELDS} } timeline { seq title at }`;
const READ = `query ($n: String!) { application(number: $n) { ${APPLICATION} }
  applicationMaterials(number: $n) { itemName code name required provided source } }`;

// each action's document written out whole: the documents a deployment trusts are read from
// this source (doorstep check), so none is put together at run time
const ACTIONS = {
  accept: ['acceptTask', `mutation ($id: ID!) { acceptTask(taskId: $id) { ${APPLICATION} } }`],
  complete: ['completeTask', `mutation ($id: ID!) { completeTask(taskId: $id) { ${APPLICATION} } }`],
  materials: [
    'requestMaterials',
    `mutation ($id: ID!, $reason: String!) { requestMaterials(taskId: $id, reason: $reason) { ${APPLICATION} } }`,
  ],
  refuse: [
    'rejectTask',
    `mutation ($id: ID!, $reason: String!) { rejectTask(taskId: $id, reason: $reason) { ${APPLICATION} } }`,
  ],
  extend: [
    'requestExtension',
    `mutation ($id: ID!, $reason: String!, $days: Int!) { requestExtension(taskId: $id, reason: $reason, days: $days) { ${APPLICATION} } }`,
  ],
};
// what each status allows (the server's workflow decides; this only offers the buttons)
const ALLOWED = {
  SUBMITTED: ['accept', 'materials', 'refuse', 'extend'],
  ACCEPTED: ['complete', 'materials', 'refuse', 'extend'],
  NEEDS_MATERIALS: ['refuse'],
};
const WITH_REASON = new Set(['materials', 'refuse', 'extend']);
const PRIMARY = new Set(['accept', 'complete']);

async function act(kind, taskId, reason, days) {
  const [field, mutation] = ACTIONS[kind];
  const data = await gql(mutation, { id: taskId, reason, days });
  return data[field];
}

function TaskActions({ task, onDone }) {
  const allowed = ALLOWED[task.status] || [];
  if (allowed.length === 0) return null;
  return html`<${ActionBar} allowed=${allowed} primary=${PRIMARY} needsText=${WITH_REASON}
    strings=${(kind) => ({
      name: t(`action.${kind}`),
      text: t(`action.${kind}.reason`),
      hint: t(`action.${kind}.hint`),
    })}
    perform=${(kind, reason, days) => act(kind, task.id, reason, days)} onDone=${onDone} />`;
}

function Materials({ materials }) {
  if (!materials.length) return html`<p class="empty">${t('materials.none')}</p>`;
  return html`<table class="materials">
    <thead><tr><th scope="col">${t('materials.item')}</th><th scope="col">${t('materials.name')}</th>
      <th scope="col">${t('materials.state')}</th><th scope="col">${t('materials.source')}</th></tr></thead>
    <tbody>${materials.map(
      (m) => html`<tr key=${m.itemName + m.code}>
        <td>${m.itemName}</td>
        <td>${m.name}${m.required ? '' : html` <span class="hint">(${t('materials.optional')})</span>`}</td>
        <td>${m.provided ? t('materials.provided') : t('materials.missing')}</td>
        <td>${m.source === 'citizen' ? t('materials.from_citizen') : m.source || t('materials.from_form')}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

export function Application({ params }) {
  const number = params[0];
  const [application, setApplication] = useState(null);
  const [materials, setMaterials] = useState([]);
  const [error, setError] = useState(null);
  const read = () =>
    gql(READ, { n: number })
      .then((data) => {
        setApplication(data.application);
        setMaterials(data.applicationMaterials);
      })
      .catch(setError);
  useEffect(() => {
    read();
  }, [number]);
  // a change made elsewhere (the citizen supplied materials, a colleague acted) shows at once
  useEffect(() => {
    const onArrival = (event) => {
      if (event.detail === number) read();
    };
    window.addEventListener('counter:changed', onArrival);
    return () => window.removeEventListener('counter:changed', onArrival);
  }, [number]);
  if (error) return html`<${Screen} title=${t('application.title', { number })}><${ErrorLine} error=${error} /><//>`;
  if (!application) return html`<p>${t('loading')}</p>`;
  return html`<${Screen} title=${t('application.title', { number })}
      actions=${html`<a class="button secondary" href="#/">${t('application.back')}</a>`}>
    <p class="summary"><strong>${application.bundleName}</strong>
      ${` · ${application.statusLabel} · ${t('application.submitted_at', { at: formatDate(application.createdAt) })}`}</p>
    <div class="columns">
      <div>
        <h2>${t('application.tasks')}</h2>
        <ul class="tasks">
          ${application.tasks.map(
            (task) => html`<li key=${task.id} data-task=${task.id}>
              <div class="task-head"><strong>${task.itemName}</strong> <span class="hint">${task.unitName}</span></div>
              <p>${t(`status.${task.status.toLowerCase()}`)} · ${t('queue.due')} ${formatDate(task.dueOn)} · <${Clock} task=${task} /></p>
              ${task.reason && html`<p class="hint">${t('application.reason', { reason: task.reason })}</p>`}
              ${task.canAct && html`<${TaskActions} task=${task} onDone=${setApplication} />`}
            </li>`,
          )}
        </ul>
        <h2>${t('application.materials')}</h2>
        <${Materials} materials=${materials} />
      </div>
      <div>
        <h2>${t('application.timeline')}</h2>
        <ol class="timeline">
          ${application.timeline.map(
            (e) => html`<li key=${e.seq}><span class="hint">${formatDate(e.at)}</span> ${e.title}</li>`,
          )}
        </ol>
      </div>
    </div>
  <//>`;
}
