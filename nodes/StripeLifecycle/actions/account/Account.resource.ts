import { resource } from '../operation';
import * as checkPermissions from './checkPermissions.operation';

export const account = resource(
	{ name: 'Account', description: 'Check the key\'s permissions' },
	{ checkPermissions },
	'checkPermissions',
);
