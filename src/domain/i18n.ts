import { Type, type Static } from '@sinclair/typebox';

/**
 * Text in Japanese and English. Japanese forms carry `ja` (and `en` where we translated it); forms published only in
 * English (NEMA MDS2) carry `en` alone: a translation of ours is never passed off as the form's wording.
 */
export const LocalizedTextSchema = Type.Object(
  {
    ja: Type.Optional(Type.String({ minLength: 1 })),
    en: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type LocalizedText = Static<typeof LocalizedTextSchema>;

/** A message shown to people in both interface languages. */
export interface Message {
  ja: string;
  en: string;
}

export type Language = 'ja' | 'en';

/** Picks the text for a language, falling back to the other one. */
export function pick(text: LocalizedText, lang: Language): string {
  return (lang === 'en' ? (text.en ?? text.ja) : (text.ja ?? text.en)) ?? '';
}
