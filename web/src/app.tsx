import { MantineProvider, createTheme } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ApiError } from './api';
import { ActivityPage } from './account/activity-page';
import { PasswordPage } from './account/password-page';
import { ReauthProvider, TwoFactorGate } from './account/reauth';
import { SecurityPage } from './account/security-page';
import { BreakGlassSignInPage } from './auth/break-glass-sign-in-page';
import { InvitePage } from './auth/invite-page';
import { PasswordResetConfirmPage } from './auth/password-reset-confirm-page';
import { PasswordResetRequestPage } from './auth/password-reset-request-page';
import { SetupPage } from './auth/setup-page';
import { SignInPage } from './auth/sign-in-page';
import { SignUpPage } from './auth/sign-up-page';
import { Layout } from './layout';
import { NotFoundPage } from './pages/not-found-page';
import { TemplateFormPage } from './pages/template-form-page';
import { TemplatesPage } from './pages/templates-page';
import { SessionProvider } from './session';
import { EditorPage } from './editor/editor-page';
import { HistoryPage } from './editor/history-page';
import { CollectionItemPage, CollectionPage } from './exchange/collection-page';
import { GrantsPage } from './exchange/grants-page';
import { InboxPage } from './exchange/inbox-page';
import { NotificationsPage } from './exchange/notifications-page';
import { RequestInvitationPage } from './exchange/request-invitation-page';
import { RequestsPage } from './exchange/requests-page';
import { WebhooksPage } from './exchange/webhooks-page';
import { DirectoryPage } from './publishing/directory-page';
import { PublicationPage } from './publishing/publication-page';
import { PublicationsPage } from './publishing/publications-page';
import { SigningKeyPage } from './publishing/signing-key-page';
import { VerifyPage } from './publishing/verify-page';
import { AssessmentPage } from './assessments/assessment-page';
import { AssessmentsPage } from './assessments/assessments-page';
import { DashboardPage } from './assessments/dashboard-page';
import { ComparisonPage } from './inventory/comparison-page';
import { CoveragePage } from './inventory/coverage-page';
import { SourcesPage } from './inventory/sources-page';
import { SystemPage } from './inventory/system-page';
import { SystemsPage } from './inventory/systems-page';
import { HomePage, OrgIndex, RequireMembership, RequireSession } from './shell/guards';
import { AuditPage } from './workspace/audit-page';
import { BreakGlassPage } from './workspace/break-glass-page';
import { MembersPage } from './workspace/members-page';
import { NewOrgPage } from './workspace/new-org-page';
import { ProductsPage } from './workspace/products-page';
import { StatementsPage } from './workspace/statements-page';

const FONT = "'Noto Sans JP', system-ui, sans-serif";

const theme = createTheme({
  fontFamily: FONT,
  headings: { fontFamily: FONT },
  primaryColor: 'blue',
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
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
          <SessionProvider>
            <ReauthProvider>
              <TwoFactorGate />
              <Layout>
                <Routes>
                  <Route path="/" element={<HomePage />} />
                  <Route path="/templates" element={<TemplatesPage />} />
                  <Route path="/templates/:id/:edition" element={<TemplateFormPage />} />
                  <Route path="/setup" element={<SetupPage />} />
                  <Route path="/sign-in" element={<SignInPage />} />
                  <Route path="/sign-up" element={<SignUpPage />} />
                  <Route path="/invite/:token" element={<InvitePage />} />
                  <Route path="/password-reset" element={<PasswordResetRequestPage />} />
                  <Route path="/password-reset/confirm" element={<PasswordResetConfirmPage />} />
                  <Route path="/break-glass" element={<BreakGlassSignInPage />} />
                  <Route path="/directory" element={<DirectoryPage />} />
                  <Route path="/directory/:publicationId" element={<PublicationPage />} />
                  <Route path="/verify" element={<VerifyPage />} />
                  <Route path="/requests/invite/:token" element={<RequestInvitationPage />} />
                  <Route element={<RequireSession />}>
                    <Route path="/orgs/new" element={<NewOrgPage />} />
                    <Route path="/account/password" element={<PasswordPage />} />
                    <Route path="/account/security" element={<SecurityPage />} />
                    <Route path="/account/activity" element={<ActivityPage />} />
                    <Route path="/orgs/:orgId" element={<RequireMembership />}>
                      <Route index element={<OrgIndex />} />
                      <Route path="statements" element={<StatementsPage />} />
                      <Route path="statements/:statementId" element={<EditorPage />} />
                      <Route path="statements/:statementId/history" element={<HistoryPage />} />
                      <Route path="products" element={<ProductsPage />} />
                      <Route path="members" element={<MembersPage />} />
                      <Route path="audit" element={<AuditPage />} />
                      <Route path="break-glass" element={<BreakGlassPage />} />
                      <Route path="publications" element={<PublicationsPage />} />
                      <Route path="signing-key" element={<SigningKeyPage />} />
                      <Route path="grants" element={<GrantsPage />} />
                      <Route path="inbox" element={<InboxPage />} />
                      <Route path="webhooks" element={<WebhooksPage />} />
                      <Route path="requests" element={<RequestsPage />} />
                      <Route path="collection" element={<CollectionPage />} />
                      <Route path="collection/:itemId" element={<CollectionItemPage />} />
                      <Route path="notifications" element={<NotificationsPage />} />
                      <Route path="dashboard" element={<DashboardPage />} />
                      <Route path="inventory" element={<SystemsPage />} />
                      <Route path="inventory/:systemId" element={<SystemPage />} />
                      <Route path="sources" element={<SourcesPage />} />
                      <Route path="coverage" element={<CoveragePage />} />
                      <Route path="comparison" element={<ComparisonPage />} />
                      <Route path="assessments" element={<AssessmentsPage />} />
                      <Route path="assessments/:assessmentId" element={<AssessmentPage />} />
                    </Route>
                  </Route>
                  <Route path="*" element={<NotFoundPage />} />
                </Routes>
              </Layout>
            </ReauthProvider>
          </SessionProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
}
