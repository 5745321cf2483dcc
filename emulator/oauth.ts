/**
 * Stripe Connect's OAuth endpoints (https://docs.stripe.com/connect/oauth-reference), served on the
 * emulator's own host: `/oauth/authorize` consents at once for a new connected account and
 * redirects back with a code; `/oauth/token` trades the code (or a refresh token) for an access
 * token that acts as that account; `/oauth/deauthorize` disconnects it, after which its tokens
 * answer 401 "Expired API Key provided" as Stripe's do.
 */
import { randomBytes } from 'node:crypto';
import type * as http from 'node:http';

import type { StripeEmulator } from './emulator';
import { parseForm } from './form';
import { readBody, send } from './server';
import type { Mode } from './store';

interface Grant {
	account: string;
	mode: Mode;
	accessToken: string;
	refreshToken: string;
}

const token = (prefix: string): string => prefix + randomBytes(24).toString('base64url').replace(/[-_]/g, 'x');

export class ConnectOAuth {
	/** The platform's Connect client id (`ca_…`), shown in Dashboard → Connect → Settings. */
	readonly clientId = 'ca_' + 'EmulatorPlatform00000000000000';
	private readonly codes = new Map<string, { account: string; mode: Mode; redirectUri: string | null }>();
	private readonly grants = new Map<string, Grant>();
	/** Every token handed out, deauthorized ones included, for secret searches. */
	private readonly issued: string[] = [];

	constructor(private readonly emulator: StripeEmulator) {}

	/** The connected accounts that granted access, newest last. */
	connectedAccounts(): string[] {
		return [...this.grants.values()].map((grant) => grant.account);
	}

	authorize(query: URLSearchParams): { status: number; location?: string; error?: string } {
		if (query.get('response_type') !== 'code') return { status: 400, error: 'response_type must be "code".' };
		if (query.get('client_id') !== this.clientId) return { status: 400, error: `No application matches the client_id "${query.get('client_id') ?? ''}".` };
		const scope = query.get('scope') ?? 'read_only';
		if (scope !== 'read_write' && scope !== 'read_only') return { status: 400, error: `Invalid scope "${scope}".` };
		const redirectUri = query.get('redirect_uri');
		if (!redirectUri) return { status: 400, error: 'redirect_uri is required by this emulator.' };
		const account = this.emulator.ids.next('acct', 16);
		this.emulator.dataset({ account });
		const code = token('ac_');
		this.codes.set(code, { account, mode: 'test', redirectUri });
		const location = new URL(redirectUri);
		location.searchParams.set('code', code);
		location.searchParams.set('scope', scope);
		if (query.get('state') !== null) location.searchParams.set('state', query.get('state') as string);
		return { status: 302, location: location.toString() };
	}

	/** Stripe authenticates the platform by its secret key, sent as `client_secret` (or Basic auth). */
	token(form: Record<string, unknown>, authorization: string | undefined): { status: number; body: Record<string, unknown> } {
		const basic = authorization?.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':')[0] : undefined;
		const platformKey = String(form.client_secret ?? basic ?? '');
		if (platformKey !== this.emulator.keys.secretTest && platformKey !== this.emulator.keys.secretLive) {
			return oauthError(401, 'invalid_client', 'No such API key or the key is not a platform secret key.');
		}
		if (form.grant_type === 'authorization_code') {
			const pending = this.codes.get(String(form.code ?? ''));
			if (!pending) return oauthError(400, 'invalid_grant', `Authorization code does not exist: ${String(form.code ?? '')}`);
			this.codes.delete(String(form.code));
			const grant: Grant = { account: pending.account, mode: pending.mode, accessToken: '', refreshToken: token('rt_') };
			this.issueAccessToken(grant);
			this.grants.set(grant.refreshToken, grant);
			return { status: 200, body: tokenResponse(grant) };
		}
		if (form.grant_type === 'refresh_token') {
			const grant = this.grants.get(String(form.refresh_token ?? ''));
			if (!grant) return oauthError(400, 'invalid_grant', `Refresh token does not exist: ${String(form.refresh_token ?? '')}`);
			this.emulator.keyRing.revoke(grant.accessToken);
			this.issueAccessToken(grant);
			return { status: 200, body: tokenResponse(grant) };
		}
		return oauthError(400, 'unsupported_grant_type', `Unsupported grant_type: ${String(form.grant_type ?? '')}`);
	}

	/** Every access and refresh token issued so far, newest last. */
	issuedTokens(): string[] {
		return [...this.issued];
	}

	/** Disconnects the account: every token of its grant stops working. */
	deauthorize(account: string): boolean {
		let found = false;
		for (const [refreshToken, grant] of this.grants) {
			if (grant.account !== account) continue;
			this.emulator.keyRing.revoke(grant.accessToken);
			this.grants.delete(refreshToken);
			found = true;
		}
		return found;
	}

	private issueAccessToken(grant: Grant): void {
		const key = this.emulator.keyRing.create('secret', grant.mode);
		key.account = grant.account;
		grant.accessToken = key.secret;
		this.issued.push(grant.accessToken, grant.refreshToken);
	}
}

function tokenResponse(grant: Grant): Record<string, unknown> {
	return {
		access_token: grant.accessToken,
		refresh_token: grant.refreshToken,
		token_type: 'bearer',
		scope: 'read_write',
		livemode: grant.mode === 'live',
		stripe_user_id: grant.account,
		stripe_publishable_key: `pk_${grant.mode}_${grant.account.slice(5)}`,
	};
}

function oauthError(status: number, error: string, description: string): { status: number; body: Record<string, unknown> } {
	return { status, body: { error, error_description: description } };
}

export async function handleOAuth(emulator: StripeEmulator, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
	const url = new URL(req.url ?? '/', 'http://emulator.local');
	const method = (req.method ?? 'GET').toUpperCase();
	if (url.pathname === '/oauth/authorize' && method === 'GET') {
		const outcome = emulator.oauth.authorize(url.searchParams);
		if (outcome.location) {
			res.writeHead(302, { Location: outcome.location });
			res.end();
			return;
		}
		return send(res, outcome.status, JSON.stringify({ error: 'invalid_request', error_description: outcome.error }), {});
	}
	const form = parseForm(await readBody(req));
	if (url.pathname === '/oauth/token' && method === 'POST') {
		const outcome = emulator.oauth.token(form, req.headers.authorization);
		return send(res, outcome.status, JSON.stringify(outcome.body), {});
	}
	if (url.pathname === '/oauth/deauthorize' && method === 'POST') {
		const account = String(form.stripe_user_id ?? '');
		if (!emulator.oauth.deauthorize(account)) {
			return send(res, 400, JSON.stringify({ error: 'invalid_client', error_description: `${account} is not connected to your application.` }), {});
		}
		return send(res, 200, JSON.stringify({ stripe_user_id: account }), {});
	}
	return send(res, 404, JSON.stringify({ error: 'invalid_request', error_description: `Unrecognized request URL (${method}: ${url.pathname}).` }), {});
}
