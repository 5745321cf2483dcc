/**
 * Activity → Get Many (the backfill) against the demo account, compared with the emulator's own
 * record of what happened: every event it emitted in the window, turned into activities by the
 * same `toActivities` the trigger uses. Inside the Events API's 30 days the two must agree
 * exactly; before that the node can only rebuild what objects still show, and each kind of
 * activity it cannot rebuild is named below (docs/ACTIVITIES.md and backfill.ts list them).
 */
import { NodeOperationError, type IDataObject, type INodeParameters } from 'n8n-workflow';

import { toActivities } from '../../nodes/shared/lifecycle/activities';
import { StripeLifecycle } from '../../nodes/StripeLifecycle/StripeLifecycle.node';
import { DAY, DOCUMENTED_PERMISSIONS, startDemoAccount, type DemoAccount } from './support/demoAccount';
import { runNode } from '../../dev/n8nCoreRunner';
import { runScenario } from '../../emulator';

const WINDOW_DAYS = 90;
const EVENTS_API_DAYS = 30;

/**
 * Activities objects cannot show once their events are gone: a subscription keeps only its
 * current plan (no `subscription.changed`), an undone cancellation leaves no trace, a reminder
 * or a preview is no state, an invoice keeps only its latest failed attempt, a customer has no
 * edit history. Older than 30 days these exist only in the emulator's own log.
 */
const EVENT_ONLY = new Set([
	'subscription.changed',
	'subscription.reactivated',
	'subscription.resumed',
	'trial.ending',
	'invoice.upcoming',
	'invoice.payment_action_required',
	'customer.updated',
	'customer.deleted',
]);

let demo: DemoAccount;

beforeAll(async () => {
	demo = await startDemoAccount({ customers: 200 });
});

afterAll(async () => {
	await demo.close();
});

interface Fact {
	activity: string;
	dedupeKey: string;
	at: number;
}

/** What happened in the window (both ends included, as the backfill reads it) by the emulator's own event log. */
function loggedFacts(from: number, to: number): Fact[] {
	return demo.emulator
		.eventLog()
		.filter((event) => event.created >= from && event.created <= to)
		.flatMap((event) => toActivities(event).map((activity) => ({ activity: activity.activity, dedupeKey: activity.dedupeKey, at: event.created })));
}

const TRIAL_OUTCOMES = new Set(['trial.converted', 'trial.expired']);

/**
 * Why the objects cannot show a logged fact, or null when they should have. Objects keep their
 * latest state only: an invoice its latest failed attempt (none once paid), a subscription its
 * current past_due or pause episode, and a trial's outcome is read from today's status.
 */
function unexplainedMissing(fact: Fact, returned: Set<string>): boolean {
	if (EVENT_ONLY.has(fact.activity)) return false;
	const dataset = demo.emulator.dataset();
	const [, objectId, qualifier] = fact.dedupeKey.split(':');
	switch (fact.activity) {
		case 'invoice.payment_failed': {
			const invoice = dataset.invoices.get(objectId)!;
			const stillFailing = invoice.status === 'open' || invoice.status === 'uncollectible';
			return stillFailing && Number(qualifier.replace('attempt_', '')) >= invoice.attempt_count;
		}
		case 'subscription.past_due':
			return dataset.subscriptions.get(objectId)!.status === 'past_due';
		case 'subscription.paused': {
			// Only the current pause is in the object, dated and keyed by status_details.paused.transitioned_at,
			// the same key the trigger gives its event: an earlier pause (since resumed) is event-only.
			const subscription = dataset.subscriptions.get(objectId)!;
			return subscription.status === 'paused' && subscription.status_details?.paused?.transitioned_at === Number(qualifier);
		}
		case 'trial.converted':
		case 'trial.expired':
			// A trial that ends by its scheduled cancellation logs converted and cancelled in one second;
			// its objects show only trial.cancelled.
			return ![...TRIAL_OUTCOMES, 'trial.cancelled'].some((outcome) => returned.has(`${outcome} ${outcome}:${objectId}`));
		default:
			return true;
	}
}

/**
 * A trial outcome read from today's status (backfill.ts: "a trial that went straight to past_due
 * shows as converted"; one converted and paused since shows as expired), where the log holds a
 * different fact for that subscription at the trial's end.
 */
function isTrialOutcomeGuess(key: string, logged: Fact[]): boolean {
	const [activity, dedupeKey] = key.split(' ');
	if (!TRIAL_OUTCOMES.has(activity)) return false;
	const subscriptionId = dedupeKey.split(':')[1];
	const trialEnd = demo.emulator.dataset().subscriptions.get(subscriptionId)!.trial_end;
	const atTrialEnd = logged.filter((fact) => fact.at === trialEnd && fact.dedupeKey.includes(subscriptionId));
	return atTrialEnd.length > 0 && atTrialEnd.every((fact) => fact.activity !== activity);
}

/** An activity by what it is: its name and its dedupeKey (log facts and node items alike). */
function keyOf(fact: Fact | IDataObject): string {
	return `${String(fact.activity)} ${String(fact.dedupeKey)}`;
}

function backfill(parameters: INodeParameters = {}, permissions = DOCUMENTED_PERMISSIONS) {
	return runNode({
		node: new StripeLifecycle(),
		parameters: { resource: 'activity', operation: 'getMany', days: WINDOW_DAYS, ...parameters, options: { requestsPerSecond: 100 } },
		credentials: demo.credentials(permissions),
	});
}

describe('Activity → Get Many (backfill)', () => {
	it('returns what the event log says happened in 90 days, exactly within the Events API\'s 30', async () => {
		const now = demo.emulator.now();
		// Exact history begins 6 hours inside Stripe's 30 days (docs/SYNC.md).
		const exactFrom = now - EVENTS_API_DAYS * DAY + 6 * 3600;
		const logged = loggedFacts(now - WINDOW_DAYS * DAY, now);

		const [items] = await backfill();

		const returned = new Set(items.map((item) => keyOf(item.json)));
		expect(returned.size).toBe(items.length);
		const missing = logged.filter((fact) => !returned.has(keyOf(fact)));
		const loggedKeys = new Set(logged.map(keyOf));
		const extra = items.filter((item) => !loggedKeys.has(keyOf(item.json))).map((item) => item.json);

		// Inside the Events API's reach the two agree exactly.
		expect(missing.filter((fact) => fact.at >= exactFrom)).toEqual([]);
		expect(extra.filter((item) => Date.parse(String(item.occurredAt)) / 1000 >= exactFrom)).toEqual([]);
		// Before it, every difference is one of the documented approximations, and nothing else.
		const trialGuesses = new Set(extra.map(keyOf));
		expect(missing.filter((fact) => unexplainedMissing(fact, returned)).map(keyOf)).toEqual([]);
		expect([...trialGuesses].filter((key) => !isTrialOutcomeGuess(key, logged))).toEqual([]);

		const times = items.map((item) => Date.parse(String(item.json.occurredAt)));
		expect(times).toEqual([...times].sort((a, b) => a - b));
		expect(times[0]).toBeGreaterThanOrEqual((now - WINDOW_DAYS * DAY) * 1000);
	});

	it('keeps only the selected categories and activities', async () => {
		const [items] = await backfill({ categories: ['trial'], activities: ['charge.refunded'] });
		const [all] = await backfill();

		const expected = all.filter((item) => item.json.category === 'trial' || item.json.activity === 'charge.refunded');
		expect(items.map((item) => keyOf(item.json))).toEqual(expected.map((item) => keyOf(item.json)));
		expect(new Set(items.map((item) => item.json.activity))).toContain('charge.refunded');
	});

	it.each([0, 366])('refuses %i days with the allowed range', async (days) => {
		const error = await backfill({ days }).catch((caught: unknown) => caught);

		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as Error).message).toBe(`Days must be a whole number from 1 to 365, not ${days}`);
	});

	it('backfills from objects alone, with a warning naming the permission, when the key cannot read events', async () => {
		const { events: _events, ...withoutEvents } = DOCUMENTED_PERMISSIONS;
		const now = demo.emulator.now();
		const logged = loggedFacts(now - WINDOW_DAYS * DAY, now);

		const [items] = await backfill({}, withoutEvents);

		expect(items.length).toBeGreaterThan(0);
		expect(items.every((item) => String(item.json.eventId).startsWith('backfill:'))).toBe(true);
		expect(items[0].json.warnings).toEqual([expect.stringContaining('rak_event_read')]);
		// Every fact objects can show is found, with the same dedupeKey as its event would give.
		const returned = new Set(items.map((item) => keyOf(item.json)));
		expect(logged.filter((fact) => !returned.has(keyOf(fact)) && unexplainedMissing(fact, returned)).map(keyOf)).toEqual([]);
	});

	// Runs last: it adds a customer to the account the tests above compare with the event log.
	it('includes what happened in the second the backfill starts, batched or not', async () => {
		// The emulator's clock is frozen, so the trial starts in the very second the backfill reads as now.
		const { customer } = runScenario(demo.emulator, 'trial_started');
		const trialStarted = (items: IDataObject[]) => items.filter((item) => (item.customer as IDataObject).id === customer.id).map((item) => item.activity);

		const [unbatched] = await backfill();
		const [[batch]] = await backfill({ inBatches: true, batchSize: 10_000, cursor: '' });

		expect(trialStarted(unbatched.map((item) => item.json))).toContain('trial.started');
		expect(batch.json.done).toBe(true);
		expect(trialStarted(batch.json.rows as IDataObject[])).toContain('trial.started');
	});
});
