import type { INodeProperties, INodePropertyCollection } from 'n8n-workflow';

import { StripeRestrictedKeyApi } from '../../credentials/StripeRestrictedKeyApi.credentials';
import { StripeConnectOAuth2Api } from '../../credentials/StripeConnectOAuth2Api.credentials';
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { StripePlaybook } from '../../nodes/StripePlaybook/StripePlaybook.node';
import { STRIPE_API_VERSION } from '../../nodes/shared/transport/stripeClient';

/** Every parameter, the fields of collections included, with the path n8n shows it under. */
function allParameters(properties: INodeProperties[], prefix = ''): Array<{ path: string; property: INodeProperties }> {
	return properties.flatMap((property) => {
		const path = `${prefix}${property.name}`;
		const nested = (property.options ?? []).filter((option): option is INodeProperties => 'type' in option);
		const grouped = (property.options ?? []).filter((option): option is INodePropertyCollection => 'values' in option);
		return [
			{ path, property },
			...allParameters(nested, `${path}.`),
			...grouped.flatMap((group) => allParameters(group.values, `${path}.${group.name}.`)),
		];
	});
}

const DESCRIBED = {
	'Stripe Lifecycle': new StripeLifecycle().description.properties,
	'Stripe Lifecycle Trigger': new StripeLifecycleTrigger().description.properties,
	'Stripe Playbook': new StripePlaybook().description.properties,
	'Stripe Restricted Key API': new StripeRestrictedKeyApi().properties,
	'Stripe Connect OAuth2 API': new StripeConnectOAuth2Api().properties,
};

describe('node descriptions', () => {
	it.each(Object.entries(DESCRIBED))('%s: every number default lies within the range the field accepts', (_, properties) => {
		const outOfRange = allParameters(properties)
			.filter(({ property }) => property.type === 'number' && typeof property.default === 'number')
			.filter(({ property }) => {
				const { minValue, maxValue } = (property.typeOptions ?? {}) as { minValue?: number; maxValue?: number };
				return (minValue !== undefined && (property.default as number) < minValue) || (maxValue !== undefined && (property.default as number) > maxValue);
			})
			.map(({ path, property }) => `${path}: default ${String(property.default)}, range ${JSON.stringify(property.typeOptions)}`);
		expect(outOfRange).toEqual([]);
	});

	it('shows every Stripe Lifecycle field for resources and operations the node has', () => {
		const properties = DESCRIBED['Stripe Lifecycle'];
		const values = (property: INodeProperties | undefined) => (property?.options ?? []).map((option) => (option as { value: string }).value);
		const resources = values(properties.find((property) => property.name === 'resource'));
		const operationsOf = new Map(
			resources.map((resource) => [resource, values(properties.find((property) => property.name === 'operation' && property.displayOptions?.show?.resource?.[0] === resource))]),
		);
		const misplaced = allParameters(properties).flatMap(({ path, property }) => {
			const show = property.displayOptions?.show ?? {};
			const shownFor = (show.resource ?? []) as string[];
			return [
				...shownFor.filter((resource) => !resources.includes(resource)).map((resource) => `${path}: resource ${resource}`),
				...((show.operation ?? []) as string[])
					.filter((operation) => !shownFor.some((resource) => operationsOf.get(resource)?.includes(operation)))
					.map((operation) => `${path}: operation ${operation} of ${shownFor.join('/')}`),
			];
		});
		expect([...operationsOf.values()].every((operations) => operations.length > 0)).toBe(true);
		expect(misplaced).toEqual([]);
	});

	it('tells manual registration the API version the transport pins', () => {
		const notice = DESCRIBED['Stripe Lifecycle Trigger'].find((property) => property.name === 'manualNotice');
		expect(notice?.displayName).toContain(`API version ${STRIPE_API_VERSION}`);
	});
});
