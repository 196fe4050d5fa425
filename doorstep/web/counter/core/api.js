// The console's API client (shared/api.js): a session that ended sends the clerk back to
// log-in, saying so.
import { SESSION_ENDED, createGql } from '../../shared/api.js';
import { languageTag, t } from './i18n.js';
import { forgetSession, state } from './store.js';

export const gql = createGql({
  token: () => state.token,
  languageTag,
  t,
  refused: (code) => {
    if (SESSION_ENDED.has(code) && state.token) forgetSession(true);
  },
});

export const TASK_FIELDS = `id itemName unitCode unitName status statusLabel dueOn paused reason
  workingDaysLeft canAct priority priorityLabel targetOn`;
export const QUEUE = `unitQueue(first: 200) { applicationNumber task { ${TASK_FIELDS} } }`;
// a ticket as the lists show it (the tickets screen and the live ticket queue)
export const TICKET_ROW = `number kind kindLabel categoryName regionName urgency urgencyLabel
  status statusLabel dueOn acknowledgeBy acknowledgedAt needsReview leadUnit { code name }
  priority priorityLabel`;
