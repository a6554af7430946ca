import type { FieldProblem } from '../server/errors.js';
import { COMMON_PASSWORDS } from './common-passwords.js';

/** The policy's limits, in characters (Unicode code points, after NFC). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordPolicyInput {
  password: string;
  /** The account's email: the password may be neither it nor its local part. */
  email: string;
  /** The request field that holds the password, for messages; default "password". */
  field?: string;
}

const TRAILING_JUNK = /[\d\s\p{P}\p{S}]+$/u;
const LEADING_JUNK = /^[\d\s\p{P}\p{S}]+/u;

/** A short pattern repeated ("aaaaaaaaaaaa", "abcabcabcabc", "121212121212"). */
function isRepetition(s: string): boolean {
  const chars = [...s];
  for (let size = 1; size <= 3; size++) {
    if (chars.length % size !== 0) continue;
    const unit = chars.slice(0, size).join('');
    if (unit.repeat(chars.length / size) === s) return true;
  }
  return false;
}

/** True when the password is on the common list, case-insensitively, also with leading/trailing digits and symbols removed. */
export function isCommonPassword(password: string): boolean {
  const lower = password.normalize('NFC').toLowerCase();
  if (COMMON_PASSWORDS.has(lower) || isRepetition(lower)) return true;
  const trimmed = lower.replace(TRAILING_JUNK, '');
  if (trimmed !== '' && COMMON_PASSWORDS.has(trimmed)) return true;
  const core = trimmed.replace(LEADING_JUNK, '');
  return core !== '' && core !== trimmed && COMMON_PASSWORDS.has(core);
}

/**
 * Checks a new password (NIST SP 800-63B style: length and a blocklist, no composition rules): 12 to 256
 * characters, not the email or its local part, not a common password. Returns the problems, each naming the field;
 * empty when the password is acceptable.
 */
export function checkPassword(input: PasswordPolicyInput): FieldProblem[] {
  const field = input.field ?? 'password';
  const password = input.password.normalize('NFC');
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return [{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters (it has ${length})` }];
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return [{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }];
  }
  const lower = password.toLowerCase();
  const email = input.email.trim().toLowerCase();
  const local = email.split('@', 1)[0] ?? '';
  const strip = (s: string): string => s.replace(TRAILING_JUNK, '');
  if (lower === email || lower === local || (strip(local) !== '' && strip(lower) === strip(local))) {
    return [{ field, message: 'must not be your email address or its part before @' }];
  }
  if (isCommonPassword(password)) {
    return [{ field, message: 'is too common; choose a longer phrase that others would not guess' }];
  }
  return [];
}
