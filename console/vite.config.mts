import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/console/',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // The CSP allows no inline script, and the module preload polyfill is not needed by evergreen browsers.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
