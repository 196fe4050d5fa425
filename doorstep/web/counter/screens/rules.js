// Supervisors: the dispatch rules (派单规则). Changes go to a draft; the draft is tried on the
// region's tickets of the last 30 days and the difference shown (which tickets would go to
// another unit, and to review) before it can be published. Changing the draft again hides
// the publish step until it is tried again.
import { html, useEffect, useState } from '../../shared/html.js';
import { useBusy } from '../../shared/busy.js';
import { gql } from '../core/api.js';
import { t } from '../core/i18n.js';
import { ErrorLine, Field, Screen, formatDate } from '../core/ui.js';

const RULE = `ruleNo version priority kinds categories regionPrefixes keywords urgencies
  leadUnitCode leadUnitName assistingUnitCodes note isGuess`;
const SET = `id status stale publishedAt rules { ${RULE} } warnings { ruleNo code message }`;
const DRY_RUN = `{ dryRunDispatchRules(days: 30) { since ticketsInPeriod examined changed
  toReviewBefore toReviewAfter errors { ruleNo code message } warnings { ruleNo code message }
  changes { number categoryCode regionCode beforeUnit afterUnit beforeBasis afterBasis
    beforeRule afterRule } } }`;
const list = (text) => text.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean);
const EMPTY = { ruleNo: null, priority: '', leadUnitCode: '', categories: '', regionPrefixes: '', keywords: '', note: '' };

function RuleForm({ rule, units, onSaved, onCancel }) {
  const [form, setForm] = useState(rule);
  const { run, working, error } = useBusy();
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const save = (event) => {
    event.preventDefault();
    run(async () => {
      const input = {
        ruleNo: form.ruleNo,
        priority: Number.parseInt(form.priority, 10) || 0,
        leadUnitCode: form.leadUnitCode.trim(),
        categories: list(form.categories),
        regionPrefixes: list(form.regionPrefixes),
        keywords: list(form.keywords),
        note: form.note,
      };
      const data = await gql(`mutation ($i: DispatchRuleInput!) { saveDispatchRule(input: $i) { ${SET} } }`, { i: input });
      onSaved(data.saveDispatchRule);
    });
  };
  const text = (name, label, hint) => html`<${Field} label=${label} hint=${hint}>
    ${(props) => html`<input ...${props} name=${name} value=${form[name]} onInput=${field(name)} />`}
  <//>`;
  return html`<form class="reason-form rule-form" data-form="rule" onSubmit=${save} novalidate>
    <h3>${form.ruleNo ? t('rules.edit', { no: form.ruleNo }) : t('rules.add')}</h3>
    <div class="grid">
      ${text('priority', t('rules.priority'), t('rules.priority_hint'))}
      <${Field} label=${t('rules.unit')}>
        ${(props) => html`<input ...${props} name="leadUnitCode" list="rule-units" value=${form.leadUnitCode}
          onInput=${field('leadUnitCode')} />`}
      <//>
      ${text('categories', t('rules.categories'), t('rules.list_hint'))}
      ${text('regionPrefixes', t('rules.regions'), t('rules.list_hint'))}
      ${text('keywords', t('rules.keywords'), t('rules.list_hint'))}
      ${text('note', t('rules.note'))}
    </div>
    <datalist id="rule-units">${units.map(([code, name]) => html`<option value=${code}>${name}</option>`)}</datalist>
    <${ErrorLine} error=${error} />
    <div class="row">
      <button type="submit" class="primary" disabled=${working}>${t('rules.save')}</button>
      <button type="button" class="secondary" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

function Diff({ run }) {
  return html`<section class="diff" aria-labelledby="diff-title">
    <h2 id="diff-title">${t('rules.diff_title', { since: formatDate(run.since) })}</h2>
    <p data-changed=${run.changed}>${t('rules.diff_summary', {
      examined: run.examined,
      changed: run.changed,
      before: run.toReviewBefore,
      after: run.toReviewAfter,
    })}</p>
    ${run.errors.map((e) => html`<p class="error" role="alert">${e.message}</p>`)}
    ${run.warnings.map((w) => html`<p class="notice">${w.message}</p>`)}
    ${run.changes.length > 0 &&
    html`<table class="changes">
      <caption class="visually-hidden">${t('rules.diff_caption')}</caption>
      <thead><tr><th scope="col">${t('tickets.number')}</th><th scope="col">${t('tickets.category')}</th>
        <th scope="col">${t('rules.before')}</th><th scope="col">${t('rules.after')}</th></tr></thead>
      <tbody>${run.changes.map(
        (c) => html`<tr key=${c.number}>
          <td><a href=${`#/ticket/${c.number}`}>${c.number}</a></td>
          <td>${c.categoryCode} · ${c.regionCode}</td>
          <td class="before"><del>− ${c.beforeUnit}</del> <span class="hint">${c.beforeRule ? t('rules.rule_no', { no: c.beforeRule }) : c.beforeBasis}</span></td>
          <td class="after"><ins>+ ${c.afterUnit}</ins> <span class="hint">${c.afterRule ? t('rules.rule_no', { no: c.afterRule }) : c.afterBasis}</span></td>
        </tr>`,
      )}</tbody>
    </table>`}
  </section>`;
}

export function Rules() {
  const [published, setPublished] = useState(null);
  const [draft, setDraft] = useState(null);
  const [editing, setEditing] = useState(null);
  const [run, setRun] = useState(null);
  const [note, setNote] = useState('');
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const busy = useBusy();
  useEffect(() => {
    gql(`{ dispatchRuleSet { ${SET} } dispatchRuleDraft { ${SET} } }`)
      .then((data) => {
        setPublished(data.dispatchRuleSet);
        setDraft(data.dispatchRuleDraft);
      })
      .catch(setError);
  }, []);
  const changed = (set) => {
    setDraft(set);
    setEditing(null);
    setRun(null); // a changed draft is tried again before it can be published
    setDone(null);
  };
  const shown = draft || published;
  const units = [...new Map((published?.rules || []).map((r) => [r.leadUnitCode, r.leadUnitName]))];
  const edit = (r) =>
    setEditing({
      ruleNo: r.ruleNo,
      priority: String(r.priority),
      leadUnitCode: r.leadUnitCode,
      categories: r.categories.join(', '),
      regionPrefixes: r.regionPrefixes.join(', '),
      keywords: r.keywords.join(', '),
      note: r.note,
    });
  const remove = (no) =>
    busy.run(async () => changed((await gql(`mutation ($n: Int!) { removeDispatchRule(ruleNo: $n) { ${SET} } }`, { n: no })).removeDispatchRule));
  const tryIt = () => busy.run(async () => setRun((await gql(DRY_RUN)).dryRunDispatchRules));
  const discard = () =>
    busy.run(async () => {
      await gql('mutation { discardDispatchRuleDraft }');
      changed(null);
    });
  const publish = (event) => {
    event.preventDefault();
    busy.run(async () => {
      const data = await gql(`mutation ($note: String!) { publishDispatchRules(note: $note) {
        ruleSet { ${SET} } warnings { message } changedRules } }`, { note });
      setPublished(data.publishDispatchRules.ruleSet);
      setDraft(null);
      setRun(null);
      setDone(data.publishDispatchRules);
    });
  };
  return html`<${Screen} title=${t('rules.title')}>
    <${ErrorLine} error=${error || busy.error} />
    ${done && html`<p class="notice" role="status">${t('rules.published', { id: done.ruleSet.id })}</p>`}
    ${shown &&
    html`<p>${draft ? t('rules.draft_of', { id: published?.id ?? '—' }) : t('rules.current', { id: shown.id })}
      ${draft?.stale && html` <strong class="error">${t('rules.stale')}</strong>`}</p>
    ${shown.warnings.map((w) => html`<p class="notice">${w.message}</p>`)}
    <table class="rules">
      <caption class="visually-hidden">${t('rules.title')}</caption>
      <thead><tr><th scope="col">${t('rules.priority')}</th><th scope="col">${t('rules.matches')}</th>
        <th scope="col">${t('rules.unit')}</th><th scope="col"><span class="visually-hidden">${t('rules.actions')}</span></th></tr></thead>
      <tbody>${shown.rules.map(
        (r) => html`<tr key=${r.ruleNo} data-rule=${r.ruleNo}>
          <td>${r.priority}</td>
          <td>${[...r.categories, ...r.regionPrefixes, ...r.keywords].join(' · ') || t('rules.anything')}
            ${r.note && html`<div class="hint">${r.note}</div>`}</td>
          <td>${r.leadUnitName}</td>
          <td><button type="button" class="secondary" onClick=${() => edit(r)}
                aria-label=${t('rules.edit', { no: r.ruleNo })}>${t('rules.edit_short')}</button>
            <button type="button" class="secondary" onClick=${() => remove(r.ruleNo)}
                aria-label=${t('rules.remove', { no: r.ruleNo })}>${t('rules.remove_short')}</button></td>
        </tr>`,
      )}</tbody>
    </table>`}
    ${editing
      ? html`<${RuleForm} rule=${editing} units=${units} onSaved=${changed} onCancel=${() => setEditing(null)} />`
      : html`<div class="row">
          <button type="button" class="secondary" data-action="add" onClick=${() => setEditing({ ...EMPTY })}>${t('rules.add')}</button>
          ${draft && html`<button type="button" class="primary" data-action="dry-run" disabled=${busy.working} onClick=${tryIt}>${t('rules.try')}</button>
            <button type="button" class="secondary" data-action="discard" disabled=${busy.working} onClick=${discard}>${t('rules.discard')}</button>`}
        </div>`}
    ${run && html`<${Diff} run=${run} />`}
    ${run && draft && run.errors.length === 0 &&
    html`<form class="reason-form" data-form="publish" onSubmit=${publish} novalidate>
      <${Field} label=${t('rules.publish_note')}>
        ${(props) => html`<input ...${props} name="note" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} />`}
      <//>
      <button type="submit" class="primary" disabled=${busy.working}>${t('rules.publish')}</button>
    </form>`}
  <//>`;
}
