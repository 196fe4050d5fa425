// Every visible string comes from the backend's catalogs (GET /counter/i18n/<language>).
import { set, state } from './store.js';

export const LANGUAGES = ['zh_Hans', 'zh_Hant', 'en'];
const TAGS = { zh_Hans: 'zh-Hans', zh_Hant: 'zh-Hant', en: 'en' };

export function currentLanguage() {
  if (LANGUAGES.includes(state.language)) return state.language;
  const browser = (navigator.language || '').toLowerCase();
  if (browser.startsWith('en')) return 'en';
  if (/^zh-(hant|tw|hk|mo)/.test(browser)) return 'zh_Hant';
  return 'zh_Hans';
}

export const languageTag = (language = currentLanguage()) => TAGS[language] || 'zh-Hans';

export async function loadStrings(language = currentLanguage()) {
  const response = await fetch(`/counter/i18n/${language}`);
  if (!response.ok) throw new Error(`strings ${response.status}`);
  const strings = await response.json();
  document.documentElement.lang = languageTag(language);
  document.title = strings.normal.name || document.title;
  set({ strings });
  return strings;
}

export function t(key, params = {}) {
  const strings = state.strings;
  if (!strings) return '';
  const text = strings.normal[key] || key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : ''));
}
