// The console's strings (GET /counter/i18n/<language>); the page's title is the catalog's too.
import { createStrings } from '../../shared/i18n.js';
import { set, state } from './store.js';

export { LANGUAGES } from '../../shared/i18n.js';

export const { currentLanguage, languageTag, loadStrings, t } = createStrings({
  store: { state, set },
  path: '/counter/i18n',
  chosen: () => state.language,
  titled: true,
});
