import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The renderer's own modules import shared code through the alias of tsconfig.web.json.
  resolve: { alias: { '@shared': fileURLToPath(new URL('src/shared', import.meta.url)) } },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Generous: many tests start job processes under tsx, slow on a busy 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
