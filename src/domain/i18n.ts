import { Type, type Static } from '@sinclair/typebox';

/** Text in Japanese (always) and English (where known). */
export const LocalizedTextSchema = Type.Object(
  {
    ja: Type.String({ minLength: 1 }),
    en: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type LocalizedText = Static<typeof LocalizedTextSchema>;

/** A message shown to people in both interface languages. */
export interface Message {
  ja: string;
  en: string;
}

export type Language = 'ja' | 'en';

/** Picks the text for a language, falling back to Japanese, the form's own language. */
export function pick(text: LocalizedText, lang: Language): string {
  return lang === 'en' ? (text.en ?? text.ja) : text.ja;
}
