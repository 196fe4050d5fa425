// The unit's queue: open tasks by deadline day, priority work (优先办) first within a day, with its
// working-day clock in words. New work arrives live (core/live.js) and is marked as new.
import { html, useEffect, useState } from '../../shared/html.js';
import { loadQueue } from '../core/queue.js';
import { t } from '../core/i18n.js';
import { state, useStore } from '../core/store.js';
import { Clock, ErrorLine, Screen, formatDate } from '../core/ui.js';

const FILTERS = ['ALL', 'SUBMITTED', 'ACCEPTED', 'NEEDS_MATERIALS'];

export function Queue() {
  const s = useStore();
  const [filter, setFilter] = useState('ALL');
  const [error, setError] = useState(null);
  useEffect(() => {
    loadQueue().catch(setError);
  }, []);
  const entries = (s.queue || []).filter((e) => filter === 'ALL' || e.task.status === filter);
  return html`<${Screen} title=${t('queue.title')}>
    <div class="filters" role="group" aria-label=${t('queue.filter')}>
      ${FILTERS.map(
        (f) => html`<button type="button" class=${f === filter ? 'chosen' : 'secondary'}
          aria-pressed=${f === filter} onClick=${() => setFilter(f)}>
          ${f === 'ALL' ? t('queue.all') : t(`status.${f.toLowerCase()}`)}</button>`,
      )}
    </div>
    <${ErrorLine} error=${error} />
    ${s.queue === null && !error && html`<p>${t('loading')}</p>`}
    ${s.queue !== null && entries.length === 0 && html`<p class="empty">${t('queue.empty')}</p>`}
    ${entries.length > 0 &&
    html`<table class="queue">
      <caption class="visually-hidden">${t('queue.caption')}</caption>
      <thead><tr>
        <th scope="col">${t('queue.number')}</th><th scope="col">${t('queue.item')}</th>
        <th scope="col">${t('queue.status')}</th><th scope="col">${t('queue.due')}</th>
        <th scope="col">${t('queue.clock')}</th>
      </tr></thead>
      <tbody>
        ${entries.map(
          (e) => html`<tr key=${e.task.id} data-task=${e.task.id}
            class=${state.arrived.has(e.task.id) ? 'arrived' : ''}>
            <td data-label=${t('queue.number')}>
              <a href=${`#/application/${e.applicationNumber}`}>${e.applicationNumber}</a>
              ${state.arrived.has(e.task.id) && html` <span class="badge">${t('queue.new')}</span>`}
              ${e.task.priority && html` <span class="badge priority"
                title=${e.task.priorityLabel}>${t('queue.priority')}</span>
                <div class="hint">${e.task.priorityLabel}</div>`}
            </td>
            <td data-label=${t('queue.item')}>${e.task.itemName}
              ${state.me?.role !== 'STAFF' && html`<div class="hint">${e.task.unitName}</div>`}</td>
            <td data-label=${t('queue.status')}>${t(`status.${e.task.status.toLowerCase()}`)}</td>
            <td data-label=${t('queue.due')}>${formatDate(e.task.dueOn)}</td>
            <td data-label=${t('queue.clock')}><${Clock} task=${e.task} /></td>
          </tr>`,
        )}
      </tbody>
    </table>`}
  <//>`;
}
