import type Stripe from 'stripe';
import { DateTime } from 'luxon';

import { money, safeLocale, toMinorUnits, type Money } from './money';
import { mrrBreakdown, type DiscountScope } from './mrr';
import { DAY_SECONDS, epochNow, isoFromEpoch } from './time';
import type {
	Activity,
	ConvertedTotal,
	MovementKind,
	MrrMovements,
	MrrPoint,
	ProductMrr,
	Rate,
	RateTable,
	SaasCurrencyReport,
	SaasCurrencySnapshot,
	SaasReport,
	SaasSnapshot,
	TrialConversion,
} from './types';

/**
 * SaaS metrics as Stripe Billing's analytics glossary defines them (docs/METRICS.md), over plain
 * subscription objects, per currency (amounts of different currencies are never added; a
 * user rate table yields a separate converted total).
 *
 * How history is rebuilt. Stripe keeps a subscription's present, not its past, so each
 * subscription becomes a paid span `[paidFrom, paidUntil)`:
 * - it starts paying at `max(start_date, trial_end)` — trials never count;
 * - it stops at `ended_at` (or `canceled_at`) once `canceled`, at `status_details.paused.transitioned_at`
 *   once `paused`, and is still running when `active` or `past_due` (a `cancel_at_period_end`
 *   subscription counts until it actually ends);
 * - `trialing`, `incomplete`, `incomplete_expired` and `unpaid` subscriptions count at no instant
 *   (`unpaid` records no time of its transition, so its paid past is dropped — an approximation);
 * - a trial that ended within an hour of `trial_end` never paid (Stripe cancelled or paused it for
 *   a missing payment method), so its span is empty.
 * Inside the span a subscription is valued at its current items with `subscriptionMrr` (the one
 * MRR definition). Plan changes before the present are invisible in the object; where the
 * caller supplies `subscription.changed` activities (the Events API keeps 30 days), each one's
 * `mrrDelta` is undone for instants before it, so expansion and contraction are exact there.
 * Before that window a change shows only as the current value throughout the span.
 */

/** Stripe ends a trial without payment at `trial_end`; an end this close to it is not a paid month. */
const TRIAL_EXPIRY_GRACE_SECONDS = 60 * 60;

/** An average month, for scaling a period's churn rate to a monthly one. */
const AVERAGE_MONTH_DAYS = 365.25 / 12;

export interface SaasMetricsOptions {
	/** Which discounts reduce MRR: `forever` only, as Stripe does (default), or `all` active ones. */
	discounts?: DiscountScope;
	/** When `all` discounts are evaluated, in epoch seconds (default now); an ended subscription is valued just before it ended. */
	valuedAt?: number;
	/** BCP 47 locale for formatted money and percentages (default en-US). */
	locale?: string;
	/** Converts per-currency totals into one reporting currency, shown separately. */
	rates?: RateTable;
	/** Epoch seconds since which `subscription.changed` activities were supplied (the Events API window). */
	exactSince?: number;
}

export interface ReportPeriod {
	/** Inclusive start, epoch seconds. */
	from: number;
	/** Exclusive end, epoch seconds. */
	to: number;
	/** IANA zone for day boundaries of the MRR series (default UTC; invalid zones fall back to UTC). */
	zone?: string;
}

/** One subscription reduced to what the metrics need, so memory stays small per subscription. */
interface SubscriptionSpan {
	id: string;
	customer: string;
	currency: string;
	productId: string | null;
	/** Minor units at the current items. */
	mrr: number;
	paidFrom: number;
	paidUntil: number;
	trialFrom: number | null;
	trialUntil: number | null;
	/** The trial is over (the subscription is no longer `trialing`). */
	trialEnded: boolean;
	/** Plan changes from events, oldest first: `delta` is the MRR the change added at `at`. */
	changes: Array<{ at: number; delta: number }>;
}

/**
 * Collects subscriptions (any status, `items.data.price` expanded) and, optionally,
 * `subscription.changed` activities and products, one at a time as the node pages through them;
 * then answers `snapshot(at)` and `report(period)`. Memory is one small record per subscription.
 */
export class SaasMetricsBuilder {
	private readonly spans = new Map<string, SubscriptionSpan>();

	/** subscription id → dedupeKey → change, so an event listed twice counts once and order does not matter. */
	private readonly changes = new Map<string, Map<string, { at: number; delta: number }>>();

	private readonly productNames = new Map<string, string>();

	private readonly unresolvedDiscounts = new Set<string>();

	constructor(private readonly options: SaasMetricsOptions = {}) {}

	addSubscription(subscription: Stripe.Subscription): void {
		const { paidFrom, paidUntil } = paidSpan(subscription);
		const valuedAt = Math.min(this.options.valuedAt ?? epochNow(), paidUntil - 1);
		// Status only decides when the subscription counted; its value is that of a paying one.
		const breakdown = mrrBreakdown(
			{ ...subscription, status: 'active' },
			{ discounts: this.options.discounts ?? 'forever', at: valuedAt },
		);
		for (const id of breakdown.unresolvedDiscounts) this.unresolvedDiscounts.add(id);
		const plan = subscription.items.data.find((item) => item.price.recurring?.usage_type !== 'metered');
		const product = plan?.price.product;
		if (product !== undefined && typeof product !== 'string') this.addProduct(product);
		const trialUntil = subscription.trial_end === null ? null : Math.min(subscription.trial_end, subscription.ended_at ?? Infinity);
		this.spans.set(subscription.id, {
			id: subscription.id,
			customer: idOf(subscription.customer),
			currency: subscription.currency.toLowerCase(),
			productId: product === undefined ? null : idOf(product),
			mrr: breakdown.mrr,
			paidFrom,
			paidUntil,
			trialFrom: subscription.trial_start,
			trialUntil,
			trialEnded: subscription.status !== 'trialing',
			changes: [],
		});
	}

	/** Keeps `subscription.changed` activities (from `toActivities`); every other activity is ignored. */
	addActivity(activity: Activity): void {
		if (activity.activity !== 'subscription.changed' || !activity.change || !activity.subscription) return;
		const at = Date.parse(activity.occurredAt) / 1000;
		if (!Number.isFinite(at)) return;
		let bySubscription = this.changes.get(activity.subscription.id);
		if (!bySubscription) {
			bySubscription = new Map();
			this.changes.set(activity.subscription.id, bySubscription);
		}
		bySubscription.set(activity.dedupeKey, { at, delta: activity.change.mrrDelta });
	}

	/** Names products for the per-product breakdown (subscription lists cannot expand that deep). */
	addProduct(product: Stripe.Product | Stripe.DeletedProduct): void {
		if (!product.deleted) this.productNames.set(product.id, product.name);
	}

	/**
	 * MRR and subscribers at one instant `at` (epoch seconds), per currency:
	 * - MRR: sum over subscriptions paying at `at` (see the module comment); ARR = 12 × MRR.
	 * - Paying customers: customers whose MRR in the currency is > 0 at `at`.
	 * - Active subscriptions: subscriptions inside their paid span at `at`, whatever their value.
	 * - Trialing: subscriptions with `trial_start ≤ at < trial end`.
	 * - ARPU = MRR ÷ paying customers, rounded to the minor unit; null without paying customers.
	 */
	snapshot(at: number): SaasSnapshot {
		const locale = this.options.locale;
		const groups = this.groups();
		const payingAnywhere = new Set<string>();
		let trialingTotal = 0;
		const currencies: SaasCurrencySnapshot[] = [];
		for (const [currency, customers] of groups) {
			let mrr = 0;
			let paying = 0;
			let active = 0;
			let trialing = 0;
			const products = new Map<string | null, { mrr: number; subscriptions: number }>();
			for (const [customer, spans] of customers) {
				const customerMrr = mrrAt(spans, at);
				if (customerMrr > 0) {
					paying += 1;
					payingAnywhere.add(customer);
				}
				mrr += customerMrr;
				for (const span of spans) {
					if (isTrialingAt(span, at)) trialing += 1;
					if (!isPayingAt(span, at)) continue;
					active += 1;
					const product = products.get(span.productId) ?? { mrr: 0, subscriptions: 0 };
					product.mrr += spanValueAt(span, at);
					product.subscriptions += 1;
					products.set(span.productId, product);
				}
			}
			trialingTotal += trialing;
			currencies.push({
				currency,
				mrr: money(mrr, currency, locale),
				arr: money(mrr * 12, currency, locale),
				payingCustomers: paying,
				activeSubscriptions: active,
				trialing,
				arpu: paying > 0 ? money(Math.round(mrr / paying), currency, locale) : null,
				products: [...products]
					.map(([productId, value]): ProductMrr => ({
						productId,
						productName: productId === null ? null : (this.productNames.get(productId) ?? null),
						mrr: money(value.mrr, currency, locale),
						subscriptions: value.subscriptions,
					}))
					.sort((a, b) => b.mrr.minor - a.mrr.minor || String(a.productId).localeCompare(String(b.productId))),
			});
		}
		return {
			metric: 'saas_snapshot',
			at: isoFromEpoch(at) ?? '',
			currencies,
			payingCustomers: payingAnywhere.size,
			trialing: trialingTotal,
			converted: this.convert({
				mrr: currencies.map((entry) => entry.mrr),
				arr: currencies.map((entry) => entry.arr),
			}),
			unresolvedDiscounts: [...this.unresolvedDiscounts].sort(),
		};
	}

	/**
	 * Movements, churn, conversion, LTV and a daily MRR series over `[from, to)`, per currency.
	 * MRR at start is the MRR just before `from`; MRR at end, at the period's last second.
	 *
	 * Movements are read per customer and currency at every instant one of their subscriptions
	 * starts paying, ends or changes plan, comparing the customer's MRR just before and at it,
	 * so a plan swapped in one go (cancel and create in the same second) is one movement:
	 * - new: 0 → > 0 for a customer who never paid in this currency before; reactivation: 0 → > 0
	 *   for one who had and stopped;
	 * - expansion / contraction: the increase / decrease of a customer who pays before and after;
	 * - churned: > 0 → 0, the MRR lost.
	 * Rates (null when their denominator is 0):
	 * - subscriber churn rate = churned ÷ (customers paying at start + new + reactivated in period);
	 * - revenue churn rate = (churned MRR + contraction MRR) ÷ MRR at start;
	 * - monthly subscriber churn rate = 1 − (1 − subscriber churn rate)^(average month ÷ period length);
	 * - trial conversion rate (all currencies) = converted ÷ trials that ended in the period, a trial
	 *   ending at `trial_end` or when cancelled earlier; converted means it went on to pay.
	 * ARPU is at the end of the period; LTV = ARPU ÷ monthly subscriber churn rate, null at zero churn.
	 */
	report(period: ReportPeriod): SaasReport {
		const { from, to } = period;
		if (!(to > from)) throw new RangeError('The report period must end after it starts');
		const zone = validZone(period.zone);
		const locale = this.options.locale;
		const groups = this.groups();
		const periodDays = (to - from) / DAY_SECONDS;
		const currencies: SaasCurrencyReport[] = [];
		for (const [currency, customers] of groups) {
			const moved = emptyMovements();
			let mrrStart = 0;
			let mrrEnd = 0;
			let activeAtStart = 0;
			let payingAtEnd = 0;
			for (const spans of customers.values()) {
				const firstPaid = Math.min(...spans.filter(isPaidEver).map((span) => span.paidFrom));
				const start = mrrAt(spans, from - 1);
				const end = mrrAt(spans, to - 1);
				mrrStart += start;
				mrrEnd += end;
				if (start > 0) activeAtStart += 1;
				if (end > 0) payingAtEnd += 1;
				for (const at of changeInstants(spans, from, to)) {
					const movement = classify(mrrAt(spans, at - 1), mrrAt(spans, at), firstPaid < at);
					if (movement) {
						moved[movement.kind].mrr += movement.mrr;
						moved[movement.kind].customers += 1;
					}
				}
			}
			const joined = activeAtStart + moved.new.customers + moved.reactivation.customers;
			const subscriberChurn = ratio(moved.churned.customers, joined);
			const monthlyChurn = subscriberChurn === null ? null : 1 - (1 - subscriberChurn) ** (AVERAGE_MONTH_DAYS / periodDays);
			const arpu = payingAtEnd > 0 ? Math.round(mrrEnd / payingAtEnd) : null;
			currencies.push({
				currency,
				mrrStart: money(mrrStart, currency, locale),
				mrrEnd: money(mrrEnd, currency, locale),
				movements: movementsAsMoney(moved, currency, locale),
				activeAtStart,
				payingAtEnd,
				subscriberChurnRate: rate(subscriberChurn, locale),
				monthlySubscriberChurnRate: rate(monthlyChurn, locale),
				revenueChurnRate: rate(ratio(moved.churned.mrr + moved.contraction.mrr, mrrStart), locale),
				arpu: arpu === null ? null : money(arpu, currency, locale),
				ltv: arpu === null || !monthlyChurn ? null : money(Math.round(arpu / monthlyChurn), currency, locale),
				series: dailySeries(customers, { from, to, zone }).map(
					([date, value]): MrrPoint => ({ date, mrr: money(value, currency, locale) }),
				),
			});
		}
		return {
			metric: 'saas_report',
			from: isoFromEpoch(from) ?? '',
			to: isoFromEpoch(to) ?? '',
			zone,
			currencies,
			trialConversion: this.trialConversion(from, to),
			exactMovementsSince: isoFromEpoch(this.options.exactSince),
			converted: this.convert({
				mrrStart: currencies.map((entry) => entry.mrrStart),
				mrrEnd: currencies.map((entry) => entry.mrrEnd),
				netMovement: currencies.map((entry) => entry.movements.net),
			}),
		};
	}

	private trialConversion(from: number, to: number): TrialConversion {
		let trialsEnded = 0;
		let converted = 0;
		for (const span of this.spans.values()) {
			if (!span.trialEnded || span.trialUntil === null || span.trialUntil < from || span.trialUntil >= to) continue;
			trialsEnded += 1;
			if (isPaidEver(span)) converted += 1;
		}
		return { trialsEnded, converted, rate: rate(ratio(converted, trialsEnded), this.options.locale) };
	}

	private convert<K extends string>(fields: Record<K, Money[]>): ConvertedTotal<K> | null {
		return this.options.rates ? convertTotals(fields, this.options.rates, this.options.locale) : null;
	}

	/** currency → customer → spans (with their changes attached), in a stable order. */
	private groups(): Map<string, Map<string, SubscriptionSpan[]>> {
		const groups = new Map<string, Map<string, SubscriptionSpan[]>>();
		// Plain code-unit order: ids and currency codes are ASCII, and localeCompare is far slower at 500k spans.
		const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
		const sorted = [...this.spans.values()].sort((a, b) => byCode(a.currency, b.currency) || byCode(a.id, b.id));
		for (const span of sorted) {
			span.changes = [...(this.changes.get(span.id)?.values() ?? [])].sort((a, b) => a.at - b.at);
			const customers = groups.get(span.currency) ?? new Map<string, SubscriptionSpan[]>();
			groups.set(span.currency, customers);
			const spans = customers.get(span.customer) ?? [];
			customers.set(span.customer, spans);
			spans.push(span);
		}
		return groups;
	}
}

/** Statuses that count at no instant: never paid, still in trial, or no record of when they stopped. */
const NEVER_PAID_STATUSES: ReadonlySet<string> = new Set(['trialing', 'incomplete', 'incomplete_expired', 'unpaid']);

/** When the subscription counted towards MRR, as far as its own timestamps tell (see the module comment). */
function paidSpan(subscription: Stripe.Subscription): { paidFrom: number; paidUntil: number } {
	const none = { paidFrom: 0, paidUntil: 0 };
	if (NEVER_PAID_STATUSES.has(subscription.status)) return none;
	const trialEnd = subscription.trial_end;
	const paidFrom = Math.max(subscription.start_date, trialEnd ?? -Infinity);
	let paidUntil = Infinity;
	if (subscription.status === 'canceled') paidUntil = subscription.ended_at ?? subscription.canceled_at ?? paidFrom;
	else if (subscription.status === 'paused') paidUntil = subscription.status_details?.paused?.transitioned_at ?? paidFrom;
	if (trialEnd !== null && paidUntil - trialEnd <= TRIAL_EXPIRY_GRACE_SECONDS) return none;
	return paidUntil > paidFrom ? { paidFrom, paidUntil } : none;
}

function isPaidEver(span: SubscriptionSpan): boolean {
	return span.paidFrom < span.paidUntil;
}

function isPayingAt(span: SubscriptionSpan, at: number): boolean {
	return span.paidFrom <= at && at < span.paidUntil;
}

function isTrialingAt(span: SubscriptionSpan, at: number): boolean {
	return span.trialFrom !== null && span.trialUntil !== null && span.trialFrom <= at && at < span.trialUntil;
}

/** The subscription's MRR at `at`: its current value with every later plan change undone. */
function spanValueAt(span: SubscriptionSpan, at: number): number {
	if (!isPayingAt(span, at)) return 0;
	let value = span.mrr;
	for (const change of span.changes) if (change.at > at) value -= change.delta;
	return Math.max(0, value);
}

function mrrAt(spans: SubscriptionSpan[], at: number): number {
	let total = 0;
	for (const span of spans) total += spanValueAt(span, at);
	return total;
}

/** Instants in `[from, to)` at which a customer's MRR can move, ascending and distinct. */
function changeInstants(spans: SubscriptionSpan[], from: number, to: number): number[] {
	const instants = new Set<number>();
	for (const span of spans) {
		if (!isPaidEver(span)) continue;
		instants.add(span.paidFrom);
		instants.add(span.paidUntil);
		for (const change of span.changes) instants.add(change.at);
	}
	return [...instants].filter((at) => at >= from && at < to).sort((a, b) => a - b);
}

function classify(before: number, after: number, paidBefore: boolean): { kind: MovementKind; mrr: number } | null {
	if (before === after) return null;
	if (before === 0) return { kind: paidBefore ? 'reactivation' : 'new', mrr: after };
	if (after === 0) return { kind: 'churned', mrr: before };
	return after > before ? { kind: 'expansion', mrr: after - before } : { kind: 'contraction', mrr: before - after };
}

type MovementSums = Record<MovementKind, { mrr: number; customers: number }>;

const MOVEMENT_KINDS: readonly MovementKind[] = ['new', 'expansion', 'contraction', 'churned', 'reactivation'];

function emptyMovements(): MovementSums {
	const sums = {} as MovementSums;
	for (const kind of MOVEMENT_KINDS) sums[kind] = { mrr: 0, customers: 0 };
	return sums;
}

function movementsAsMoney(sums: MovementSums, currency: string, locale: string | undefined): MrrMovements {
	const net = sums.new.mrr + sums.expansion.mrr + sums.reactivation.mrr - sums.contraction.mrr - sums.churned.mrr;
	const movements = { net: money(net, currency, locale) } as MrrMovements;
	for (const kind of MOVEMENT_KINDS) movements[kind] = { mrr: money(sums[kind].mrr, currency, locale), customers: sums[kind].customers };
	return movements;
}

/**
 * One point per calendar day in `zone` that the period touches: the MRR at the last second of
 * the day, or of the period for its last day. Days follow the zone's midnights, so a DST day
 * is 23 or 25 hours long.
 */
function dailySeries(customers: Map<string, SubscriptionSpan[]>, period: Required<ReportPeriod>): Array<[string, number]> {
	const points: Array<[string, number]> = [];
	let day = DateTime.fromSeconds(period.from, { zone: period.zone }).startOf('day');
	while (day.toSeconds() < period.to) {
		const next = day.plus({ days: 1 });
		const at = Math.min(next.toSeconds(), period.to) - 1;
		let total = 0;
		for (const spans of customers.values()) total += mrrAt(spans, at);
		points.push([day.toISODate() ?? '', total]);
		day = next;
	}
	return points;
}

/** The zone if luxon knows it, else UTC, so a typo shifts day boundaries visibly instead of failing. */
export function validZone(zone: string | undefined): string {
	if (!zone) return 'UTC';
	return DateTime.fromSeconds(0, { zone }).isValid ? zone : 'UTC';
}

/** `numerator ÷ denominator`, or null when the denominator is 0 (a rate of nothing is not 0%). */
export function ratio(numerator: number, denominator: number): number | null {
	return denominator > 0 ? numerator / denominator : null;
}

const percentFormatters = new Map<string, Intl.NumberFormat>();

/** A ratio with its percent text (one decimal), or null. */
export function rate(value: number | null, locale?: string): Rate | null {
	if (value === null) return null;
	const key = safeLocale(locale);
	let formatter = percentFormatters.get(key);
	if (!formatter) {
		formatter = new Intl.NumberFormat(key, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
		percentFormatters.set(key, formatter);
	}
	return { value, formatted: formatter.format(value) };
}

/**
 * Adds up each field's per-currency amounts in the table's currency: `amount × rates[code]`
 * (1 for the table's own currency), in major units, rounded once to the target's minor unit.
 * Currencies without a positive finite rate are left out and listed in `missingRates`.
 */
export function convertTotals<K extends string>(fields: Record<K, Money[]>, table: RateTable, locale?: string): ConvertedTotal<K> {
	const target = table.currency.toLowerCase();
	const rates = new Map(Object.entries(table.rates).map(([code, value]) => [code.toLowerCase(), value]));
	rates.set(target, 1);
	const missing = new Set<string>();
	const totals = {} as Record<K, Money>;
	for (const field of Object.keys(fields) as K[]) {
		let major = 0;
		for (const amount of fields[field]) {
			const factor = rates.get(amount.currency);
			if (factor === undefined || !Number.isFinite(factor) || factor <= 0) missing.add(amount.currency);
			else major += amount.value * factor;
		}
		totals[field] = money(toMinorUnits(major, target), target, locale);
	}
	return { currency: target, missingRates: [...missing].sort(), ...totals };
}

function idOf(value: string | { id: string }): string {
	return typeof value === 'string' ? value : value.id;
}
