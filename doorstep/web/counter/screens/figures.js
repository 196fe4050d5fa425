// Supervisors: the figures per unit for a period, as charts and tables, each exportable as
// CSV. Applications: on time, late, overdue now (unitSlaCounts). Tickets: response,
// resolution, satisfaction and on-time rates (ticketRates).
import { html, useEffect, useState } from '../../shared/html.js';
import { gql } from '../core/api.js';
import { BarChart, download, toCsv } from '../core/chart.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Field, Screen, shanghaiDay } from '../core/ui.js';

const FIGURES = `query ($since: Date!, $until: Date!) {
  unitSlaCounts(since: $since, until: $until) { unitCode unitName onTime late openOverdue
    priorityOnTime priorityLate priorityOnTarget }
  ticketRates(since: $since, until: $until, groupBy: UNIT) { code name assigned responseRate
    resolutionRate satisfactionRate onTimeRate openOverdue }
  priorityTicketCounts(since: $since, until: $until) { unitCode unitName finished onTime onTarget
    openOverdue } }`;
const percent = (v) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`);
const onTimeRate = (u) => (u.onTime + u.late ? u.onTime / (u.onTime + u.late) : null);
// 优先办 apart: by the deadline, and by the shorter internal target
const priorityDone = (u) => u.priorityOnTime + u.priorityLate;
const priorityRate = (u) => (priorityDone(u) ? u.priorityOnTime / priorityDone(u) : null);
const targetRate = (u) => (priorityDone(u) ? u.priorityOnTarget / priorityDone(u) : null);

function Period({ period, setPeriod }) {
  const input = (name) => (props) => html`<input ...${props} type="date" name=${name} value=${period[name]}
    onChange=${(e) => setPeriod({ ...period, [name]: e.currentTarget.value })} />`;
  return html`<div class="period">
    <${Field} label=${t('figures.since')}>${input('since')}<//>
    <${Field} label=${t('figures.until')}>${input('until')}<//>
  </div>`;
}

function Table({ caption, header, rows, file }) {
  return html`<div class="figure-table">
    <table><caption>${caption}</caption>
      <thead><tr>${header.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr>${r.map((c, i) => (i === 0 ? html`<th scope="row">${c}</th>` : html`<td>${c}</td>`))}</tr>`)}</tbody>
    </table>
    <button type="button" class="secondary" data-csv=${file} onClick=${() => download(file, toCsv(header, rows))}>
      ${t('figures.csv')}</button>
  </div>`;
}

export function Figures() {
  const today = new Date();
  const [period, setPeriod] = useState({ since: shanghaiDay(new Date(today - 30 * 864e5)), until: shanghaiDay(today) });
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setError(null);
    gql(FIGURES, period).then(setData).catch(setError);
  }, [period.since, period.until]);
  const units = (data?.unitSlaCounts || []).filter((u) => u.onTime + u.late + u.openOverdue > 0);
  const rates = (data?.ticketRates || []).filter((u) => u.assigned > 0);
  const priorityTickets = data?.priorityTicketCounts || [];
  const slaHeader = [t('figures.unit'), t('figures.on_time'), t('figures.late'), t('figures.on_time_rate'), t('figures.overdue_now'),
    t('priority.on_time_rate'), t('priority.on_target_rate')];
  const rateHeader = [t('figures.unit'), t('figures.assigned'), t('figures.response_rate'), t('figures.resolution_rate'), t('figures.satisfaction_rate'), t('figures.on_time_rate'), t('figures.overdue_now')];
  return html`<${Screen} title=${t('figures.title')}>
    <${Period} period=${period} setPeriod=${setPeriod} />
    <${ErrorLine} error=${error} />
    ${data === null && !error && html`<p>${t('loading')}</p>`}
    ${data &&
    html`<section aria-labelledby="sla-title">
      <h2 id="sla-title">${t('figures.applications')}</h2>
      ${units.length === 0
        ? html`<p class="empty">${t('figures.none')}</p>`
        : html`<${BarChart} title=${t('figures.applications_chart')} rows=${units.map((u) => ({ ...u, code: u.unitCode, name: u.unitName }))}
            max=${1} format=${percent}
            measures=${[
              { key: 'onTimeRate', label: t('figures.on_time_rate'), value: onTimeRate },
              { key: 'priorityRate', label: t('priority.on_time_rate'), value: priorityRate },
            ]} />
          <${Table} caption=${t('figures.applications')} header=${slaHeader} file="applications-by-unit.csv"
            rows=${units.map((u) => [u.unitName, u.onTime, u.late, percent(onTimeRate(u)), u.openOverdue,
              percent(priorityRate(u)), percent(targetRate(u))])} />`}
    </section>
    <section aria-labelledby="rates-title">
      <h2 id="rates-title">${t('figures.tickets')}</h2>
      ${rates.length === 0
        ? html`<p class="empty">${t('figures.none')}</p>`
        : html`<${BarChart} title=${t('figures.tickets_chart')} rows=${rates} max=${1} format=${percent}
            measures=${[
              { key: 'responseRate', label: t('figures.response_rate'), value: (u) => u.responseRate },
              { key: 'resolutionRate', label: t('figures.resolution_rate'), value: (u) => u.resolutionRate },
              { key: 'satisfactionRate', label: t('figures.satisfaction_rate'), value: (u) => u.satisfactionRate },
            ]} />
          <${Table} caption=${t('figures.tickets')} header=${rateHeader} file="tickets-by-unit.csv"
            rows=${rates.map((u) => [u.name, u.assigned, percent(u.responseRate), percent(u.resolutionRate), percent(u.satisfactionRate), percent(u.onTimeRate), u.openOverdue])} />`}
    </section>
    <section aria-labelledby="priority-tickets-title">
      <h2 id="priority-tickets-title">${t('priority.tickets')}</h2>
      ${priorityTickets.length === 0
        ? html`<p class="empty">${t('figures.none')}</p>`
        : html`<${Table} caption=${t('priority.tickets')} file="priority-tickets-by-unit.csv"
            header=${[t('figures.unit'), t('priority.finished'), t('priority.on_time_rate'), t('priority.on_target_rate'), t('figures.overdue_now')]}
            rows=${priorityTickets.map((u) => [u.unitName, u.finished, percent(u.finished ? u.onTime / u.finished : null), percent(u.finished ? u.onTarget / u.finished : null), u.openOverdue])} />`}
    </section>`}
  <//>`;
}
