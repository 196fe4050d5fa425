// The public GraphQL API over HTTP, as any outside app calls it: a bearer token, the chosen
// language as Accept-Language (refusals come back in it), one error type with the server's
// stable code and message. A session that ended sends the clerk back to log-in, saying so.
import { languageTag, t } from './i18n.js';
import { forgetSession, state } from './store.js';

export class ApiError extends Error {
  constructor(code, message, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

const SESSION_ENDED = new Set(['auth.required', 'auth.session_invalid', 'auth.session_expired']);

export async function gql(query, variables = {}) {
  const headers = { 'content-type': 'application/json', 'accept-language': languageTag() };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  let response;
  let body = null;
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    body = await response.json();
  } catch {
    throw new ApiError('network', t('error.network'));
  }
  const error = body?.errors?.[0];
  if (error) {
    const code = error.extensions?.code || 'internal';
    if (SESSION_ENDED.has(code) && state.token) forgetSession(true);
    throw new ApiError(code, error.message, error.extensions);
  }
  if (!response.ok || !body?.data) {
    throw new ApiError(body?.code || 'http_error', body?.message || t('error.network'));
  }
  return body.data;
}

export const TASK_FIELDS = `id itemName unitCode unitName status statusLabel dueOn paused reason
  workingDaysLeft canAct priority priorityLabel targetOn`;
export const QUEUE = `unitQueue(first: 200) { applicationNumber task { ${TASK_FIELDS} } }`;
// a ticket as the lists show it (the tickets screen and the live ticket queue)
export const TICKET_ROW = `number kind kindLabel categoryName regionName urgency urgencyLabel
  status statusLabel dueOn acknowledgeBy acknowledgedAt needsReview leadUnit { code name }
  priority priorityLabel`;
