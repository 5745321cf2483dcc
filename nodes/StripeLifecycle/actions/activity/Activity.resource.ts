import { resource } from '../operation';
import * as getMany from './getMany.operation';

export const activity = resource(
	{ name: 'Activity', description: 'Backfill the activities the trigger would have emitted' },
	{ getMany },
	'getMany',
);
