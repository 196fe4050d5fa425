// One form for a bundle: each material once, what the vault holds shown with its source,
// then submit (once, however often it is tapped) and go to the application's page.
import { gql } from '../core/api.js';
import { html, useEffect, useRef, useState } from '../../shared/html.js';
import { t } from '../core/i18n.js';
import { go } from '../core/router.js';
import { Field, Screen } from '../core/ui.js';

const FORM = `query ($b: String!) { applicationForm(bundleCode: $b) {
  bundleCode bundleName missingRequired toProvide
  materials { code name required held source { label } } } }`;

// which field a refusal belongs next to
const fieldOf = (code) =>
  code.startsWith('resident_id.') || code === 'identity.verification_required' ? 'residentId'
  : code === 'application.name_invalid' ? 'applicantName'
  : code.startsWith('application.material') ? 'materials'
  : 'form';

export function Apply({ params: [bundleCode] }) {
  const [form, setForm] = useState(null);
  const [chosen, setChosen] = useState(new Set());
  const [name, setName] = useState('');
  const [residentId, setResidentId] = useState('');
  const [errors, setErrors] = useState({});
  const [working, setWorking] = useState(false);
  const busy = useRef(false);

  useEffect(() => {
    gql(FORM, { b: bundleCode })
      .then((data) => {
        setForm(data.applicationForm);
        setChosen(new Set(data.applicationForm.materials.filter((m) => m.held).map((m) => m.code)));
      })
      .catch((e) => setErrors({ form: e.message }));
  }, [bundleCode]);

  const toggle = (code) => {
    const next = new Set(chosen);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    setChosen(next);
  };

  const submit = async (event) => {
    event.preventDefault();
    if (busy.current) return; // a double tap submits once
    busy.current = true;
    setWorking(true);
    setErrors({});
    try {
      const input = { bundleCode, materials: [...chosen] };
      if (name.trim()) input.applicantName = name;
      if (residentId.trim()) input.residentId = residentId.trim();
      const data = await gql(
        'mutation ($i: SubmitApplicationInput!) { submitApplication(input: $i) { number } }',
        { i: input },
      );
      go('application', data.submitApplication.number);
    } catch (error) {
      // an agent's money-moving application waits for the principal's own yes: show it
      if (error.code === 'delegation.confirmation_pending') return go('confirmations');
      setErrors({ [fieldOf(error.code || '')]: error.message });
      busy.current = false;
      setWorking(false);
    }
  };

  if (!form) {
    return html`<${Screen} title=${t('loading')}>
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}<//>`;
  }
  const missing = form.materials.filter((m) => m.required && !chosen.has(m.code)).length;
  return html`<${Screen} title=${t('form.title', { name: form.bundleName })}>
    <form onSubmit=${submit} novalidate>
      <fieldset class="materials" aria-describedby=${errors.materials ? 'materials-error' : undefined}>
        <legend>${t('form.materials')}</legend>
        <ul>
          ${form.materials.map(
            (m) => html`<li key=${m.code} class=${m.held ? 'held' : ''}>
              ${m.held
                ? html`<span class="material-name">${m.name}</span>
                    <span class="material-source">${t('form.held', { source: m.source?.label || '' })}</span>`
                : html`<label class="check">
                    <input type="checkbox" name="materials" value=${m.code} checked=${chosen.has(m.code)}
                      onChange=${() => toggle(m.code)} />
                    <span class="material-name">${m.name}</span>
                    <span class="material-source">${m.required ? t('form.required') : t('form.optional')} · ${t('form.provide')}</span>
                  </label>`}
            </li>`,
          )}
        </ul>
        ${errors.materials && html`<p class="error" id="materials-error" role="alert">${errors.materials}</p>`}
      </fieldset>
      ${missing > 0 && html`<p class="notice">${t('form.missing', { count: missing })}</p>`}
      <${Field} label=${t('form.applicant_name')} error=${errors.applicantName}>
        ${(props) => html`<input ...${props} name="applicantName" autocomplete="name" value=${name}
          onInput=${(e) => setName(e.currentTarget.value)} />`}
      <//>
      <${Field} label=${t('form.resident_id')} error=${errors.residentId}>
        ${(props) => html`<input ...${props} name="residentId" autocomplete="off" maxlength="18"
          value=${residentId} onInput=${(e) => setResidentId(e.currentTarget.value)} />`}
      <//>
      ${errors.residentId && html`<p><a href="#/identity">${t('identity.title')}</a></p>`}
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
      <button type="submit" class="primary" disabled=${working}>
        ${working ? t('form.submitting') : t('form.submit')}</button>
    </form>
  <//>`;
}
