// Both of n8n's rule sets, as n8n's community-package scanner applies them, with zero warnings
// allowed (`--max-warnings 0`). Where they disagree, the newer @n8n/eslint-plugin-community-nodes wins.
import tsParser from '@typescript-eslint/parser';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

export default [
	{ ignores: ['dist/**', 'node_modules/**', '.tmp/**', '.n8n-dev/**', 'test/**', 'emulator/**', 'dev/**', 'bench/**', 'scripts/**', '*.js', '*.mjs'] },
	n8nCommunityNodesPlugin.configs.recommended,
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['**/*.ts', 'package.json'], languageOptions: { parser: tsParser } },
	{ rules: { 'no-console': 'error' } },
	{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Community credentials link to the vendor's docs, not to n8n's docs site.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			// The newer credential-password-field rule checks this more precisely.
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// The newer rule set requires NodeConnectionTypes.Main instead of the string 'main'.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			// Stripe's own maxima (e.g. 100 per page, 365 days) are real limits worth enforcing.
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
];
