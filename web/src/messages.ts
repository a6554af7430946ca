import assessmentsJa from './locales/assessments.ja.json';
import inventoryJa from './locales/inventory.ja.json';
import ja from './locales/ja.json';

/**
 * Every interface string, Japanese first. The hospital's pages keep theirs in their own files (inventory.*.json,
 * assessments.*.json), merged in here; each English file must have its Japanese twin's keys (checked in i18n.ts).
 */
export const messagesJa = { ...ja, ...inventoryJa, ...assessmentsJa };
export type Messages = typeof messagesJa;
