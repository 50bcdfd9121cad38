import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ['node_modules/**', '.next/**', '.next-*/**', '.data/**', 'lib/db/generated/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**'],
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Components sit above lib/: they reach data through server actions (lib/actions) and typed
    // lib/ modules, never the database, and never back up into app/.
    files: ['components/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@/lib/db', '@/lib/db/**'], message: 'Components never touch the database: use a server action from @/lib/actions or a lib/ module.' },
            { group: ['@/app', '@/app/**'], message: 'Components never import from app/: server actions live in @/lib/actions.' },
          ],
        },
      ],
    },
  },
];
export default config;
