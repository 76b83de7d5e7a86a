import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

// main also builds the CLI and the job-process entry, so plain Node runs them from out/main.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/desktop/index.ts'),
          cli: resolve(__dirname, 'src/main/cli/index.ts'),
          worker: resolve(__dirname, 'src/main/worker/index.ts'),
          // The bag trainer's threads (worker_threads of a train job), found beside worker.js.
          'bag-thread': resolve(__dirname, 'src/main/core/engine/bag-thread.ts'),
          // The recurrent scorer's thread (a worker_thread of a score job).
          'recurrent-thread': resolve(__dirname, 'src/main/core/engine/recurrent-thread.ts'),
          // The second direction of a bidirectional LSTM on the native CPU rung (a train job's thread).
          'direction-thread': resolve(__dirname, 'src/main/core/engine/recurrent/direction-thread.ts'),
          // A score job's reading thread, found beside worker.js too.
          'score-read-thread': resolve(__dirname, 'src/main/core/scoring/read-thread.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // The sandboxed preload cannot require packages: bundle the contract (zod included) into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/renderer/index.html') },
      },
    },
    resolve: {
      alias: { '@shared': resolve(__dirname, 'src/shared') },
    },
    plugins: [vue()],
  },
})
