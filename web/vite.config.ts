import { defineConfig } from "vite";

// Node global, declared here so type-checking needs no @types/node.
declare const process: { env: Record<string, string | undefined> };

// The hub embeds dist/ (see embed.go), so the build must be byte-for-byte reproducible:
// content-hashed file names, no timestamps, no source maps with absolute paths.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev` proxies the API to a hub on :8080 (override with VIGIL_HUB).
    proxy: {
      "/api": { target: process.env.VIGIL_HUB ?? "http://127.0.0.1:8080", ws: true, changeOrigin: false },
    },
  },
});
