import { readFileSync } from 'fs';
import { join } from 'path';

import { STRIPE_EVENTS_FOR } from '../../nodes/shared/lifecycle/activities';
import { AUDIENCES } from '../../nodes/shared/lifecycle/audiences';
import { ACTIVITIES } from '../../nodes/shared/lifecycle/types';

const DOCS = join(__dirname, '..', '..', 'docs');

/** The rows of the first table after `heading`, as cells with the Markdown kept. */
function tableAfter(file: string, heading: string): string[][] {
	const text = readFileSync(join(DOCS, file), 'utf8');
	const start = text.indexOf(`\n${heading}\n`);
	expect(start).toBeGreaterThan(-1);
	const lines = text.slice(start).split('\n');
	const first = lines.findIndex((line) => line.startsWith('|'));
	const table = lines.slice(first, first + lines.slice(first).findIndex((line) => !line.startsWith('|')));
	return table.slice(2).map((row) => row.split('|').slice(1, -1).map((cell) => cell.trim()));
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('docs/ACTIVITIES.md', () => {
	const rows = tableAfter('ACTIVITIES.md', '## The activities');

	it('lists exactly the activities of the taxonomy, each in its category', () => {
		expect(rows.map(([activity, category]) => [codeSpans(activity)[0], category])).toEqual(Object.entries(ACTIVITIES));
	});

	it('names the Stripe events each activity subscribes to', () => {
		const listed = rows.filter(([activity]) => codeSpans(activity)[0] !== 'stripe.event').map(([activity, , events]) => [codeSpans(activity)[0], codeSpans(events)]);
		const subscribed = Object.entries(STRIPE_EVENTS_FOR)
			.filter(([activity]) => activity !== 'stripe.event')
			.map(([activity, events]) => [activity, [...events]]);
		expect(listed).toEqual(subscribed);
	});

	it('gives every activity its dedupeKey', () => {
		const keyed = tableAfter('ACTIVITIES.md', '## `dedupeKey`').flatMap(([activities]) => codeSpans(activities));
		expect([...keyed].sort()).toEqual(Object.keys(ACTIVITIES).sort());
	});
});

describe('docs/PROFILES.md', () => {
	it('lists exactly the audiences, with their parameter defaults', () => {
		const rows = tableAfter('PROFILES.md', '## Audiences');
		expect(rows.map(([audience]) => codeSpans(audience)[0]).sort()).toEqual(Object.keys(AUDIENCES).sort());
		for (const [audience, , parameter] of rows) {
			const definition = AUDIENCES[codeSpans(audience)[0] as keyof typeof AUDIENCES];
			expect(parameter).toEqual(definition.parameter ? expect.stringContaining(`default ${definition.parameter.default}`) : '');
		}
	});
});
