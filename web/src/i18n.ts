import i18n from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import assessmentsEn from './locales/assessments.en.json';
import en from './locales/en.json';
import inventoryEn from './locales/inventory.en.json';
import { messagesJa, type Messages } from './messages';

export type Lang = 'ja' | 'en';

// Both locale files must have the same keys: this fails to compile when en.json misses one of ja.json's.
const enChecked: Messages = { ...en, ...inventoryEn, ...assessmentsEn };

const STORAGE_KEY = 'openmds.lang';

function storedLang(): Lang {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    if (v === 'ja' || v === 'en') return v;
  } catch {
    // Storage may be disabled (private mode, policies): fall back to Japanese.
  }
  return 'ja';
}

function applyLang(lang: string): void {
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

void i18n.use(initReactI18next).init({
  resources: { ja: { translation: messagesJa }, en: { translation: enChecked } },
  lng: storedLang(),
  fallbackLng: 'ja',
  supportedLngs: ['ja', 'en'],
  // React escapes what it renders; escaping here too would show "&amp;".
  interpolation: { escapeValue: false },
  initAsync: false,
});
document.documentElement.lang = i18n.language;
i18n.on('languageChanged', applyLang);

/** The interface language, narrowed to the two we have. */
export function useLang(): [Lang, (lang: Lang) => void] {
  const { i18n: instance } = useTranslation();
  const lang: Lang = instance.language === 'en' ? 'en' : 'ja';
  return [lang, (next) => void instance.changeLanguage(next)];
}

export { i18n };
