import { Container, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, type ReactNode } from 'react';

/** A workspace page: its title (also the document's), an optional line under it, actions on the right. */
export function Page({
  title,
  subtitle,
  actions,
  children,
  size = 'xl',
  testId,
}: {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  size?: string;
  testId?: string;
}) {
  useEffect(() => {
    document.title = `${title} — OpenMDS`;
  }, [title]);
  return (
    <Container size={size} py="md" data-testid={testId}>
      <Stack gap="lg">
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <Stack gap={2}>
            <Title order={1} size="h2">
              {title}
            </Title>
            {subtitle !== undefined && (
              <Text size="sm" c="dimmed" component="div">
                {subtitle}
              </Text>
            )}
          </Stack>
          {actions}
        </Group>
        {children}
      </Stack>
    </Container>
  );
}
