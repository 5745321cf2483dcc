import { startEmulator, type RunningEmulator } from '../../emulator';
import { N8N_START_TIMEOUT_MS, startN8n, type N8nInstance } from '../../dev/n8n';

export interface Stack {
	n8n: N8nInstance;
	stripe: RunningEmulator;
}

/**
 * One Stripe emulator and one real n8n for a whole test file, handed to `receive` once both are
 * up and stopped after the file's last test.
 */
export function useStack(receive: (stack: Stack) => void): void {
	const stack: Partial<Stack> = {};
	beforeAll(async () => {
		stack.stripe = await startEmulator();
		stack.n8n = await startN8n();
		receive(stack as Stack);
	}, N8N_START_TIMEOUT_MS);
	afterAll(async () => {
		await stack.n8n?.stop();
		await stack.stripe?.close();
	});
}
