import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Generous: many tests start job processes under tsx, slow on a busy 2-core machine.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
})
