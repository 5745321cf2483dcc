import type { StripeMode } from './stripeClient';

/** Secret and restricted keys read data; publishable keys and anything else cannot. */
const KEY_PREFIX = /^(rk|sk)_(test|live)_[A-Za-z0-9]+$/;

export function keyMode(apiKey: string): StripeMode | undefined {
	const match = KEY_PREFIX.exec(apiKey.trim());
	return match ? (match[2] as StripeMode) : undefined;
}

