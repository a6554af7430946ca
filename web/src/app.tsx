import { MantineProvider, createTheme } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ApiError } from './api';
import { Layout } from './layout';
import { NotFoundPage } from './pages/not-found-page';
import { TemplateFormPage } from './pages/template-form-page';
import { TemplatesPage } from './pages/templates-page';

const FONT = "'Noto Sans JP', system-ui, sans-serif";

const theme = createTheme({
  fontFamily: FONT,
  headings: { fontFamily: FONT },
  primaryColor: 'blue',
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Templates change only with a server upgrade.
      staleTime: 5 * 60_000,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

export function App() {
  return (
    <MantineProvider theme={theme} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <Layout>
            <Routes>
              <Route path="/" element={<TemplatesPage />} />
              <Route path="/templates" element={<TemplatesPage />} />
              <Route path="/templates/:id/:edition" element={<TemplateFormPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Layout>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
