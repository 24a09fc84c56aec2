import { defineConfig } from 'vitest/config';

// Server tests run on the embedded database, and again on a real Postgres when TEST_DATABASE_URL
// is set. Browser tests (e2e/) run against the built server in Debian's Chromium.
const pgUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true as const,
        test: {
          name: 'server:embedded',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          env: { RTCHAT_TEST_DB: 'embedded' },
        },
      },
      ...(pgUrl
        ? [
            {
              extends: true as const,
              test: {
                name: 'server:postgres',
                include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
                env: { RTCHAT_TEST_DB: 'postgres' },
              },
            },
          ]
        : []),
      {
        extends: true as const,
        test: { name: 'client', include: ['client/src/**/*.test.{ts,tsx}'] },
      },
      {
        extends: true as const,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
