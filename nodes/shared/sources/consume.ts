/** Feeds every object of a list to `add` as pages arrive, so nothing waits for the whole list. */
export async function consume<T>(objects: AsyncIterable<T>, add: (object: T) => void): Promise<void> {
	for await (const object of objects) add(object);
}
