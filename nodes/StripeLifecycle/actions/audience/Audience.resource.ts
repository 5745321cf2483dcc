import { resource } from '../operation';
import * as getMembers from './getMembers.operation';

export const audience = resource(
	{ name: 'Audience', description: 'Segments of customer profiles' },
	{ getMembers },
	'getMembers',
);
