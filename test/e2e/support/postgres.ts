/** The local PostgreSQL the end-to-end tests write into (trust auth on loopback), through psql. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PG = {
	host: process.env.PGHOST ?? '127.0.0.1',
	port: Number(process.env.PGPORT ?? 5432),
	database: process.env.PGDATABASE ?? 'test',
	user: process.env.PGUSER ?? 'root',
};

/** Runs the statement and returns its rows, one line each, columns separated by `|`. */
export async function sql(statement: string): Promise<string[]> {
	const { stdout } = await run('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', PG.database, '-v', 'ON_ERROR_STOP=1', '-At', '-c', statement], {
		maxBuffer: 64 * 1024 * 1024,
	});
	return stdout.split('\n').filter(Boolean);
}

/** n8n's Postgres credential for this database, named as the templates name it. */
export const POSTGRES_CREDENTIAL = {
	host: PG.host,
	port: PG.port,
	database: PG.database,
	user: PG.user,
	password: '',
	ssl: 'disable',
	allowUnauthorizedCerts: false,
	maxConnections: 5,
	sshTunnel: false,
};
