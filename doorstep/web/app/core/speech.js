// Read-aloud (elder mode): the browser's speech synthesis, with a voice of the app's language
// where the device has one.
import { languageTag } from './i18n.js';

const VOICE_LANG = { 'zh-Hans': 'zh-CN', 'zh-Hant': 'zh-TW', en: 'en' };

export const canSpeak = () => 'speechSynthesis' in window;

// Chromium loads its voices only when first asked and answers that first call with none: ask
// now, so the first tap already finds the language's voice
if (canSpeak()) speechSynthesis.getVoices();

export function speak(text) {
  if (!canSpeak() || !text) return;
  const lang = VOICE_LANG[languageTag()] || 'zh-CN';
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = lang;
  const voice = speechSynthesis.getVoices().find((v) => v.lang.replace('_', '-').startsWith(lang));
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  speechSynthesis.cancel();
  speechSynthesis.speak(utterance);
}
