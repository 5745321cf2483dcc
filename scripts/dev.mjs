// Placeholder until the dev stack (emulator, seeded demo account, n8n with the package) exists.
import { execSync } from 'node:child_process';

execSync('npm run build', { stdio: 'inherit' });
console.log('\nBuilt dist/. The full dev stack (n8n + Stripe emulator + templates) is not wired yet;');
console.log('to try the package now: npm pack, then npm install the tarball in ~/.n8n/nodes and restart n8n.');
