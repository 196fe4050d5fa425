// One application: where it stands, live; what each department does; 补正 when asked.
import { gql, uploadFile } from '../core/api.js';
import { html, useEffect, useRef, useState } from '../../shared/html.js';
import { isElder, t } from '../core/i18n.js';
import { seqAfter, watchApplication } from '../core/live.js';
import { state } from '../core/store.js';
import { Field, Screen, formatDate } from '../core/ui.js';
import { lazy } from '../core/lazy.js';

// rating and reviews matter once a part is finished or refused: loaded with the page, not the app
const Feedback = lazy(() => import('./application_feedback.js'), 'Feedback');

const MATERIALS = `query ($c: String!) { bundle(code: $c) { items { materials { code name } } } }`;

function Supply({ application, onDone }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [fileError, setFileError] = useState(null);
  const [working, setWorking] = useState(false);
  const [materials, setMaterials] = useState([]);
  const [material, setMaterial] = useState('');
  const file = useRef(null);
  const busy = useRef(false);
  const asked = application.tasks.filter((task) => task.status === 'NEEDS_MATERIALS');
  useEffect(() => {
    gql(MATERIALS, { c: application.bundleCode })
      .then((data) => {
        const all = (data.bundle?.items || []).flatMap((item) => item.materials);
        const unique = [...new Map(all.map((m) => [m.code, m])).values()];
        setMaterials(unique);
        setMaterial(unique[0]?.code || '');
      })
      .catch(() => {});
  }, [application.bundleCode]);
  const submit = async (event) => {
    event.preventDefault();
    if (busy.current) return;
    busy.current = true;
    setWorking(true);
    setError(null);
    setFileError(null);
    try {
      const chosen = file.current?.files?.[0];
      if (chosen) {
        try {
          const stored = await uploadFile(chosen);
          await gql('mutation ($n: String!, $m: String!, $f: ID!) { attachMaterialFile(number: $n, materialCode: $m, fileId: $f) { id } }', {
            n: application.number,
            m: material,
            f: stored.fileId,
          });
        } catch (e) {
          setFileError(e.message);
          return;
        }
      }
      await gql('mutation ($n: String!, $note: String) { supplyMaterials(number: $n, note: $note) { number } }', {
        n: application.number,
        note: note.trim() || null,
      });
      onDone();
    } catch (e) {
      setError(e.message);
    } finally {
      busy.current = false;
      setWorking(false);
    }
  };
  return html`<section class="supply" aria-labelledby="supply-title">
    <h2 id="supply-title">${t('supply.title')}</h2>
    <ul>${asked.map((task) => html`<li key=${task.id}>${t('supply.reason', { unit: task.unitName, reason: task.reason || '' })}</li>`)}</ul>
    <form onSubmit=${submit} novalidate>
      ${materials.length > 0 &&
      html`<${Field} label=${t('files.material')}>
        ${(props) => html`<select ...${props} name="material" value=${material}
          onChange=${(e) => setMaterial(e.currentTarget.value)}>
          ${materials.map((m) => html`<option key=${m.code} value=${m.code}>${m.name}</option>`)}
        </select>`}
      <//>
      <${Field} label=${t('files.choose')} hint=${t('files.hint')} error=${fileError}>
        ${(props) => html`<input ...${props} type="file" name="file" ref=${file}
          accept="image/jpeg,image/png,application/pdf" />`}
      <//>`}
      <${Field} label=${t('supply.note')} error=${error}>
        ${(props) => html`<textarea ...${props} name="note" rows="3" value=${note}
          onInput=${(e) => setNote(e.currentTarget.value)}></textarea>`}
      <//>
      <button type="submit" class="primary" disabled=${working}>${t('supply.submit')}</button>
    </form>
  </section>`;
}

export function Application({ params: [number] }) {
  const known = (state.applications || []).find((a) => a.number === number);
  const [application, setApplication] = useState(known || null);
  const [timeline, setTimeline] = useState([]);
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(false);

  useEffect(
    () =>
      watchApplication(
        number,
        (update) => {
          if (update.application) setApplication(update.application);
          // one row per sequence, oldest first, however often a reconnect replays
          setTimeline((old) => {
            const rows = new Map(old.map((e) => [e.seq, e]));
            const incoming = update.event ? [update.event] : update.application?.timeline || [];
            for (const e of incoming) rows.set(e.seq, e);
            return [...rows.values()].sort((a, b) => (seqAfter(a.seq, b.seq) ? 1 : -1));
          });
        },
        (e) => setError(e?.message || t('error.network')),
      ),
    [number],
  );

  if (!application) {
    return html`<${Screen} title=${t('application.title', { number })}>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html`<p>${t('loading')}</p>`}<//>`;
  }
  const needs = application.tasks.some((task) => task.status === 'NEEDS_MATERIALS');
  return html`<${Screen} title=${application.bundleName} readAloud=${isElder() ? application.readAloud : null}>
    <p class="card-meta">${t('application.number')} ${application.number}</p>
    <p><span class=${`badge status-${application.status.toLowerCase()}`} data-status=${application.status}>${application.statusLabel}</span></p>
    <div class="progress" role="progressbar" aria-label=${t('application.progress', application.progress)}
      aria-valuemin="0" aria-valuemax="100" aria-valuenow=${application.progress.percent}>
      <span class="bar" style=${{ width: `${application.progress.percent}%` }}></span>
    </div>
    <p class="card-meta">${t('application.progress', application.progress)}</p>
    ${application.nextStep && html`<p class="next-step"><strong>${t('application.next_step')}</strong> ${application.nextStep}</p>`}
    ${needs && !sent && html`<${Supply} application=${application} onDone=${() => setSent(true)} />`}
    ${sent && html`<p class="notice" role="status">${t('supply.done')}</p>`}
    ${!isElder() && html`<h2>${t('application.tasks')}</h2>
    <ul class="tasks">
      ${application.tasks.map(
        (task) => html`<li key=${task.id} data-task-status=${task.status}>
          <span class="card-title">${task.itemName}</span>
          <span class="card-meta">${task.unitName}</span>
          <span class=${`badge status-${task.status.toLowerCase()}`}>${task.statusLabel}</span>
          <span class="card-meta">${t('application.due', { date: formatDate(task.dueOn) })}</span>
        </li>`,
      )}
    </ul>`}
    ${application.tasks.some((task) => ['DONE', 'REJECTED'].includes(task.status)) &&
    html`<${Feedback} application=${application} version=${`${application.status}:${timeline.length}`} />`}
    <h2>${t('application.timeline')}</h2>
    <ol class="timeline" data-timeline>
      ${[...timeline].reverse().map(
        (e) => html`<li key=${e.seq} data-seq=${e.seq}><span>${e.title}</span>
          <time datetime=${e.at}>${formatDate(e.at)}</time></li>`,
      )}
    </ol>
  <//>`;
}
