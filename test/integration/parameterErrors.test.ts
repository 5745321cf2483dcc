/**
 * Every parameter the two action nodes and the trigger refuse, in n8n-core's engine against the
 * emulator: the error names what was wrong and carries, in n8n's description line, what to do.
 */
import { NodeOperationError, type IDataObject, type INodeParameters, type INodeType } from 'n8n-workflow';

import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { StripeLifecycleTrigger } from '../../nodes/StripeLifecycleTrigger/StripeLifecycleTrigger.node';
import { StripePlaybook } from '../../nodes/StripePlaybook/StripePlaybook.node';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { emulatorKeyCredential } from '../../dev/credentials';
import { runNode, TriggerHarness } from '../../dev/n8nCoreRunner';

let emulator: RunningEmulator;

beforeAll(async () => {
	emulator = await startEmulator();
});

afterAll(async () => {
	await emulator.close();
});

function credentials() {
	return { stripeRestrictedKeyApi: emulatorKeyCredential(emulator, emulator.keys.secretTest) };
}

async function refusal(node: INodeType, parameters: INodeParameters, input: IDataObject[] = [{}]): Promise<NodeOperationError> {
	const error = await runNode({ node, parameters, credentials: credentials(), input }).catch((caught: unknown) => caught);
	expect(error).toBeInstanceOf(NodeOperationError);
	return error as NodeOperationError;
}

const lifecycle = (parameters: INodeParameters) => refusal(new StripeLifecycle(), parameters);

describe('parameter errors say what to do', () => {
	it.each<[string, () => Promise<NodeOperationError>, RegExp]>([
		['Activity → Get Many, 0 days', () => lifecycle({ resource: 'activity', operation: 'getMany', days: '={{ 0 }}' }), /^Days must be/],
		['Customer → Get Profile, a malformed id', () => lifecycle({ resource: 'customer', operation: 'getProfile', findBy: 'id', customer: { __rl: true, mode: 'id', value: '={{ "customer-42" }}' } }), /is not a Stripe customer ID/],
		['Customer → Get Profile, not an email', () => lifecycle({ resource: 'customer', operation: 'getProfile', findBy: 'email', email: 'someone@' }), /is not an email address/],
		['Customer → Get Profile, an email no customer has', () => lifecycle({ resource: 'customer', operation: 'getProfile', findBy: 'email', email: 'nobody@example.com' }), /^No Stripe customer has the email/],
		['Customer → Get Many, a filter that is not an email', () => lifecycle({ resource: 'customer', operation: 'getMany', returnAll: true, filters: { email: 'not an email' } }), /is not an email address/],
		['Customer → Get Many, Created After not a date', () => lifecycle({ resource: 'customer', operation: 'getMany', returnAll: true, filters: { createdAfter: '={{ "soon" }}' } }), /is not a date/],
		['Customer → Get Many, the dates swapped', () => lifecycle({ resource: 'customer', operation: 'getMany', returnAll: true, filters: { createdAfter: '2026-02-01', createdBefore: '2026-01-01' } }), /^Created Before must be later/],
		['Customer → Get Many, a Limit of 0', () => lifecycle({ resource: 'customer', operation: 'getMany', returnAll: false, limit: '={{ 0 }}' }), /^Limit must be/],
		['Audience → Get Members, 0 days', () => lifecycle({ resource: 'audience', operation: 'getMembers', audience: 'trial_ending_soon', trial_ending_soon_days: '={{ 0 }}' }), /must be between 1 and 365/],
		['Metric → SaaS Report, As Of not a date', () => lifecycle({ resource: 'metric', operation: 'saasReport', options: { asOf: '={{ "someday" }}' } }), /is not a date/],
		['Metric → SaaS Report, a period of 0 days', () => lifecycle({ resource: 'metric', operation: 'saasReport', periodDays: '={{ 0 }}' }), /^Period \(Days\) must be/],
		['Metric → Payment Report, an unreadable rate', () => lifecycle({ resource: 'metric', operation: 'paymentReport', options: { rates: 'EUR is about 1.1' } }), /^Cannot read the rate/],
		['Playbook, an unknown step', () => refusal(new StripePlaybook(), { step: '={{ "farewell" }}', brandName: 'Acme' }), /^Unknown playbook step/],
		['Playbook, no brand name', () => refusal(new StripePlaybook(), { step: 'welcome', brandName: '={{ " " }}' }), /^Brand Name is empty/],
	])('%s', async (_what, run, message) => {
		const error = await run();

		expect(error.message).toMatch(message);
		expect(error.description).toEqual(expect.stringMatching(/\w{3,}/));
	});

	it('names an operation the Playbook does not have instead of running a step', async () => {
		emulator.clearRequestLog();
		const error = await refusal(new StripePlaybook(), { operation: 'sendNow', step: 'welcome', brandName: 'Acme' }, [{ id: 'cus_1', status: 'trialing', email: 'ada@example.com', name: 'Ada' }]);

		expect(error.message).toBe('The operation "sendNow" is not supported');
		expect(error.description).toMatch(/Choose the Operation/);
		expect(emulator.requestLog()).toEqual([]);
	});

	it('tells the trigger what to select when nothing is', async () => {
		const harness = new TriggerHarness({ node: new StripeLifecycleTrigger(), parameters: { categories: [], activities: [] }, credentials: credentials() });

		const error = (await harness.runWebhookMethod('create', { activation: 'activate' }).catch((caught: unknown) => caught)) as NodeOperationError;

		expect(error.message).toBe('No activities are selected');
		expect(error.description).toMatch(/Choose at least one activity/);
	});
});
