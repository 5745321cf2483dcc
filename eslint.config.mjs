// n8n's own lint for what the package ships (the config `n8n-node lint` enforces in strict mode),
// and typescript-eslint's recommended rules over every other TypeScript file: tests, the Stripe
// emulator, the dev stack, benchmarks and scripts. `npm run lint` allows zero warnings.
import js from '@eslint/js';
import { config as n8nNodeConfig } from '@n8n/node-cli/eslint';
import { globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** What npm publishes and n8n loads: n8n's community-node rules apply here. */
const SHIPPED = ['nodes/**/*.ts', 'credentials/**/*.ts'];

/** node-cli's blocks aimed at every TypeScript file, narrowed to what the package ships. */
const n8nForShippedCode = n8nNodeConfig.map((block) =>
	block.files?.includes('**/*.ts') ? { ...block, files: SHIPPED } : block,
);

export default tseslint.config(
	globalIgnores(['dist/**', 'node_modules/**', '.tmp/**', '.n8n-dev/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs']),
	...n8nForShippedCode,
	{
		files: ['**/*.ts'],
		ignores: SHIPPED,
		extends: [js.configs.recommended, tseslint.configs.recommended],
		rules: {
			// A leading underscore marks a value taken out on purpose (`const { id: _id, ...rest } = object`).
			// A `let` that a callback reads before its one assignment (e.g. a signal handler set up before the thing it stops).
			'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
		},
	},
);
