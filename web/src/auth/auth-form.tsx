import { Alert, Container, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import i18n from 'i18next';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';
import type { Messages } from '../messages';

/** A narrow card for the sign-in, sign-up and setup forms. */
export function AuthCard({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  return (
    <Container size={460} py="xl">
      <Paper withBorder shadow="sm" p="xl" radius="md">
        <Stack gap="md">
          <Title order={1} size="h3">
            {title}
          </Title>
          {intro !== undefined && (
            <Text size="sm" c="dimmed" component="div">
              {intro}
            </Text>
          )}
          {children}
        </Stack>
      </Paper>
    </Container>
  );
}

/** The field an API error names ("password: too short" → password), and its message. */
export function fieldError(error: unknown): { field: string | null; message: string } | null {
  if (!(error instanceof ApiError)) return error instanceof Error ? { field: null, message: error.message } : null;
  const m = /^(?:body\/)?([A-Za-z]+): (.+)$/.exec(error.message);
  return m === null ? { field: null, message: error.message } : { field: m[1] ?? null, message: m[2] ?? error.message };
}

/** The message of an error that names no field of the form, as an alert. */
export function FormError({ error, fields }: { error: unknown; fields: readonly string[] }) {
  const { t } = useTranslation();
  if (error === null || error === undefined) return null;
  const e = fieldError(error);
  if (e === null) return null;
  if (e.field !== null && fields.includes(e.field)) return null;
  let text = e.message;
  if (error instanceof ApiError) {
    if (error.status === 429) {
      const s = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      text = t('auth.rateLimited', { seconds: s ?? 60 });
    } else if (error.status === 401) text = t('auth.wrongCredentials');
    else if (error.status === 403 && error.code === 'forbidden') text = t('auth.forbidden', { message: error.message });
  } else text = t('app.networkError');
  return (
    <Alert color="red" role="alert" p="sm" data-testid="form-error">
      {text}
    </Alert>
  );
}

/**
 * The server's messages about a field that users meet most (passwords, codes), in the interface's language: the API
 * speaks English, the rest pass as they are. Each pattern's captures feed its message's {{a}}, {{b}}.
 */
type FieldMessageKey = `fieldErrors.${keyof Messages['fieldErrors']}`;

const FIELD_MESSAGES: readonly [RegExp, FieldMessageKey][] = [
  [/^is wrong, expired or used already$/, 'fieldErrors.codeWrong'],
  [/^is wrong(?:;.*)?$/, 'fieldErrors.wrong'],
  [/^is too common\b/, 'fieldErrors.tooCommon'],
  [/^must be at least (\d+) characters \(it has (\d+)\)$/, 'fieldErrors.tooShort'],
  [/^must be at most (\d+) characters$/, 'fieldErrors.tooLong'],
  [/^must not be your email address/, 'fieldErrors.notEmail'],
  [/^must differ from your current password$/, 'fieldErrors.notCurrent'],
  [/^must differ from your last (\d+) passwords/, 'fieldErrors.notRecent'],
  [/^is required\b/, 'fieldErrors.required'],
];

export function localizeFieldMessage(message: string): string {
  if (i18n.language !== 'ja') return message;
  for (const [pattern, key] of FIELD_MESSAGES) {
    const m = pattern.exec(message);
    if (m !== null) return i18n.t(key, { a: m[1], b: m[2] });
  }
  return message;
}

/** The message for one field, when the error names it. */
export function errorFor(error: unknown, field: string): string | undefined {
  const e = fieldError(error);
  return e !== null && e.field === field ? localizeFieldMessage(e.message) : undefined;
}

export const MIN_PASSWORD = 12;
