import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// The SPA lives in client/ and builds into dist/public, which the server serves (hashed assets
// under /assets with a long cache lifetime, index.html for client routes). In development Vite
// serves the app and proxies the API and the WebSocket to the server on port 3000.
const root = import.meta.dirname;
const api = process.env.RTCHAT_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: resolve(root, 'client'),
  plugins: [react(), tailwindcss()],
  build: {
    outDir: resolve(root, 'dist/public'),
    emptyOutDir: true,
    // Maps are built for error reporting but not referenced by the bundles; the server never serves them.
    sourcemap: 'hidden',
    target: 'es2022',
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/ws': { target: api, ws: true, changeOrigin: false },
    },
  },
});
