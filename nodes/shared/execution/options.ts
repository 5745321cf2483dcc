import type { INodePropertyOptions } from 'n8n-workflow';

export type Choice = Omit<INodePropertyOptions, 'value'>;

/**
 * The options of a Resource or Operation field, made from the map the node dispatches on: each
 * option's value is the key of its handler, so an option cannot name a handler that does not
 * exist, nor a handler go without its option. Sorted by name, as n8n lists options.
 */
export function optionsFrom<Key extends string>(choices: Record<Key, { option: Choice }>): INodePropertyOptions[] {
	return (Object.entries(choices) as Array<[Key, { option: Choice }]>)
		.map(([value, { option: { name, ...rest } }]) => ({ name, value, ...rest }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** The entry `value` names, if it is one of the map's own keys (not, say, `constructor`). */
export function choiceOf<T>(choices: Record<string, T>, value: unknown): T | undefined {
	return typeof value === 'string' && Object.hasOwn(choices, value) ? choices[value] : undefined;
}

/** `key`, checked by the compiler to be one of the map's: for the field's `default`. */
export function keyOf<Key extends string>(_choices: Record<Key, unknown>, key: NoInfer<Key>): Key {
	return key;
}
