// Every visible string comes from the backend's catalogs (GET /i18n/<language>): the app
// carries no copy. In elder mode the plain variant is used where the catalog has one.
import { set, state } from './store.js';

export const LANGUAGES = ['zh_Hans', 'zh_Hant', 'en'];
const TAGS = { zh_Hans: 'zh-Hans', zh_Hant: 'zh-Hant', en: 'en' };

export function currentLanguage() {
  const chosen = state.me?.language || state.language;
  if (LANGUAGES.includes(chosen)) return chosen;
  const browser = (navigator.language || '').toLowerCase();
  if (browser.startsWith('en')) return 'en';
  if (/^zh-(hant|tw|hk|mo)/.test(browser)) return 'zh_Hant';
  return 'zh_Hans';
}

export const languageTag = (language = currentLanguage()) => TAGS[language] || 'zh-Hans';

export async function loadStrings(language = currentLanguage()) {
  const response = await fetch(`/i18n/${language}`);
  if (!response.ok) throw new Error(`strings ${response.status}`);
  const strings = await response.json();
  document.documentElement.lang = languageTag(language);
  set({ strings });
  return strings;
}

export const isElder = () => Boolean(state.me?.elderMode);

export function t(key, params = {}) {
  const strings = state.strings;
  if (!strings) return '';
  const text = (isElder() && strings.elder[key]) || strings.normal[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : ''));
}
