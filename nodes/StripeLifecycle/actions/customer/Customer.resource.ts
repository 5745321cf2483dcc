import { resource } from '../operation';
import * as getMany from './getMany.operation';
import * as getProfile from './getProfile.operation';

export const customer = resource(
	{ name: 'Customer', description: 'Customer profiles: the CRM record' },
	{ getProfile, getMany },
	'getProfile',
);
