// The app's strings (GET /i18n/<language>): the account's language once signed in, else the one
// chosen on this device. In elder mode the plain variant is used where the catalog has one.
import { createStrings } from '../../shared/i18n.js';
import { set, state } from './store.js';

export { LANGUAGES } from '../../shared/i18n.js';

export const isElder = () => Boolean(state.me?.elderMode);

export const { currentLanguage, languageTag, loadStrings, t } = createStrings({
  store: { state, set },
  path: '/i18n',
  chosen: () => state.me?.language || state.language,
  elder: isElder,
});

// A title that says "my …" (or "for you") names the person while acting for them: what the screen
// shows is theirs ("王秀英的诉求"), not the agent's own. `theirs` has the placeholder {name}.
export const whose = (mine, theirs, params = {}) =>
  state.acting ? t(theirs, { ...params, name: state.acting.name }) : t(mine, params);
