/**
 * Credential data for a Stripe emulator or fake Stripe on this machine, set as a user sets it:
 * *Custom API Base URL* on and the emulator's URL (http is allowed only to loopback hosts). Tests,
 * benchmarks and `npm run dev` all create their credentials here, so the toggle lives in one place.
 */
export function emulatorKeyCredential(stripe: { url: string }, apiKey: string, accountId = '') {
	return { apiKey, accountId, customBaseUrl: true, baseUrl: stripe.url };
}

/** The Connect OAuth2 credential's fields for the emulator's OAuth endpoints and API. */
export function emulatorConnectCredential(stripe: { url: string }, clientId: string, clientSecret: string) {
	return {
		clientId,
		clientSecret,
		customBaseUrl: true,
		apiBaseUrl: stripe.url,
		customAuthUrl: `${stripe.url}/oauth/authorize`,
		customAccessTokenUrl: `${stripe.url}/oauth/token`,
	};
}
