/** Templates reference the package's credential by type; the dev stack points those references at its own. */
import type { INode } from 'n8n-workflow';
import { withDevCredentials } from '../../dev/templates';

function node(name: string, credentials?: INode['credentials']): INode {
	return { id: name, name, type: 'test.node', typeVersion: 1, position: [0, 0], parameters: {}, credentials };
}

describe('withDevCredentials', () => {
	it('points references of the dev types at the dev credentials and leaves other references alone', () => {
		const dev = {
			stripeRestrictedKeyApi: { id: 'cred-stripe', name: 'Stripe (dev)', type: 'stripeRestrictedKeyApi' },
			smtp: { id: 'cred-smtp', name: 'SMTP (dev inbox)', type: 'smtp' },
		};
		const nodes = [
			node('Trigger', { stripeRestrictedKeyApi: { id: 'REPLACE_ME', name: 'Stripe account' } }),
			node('Mail', { smtp: { id: null, name: 'SMTP account' } }),
			node('CRM', { hubspotApi: { id: 'user-set', name: 'HubSpot' } }),
			node('Note'),
		];

		expect(withDevCredentials(nodes, dev).map((rewritten) => rewritten.credentials)).toEqual([
			{ stripeRestrictedKeyApi: { id: 'cred-stripe', name: 'Stripe (dev)' } },
			{ smtp: { id: 'cred-smtp', name: 'SMTP (dev inbox)' } },
			{ hubspotApi: { id: 'user-set', name: 'HubSpot' } },
			undefined,
		]);
	});
});
