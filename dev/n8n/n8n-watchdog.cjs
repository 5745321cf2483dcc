'use strict';
/**
 * Runs `node <n8n entry point> start` (or `npm run dev`'s watch build) as a child and ties its life to
 * the process that started it, a test or the dev stack.
 *
 * Usage: node n8n-watchdog.cjs <script> [arguments], e.g. <n8n entry point> start
 *
 * The harness starts this script as the leader of a new process group and keeps its stdin open. When the
 * test process goes away for any reason (a crash, SIGKILL from a CI timeout, jest --forceExit), stdin
 * ends and the whole group - n8n and the task runner it spawned - is killed, so nothing outlives the tests.
 * Jest cannot do this itself: its sandboxed `process` never delivers the 'exit' event to test code.
 * SIGTERM is forwarded so that stop() still gets n8n's graceful shutdown.
 */
const { spawn } = require('node:child_process');

const n8n = spawn(process.execPath, process.argv.slice(2), { stdio: ['ignore', 'inherit', 'inherit'] });

process.on('SIGTERM', () => n8n.kill('SIGTERM'));
n8n.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

process.stdin.on('end', () => process.kill(-process.pid, 'SIGKILL'));
process.stdin.resume();
