export * from './problems';
export * from './observability';
export * from './runtime';
export * from './api-keys/api-keys';
export * from './api-keys/api-keys.service';
export * from './api-keys/authenticate';
export * as apiKeysRepository from './api-keys/api-keys.repository';
export * from './outbound/outbound-request';
export { type AddressPolicy, publicAddressesOnly } from './outbound/address-policy';
