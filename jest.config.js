/**
 * Unit and emulator tests run in parallel; tests that drive a real n8n share one instance and run in band.
 * Tests live only in test/; the code they cover is in the other roots, so `jest --watch` and
 * `--findRelatedTests` see a change to it.
 */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test', '<rootDir>/nodes', '<rootDir>/credentials', '<rootDir>/emulator', '<rootDir>/dev'],
	testMatch: ['<rootDir>/test/**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
	testTimeout: 30000,
};
