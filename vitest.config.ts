import { defineConfig } from 'vitest/config';
import { isPostgresJsNullSocketWrite } from './src/db/postgres-guard.js';

// Every suite runs on embedded PGlite; when TEST_DATABASE_URL is set, the same suites run again against that
// real PostgreSQL server (test/helpers/db.ts reads TEST_DB_DRIVER to pick the driver).
const realPg = process.env.TEST_DATABASE_URL;

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // PGlite instances are memory-hungry; two workers fit a 2-core CI machine.
    maxWorkers: 2,
    // The database-loss tests kill connections mid-write, which trips a known postgres.js 3.4.9 stray throw
    // (see src/db/postgres-guard.ts; the server ignores it the same way). Every other unhandled error fails the run.
    onUnhandledError: (err) => (isPostgresJsNullSocketWrite(err) ? false : undefined),
    projects: [
      {
        extends: true as const,
        // `*.postgres.test.ts` need a real server (they take it away and bring it back).
        test: { name: 'pglite', include: ['test/**/*.test.ts'], exclude: ['test/**/*.postgres.test.ts'], env: { TEST_DB_DRIVER: 'pglite' } },
      },
      ...(realPg
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: ['test/**/*.test.ts'],
                // Pure suites (cards, domain parsers, platform crypto) gain nothing from a second run.
                exclude: ['test/cards/**', 'test/domain/**', 'test/**/*.pglite.test.ts'],
                env: { TEST_DB_DRIVER: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
