// Every visible string comes from the backend's catalogs, served per app (the citizen app's
// `app.*` at /i18n/<language>, the console's `counter.*` at /counter/i18n/<language>): no app
// carries a copy. An app names where its strings are and which language it was told to use.
export const LANGUAGES = ['zh_Hans', 'zh_Hant', 'en'];
const TAGS = { zh_Hans: 'zh-Hans', zh_Hant: 'zh-Hant', en: 'en' };

// store: the app's {state, set}; chosen(): the language picked, if any; elder(): use the plain
// variants where the catalog has them; titled: the page's title is the catalog's `name`
export function createStrings({ store, path, chosen, elder = () => false, titled = false }) {
  const { state, set } = store;

  function currentLanguage() {
    const language = chosen();
    if (LANGUAGES.includes(language)) return language;
    const browser = (navigator.language || '').toLowerCase();
    if (browser.startsWith('en')) return 'en';
    if (/^zh-(hant|tw|hk|mo)/.test(browser)) return 'zh_Hant';
    return 'zh_Hans';
  }

  const languageTag = (language = currentLanguage()) => TAGS[language] || 'zh-Hans';

  async function loadStrings(language = currentLanguage()) {
    const response = await fetch(`${path}/${language}`);
    if (!response.ok) throw new Error(`strings ${response.status}`);
    const strings = await response.json();
    document.documentElement.lang = languageTag(language);
    if (titled) document.title = strings.normal.name || document.title;
    set({ strings });
    return strings;
  }

  function t(key, params = {}) {
    const strings = state.strings;
    if (!strings) return '';
    const text = (elder() && strings.elder[key]) || strings.normal[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : ''));
  }

  return { currentLanguage, languageTag, loadStrings, t };
}
