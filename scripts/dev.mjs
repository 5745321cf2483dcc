// `npm run dev`: compiles the dev stack (dev/, with the Stripe emulator and the n8n harness it uses;
// tsconfig.tools.json) into .tmp/tools and runs it until Ctrl-C. The stack builds the package itself,
// in watch mode, where its n8n reloads it (dev/watchBuild.ts). See dev/main.ts for the options.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const startedAt = Date.now();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const step = (message) => process.stderr.write(`[dev] ${message}\n`);

step('compiling the dev stack, the emulator and the n8n harness into .tmp/tools');
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.tools.json')], {
	cwd: root,
	stdio: 'inherit',
});

const { main } = require(join(root, '.tmp', 'tools', 'dev', 'main.js'));
main(process.argv.slice(2), startedAt).catch((error) => {
	// The message says what to do (a wrong key, a port in use, n8n's log tail); a stack would bury it.
	step(`failed: ${error.message}`);
	process.exit(1);
});
