import type { PlaybookSubject } from './context';
import type { PlaybookStep } from './steps';

/**
 * The built-in English copy. Copy receives every value already formatted for the customer's
 * locale (dates and money), so a German customer reads "3. November 2026" and "49,00 €" inside
 * English sentences; translated copy is what the subject/text/html overrides are for.
 *
 * Copy is plain text throughout: compose.ts escapes it for HTML in one place, so nothing here
 * has to think about markup.
 */

/** Every value a message may show; each is also a `{{placeholder}}` in overrides. Null when unknown. */
export const FIELD_NAMES = [
	'firstName',
	'name',
	'email',
	'brandName',
	'senderName',
	'signOff',
	'planName',
	'planPrice',
	'billingPeriod',
	'amount',
	'invoiceNumber',
	'invoiceUrl',
	'attemptCount',
	'nextRetryDate',
	'trialEndDate',
	'trialDaysLeft',
	'periodEndDate',
	'productUrl',
	'billingPortalUrl',
	'paymentUpdateUrl',
] as const;

export type FieldName = (typeof FIELD_NAMES)[number];

export type MessageFields = Record<FieldName, string | null> & { brandName: string; signOff: string };

export interface CallToAction {
	label: string;
	url: string;
}

export interface Copy {
	subject: string;
	/** The preview line inbox lists show next to the subject. */
	preheader: string;
	/** Paragraphs before the call to action, greeting first. */
	intro: string[];
	cta: CallToAction | null;
	/** Paragraphs after it (the sign-off is added by compose). */
	outro: string[];
}

export type DunningLevel = 'notice' | 'reminder' | 'final';

/**
 * Tone by payment attempt: a friendly heads-up, a firmer reminder, then a final notice. With
 * Stripe's default retry schedule (up to four attempts) the third attempt is the last retry
 * with time left to act, so "final" starts there.
 */
export function dunningLevel(attemptCount: number): DunningLevel {
	if (attemptCount >= 3) return 'final';
	return attemptCount === 2 ? 'reminder' : 'notice';
}

export function defaultSignOff(brandName: string, senderName?: string | null): string {
	return `Thanks,\n${senderName || `The ${brandName} team`}`;
}

export function builtInCopy(step: PlaybookStep, f: MessageFields, subject: PlaybookSubject): Copy {
	const greeting = `Hi ${f.firstName ?? 'there'},`;
	const copy = COPY[step](f, subject);
	return { ...copy, intro: [greeting, ...copy.intro] };
}

type StepCopy = (f: MessageFields, subject: PlaybookSubject) => Copy;

/** The first link that is configured, so a step still has a button when only some URLs are set. */
function firstLink(...candidates: Array<[label: string, url: string | null]>): CallToAction | null {
	const found = candidates.find(([, url]) => url);
	return found ? { label: found[0], url: found[1] as string } : null;
}

function thePlan(f: MessageFields, prefix: string): string {
	return f.planName ? `${prefix}the ${f.planName} plan` : '';
}

/** "€49.00 per month", or null when the price or the period is unknown. */
function pricePerPeriod(f: MessageFields): string | null {
	return f.planPrice && f.billingPeriod ? `${f.planPrice} ${f.billingPeriod}` : null;
}

function invoiceRef(f: MessageFields): string {
	return f.invoiceNumber ? ` (invoice ${f.invoiceNumber})` : '';
}

const COPY: Record<PlaybookStep, StepCopy> = {
	welcome: (f, subject) => {
		const brand = f.brandName;
		const cta = firstLink(['Get started', f.productUrl]);
		if (subject.subscription?.status === 'trialing' || subject.activity === 'trial.started') {
			return {
				subject: `Welcome to ${brand} — your trial has started`,
				preheader: f.trialEndDate ? `You have full access until ${f.trialEndDate}.` : `Your ${brand} trial is ready.`,
				intro: [
					`Thanks for trying ${brand}! Your free trial${thePlan(f, ' of ')} is up and running${f.trialEndDate ? `, with full access until ${f.trialEndDate}` : ''}.`,
					`The quickest way to see what ${brand} can do is to dive in and set it up the way you work.`,
				],
				cta,
				outro: ['Questions along the way? Just reply to this email — it goes straight to a real person.'],
			};
		}
		return {
			subject: `Welcome to ${brand}`,
			preheader: 'Your account is ready to go.',
			intro: [
				`Thanks for subscribing to ${brand}${f.planName ? ` — you're on the ${f.planName} plan` : ''}. Your account is ready to go.`,
			],
			cta,
			outro: [
				'You can update your payment details, download invoices or change your plan at any time from your billing settings.',
				'Questions? Just reply to this email — it goes straight to a real person.',
			],
		};
	},

	trial_ending: (f) => {
		const price = pricePerPeriod(f);
		return {
		subject: f.trialEndDate ? `Your ${f.brandName} trial ends on ${f.trialEndDate}` : `Your ${f.brandName} trial is ending soon`,
		preheader: "Here's what happens next.",
		intro: [
			`Just a heads-up: your ${f.brandName} trial ends ${f.trialEndDate ? `on ${f.trialEndDate}` : 'soon'}.`,
			price
				? `After that, your subscription${thePlan(f, ' to ')} starts automatically at ${price}. You don't need to do anything to keep your account and everything in it.`
				: "After that, your subscription starts automatically, and you keep everything you've set up.",
		],
		cta: firstLink(['Review my plan', f.billingPortalUrl], [`Open ${f.brandName}`, f.productUrl]),
		outro: ['Want to switch plans or cancel instead? You can do that from your billing settings any time before the trial ends.'],
		};
	},

	trial_converted: (f) => {
		const price = pricePerPeriod(f);
		return {
			subject: `Your ${f.brandName} subscription is now active`,
			preheader: "Your trial has ended and you're all set.",
			intro: [
				`Your trial has ended and your subscription${thePlan(f, ' to ')} is now active. Thanks for choosing ${f.brandName}!`,
				...(price ? [`You'll be billed ${price}, and a receipt lands in your inbox after each payment.`] : []),
			],
			cta: firstLink(['Manage billing', f.billingPortalUrl], [`Open ${f.brandName}`, f.productUrl]),
			outro: ['If you ever need to update your payment details or change plans, it only takes a minute from your billing settings.'],
		};
	},

	payment_failed: (f, subject) => {
		const brand = f.brandName;
		const owed = f.amount ?? 'your latest payment';
		const attempts = subject.invoice?.attemptCount ?? 1;
		const cta = firstLink(
			['Update payment method', f.paymentUpdateUrl],
			['Pay invoice', f.invoiceUrl],
			['Update payment method', f.billingPortalUrl],
		);
		switch (dunningLevel(attempts)) {
			case 'notice':
				return {
					subject: `We couldn't process your ${brand} payment`,
					preheader: 'Please check your payment details.',
					intro: [
						`We tried to collect ${owed} for your ${brand} subscription${invoiceRef(f)}, but the payment didn't go through. This usually happens when a card has expired or the bank declined the charge.`,
						f.nextRetryDate
							? `We'll try again automatically on ${f.nextRetryDate}. To make sure that attempt succeeds, please check your payment details.`
							: 'Please check your payment details so we can collect the payment.',
					],
					cta,
					outro: ["If you've already sorted this out, you can ignore this email."],
				};
			case 'reminder':
				return {
					subject: `Reminder: your ${brand} payment is still outstanding`,
					preheader: `We've tried ${attempts} times to collect your payment.`,
					intro: [
						`We still haven't been able to collect ${owed} for your ${brand} subscription${invoiceRef(f)}. We've now tried ${attempts} times without success.`,
						f.nextRetryDate
							? `Please update your payment method before ${f.nextRetryDate}, when we'll try again, to avoid any interruption to your account.`
							: 'Please update your payment method to avoid any interruption to your account.',
					],
					cta,
					outro: ['It only takes a minute, and nothing in your account changes.'],
				};
			case 'final':
				return {
					subject: `Final notice: your ${brand} subscription is about to be cancelled`,
					preheader: 'Update your payment method to keep your account.',
					intro: [
						`This is our final reminder. We've tried ${attempts} times to collect ${owed} for your ${brand} subscription${invoiceRef(f)}, and each attempt has failed.`,
						f.nextRetryDate
							? `We'll try one more time on ${f.nextRetryDate}. If that payment fails, your subscription will be cancelled and you'll lose access to ${brand}.`
							: `Unless the invoice is paid, your subscription will be cancelled and you'll lose access to ${brand}.`,
					],
					cta,
					outro: ['Updating your payment method takes less than a minute, and everything in your account stays exactly as it is.'],
				};
		}
	},

	payment_recovered: (f) => ({
		subject: `Your ${f.brandName} payment went through`,
		preheader: 'Thanks — your account is in good standing.',
		intro: [
			`Good news: we've received your payment${f.amount ? ` of ${f.amount}` : ''}${invoiceRef(f)}, and your ${f.brandName} subscription is back in good standing.`,
			"Thanks for sorting it out so quickly — there's nothing else you need to do.",
		],
		cta: firstLink(['View invoice', f.invoiceUrl]),
		outro: [],
	}),

	cancellation_winback: (f, subject) => {
		const brand = f.brandName;
		const subscription = subject.subscription;
		if (subscription && subscription.status !== 'canceled') {
			return {
				subject: f.periodEndDate ? `Your ${brand} subscription ends on ${f.periodEndDate}` : `Your ${brand} subscription is set to end`,
				preheader: 'You can keep it with one click until then.',
				intro: [
					`We've received your cancellation. ${f.planName ? `Your ${f.planName} plan` : 'Your subscription'} stays active until ${f.periodEndDate ?? 'the end of your current billing period'}, so you can keep using ${brand} until then.`,
					'Changed your mind? You can resume your subscription from your billing settings any time before then — nothing is lost.',
				],
				cta: firstLink(['Keep my subscription', f.billingPortalUrl], [`Open ${brand}`, f.productUrl]),
				outro: ["And if something didn't work for you, we'd really like to know. Just reply to this email; we read every message."],
			};
		}
		return {
			subject: "We're sorry to see you go",
			preheader: `Your ${brand} subscription has ended.`,
			intro: [
				`Your ${brand} subscription${thePlan(f, ' to ')} has ended. Thank you for being a customer.`,
				'Your account is still here, so if you decide to come back, you can pick up right where you left off.',
			],
			cta: firstLink([`Come back to ${brand}`, f.productUrl]),
			outro: [`Could you tell us why you left? Just reply to this email — every answer helps us make ${brand} better.`],
		};
	},

	receipt: (f) => ({
		subject: `Your receipt from ${f.brandName}${f.invoiceNumber ? ` #${f.invoiceNumber}` : ''}`,
		preheader: f.amount ? `Thanks for your payment of ${f.amount}.` : 'Thanks for your payment.',
		intro: [
			`Thanks for your payment! We've received ${f.amount ?? 'your payment'} for your ${f.brandName} subscription${invoiceRef(f)}.`,
			f.invoiceUrl ? 'You can view the invoice and download a PDF copy for your records at any time.' : 'Keep this email for your records.',
		],
		cta: firstLink(['View invoice', f.invoiceUrl]),
		outro: [],
	}),

	plan_changed: (f, subject) => {
		const upgrade = subject.direction === 'upgrade';
		const price = pricePerPeriod(f);
		return {
			subject: upgrade
				? f.planName
					? `You're now on ${f.planName}`
					: `Your ${f.brandName} plan has been upgraded`
				: `Your ${f.brandName} plan has changed`,
			preheader: 'Here are the details of your new plan.',
			intro: [
				upgrade
					? `Your subscription has been upgraded${thePlan(f, ' to ')}. Everything in your new plan is available right away.`
					: `Your subscription has been changed${thePlan(f, ' to ')}.`,
				...(price ? [`Your new price is ${price}. Any prorated difference shows up on your next invoice.`] : []),
			],
			cta: firstLink(['Review my plan', f.billingPortalUrl], [`Open ${f.brandName}`, f.productUrl]),
			outro: ["If you didn't make this change or have any questions, just reply to this email."],
		};
	},
};
