import type Stripe from 'stripe';

import type { StripeApi } from '../transport/resources';

/**
 * Products and coupons are few, and Stripe returns them only as ids inside subscriptions
 * (expanding them through a subscription list would exceed Stripe's four-level expand limit),
 * so they are listed once and joined in memory.
 */
export interface Catalog {
	products: Map<string, Stripe.Product>;
	coupons: Map<string, Stripe.Coupon>;
}

export async function loadCatalog(stripe: StripeApi): Promise<Catalog> {
	const [products, coupons] = await Promise.all([
		collectById(stripe.products.list()),
		collectById(stripe.coupons.list()),
	]);
	return { products, coupons };
}

async function collectById<T extends { id: string }>(objects: AsyncIterable<T>): Promise<Map<string, T>> {
	const byId = new Map<string, T>();
	for await (const object of objects) byId.set(object.id, object);
	return byId;
}

/** The subscription with product objects on its prices and coupon objects on its discounts. */
export function withCatalog(subscription: Stripe.Subscription, catalog: Catalog): Stripe.Subscription {
	return {
		...subscription,
		discounts: subscription.discounts.map((discount) => resolveCoupon(discount, catalog)),
		items: {
			...subscription.items,
			data: subscription.items.data.map((item) => ({
				...item,
				discounts: item.discounts.map((discount) => resolveCoupon(discount, catalog)),
				price: {
					...item.price,
					product: typeof item.price.product === 'string' ? (catalog.products.get(item.price.product) ?? item.price.product) : item.price.product,
				},
			})),
		},
	};
}

function resolveCoupon(discount: string | Stripe.Discount, catalog: Catalog): string | Stripe.Discount {
	if (typeof discount === 'string' || typeof discount.source?.coupon !== 'string') return discount;
	const coupon = catalog.coupons.get(discount.source.coupon);
	return coupon ? { ...discount, source: { ...discount.source, coupon } } : discount;
}

/** Discounts must be expanded to be valued; their coupons come from the catalog. */
export const SUBSCRIPTION_LIST_PARAMS = {
	status: 'all',
	expand: ['data.discounts', 'data.items.data.discounts'],
} satisfies Stripe.SubscriptionListParams;
