import { defineConfig, type Plugin } from 'vite';

const webDir = decodeURIComponent(new URL('.', import.meta.url).pathname);

/**
 * Fontsource's CSS lists a woff fallback after each woff2 file. Every browser that runs this UI reads woff2, so the
 * fallbacks are dropped and web/dist carries half the font files.
 */
function woff2Only(): Plugin {
  return {
    name: 'openmds-woff2-only',
    enforce: 'pre',
    transform(code, id) {
      if (!/@fontsource\/.+\.css$/.test(id)) return null;
      return { code: code.replace(/,\s*url\([^)]+\.woff\)\s*format\(['"]woff['"]\)/g, ''), map: null };
    },
  };
}

export default defineConfig({
  root: webDir,
  base: '/',
  plugins: [woff2Only()],
  // Vite 8 transforms TSX with Oxc; no React plugin is needed for a production build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs: fonts must come from 'self' under the server's CSP.
    assetsInlineLimit: 0,
    // One file for the whole UI (about 280 kB gzipped with the workspace, its editor, publishing and exchange):
    // cached for a year (immutable, hashed), and one request on a hospital network beats a dozen small ones.
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      // The editor imports the domain's pure functions (validateAnswers, compileTemplate, normalizeStatement). Their
      // modules have no side effects, so what the browser does not call is left out: above all validateStatement's
      // ajv schema check, whose runtime code generation (new Function) the CSP (script-src 'self') would refuse.
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/]src[\\/]domain[\\/]/.test(id),
        // The domain declares its TypeBox schemas at the top level; building them has no effect the UI needs.
        manualPureFunctions: ['Type'],
      },
      onLog(level, log, handler) {
        // Mantine marks its modules "use client" for React Server Components; meaningless in a client bundle.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    // `vite --config web/vite.config.ts` during development, with the API served by `npm run dev`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
