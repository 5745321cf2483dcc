import { applyFetched, planFetch, type Fetched, type FetchOptions, type FetchPlan, type PlaybookSubject } from '../shared/lifecycle/playbook/context';
import type { PlaybookStep } from '../shared/lifecycle/playbook/steps';
import type { StripeApi } from '../shared/transport/resources';

/**
 * Runs the core's fetch plans (context.ts `planFetch`: at most one GET per item, with the
 * customer and product expanded into it) through the transport, read-only, and answers the same
 * request once per node execution however many items need it: two receipts of one customer
 * cost one customer read. A fresh fetcher per execution keeps the data as current as the event
 * that started it.
 */
export class ContextFetcher {
	private readonly answers = new Map<string, Promise<Fetched>>();

	constructor(private readonly stripe: StripeApi) {}

	/** `subject` completed for `step`; unchanged when nothing is missing. */
	async complete(step: PlaybookStep, subject: PlaybookSubject, options: FetchOptions): Promise<PlaybookSubject> {
		const plan = planFetch(step, subject, options);
		return plan ? applyFetched(subject, await this.fetch(plan)) : subject;
	}

	private fetch(plan: FetchPlan): Promise<Fetched> {
		const key = requestKey(plan);
		let answer = this.answers.get(key);
		if (!answer) {
			answer = this.stripe.get(plan.path, { ...plan.query, ...(plan.expand.length > 0 ? { expand: plan.expand } : {}) });
			// A failed request is not remembered: the next item that needs it tries again.
			answer.catch(() => this.answers.delete(key));
			this.answers.set(key, answer);
		}
		return answer;
	}
}

function requestKey(plan: FetchPlan): string {
	const query = Object.entries(plan.query)
		.sort(([a], [b]) => a.localeCompare(b))
		.map(([name, value]) => `${name}=${value}`);
	return `${plan.path}?${[...query, ...[...plan.expand].sort().map((path) => `expand=${path}`)].join('&')}`;
}
