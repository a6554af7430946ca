import { Badge, Button, Group, Table, Text } from '@mantine/core';

/** The object an audit record names: its type, and the start of its id (the whole id on hover). */
export function AuditObjectCell({ type, id, suffix }: { type: string | null; id: string | null; suffix?: string }) {
  return (
    <Table.Td>
      {type ?? ''}
      {id !== null && (
        <Text span size="xs" c="dimmed" ml={4} title={id}>
          {id.slice(0, 8)}
        </Text>
      )}
      {suffix}
    </Table.Td>
  );
}

/** success, denied or failure, coloured. */
export function AuditOutcomeCell({ outcome }: { outcome: string }) {
  return (
    <Table.Td>
      <Badge
        size="xs"
        variant="light"
        color={outcome === 'success' ? 'green' : outcome === 'denied' ? 'orange' : 'red'}
      >
        {outcome}
      </Badge>
    </Table.Td>
  );
}

/** The client address, with its user agent on hover. */
export function AuditClientCell({ ip, userAgent }: { ip: string | null; userAgent: string | null }) {
  return <Table.Td title={userAgent ?? ''}>{ip ?? ''}</Table.Td>;
}

/** "More" under a paged list, while there is a next page. */
export function LoadMore({
  query,
  label,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
  label: string;
}) {
  if (!query.hasNextPage) return null;
  return (
    <Group justify="center">
      <Button variant="default" onClick={() => void query.fetchNextPage()} loading={query.isFetchingNextPage}>
        {label}
      </Button>
    </Group>
  );
}
