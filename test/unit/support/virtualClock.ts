import type { Clock } from '../../../nodes/shared/transport/rateLimiter';

/**
 * Discrete-event time for transport tests: `sleep` parks a timer and `run` advances to the
 * earliest one only when nothing else can make progress, so rate-limit and back-off behaviour
 * is checked in virtual milliseconds without a single real wait.
 */
export class VirtualClock implements Clock {
	private current = 1_700_000_000_000;
	private timers: Array<{ at: number; resolve: () => void; order: number }> = [];
	private order = 0;
	readonly sleeps: number[] = [];

	now(): number {
		return this.current;
	}

	sleep(ms: number): Promise<void> {
		this.sleeps.push(ms);
		return new Promise((resolve) => {
			this.timers.push({ at: this.current + ms, resolve, order: this.order++ });
		});
	}

	async run<T>(work: Promise<T>): Promise<T> {
		let settled = false;
		const result = work.finally(() => (settled = true));
		result.catch(() => undefined);
		while (!settled) {
			await new Promise((resolve) => setImmediate(resolve));
			if (settled) break;
			if (this.timers.length === 0) continue;
			this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
			const next = this.timers.shift()!;
			this.current = Math.max(this.current, next.at);
			next.resolve();
		}
		return await result;
	}
}
