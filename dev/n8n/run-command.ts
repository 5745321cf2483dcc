import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

export interface RunCommandOptions {
	cwd: string;
	env?: NodeJS.ProcessEnv;
	/** Output is appended here instead of being kept in memory, so long npm installs leave a readable trail. */
	logFile?: string;
}

const FAILURE_OUTPUT_TAIL_CHARS = 4000;

/**
 * Runs a command to completion and resolves with its stdout. On a non-zero exit it rejects with
 * the tail of the combined output, because npm's useful error is always at the end.
 */
export function runCommand(command: string, args: string[], options: RunCommandOptions): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let stdout = '';
		let combined = '';
		const collect = (chunk: Buffer, isStdout: boolean): void => {
			const text = chunk.toString('utf8');
			if (isStdout) stdout += text;
			combined = (combined + text).slice(-FAILURE_OUTPUT_TAIL_CHARS);
			if (options.logFile) appendFileSync(options.logFile, text);
		};
		child.stdout.on('data', (chunk: Buffer) => collect(chunk, true));
		child.stderr.on('data', (chunk: Buffer) => collect(chunk, false));
		child.on('error', reject);
		child.on('close', (code, signal) => {
			if (code === 0) {
				resolve(stdout);
				return;
			}
			const how = signal ? `signal ${signal}` : `exit code ${code}`;
			reject(new Error(`\`${command} ${args.join(' ')}\` in ${options.cwd} failed with ${how}:\n${combined}`));
		});
	});
}

/**
 * The environment for a child npm: `npm test` passes its config to scripts as npm_config_* (this repo's
 * ignore-scripts=true would turn `npm rebuild` into a no-op, a prefix would redirect installs).
 */
export function cleanNpmEnv(pathPrefix?: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
	}
	if (pathPrefix) env.PATH = `${pathPrefix}:${process.env.PATH ?? ''}`;
	return env;
}
