import { NodeOperationError, type INode } from 'n8n-workflow';

/**
 * A parameter (or an item) the node cannot work with: `message` says what was wrong, `fix` what
 * the user should do, shown by n8n under the message. Every such error of the package comes from
 * here, so none reaches the user without the second half.
 */
export function parameterError(context: { getNode(): INode }, message: string, fix: string, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { description: fix, itemIndex });
}
